/*
 * contracts.c - 合同 and their payment plans (回款计划).  The number comes
 * from the admin's pattern (doc_next_number); the instalments are a child
 * collection whose amounts must add up to the contract amount (422
 * otherwise); GET carries received, outstanding, overdue and invoiced, and
 * per instalment what was received against it.  Signing offers winning the
 * opportunity: the answer says "offer_win_opportunity": true, and a write
 * with "win_opportunity": true moves the opportunity to "won" in the same
 * transaction.
 */
#include "documents.h"
#include "sales.h"
#include "../../core/options.h"
#include "../../core/record.h"

#include <stdio.h>
#include <string.h>

static const field_def installment_fields[] = {
	{ "contract_id", FT_REF, { "合同", "Contract" }, F_INDEX, .ref = "contracts" },
	{ "position", FT_INT, { "期次", "No." }, F_SORT | F_READONLY },
	{ "due_on", FT_DATE, { "计划回款日期", "Due on" }, F_REQUIRED },
	{ "amount", FT_MONEY, { "计划回款金额", "Amount" }, F_REQUIRED },
	{ "note", FT_TEXT, { "说明", "Note" }, 0, .max_len = 200 },
	{ NULL },
};

const entity_def contract_installments_entity = {
	.name = "contract_installments",
	.label = { "回款计划", "Payment plan" },
	.module = "sales",
	.flags = E_CHILD,
	.fields = installment_fields,
	.default_sort = "position",
};

static const enum_option statuses[] = {
	{ "draft", { "草拟", "Draft" } },
	{ "signed", { "已签订", "Signed" } },
	{ "completed", { "已完成", "Completed" } },
	{ "terminated", { "已终止", "Terminated" } },
	{ NULL },
};

static const field_def fields[] = {
	{ "number", FT_TEXT, { "合同编号", "Number" }, F_READONLY | F_UNIQUE | F_SEARCH | F_SORT | F_LIST, .max_len = 50 },
	{ "name", FT_TEXT, { "合同名称", "Name" }, F_SEARCH | F_LIST },
	{ "customer_id", FT_REF, { "客户", "Customer" }, F_REQUIRED | F_LIST, .ref = "customers" },
	{ "opportunity_id", FT_REF, { "商机", "Opportunity" }, F_INDEX, .ref = "opportunities" },
	{ "quote_id", FT_REF, { "报价单", "Quote" }, F_INDEX, .ref = "quotes" },
	{ "order_id", FT_REF, { "订单", "Order" }, F_INDEX, .ref = "orders" },
	{ "amount", FT_MONEY, { "合同金额", "Amount" }, F_REQUIRED | F_SORT | F_LIST },
	{ "signed_on", FT_DATE, { "签订日期", "Signed on" }, F_SORT | F_LIST },
	{ "start_on", FT_DATE, { "开始日期", "Starts on" }, 0 },
	{ "end_on", FT_DATE, { "结束日期", "Ends on" }, F_SORT },
	{ "our_signatory_id", FT_REF, { "我方签约人", "Our signatory" }, 0, .ref = "users" },
	{ "customer_signatory", FT_TEXT, { "客户签约人", "Customer signatory" }, 0, .max_len = 100 },
	{ "status", FT_ENUM, { "状态", "Status" }, F_REQUIRED | F_SORT | F_LIST, .options = statuses },
	{ "notes", FT_LONGTEXT, { "备注", "Notes" }, 0 },
	{ NULL },
};

static const child_def children[] = {
	{ "installments", "contract_installments", "contract_id", { "回款计划", "Payment plan" }, .max = 120 },
	{ NULL },
};

static const char *const body_keys[] = { "win_opportunity", NULL };

#define TRANSITIONS "draft>signed draft>terminated signed>completed signed>terminated"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The value of k after the write: the patch's, else the old record's. */
static json_t *after(json_t *patch, json_t *old, const char *k)
{
	json_t *v = json_object_get(patch, k);
	return v || !old ? v : json_object_get(old, k);
}

