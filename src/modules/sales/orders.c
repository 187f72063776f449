/*
 * orders.c - 订单: from an accepted quote (its lines and figures are copied)
 * or entered directly.  Status pending -> confirmed -> shipped -> completed,
 * or cancelled before shipping; other moves answer 422.  Lines change only
 * while pending.  The payment status comes from the payments against the
 * order's contracts (decorate).
 */
#include "documents.h"
#include "doc_lines.h"
#include "sales.h"
#include "../../core/record.h"

#include <string.h>

static const field_def line_fields[] = {
	{ "order_id", FT_REF, { "订单", "Order" }, F_INDEX, .ref = "orders" },
	DOC_LINE_FIELDS,
	{ NULL },
};

const entity_def order_lines_entity = {
	.name = "order_lines",
	.label = { "订单明细", "Order lines" },
	.module = "sales",
	.flags = E_CHILD,
	.fields = line_fields,
	.default_sort = "position",
};

static const enum_option statuses[] = {
	{ "pending", { "待确认", "Pending" } },
	{ "confirmed", { "已确认", "Confirmed" } },
	{ "shipped", { "已发货", "Shipped" } },
	{ "completed", { "已完成", "Completed" } },
	{ "cancelled", { "已取消", "Cancelled" } },
	{ NULL },
};

static const field_def fields[] = {
	{ "number", FT_TEXT, { "订单号", "Number" }, F_READONLY | F_SEARCH | F_SORT | F_LIST, .max_len = 50 },
	{ "customer_id", FT_REF, { "客户", "Customer" }, F_REQUIRED | F_LIST, .ref = "customers" },
	{ "opportunity_id", FT_REF, { "商机", "Opportunity" }, F_INDEX, .ref = "opportunities" },
	{ "quote_id", FT_REF, { "报价单", "Quote" }, F_INDEX, .ref = "quotes" },
	{ "currency", FT_TEXT, { "币种", "Currency" }, F_REQUIRED, .max_len = 3, .def = "\"CNY\"" },
	{ "status", FT_ENUM, { "状态", "Status" }, F_REQUIRED | F_SORT | F_LIST, .options = statuses, .def = "\"pending\"" },
	{ "ordered_on", FT_DATE, { "下单日期", "Ordered on" }, F_SORT | F_LIST },
	{ "delivery_on", FT_DATE, { "交货日期", "Delivery date" }, F_SORT },
	DOC_TOTAL_FIELDS,
	{ "shipping_address", FT_TEXT, { "收货地址", "Shipping address" }, 0, .max_len = 500 },
	{ "notes", FT_LONGTEXT, { "备注", "Notes" }, 0 },
	{ NULL },
};

static const child_def children[] = {
	{ "lines", "order_lines", "order_id", { "订单明细", "Lines" } },
	{ NULL },
};

#define TRANSITIONS "pending>confirmed pending>cancelled confirmed>shipped confirmed>cancelled shipped>completed"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* customer, opportunity, currency and (when none are given) lines from the accepted quote */
static int from_quote(hook_ctx *h, json_t *rec)
{
	json_t *qid = json_object_get(rec, "quote_id");
	if (!json_is_integer(qid))
		return 0;
	json_t *q = record_get(h->op, &quotes_entity, json_integer_value(qid));
	if (!q) {
		ent_error_clear(&h->op->err);
		return 0; /* the engine answers not_found */
	}
	int rc = 0;
	if (strcmp(str(q, "status"), "accepted"))
		rc = hook_field_error(h, "quote_id", "not_accepted");
	else if (json_is_integer(json_object_get(rec, "customer_id")) &&
		 !json_equal(json_object_get(rec, "customer_id"), json_object_get(q, "customer_id")))
		rc = hook_field_error(h, "quote_id", "customer_mismatch");
	if (!rc) {
		json_object_set(rec, "customer_id", json_object_get(q, "customer_id"));
		if (!json_is_integer(json_object_get(rec, "opportunity_id")))
			json_object_set(rec, "opportunity_id", json_object_get(q, "opportunity_id"));
		if (!json_object_get(rec, "lines")) {
			json_object_set_new(rec, "lines", doc_lines_copy(json_object_get(q, "lines"), false));
			json_object_set(rec, "currency", json_object_get(q, "currency"));
		}
	}
	json_decref(q);
	return rc;
}

