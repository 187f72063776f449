/*
 * approval_task.c - the approver's side: stages activated in order, the
 * inbox, approve / reject / delegate / add a signer (加签), the end of a
 * request (mirrored onto the document, told to the submitter), and
 * delegations while away.  See approval.h.
 */
#include "approval_int.h"
#include "acl.h"
#include "audit.h"
#include "notify.h"
#include "record.h"
#include "../util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMENT_MAX 2000

int appr_event(ent_op *op, int64_t request, int64_t task, int64_t user, const char *action, const char *comment)
{
	char now[32];
	db_stmt *s = db_prepare(op->db, "INSERT INTO approval_events(request_id, task_id, user_id, action, comment, at) "
					"VALUES (?, ?, ?, ?, ?, ?)");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, request);
	if (task)
		db_bind_int(s, 2, task);
	else
		db_bind_null(s, 2);
	if (user)
		db_bind_int(s, 3, user);
	else
		db_bind_null(s, 3);
	db_bind_str(s, 4, action);
	db_bind_str(s, 5, comment);
	db_bind_str(s, 6, appr_now(now));
	int rc = db_step(s);
	db_done(s);
	return rc == DB_DONE ? 0 : op_db_fail(op, rc);
}

/* One UPDATE/DELETE with up to three int parameters; the number of rows changed, or -1 with op->err. */
static int64_t exec3(ent_op *op, const char *sql, int64_t a, int64_t b, int64_t c)
{
	db_stmt *s = db_prepare(op->db, sql);
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	int n = 0;
	for (const char *p = sql; *p; p++)
		n += *p == '?';
	if (n > 0)
		db_bind_int(s, 1, a);
	if (n > 1)
		db_bind_int(s, 2, b);
	if (n > 2)
		db_bind_int(s, 3, c);
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE && rc != DB_ROW)
		return op_db_fail(op, rc);
	return db_changes(op->db);
}

static int64_t count3(ent_op *op, const char *sql, int64_t a, int64_t b)
{
	db_stmt *s = db_prepare(op->db, sql);
	if (!s)
		return 0;
	db_bind_int(s, 1, a);
	db_bind_int(s, 2, b);
	int64_t v = db_step(s) == DB_ROW && !db_col_is_null(s, 0) ? db_col_int(s, 0) : 0;
	db_done(s);
	return v;
}

int appr_mirror(ent_op *op, const char *entity, int64_t record_id, const char *status, const char *action)
{
	const entity_def *e = entity_find(entity);
	if (!e)
		return 0;
	if (entity_field(e, "approval_status")) {
		json_t *v = json_pack("{s:s}", "approval_status", status);
		int rc = record_set_fields(op, e, record_id, v, action);
		json_decref(v);
		return rc;
	}
	json_t *changes = json_pack("[{s:s,s:n,s:s}]", "field", "approval_status", "old", "new", status);
	int rc = audit_write(op, e, record_id, action, changes);
	json_decref(changes);
	return rc;
}

typedef struct task_row {
	int64_t id, request, ord, approver, record_id, submitted_by;
	char status[16], mode[8], req_status[16], entity[64];
} task_row;

static int load_task(ent_op *op, int64_t id, task_row *t)
{
	memset(t, 0, sizeof(*t));
	db_stmt *s = db_prepare(op->db, "SELECT t.id, t.request_id, t.ord, t.approver_id, t.status, t.mode, r.status, "
					"r.entity, r.record_id, r.submitted_by FROM approval_tasks t "
					"JOIN approval_requests r ON r.id = t.request_id WHERE t.id = ?");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	if (rc == DB_ROW) {
		t->id = db_col_int(s, 0);
		t->request = db_col_int(s, 1);
		t->ord = db_col_int(s, 2);
		t->approver = db_col_int(s, 3);
		snprintf(t->status, sizeof(t->status), "%s", db_col_text(s, 4));
		snprintf(t->mode, sizeof(t->mode), "%s", db_col_text(s, 5));
		snprintf(t->req_status, sizeof(t->req_status), "%s", db_col_text(s, 6));
		snprintf(t->entity, sizeof(t->entity), "%s", db_col_text(s, 7));
		t->record_id = db_col_int(s, 8);
		t->submitted_by = db_col_int(s, 9);
	}
	db_done(s);
	return rc < 0 ? op_db_fail(op, rc) : 0;
}

