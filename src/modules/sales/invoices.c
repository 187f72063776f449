/*
 * invoices.c - 发票: VAT special (专票) or normal (普票) invoices against a
 * contract (and optionally one of its payments).  Status requested ->
 * issued, or void.  The invoices of a contract that are not void never add
 * up to more than its amount unless the request says "override": true,
 * which is stored with the invoice and so recorded in its history.
 */
#include "documents.h"
#include "sales.h"
#include "../../core/record.h"
#include "../../util/money.h"

#include <string.h>

static const enum_option types[] = {
	{ "vat_special", { "增值税专用发票", "VAT special invoice" } },
	{ "vat_normal", { "增值税普通发票", "VAT normal invoice" } },
	{ NULL },
};

static const enum_option statuses[] = {
	{ "requested", { "已申请", "Requested" } },
	{ "issued", { "已开票", "Issued" } },
	{ "void", { "已作废", "Void" } },
	{ NULL },
};

static const field_def fields[] = {
	{ "contract_id", FT_REF, { "合同", "Contract" }, F_REQUIRED | F_LIST, .ref = "contracts" },
	{ "customer_id", FT_REF, { "客户", "Customer" }, F_READONLY | F_LIST, .ref = "customers" },
	{ "opportunity_id", FT_REF, { "商机", "Opportunity" }, F_READONLY | F_INDEX, .ref = "opportunities" },
	{ "payment_id", FT_REF, { "回款", "Payment" }, 0, .ref = "payments" },
	{ "type", FT_ENUM, { "发票类型", "Type" }, F_REQUIRED | F_LIST, .options = types, .def = "\"vat_normal\"" },
	{ "number", FT_TEXT, { "发票号码", "Invoice number" }, F_SEARCH | F_SORT | F_LIST, .max_len = 50 },
	{ "amount", FT_MONEY, { "开票金额 (含税)", "Amount (incl. tax)" }, F_REQUIRED | F_SORT | F_LIST },
	{ "tax_rate_percent", FT_DECIMAL, { "税率 (%)", "Tax rate (%)" }, 0, .scale = 4 },
	{ "tax", FT_MONEY, { "税额", "Tax" }, 0 },
	{ "buyer_title", FT_TEXT, { "购方名称", "Buyer" }, F_REQUIRED | F_SEARCH | F_LIST },
	{ "buyer_tax_number", FT_TEXT, { "购方税号", "Buyer tax number" }, F_SEARCH, .max_len = 30 },
	{ "buyer_address_phone", FT_TEXT, { "购方地址电话", "Buyer address and phone" }, 0, .max_len = 300 },
	{ "buyer_bank_account", FT_TEXT, { "购方开户行及账号", "Buyer bank and account" }, 0, .max_len = 300 },
	{ "issued_on", FT_DATE, { "开票日期", "Issued on" }, F_SORT | F_LIST },
	{ "status", FT_ENUM, { "状态", "Status" }, F_REQUIRED | F_SORT | F_LIST, .options = statuses, .def = "\"requested\"" },
	{ "override", FT_BOOL, { "超额开票", "Over the contract amount" }, 0, .def = "false" },
	{ "void_reason", FT_TEXT, { "作废原因", "Void reason" }, 0, .max_len = 500 },
	{ "notes", FT_LONGTEXT, { "备注", "Notes" }, 0 },
	{ NULL },
};

#define TRANSITIONS "requested>issued requested>void issued>void"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_t *after(json_t *patch, json_t *old, const char *k)
{
	json_t *v = json_object_get(patch, k);
	return v || !old ? v : json_object_get(old, k);
}

static bool blank(json_t *v)
{
	return !v || json_is_null(v) || (json_is_string(v) && !json_string_length(v));
}

/* Checks one write's amount, tax, buyer and the contract's invoiced total.
 * rec: the new record (create) or the patch (update, old set). */