/* customer, opportunity and amount from the order or quote it comes from */
static int from_source(hook_ctx *h, json_t *rec)
{
	const entity_def *src = NULL;
	json_t *sid = json_object_get(rec, "order_id");
	if (json_is_integer(sid))
		src = &orders_entity;
	else if (json_is_integer(sid = json_object_get(rec, "quote_id")))
		src = &quotes_entity;
	if (!src)
		return 0;
	json_t *d = record_get(h->op, src, json_integer_value(sid));
	if (!d) {
		ent_error_clear(&h->op->err);
		return 0;
	}
	const char *field = src == &orders_entity ? "order_id" : "quote_id";
	const char *st = str(d, "status");
	int rc = 0;
	if (src == &quotes_entity ? strcmp(st, "accepted") != 0 : strcmp(st, "cancelled") == 0)
		rc = hook_field_error(h, field, src == &quotes_entity ? "not_accepted" : "cancelled");
	else if (json_is_integer(json_object_get(rec, "customer_id")) &&
		 !json_equal(json_object_get(rec, "customer_id"), json_object_get(d, "customer_id")))
		rc = hook_field_error(h, field, "customer_mismatch");
	if (!rc) {
		json_object_set(rec, "customer_id", json_object_get(d, "customer_id"));
		if (!json_is_integer(json_object_get(rec, "opportunity_id")))
			json_object_set(rec, "opportunity_id", json_object_get(d, "opportunity_id"));
		if (src == &orders_entity && !json_is_integer(json_object_get(rec, "quote_id")))
			json_object_set(rec, "quote_id", json_object_get(d, "quote_id"));
		json_t *amount = json_object_get(rec, "amount");
		if (!amount || json_is_null(amount))
			json_object_set(rec, "amount", json_object_get(d, "total"));
	}
	json_decref(d);
	return rc;
}

/* The instalments add up to the amount, in its currency; none is paid below what it received. */
static int check_plan(hook_ctx *h, json_t *items, json_t *amount, json_t *received_by_id)
{
	int64_t total, sum = 0;
	const char *cur;
	if (!doc_money(amount, &total, &cur))
		return 0; /* the engine answers for the amount */
	if (!cur)
		cur = "CNY";
	json_t *errs = json_object();
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		int64_t a;
		const char *c;
		char key[64];
		snprintf(key, sizeof(key), "installments.%zu.amount", i);
		json_t *v = json_object_get(it, "amount");
		if (!v || json_is_null(v))
			continue; /* the engine answers required */
		if (!doc_money(v, &a, &c) || a <= 0) {
			json_object_set_new(errs, key, json_string("invalid_amount"));
			continue;
		}
		if (c && strcmp(c, cur)) {
			json_object_set_new(errs, key, json_string("currency_mismatch"));
			continue;
		}
		json_object_set_new(it, "amount", doc_money_json(a, cur));
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(it, "id")));
		if (a < json_integer_value(json_object_get(received_by_id, id)))
			json_object_set_new(errs, key, json_string("below_received"));
		sum += a;
	}
	/* a paid instalment may not disappear */
	const char *k;
	json_t *v;
	json_object_foreach(received_by_id, k, v) {
		bool kept = false;
		json_array_foreach(items, i, it) {
			char id[24];
			snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(it, "id")));
			kept |= !strcmp(id, k);
		}
		if (!kept && json_integer_value(v) > 0)
			json_object_set_new(errs, "installments", json_string("has_payments"));
	}
	if (!json_object_size(errs) && json_array_size(items) && sum != total) {
		hook_fail(h, 422, "validation_failed", "the instalments add up to %lld, the contract amount is %lld",
			  (long long)sum, (long long)total);
		json_object_set_new(errs, "installments", json_string("sum_mismatch"));
		h->op->err.fields = errs;
		h->op->err.extra = json_pack("{s:o,s:o}", "planned", doc_money_json(sum, cur), "amount",
					     doc_money_json(total, cur));
		return -1;
	}
	if (json_object_size(errs)) {
		hook_fail(h, 422, "validation_failed", "the payment plan is not valid");
		h->op->err.fields = errs;
		return -1;
	}
	json_decref(errs);
	return 0;
}

static int check_dates(hook_ctx *h, json_t *patch, json_t *old)
{
	int64_t amount;
	const char *cur;
	json_t *a = json_object_get(patch, "amount");
	if (a && !json_is_null(a) && doc_money(a, &amount, &cur) && amount <= 0)
		return hook_field_error(h, "amount", "invalid_amount");
	const char *st = json_string_value(after(patch, old, "status"));
	json_t *signed_on = after(patch, old, "signed_on");
	if (st && strcmp(st, "draft") && !json_is_string(signed_on))
		return hook_field_error(h, "signed_on", "required");
	const char *s = json_string_value(after(patch, old, "start_on")), *e = json_string_value(after(patch, old, "end_on"));
	if (s && e && *s && *e && strcmp(e, s) < 0)
		return hook_field_error(h, "end_on", "before_start");
	return 0;
}

/* The admin's stages: the winning one ("won", else the first closed stage
 * with probability 100) into won (64 bytes), and whether `stage` is closed. */
