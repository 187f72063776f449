/*
 * commission_statement.c - the lines of a rep's commission, computed from the
 * payments received and the versions pinned to each contract; monthly
 * statements, closing a month (its lines frozen), adjustment lines for later
 * corrections, deductions the rep acknowledges, and the preview.
 */
#include "commission_int.h"
#include "../../core/acl.h"
#include "../../core/notify.h"
#include "../../core/record.h"
#include "../../util/clock.h"
#include "../../util/money.h"
#include "../../util/utf8.h"
#include "../sales/documents.h"
#include "../sales/sales.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PLANS 64

/* What the computation of one user's lines keeps while it walks the payments. */
typedef struct walk {
	ent_op *op;
	comm_plan_row plans[MAX_PLANS];
	int nplans;
	json_t *pins;          /* contract id -> {"plan": id, "fees": [ids]} */
	json_t *period_base;   /* "M2027-03" / "Q2027-1" / "Y2027" -> cumulative base */
	json_t *contract_gross; /* contract id -> commission so far */
	json_t *contract_done; /* contract id -> true (basis contract_amount: paid once) */
} walk;

static void walk_free(walk *w)
{
	for (int i = 0; i < w->nplans; i++)
		comm_plan_row_free(&w->plans[i]);
	json_decref(w->pins);
	json_decref(w->period_base);
	json_decref(w->contract_gross);
	json_decref(w->contract_done);
}

static comm_plan_row *plan_of(walk *w, int64_t id)
{
	for (int i = 0; i < w->nplans; i++)
		if (w->plans[i].id == id)
			return &w->plans[i];
	if (w->nplans >= MAX_PLANS || comm_load_plan(w->op, id, &w->plans[w->nplans]))
		return NULL;
	return &w->plans[w->nplans++];
}

