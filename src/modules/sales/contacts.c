/* contacts.c - 联系人: the people at a customer. */
#include "sales.h"

static const field_def fields[] = {
	{ "customer_id", FT_REF, { "所属客户", "Customer" }, F_REQUIRED | F_LIST, .ref = "customers" },
	{ "name", FT_TEXT, { "姓名", "Name" }, F_REQUIRED | F_SEARCH | F_SORT | F_LIST, .max_len = 100 },
	{ "title", FT_TEXT, { "职务", "Title" }, F_LIST, .max_len = 100 },
	{ "department", FT_TEXT, { "部门", "Department" }, 0, .max_len = 100 },
	{ "mobile", FT_PHONE, { "手机", "Mobile" }, F_SEARCH | F_LIST },
	{ "phone", FT_PHONE, { "电话", "Phone" }, F_SEARCH },
	{ "email", FT_EMAIL, { "邮箱", "Email" }, F_SEARCH | F_LIST },
	{ "wechat", FT_TEXT, { "微信", "WeChat" }, F_SEARCH, .max_len = 50 },
	{ "birthday", FT_DATE, { "生日", "Birthday" }, 0 },
	{ "is_primary", FT_BOOL, { "主要联系人", "Primary contact" }, F_LIST, .def = "false" },
	{ "notes", FT_LONGTEXT, { "备注", "Notes" }, 0 },
	{ NULL },
};

static const relation_def relations[] = {
	{ "activities", "activities", "contact_id", { "跟进记录", "Follow-ups" } },
	{ NULL },
};

static const char *const list_indexes[] = { "customer_id,updated_at", NULL };

const entity_def contacts_entity = {
	.name = "contacts",
	.label = { "联系人", "Contacts" },
	.module = "sales",
	.flags = E_OWNED,
	.fields = fields,
	.relations = relations,
	.scope_via = "customer_id",
	.title_field = "name",
	.default_sort = "-updated_at",
	.list_indexes = list_indexes,
};