static bool stage_info(db *d, const char *stage, char won[64])
{
	json_t *opts = option_list_get(d, "opportunity_stages");
	bool closed = false;
	size_t i;
	json_t *o;
	won[0] = '\0';
	json_array_foreach(opts, i, o) {
		const char *v = json_string_value(json_object_get(o, "value"));
		bool c = json_is_true(json_object_get(o, "closed"));
		if (!v)
			continue;
		if (c && (!strcmp(v, "won") ||
			  (!won[0] && json_integer_value(json_object_get(o, "probability")) == 100)))
			snprintf(won, 64, "%s", v);
		if (stage && !strcmp(v, stage))
			closed = c;
	}
	json_decref(opts);
	return closed;
}

/* "win_opportunity": true on a signed contract: the opportunity is won, with history. */
static int win(hook_ctx *h, json_t *rec, json_t *old)
{
	json_t *flag = json_object_get(rec, "win_opportunity");
	if (!flag || json_is_false(flag))
		return 0;
	if (!json_is_true(flag))
		return hook_field_error(h, "win_opportunity", "invalid_type");
	const char *st = json_string_value(after(rec, old, "status"));
	json_t *oid = after(rec, old, "opportunity_id");
	if (!json_is_integer(oid))
		return hook_field_error(h, "win_opportunity", "no_opportunity");
	if (!st || (strcmp(st, "signed") && strcmp(st, "completed")))
		return hook_field_error(h, "win_opportunity", "not_signed");
	char won[64];
	stage_info(h->op->db, NULL, won);
	if (!won[0])
		return hook_field_error(h, "win_opportunity", "no_won_stage");
	json_t *set = json_pack("{s:s,s:i}", "stage", won, "probability", 100);
	int rc = record_set_fields(h->op, &opportunities_entity, json_integer_value(oid), set, "won");
	json_decref(set);
	return rc;
}

static int before_create(hook_ctx *h, json_t *rec)
{
	if (from_source(h, rec))
		return -1;
	json_t *st = json_object_get(rec, "status");
	if (!st || json_is_null(st))
		json_object_set_new(rec, "status", json_string(json_is_string(json_object_get(rec, "signed_on")) ? "signed"
											      : "draft"));
	else if (doc_transition(h, "x>draft x>signed", "x", json_string_value(st)))
		return -1;
	if (check_dates(h, rec, NULL))
		return -1;
	char number[64];
	if (doc_next_number(h, "contracts", number, sizeof(number)))
		return -1;
	json_object_set_new(rec, "number", json_string(number));
	json_t *items = json_object_get(rec, "installments");
	if (json_is_array(items) && check_plan(h, items, json_object_get(rec, "amount"), NULL))
		return -1;
	return win(h, rec, NULL);
}

static int before_update(hook_ctx *h, json_t *old, json_t *patch)
{
	if (doc_transition(h, TRANSITIONS, str(old, "status"), str(patch, "status")) || check_dates(h, patch, old))
		return -1;
	json_t *items = json_object_get(patch, "installments"), *amount = json_object_get(patch, "amount");
	if (amount && !json_equal(amount, json_object_get(old, "amount"))) {
		int64_t received = 0, a;
		const char *cur;
		if (contract_received(h->op, h->id, &received))
			return -1;
		if (doc_money(amount, &a, &cur) && received > 0) {
			const char *oc = json_string_value(json_object_get(json_object_get(old, "amount"), "currency"));
			if (cur && oc && strcmp(cur, oc))
				return hook_field_error(h, "amount", "currency_mismatch");
			if (a < received)
				return hook_field_error(h, "amount", "below_received");
		}
		if (!items && json_array_size(json_object_get(old, "installments"))) {
			/* the plan must follow: check the old one against the new amount */
			json_t *keep = json_array();
			size_t i;
			json_t *it;
			json_array_foreach(json_object_get(old, "installments"), i, it)
				json_array_append_new(keep, json_pack("{s:O,s:O}", "id", json_object_get(it, "id"), "amount",
								      json_object_get(it, "amount")));
			json_t *none = json_object();
			int rc = check_plan(h, keep, amount, none);
			json_decref(none);
			json_decref(keep);
			if (rc)
				return rc;
		}
	}
	if (items && json_is_array(items)) {
		json_t *got = contract_installment_received(h->op, h->id);
		if (!got)
			return -1;
		int rc = check_plan(h, items, amount ? amount : json_object_get(old, "amount"), got);
		json_decref(got);
		if (rc)
			return rc;
	}
	return win(h, patch, old);
}

static int before_delete(hook_ctx *h, json_t *old)
{
	(void)old;
	int64_t n = 0;
	if (doc_sum(h->op, "SELECT count(*) FROM payments WHERE contract_id = ? AND deleted_at IS NULL", h->id, &n))
		return -1;
	return n ? hook_fail(h, 409, "conflict", "payments were received against this contract") : 0;
}