static int64_t obj_int(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void obj_add(json_t *o, const char *k, int64_t v)
{
	json_object_set_new(o, k, json_integer(obj_int(o, k) + v));
}

static void period_keys(const char *date, char m[16], char q[16], char y[16])
{
	int mon = atoi(date + 5);
	unsigned quarter = mon >= 1 && mon <= 12 ? (unsigned)(mon - 1) / 3 + 1 : 1;
	snprintf(m, 16, "M%.7s", date);
	snprintf(q, 16, "Q%.4s-%u", date, quarter % 10);
	snprintf(y, 16, "Y%.4s", date);
}

static const char *period_key(const comm_plan_row *p, const char *date, char m[16], char q[16], char y[16])
{
	period_keys(date, m, q, y);
	return !strcmp(p->tier_period, "quarter") ? q : !strcmp(p->tier_period, "year") ? y : m;
}

/* Portions of base at the plan's category rates, from the lines of the contract's quote. */
static void category_parts(walk *w, const comm_plan_row *p, int64_t quote_id, int64_t base, comm_input *in)
{
	if (!quote_id || !json_object_size(p->category_rates))
		return;
	db_stmt *s = db_prepare(w->op->db, "SELECT coalesce(pr.category, ''), sum(ql.amount - coalesce(ql.discount_amount, 0)) "
					   "FROM quote_lines ql LEFT JOIN products pr ON pr.id = ql.product_id "
					   "WHERE ql.quote_id = ? GROUP BY coalesce(pr.category, '') ORDER BY 1");
	if (!s)
		return;
	db_bind_int(s, 1, quote_id);
	int64_t weights[COMM_MAX_PARTS], rates[COMM_MAX_PARTS], split[COMM_MAX_PARTS];
	bool has[COMM_MAX_PARTS];
	int n = 0;
	while (n < COMM_MAX_PARTS && db_step(s) == DB_ROW) {
		json_t *r = json_object_get(p->category_rates, db_col_text(s, 0));
		weights[n] = db_col_int(s, 1);
		has[n] = json_is_integer(r);
		rates[n] = json_integer_value(r);
		n++;
	}
	db_done(s);
	comm_split(base, weights, n, split);
	for (int i = 0; i < n; i++)
		if (has[i] && split[i] > 0) {
			in->part_amount[in->nparts] = split[i];
			in->part_rate_pct[in->nparts] = rates[i];
			in->nparts++;
		}
}

/* The pinned versions of a contract, cached. */
static json_t *pin_of(walk *w, int64_t contract_id)
{
	char key[24];
	snprintf(key, sizeof(key), "%lld", (long long)contract_id);
	json_t *p = json_object_get(w->pins, key);
	if (p)
		return p;
	int64_t plan_id;
	json_t *fees;
	if (comm_pin_get(w->op, contract_id, &plan_id, &fees))
		return NULL;
	p = json_pack("{s:I,s:o}", "plan", (json_int_t)plan_id, "fees", fees);
	json_object_set_new(w->pins, key, p);
	return p;
}

typedef struct pay_row {
	int64_t id, contract_id, amount, con_amount, quote_id;
	char cur[4], con_cur[4], received[11], number[64];
} pay_row;

/* One payment's line (NULL when it earns nothing: no plan, or a contract_amount plan already paid). */
static json_t *payment_line(walk *w, const pay_row *pr, int *failed)
{
	json_t *pin = pin_of(w, pr->contract_id);
	if (!pin) {
		*failed = 1;
		return NULL;
	}
	int64_t plan_id = obj_int(pin, "plan");
	if (!plan_id)
		return NULL;
	comm_plan_row *p = plan_of(w, plan_id);
	if (!p) {
		*failed = 1;
		return NULL;
	}
	char ckey[24];
	snprintf(ckey, sizeof(ckey), "%lld", (long long)pr->contract_id);
	int64_t base = pr->amount;
	const char *cur = pr->cur;
	if (!strcmp(p->basis, "contract_amount")) {
		if (json_object_get(w->contract_done, ckey))
			return NULL;
		json_object_set_new(w->contract_done, ckey, json_true());
		base = pr->con_amount;
		cur = pr->con_cur;
	}
	comm_input in = { .base = base };
	char m[16], q[16], y[16];
	in.period_before = obj_int(w->period_base, period_key(p, pr->received, m, q, y));
	in.contract_before = obj_int(w->contract_gross, ckey);
	category_parts(w, p, pr->quote_id, base, &in);
	comm_fee_row fees[COMM_MAX_FEES];
	size_t i;
	json_t *fid;
	json_array_foreach(json_object_get(pin, "fees"), i, fid) {
		if (in.nfees >= COMM_MAX_FEES)
			break;
		if (comm_load_fee(w->op, json_integer_value(fid), &fees[in.nfees])) {
			*failed = 1;
			return NULL;
		}
		in.fee_pct[in.nfees] = fees[in.nfees].rate_pct;
		in.nfees++;
	}
	comm_plan calc = p->calc;
	if (strcmp(cur, p->currency))
		calc.cap = 0; /* a cap is in the plan's currency */
	comm_result r;
	if (comm_compute(&calc, &in, &r)) {
		*failed = 1;
		op_fail(w->op, 422, "out_of_range", "a commission figure is out of range");
		return NULL;
	}
	obj_add(w->period_base, m, base);
	obj_add(w->period_base, q, base);
	obj_add(w->period_base, y, base);
	obj_add(w->contract_gross, ckey, r.gross);
	json_t *fee_lines = json_array();
	for (int k = 0; k < in.nfees; k++)
		json_array_append_new(fee_lines, json_pack("{s:s,s:I,s:s,s:o,s:o}", "name", fees[k].name, "version",
							   (json_int_t)fees[k].version, "reason", fees[k].reason,
							   "rate_percent", comm_pct_json(fees[k].rate_pct), "amount",
							   comm_money(r.fee_amount[k], cur)));
	char key[32];
	snprintf(key, sizeof(key), "p%lld", (long long)pr->id);
	json_t *line = json_pack("{s:s,s:I,s:s,s:I,s:s,s:I,s:s,s:I,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:b}",
				 "kind", "payment", "contract_id", (json_int_t)pr->contract_id, "contract_number", pr->number,
				 "payment_id", (json_int_t)pr->id, "received_on", pr->received, "plan_id", (json_int_t)p->id,
				 "plan_name", p->name, "plan_version", (json_int_t)p->version, "basis", p->basis,
				 "rate_percent", comm_pct_json(r.rate_pct), "base", comm_money(base, cur), "gross",
				 comm_money(r.gross, cur), "deductions", comm_money(r.deductions, cur), "fees", fee_lines,
				 "amount", comm_money(r.amount, cur), "capped", r.capped);
	json_object_set_new(line, "_key", json_string(key));
	json_object_set_new(line, "_month", json_stringn(pr->received, 7));
	return line;
}

static void copy_text(db_stmt *s, int c, char *out, size_t n, const char *def)
{
	const char *t = db_col_text(s, c);
	snprintf(out, n, "%s", t ? t : def);
}

/* Every payment line of user up to (and including) date `to`, oldest first; NULL with op->err. */
static json_t *payment_lines(ent_op *op, int64_t user, const char *to)
{
	walk w = { .op = op, .pins = json_object(), .period_base = json_object(), .contract_gross = json_object(),
		   .contract_done = json_object() };
	json_t *lines = json_array();
	pay_row *rows = NULL;
	size_t n = 0, cap = 0;
	int failed = 0;
	db_stmt *s = db_prepare(op->db, "SELECT p.id, p.contract_id, p.amount, p.amount_currency, p.received_on, c.amount, "
					"c.amount_currency, c.quote_id, c.number FROM payments p JOIN contracts c ON c.id = p.contract_id "
					"WHERE c.owner_id = ? AND p.deleted_at IS NULL AND c.deleted_at IS NULL AND p.received_on <= ? "
					"ORDER BY p.received_on, p.id");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		goto fail;
	}
	db_bind_int(s, 1, user);
	db_bind_str(s, 2, to);
	/* rows first: computing a line runs other statements on this connection */
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			pay_row *grown = realloc(rows, cap * sizeof(*rows));
			if (!grown)
				break;
			rows = grown;
		}
		pay_row *r = &rows[n++];
		r->id = db_col_int(s, 0);
		r->contract_id = db_col_int(s, 1);
		r->amount = db_col_int(s, 2);
		copy_text(s, 3, r->cur, sizeof(r->cur), "CNY");
		copy_text(s, 4, r->received, sizeof(r->received), "");
		r->con_amount = db_col_int(s, 5);
		copy_text(s, 6, r->con_cur, sizeof(r->con_cur), "CNY");
		r->quote_id = db_col_is_null(s, 7) ? 0 : db_col_int(s, 7);
		copy_text(s, 8, r->number, sizeof(r->number), "");
	}
	db_done(s);
	if (rc < 0) {
		op_db_fail(op, rc);
		goto fail;
	}
	for (size_t i = 0; i < n && !failed; i++) {
		json_t *line = payment_line(&w, &rows[i], &failed);
		if (line)
			json_array_append_new(lines, line);
	}
	if (failed)
		goto fail;
	free(rows);
	walk_free(&w);
	return lines;