static json_t *record_title(ent_op *op, const char *entity, int64_t id)
{
	const entity_def *e = entity_find(entity);
	if (!e)
		return json_null();
	json_t *rec = record_load(op, e, id, true);
	json_t *t = rec && e->title_field ? json_object_get(rec, e->title_field) : NULL;
	json_t *out = json_is_string(t) ? json_incref(t) : json_null();
	json_decref(rec);
	return out;
}

json_t *appr_task_json(ent_op *op, int64_t task)
{
	db_stmt *s = db_prepare(op->db, "SELECT t.id, t.request_id, r.entity, r.record_id, r.submitted_by, su.name, "
					"r.submitted_at, t.step, t.step_name, t.mode, t.status, t.approver_id, au.name, "
					"t.assigned_from, t.activated_at, t.time_limit_hours, t.reminded_at, t.decided_at, "
					"t.comment, r.facts, r.status, t.added_by FROM approval_tasks t "
					"JOIN approval_requests r ON r.id = t.request_id "
					"LEFT JOIN users su ON su.id = r.submitted_by LEFT JOIN users au ON au.id = t.approver_id "
					"WHERE t.id = ?");
	if (!s)
		return NULL;
	db_bind_int(s, 1, task);
	json_t *out = NULL;
	if (db_step(s) == DB_ROW) {
		json_t *facts = json_loads(db_col_text(s, 19), 0, NULL);
		json_t *due = json_null();
		int64_t act, lim = db_col_int(s, 15);
		if (lim > 0 && db_col_text(s, 14) && !clock_parse_iso(db_col_text(s, 14), &act)) {
			char iso[32];
			clock_format_iso(act + lim * 3600 * 1000, iso, sizeof(iso));
			due = json_string(iso);
		}
		out = json_pack("{s:I,s:I,s:s,s:I,s:I,s:s?,s:s,s:I,s:s?,s:s,s:s,s:I,s:s?,s:o,s:s?,s:I,s:o,s:s?,s:s?,s:s?,s:{s:O,s:O},"
				"s:s,s:o}",
				"id", (json_int_t)db_col_int(s, 0), "request_id", (json_int_t)db_col_int(s, 1), "entity",
				db_col_text(s, 2), "record_id", (json_int_t)db_col_int(s, 3), "submitted_by",
				(json_int_t)db_col_int(s, 4), "submitted_by_name", db_col_text(s, 5), "submitted_at",
				db_col_text(s, 6), "step", (json_int_t)db_col_int(s, 7), "step_name", db_col_text(s, 8),
				"mode", db_col_text(s, 9), "status", db_col_text(s, 10), "approver_id",
				(json_int_t)db_col_int(s, 11), "approver_name", db_col_text(s, 12), "assigned_from",
				db_col_is_null(s, 13) ? json_null() : json_integer(db_col_int(s, 13)), "activated_at",
				db_col_text(s, 14), "time_limit_hours", (json_int_t)lim, "due_at", due, "reminded_at",
				db_col_text(s, 16), "decided_at", db_col_text(s, 17), "comment", db_col_text(s, 18),
				"amount", "amount", json_object_get(facts, "amount"), "currency",
				json_object_get(facts, "currency"), "request_status", db_col_text(s, 20), "added_by",
				db_col_is_null(s, 21) ? json_null() : json_integer(db_col_int(s, 21)));
		json_decref(facts);
	}
	db_done(s);
	if (out)
		json_object_set_new(out, "title",
				    record_title(op, json_string_value(json_object_get(out, "entity")),
						 json_integer_value(json_object_get(out, "record_id"))));
	return out;
}