/* received, outstanding, overdue, invoiced; per instalment received, outstanding and status */
static int decorate(hook_ctx *h, json_t *rec)
{
	int64_t amount = 0, received = 0, invoiced = 0, overdue = 0;
	const char *cur = NULL;
	doc_money(json_object_get(rec, "amount"), &amount, &cur);
	if (contract_received(h->op, h->id, &received) || contract_invoiced(h->op, h->id, 0, &invoiced))
		return -1;
	json_t *got = contract_installment_received(h->op, h->id);
	if (!got)
		return -1;
	char today[11];
	doc_today(today);
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(rec, "installments"), i, it) {
		char id[24];
		int64_t a = 0;
		const char *c;
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(it, "id")));
		doc_money(json_object_get(it, "amount"), &a, &c);
		int64_t r = json_integer_value(json_object_get(got, id)), left = a - r > 0 ? a - r : 0;
		const char *due = json_string_value(json_object_get(it, "due_on"));
		bool late = left > 0 && due && strcmp(due, today) < 0;
		if (late)
			overdue += left;
		json_object_set_new(it, "received", doc_money_json(r, cur));
		json_object_set_new(it, "outstanding", doc_money_json(left, cur));
		json_object_set_new(it, "status", json_string(left == 0 ? "paid" : late ? "overdue" : r > 0 ? "partial" : "due"));
	}
	json_decref(got);
	json_object_set_new(rec, "received", doc_money_json(received, cur));
	json_object_set_new(rec, "outstanding", doc_money_json(amount - received > 0 ? amount - received : 0, cur));
	json_object_set_new(rec, "overdue", doc_money_json(overdue, cur));
	json_object_set_new(rec, "invoiced", doc_money_json(invoiced, cur));
	/* signed while its opportunity is still open: the UI offers to win it */
	bool offer = false;
	const char *st = str(rec, "status");
	json_t *oid = json_object_get(rec, "opportunity_id");
	if (json_is_integer(oid) && st && (!strcmp(st, "signed") || !strcmp(st, "completed"))) {
		json_t *opp = record_load(h->op, &opportunities_entity, json_integer_value(oid), false);
		if (opp) {
			const char *stage = str(opp, "stage");
			char won[64];
			offer = stage && !stage_info(h->op->db, stage, won); /* still open */
			json_decref(opp);
		}
		ent_error_clear(&h->op->err);
	}
	json_object_set_new(rec, "offer_win_opportunity", json_boolean(offer));
	return 0;
}

json_t *contract_set_plan(ent_op *op, int64_t id, json_t *body)
{
	json_t *items = json_object_get(body, "installments");
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		if (strcmp(k, "installments") && strcmp(k, "version")) {
			op_fail(op, 422, "validation_failed", "the body is {\"installments\": [...]}");
			op->err.fields = json_pack("{s:s}", k, "unknown_field");
			return NULL;
		}
	}
	if (!json_is_array(items)) {
		op_fail(op, 422, "validation_failed", "installments must be a list");
		op->err.fields = json_pack("{s:s}", "installments", items ? "invalid_type" : "required");
		return NULL;
	}
	json_t *cur = record_get_for_update(op, &contracts_entity, id);
	if (!cur)
		return NULL;
	/* a plan given without a version replaces the current one; with one, it must still be current */
	json_t *ver = json_object_get(body, "version");
	json_t *patch = json_pack("{s:O,s:O}", "installments", items, "version",
				  ver ? ver : json_object_get(cur, "version"));
	json_decref(cur);
	json_t *out = record_update(op, &contracts_entity, id, patch);
	json_decref(patch);
	return out;
}

int (*contract_saved_hook)(ent_op *op, int64_t id, json_t *rec);

static int after_create(hook_ctx *h, json_t *rec)
{
	return contract_saved_hook ? contract_saved_hook(h->op, h->id, rec) : 0;
}

static int after_update(hook_ctx *h, json_t *old, json_t *rec)
{
	(void)old;
	return contract_saved_hook ? contract_saved_hook(h->op, h->id, rec) : 0;
}

static const entity_hooks hooks = {
	.before_create = before_create,
	.after_create = after_create,
	.before_update = before_update,
	.after_update = after_update,
	.before_delete = before_delete,
	.decorate = decorate,
};

static const char *const list_indexes[] = { "customer_id,updated_at", "status,updated_at", NULL };

const entity_def contracts_entity = {
	.name = "contracts",
	.label = { "合同", "Contracts" },
	.module = "sales",
	.flags = E_OWNED | E_VIA_READ | E_ATTACHMENTS,
	.fields = fields,
	.title_field = "number",
	.default_sort = "-updated_at",
	.hooks = &hooks,
	.scope_via = "customer_id",
	.list_indexes = list_indexes,
	.children = children,
	.body_keys = body_keys,
};