fail:
	free(rows);
	walk_free(&w);
	json_decref(lines);
	return NULL;
}

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

static void this_month(char out[8])
{
	char today[11];
	doc_today(today);
	snprintf(out, 8, "%.7s", today);
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
	json_t *all = payment_lines(op, user, to);
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

static int64_t money_amount(json_t *line, const char *k)
{
	return json_integer_value(json_object_get(json_object_get(line, k), "amount"));
}

static const char *money_cur(json_t *line)
{
	const char *c = json_string_value(json_object_get(json_object_get(line, "amount"), "currency"));
	return c ? c : "CNY";
}

/* Corrections of closed month c: what it computes now minus what was frozen for it. */
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
		obj_add(f, "amount", money_amount(line, "amount"));
		obj_add(f, "deductions", money_amount(line, "deductions"));
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
		int64_t da = money_amount(l, "amount") - (f ? obj_int(f, "amount") : 0);
		int64_t dd = money_amount(l, "deductions") - (f ? obj_int(f, "deductions") : 0);
		json_object_set_new(seen, key, json_true());
		if (!da && !dd)
			continue;
		json_t *adj = json_deep_copy(l);
		json_object_set_new(adj, "kind", json_string("adjustment"));
		json_object_set_new(adj, "for_month", json_string(c));
		json_object_set_new(adj, "reason", json_sprintf("correction of %s", c));
		json_object_set_new(adj, "deductions", comm_money(dd, money_cur(l)));
		json_object_set_new(adj, "amount", comm_money(da, money_cur(l)));
		json_array_append_new(out, adj);
	}
	const char *key;
	json_t *f;
	json_object_foreach(frozen, key, f) {
		if (json_object_get(seen, key) || (!obj_int(f, "amount") && !obj_int(f, "deductions")))
			continue;
		/* gone since (a payment deleted): taken back */
		json_t *adj = json_deep_copy(json_object_get(f, "line"));
		const char *cur = money_cur(adj);
		json_object_set_new(adj, "kind", json_string("adjustment"));
		json_object_set_new(adj, "for_month", json_string(c));
		json_object_set_new(adj, "reason", json_sprintf("correction of %s", c));
		json_object_set_new(adj, "deductions", comm_money(-obj_int(f, "deductions"), cur));
		json_object_set_new(adj, "amount", comm_money(-obj_int(f, "amount"), cur));
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

static void strip_internal(json_t *lines)
{
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l) {
		json_object_del(l, "_key");
		json_object_del(l, "_month");
	}
}