static int check(hook_ctx *h, json_t *rec, json_t *old)
{
	json_t *cid = after(rec, old, "contract_id");
	if (!json_is_integer(cid))
		return 0;
	json_t *c = record_get(h->op, &contracts_entity, json_integer_value(cid));
	if (!c) {
		ent_error_clear(&h->op->err);
		return 0; /* the engine answers not_found */
	}
	int rc = -1;
	int64_t total = 0, amount = 0, invoiced = 0;
	const char *cur = NULL, *icur = NULL;
	doc_money(json_object_get(c, "amount"), &total, &cur);
	json_object_set(rec, "customer_id", json_object_get(c, "customer_id"));
	json_object_set(rec, "opportunity_id", json_object_get(c, "opportunity_id"));
	const char *type = json_string_value(after(rec, old, "type"));
	if (type && !strcmp(type, "vat_special") && blank(after(rec, old, "buyer_tax_number"))) {
		rc = hook_field_error(h, "buyer_tax_number", "required");
		goto out;
	}
	json_t *pid = after(rec, old, "payment_id");
	if (json_is_integer(pid)) {
		json_t *p = record_get(h->op, &payments_entity, json_integer_value(pid));
		bool same = p && json_equal(json_object_get(p, "contract_id"), cid);
		json_decref(p);
		ent_error_clear(&h->op->err);
		if (!same) {
			rc = hook_field_error(h, "payment_id", "not_of_contract");
			goto out;
		}
	}
	if (!doc_money(after(rec, old, "amount"), &amount, &icur)) {
		rc = 0;
		goto out;
	}
	if (amount <= 0) {
		rc = hook_field_error(h, "amount", "invalid_amount");
		goto out;
	}
	if (icur && strcmp(icur, cur)) {
		rc = hook_field_error(h, "amount", "currency_mismatch");
		goto out;
	}
	json_object_set_new(rec, "amount", doc_money_json(amount, cur));
	/* the tax of an amount that includes it: amount x rate / (100 + rate), rounded half away from zero */
	json_t *rate = json_object_get(rec, "tax_rate_percent");
	if (blank(json_object_get(rec, "tax")) && rate && !blank(rate) && (json_is_number(rate) || json_is_string(rate))) {
		char txt[48];
		int64_t r;
		if (json_is_string(rate))
			snprintf(txt, sizeof(txt), "%s", json_string_value(rate));
		else
			snprintf(txt, sizeof(txt), "%.4f", json_number_value(rate));
		if (money_parse_scaled(txt, PCT_DECIMALS, false, 100 * PCT_SCALE, &r) != MONEY_OK) {
			rc = hook_field_error(h, "tax_rate_percent", "invalid_number");
			goto out;
		}
		__int128 tax = money_div_round((__int128)amount * r, (__int128)100 * PCT_SCALE + r);
		json_object_set_new(rec, "tax", doc_money_json((int64_t)tax, cur));
	}
	int64_t tax = 0;
	const char *tcur = NULL;
	json_t *tv = after(rec, old, "tax");
	if (!blank(tv)) {
		if (!doc_money(tv, &tax, &tcur) || tax < 0 || tax > amount) {
			rc = hook_field_error(h, "tax", "invalid_amount");
			goto out;
		}
		if (tcur && strcmp(tcur, cur)) {
			rc = hook_field_error(h, "tax", "currency_mismatch");
			goto out;
		}
	}
	const char *st = json_string_value(after(rec, old, "status"));
	if (st && !strcmp(st, "void")) {
		rc = 0;
		goto out;
	}
	if (doc_lock(h->op, &contracts_entity, json_integer_value(cid)) ||
	    contract_invoiced(h->op, json_integer_value(cid), h->id, &invoiced))
		goto out;
	if (invoiced + amount > total && !json_is_true(after(rec, old, "override"))) {
		hook_fail(h, 422, "validation_failed", "invoices would exceed the contract amount; send \"override\": true to allow it");
		h->op->err.fields = json_pack("{s:s}", "amount", "over_invoicing");
		h->op->err.extra = json_pack("{s:o,s:o}", "invoiced", doc_money_json(invoiced, cur), "contract_amount",
					     doc_money_json(total, cur));
		goto out;
	}
	rc = 0;
out:
	json_decref(c);
	return rc;
}

