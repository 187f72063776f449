/*
 * approval.c - the facts a flow looks at, the plan of a submission (steps to
 * people), and the document's side: submit, withdraw, state, gate.  Flows
 * themselves: approval_flow.c.  See approval.h.
 */
#include "approval_int.h"
#include "acl.h"
#include "audit.h"
#include "record.h"
#include "roles.h"
#include "../util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *appr_now(char out[32])
{
	clock_format_iso(clock_now_ms(), out, 32);
	return out;
}

void appr_today(char out[11])
{
	char iso[32];
	clock_format_iso(clock_now_ms() + 8LL * 3600 * 1000, iso, sizeof(iso)); /* Asia/Shanghai */
	memcpy(out, iso, 10);
	out[10] = '\0';
}

/* ---- facts and plans ---- */

static const char *amount_field(const entity_def *e, json_t *flow)
{
	const char *af = json_string_value(json_object_get(flow, "amount_field"));
	if (af)
		return af;
	return entity_field(e, "amount") ? "amount" : entity_field(e, "total") ? "total" : "amount";
}

static int64_t money_amount(json_t *v, const char **cur)
{
	if (json_is_object(v)) {
		if (cur && json_is_string(json_object_get(v, "currency")))
			*cur = json_string_value(json_object_get(v, "currency"));
		return json_integer_value(json_object_get(v, "amount"));
	}
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* {"amount","currency","department_id","discount_percent"} of a record, as the flow sees it */
static json_t *facts_of(ent_op *op, const entity_def *e, json_t *flow, json_t *rec, int64_t submitter)
{
	const char *cur = "CNY";
	int64_t amount = money_amount(json_object_get(rec, amount_field(e, flow)), &cur);
	double discount = 0;
	json_t *dp = json_object_get(rec, "discount_percent");
	if (json_is_number(dp))
		discount = json_number_value(dp);
	else {
		int64_t sub = money_amount(json_object_get(rec, "subtotal"), NULL);
		int64_t dis = money_amount(json_object_get(rec, "discount"), NULL);
		if (sub > 0) /* to 0.01 %, rounded half up (no libm) */
			discount = (double)((dis * 10000 + sub / 2) / sub) / 100.0;
	}
	int64_t dept = appr_user_department(op->db, submitter);
	return json_pack("{s:I,s:s,s:o,s:f}", "amount", (json_int_t)amount, "currency", cur, "department_id",
			 dept ? json_integer(dept) : json_null(), "discount_percent", discount);
}

static bool same_facts(json_t *a, json_t *b)
{
	return a && b && json_equal(json_object_get(a, "amount"), json_object_get(b, "amount")) &&
	       json_equal(json_object_get(a, "currency"), json_object_get(b, "currency")) &&
	       json_number_value(json_object_get(a, "discount_percent")) -
			       json_number_value(json_object_get(b, "discount_percent")) < 0.005 &&
	       json_number_value(json_object_get(b, "discount_percent")) -
			       json_number_value(json_object_get(a, "discount_percent")) < 0.005;
}

static bool in_departments(db *d, json_t *ids, int64_t dept)
{
	for (int i = 0; dept && i < 32; i++) {
		size_t j;
		json_t *x;
		json_array_foreach(ids, j, x)
			if (json_integer_value(x) == dept)
				return true;
		dept = appr_department_parent(d, dept);
	}
	return false;
}

static bool step_applies(db *d, json_t *when, json_t *facts)
{
	int64_t amount = json_integer_value(json_object_get(facts, "amount"));
	json_t *v;
	if ((v = json_object_get(when, "amount_gte")) && json_is_integer(v) && amount < json_integer_value(v))
		return false;
	if ((v = json_object_get(when, "amount_lt")) && json_is_integer(v) && amount >= json_integer_value(v))
		return false;
	if ((v = json_object_get(when, "discount_gt")) && json_is_number(v) &&
	    !(json_number_value(json_object_get(facts, "discount_percent")) > json_number_value(v)))
		return false;
	if ((v = json_object_get(when, "department_ids")) && json_is_array(v) &&
	    !in_departments(d, v, json_integer_value(json_object_get(facts, "department_id"))))
		return false;
	return true;
}

static bool below_threshold(json_t *flow, json_t *facts)
{
	json_t *b = json_object_get(flow, "auto_approve_below");
	return json_is_integer(b) && json_integer_value(json_object_get(facts, "amount")) < json_integer_value(b);
}

static void add_unique(json_t *ids, int64_t id, int64_t submitter)
{
	size_t i;
	json_t *x;
	if (!id || id == submitter)
		return;
	json_array_foreach(ids, i, x)
		if (json_integer_value(x) == id)
			return;
	json_array_append_new(ids, json_integer(id));
}

static json_t *step_name(json_t *st, int n)
{
	json_t *name = json_object_get(st, "name");
	if (json_is_string(name))
		return json_incref(name);
	if (json_is_object(name)) {
		const char *zh = json_string_value(json_object_get(name, "zh-CN"));
		const char *en = json_string_value(json_object_get(name, "en"));
		if (zh && en)
			return json_sprintf("%s / %s", zh, en);
		if (zh || en)
			return json_string(zh ? zh : en);
	}
	return json_sprintf("第 %d 步 / Step %d", n, n);
}

json_t *appr_plan(ent_op *op, json_t *flow, json_t *facts, int64_t submitter)
{
	db *d = op->db;
	json_t *stages = json_array();
	json_t *prev = NULL;
	size_t i;
	json_t *st;
	int64_t dept = json_integer_value(json_object_get(facts, "department_id"));
	json_array_foreach(json_object_get(flow, "steps"), i, st) {
		json_t *when = json_object_get(st, "when");
		if (json_is_object(when) && !step_applies(d, when, facts))
			continue;
		json_t *ap = json_object_get(st, "approvers");
		const char *type = json_string_value(json_object_get(ap, "type"));
		const char *mode = json_string_value(json_object_get(st, "mode"));
		int limit = (int)json_integer_value(json_object_get(st, "time_limit_hours"));
		if (!type)
			continue;
		if (!strcmp(type, "manager_chain")) {
			/* one stage per level, each the manager of the one before */
			int64_t u = submitter;
			int levels = (int)json_integer_value(json_object_get(ap, "levels"));
			for (int l = 0; l < levels; l++) {
				u = appr_manager_of(d, u);
				if (!u || u == submitter)
					break;
				json_array_append_new(stages, json_pack("{s:I,s:o,s:s,s:i,s:[I]}", "step", (json_int_t)i + 1,
									"name", step_name(st, (int)i + 1), "mode", "any",
									"limit", limit, "approvers", (json_int_t)u));
			}
			prev = NULL;
			continue;
		}
		json_t *ids = json_array();
		if (!strcmp(type, "manager"))
			add_unique(ids, appr_manager_of(d, submitter), submitter);
		else if (!strcmp(type, "department_manager")) {
			int64_t m = appr_department_manager(d, dept, submitter);
			add_unique(ids, m, submitter);
		} else if (!strcmp(type, "parent_department_manager")) {
			/* the manager of the department above the one whose manager the submitter reports to */
			int64_t own = appr_department_manager(d, dept, submitter);
			int64_t up = dept;
			while (up && appr_department_manager(d, up, submitter) == own)
				up = appr_department_parent(d, up);
			add_unique(ids, up ? appr_department_manager(d, up, submitter) : 0, submitter);
		} else if (!strcmp(type, "role")) {
			json_t *m = appr_role_members(d, json_string_value(json_object_get(ap, "role")));
			size_t j;
			json_t *x;
			json_array_foreach(m, j, x)
				add_unique(ids, json_integer_value(x), submitter);
			json_decref(m);
		} else if (!strcmp(type, "users")) {
			size_t j;
			json_t *x;
			json_array_foreach(json_object_get(ap, "user_ids"), j, x)
				if (appr_user_enabled(d, json_integer_value(x)))
					add_unique(ids, json_integer_value(x), submitter);
		}
		if (!json_array_size(ids)) {
			/* nobody fits (no manager set up): the administrators decide, so it never waits for no one */
			json_t *admins = appr_role_members(d, "admin");
			size_t j;
			json_t *x;
			json_array_foreach(admins, j, x)
				add_unique(ids, json_integer_value(x), submitter);
			json_decref(admins);
		}
		/* the same person twice in a row signs once (approvals are never duplicated) */
		if (!json_array_size(ids) || (prev && json_equal(prev, ids))) {
			json_decref(ids);
			continue;
		}
		prev = ids;
		json_array_append_new(stages, json_pack("{s:I,s:o,s:s,s:i,s:o}", "step", (json_int_t)i + 1, "name",
							step_name(st, (int)i + 1), "mode", mode ? mode : "any", "limit",
							limit, "approvers", ids));
	}
	return stages;
}

/* ---- the document's side ---- */

typedef struct req_row {
	int64_t id;
	char status[16];
	json_t *facts;
	int64_t submitted_by;
} req_row;

/* The record's latest request (id 0 when none). */
static int latest_request(ent_op *op, const char *entity, int64_t record_id, req_row *r)
{
	memset(r, 0, sizeof(*r));
	db_stmt *s = db_prepare(op->db, "SELECT id, status, facts, submitted_by FROM approval_requests "
					"WHERE entity = ? AND record_id = ? ORDER BY id DESC LIMIT 1");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_str(s, 1, entity);
	db_bind_int(s, 2, record_id);
	int rc = db_step(s);
	if (rc == DB_ROW) {
		r->id = db_col_int(s, 0);
		snprintf(r->status, sizeof(r->status), "%s", db_col_text(s, 1));
		r->facts = json_loads(db_col_text(s, 2), 0, NULL);
		r->submitted_by = db_col_int(s, 3);
	}
	db_done(s);
	return rc < 0 ? op_db_fail(op, rc) : 0;
}

int approval_status_of(ent_op *op, const entity_def *e, int64_t id, char out[16])
{
	req_row r;
	if (latest_request(op, e->name, id, &r))
		return -1;
	snprintf(out, 16, "%s", r.id ? r.status : "draft");
	json_decref(r.facts);
	return 0;
}

static void format_money(int64_t minor, const char *cur, char *out, size_t n)
{
	char digits[32];
	int64_t whole = (minor < 0 ? -minor : minor) / 100;
	snprintf(digits, sizeof(digits), "%lld", (long long)whole);
	char grouped[48];
	size_t len = strlen(digits), k = 0;
	for (size_t i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			grouped[k++] = ',';
		grouped[k++] = digits[i];
	}
	grouped[k] = '\0';
	snprintf(out, n, "%s%s.%02lld %s", minor < 0 ? "-" : "", grouped, (long long)((minor < 0 ? -minor : minor) % 100),
		 cur);
}

static int64_t insert_request(ent_op *op, const entity_def *e, int64_t id, int version, const char *status,
			      bool automatic, json_t *facts, const char *note)
{
	char now[32];
	appr_now(now);
	char *ftxt = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
	db_stmt *s = db_prepare(op->db, "INSERT INTO approval_requests(entity, record_id, flow_version, status, automatic, "
					"facts, submitted_by, submitted_at, decided_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
					"RETURNING id");
	int64_t rid = 0;
	if (s) {
		db_bind_str(s, 1, e->name);
		db_bind_int(s, 2, id);
		db_bind_int(s, 3, version);
		db_bind_str(s, 4, status);
		db_bind_int(s, 5, automatic);
		db_bind_str(s, 6, ftxt);
		db_bind_int(s, 7, op->who->user.id);
		db_bind_str(s, 8, now);
		db_bind_str(s, 9, automatic ? now : NULL);
		db_bind_str(s, 10, note);
		if (db_step(s) == DB_ROW)
			rid = db_col_int(s, 0);
		db_done(s);
	}
	free(ftxt);
	if (!rid)
		op_db_fail(op, db_errcode(op->db));
	return rid;
}

static int insert_tasks(ent_op *op, int64_t rid, json_t *stages)
{
	size_t i;
	json_t *st;
	json_array_foreach(stages, i, st) {
		size_t j;
		json_t *u;
		json_array_foreach(json_object_get(st, "approvers"), j, u) {
			db_stmt *s = db_prepare(op->db, "INSERT INTO approval_tasks(request_id, step, ord, step_name, mode, "
							"approver_id, status, time_limit_hours) VALUES (?, ?, ?, ?, ?, ?, 'waiting', ?)");
			if (!s)
				return op_db_fail(op, db_errcode(op->db));
			db_bind_int(s, 1, rid);
			db_bind_int(s, 2, json_integer_value(json_object_get(st, "step")));
			db_bind_int(s, 3, (int64_t)(i + 1) * APPR_ORD_GAP);
			db_bind_str(s, 4, json_string_value(json_object_get(st, "name")));
			db_bind_str(s, 5, json_string_value(json_object_get(st, "mode")));
			db_bind_int(s, 6, json_integer_value(u));
			db_bind_int(s, 7, json_integer_value(json_object_get(st, "limit")));
			int rc = db_step(s);
			db_done(s);
			if (rc != DB_DONE)
				return op_db_fail(op, rc);
		}
	}
	return 0;
}

/* The record as answered by submit and withdraw. */
static json_t *answer(ent_op *op, const entity_def *e, int64_t id, int64_t rid, const char *status, bool automatic,
		      const char *message)
{
	json_t *rec = record_get(op, e, id);
	if (!rec)
		return NULL;
	if (!json_object_get(rec, "approval_status"))
		json_object_set_new(rec, "approval_status", json_string(status));
	json_object_set_new(rec, "approval", json_pack("{s:o,s:s,s:b,s:s?}", "request_id",
						       rid ? json_integer(rid) : json_null(), "status", status,
						       "automatic", automatic, "message", message));
	return rec;
}

json_t *approval_submit(ent_op *op, const entity_def *e, int64_t id)
{
	json_t *rec = record_get_for_update(op, e, id);
	if (!rec)
		return NULL;
	int version;
	json_t *flow = appr_flow_current(op->db, e->name, &version);
	json_t *facts = NULL, *stages = NULL;
	req_row last = { 0 };
	int64_t rid = 0;
	const char *status = "pending";
	bool automatic = false;
	char msg[200] = "";
	if (!flow) {
		op_fail(op, 409, "conflict", "no approval flow is defined for %s", e->name);
		goto fail_out;
	}
	if (op_begin(op))
		goto fail_out;
	if (latest_request(op, e->name, id, &last))
		goto fail;
	facts = facts_of(op, e, flow, rec, op->who->user.id);
	if (last.id && !strcmp(last.status, "pending")) {
		op_fail(op, 409, "conflict", "the approval is already under way; withdraw it first");
		goto fail;
	}
	if (last.id && !strcmp(last.status, "approved") && same_facts(last.facts, facts)) {
		/* never asked twice for the same figures */
		op_rollback(op);
		json_t *out = answer(op, e, id, last.id, "approved", false,
				     "已审批通过，金额未变 / Already approved; no amount the flow looks at changed");
		json_decref(rec), json_decref(flow), json_decref(facts), json_decref(last.facts);
		return out;
	}
	stages = appr_plan(op, flow, facts, op->who->user.id);
	char amount[64];
	format_money(json_integer_value(json_object_get(facts, "amount")),
		     json_string_value(json_object_get(facts, "currency")), amount, sizeof(amount));
	if (below_threshold(flow, facts) || !json_array_size(stages)) {
		char limit[64];
		automatic = true;
		status = "approved";
		if (below_threshold(flow, facts)) {
			format_money(json_integer_value(json_object_get(flow, "auto_approve_below")),
				     json_string_value(json_object_get(facts, "currency")), limit, sizeof(limit));
			snprintf(msg, sizeof(msg), "低于 %s，自动通过 / Approved automatically: below %s", limit, limit);
		} else {
			snprintf(msg, sizeof(msg), "无需审批，自动通过 / Approved automatically: no step applies to %s", amount);
		}
	}
	rid = insert_request(op, e, id, version, status, automatic, facts, automatic ? msg : NULL);
	if (!rid)
		goto fail;
	if (appr_event(op, rid, 0, op->who->user.id, automatic ? "auto_approve" : "submit", automatic ? msg : NULL))
		goto fail;
	if (automatic) {
		if (appr_mirror(op, e->name, id, "approved", "auto_approve"))
			goto fail;
	} else if (insert_tasks(op, rid, stages) || appr_mirror(op, e->name, id, "pending", "submit") ||
		   appr_advance(op, rid)) {
		goto fail;
	}
	if (op_commit(op))
		goto fail_out;
	json_decref(rec), json_decref(flow), json_decref(facts), json_decref(stages), json_decref(last.facts);
	return answer(op, e, id, rid, status, automatic, automatic ? msg : NULL);
fail:
	op_rollback(op);
fail_out:
	json_decref(rec), json_decref(flow), json_decref(facts), json_decref(stages), json_decref(last.facts);
	return NULL;
}

json_t *approval_withdraw(ent_op *op, const entity_def *e, int64_t id)
{
	json_t *rec = record_get_for_update(op, e, id);
	if (!rec)
		return NULL;
	json_decref(rec);
	req_row last;
	if (op_begin(op))
		return NULL;
	if (latest_request(op, e->name, id, &last))
		goto fail;
	if (!last.id || strcmp(last.status, "pending")) {
		op_fail(op, 409, "conflict", "there is no pending approval to withdraw");
		goto fail;
	}
	db_stmt *s = db_prepare(op->db, "UPDATE approval_tasks SET status = 'cancelled' WHERE request_id = ? "
					"AND status IN ('waiting', 'pending')");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		goto fail;
	}
	db_bind_int(s, 1, last.id);
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE) {
		op_db_fail(op, rc);
		goto fail;
	}
	if (appr_event(op, last.id, 0, op->who->user.id, "withdraw", NULL) ||
	    appr_finish(op, last.id, "withdrawn", NULL) || op_commit(op))
		goto fail;
	json_decref(last.facts);
	return answer(op, e, id, last.id, "withdrawn", false, NULL);