int appr_tell_approver(ent_op *op, int64_t task, const char *kind)
{
	json_t *t = appr_task_json(op, task);
	if (!t)
		return 0;
	const char *title = json_string_value(json_object_get(t, "title"));
	const char *who = json_string_value(json_object_get(t, "submitted_by_name"));
	json_t *amt = json_object_get(t, "amount");
	char head[400], body[600];
	bool reminder = !strcmp(kind, "approval_reminder");
	snprintf(head, sizeof(head), "%s：%s / %s: %s", reminder ? "审批提醒" : "待你审批", title ? title : "",
		 reminder ? "Approval reminder" : "Waiting for your approval", title ? title : "");
	snprintf(body, sizeof(body), "%s 提交 / submitted by %s; %.2f %s", who ? who : "", who ? who : "",
		 (double)json_integer_value(json_object_get(amt, "amount")) / 100.0,
		 json_string_value(json_object_get(amt, "currency")) ? json_string_value(json_object_get(amt, "currency")) : "");
	int64_t approver = json_integer_value(json_object_get(t, "approver_id"));
	int rc = notify(op, approver, kind, head, body, json_string_value(json_object_get(t, "entity")),
			json_integer_value(json_object_get(t, "record_id")), NULL);
	if (!rc)
		rc = appr_mail_task(op, task, approver, head, body);
	json_decref(t);
	return rc;
}

/* Applies delegations to the waiting tasks of a stage, makes them pending and tells their approvers. */
static int activate(ent_op *op, int64_t request, int64_t ord)
{
	char now[32], day[11];
	appr_now(now);
	appr_today(day);
	db_stmt *s = db_prepare(op->db, "SELECT id, approver_id FROM approval_tasks WHERE request_id = ? AND ord = ? "
					"AND status = 'waiting' ORDER BY id");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, request);
	db_bind_int(s, 2, ord);
	json_t *rows = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(rows, json_pack("[I,I]", (json_int_t)db_col_int(s, 0), (json_int_t)db_col_int(s, 1)));
	db_done(s);
	size_t i;
	json_t *r;
	int rc = 0;
	json_array_foreach(rows, i, r) {
		int64_t id = json_integer_value(json_array_get(r, 0)), who = json_integer_value(json_array_get(r, 1));
		int64_t to = appr_delegate_for(op->db, who, day);
		s = db_prepare(op->db, "UPDATE approval_tasks SET status = 'pending', activated_at = ?, approver_id = ?, "
				       "assigned_from = CASE WHEN ? <> approver_id THEN approver_id ELSE assigned_from END "
				       "WHERE id = ?");
		if (!s) {
			rc = op_db_fail(op, db_errcode(op->db));
			break;
		}
		db_bind_str(s, 1, now);
		db_bind_int(s, 2, to);
		db_bind_int(s, 3, to);
		db_bind_int(s, 4, id);
		int x = db_step(s);
		db_done(s);
		if (x != DB_DONE) {
			rc = op_db_fail(op, x);
			break;
		}
		if (to != who && (rc = appr_event(op, request, id, who, "delegated", "away: handled by the delegate")))
			break;
		if ((rc = appr_tell_approver(op, id, "approval")))
			break;
	}
	json_decref(rows);
	return rc;
}

int appr_advance(ent_op *op, int64_t request)
{
	if (count3(op, "SELECT count(*) FROM approval_tasks WHERE request_id = ? AND status = 'pending' AND ? = 0",
		   request, 0) > 0)
		return 0;
	int64_t ord = count3(op, "SELECT min(ord) FROM approval_tasks WHERE request_id = ? AND status = 'waiting' "
				 "AND ? = 0", request, 0);
	if (!ord)
		return appr_finish(op, request, "approved", NULL);
	return activate(op, request, ord);
}

