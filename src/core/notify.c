/* notify.c - see notify.h. */
#include "notify.h"
#include "../util/clock.h"

int notify(ent_op *op, int64_t user_id, const char *kind, const char *title, const char *body,
	   const char *entity, int64_t record_id, const char *dedupe_key)
{
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	db_stmt *s = db_prepare(op->db, "INSERT INTO notifications(user_id, kind, title, body, entity, record_id, "
					"dedupe_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
					"ON CONFLICT(dedupe_key) DO NOTHING");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, user_id);
	db_bind_str(s, 2, kind);
	db_bind_str(s, 3, title);
	db_bind_str(s, 4, body);
	db_bind_str(s, 5, entity);
	if (record_id)
		db_bind_int(s, 6, record_id);
	else
		db_bind_null(s, 6);
	db_bind_str(s, 7, dedupe_key);
	db_bind_str(s, 8, now);
	int rc = db_step(s);
	db_done(s);
	return rc == DB_DONE ? 0 : op_db_fail(op, rc);
}

json_t *notify_list(ent_op *op, int64_t limit, bool unread_only)
{
	db_stmt *s = db_prepare(op->db, "SELECT id, kind, title, body, entity, record_id, created_at, read_at "
					"FROM notifications WHERE user_id = ? AND (? = 0 OR read_at IS NULL) "
					"ORDER BY id DESC LIMIT ?");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, op->who->user.id);
	db_bind_int(s, 2, unread_only);
	db_bind_int(s, 3, limit);
	json_t *list = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:o,s:s,s:s?}", "id",
						      (json_int_t)db_col_int(s, 0), "kind", db_col_text(s, 1), "title",
						      db_col_text(s, 2), "body", db_col_text(s, 3), "entity",
						      db_col_text(s, 4), "record_id",
						      db_col_is_null(s, 5) ? json_null() : json_integer(db_col_int(s, 5)),
						      "created_at", db_col_text(s, 6), "read_at", db_col_text(s, 7)));
	db_done(s);
	s = db_prepare(op->db, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL");
	int64_t unread = 0;
	if (s) {
		db_bind_int(s, 1, op->who->user.id);
		if (db_step(s) == DB_ROW)
			unread = db_col_int(s, 0);
		db_done(s);
	}
	return json_pack("{s:o,s:I}", "data", list, "unread", (json_int_t)unread);
}

int notify_mark_read(ent_op *op, int64_t id)
{
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	db_stmt *s = db_prepare(op->db, "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL "
					"AND (? = 0 OR id = ?)");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_str(s, 1, now);
	db_bind_int(s, 2, op->who->user.id);
	db_bind_int(s, 3, id);
	db_bind_int(s, 4, id);
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE)
		return op_db_fail(op, rc);
	if (id && db_changes(op->db) == 0)
		return op_fail(op, 404, "not_found", "no such unread notification");
	return 0;
}
