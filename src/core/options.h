/*
 * options.h - admin-editable option lists (see options.c).  A list is a JSON
 * array of {"value", "label": {"zh-CN", "en"}, ...more members, e.g.
 * "probability"}; order is display order.
 */
#ifndef RAPPORT_OPTIONS_H
#define RAPPORT_OPTIONS_H

#include "../db/db.h"

#include <jansson.h>
#include <stdbool.h>

/* Declares a list and its first contents (static JSON text). */
void option_list_register(const char *name, const char *defaults_json);
bool option_list_known(const char *name);
/* Inserts the defaults of lists the database does not have yet. */
int option_lists_seed(db *d);
json_t *option_list_get(db *d, const char *name);
int option_list_set(db *d, const char *name, json_t *options);

#endif
