/*
 * commission_statement.c - monthly statements: a month's lines, the
 * adjustments of the closed months just before it, totals, who may read
 * them; closing a month freezes its lines (commission_lines).
 */
#include "commission_int.h"
#include "../../core/acl.h"
#include "../../util/clock.h"
#include "../sales/documents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- months ---- */

static bool month_valid(const char *m)
{
	if (!m || strlen(m) != 7 || m[4] != '-')
		return false;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (m[i] < '0' || m[i] > '9'))
			return false;
	int mon = atoi(m + 5);
	return mon >= 1 && mon <= 12 && atoi(m) >= 1900;
}

static void month_prev(const char *m, char out[8])
{
	unsigned y = (unsigned)atoi(m), mon = (unsigned)atoi(m + 5);
	if (mon <= 1 || mon > 12) {
		mon = 12;
		y--;
	} else {
		mon--;
	}
	snprintf(out, 8, "%04u-%02u", y % 10000, mon % 100);
}


static bool month_closed(ent_op *op, const char *m)
{
	db_stmt *s = db_prepare(op->db, "SELECT 1 FROM commission_months WHERE month = ?");
	if (!s)
		return false;
	db_bind_str(s, 1, m);
	bool closed = db_step(s) == DB_ROW;
	db_done(s);
	return closed;
}

/* Acknowledged deductions of user shown in month m, as lines. */
static int deduction_lines(ent_op *op, int64_t user, const char *m, json_t *out)
{
	db_stmt *s = db_prepare(op->db, "SELECT d.id, d.contract_id, d.amount, d.currency, d.reason, d.acknowledged_at, "
					"coalesce(c.number, '') FROM commission_deductions d LEFT JOIN contracts c ON c.id = d.contract_id "
					"WHERE d.user_id = ? AND d.status = 'acknowledged' AND d.month = ? ORDER BY d.id");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, user);
	db_bind_str(s, 2, m);
	while (db_step(s) == DB_ROW) {
		const char *cur = db_col_text(s, 3);
		int64_t x = db_col_int(s, 2);
		char key[32];
		snprintf(key, sizeof(key), "d%lld", (long long)db_col_int(s, 0));
		json_t *line = json_pack("{s:s,s:I,s:I,s:s,s:n,s:n,s:n,s:s,s:s,s:o,s:o,s:o,s:s,s:s}", "kind", "deduction",
					 "deduction_id", (json_int_t)db_col_int(s, 0), "contract_id",
					 (json_int_t)db_col_int(s, 1), "contract_number", db_col_text(s, 6), "payment_id",
					 "plan_version", "rate_percent", "reason", db_col_text(s, 4), "acknowledged_at",
					 db_col_text(s, 5), "gross", comm_money(0, cur), "deductions", comm_money(x, cur),
					 "amount", comm_money(-x, cur), "_key", key, "_month", m);
		json_array_append_new(out, line);
	}
	db_done(s);
	return 0;
}

