/* test_entity.c - the entity engine: declaration checks, the value validator and the query builder. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../src/core/entity.h"
#include "../../src/core/query.h"
#include "../../src/core/value.h"
#include "../../src/util/log.h"

static const enum_option colors[] = { { "red", { "红", "Red" } }, { "blue", { "蓝", "Blue" } }, { NULL } };

static const field_def good_fields[] = {
	{ "name", FT_TEXT, { "名称", "Name" }, F_REQUIRED | F_SEARCH | F_SORT, .max_len = 10 },
	{ "color", FT_ENUM, { "颜色", "Color" }, F_SORT, .options = colors },
	{ "qty", FT_DECIMAL, { "数量", "Quantity" }, 0, .scale = 3 },
	{ "price", FT_MONEY, { "价格", "Price" }, F_SORT },
	{ "tags", FT_TAGS, { "标签", "Tags" }, 0 },
	{ "email", FT_EMAIL, { "邮箱", "Email" }, 0 },
	{ "phone", FT_PHONE, { "电话", "Phone" }, 0 },
	{ "site", FT_URL, { "网站", "Site" }, 0 },
	{ "day", FT_DATE, { "日期", "Day" }, 0 },
	{ "at", FT_DATETIME, { "时间", "At" }, 0 },
	{ "flag", FT_BOOL, { "标记", "Flag" }, 0 },
	{ "count", FT_INT, { "计数", "Count" }, 0 },
	{ NULL },
};

static const entity_def good = { .name = "widgets", .label = { "部件", "Widgets" }, .module = "test",
				 .fields = good_fields, .title_field = "name" };

static void setup(void)
{
	log_verbose = 0;
	entity_registry_reset();
}

TestSuite(entity, .init = setup);

Test(entity, a_good_declaration_passes)
{
	entity_register(&good);
	cr_assert_eq(entity_check_all(), 0);
	cr_assert_eq(entity_find("widgets"), &good);
	cr_assert_not_null(entity_field(&good, "qty"));
	cr_assert_null(entity_field(&good, "nope"));
}

Test(entity, bad_declarations_are_each_reported)
{
	static const field_def bad_fields[] = {
		{ "Name", FT_TEXT, { "名称", "Name" }, 0 },               /* not snake_case */
		{ "id", FT_INT, { "编号", "Id" }, 0 },                    /* reserved */
		{ "nolabel", FT_TEXT, { NULL, "No label" }, 0 },          /* missing zh-CN */
		{ "kind", FT_ENUM, { "类型", "Kind" }, 0 },               /* enum without options */
		{ "owner", FT_REF, { "负责人", "Owner" }, 0, .ref = "ghosts" }, /* unknown target */
		{ "amount", FT_INT, { "金额", "Amount" }, F_SEARCH },     /* search on a number */
		{ "kind2", FT_TEXT, { "类型", "Kind" }, 0, .def = "{not json" },
		{ "kind2", FT_TEXT, { "类型", "Kind" }, 0 },              /* twice */
		{ NULL },
	};
	static const entity_def bad = { .name = "bads", .label = { "坏", "Bad" }, .module = "test",
					.fields = bad_fields, .title_field = "missing" };
	entity_register(&bad);
	cr_assert_eq(entity_check_all(), 9);
}

static const char *parse(const char *field, const char *json, sql_param out[2], int *n)
{
	json_error_t err;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &err);
	cr_assert_not_null(v, "bad test JSON %s", json);
	const char *r = value_parse(NULL, entity_field(&good, field), v, out, n);
	json_decref(v);
	return r;
}

static void expect(const char *field, const char *json, const char *code)
{
	sql_param p[2] = { 0 };
	int n = 0;
	const char *r = parse(field, json, p, &n);
	if (code)
		cr_assert(r && !strcmp(r, code), "%s=%s: expected %s, got %s", field, json, code, r ? r : "ok");
	else
		cr_assert_null(r, "%s=%s: expected ok, got %s", field, json, r);
	value_free(p, r ? 0 : n);
}

Test(entity, validator_accepts_and_rejects_by_type)
{
	expect("name", "\"  ok  \"", NULL);
	expect("name", "\"   \"", "required");
	expect("name", "null", "required");
	expect("name", "\"一二三四五六七八九十\"", NULL);      /* 10 characters, not bytes */
	expect("name", "\"一二三四五六七八九十一\"", "too_long");
	expect("name", "42", "invalid_type");
	expect("color", "\"red\"", NULL);
	expect("color", "\"green\"", "invalid_option");
	expect("qty", "1.125", NULL);
	expect("qty", "\"1.125\"", NULL);
	expect("qty", "1.1255", "too_many_decimals");
	expect("qty", "\"1e3\"", "invalid_number");
	expect("price", "{\"amount\":100,\"currency\":\"CNY\"}", NULL);
	expect("price", "{\"amount\":1.5,\"currency\":\"CNY\"}", "invalid_amount");
	expect("price", "{\"amount\":100,\"currency\":\"cny\"}", "invalid_currency");
	expect("price", "100", NULL);
	expect("tags", "[\"a\",\"b\",\"a\"]", NULL);
	expect("tags", "[1]", "invalid_type");
	expect("tags", "\"a\"", "invalid_type");
	expect("email", "\"a@b.cn\"", NULL);
	expect("email", "\"a@b\"", "invalid_email");
	expect("email", "\"a b@c.cn\"", "invalid_email");
	expect("phone", "\"010-6234 5678\"", NULL);
	expect("phone", "\"call me\"", "invalid_phone");
	expect("site", "\"https://example.com\"", NULL);
	expect("site", "\"www.example.com\"", NULL);
	expect("site", "\"javascript:alert(1)\"", "invalid_url");
	expect("day", "\"2024-02-29\"", NULL);
	expect("day", "\"2026-02-29\"", "invalid_date");
	expect("at", "\"2026-11-29T05:03:38Z\"", NULL);
	expect("at", "\"yesterday\"", "invalid_datetime");
	expect("flag", "true", NULL);
	expect("flag", "\"true\"", "invalid_type");
	expect("count", "7", NULL);
	expect("count", "7.5", "invalid_type");
}

