/*
 * meta.h - the declarations as JSON for the web app (GET /api/meta) and the
 * cross-entity search (GET /api/search).
 */
#ifndef RAPPORT_META_H
#define RAPPORT_META_H

#include "entity.h"

/* {"entities":[{name, label, module, owned, title_field, default_sort,
 *   fields:[{name, type, label, required, unique, max_length, options, ref,
 *   searchable, sortable, list, read_only, default, scale}], relations:[...]}]}
 * Entities and fields the caller may not see are left out. */
json_t *meta_json(ent_op *op);
/* Search every searchable entity the caller may read:
 * {"query": q, "results": [{"entity", "label", "total", "data": [...]}]} (non-empty groups only). */
json_t *search_all(ent_op *op, const char *q, int64_t per_entity);

#endif
