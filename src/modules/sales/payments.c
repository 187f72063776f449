/*
 * payments.c - 回款: money received against a contract.  The payment is
 * allocated to the contract's instalments (allocations, a child collection
 * computed here): to the instalment named by installment_id first, the rest
 * to the following open ones by due date.  More than the contract's
 * outstanding balance is refused (422 over_payment) unless the payment is
 * marked as a prepayment.  A recorded payment's figures do not change
 * (delete it and record it again); payer, method, reference and notes may.
 */
#include "documents.h"
#include "sales.h"
#include "../../core/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const field_def allocation_fields[] = {
	{ "payment_id", FT_REF, { "回款", "Payment" }, F_INDEX, .ref = "payments" },
	{ "position", FT_INT, { "序号", "No." }, F_SORT | F_READONLY },
	{ "installment_id", FT_INT, { "回款计划期次", "Instalment" }, F_REQUIRED | F_INDEX },
	{ "amount", FT_MONEY, { "金额", "Amount" }, F_REQUIRED },
	{ NULL },
};

const entity_def payment_allocations_entity = {
	.name = "payment_allocations",
	.label = { "回款核销", "Payment allocations" },
	.module = "finance",
	.flags = E_CHILD,
	.fields = allocation_fields,
	.default_sort = "position",
};

static const enum_option methods[] = {
	{ "bank_transfer", { "银行转账", "Bank transfer" } },
	{ "acceptance_bill", { "承兑汇票", "Bank acceptance bill" } },
	{ "cheque", { "支票", "Cheque" } },
	{ "cash", { "现金", "Cash" } },
	{ "online", { "在线支付", "Online payment" } },
	{ "other", { "其他", "Other" } },
	{ NULL },
};

static const field_def fields[] = {
	{ "contract_id", FT_REF, { "合同", "Contract" }, F_REQUIRED | F_LIST, .ref = "contracts" },
	{ "customer_id", FT_REF, { "客户", "Customer" }, F_READONLY | F_LIST, .ref = "customers" },
	{ "opportunity_id", FT_REF, { "商机", "Opportunity" }, F_READONLY | F_INDEX, .ref = "opportunities" },
	{ "installment_id", FT_INT, { "回款计划期次", "Instalment" }, 0 },
	{ "amount", FT_MONEY, { "回款金额", "Amount" }, F_REQUIRED | F_SORT | F_LIST },
	{ "received_on", FT_DATE, { "回款日期", "Received on" }, F_REQUIRED | F_SORT | F_LIST },
	{ "method", FT_ENUM, { "回款方式", "Method" }, F_REQUIRED | F_LIST, .options = methods, .def = "\"bank_transfer\"" },
	{ "payer", FT_TEXT, { "付款方", "Payer" }, F_SEARCH | F_LIST },
	{ "reference", FT_TEXT, { "流水号", "Reference" }, F_SEARCH, .max_len = 100 },
	{ "prepayment", FT_BOOL, { "预收款", "Prepayment" }, 0, .def = "false" },
	{ "notes", FT_LONGTEXT, { "备注", "Notes" }, 0 },
	{ NULL },
};

static const child_def children[] = {
	{ "allocations", "payment_allocations", "payment_id", { "核销明细", "Allocations" } },
	{ NULL },
};

/* Instalments of the contract in the order they are paid: the chosen one first, then by due date. */
static int by_due(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "due_on")), json_string_value(json_object_get(y, "due_on")));
	if (c)
		return c;
	return (int)(json_integer_value(json_object_get(x, "position")) - json_integer_value(json_object_get(y, "position")));
}

static json_t *allocate(hook_ctx *h, json_t *contract, int64_t first, int64_t amount, const char *cur)
{
	json_t *plan = json_object_get(contract, "installments");
	size_t n = json_array_size(plan);
	json_t **order = calloc(n ? n : 1, sizeof(*order));
	json_t *got = contract_installment_received(h->op, h->id ? h->id : json_integer_value(json_object_get(contract, "id")));
	json_t *out = json_array();
	if (!order || !got)
		goto out;
	for (size_t i = 0; i < n; i++)
		order[i] = json_array_get(plan, i);
	qsort(order, n, sizeof(*order), by_due);
	for (int pass = 0; pass < 2 && amount > 0; pass++) {
		for (size_t i = 0; i < n && amount > 0; i++) {
			int64_t iid = json_integer_value(json_object_get(order[i], "id"));
			if ((pass == 0) != (iid == first))
				continue;
			char key[24];
			snprintf(key, sizeof(key), "%lld", (long long)iid);
			int64_t planned = json_integer_value(json_object_get(json_object_get(order[i], "amount"), "amount"));
			int64_t open = planned - json_integer_value(json_object_get(got, key));
			if (open <= 0)
				continue;
			int64_t take = open < amount ? open : amount;
			json_array_append_new(out, json_pack("{s:I,s:o}", "installment_id", (json_int_t)iid, "amount",
							     doc_money_json(take, cur)));
			amount -= take;
		}
	}
out:
	json_decref(got);
	free(order);
	return out;
}