/* issued needs a number; its date defaults to today */
static int issuing(hook_ctx *h, json_t *rec, json_t *old)
{
	const char *st = json_string_value(json_object_get(rec, "status"));
	if (!st || strcmp(st, "issued"))
		return 0;
	if (blank(after(rec, old, "number")))
		return hook_field_error(h, "number", "required");
	if (blank(after(rec, old, "issued_on"))) {
		char today[11];
		doc_today(today);
		json_object_set_new(rec, "issued_on", json_string(today));
	}
	return 0;
}

static int before_create(hook_ctx *h, json_t *rec)
{
	if (doc_transition(h, "x>requested x>issued", "x", str(rec, "status")))
		return -1;
	return issuing(h, rec, NULL) || check(h, rec, NULL) ? -1 : 0;
}

static int before_update(hook_ctx *h, json_t *old, json_t *patch)
{
	const char *from = str(old, "status");
	if (doc_transition(h, TRANSITIONS, from, str(patch, "status")))
		return -1;
	if (strcmp(from, "requested")) {
		/* issued or void: only the status (to void) and its reason move */
		const char *k;
		json_t *v, *errs = json_object();
		json_object_foreach(patch, k, v)
			if (strcmp(k, "status") && strcmp(k, "void_reason") && strcmp(k, "notes") &&
			    !json_equal(v, json_object_get(old, k)))
				json_object_set_new(errs, k, json_string("read_only"));
		if (json_object_size(errs)) {
			hook_fail(h, 422, "validation_failed", "an %s invoice does not change; void it", from);
			h->op->err.fields = errs;
			return -1;
		}
		json_decref(errs);
		return 0;
	}
	if (issuing(h, patch, old))
		return -1;
	static const char *const money_keys[] = { "contract_id", "amount", "override", "payment_id", "tax_rate_percent",
						  "type", "buyer_tax_number", NULL };
	for (int i = 0; money_keys[i]; i++)
		if (json_object_get(patch, money_keys[i]))
			return check(h, patch, old);
	return 0;
}

/* Back from the recycle bin only within the contract amount (or when it was an override). */
static int before_restore(hook_ctx *h, json_t *old)
{
	const char *st = str(old, "status");
	if (json_is_true(json_object_get(old, "override")) || (st && !strcmp(st, "void")))
		return 0;
	int64_t cid = json_integer_value(json_object_get(old, "contract_id")), invoiced = 0, total = 0, amount = 0;
	const char *cur;
	json_t *c = record_load(h->op, &contracts_entity, cid, false);
	if (!c)
		return -1;
	doc_money(json_object_get(c, "amount"), &total, &cur);
	json_decref(c);
	doc_money(json_object_get(old, "amount"), &amount, &cur);
	if (doc_lock(h->op, &contracts_entity, cid) || contract_invoiced(h->op, cid, h->id, &invoiced))
		return -1;
	if (invoiced + amount > total)
		return hook_fail(h, 409, "conflict", "restoring the invoice would exceed the contract amount");
	return 0;
}

static const entity_hooks hooks = {
	.before_create = before_create,
	.before_update = before_update,
	.before_restore = before_restore,
};

static const char *const list_indexes[] = { "contract_id,updated_at", "customer_id,updated_at", "status,updated_at", NULL };

const entity_def invoices_entity = {
	.name = "invoices",
	.label = { "发票", "Invoices" },
	.module = "finance",
	.flags = E_OWNED | E_VIA_READ,
	.fields = fields,
	.title_field = "number",
	.default_sort = "-updated_at",
	.hooks = &hooks,
	.scope_via = "customer_id",
	.list_indexes = list_indexes,
};
