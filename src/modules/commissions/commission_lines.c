/*
 * commission_lines.c - the commission lines of one rep, computed from the
 * payments received on the contracts they own and the versions pinned to each
 * contract (basis, tiers over the period, category rates, cap, fees).
 */
#include "commission_int.h"
#include "../../util/money.h"
#include "../sales/documents.h"

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

int64_t comm_obj_int(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

void comm_obj_add(json_t *o, const char *k, int64_t v)
{
	json_object_set_new(o, k, json_integer(comm_obj_int(o, k) + v));
}

static void period_keys(const char *date, char m[16], char q[16], char y[16])
{
	int mon = atoi(date + 5);
	unsigned quarter = mon >= 1 && mon <= 12 ? (unsigned)(mon - 1) / 3 + 1 : 1;
	snprintf(m, 16, "M%.7s", date);
	snprintf(q, 16, "Q%.4s-%u", date, quarter % 10);
	snprintf(y, 16, "Y%.4s", date);
}

const char *comm_period_key(const comm_plan_row *p, const char *date, char m[16], char q[16], char y[16])
{
	period_keys(date, m, q, y);
	return !strcmp(p->tier_period, "quarter") ? q : !strcmp(p->tier_period, "year") ? y : m;
}

/* Portions of base at the plan's category rates, from the lines of the contract's quote. */
void comm_category_parts(ent_op *op, const comm_plan_row *p, int64_t quote_id, int64_t base, comm_input *in)
{
	if (!quote_id || !json_object_size(p->category_rates))
		return;
	db_stmt *s = db_prepare(op->db, "SELECT coalesce(pr.category, ''), sum(ql.amount - coalesce(ql.discount_amount, 0)) "
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
	int64_t plan_id = comm_obj_int(pin, "plan");
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
	in.period_before = comm_obj_int(w->period_base, comm_period_key(p, pr->received, m, q, y));
	in.contract_before = comm_obj_int(w->contract_gross, ckey);
	comm_category_parts(w->op, p, pr->quote_id, base, &in);
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
	comm_obj_add(w->period_base, m, base);
	comm_obj_add(w->period_base, q, base);
	comm_obj_add(w->period_base, y, base);
	comm_obj_add(w->contract_gross, ckey, r.gross);
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
json_t *comm_payment_lines(ent_op *op, int64_t user, const char *to)
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

int64_t comm_line_money(json_t *line, const char *k)
{
	return json_integer_value(json_object_get(json_object_get(line, k), "amount"));
}

const char *comm_line_currency(json_t *line)
{
	const char *c = json_string_value(json_object_get(json_object_get(line, "amount"), "currency"));
	return c ? c : "CNY";
}

/* Corrections of closed month c: what it computes now minus what was frozen for it. */
void comm_strip_internal(json_t *lines)
{
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l) {
		json_object_del(l, "_key");
		json_object_del(l, "_month");
	}
}

void comm_this_month(char out[8])
{
	char today[11];
	doc_today(today);
	snprintf(out, 8, "%.7s", today);
}
