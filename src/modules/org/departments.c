/*
 * departments.c - 部门: a tree (parent_id) with a manager.  Data scopes of
 * "department" and "department and sub-departments" are read from it, and a
 * department's manager is the superior of members without a manager of their own.
 * Hook: no department may become its own ancestor.
 */
#include "org.h"
#include "../../core/record.h"

#include <stdio.h>

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

/* A department still holding sub-departments or people stays: nothing may point at a deleted one. */
static int before_delete(hook_ctx *h, json_t *old)
{
	(void)old;
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)h->id);
	query_arg args[] = { { "filter[parent_id]", id }, { "limit", "1" } };
	json_t *kids = record_list_system(h->op, &departments_entity, args, 2);
	int64_t n = kids ? json_integer_value(json_object_get(kids, "total")) : 0;
	json_decref(kids);
	if (n)
		return hook_fail(h, 409, "conflict", "the department has sub-departments; move or delete them first");
	db_stmt *s = db_prepare(h->op->db, "SELECT count(*) FROM users WHERE department_id = ? AND disabled = 0");
	if (s) {
		db_bind_int(s, 1, h->id);
		n = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
		db_done(s);
	}
	if (n)
		return hook_fail(h, 409, "conflict", "%lld people belong to the department; move them first", (long long)n);
	return 0;
}

static const entity_hooks hooks = {
	.before_update = before_update,
	.before_delete = before_delete,
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