/* The lines of month m as computed now (payments received in m, deductions acknowledged in m). */
static json_t *live_lines(ent_op *op, int64_t user, const char *m)
{
	char to[11];
	snprintf(to, sizeof(to), "%s-31", m);
	json_t *all = comm_payment_lines(op, user, to);
	if (!all)
		return NULL;
	json_t *out = json_array();
	size_t i;
	json_t *l;
	json_array_foreach(all, i, l)
		if (!strcmp(json_string_value(json_object_get(l, "_month")), m))
			json_array_append(out, l);
	json_decref(all);
	if (deduction_lines(op, user, m, out)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static int adjustments(ent_op *op, int64_t user, const char *c, json_t *out)
{
	json_t *live = live_lines(op, user, c);
	if (!live)
		return -1;
	json_t *frozen = json_object(); /* key -> {"amount","deductions","line"} */
	db_stmt *s = db_prepare(op->db, "SELECT line_key, line FROM commission_lines WHERE user_id = ? AND for_month = ? "
					"ORDER BY id");
	if (!s) {
		json_decref(live);
		json_decref(frozen);
		return op_db_fail(op, db_errcode(op->db));
	}
	db_bind_int(s, 1, user);
	db_bind_str(s, 2, c);
	while (db_step(s) == DB_ROW) {
		json_t *line = json_loads(db_col_text(s, 1), 0, NULL);
		const char *key = db_col_text(s, 0);
		json_t *f = json_object_get(frozen, key);
		if (!f) {
			f = json_pack("{s:I,s:I,s:O}", "amount", (json_int_t)0, "deductions", (json_int_t)0, "line", line);
			json_object_set_new(frozen, key, f);
		}
		comm_obj_add(f, "amount", comm_line_money(line, "amount"));
		comm_obj_add(f, "deductions", comm_line_money(line, "deductions"));
		json_decref(line);
	}
	db_done(s);
	/* every key computed now or frozen then */
	json_t *seen = json_object();
	size_t i;
	json_t *l;
	json_array_foreach(live, i, l) {
		const char *key = json_string_value(json_object_get(l, "_key"));
		json_t *f = json_object_get(frozen, key);
		int64_t da = comm_line_money(l, "amount") - (f ? comm_obj_int(f, "amount") : 0);
		int64_t dd = comm_line_money(l, "deductions") - (f ? comm_obj_int(f, "deductions") : 0);
		json_object_set_new(seen, key, json_true());
		if (!da && !dd)
			continue;
		json_t *adj = json_deep_copy(l);
		json_object_set_new(adj, "kind", json_string("adjustment"));
		json_object_set_new(adj, "for_month", json_string(c));
		json_object_set_new(adj, "reason", json_sprintf("correction of %s", c));
		json_object_set_new(adj, "deductions", comm_money(dd, comm_line_currency(l)));
		json_object_set_new(adj, "amount", comm_money(da, comm_line_currency(l)));
		json_array_append_new(out, adj);
	}
	const char *key;
	json_t *f;
	json_object_foreach(frozen, key, f) {
		if (json_object_get(seen, key) || (!comm_obj_int(f, "amount") && !comm_obj_int(f, "deductions")))
			continue;
		/* gone since (a payment deleted): taken back */
		json_t *adj = json_deep_copy(json_object_get(f, "line"));
		const char *cur = comm_line_currency(adj);
		json_object_set_new(adj, "kind", json_string("adjustment"));
		json_object_set_new(adj, "for_month", json_string(c));
		json_object_set_new(adj, "reason", json_sprintf("correction of %s", c));
		json_object_set_new(adj, "deductions", comm_money(-comm_obj_int(f, "deductions"), cur));
		json_object_set_new(adj, "amount", comm_money(-comm_obj_int(f, "amount"), cur));
		json_object_set_new(adj, "_key", json_string(key));
		json_array_append_new(out, adj);
	}
	json_decref(seen);
	json_decref(frozen);
	json_decref(live);
	return 0;
}

/* The lines of open month m: its own, and the corrections of the closed months just before it. */
static json_t *open_lines(ent_op *op, int64_t user, const char *m)
{
	json_t *lines = live_lines(op, user, m);
	if (!lines)
		return NULL;
	char c[8];
	month_prev(m, c);
	for (int n = 0; n < 120 && month_closed(op, c); n++) {
		if (adjustments(op, user, c, lines)) {
			json_decref(lines);
			return NULL;
		}
		char p[8];
		month_prev(c, p);
		memcpy(c, p, sizeof(c));
	}
	return lines;
}

static json_t *totals(json_t *lines)
{
	json_t *by = json_object();
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l) {
		const char *cur = comm_line_currency(l);
		json_t *t = json_object_get(by, cur);
		if (!t) {
			t = json_pack("{s:I,s:I,s:I}", "amount", (json_int_t)0, "gross", (json_int_t)0, "deductions", (json_int_t)0);
			json_object_set_new(by, cur, t);
		}
		comm_obj_add(t, "amount", comm_line_money(l, "amount"));
		comm_obj_add(t, "gross", comm_line_money(l, "gross"));
		comm_obj_add(t, "deductions", comm_line_money(l, "deductions"));
	}
	json_t *list = json_array();
	const char *cur;
	json_t *t;
	json_object_foreach(by, cur, t)
		json_array_append_new(list, json_pack("{s:o,s:o,s:o}", "amount", comm_money(comm_obj_int(t, "amount"), cur), "gross",
						      comm_money(comm_obj_int(t, "gross"), cur), "deductions",
						      comm_money(comm_obj_int(t, "deductions"), cur)));
	json_decref(by);
	/* the total in CNY when there is any, else in the first currency met */
	json_t *pick = NULL;
	json_array_foreach(list, i, t)
		if (!pick || !strcmp(json_string_value(json_object_get(json_object_get(t, "amount"), "currency")), "CNY"))
			pick = t;
	json_t *out = pick ? json_deep_copy(pick)
			   : json_pack("{s:o,s:o,s:o}", "amount", comm_money(0, "CNY"), "gross", comm_money(0, "CNY"),
				       "deductions", comm_money(0, "CNY"));
	json_object_set_new(out, "lines", json_integer((json_int_t)json_array_size(lines)));
	json_object_set_new(out, "by_currency", list);
	return out;
}

/* May the caller read user's commission?  Themselves, admins and finance, and
 * managers for the people whose contracts their data scope shows them. */
bool comm_may_read(ent_op *op, int64_t user)
{
	if (!op->who || user == op->who->user.id || comm_may_manage(op->who))
		return true;
	enum acl_scope sc = acl_entity_scope(op->who, &contracts_entity);
	if (sc == SCOPE_ALL)
		return true;
	if (sc <= SCOPE_OWN)
		return false;
	json_t *ids = json_loads(acl_owner_ids(op, sc), 0, NULL);
	bool ok = false;
	size_t i;
	json_t *x;
	json_array_foreach(ids, i, x)
		ok |= json_integer_value(x) == user;
	json_decref(ids);
	return ok;
}

static int parse_user(ent_op *op, const char *s, int64_t *out)
{
	if (!s || !*s) {
		*out = op->who ? op->who->user.id : 0;
		return 0;
	}
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || v <= 0) {
		op_fail(op, 422, "validation_failed", "user_id must be a user's id");
		op->err.fields = json_pack("{s:s}", "user_id", "invalid_type");
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_month(ent_op *op, const char *m, char out[8])
{
	if (!m || !*m) {
		comm_this_month(out);
		return 0;
	}
	if (!month_valid(m)) {
		op_fail(op, 422, "validation_failed", "month is YYYY-MM");
		op->err.fields = json_pack("{s:s}", "month", "invalid_month");
		return -1;
	}
	snprintf(out, 8, "%s", m);
	return 0;
}

static json_t *frozen_lines(ent_op *op, int64_t user, const char *m)
{
	db_stmt *s = db_prepare(op->db, "SELECT line FROM commission_lines WHERE user_id = ? AND month = ? ORDER BY id");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, user);
	db_bind_str(s, 2, m);
	json_t *lines = json_array();
	while (db_step(s) == DB_ROW) {
		json_t *l = json_loads(db_col_text(s, 0), 0, NULL);
		if (l)
			json_array_append_new(lines, l);
	}
	db_done(s);
	return lines;
}

static json_t *pending_deductions(ent_op *op, int64_t user)
{
	db_stmt *s = db_prepare(op->db, "SELECT d.id, d.contract_id, d.amount, d.currency, d.reason, d.created_at, "
					"coalesce(c.number, '') FROM commission_deductions d LEFT JOIN contracts c ON c.id = d.contract_id "
					"WHERE d.user_id = ? AND d.status = 'pending' ORDER BY d.id");
	json_t *out = json_array();
	if (!s)
		return out;
	db_bind_int(s, 1, user);
	while (db_step(s) == DB_ROW)
		json_array_append_new(out, json_pack("{s:I,s:I,s:s,s:o,s:s,s:s,s:s}", "id", (json_int_t)db_col_int(s, 0),
						     "contract_id", (json_int_t)db_col_int(s, 1), "contract_number",
						     db_col_text(s, 6), "amount", comm_money(db_col_int(s, 2), db_col_text(s, 3)),
						     "reason", db_col_text(s, 4), "created_at", db_col_text(s, 5), "status",
						     "pending"));
	db_done(s);
	return out;
}

json_t *comm_statement(ent_op *op, const char *user_s, const char *month_s)
{
	int64_t user;
	char m[8];
	if (parse_user(op, user_s, &user) || parse_month(op, month_s, m))
		return NULL;
	if (!comm_may_read(op, user)) {
		op_fail(op, 403, "forbidden", "you may read only your own commission and your team's");
		return NULL;
	}
	if (comm_count(op->db, "SELECT count(*) FROM users WHERE id = ?", user) != 1) {
		op_fail(op, 404, "not_found", "no such user");
		return NULL;
	}
	bool closed = month_closed(op, m);
	json_t *lines = closed ? frozen_lines(op, user, m) : open_lines(op, user, m);
	if (!lines)
		return NULL;
	comm_strip_internal(lines);
	json_t *out = json_pack("{s:I,s:s,s:b,s:o}", "user_id", (json_int_t)user, "month", m, "closed", closed, "lines",
				lines);
	json_object_set_new(out, "total", totals(lines));
	json_object_set_new(out, "pending_deductions", pending_deductions(op, user));
	return out;
}

json_t *comm_month_list(ent_op *op)
{
	db_stmt *s = db_prepare(op->db, "SELECT month, closed_at, coalesce(closed_by, 0) FROM commission_months ORDER BY month DESC");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	json_t *data = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(data, json_pack("{s:s,s:b,s:s,s:I}", "month", db_col_text(s, 0), "closed", 1,
						      "closed_at", db_col_text(s, 1), "closed_by",
						      (json_int_t)db_col_int(s, 2)));
	db_done(s);
	return json_pack("{s:o}", "data", data);
}

/* Freezes the lines of month m for one user. */
static int freeze(ent_op *op, int64_t user, const char *m, int64_t *count)
{
	json_t *lines = open_lines(op, user, m);
	if (!lines)
		return -1;
	size_t i;
	json_t *l;
	int rc = 0;
	json_array_foreach(lines, i, l) {
		const char *key = json_string_value(json_object_get(l, "_key"));
		const char *for_month = json_string_value(json_object_get(l, "for_month"));
		char *key_copy = strdup(key ? key : "");
		json_object_del(l, "_key");
		json_object_del(l, "_month");
		char *txt = json_dumps(l, JSON_COMPACT);
		db_stmt *s = db_prepare(op->db, "INSERT INTO commission_lines(month, for_month, user_id, line_key, kind, line) "
						"VALUES (?, ?, ?, ?, ?, ?)");
		if (s) {
			db_bind_str(s, 1, m);
			db_bind_str(s, 2, for_month ? for_month : m);
			db_bind_int(s, 3, user);
			db_bind_str(s, 4, key_copy);
			db_bind_str(s, 5, json_string_value(json_object_get(l, "kind")));
			db_bind_str(s, 6, txt);
			rc = db_step(s);
			db_done(s);
		} else {
			rc = db_errcode(op->db) ? db_errcode(op->db) : DB_ERR;
		}
		free(txt);
		free(key_copy);
		if (rc != DB_DONE) {
			json_decref(lines);
			return op_db_fail(op, rc);
		}
		(*count)++;
	}
	json_decref(lines);
	return 0;
}

json_t *comm_month_close(ent_op *op, const char *month)
{
	if (!comm_may_manage(op->who)) {
		op_fail(op, 403, "forbidden", "only finance and administrators close commission months");
		return NULL;
	}
	char m[8], now_m[8];
	if (!month || !month_valid(month)) {
		op_fail(op, 422, "validation_failed", "month is YYYY-MM");
		op->err.fields = json_pack("{s:s}", "month", "invalid_month");
		return NULL;
	}
	snprintf(m, sizeof(m), "%s", month);
	comm_this_month(now_m);
	if (strcmp(m, now_m) > 0) {
		op_fail(op, 422, "validation_failed", "a month that has not begun cannot be closed");
		op->err.fields = json_pack("{s:s}", "month", "in_future");
		return NULL;
	}
	if (op_begin(op))
		return NULL;
	if (month_closed(op, m)) {
		op_fail(op, 409, "conflict", "%s is already closed", m);
		goto fail;
	}
	/* the people who may have lines: contract owners and deduction addressees */
	db_stmt *s = db_prepare(op->db, "SELECT DISTINCT owner_id FROM contracts WHERE owner_id IS NOT NULL UNION "
					"SELECT DISTINCT user_id FROM commission_deductions ORDER BY 1");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		goto fail;
	}
	json_t *users = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(users, json_integer(db_col_int(s, 0)));
	db_done(s);
	int64_t count = 0;
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u) {
		if (freeze(op, json_integer_value(u), m, &count)) {
			json_decref(users);
			goto fail;
		}
	}
	json_decref(users);
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	s = db_prepare(op->db, "INSERT INTO commission_months(month, closed_by, closed_at) VALUES (?, ?, ?)");
	int rc = DB_ERR;
	if (s) {
		db_bind_str(s, 1, m);
		db_bind_int(s, 2, op->who ? op->who->user.id : 0);
		db_bind_str(s, 3, now);
		rc = db_step(s);
		db_done(s);
	}
	if (rc != DB_DONE) {
		op_db_fail(op, rc);
		goto fail;
	}
	if (op_commit(op))
		return NULL;
	return json_pack("{s:s,s:b,s:s,s:I}", "month", m, "closed", 1, "closed_at", now, "lines", (json_int_t)count);
fail:
	op_rollback(op);
	return NULL;
}