int appr_finish(ent_op *op, int64_t request, const char *status, const char *comment)
{
	char now[32];
	db_stmt *s = db_prepare(op->db, "UPDATE approval_requests SET status = ?, decided_at = ? WHERE id = ?");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_str(s, 1, status);
	db_bind_str(s, 2, appr_now(now));
	db_bind_int(s, 3, request);
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE)
		return op_db_fail(op, rc);
	char entity[64] = "";
	int64_t record_id = 0, submitter = 0;
	s = db_prepare(op->db, "SELECT entity, record_id, submitted_by FROM approval_requests WHERE id = ?");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, request);
	if (db_step(s) == DB_ROW) {
		snprintf(entity, sizeof(entity), "%s", db_col_text(s, 0));
		record_id = db_col_int(s, 1);
		submitter = db_col_int(s, 2);
	}
	db_done(s);
	const char *action = !strcmp(status, "approved") ? "approve" : !strcmp(status, "rejected") ? "reject" : "withdraw";
	if (appr_mirror(op, entity, record_id, status, action))
		return -1;
	if (!strcmp(status, "withdrawn") || submitter == op->who->user.id)
		return 0;
	json_t *title = record_title(op, entity, record_id);
	char head[400];
	snprintf(head, sizeof(head), "%s：%s / %s: %s", !strcmp(status, "approved") ? "审批通过" : "审批驳回",
		 json_string_value(title) ? json_string_value(title) : "",
		 !strcmp(status, "approved") ? "Approved" : "Rejected", json_string_value(title) ? json_string_value(title) : "");
	json_decref(title);
	return notify(op, submitter, !strcmp(status, "approved") ? "approval_approved" : "approval_rejected", head, comment,
		      entity, record_id, NULL);
}

/* ---- the inbox ---- */

json_t *approval_inbox(ent_op *op, const char *status, int64_t limit, int64_t offset)
{
	const char *cond;
	if (!status || !strcmp(status, "pending"))
		cond = "t.status = 'pending'";
	else if (!strcmp(status, "done"))
		cond = "t.status IN ('approved', 'rejected', 'escalated', 'skipped', 'cancelled')";
	else if (!strcmp(status, "all"))
		cond = "t.status <> 'waiting'";
	else {
		op_fail(op, 400, "bad_request", "status is pending, done or all");
		return NULL;
	}
	char sql[300];
	snprintf(sql, sizeof(sql), "SELECT t.id FROM approval_tasks t WHERE t.approver_id = ? AND %s "
				   "ORDER BY t.id DESC LIMIT ? OFFSET ?", cond);
	db_stmt *s = db_prepare(op->db, sql);
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, op->who->user.id);
	db_bind_int(s, 2, limit);
	db_bind_int(s, 3, offset);
	json_t *ids = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(ids, json_integer(db_col_int(s, 0)));
	db_done(s);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM approval_tasks t WHERE t.approver_id = ? AND %s AND ? = 0", cond);
	int64_t total = count3(op, sql, op->who->user.id, 0);
	json_t *data = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(ids, i, x) {
		json_t *t = appr_task_json(op, json_integer_value(x));
		if (t)
			json_array_append_new(data, t);
	}
	json_decref(ids);
	return json_pack("{s:o,s:I,s:I,s:I}", "data", data, "total", (json_int_t)total, "limit", (json_int_t)limit,
			 "offset", (json_int_t)offset);
}

json_t *approval_task_get(ent_op *op, int64_t task_id)
{
	task_row t;
	if (load_task(op, task_id, &t))
		return NULL;
	if (!t.id || t.approver != op->who->user.id || !strcmp(t.status, "waiting")) {
		op_fail(op, 404, "not_found", "no such approval");
		return NULL;
	}
	json_t *out = appr_task_json(op, task_id);
	const entity_def *e = entity_find(t.entity);
	json_t *rec = e ? record_load(op, e, t.record_id, true) : NULL;
	json_object_set_new(out, "record", rec ? rec : json_null());
	json_t *reqs = appr_requests_json(op, t.entity, t.record_id, t.request);
	json_object_set(out, "request", json_array_get(reqs, 0) ? json_array_get(reqs, 0) : json_null());
	json_decref(reqs);
	return out;
}

/* ---- acting on a task ---- */