static json_t *totals(json_t *lines)
{
	json_t *by = json_object();
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l) {
		const char *cur = money_cur(l);
		json_t *t = json_object_get(by, cur);
		if (!t) {
			t = json_pack("{s:I,s:I,s:I}", "amount", (json_int_t)0, "gross", (json_int_t)0, "deductions", (json_int_t)0);
			json_object_set_new(by, cur, t);
		}
		obj_add(t, "amount", money_amount(l, "amount"));
		obj_add(t, "gross", money_amount(l, "gross"));
		obj_add(t, "deductions", money_amount(l, "deductions"));
	}
	json_t *list = json_array();
	const char *cur;
	json_t *t;
	json_object_foreach(by, cur, t)
		json_array_append_new(list, json_pack("{s:o,s:o,s:o}", "amount", comm_money(obj_int(t, "amount"), cur), "gross",
						      comm_money(obj_int(t, "gross"), cur), "deductions",
						      comm_money(obj_int(t, "deductions"), cur)));
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
static bool may_read(ent_op *op, int64_t user)
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
		this_month(out);
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
	if (!may_read(op, user)) {
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
	strip_internal(lines);
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
	this_month(now_m);
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

/* ---- deductions added to a signed contract ---- */

static json_t *deduction_json(ent_op *op, int64_t id)
{
	db_stmt *s = db_prepare(op->db, "SELECT id, contract_id, user_id, amount, currency, reason, status, created_at, "
					"acknowledged_at, month FROM commission_deductions WHERE id = ?");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, id);
	json_t *j = NULL;
	if (db_step(s) == DB_ROW) {
		j = json_pack("{s:I,s:I,s:I,s:o,s:s,s:s,s:s}", "id", (json_int_t)db_col_int(s, 0), "contract_id",
			      (json_int_t)db_col_int(s, 1), "user_id", (json_int_t)db_col_int(s, 2), "amount",
			      comm_money(db_col_int(s, 3), db_col_text(s, 4)), "reason", db_col_text(s, 5), "status",
			      db_col_text(s, 6), "created_at", db_col_text(s, 7));
		json_object_set_new(j, "acknowledged_at", db_col_is_null(s, 8) ? json_null() : json_string(db_col_text(s, 8)));
		json_object_set_new(j, "month", db_col_is_null(s, 9) ? json_null() : json_string(db_col_text(s, 9)));
	}
	db_done(s);
	if (!j)
		op_fail(op, 404, "not_found", "no such deduction");
	return j;
}

