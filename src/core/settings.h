/*
 * settings.h - small admin settings kept as one JSON object per key in the
 * `settings` table (migration 1): the attachment size limit, the company
 * header of printed documents, ...  Each area validates its own values.
 */
#ifndef RAPPORT_SETTINGS_H
#define RAPPORT_SETTINGS_H

#include "entity.h"

/* The object saved under key, merged over defaults (JSON text); new reference.
 * A missing or unreadable row gives the defaults. */
json_t *settings_load(db *d, const char *key, const char *defaults);
/* Saves obj (borrowed) under key; 0, or -1 with op->err. */
int settings_store(ent_op *op, const char *key, json_t *obj);

/* ---- the two settings of attachments and printed documents ---- */
/* {"max_size_mb": 20} */
json_t *settings_attachments(db *d);
int settings_attachments_save(ent_op *op, json_t *body);
/* {"name","name_en","address","address_en","phone","tax_number"} (strings, "" when unset) */
json_t *settings_company(db *d);
int settings_company_save(ent_op *op, json_t *body);

#endif