static int comment_of(ent_op *op, json_t *body, bool required, const char **out)
{
	json_t *c = json_object_get(body, "comment");
	*out = NULL;
	if (c && !json_is_null(c) && !json_is_string(c)) {
		op_fail(op, 422, "validation_failed", "comment is text");
		op->err.fields = json_pack("{s:s}", "comment", "invalid_type");
		return -1;
	}
	const char *txt = json_string_value(c);
	while (txt && (*txt == ' ' || *txt == '\t' || *txt == '\n' || *txt == '\r'))
		txt++;
	if (txt && strlen(txt) > COMMENT_MAX) {
		op_fail(op, 422, "validation_failed", "the comment is too long");
		op->err.fields = json_pack("{s:s}", "comment", "too_long");
		return -1;
	}
	if (required && (!txt || !*txt)) {
		op_fail(op, 422, "validation_failed", "a rejection needs a comment saying why");
		op->err.fields = json_pack("{s:s}", "comment", "required");
		return -1;
	}
	*out = txt && *txt ? txt : NULL;
	return 0;
}

/* The members a body may carry; others 422 unknown_field. */
static int only_keys(ent_op *op, json_t *body, const char *const *allowed)
{
	const char *k;
	json_t *v;
	json_t *errs = json_object();
	json_object_foreach(body, k, v) {
		bool ok = false;
		for (int i = 0; allowed[i]; i++)
			ok |= !strcmp(k, allowed[i]);
		if (!ok)
			json_object_set_new(errs, k, json_string("unknown_field"));
	}
	if (!json_object_size(errs)) {
		json_decref(errs);
		return 0;
	}
	op_fail(op, 422, "validation_failed", "unknown members");
	op->err.fields = errs;
	return -1;
}

static int64_t user_arg(ent_op *op, json_t *body, const char *name, int64_t not)
{
	json_t *u = json_object_get(body, name);
	if (!json_is_integer(u) || !appr_user_enabled(op->db, json_integer_value(u)) || json_integer_value(u) == not) {
		op_fail(op, 422, "validation_failed", "%s must name another active user", name);
		op->err.fields = json_pack("{s:s}", name, u ? (json_is_integer(u) ? "not_found" : "invalid_type") : "required");
		return 0;
	}
	return json_integer_value(u);
}

static int set_decided(ent_op *op, int64_t task, const char *status, const char *comment)
{
	char now[32];
	db_stmt *s = db_prepare(op->db, "UPDATE approval_tasks SET status = ?, decided_at = ?, comment = ? "
					"WHERE id = ? AND status = 'pending'");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_str(s, 1, status);
	db_bind_str(s, 2, appr_now(now));
	db_bind_str(s, 3, comment);
	db_bind_int(s, 4, task);
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE)
		return op_db_fail(op, rc);
	if (db_changes(op->db) != 1)
		return op_fail(op, 409, "conflict", "this approval step was decided meanwhile");
	return 0;
}

static int do_approve(ent_op *op, task_row *t, const char *comment)
{
	if (set_decided(op, t->id, "approved", comment) || appr_event(op, t->request, t->id, op->who->user.id, "approve", comment))
		return -1;
	if (!strcmp(t->mode, "any") &&
	    exec3(op, "UPDATE approval_tasks SET status = 'skipped' WHERE request_id = ? AND ord = ? "
		      "AND status IN ('pending', 'waiting') AND id <> ?", t->request, t->ord, t->id) < 0)
		return -1;
	return appr_advance(op, t->request);
}

static int do_reject(ent_op *op, task_row *t, const char *comment)
{
	if (set_decided(op, t->id, "rejected", comment) || appr_event(op, t->request, t->id, op->who->user.id, "reject", comment))
		return -1;
	if (exec3(op, "UPDATE approval_tasks SET status = 'cancelled' WHERE request_id = ? "
		      "AND status IN ('pending', 'waiting')", t->request, 0, 0) < 0)
		return -1;
	return appr_finish(op, t->request, "rejected", comment);
}