static int before_create(hook_ctx *h, json_t *rec)
{
	if (doc_transition(h, "x>pending", "x", str(rec, "status")) || from_quote(h, rec))
		return -1;
	const char *cur = str(rec, "currency");
	if (!doc_currency_ok(cur))
		return hook_field_error(h, "currency", "invalid_currency");
	if (!json_is_string(json_object_get(rec, "ordered_on"))) {
		char today[11];
		doc_today(today);
		json_object_set_new(rec, "ordered_on", json_string(today));
	}
	char number[64];
	if (doc_next_number(h, "orders", number, sizeof(number)))
		return -1;
	json_object_set_new(rec, "number", json_string(number));
	json_t *lines = json_object_get(rec, "lines");
	if (!lines) {
		lines = json_array();
		json_object_set_new(rec, "lines", lines);
	}
	return doc_compute_lines(h, lines, cur, rec, "lines");
}

static int before_update(hook_ctx *h, json_t *old, json_t *patch)
{
	const char *from = str(old, "status");
	if (doc_transition(h, TRANSITIONS, from, str(patch, "status")))
		return -1;
	json_t *cur = json_object_get(patch, "currency"), *lines = json_object_get(patch, "lines");
	bool content = lines || (cur && !json_equal(cur, json_object_get(old, "currency"))) ||
		       (json_object_get(patch, "quote_id") &&
			!json_equal(json_object_get(patch, "quote_id"), json_object_get(old, "quote_id")));
	if (content && strcmp(from, "pending")) {
		hook_fail(h, 422, "validation_failed", "lines change only while the order is pending");
		h->op->err.fields = json_pack("{s:s}", lines ? "lines" : cur ? "currency" : "quote_id", "read_only");
		return -1;
	}
	if (cur && !doc_currency_ok(json_string_value(cur)))
		return hook_field_error(h, "currency", "invalid_currency");
	if (!lines && !cur)
		return 0;
	if (!lines) {
		lines = doc_lines_copy(json_object_get(old, "lines"), true);
		json_object_set_new(patch, "lines", lines);
	}
	return doc_compute_lines(h, lines, json_string_value(cur ? cur : json_object_get(old, "currency")), patch,
				 "lines");
}

/* received and payment_status: unpaid, partial, paid (against the order's contracts) */
static int decorate(hook_ctx *h, json_t *rec)
{
	int64_t received = 0, total = 0;
	const char *cur = NULL;
	if (doc_sum(h->op, "SELECT sum(p.amount) FROM payments p JOIN contracts c ON c.id = p.contract_id "
			   "WHERE c.order_id = ? AND p.deleted_at IS NULL AND c.deleted_at IS NULL", h->id, &received))
		return -1;
	doc_money(json_object_get(rec, "total"), &total, &cur);
	json_object_set_new(rec, "received", doc_money_json(received, str(rec, "currency")));
	json_object_set_new(rec, "payment_status", json_string(received <= 0 ? "unpaid"
								  : received >= total ? "paid" : "partial"));
	return 0;
}

static int before_delete(hook_ctx *h, json_t *old)
{
	(void)old;
	int64_t n = 0;
	if (doc_sum(h->op, "SELECT count(*) FROM contracts WHERE order_id = ? AND deleted_at IS NULL", h->id, &n))
		return -1;
	return n ? hook_fail(h, 409, "conflict", "the order has contracts; delete them first") : 0;
}

static const entity_hooks hooks = {
	.before_create = before_create,
	.before_update = before_update,
	.before_delete = before_delete,
	.decorate = decorate,
};

static const char *const list_indexes[] = { "customer_id,updated_at", "status,updated_at", NULL };

const entity_def orders_entity = {
	.name = "orders",
	.label = { "订单", "Orders" },
	.module = "sales",
	.flags = E_OWNED,
	.fields = fields,
	.title_field = "number",
	.default_sort = "-updated_at",
	.hooks = &hooks,
	.scope_via = "customer_id",
	.list_indexes = list_indexes,
	.children = children,
};