fail:
	json_decref(last.facts);
	op_rollback(op);
	return NULL;
}

static json_t *request_tasks(ent_op *op, int64_t rid)
{
	json_t *list = json_array();
	db_stmt *s = db_prepare(op->db, "SELECT id FROM approval_tasks WHERE request_id = ? ORDER BY ord, id");
	if (!s)
		return list;
	db_bind_int(s, 1, rid);
	json_t *ids = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(ids, json_integer(db_col_int(s, 0)));
	db_done(s);
	size_t i;
	json_t *x;
	json_array_foreach(ids, i, x) {
		json_t *t = appr_task_json(op, json_integer_value(x));
		if (t)
			json_array_append_new(list, t);
	}
	json_decref(ids);
	return list;
}

static json_t *request_events(ent_op *op, int64_t rid)
{
	json_t *list = json_array();
	db_stmt *s = db_prepare(op->db, "SELECT ev.id, ev.task_id, ev.user_id, u.name, ev.action, ev.comment, ev.at "
					"FROM approval_events ev LEFT JOIN users u ON u.id = ev.user_id "
					"WHERE ev.request_id = ? ORDER BY ev.id");
	if (!s)
		return list;
	db_bind_int(s, 1, rid);
	while (db_step(s) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I,s:o,s:o,s:s?,s:s,s:s?,s:s}", "id", (json_int_t)db_col_int(s, 0),
						      "task_id", db_col_is_null(s, 1) ? json_null() : json_integer(db_col_int(s, 1)),
						      "user_id", db_col_is_null(s, 2) ? json_null() : json_integer(db_col_int(s, 2)),
						      "user_name", db_col_text(s, 3), "action", db_col_text(s, 4), "comment",
						      db_col_text(s, 5), "at", db_col_text(s, 6)));
	db_done(s);
	return list;
}

