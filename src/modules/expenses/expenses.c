/*
 * expenses.c - see expenses.h.  Hooks: lines are checked and summed into the
 * amount (per-diem lines: days × the admin's rate, days defaulting to the
 * trip's); a document waiting for approval does not change (withdraw it
 * first); an approved one whose amount changes goes back to draft, so it is
 * asked again; a paid one is final.
 */
#include "expenses.h"
#include "../../core/acl.h"
#include "../../core/approval.h"
#include "../../core/record.h"
#include "../../core/settings.h"
#include "../../util/clock.h"

#include <stdio.h>
#include <string.h>

#define AMOUNT_MAX 1000000000000000LL

static const enum_option kinds[] = {
	{ "request", { "事前申请", "Expense request" } },
	{ "reimbursement", { "报销", "Reimbursement" } },
	{ NULL },
};

static const enum_option categories[] = {
	{ "transport", { "交通", "Transport" } },
	{ "lodging", { "住宿", "Lodging" } },
	{ "meals", { "餐费", "Meals" } },
	{ "entertainment", { "业务招待", "Entertainment" } },
	{ "per_diem", { "出差补助", "Per diem" } },
	{ "office", { "办公", "Office" } },
	{ "other", { "其他", "Other" } },
	{ NULL },
};

static const enum_option approval_statuses[] = {
	{ "draft", { "草稿", "Draft" } },
	{ "pending", { "审批中", "Pending" } },
	{ "approved", { "已通过", "Approved" } },
	{ "rejected", { "已驳回", "Rejected" } },
	{ "withdrawn", { "已撤回", "Withdrawn" } },
	{ NULL },
};

static const field_def line_fields[] = {
	{ "expense_id", FT_REF, { "费用单", "Expense" }, F_INDEX, .ref = "expenses" },
	{ "position", FT_INT, { "序号", "No." }, F_SORT | F_READONLY },
	{ "category", FT_ENUM, { "类别", "Category" }, F_REQUIRED, .options = categories },
	{ "spent_on", FT_DATE, { "日期", "Date" }, 0 },
	{ "description", FT_TEXT, { "说明", "Description" }, 0, .max_len = 500 },
	{ "days", FT_INT, { "天数", "Days" }, 0 },
	{ "amount", FT_MONEY, { "金额", "Amount" }, F_REQUIRED },
	{ NULL },
};

const entity_def expense_lines_entity = {
	.name = "expense_lines",
	.label = { "费用明细", "Expense lines" },
	.module = "expenses",
	.flags = E_CHILD,
	.fields = line_fields,
	.default_sort = "position",
};

static const field_def fields[] = {
	{ "kind", FT_ENUM, { "类型", "Kind" }, F_REQUIRED | F_SORT | F_LIST, .options = kinds },
	{ "title", FT_TEXT, { "事由", "Purpose" }, F_REQUIRED | F_SEARCH | F_SORT | F_LIST },
	{ "amount", FT_MONEY, { "金额", "Amount" }, F_REQUIRED | F_SORT | F_LIST },
	{ "approval_status", FT_ENUM, { "审批状态", "Approval" }, F_READONLY | F_SORT | F_LIST, .options = approval_statuses,
	  .def = "\"draft\"" },
	{ "customer_id", FT_REF, { "客户", "Customer" }, F_LIST | F_INDEX, .ref = "customers" },
	{ "opportunity_id", FT_REF, { "商机", "Opportunity" }, F_INDEX, .ref = "opportunities" },
	{ "request_id", FT_REF, { "关联申请", "Settles request" }, F_INDEX, .ref = "expenses" },
	{ "trip_start_on", FT_DATE, { "出发日期", "Trip from" }, F_SORT },
	{ "trip_end_on", FT_DATE, { "返回日期", "Trip to" }, 0 },
	{ "places", FT_TEXT, { "出差地点", "Places" }, F_SEARCH, .max_len = 500 },
	{ "advance", FT_MONEY, { "借款（备用金）", "Cash advance" }, 0 },
	{ "advance_closed", FT_BOOL, { "借款已核销", "Advance closed" }, F_READONLY, .def = "false" },
	{ "paid_at", FT_DATETIME, { "付款时间", "Paid at" }, F_READONLY | F_SORT | F_LIST },
	{ "paid_by", FT_REF, { "付款人", "Paid by" }, F_READONLY, .ref = "users" },
	{ "notes", FT_LONGTEXT, { "备注", "Notes" }, 0 },
	{ NULL },
};

