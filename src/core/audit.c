/* audit.c - see audit.h. */
#include "audit.h"
#include "acl.h"
#include "../util/clock.h"

#include <stdlib.h>
#include <string.h>

int audit_write(ent_op *op, const entity_def *e, int64_t id, const char *action, json_t *changes)
{
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	char *txt = json_dumps(changes, JSON_COMPACT);
	db_stmt *s = db_prepare(op->db, "INSERT INTO audit_log(entity, record_id, action, user_id, at, changes) "
					"VALUES (?, ?, ?, ?, ?, ?)");
	int rc = DB_ERR;
	if (s) {
		db_bind_str(s, 1, e->name);
		db_bind_int(s, 2, id);
		db_bind_str(s, 3, action);
		if (op->who && op->who->user.id) /* user 0 is the system: nobody */
			db_bind_int(s, 4, op->who->user.id);
		else
			db_bind_null(s, 4);
		db_bind_str(s, 5, now);
		db_bind_str(s, 6, txt ? txt : "[]");
		rc = db_step(s);
		db_done(s);
	}
	free(txt);
	return rc == DB_DONE ? 0 : op_db_fail(op, rc);
}

static json_t *visible_changes(ent_op *op, const entity_def *e, const char *text, size_t len)
{
	json_error_t err;
	json_t *all = json_loadb(text, len, 0, &err);
	json_t *out = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c) {
		const char *name = json_string_value(json_object_get(c, "field"));
		const field_def *f = name ? entity_field(e, name) : NULL;
		if (f && acl_field_hidden(op->who, e, f))
			continue;
		json_array_append(out, c);
	}
	json_decref(all);
	return out;
}

json_t *audit_list(ent_op *op, const entity_def *e, int64_t id, int64_t limit, int64_t offset)
{
	db_stmt *s = db_prepare(op->db, "SELECT a.id, a.action, a.at, a.user_id, u.name, a.changes "
					"FROM audit_log a LEFT JOIN users u ON u.id = a.user_id "
					"WHERE a.entity = ? AND a.record_id = ? ORDER BY a.id DESC LIMIT ? OFFSET ?");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_str(s, 1, e->name);
	db_bind_int(s, 2, id);
	db_bind_int(s, 3, limit);
	db_bind_int(s, 4, offset);
	json_t *list = json_array();
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		json_t *user = db_col_is_null(s, 3) ? json_null()
			: json_pack("{s:I,s:s?}", "id", (json_int_t)db_col_int(s, 3), "name", db_col_text(s, 4));
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:o,s:o}", "id", (json_int_t)db_col_int(s, 0),
						      "action", db_col_text(s, 1), "at", db_col_text(s, 2), "user", user,
						      "changes", visible_changes(op, e, db_col_text(s, 5), db_col_len(s, 5))));
	}
	db_done(s);
	if (rc < 0) {
		json_decref(list);
		op_db_fail(op, rc);
		return NULL;
	}
	return list;
}

json_t *audit_diff(const entity_def *e, json_t *old, json_t *now, json_t *keys)
{
	json_t *changes = json_array();
	for (const field_def *f = e->fields; f->name; f++) {
		if (keys && !json_object_get(keys, f->name))
			continue;
		json_t *a = old ? json_object_get(old, f->name) : NULL;
		json_t *b = json_object_get(now, f->name);
		if (!a)
			a = json_null();
		if (!b)
			b = json_null();
		if (json_equal(a, b) || (json_is_null(a) && json_is_array(b) && !json_array_size(b)))
			continue;
		json_array_append_new(changes, json_pack("{s:s,s:O,s:O}", "field", f->name, "old", a, "new", b));
	}
	if ((e->flags & E_OWNED) && (!keys || json_object_get(keys, "owner_id"))) {
		json_t *a = old ? json_object_get(old, "owner_id") : NULL;
		json_t *b = json_object_get(now, "owner_id");
		if (b && !json_equal(a ? a : json_null(), b))
			json_array_append_new(changes, json_pack("{s:s,s:O,s:O}", "field", "owner_id", "old",
								 a ? a : json_null(), "new", b));
	}
	return changes;
}