/* Requests of a record (or the one with id rid), newest first, with tasks and events. */
json_t *appr_requests_json(ent_op *op, const char *entity, int64_t record_id, int64_t rid)
{
	json_t *list = json_array();
	db_stmt *s = db_prepare(op->db, "SELECT r.id, r.flow_version, r.status, r.automatic, r.note, r.facts, "
					"r.submitted_by, u.name, r.submitted_at, r.decided_at FROM approval_requests r "
					"LEFT JOIN users u ON u.id = r.submitted_by "
					"WHERE (? = 0 AND r.entity = ? AND r.record_id = ?) OR r.id = ? ORDER BY r.id DESC");
	if (!s)
		return list;
	db_bind_int(s, 1, rid);
	db_bind_str(s, 2, entity);
	db_bind_int(s, 3, record_id);
	db_bind_int(s, 4, rid);
	while (db_step(s) == DB_ROW) {
		json_t *facts = json_loads(db_col_text(s, 5), 0, NULL);
		json_t *amount = json_pack("{s:O,s:O}", "amount", json_object_get(facts, "amount"), "currency",
					   json_object_get(facts, "currency"));
		const char *sub = db_col_text(s, 8), *dec = db_col_text(s, 9);
		int64_t a, b;
		json_t *cycle = json_null();
		if (sub && dec && !clock_parse_iso(sub, &a) && !clock_parse_iso(dec, &b))
			cycle = json_real((double)(b - a) / 1000.0);
		json_array_append_new(list, json_pack("{s:I,s:I,s:s,s:b,s:s?,s:o,s:o,s:I,s:s?,s:s,s:s?,s:o}", "id",
						      (json_int_t)db_col_int(s, 0), "flow_version", (json_int_t)db_col_int(s, 1),
						      "status", db_col_text(s, 2), "automatic", (int)db_col_int(s, 3), "message",
						      db_col_text(s, 4), "facts", facts ? facts : json_object(), "amount", amount,
						      "submitted_by", (json_int_t)db_col_int(s, 6), "submitted_by_name",
						      db_col_text(s, 7), "submitted_at", sub, "decided_at", dec,
						      "cycle_seconds", cycle));
	}
	db_done(s);
	size_t i;
	json_t *r;
	json_array_foreach(list, i, r) {
		int64_t id = json_integer_value(json_object_get(r, "id"));
		json_object_set_new(r, "tasks", request_tasks(op, id));
		json_object_set_new(r, "events", request_events(op, id));
	}
	return list;
}