static int do_delegate(ent_op *op, task_row *t, json_t *body, const char *comment)
{
	int64_t to = user_arg(op, body, json_object_get(body, "delegate_id") ? "delegate_id" : "user_id", t->approver);
	if (!to)
		return -1;
	char now[32];
	db_stmt *s = db_prepare(op->db, "UPDATE approval_tasks SET approver_id = ?, assigned_from = ?, activated_at = ?, "
					"reminded_at = NULL WHERE id = ? AND status = 'pending'");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, to);
	db_bind_int(s, 2, t->approver);
	db_bind_str(s, 3, appr_now(now));
	db_bind_int(s, 4, t->id);
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE)
		return op_db_fail(op, rc);
	char name[200], note[300];
	appr_user_name(op->db, to, name, sizeof(name));
	snprintf(note, sizeof(note), "→ %s%s%s", name, comment ? ": " : "", comment ? comment : "");
	if (appr_event(op, t->request, t->id, op->who->user.id, "delegate", note))
		return -1;
	return appr_tell_approver(op, t->id, "approval");
}

/* 加签: a signer before me (I wait for them) or after me (the step waits for them after me). */
static int do_add_signer(ent_op *op, task_row *t, json_t *body, const char *comment)
{
	int64_t who = user_arg(op, body, "user_id", t->approver);
	if (!who)
		return -1;
	const char *pos = json_string_value(json_object_get(body, "position"));
	if (!pos)
		pos = "after";
	bool before = !strcmp(pos, "before");
	if (!before && strcmp(pos, "after")) {
		op_fail(op, 422, "validation_failed", "position is before or after");
		op->err.fields = json_pack("{s:s}", "position", "invalid_option");
		return -1;
	}
	int64_t other = before ? count3(op, "SELECT max(ord) FROM approval_tasks WHERE request_id = ? AND ord < ?",
					 t->request, t->ord)
			       : count3(op, "SELECT min(ord) FROM approval_tasks WHERE request_id = ? AND ord > ?",
					 t->request, t->ord);
	if (!before && !other)
		other = t->ord + APPR_ORD_GAP;
	int64_t ord = (other + t->ord) / 2;
	if (ord == t->ord || ord == other)
		return op_fail(op, 409, "conflict", "too many signers were added here");
	db_stmt *s = db_prepare(op->db, "INSERT INTO approval_tasks(request_id, step, ord, step_name, mode, approver_id, "
					"status, time_limit_hours, added_by) SELECT request_id, step, ?, ?, 'any', ?, ?, "
					"time_limit_hours, ? FROM approval_tasks WHERE id = ? RETURNING id");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, ord);
	db_bind_str(s, 2, before ? "加签（前）/ Added signer (before)" : "加签（后）/ Added signer (after)");
	db_bind_int(s, 3, who);
	db_bind_str(s, 4, "waiting");
	db_bind_int(s, 5, op->who->user.id);
	db_bind_int(s, 6, t->id);
	int64_t nid = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	if (!nid)
		return op_db_fail(op, db_errcode(op->db));
	char name[200], note[300];
	appr_user_name(op->db, who, name, sizeof(name));
	snprintf(note, sizeof(note), "%s %s%s%s", before ? "before:" : "after:", name, comment ? ": " : "", comment ? comment : "");
	if (appr_event(op, t->request, t->id, op->who->user.id, "add_signer", note))
		return -1;
	if (!before)
		return 0;
	/* I wait until the new signer has approved */
	if (exec3(op, "UPDATE approval_tasks SET status = 'waiting' WHERE id = ?", t->id, 0, 0) < 0)
		return -1;
	return activate(op, t->request, ord);
}

