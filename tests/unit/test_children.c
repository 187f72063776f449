/* test_children.c - child collections of the entity engine (core/children.c):
 * declaration checks, and on a fresh SQLite database: create with items, GET
 * embedding them in order, PATCH replacing the set (kept ids stay, missing
 * rows go), one history change per collection, per-item error paths, and a
 * failed write changing nothing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../src/core/audit.h"
#include "../../src/core/entity.h"
#include "../../src/core/record.h"
#include "../../src/util/log.h"
#include "tmpdb.h"

static const field_def item_fields[] = {
	{ "box_id", FT_REF, { "箱", "Box" }, F_INDEX, .ref = "boxes" },
	{ "position", FT_INT, { "序号", "No." }, F_SORT | F_READONLY },
	{ "label", FT_TEXT, { "标签", "Label" }, F_REQUIRED, .max_len = 10 },
	{ "qty", FT_DECIMAL, { "数量", "Qty" }, 0, .scale = 3 },
	{ NULL },
};
static const entity_def items = { .name = "box_items", .label = { "物品", "Items" }, .module = "test",
				  .flags = E_CHILD, .fields = item_fields, .default_sort = "position" };

static const field_def box_fields[] = {
	{ "name", FT_TEXT, { "名称", "Name" }, F_REQUIRED },
	{ NULL },
};
static const child_def box_children[] = { { "items", "box_items", "box_id", { "物品", "Items" }, .max = 3 }, { NULL } };
static const entity_def boxes = { .name = "boxes", .label = { "箱", "Boxes" }, .module = "test", .fields = box_fields,
				  .title_field = "name", .children = box_children };

static db *d;
static auth_session sys; /* no acl: the system itself */

static void setup(void)
{
	log_verbose = 0;
	entity_registry_reset();
	entity_register(&items);
	entity_register(&boxes);
}

static void setup_db(void)
{
	setup();
	cr_assert_eq(entity_check_all(), 0);
	d = tmpdb_open(true);
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
}

static void teardown_db(void)
{
	tmpdb_close();
	entity_registry_reset();
}

TestSuite(children_decl, .init = setup, .fini = entity_registry_reset);

Test(children_decl, a_good_declaration_passes)
{
	cr_assert_eq(entity_check_all(), 0);
}

Test(children_decl, bad_children_are_reported)
{
	static const field_def f[] = { { "name", FT_TEXT, { "名称", "Name" }, 0 }, { NULL } };
	static const child_def kids[] = {
		{ "things", "boxes", "box_id", { "物", "Things" } },        /* not a child entity */
		{ "ghosts", "nowhere", "x", { "鬼", "Ghosts" } },            /* unknown */
		{ "name", "box_items", "box_id", { NULL, "Name" } },        /* no zh label, named like a field, ref not back here */
		{ NULL },
	};
	static const entity_def bad = { .name = "crates", .label = { "板条箱", "Crates" }, .module = "test",
					.fields = f, .children = kids };
	entity_register(&bad);
	cr_assert_eq(entity_check_all(), 5);
}

TestSuite(children, .init = setup_db, .fini = teardown_db);

static json_t *J(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	cr_assert_not_null(j, "bad test JSON: %s", err.text);
	return j;
}

static ent_op op_new(void)
{
	ent_op op;
	memset(&op, 0, sizeof(op));
	op.db = d;
	op.who = &sys;
	return op;
}

static const char *labels(json_t *rec)
{
	static char out[128];
	size_t n = 0, i;
	json_t *it;
	out[0] = '\0';
	json_array_foreach(json_object_get(rec, "items"), i, it)
		if (n < sizeof(out))
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s,", json_string_value(json_object_get(it, "label")));
	return out;
}