Test(entity, validator_normalises_values)
{
	sql_param p[2] = { 0 };
	int n;
	cr_assert_null(parse("qty", "2.5", p, &n));
	cr_assert_eq(p[0].i, 2500);
	cr_assert_null(parse("at", "\"2026-11-29T05:03:38+00:00\"", p, &n));
	cr_assert_str_eq(p[0].s, "2026-11-29T05:03:38.000Z");
	value_free(p, n);
	cr_assert_null(parse("price", "{\"amount\":123456,\"currency\":\"USD\"}", p, &n));
	cr_assert_eq(n, 2);
	cr_assert_eq(p[0].i, 123456);
	cr_assert_str_eq(p[1].s, "USD");
	value_free(p, n);
	cr_assert_null(parse("name", "\"  trimmed \"", p, &n));
	cr_assert_str_eq(p[0].s, "trimmed");
	value_free(p, n);
}

static int build(const query_arg *args, int n, list_query *q, ent_op *op)
{
	entity_register(&good);
	memset(op, 0, sizeof(*op));
	return list_query_parse(op, &good, args, n, q);
}

Test(entity, query_builder_binds_every_value)
{
	query_arg args[] = { { "filter[name][like]", "x' OR 1=1 --" }, { "filter[color]", "red" },
			     { "filter[price][gte]", "100" }, { "sort", "-price,name" }, { "limit", "20" },
			     { "offset", "40" } };
	list_query q;
	ent_op op;
	cr_assert_eq(build(args, 6, &q, &op), 0, "%s", op.err.message);
	const char *sql = buf_str(&q.where.sql);
	cr_assert_null(strstr(sql, "OR 1=1"), "user text reached SQL: %s", sql);
	cr_assert_not_null(strstr(sql, "t.name LIKE ?"));
	cr_assert_not_null(strstr(sql, "t.color = ?"));
	cr_assert_not_null(strstr(sql, "t.price >= ?"));
	cr_assert_eq(q.where.n, 3);
	cr_assert_str_eq(q.where.p[0].s, "%x' OR 1=1 --%");
	cr_assert_str_eq(buf_str(&q.order), "t.price DESC, t.name ASC, t.id DESC");
	cr_assert_eq(q.limit, 20);
	cr_assert_eq(q.offset, 40);
	list_query_free(&q);
}

static void refused(const char *key, const char *value)
{
	query_arg args[] = { { key, value } };
	list_query q;
	ent_op op;
	cr_assert_eq(build(args, 1, &q, &op), -1, "%s=%s was accepted", key, value);
	cr_assert_eq(op.err.status, 400);
	list_query_free(&q);
}

Test(entity, query_builder_refuses_what_is_not_declared)
{
	refused("filter[secret]", "1");
	refused("filter[name][regex]", "x");
	refused("filter[name", "x");
	refused("filter[]", "x");
	refused("sort", "name;DROP TABLE widgets");
	refused("sort", "tags");
	refused("sort", "email");          /* not sortable */
	refused("limit", "-1");
	refused("limit", "abc");
	refused("offset", "1e3");
	refused("filter[count][gt]", "ten");
	refused("filter[day]", "2026-13-01");
	refused("filter[flag]", "maybe");
	refused("filter[name][null]", "yes");
	refused("bogus", "1");
}

Test(entity, limit_is_capped_and_search_uses_the_index)
{
	query_arg args[] = { { "limit", "100000" }, { "q", "华夏 机械" }, { "_", "123" } };
	list_query q;
	ent_op op;
	cr_assert_eq(build(args, 3, &q, &op), 0);
	cr_assert_eq(q.limit, QUERY_MAX_LIMIT);
	cr_assert_not_null(strstr(buf_str(&q.where.sql), "widgets_fts MATCH ?"));
	cr_assert_str_eq(q.where.p[0].s, "\"华夏\" \"机械\"");
	list_query_free(&q);

	query_arg one[] = { { "q", "华" } };
	cr_assert_eq(build(one, 1, &q, &op), 0);
	cr_assert_not_null(strstr(buf_str(&q.where.sql), "t.name LIKE ?"), "one character scans");
	list_query_free(&q);

	query_arg quote[] = { { "q", "Smith \"(Hooli" } };
	cr_assert_eq(build(quote, 1, &q, &op), 0);
	cr_assert_str_eq(q.where.p[0].s, "\"Smith\" \"\"\"(Hooli\"");
	list_query_free(&q);
}
