/*
 * options.c - enum options: fixed in a declaration, or an admin-editable
 * option list (opportunity stages with their win probabilities, lead sources)
 * kept in the option_lists table and seeded from a module's defaults.
 */
#include "entity.h"
#include "options.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LISTS 32

static struct {
	const char *name;
	const char *defaults; /* JSON array text */
} lists[MAX_LISTS];
static int nlists;

void option_list_register(const char *name, const char *defaults_json)
{
	for (int i = 0; i < nlists; i++)
		if (!strcmp(lists[i].name, name))
			return;
	if (nlists < MAX_LISTS) {
		lists[nlists].name = name;
		lists[nlists].defaults = defaults_json;
		nlists++;
	}
}

int option_lists_seed(db *d)
{
	for (int i = 0; i < nlists; i++) {
		db_stmt *s = db_prepare(d, "INSERT INTO option_lists(name, options) VALUES (?, ?) "
					   "ON CONFLICT(name) DO NOTHING");
		if (!s)
			return -1;
		db_bind_str(s, 1, lists[i].name);
		db_bind_str(s, 2, lists[i].defaults);
		int rc = db_step(s);
		db_done(s);
		if (rc != DB_DONE)
			return -1;
	}
	return 0;
}

bool option_list_known(const char *name)
{
	for (int i = 0; i < nlists; i++)
		if (!strcmp(lists[i].name, name))
			return true;
	return false;
}

json_t *option_list_get(db *d, const char *name)
{
	db_stmt *s = db_prepare(d, "SELECT options FROM option_lists WHERE name = ?");
	if (!s)
		return json_array();
	db_bind_str(s, 1, name);
	json_t *j = NULL;
	if (db_step(s) == DB_ROW) {
		json_error_t err;
		j = json_loadb(db_col_text(s, 0), db_col_len(s, 0), 0, &err);
	}
	db_done(s);
	if (!json_is_array(j)) {
		json_decref(j);
		j = json_array();
	}
	return j;
}

int option_list_set(db *d, const char *name, json_t *options)
{
	char *txt = json_dumps(options, JSON_COMPACT);
	db_stmt *s = db_prepare(d, "UPDATE option_lists SET options = ? WHERE name = ?");
	int rc = -1;
	if (s && txt) {
		db_bind_str(s, 1, txt);
		db_bind_str(s, 2, name);
		rc = db_step(s) == DB_DONE && db_changes(d) == 1 ? 0 : -1;
	}
	db_done(s);
	free(txt);
	return rc;
}

json_t *entity_field_options(db *d, const field_def *f)
{
	if (f->options_list)
		return option_list_get(d, f->options_list);
	json_t *a = json_array();
	for (const enum_option *o = f->options; o && o->value; o++)
		json_array_append_new(a, json_pack("{s:s,s:{s:s,s:s}}", "value", o->value, "label", "zh-CN",
						   o->label.zh, "en", o->label.en));
	return a;
}

bool entity_option_valid(db *d, const field_def *f, const char *value)
{
	if (!f->options_list) {
		for (const enum_option *o = f->options; o && o->value; o++)
			if (!strcmp(o->value, value))
				return true;
		return !f->options && f->type == FT_TAGS; /* free tags */
	}
	json_t *opts = option_list_get(d, f->options_list);
	bool ok = false;
	size_t i;
	json_t *o;
	json_array_foreach(opts, i, o)
		ok |= json_is_string(json_object_get(o, "value")) &&
		      !strcmp(json_string_value(json_object_get(o, "value")), value);
	json_decref(opts);
	return ok;
}
