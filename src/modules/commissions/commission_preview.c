/*
 * commission_preview.c - one contract's commission (its pinned versions and
 * lines) and the preview: what the caller would earn today on an amount, a
 * quote or an opportunity under the plan and fee rules in force.
 */
#include "commission_int.h"
#include "../../core/record.h"
#include "../../util/money.h"
#include "../sales/documents.h"
#include "../sales/sales.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (json_is_integer(owner) && comm_may_read(op, json_integer_value(owner))) {
		char today[11];
		doc_today(today);
		json_t *all = comm_payment_lines(op, json_integer_value(owner), "9999-12-31");
		json_array_foreach(all, i, x)
			if (json_integer_value(json_object_get(x, "contract_id")) == contract_id)
				json_array_append(lines, x);
		json_decref(all);
		comm_strip_internal(lines);
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
	comm_plan_row p;
	if (comm_load_plan(op, plan_id, &p)) {
		json_decref(fee_ids);
		json_decref(out);
		return NULL;
	}
	comm_input in = { .base = base };
	/* the tiers start where the caller's period stands today */
	json_t *done_lines = comm_payment_lines(op, op->who->user.id, today);
	char m[16], q[16], y[16];
	const char *pk = comm_period_key(&p, today, m, q, y);
	size_t i;
	json_t *x;
	json_array_foreach(done_lines, i, x) {
		char lm[16], lq[16], ly[16];
		const char *lk = comm_period_key(&p, json_string_value(json_object_get(x, "received_on")), lm, lq, ly);
		if (!strcmp(lk, pk))
			in.period_before += comm_line_money(x, "base");
	}
	json_decref(done_lines);
	comm_category_parts(op, &p, quote_id, base, &in);
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
