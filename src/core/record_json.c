/*
 * record_json.c - a record's row as the API's JSON (see record_json.h): the
 * SELECT list of an entity and the conversion of one result row.
 */
#include "record_json.h"
#include "acl.h"
#include "value.h"

#include <string.h>

void record_select(const entity_def *e, sqlb *q)
{
	sqlb_add(q, "SELECT t.id, t.version, t.created_at, t.updated_at, t.created_by, t.updated_by, t.deleted_at, ");
	sqlb_add(q, (e->flags & E_OWNED) ? "t.owner_id" : "NULL");
	for (const field_def *f = e->fields; f->name; f++) {
		sqlb_addf(q, ", t.%s", f->name);
		if (f->type == FT_MONEY)
			sqlb_addf(q, ", t.%s_currency", f->name);
	}
	/* the names of referenced records, so lists can show them */
	for (const field_def *f = e->fields; f->name; f++) {
		if (f->type != FT_REF)
			continue;
		const entity_def *t = strcmp(f->ref, "users") ? entity_find(f->ref) : NULL;
		if (t && t->title_field)
			sqlb_addf(q, ", (SELECT r.%s FROM %s r WHERE r.id = t.%s)", t->title_field, t->name, f->name);
		else
			sqlb_addf(q, ", (SELECT r.name FROM users r WHERE r.id = t.%s)", f->name);
	}
	if (e->flags & E_OWNED)
		sqlb_add(q, ", (SELECT r.name FROM users r WHERE r.id = t.owner_id)");
	sqlb_addf(q, " FROM %s t", e->name);
}

json_t *record_row_json(ent_op *op, const entity_def *e, db_stmt *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(db_col_int(s, 0)));
	json_object_set_new(o, "version", json_integer(db_col_int(s, 1)));
	json_object_set_new(o, "created_at", json_string(db_col_text(s, 2)));
	json_object_set_new(o, "updated_at", json_string(db_col_text(s, 3)));
	json_object_set_new(o, "created_by", db_col_is_null(s, 4) ? json_null() : json_integer(db_col_int(s, 4)));
	json_object_set_new(o, "updated_by", db_col_is_null(s, 5) ? json_null() : json_integer(db_col_int(s, 5)));
	if (!db_col_is_null(s, 6))
		json_object_set_new(o, "deleted_at", json_string(db_col_text(s, 6)));
	if (e->flags & E_OWNED)
		json_object_set_new(o, "owner_id", db_col_is_null(s, 7) ? json_null() : json_integer(db_col_int(s, 7)));
	int col = 8;
	for (const field_def *f = e->fields; f->name; f++) {
		if (acl_field_hidden(op->who, e, f)) {
			col += f->type == FT_MONEY ? 2 : 1;
			continue;
		}
		value_to_json(f, s, &col, o);
	}
	json_t *labels = json_object();
	for (const field_def *f = e->fields; f->name; f++) {
		if (f->type != FT_REF)
			continue;
		int c = col++;
		if (!db_col_is_null(s, c) && !acl_field_hidden(op->who, e, f))
			json_object_set_new(labels, f->name, json_string(db_col_text(s, c)));
	}
	if ((e->flags & E_OWNED) && !db_col_is_null(s, col))
		json_object_set_new(labels, "owner_id", json_string(db_col_text(s, col)));
	json_object_set_new(o, "_labels", labels);
	return o;
}