json_t *approval_task_act(ent_op *op, int64_t task_id, const char *action, json_t *body)
{
	static const char *const keys[] = { "comment", "user_id", "delegate_id", "position", NULL };
	task_row t;
	if (op_begin(op))
		return NULL;
	if (load_task(op, task_id, &t))
		goto fail;
	if (!t.id || t.approver != op->who->user.id || !strcmp(t.status, "waiting")) {
		op_fail(op, 404, "not_found", "no such approval");
		goto fail;
	}
	/* one decision at a time per request */
	if (exec3(op, "UPDATE approval_requests SET status = status WHERE id = ?", t.request, 0, 0) < 0 ||
	    load_task(op, task_id, &t))
		goto fail;
	if (only_keys(op, body, keys))
		goto fail;
	if (strcmp(t.status, "pending") || strcmp(t.req_status, "pending")) {
		op_fail(op, 409, "conflict", "this approval step is no longer waiting (%s)", t.status);
		goto fail;
	}
	const char *comment;
	bool reject = !strcmp(action, "reject");
	if (comment_of(op, body, reject, &comment))
		goto fail;
	int rc = !strcmp(action, "approve")	 ? do_approve(op, &t, comment)
		 : reject			 ? do_reject(op, &t, comment)
		 : !strcmp(action, "delegate")	 ? do_delegate(op, &t, body, comment)
		 : !strcmp(action, "add_signer") ? do_add_signer(op, &t, body, comment)
						 : op_fail(op, 404, "not_found", "no such action");
	if (rc || op_commit(op))
		goto fail;
	return appr_task_json(op, task_id);
fail:
	op_rollback(op);
	return NULL;
}

/* ---- delegations ---- */

static json_t *delegation_json(ent_op *op, int64_t id)
{
	db_stmt *s = db_prepare(op->db, "SELECT d.id, d.user_id, u.name, d.delegate_id, v.name, d.from_on, d.to_on, "
					"d.created_at FROM delegations d LEFT JOIN users u ON u.id = d.user_id "
					"LEFT JOIN users v ON v.id = d.delegate_id WHERE d.id = ? AND d.deleted_at IS NULL");
	if (!s)
		return NULL;
	db_bind_int(s, 1, id);
	json_t *out = NULL;
	if (db_step(s) == DB_ROW)
		out = json_pack("{s:I,s:I,s:s?,s:I,s:s?,s:s,s:s,s:s}", "id", (json_int_t)db_col_int(s, 0), "user_id",
				(json_int_t)db_col_int(s, 1), "user_name", db_col_text(s, 2), "delegate_id",
				(json_int_t)db_col_int(s, 3), "delegate_name", db_col_text(s, 4), "from", db_col_text(s, 5),
				"to", db_col_text(s, 6), "created_at", db_col_text(s, 7));
	db_done(s);
	return out;
}

static bool date_ok(json_t *v)
{
	int y, m, d;
	return json_is_string(v) && strlen(json_string_value(v)) == 10 && !clock_parse_date(json_string_value(v), &y, &m, &d);
}