json_t *comm_deduction_create(ent_op *op, int64_t contract_id, json_t *body)
{
	if (!comm_may_manage(op->who)) {
		op_fail(op, 403, "forbidden", "only finance and administrators add deductions");
		return NULL;
	}
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		if (strcmp(k, "amount") && strcmp(k, "reason")) {
			op_fail(op, 422, "validation_failed", "some fields are not valid");
			op->err.fields = json_pack("{s:s}", k, "unknown_field");
			return NULL;
		}
	}
	json_t *contract = record_get(op, &contracts_entity, contract_id);
	if (!contract)
		return NULL;
	const char *st = json_string_value(json_object_get(contract, "status"));
	json_t *owner = json_object_get(contract, "owner_id");
	int64_t amount = 0;
	const char *cur = NULL;
	json_t *a = json_object_get(body, "amount"), *reason = json_object_get(body, "reason");
	const char *con_cur = json_string_value(json_object_get(json_object_get(contract, "amount"), "currency"));
	const char *bad = NULL, *field = NULL;
	if (!st || (strcmp(st, "signed") && strcmp(st, "completed")) || !json_is_integer(owner))
		bad = "not_signed", field = "contract_id";
	else if (!a)
		bad = "required", field = "amount";
	else if (!doc_money(a, &amount, &cur) || amount <= 0 || amount > MONEY_MAX)
		bad = "invalid_amount", field = "amount";
	else if (cur && con_cur && strcmp(cur, con_cur))
		bad = "currency_mismatch", field = "amount";
	else if (!json_is_string(reason) || !json_string_length(reason))
		bad = reason ? "invalid_type" : "required", field = "reason";
	else if (json_string_length(reason) > 500 || !utf8_valid(json_string_value(reason), json_string_length(reason)))
		bad = "invalid_text", field = "reason";
	if (bad) {
		json_decref(contract);
		op_fail(op, 422, "validation_failed", "some fields are not valid");
		op->err.fields = json_pack("{s:s}", field, bad);
		return NULL;
	}
	int64_t rep = json_integer_value(owner);
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	json_t *out = NULL;
	if (op_begin(op))
		goto done;
	db_stmt *s = db_prepare(op->db, "INSERT INTO commission_deductions(contract_id, user_id, amount, currency, reason, "
					"status, created_by, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING id");
	int64_t id = 0;
	int rc = DB_ERR;
	if (s) {
		db_bind_int(s, 1, contract_id);
		db_bind_int(s, 2, rep);
		db_bind_int(s, 3, amount);
		db_bind_str(s, 4, cur ? cur : con_cur ? con_cur : "CNY");
		db_bind_str(s, 5, json_string_value(reason));
		db_bind_int(s, 6, op->who ? op->who->user.id : 0);
		db_bind_str(s, 7, now);
		rc = db_step(s);
		if (rc == DB_ROW)
			id = db_col_int(s, 0);
		db_done(s);
	}
	if (!id) {
		op_db_fail(op, rc < 0 ? rc : DB_ERR);
		op_rollback(op);
		goto done;
	}
	if (notify(op, rep, "commission_deduction", "提成扣减待确认 / A commission deduction awaits you",
		   json_string_value(reason), "contracts", contract_id, NULL)) {
		op_rollback(op);
		goto done;
	}
	if (op_commit(op))
		goto done;
	out = deduction_json(op, id);
done:
	json_decref(contract);
	return out;
}

json_t *comm_deduction_list(ent_op *op, const char *status)
{
	if (status && strcmp(status, "pending") && strcmp(status, "acknowledged")) {
		op_fail(op, 422, "validation_failed", "status is pending or acknowledged");
		op->err.fields = json_pack("{s:s}", "status", "invalid_option");
		return NULL;
	}
	bool all = comm_may_manage(op->who);
	db_stmt *s = db_prepare(op->db, "SELECT id FROM commission_deductions WHERE (? = 1 OR user_id = ?) "
					"AND (CAST(? AS TEXT) IS NULL OR status = ?) ORDER BY id DESC LIMIT 500");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, all);
	db_bind_int(s, 2, op->who ? op->who->user.id : 0);
	db_bind_str(s, 3, status);
	db_bind_str(s, 4, status);
	json_t *ids = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(ids, json_integer(db_col_int(s, 0)));
	db_done(s);
	json_t *data = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(ids, i, x) {
		json_t *d = deduction_json(op, json_integer_value(x));
		if (d)
			json_array_append_new(data, d);
	}
	json_decref(ids);
	return json_pack("{s:o,s:I}", "data", data, "total", (json_int_t)json_array_size(data));
}