static const child_def children[] = {
	{ "lines", "expense_lines", "expense_id", { "费用明细", "Lines" }, 200 },
	{ NULL },
};

static const relation_def relations[] = {
	{ "reimbursements", "expenses", "request_id", { "报销单", "Reimbursements" } },
	{ NULL },
};

static const char builtin_flow[] =
	"{\"amount_field\":\"amount\",\"auto_approve_below\":100000,\"steps\":["
	"{\"name\":{\"zh-CN\":\"部门经理\",\"en\":\"Department manager\"},\"when\":{\"amount_gte\":100000},"
	"\"approvers\":{\"type\":\"department_manager\"},\"mode\":\"any\",\"time_limit_hours\":24},"
	"{\"name\":{\"zh-CN\":\"上级部门经理\",\"en\":\"Manager of the department above\"},\"when\":{\"amount_gte\":2000000},"
	"\"approvers\":{\"type\":\"parent_department_manager\"},\"mode\":\"any\",\"time_limit_hours\":24}]}";

/* ---- settings ---- */

json_t *expense_settings(db *d)
{
	return settings_load(d, "expenses", "{\"per_diem_rate\":{\"amount\":10000,\"currency\":\"CNY\"}}");
}

json_t *expense_settings_put(ent_op *op, json_t *body)
{
	if (!acl_is_admin(op->who)) {
		op_fail(op, 403, "forbidden", "only administrators set the per-diem rate");
		return NULL;
	}
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		bool ok = !strcmp(k, "per_diem_rate");
		json_t *a = json_is_object(v) ? json_object_get(v, "amount") : v;
		json_t *c = json_is_object(v) ? json_object_get(v, "currency") : NULL;
		const char *cs = c ? json_string_value(c) : "CNY";
		if (!ok || !json_is_integer(a) || json_integer_value(a) < 0 || json_integer_value(a) > AMOUNT_MAX || !cs ||
		    strlen(cs) != 3) {
			op_fail(op, 422, "validation_failed", "per_diem_rate is a money amount per day");
			op->err.fields = json_pack("{s:s}", k, ok ? "invalid_amount" : "unknown_field");
			return NULL;
		}
	}
	json_t *merged = expense_settings(op->db);
	json_t *v2 = json_object_get(body, "per_diem_rate");
	if (v2)
		json_object_set_new(merged, "per_diem_rate",
				    json_is_object(v2) ? json_pack("{s:O,s:s}", "amount", json_object_get(v2, "amount"),
								   "currency", json_string_value(json_object_get(v2, "currency")) ?
										       json_string_value(json_object_get(v2, "currency")) : "CNY")
						       : json_pack("{s:O,s:s}", "amount", v2, "currency", "CNY"));
	if (settings_store(op, "expenses", merged)) {
		json_decref(merged);
		return NULL;
	}
	return merged;
}

/* ---- hooks ---- */

