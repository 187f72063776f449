/*
 * opportunities.c - 商机: a possible sale to a customer, moving through the
 * admin-editable stages.  Hook: the probability follows the stage unless the
 * rep sets it.
 */
#include "sales.h"
#include "../../core/options.h"

#include <string.h>

static const field_def fields[] = {
	{ "customer_id", FT_REF, { "客户", "Customer" }, F_REQUIRED | F_LIST, .ref = "customers" },
	{ "name", FT_TEXT, { "商机名称", "Name" }, F_REQUIRED | F_SEARCH | F_SORT | F_LIST },
	{ "amount", FT_MONEY, { "预计金额", "Amount" }, F_SORT | F_LIST },
	{ "stage", FT_ENUM, { "销售阶段", "Stage" }, F_REQUIRED | F_SORT | F_LIST, .options_list = "opportunity_stages",
	  .def = "\"initial\"" },
	{ "expected_close_on", FT_DATE, { "预计成交日期", "Expected close" }, F_SORT | F_LIST },
	{ "probability", FT_INT, { "赢率 (%)", "Probability (%)" }, F_SORT },
	{ "competitors", FT_TEXT, { "竞争对手", "Competitors" }, 0, .max_len = 500 },
	{ "lost_reason", FT_TEXT, { "输单原因", "Lost reason" }, 0, .max_len = 500 },
	{ "notes", FT_LONGTEXT, { "备注", "Notes" }, 0 },
	{ NULL },
};

static const relation_def relations[] = {
	{ "activities", "activities", "opportunity_id", { "跟进记录", "Follow-ups" } },
	{ "quotes", "quotes", "opportunity_id", { "报价单", "Quotes" } },
	{ "orders", "orders", "opportunity_id", { "订单", "Orders" } },
	{ "contracts", "contracts", "opportunity_id", { "合同", "Contracts" } },
	{ "payments", "payments", "opportunity_id", { "回款", "Payments" } },
	{ "invoices", "invoices", "opportunity_id", { "发票", "Invoices" } },
	{ NULL },
};

static int stage_probability(db *d, const char *stage)
{
	json_t *opts = option_list_get(d, "opportunity_stages");
	int p = -1;
	size_t i;
	json_t *o;
	json_array_foreach(opts, i, o) {
		const char *v = json_string_value(json_object_get(o, "value"));
		if (stage && v && !strcmp(v, stage) && json_is_integer(json_object_get(o, "probability")))
			p = (int)json_integer_value(json_object_get(o, "probability"));
	}
	json_decref(opts);
	return p;
}

static int check_probability(hook_ctx *h, json_t *p)
{
	if (p && json_is_integer(p) && (json_integer_value(p) < 0 || json_integer_value(p) > 100))
		return hook_field_error(h, "probability", "out_of_range");
	return 0;
}

static int before_create(hook_ctx *h, json_t *rec)
{
	json_t *p = json_object_get(rec, "probability");
	if (!p || json_is_null(p)) {
		int sp = stage_probability(h->op->db, json_string_value(json_object_get(rec, "stage")));
		if (sp >= 0)
			json_object_set_new(rec, "probability", json_integer(sp));
	}
	return check_probability(h, json_object_get(rec, "probability"));
}

static int before_update(hook_ctx *h, json_t *old, json_t *patch)
{
	(void)old;
	json_t *stage = json_object_get(patch, "stage");
	if (json_is_string(stage) && !json_object_get(patch, "probability")) {
		int sp = stage_probability(h->op->db, json_string_value(stage));
		if (sp >= 0)
			json_object_set_new(patch, "probability", json_integer(sp));
	}
	return check_probability(h, json_object_get(patch, "probability"));
}

/* the board: one column per stage, sorted by amount; the last one answers
 * the dashboard's sums by stage or month from the index alone, for a rep
 * (driven by their customers) and, by a scan of it, for everyone */
static const char *const list_indexes[] = { "stage,amount", "stage,updated_at", "customer_id,updated_at",
					    "customer_id,stage,expected_close_on,amount", NULL };

static const entity_hooks hooks = {
	.before_create = before_create,
	.before_update = before_update,
};

const entity_def opportunities_entity = {
	.name = "opportunities",
	.label = { "商机", "Opportunities" },
	.module = "sales",
	.flags = E_OWNED | E_ATTACHMENTS,
	.fields = fields,
	.relations = relations,
	.scope_via = "customer_id",
	.title_field = "name",
	.default_sort = "-updated_at",
	.hooks = &hooks,
	.list_indexes = list_indexes,
};
