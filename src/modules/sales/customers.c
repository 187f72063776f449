/* customers.c - 客户: the companies Rapport's users sell to. */
#include "sales.h"
#include "../../util/clock.h"

static const enum_option grades[] = {
	{ "A", { "A 类", "A" } }, { "B", { "B 类", "B" } }, { "C", { "C 类", "C" } }, { "D", { "D 类", "D" } },
	{ NULL, { NULL, NULL } },
};

static const enum_option statuses[] = {
	{ "potential", { "潜在", "Potential" } },
	{ "intent", { "意向", "Intent" } },
	{ "deal", { "成交", "Deal" } },
	{ "lost", { "流失", "Lost" } },
	{ NULL, { NULL, NULL } },
};

static const enum_option industries[] = {
	{ "manufacturing", { "制造业", "Manufacturing" } },
	{ "energy", { "能源", "Energy" } },
	{ "construction", { "建筑工程", "Construction" } },
	{ "it", { "信息技术", "Information technology" } },
	{ "healthcare", { "医疗", "Healthcare" } },
	{ "education", { "教育", "Education" } },
	{ "finance", { "金融", "Finance" } },
	{ "logistics", { "物流", "Logistics" } },
	{ "retail", { "零售", "Retail" } },
	{ "government", { "政府机构", "Government" } },
	{ "other", { "其他", "Other" } },
	{ NULL, { NULL, NULL } },
};

static const enum_option credit_ratings[] = {
	{ "excellent", { "优秀", "Excellent" } },
	{ "good", { "良好", "Good" } },
	{ "fair", { "一般", "Fair" } },
	{ "poor", { "较差", "Poor" } },
	{ NULL, { NULL, NULL } },
};

static const field_def fields[] = {
	{ "name", FT_TEXT, { "客户名称", "Name" }, F_REQUIRED | F_SEARCH | F_SORT | F_LIST },
	{ "short_name", FT_TEXT, { "简称", "Short name" }, F_SEARCH, .max_len = 50 },
	{ "industry", FT_ENUM, { "行业", "Industry" }, F_LIST | F_INDEX, .options = industries },
	{ "grade", FT_ENUM, { "客户等级", "Grade" }, F_LIST | F_SORT, .options = grades },
	{ "status", FT_ENUM, { "客户状态", "Status" }, F_LIST | F_SORT, .options = statuses, .def = "\"potential\"" },
	{ "source", FT_ENUM, { "客户来源", "Source" }, F_INDEX, .options_list = "sources" },
	{ "province", FT_TEXT, { "省份", "Province" }, F_INDEX, .max_len = 50 },
	{ "city", FT_TEXT, { "城市", "City" }, F_LIST | F_INDEX, .max_len = 50 },
	{ "address", FT_TEXT, { "地址", "Address" }, 0 },
	{ "phone", FT_PHONE, { "电话", "Phone" }, F_SEARCH | F_LIST },
	{ "website", FT_URL, { "网站", "Website" }, 0 },
	{ "credit_rating", FT_ENUM, { "信用等级", "Credit rating" }, 0, .options = credit_ratings },
	{ "tags", FT_TAGS, { "标签", "Tags" }, 0 },
	{ "last_contacted_at", FT_DATETIME, { "最近跟进", "Last contacted" }, F_SORT | F_LIST | F_READONLY },
	{ "next_follow_up_at", FT_DATETIME, { "下次跟进", "Next follow-up" }, F_SORT | F_READONLY },
	{ "notes", FT_LONGTEXT, { "备注", "Notes" }, 0 },
	{ "owned_since", FT_DATETIME, { "领取时间", "Owned since" }, F_READONLY | F_SORT },
	{ "pool_department_id", FT_REF, { "所属公海", "Pool" }, F_READONLY | F_INDEX, .ref = "departments" },
	{ NULL },
};

static const relation_def relations[] = {
	{ "contacts", "contacts", "customer_id", { "联系人", "Contacts" } },
	{ "opportunities", "opportunities", "customer_id", { "商机", "Opportunities" } },
	{ "activities", "activities", "customer_id", { "跟进记录", "Follow-ups" } },
	{ "quotes", "quotes", "customer_id", { "报价单", "Quotes" } },
	{ "orders", "orders", "customer_id", { "订单", "Orders" } },
	{ "contracts", "contracts", "customer_id", { "合同", "Contracts" } },
	{ "payments", "payments", "customer_id", { "回款", "Payments" } },
	{ "invoices", "invoices", "customer_id", { "发票", "Invoices" } },
	{ NULL },
};

static const char *const duplicate_keys[] = { "name", "phone", NULL };
static const char *const list_indexes[] = { "status,updated_at", "grade,updated_at", "industry,updated_at", NULL };
/* list totals of a scope (owner, pool) and a status tab from summary rows */
static const char *const count_keys[] = { "owner_id", "pool_department_id", "status", NULL };

/* The owner's clock for the pool rules starts when they get the customer. */
static int before_create(hook_ctx *h, json_t *rec)
{
	(void)h;
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	json_object_set_new(rec, "owned_since", json_string(now));
	return 0;
}

static const entity_hooks customer_hooks = {
	.before_create = before_create,
};

const entity_def customers_entity = {
	.name = "customers",
	.label = { "客户", "Customers" },
	.module = "sales",
	.flags = E_OWNED | E_ATTACHMENTS,
	.fields = fields,
	.relations = relations,
	.title_field = "name",
	.default_sort = "-updated_at",
	.duplicate_keys = duplicate_keys,
	.pool_field = "pool_department_id",
	.list_indexes = list_indexes,
	.count_keys = count_keys,
	.hooks = &customer_hooks,
};