json_t *approval_delegation_create(ent_op *op, json_t *body)
{
	static const char *const keys[] = { "delegate_id", "from", "to", "user_id", NULL };
	if (only_keys(op, body, keys))
		return NULL;
	int64_t user = op->who->user.id;
	json_t *u = json_object_get(body, "user_id");
	json_t *errs = json_object();
	if (u && !json_is_null(u)) {
		if (!acl_is_admin(op->who) && json_integer_value(u) != user) {
			json_decref(errs);
			op_fail(op, 403, "forbidden", "only administrators set delegations for others");
			return NULL;
		}
		if (!json_is_integer(u) || !appr_user_enabled(op->db, json_integer_value(u)))
			json_object_set_new(errs, "user_id", json_string("not_found"));
		else
			user = json_integer_value(u);
	}
	json_t *dv = json_object_get(body, "delegate_id");
	if (!dv)
		json_object_set_new(errs, "delegate_id", json_string("required"));
	else if (!json_is_integer(dv))
		json_object_set_new(errs, "delegate_id", json_string("invalid_type"));
	else if (json_integer_value(dv) == user || !appr_user_enabled(op->db, json_integer_value(dv)))
		json_object_set_new(errs, "delegate_id", json_string("not_found"));
	json_t *from = json_object_get(body, "from"), *to = json_object_get(body, "to");
	if (!date_ok(from))
		json_object_set_new(errs, "from", json_string(from ? "invalid_date" : "required"));
	if (!date_ok(to))
		json_object_set_new(errs, "to", json_string(to ? "invalid_date" : "required"));
	if (date_ok(from) && date_ok(to) && strcmp(json_string_value(from), json_string_value(to)) > 0)
		json_object_set_new(errs, "to", json_string("before_from"));
	if (json_object_size(errs)) {
		op_fail(op, 422, "validation_failed", "the delegation is not valid");
		op->err.fields = errs;
		return NULL;
	}
	json_decref(errs);
	int64_t delegate = json_integer_value(dv);
	char now[32], day[11];
	appr_today(day);
	if (op_begin(op))
		return NULL;
	db_stmt *s = db_prepare(op->db, "INSERT INTO delegations(user_id, delegate_id, from_on, to_on, created_at) "
					"VALUES (?, ?, ?, ?, ?) RETURNING id");
	int64_t id = 0;
	if (s) {
		db_bind_int(s, 1, user);
		db_bind_int(s, 2, delegate);
		db_bind_str(s, 3, json_string_value(from));
		db_bind_str(s, 4, json_string_value(to));
		db_bind_str(s, 5, appr_now(now));
		if (db_step(s) == DB_ROW)
			id = db_col_int(s, 0);
		db_done(s);
	}
	if (!id) {
		op_db_fail(op, db_errcode(op->db));
		goto fail;
	}
	/* away from today: what already waits for them goes to the delegate now */
	if (strcmp(json_string_value(from), day) <= 0 && strcmp(json_string_value(to), day) >= 0) {
		s = db_prepare(op->db, "SELECT id, request_id FROM approval_tasks WHERE approver_id = ? AND status = 'pending'");
		json_t *rows = json_array();
		if (s) {
			db_bind_int(s, 1, user);
			while (db_step(s) == DB_ROW)
				json_array_append_new(rows, json_pack("[I,I]", (json_int_t)db_col_int(s, 0), (json_int_t)db_col_int(s, 1)));
			db_done(s);
		}
		size_t i;
		json_t *r;
		int rc = 0;
		json_array_foreach(rows, i, r) {
			int64_t tid = json_integer_value(json_array_get(r, 0));
			if (exec3(op, "UPDATE approval_tasks SET approver_id = ?, assigned_from = ? WHERE id = ?", delegate, user,
				  tid) < 0 ||
			    appr_event(op, json_integer_value(json_array_get(r, 1)), tid, user, "delegated",
				       "away: handled by the delegate") ||
			    appr_tell_approver(op, tid, "approval")) {
				rc = -1;
				break;
			}
		}
		json_decref(rows);
		if (rc)
			goto fail;
	}
	if (op_commit(op))
		goto fail;
	return delegation_json(op, id);
fail:
	op_rollback(op);
	return NULL;
}

json_t *approval_delegation_list(ent_op *op)
{
	db_stmt *s = db_prepare(op->db, "SELECT id FROM delegations WHERE deleted_at IS NULL AND (? = 1 OR user_id = ? "
					"OR delegate_id = ?) ORDER BY id DESC LIMIT 500");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, acl_is_admin(op->who));
	db_bind_int(s, 2, op->who->user.id);
	db_bind_int(s, 3, op->who->user.id);
	json_t *ids = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(ids, json_integer(db_col_int(s, 0)));
	db_done(s);
	json_t *data = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(ids, i, x) {
		json_t *d = delegation_json(op, json_integer_value(x));
		if (d)
			json_array_append_new(data, d);
	}
	json_decref(ids);
	return json_pack("{s:o}", "data", data);
}

int approval_delegation_delete(ent_op *op, int64_t id)
{
	char now[32];
	db_stmt *s = db_prepare(op->db, "UPDATE delegations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL "
					"AND (user_id = ? OR ? = 1)");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_str(s, 1, appr_now(now));
	db_bind_int(s, 2, id);
	db_bind_int(s, 3, op->who->user.id);
	db_bind_int(s, 4, acl_is_admin(op->who));
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE)
		return op_db_fail(op, rc);
	return db_changes(op->db) ? 0 : op_fail(op, 404, "not_found", "no such delegation");
}