Test(children, create_get_replace_and_history)
{
	ent_op op = op_new();
	json_t *body = J("{\"name\":\"a\",\"items\":[{\"label\":\"x\",\"qty\":\"1.5\"},{\"label\":\"y\"}]}");
	json_t *rec = record_create(&op, &boxes, body);
	cr_assert_not_null(rec, "%s", op.err.message);
	cr_assert_str_eq(labels(rec), "x,y,");
	json_t *first = json_array_get(json_object_get(rec, "items"), 0);
	cr_assert_eq(json_integer_value(json_object_get(first, "position")), 1);
	cr_assert_null(json_object_get(first, "box_id"), "the back reference is not repeated");
	cr_assert_null(json_object_get(first, "version"));
	int64_t id = json_integer_value(json_object_get(rec, "id"));
	json_int_t keep = json_integer_value(json_object_get(first, "id"));

	/* replace: keep x (by id, now second), drop y, add z first */
	char patch[256];
	snprintf(patch, sizeof(patch), "{\"version\":1,\"items\":[{\"label\":\"z\"},{\"id\":%lld,\"label\":\"x2\",\"position\":9}]}",
		 (long long)keep);
	json_t *p = J(patch);
	json_t *up = record_update(&op, &boxes, id, p);
	cr_assert_not_null(up, "%s", op.err.message);
	cr_assert_str_eq(labels(up), "z,x2,");
	json_t *second = json_array_get(json_object_get(up, "items"), 1);
	cr_assert_eq(json_integer_value(json_object_get(second, "id")), keep, "a kept item keeps its row");
	cr_assert_eq(json_integer_value(json_object_get(second, "position")), 2, "position follows the array, not the client");
	cr_assert_eq(json_integer_value(json_object_get(up, "version")), 2);

	json_t *hist = audit_list(&op, &boxes, id, 10, 0);
	json_t *ch = json_object_get(json_array_get(hist, 0), "changes");
	cr_assert_eq(json_array_size(ch), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(ch, 0), "field")), "items");
	cr_assert_eq(json_array_size(json_object_get(json_array_get(ch, 0), "old")), 2);

	/* the same items again: nothing changes, no new version */
	json_t *same = json_deep_copy(up);
	json_object_set_new(same, "version", json_integer(2));
	json_t *again = record_update(&op, &boxes, id, same);
	cr_assert_not_null(again);
	cr_assert_eq(json_integer_value(json_object_get(again, "version")), 2);

	json_decref(body); json_decref(rec); json_decref(p); json_decref(up); json_decref(hist);
	json_decref(same); json_decref(again);
}

static void expect_refused(int64_t id, const char *patch, const char *field, const char *code)
{
	ent_op op = op_new();
	json_t *p = J(patch);
	json_t *out = id ? record_update(&op, &boxes, id, p) : record_create(&op, &boxes, p);
	cr_assert_null(out, "%s should be refused", patch);
	cr_assert_eq(op.err.status, 422, "%s: %d %s", patch, op.err.status, op.err.message);
	const char *got = json_string_value(json_object_get(op.err.fields, field));
	cr_assert(got && !strcmp(got, code), "%s: %s expected %s, got %s", patch, field, code, got ? got : "nothing");
	ent_error_clear(&op.err);
	json_decref(p);
}

Test(children, bad_items_name_the_item_and_change_nothing)
{
	ent_op op = op_new();
	json_t *body = J("{\"name\":\"b\",\"items\":[{\"label\":\"x\"}]}");
	json_t *rec = record_create(&op, &boxes, body);
	cr_assert_not_null(rec);
	int64_t id = json_integer_value(json_object_get(rec, "id"));
	expect_refused(0, "{\"name\":\"c\",\"items\":{}}", "items", "invalid_type");
	expect_refused(0, "{\"name\":\"c\",\"items\":[1]}", "items.0", "invalid_type");
	expect_refused(0, "{\"name\":\"c\",\"items\":[{\"label\":\"x\"},{}]}", "items.1.label", "required");
	expect_refused(0, "{\"name\":\"c\",\"items\":[{\"label\":\"x\",\"colour\":1}]}", "items.0.colour", "unknown_field");
	expect_refused(0, "{\"name\":\"c\",\"items\":[{\"label\":\"x\",\"box_id\":1}]}", "items.0.box_id", "read_only");
	expect_refused(0, "{\"name\":\"c\",\"items\":[{\"label\":\"x\",\"qty\":\"1.0001\"}]}", "items.0.qty", "too_many_decimals");
	expect_refused(0, "{\"name\":\"c\",\"items\":[{\"label\":\"1\"},{\"label\":\"2\"},{\"label\":\"3\"},{\"label\":\"4\"}]}",
		       "items", "too_many");
	expect_refused(id, "{\"version\":1,\"items\":[{\"id\":999999,\"label\":\"x\"}]}", "items.0.id", "not_found");
	expect_refused(id, "{\"version\":1,\"items\":[{\"label\":\"ok\"},{\"label\":\"this is too long\"}]}", "items.1.label",
		       "too_long");
	json_t *now = record_load(&op, &boxes, id, false);
	cr_assert_str_eq(labels(now), "x,", "nothing changed");
	cr_assert_eq(json_integer_value(json_object_get(now, "version")), 1);
	json_t *list = record_list_system(&op, &boxes, NULL, 0);
	cr_assert_eq(json_integer_value(json_object_get(list, "total")), 1, "no box was created");
	json_decref(body); json_decref(rec); json_decref(now); json_decref(list);
}