json_t *approval_record_state(ent_op *op, const entity_def *e, int64_t id)
{
	json_t *rec = record_get(op, e, id);
	if (!rec)
		return NULL;
	json_decref(rec);
	json_t *reqs = appr_requests_json(op, e->name, id, 0);
	json_t *first = json_array_get(reqs, 0);
	const char *status = first ? json_string_value(json_object_get(first, "status")) : "draft";
	int version;
	json_t *flow = appr_flow_current(op->db, e->name, &version);
	json_t *out = json_pack("{s:s,s:b,s:o}", "status", status, "has_flow", flow != NULL, "requests", reqs);
	json_decref(flow);
	return out;
}

bool approval_facts_changed(db *d, const entity_def *e, json_t *old, json_t *patch)
{
	int version;
	json_t *flow = appr_flow_current(d, e->name, &version);
	if (!flow)
		return false;
	const char *af = amount_field(e, flow);
	json_t *nv = json_object_get(patch, af);
	bool changed = nv && money_amount(nv, NULL) != money_amount(json_object_get(old, af), NULL);
	json_decref(flow);
	return changed;
}

int approval_gate(hook_ctx *h, json_t *rec, const char *field)
{
	ent_op *op = h->op;
	int version;
	json_t *flow = appr_flow_current(op->db, h->e->name, &version);
	if (!flow)
		return 0;
	int64_t owner = json_integer_value(json_object_get(rec, "owner_id"));
	json_t *facts = facts_of(op, h->e, flow, rec, owner ? owner : op->who->user.id);
	int rc = 0;
	req_row last;
	if (latest_request(op, h->e->name, h->id, &last)) {
		rc = -1;
		goto out;
	}
	bool needed = !below_threshold(flow, facts);
	if (needed) {
		json_t *stages = appr_plan(op, flow, facts, owner ? owner : op->who->user.id);
		needed = json_array_size(stages) > 0;
		json_decref(stages);
	}
	if (needed && !(last.id && !strcmp(last.status, "approved") && same_facts(last.facts, facts))) {
		hook_fail(h, 422, "validation_failed", "this document needs an approval first (its status: %s)",
			  last.id ? last.status : "draft");
		h->op->err.fields = json_pack("{s:s}", field, "approval_required");
		rc = -1;
	}
	json_decref(last.facts);
out:
	json_decref(facts);
	json_decref(flow);
	return rc;
}
