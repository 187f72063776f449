/* share.c - see share.h.  Every change is in the record's history. */
#include "share.h"
#include "acl.h"
#include "audit.h"
#include "record.h"
#include "../util/clock.h"

#include <string.h>

static int must_change(ent_op *op, const entity_def *e, int64_t id)
{
	if (!(e->flags & E_OWNED))
		return op_fail(op, 404, "not_found", "%s are not shared record by record", e->name);
	/* visible and changeable by the caller: the same test as an edit */
	sqlb q = SQLB_INIT;
	sqlb_addf(&q, "SELECT 1 FROM %s t WHERE t.deleted_at IS NULL AND t.id = ", e->name);
	sqlb_int(&q, id);
	acl_scope(op, e, "t", &q, ACL_ONE_ROW | ACL_UPDATE);
	db_stmt *s = acl_can(op->who, e, ACL_UPDATE) ? sqlb_prepare(op->db, &q) : NULL;
	sqlb_free(&q);
	bool ok = s && db_step(s) == DB_ROW;
	db_done(s);
	return ok ? 0 : op_fail(op, 404, "not_found", "no such record");
}

json_t *share_list(ent_op *op, const entity_def *e, int64_t id)
{
	json_t *rec = record_get(op, e, id);
	if (!rec)
		return NULL;
	json_decref(rec);
	db_stmt *s = db_prepare(op->db, "SELECT s.user_id, u.name, s.access, s.created_at FROM record_shares s "
					"JOIN users u ON u.id = s.user_id WHERE s.entity = ? AND s.record_id = ? "
					"ORDER BY u.name");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_str(s, 1, e->name);
	db_bind_int(s, 2, id);
	json_t *list = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s}", "user_id", (json_int_t)db_col_int(s, 0),
						      "name", db_col_text(s, 1), "access", db_col_text(s, 2),
						      "created_at", db_col_text(s, 3)));
	db_done(s);
	return json_pack("{s:o}", "data", list);
}

static int history(ent_op *op, const entity_def *e, int64_t id, const char *action, int64_t user,
		   const char *access)
{
	json_t *c = json_pack("[{s:s,s:n,s:{s:I,s:s?}}]", "field", "shared_with", "old", "new", "user_id",
			      (json_int_t)user, "access", access);
	int rc = audit_write(op, e, id, action, c);
	json_decref(c);
	return rc;
}

json_t *share_add(ent_op *op, const entity_def *e, int64_t id, json_t *body)
{
	json_t *uid = json_object_get(body, "user_id");
	const char *access = json_string_value(json_object_get(body, "access"));
	if (!access)
		access = "read";
	json_t *errs = json_object();
	if (!json_is_integer(uid))
		json_object_set_new(errs, "user_id", json_string(uid ? "invalid_type" : "required"));
	if (strcmp(access, "read") && strcmp(access, "edit"))
		json_object_set_new(errs, "access", json_string("invalid_option"));
	if (json_object_size(errs)) {
		op_fail(op, 422, "validation_failed", "some fields are not valid");
		op->err.fields = errs;
		return NULL;
	}
	json_decref(errs);
	if (must_change(op, e, id))
		return NULL;
	json_t *rec = record_load(op, e, id, false);
	bool own = rec && json_integer_value(json_object_get(rec, "owner_id")) == json_integer_value(uid);
	json_decref(rec);
	if (own) {
		op_fail(op, 422, "validation_failed", "the owner already has the record");
		op->err.fields = json_pack("{s:s}", "user_id", "owner");
		return NULL;
	}
	if (op_begin(op))
		return NULL;
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	db_stmt *s = db_prepare(op->db, "INSERT INTO record_shares(entity, record_id, user_id, access, created_by, "
					"created_at) SELECT ?, CAST(? AS BIGINT), id, ?, CAST(? AS BIGINT), ? FROM users "
					"WHERE id = ? AND disabled = 0 "
					"ON CONFLICT(entity, record_id, user_id) DO UPDATE SET access = excluded.access");
	int rc = DB_ERR;
	if (s) {
		db_bind_str(s, 1, e->name);
		db_bind_int(s, 2, id);
		db_bind_str(s, 3, access);
		db_bind_int(s, 4, op->who->user.id);
		db_bind_str(s, 5, now);
		db_bind_int(s, 6, json_integer_value(uid));
		rc = db_step(s);
		db_done(s);
	}
	if (rc != DB_DONE) {
		op_db_fail(op, rc);
		op_rollback(op);
		return NULL;
	}
	if (db_changes(op->db) == 0) {
		op_fail(op, 422, "validation_failed", "no such active user");
		op->err.fields = json_pack("{s:s}", "user_id", "not_found");
		op_rollback(op);
		return NULL;
	}
	if (history(op, e, id, "share", json_integer_value(uid), access) || op_commit(op)) {
		op_rollback(op);
		return NULL;
	}
	return share_list(op, e, id);
}

int share_remove(ent_op *op, const entity_def *e, int64_t id, int64_t user_id)
{
	if (must_change(op, e, id) || op_begin(op))
		return -1;
	db_stmt *s = db_prepare(op->db, "DELETE FROM record_shares WHERE entity = ? AND record_id = ? AND user_id = ?");
	int rc = DB_ERR;
	if (s) {
		db_bind_str(s, 1, e->name);
		db_bind_int(s, 2, id);
		db_bind_int(s, 3, user_id);
		rc = db_step(s);
		db_done(s);
	}
	if (rc != DB_DONE || db_changes(op->db) == 0) {
		if (rc == DB_DONE)
			op_fail(op, 404, "not_found", "the record is not shared with this user");
		else
			op_db_fail(op, rc);
		op_rollback(op);
		return -1;
	}
	if (history(op, e, id, "unshare", user_id, NULL)) {
		op_rollback(op);
		return -1;
	}
	return op_commit(op);
}