static int before_create(hook_ctx *h, json_t *rec)
{
	json_t *cid = json_object_get(rec, "contract_id");
	if (!json_is_integer(cid))
		return 0; /* the engine answers required / invalid_type */
	json_t *c = record_get(h->op, &contracts_entity, json_integer_value(cid));
	if (!c) {
		ent_error_clear(&h->op->err);
		return 0; /* the engine answers not_found */
	}
	int rc = -1;
	int64_t total = 0, amount = 0, received = 0;
	const char *cur = NULL, *pcur = NULL;
	doc_money(json_object_get(c, "amount"), &total, &cur);
	json_object_set(rec, "customer_id", json_object_get(c, "customer_id"));
	json_object_set(rec, "opportunity_id", json_object_get(c, "opportunity_id"));
	if (!strcmp(json_string_value(json_object_get(c, "status")), "terminated")) {
		rc = hook_field_error(h, "contract_id", "terminated");
		goto out;
	}
	if (!doc_money(json_object_get(rec, "amount"), &amount, &pcur)) {
		rc = 0; /* the engine answers */
		goto out;
	}
	if (amount <= 0) {
		rc = hook_field_error(h, "amount", "invalid_amount");
		goto out;
	}
	if (pcur && strcmp(pcur, cur)) {
		rc = hook_field_error(h, "amount", "currency_mismatch");
		goto out;
	}
	json_object_set_new(rec, "amount", doc_money_json(amount, cur));
	/* one writer at a time per contract, so two payments cannot both fit the same balance */
	if (doc_lock(h->op, &contracts_entity, json_integer_value(cid)) ||
	    contract_received(h->op, json_integer_value(cid), &received))
		goto out;
	int64_t outstanding = total - received > 0 ? total - received : 0;
	if (amount > outstanding && !json_is_true(json_object_get(rec, "prepayment"))) {
		hook_fail(h, 422, "validation_failed", "the payment exceeds the outstanding balance; mark it as a prepayment");
		h->op->err.fields = json_pack("{s:s}", "amount", "over_payment");
		h->op->err.extra = json_pack("{s:o}", "outstanding", doc_money_json(outstanding, cur));
		goto out;
	}
	int64_t first = 0;
	json_t *iid = json_object_get(rec, "installment_id");
	if (iid && !json_is_null(iid)) {
		bool found = false;
		size_t i;
		json_t *it;
		first = json_integer_value(iid);
		json_array_foreach(json_object_get(c, "installments"), i, it)
			found |= json_is_integer(iid) && json_integer_value(json_object_get(it, "id")) == first;
		if (!found) {
			rc = hook_field_error(h, "installment_id", "not_found");
			goto out;
		}
	}
	json_object_set_new(rec, "allocations", allocate(h, c, first, amount, cur));
	rc = 0;
out:
	json_decref(c);
	return rc;
}

static int before_update(hook_ctx *h, json_t *old, json_t *patch)
{
	static const char *const fixed[] = { "contract_id", "installment_id", "amount", "received_on", "prepayment", NULL };
	json_t *errs = json_object();
	for (int i = 0; fixed[i]; i++) {
		json_t *v = json_object_get(patch, fixed[i]);
		if (v && !json_equal(v, json_object_get(old, fixed[i])))
			json_object_set_new(errs, fixed[i], json_string("read_only"));
	}
	if (json_object_get(patch, "allocations"))
		json_object_set_new(errs, "allocations", json_string("read_only"));
	if (json_object_size(errs)) {
		hook_fail(h, 422, "validation_failed", "a recorded payment's figures do not change; delete it and record it again");
		h->op->err.fields = errs;
		return -1;
	}
	json_decref(errs);
	return 0;
}

/* Back from the recycle bin only if the contract still has room for it. */
static int before_restore(hook_ctx *h, json_t *old)
{
	if (json_is_true(json_object_get(old, "prepayment")))
		return 0;
	int64_t cid = json_integer_value(json_object_get(old, "contract_id")), received = 0, total = 0, amount = 0;
	const char *cur;
	json_t *c = record_load(h->op, &contracts_entity, cid, false);
	if (!c)
		return -1;
	doc_money(json_object_get(c, "amount"), &total, &cur);
	json_decref(c);
	doc_money(json_object_get(old, "amount"), &amount, &cur);
	if (doc_lock(h->op, &contracts_entity, cid) || contract_received(h->op, cid, &received))
		return -1;
	if (received + amount > total)
		return hook_fail(h, 409, "conflict", "restoring the payment would exceed the contract amount");
	return 0;
}

static const entity_hooks hooks = {
	.before_create = before_create,
	.before_update = before_update,
	.before_restore = before_restore,
};

static const char *const list_indexes[] = { "contract_id,received_on", "customer_id,received_on", NULL };

const entity_def payments_entity = {
	.name = "payments",
	.label = { "回款", "Payments" },
	.module = "finance",
	.flags = E_OWNED | E_VIA_READ,
	.fields = fields,
	.title_field = "payer",
	.default_sort = "-received_on",
	.hooks = &hooks,
	.scope_via = "customer_id",
	.list_indexes = list_indexes,
	.children = children,
};