json_t *comm_deduction_ack(ent_op *op, int64_t id)
{
	json_t *d = deduction_json(op, id);
	if (!d)
		return NULL;
	/* only the rep it is addressed to sees it here */
	if (!op->who || json_integer_value(json_object_get(d, "user_id")) != op->who->user.id) {
		json_decref(d);
		op_fail(op, 404, "not_found", "no such deduction");
		return NULL;
	}
	bool pending = !strcmp(json_string_value(json_object_get(d, "status")), "pending");
	json_decref(d);
	if (!pending) {
		op_fail(op, 409, "conflict", "this deduction is already acknowledged");
		return NULL;
	}
	char now[32], m[8];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	this_month(m);
	db_stmt *s = db_prepare(op->db, "UPDATE commission_deductions SET status = 'acknowledged', acknowledged_at = ?, "
					"month = ? WHERE id = ? AND status = 'pending'");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_str(s, 1, now);
	db_bind_str(s, 2, m);
	db_bind_int(s, 3, id);
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE) {
		op_db_fail(op, rc);
		return NULL;
	}
	return deduction_json(op, id);
}

/* ---- one contract, and the preview ---- */

json_t *comm_contract(ent_op *op, int64_t contract_id)
{
	json_t *contract = record_get(op, &contracts_entity, contract_id);
	if (!contract)
		return NULL;
	json_t *owner = json_object_get(contract, "owner_id");
	int64_t plan_id;
	json_t *fee_ids, *out = NULL;
	if (comm_pin_get(op, contract_id, &plan_id, &fee_ids))
		goto done;
	json_t *plan = plan_id ? comm_plan_get(op, plan_id) : json_null();
	json_t *fees = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(fee_ids, i, x) {
		comm_fee_row f;
		if (!comm_load_fee(op, json_integer_value(x), &f))
			json_array_append_new(fees, json_pack("{s:I,s:s,s:I,s:o,s:s}", "id", (json_int_t)f.id, "name", f.name,
							      "version", (json_int_t)f.version, "rate_percent",
							      comm_pct_json(f.rate_pct), "reason", f.reason));
	}
	json_decref(fee_ids);
	json_t *lines = json_array();
	if (json_is_integer(owner) && may_read(op, json_integer_value(owner))) {
		char today[11];
		doc_today(today);
		json_t *all = payment_lines(op, json_integer_value(owner), "9999-12-31");
		json_array_foreach(all, i, x)
			if (json_integer_value(json_object_get(x, "contract_id")) == contract_id)
				json_array_append(lines, x);
		json_decref(all);
		strip_internal(lines);
	}
	out = json_pack("{s:I,s:o,s:o,s:o}", "contract_id", (json_int_t)contract_id, "plan", plan ? plan : json_null(),
			"fee_rules", fees, "lines", lines);
done:
	json_decref(contract);
	return out;
}

static const char *arg(const query_arg *args, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(args[i].key, key))
			return args[i].value;
	return NULL;
}

