/*
 * departments.c - 部门: a tree (parent_id) with a manager.  Data scopes of
 * "department" and "department and sub-departments" are read from it, and a
 * department's manager is the superior of members without a manager of their own.
 * Hook: no department may become its own ancestor.
 */
#include "org.h"
#include "../../core/record.h"

static const field_def fields[] = {
	{ "name", FT_TEXT, { "部门名称", "Name" }, F_REQUIRED | F_SEARCH | F_SORT | F_LIST, .max_len = 100 },
	{ "parent_id", FT_REF, { "上级部门", "Parent" }, F_LIST, .ref = "departments" },
	{ "manager_id", FT_REF, { "部门负责人", "Manager" }, F_LIST, .ref = "users" },
	{ "sort_order", FT_INT, { "排序", "Order" }, F_SORT, .def = "0" },
	{ NULL },
};

static const relation_def relations[] = {
	{ "children", "departments", "parent_id", { "下级部门", "Sub-departments" } },
	{ NULL },
};

/* Walks up from the new parent: meeting the department itself would make a cycle. */
static int before_update(hook_ctx *h, json_t *old, json_t *patch)
{
	(void)old;
	json_t *parent = json_object_get(patch, "parent_id");
	int64_t p = json_integer_value(parent);
	for (int depth = 0; p && depth < 64; depth++) {
		if (p == h->id)
			return hook_field_error(h, "parent_id", "cycle");
		json_t *d = record_load(h->op, &departments_entity, p, false);
		if (!d) {
			ent_error_clear(&h->op->err);
			return 0; /* the validator reports a missing parent */
		}
		p = json_integer_value(json_object_get(d, "parent_id"));
		json_decref(d);
	}
	return 0;
}

static const entity_hooks hooks = {
	.before_update = before_update,
};

const entity_def departments_entity = {
	.name = "departments",
	.label = { "部门", "Departments" },
	.module = "org",
	.fields = fields,
	.relations = relations,
	.title_field = "name",
	.default_sort = "sort_order,name",
	.hooks = &hooks,
};

void org_register(void)
{
	entity_register(&departments_entity);
}