static const char *str(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static bool money_of(json_t *v, int64_t *amount, const char **cur)
{
	if (json_is_integer(v)) {
		*amount = json_integer_value(v);
		*cur = NULL;
		return true;
	}
	if (json_is_object(v) && json_is_integer(json_object_get(v, "amount"))) {
		*amount = json_integer_value(json_object_get(v, "amount"));
		*cur = json_string_value(json_object_get(v, "currency"));
		return true;
	}
	return false;
}

static int days_between(const char *from, const char *to)
{
	int y1, m1, d1, y2, m2, d2;
	if (clock_parse_date(from, &y1, &m1, &d1) || clock_parse_date(to, &y2, &m2, &d2))
		return 0;
	int64_t a, b;
	char s1[32], s2[32];
	snprintf(s1, sizeof(s1), "%sT00:00:00Z", from);
	snprintf(s2, sizeof(s2), "%sT00:00:00Z", to);
	if (clock_parse_iso(s1, &a) || clock_parse_iso(s2, &b) || b < a)
		return 0;
	return (int)((b - a) / 86400000) + 1;
}

static void item_err(json_t *errs, size_t i, const char *field, const char *code)
{
	char k[64];
	snprintf(k, sizeof(k), "lines.%zu.%s", i, field);
	if (!json_object_get(errs, k))
		json_object_set_new(errs, k, json_string(code));
}

/* Checks and completes the lines, and sets rec's amount to their sum.
 * trip: the document as it will be (dates for per-diem days). */
static int compute_lines(hook_ctx *h, json_t *lines, json_t *trip, json_t *rec)
{
	json_t *errs = json_object();
	json_t *st = expense_settings(h->op->db);
	int64_t per_day = json_integer_value(json_object_get(json_object_get(st, "per_diem_rate"), "amount"));
	int trip_days = days_between(str(trip, "trip_start_on"), str(trip, "trip_end_on"));
	const char *cur = NULL;
	int64_t sum = 0, a;
	const char *c;
	if (money_of(json_object_get(rec, "amount"), &a, &c) && c)
		cur = c;
	size_t i;
	json_t *it;
	json_array_foreach(lines, i, it) {
		if (!json_is_object(it))
			continue; /* the engine answers invalid_type */
		json_t *amt = json_object_get(it, "amount");
		if (!strcmp(str(it, "category"), "per_diem") && (!amt || json_is_null(amt))) {
			json_t *dv = json_object_get(it, "days");
			int days = json_is_integer(dv) ? (int)json_integer_value(dv) : trip_days;
			if (days <= 0 || days > 366) {
				item_err(errs, i, "days", days ? "out_of_range" : "required");
				continue;
			}
			if (!json_is_integer(dv))
				json_object_set_new(it, "days", json_integer(days));
			amt = json_pack("{s:I,s:s}", "amount", (json_int_t)(days * per_day), "currency",
					cur ? cur : str(json_object_get(st, "per_diem_rate"), "currency"));
			json_object_set_new(it, "amount", amt);
		}
		if (!money_of(amt, &a, &c))
			continue; /* required / invalid: the engine answers */
		if (a <= 0 || a > AMOUNT_MAX) {
			item_err(errs, i, "amount", "invalid_amount");
			continue;
		}
		if (!cur && c)
			cur = c;
		if (c && cur && strcmp(c, cur)) {
			item_err(errs, i, "amount", "currency_mismatch");
			continue;
		}
		sum += a;
	}
	if (!cur)
		cur = "CNY";
	if (json_array_size(lines) && !json_object_size(errs))
		json_object_set_new(rec, "amount", json_pack("{s:I,s:s}", "amount", (json_int_t)sum, "currency", cur));
	json_decref(st);
	if (json_object_size(errs)) {
		hook_fail(h, 422, "validation_failed", "some lines are not valid");
		h->op->err.fields = errs;
		return -1;
	}
	json_decref(errs);
	return 0;
}

/* What is true of any version of an expense: kinds and references agree, dates in order, amounts positive. */
static int check(hook_ctx *h, json_t *now, json_t *old)
{
	const char *kind = str(now, "kind");
	json_t *req = json_object_get(now, "request_id");
	if (json_is_integer(req)) {
		if (strcmp(kind, "reimbursement"))
			return hook_field_error(h, "request_id", "only_reimbursements");
		json_t *r = record_load(h->op, &expenses_entity, json_integer_value(req), false);
		bool ok = r && !strcmp(str(r, "kind"), "request") && json_integer_value(json_object_get(r, "id")) != h->id;
		json_decref(r);
		if (!ok)
			return hook_field_error(h, "request_id", "not_found");
	}
	json_t *adv = json_object_get(now, "advance");
	int64_t a;
	const char *c;
	if (adv && !json_is_null(adv) && money_of(adv, &a, &c) && (a < 0 || strcmp(kind, "request")))
		return hook_field_error(h, "advance", a < 0 ? "invalid_amount" : "only_requests");
	if (money_of(json_object_get(now, "amount"), &a, &c) && a <= 0)
		return hook_field_error(h, "amount", "invalid_amount");
	const char *from = str(now, "trip_start_on"), *to = str(now, "trip_end_on");
	if (*from && *to && strcmp(from, to) > 0)
		return hook_field_error(h, "trip_end_on", "before_start");
	(void)old;
	return 0;
}

static int before_create(hook_ctx *h, json_t *rec)
{
	json_t *lines = json_object_get(rec, "lines");
	if (json_is_array(lines) && compute_lines(h, lines, rec, rec))
		return -1;
	return check(h, rec, NULL);
}

static int before_update(hook_ctx *h, json_t *old, json_t *patch)
{
	if (!strcmp(str(old, "approval_status"), "pending"))
		return hook_fail(h, 409, "conflict", "the expense is waiting for approval: withdraw it to change it");
	if (json_object_get(old, "paid_at") && !json_is_null(json_object_get(old, "paid_at")))
		return hook_fail(h, 409, "conflict", "a paid expense does not change");
	json_t *now = json_deep_copy(old);
	json_object_update(now, patch);
	json_t *lines = json_object_get(patch, "lines");
	if (json_is_array(lines)) {
		json_t *amt = json_object_get(patch, "amount");
		if (!amt)
			json_object_set(patch, "amount", json_object_get(old, "amount"));
		if (compute_lines(h, lines, now, patch)) {
			json_decref(now);
			return -1;
		}
		json_object_set(now, "amount", json_object_get(patch, "amount"));
	}
	int rc = check(h, now, old);
	json_decref(now);
	if (rc)
		return rc;
	/* approved figures changed: it must be asked again */
	if (!strcmp(str(old, "approval_status"), "approved") &&
	    approval_facts_changed(h->op->db, h->e, old, patch))
		json_object_set_new(patch, "approval_status", json_string("draft"));
	return 0;
}

static int before_delete(hook_ctx *h, json_t *old)
{
	if (!strcmp(str(old, "approval_status"), "pending"))
		return hook_fail(h, 409, "conflict", "the expense is waiting for approval: withdraw it first");
	if (json_object_get(old, "paid_at") && !json_is_null(json_object_get(old, "paid_at")))
		return hook_fail(h, 409, "conflict", "a paid expense cannot be deleted");
	return 0;
}

static const entity_hooks hooks = {
	.before_create = before_create,
	.before_update = before_update,
	.before_delete = before_delete,
};

static const char *const list_indexes[] = { "approval_status,updated_at", "customer_id,updated_at",
					    "opportunity_id,updated_at", NULL };

const entity_def expenses_entity = {
	.name = "expenses",
	.label = { "费用", "Expenses" },
	.module = "expenses",
	.flags = E_OWNED | E_ATTACHMENTS,
	.fields = fields,
	.relations = relations,
	.title_field = "title",
	.default_sort = "-updated_at",
	.hooks = &hooks,
	.list_indexes = list_indexes,
	.children = children,
};

json_t *expense_pay(ent_op *op, int64_t id)
{
	json_t *rec = record_get_for_update(op, &expenses_entity, id);
	if (!rec)
		return NULL;
	json_t *out = NULL;
	/* finance pays (the built-in role, or a role named so), and administrators */
	if (!acl_is_admin(op->who) && !strstr(op->who->user.roles, "\"finance\"")) {
		op_fail(op, 403, "forbidden", "finance marks reimbursements paid");
		goto out;
	}
	if (strcmp(str(rec, "kind"), "reimbursement")) {
		op_fail(op, 422, "validation_failed", "only a reimbursement is paid");
		op->err.fields = json_pack("{s:s}", "kind", "not_reimbursement");
		goto out;
	}
	if (strcmp(str(rec, "approval_status"), "approved")) {
		op_fail(op, 422, "validation_failed", "the reimbursement is not approved (%s)", str(rec, "approval_status"));
		op->err.fields = json_pack("{s:s}", "approval_status", "approval_required");
		goto out;
	}
	if (!json_is_null(json_object_get(rec, "paid_at")) && json_object_get(rec, "paid_at")) {
		op_fail(op, 409, "conflict", "the reimbursement is paid already");
		goto out;
	}
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	if (op_begin(op))
		goto out;
	json_t *set = json_pack("{s:s,s:I}", "paid_at", now, "paid_by", (json_int_t)op->who->user.id);
	int rc = record_set_fields(op, &expenses_entity, id, set, "pay");
	json_decref(set);
	json_t *req = json_object_get(rec, "request_id");
	if (!rc && json_is_integer(req)) {
		json_t *close = json_pack("{s:b}", "advance_closed", 1);
		rc = record_set_fields(op, &expenses_entity, json_integer_value(req), close, "settle");
		json_decref(close);
	}
	if (rc || op_commit(op)) {
		op_rollback(op);
		goto out;
	}
	out = record_get(op, &expenses_entity, id);
out:
	json_decref(rec);
	return out;
}

void expenses_register(void)
{
	entity_register(&expense_lines_entity);
	entity_register(&expenses_entity);
	approval_register_builtin("expenses", builtin_flow);
}