json_t *comm_preview(ent_op *op, const query_arg *args, int nargs)
{
	const char *amount_s = arg(args, nargs, "amount"), *cur_s = arg(args, nargs, "currency");
	const char *quote_s = arg(args, nargs, "quote_id"), *opp_s = arg(args, nargs, "opportunity_id");
	int64_t base = 0, quote_id = 0;
	char cur[4] = "CNY";
	if (!op->who) {
		op_fail(op, 401, "unauthenticated", "please log in");
		return NULL;
	}
	if (quote_s || opp_s) {
		char *end;
		long long id = strtoll(quote_s ? quote_s : opp_s, &end, 10);
		if (*end || id <= 0) {
			op_fail(op, 422, "validation_failed", "give an id");
			op->err.fields = json_pack("{s:s}", quote_s ? "quote_id" : "opportunity_id", "invalid_type");
			return NULL;
		}
		json_t *rec = record_get(op, quote_s ? &quotes_entity : &opportunities_entity, id);
		if (!rec)
			return NULL;
		const char *c = NULL;
		if (!doc_money(json_object_get(rec, quote_s ? "total" : "amount"), &base, &c))
			base = 0;
		if (c)
			snprintf(cur, sizeof(cur), "%s", c);
		if (quote_s)
			quote_id = id;
		json_decref(rec);
	} else {
		char *end = NULL;
		long long v = amount_s ? strtoll(amount_s, &end, 10) : -1;
		if (!amount_s || *end || !*amount_s || v < 0 || v > MONEY_MAX) {
			op_fail(op, 422, "validation_failed", "amount is a whole number of minor units (fen, cents)");
			op->err.fields = json_pack("{s:s}", "amount", amount_s ? "invalid_amount" : "required");
			return NULL;
		}
		base = v;
		if (cur_s && !doc_currency_ok(cur_s)) {
			op_fail(op, 422, "validation_failed", "currency is an ISO 4217 code");
			op->err.fields = json_pack("{s:s}", "currency", "invalid_currency");
			return NULL;
		}
		if (cur_s)
			snprintf(cur, sizeof(cur), "%s", cur_s);
	}
	char today[11];
	doc_today(today);
	int64_t plan_id;
	json_t *fee_ids = json_array();
	if (comm_choose(op, op->who->user.id, today, &plan_id, fee_ids)) {
		json_decref(fee_ids);
		return NULL;
	}
	json_t *out = json_pack("{s:s,s:o}", "as_of", today, "base", comm_money(base, cur));
	if (!plan_id) {
		json_decref(fee_ids);
		json_object_set_new(out, "plan", json_null());
		json_object_set_new(out, "amount", comm_money(0, cur));
		return out;
	}
	walk w = { .op = op };
	comm_plan_row p;
	if (comm_load_plan(op, plan_id, &p)) {
		json_decref(fee_ids);
		json_decref(out);
		return NULL;
	}
	comm_input in = { .base = base };
	/* the tiers start where the caller's period stands today */
	json_t *done_lines = payment_lines(op, op->who->user.id, today);
	char m[16], q[16], y[16];
	const char *pk = period_key(&p, today, m, q, y);
	size_t i;
	json_t *x;
	json_array_foreach(done_lines, i, x) {
		char lm[16], lq[16], ly[16];
		const char *lk = period_key(&p, json_string_value(json_object_get(x, "received_on")), lm, lq, ly);
		if (!strcmp(lk, pk))
			in.period_before += money_amount(x, "base");
	}
	json_decref(done_lines);
	category_parts(&w, &p, quote_id, base, &in);
	comm_fee_row fees[COMM_MAX_FEES];
	json_array_foreach(fee_ids, i, x) {
		if (in.nfees < COMM_MAX_FEES && !comm_load_fee(op, json_integer_value(x), &fees[in.nfees])) {
			in.fee_pct[in.nfees] = fees[in.nfees].rate_pct;
			in.nfees++;
		}
	}
	json_decref(fee_ids);
	comm_plan calc = p.calc;
	if (strcmp(cur, p.currency))
		calc.cap = 0;
	comm_result r;
	if (comm_compute(&calc, &in, &r)) {
		comm_plan_row_free(&p);
		json_decref(out);
		op_fail(op, 422, "out_of_range", "a commission figure is out of range");
		return NULL;
	}
	json_t *fl = json_array();
	for (int k = 0; k < in.nfees; k++)
		json_array_append_new(fl, json_pack("{s:s,s:I,s:s,s:o,s:o}", "name", fees[k].name, "version",
						    (json_int_t)fees[k].version, "reason", fees[k].reason, "rate_percent",
						    comm_pct_json(fees[k].rate_pct), "amount", comm_money(r.fee_amount[k], cur)));
	json_object_set_new(out, "plan", json_pack("{s:I,s:s,s:I,s:s,s:o}", "id", (json_int_t)p.id, "name", p.name,
						   "version", (json_int_t)p.version, "basis", p.basis, "rate_percent",
						   comm_pct_json(p.calc.rate_pct)));
	json_object_set_new(out, "rate_percent", comm_pct_json(r.rate_pct));
	json_object_set_new(out, "gross", comm_money(r.gross, cur));
	json_object_set_new(out, "deductions", comm_money(r.deductions, cur));
	json_object_set_new(out, "fees", fl);
	json_object_set_new(out, "amount", comm_money(r.amount, cur));
	comm_plan_row_free(&p);
	return out;
}
