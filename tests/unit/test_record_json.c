/* test_record_json.c - the record writer (core/record_json.c record_row_write)
 * writes exactly the bytes of json_out(record_row_json(...)) for every field
 * type, on rows with awkward stored values (NULLs, text that is not UTF-8,
 * control characters, NUL bytes, tag lists in any shape, odd currencies),
 * with and without hidden fields; and util/jsonw.c's UTF-8 check says what
 * Jansson's json_stringn says. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/entity.h"
#include "../../src/core/record_json.h"
#include "../../src/util/buf.h"
#include "../../src/util/jsonw.h"
#include "../../src/util/log.h"
#include "tmpdb.h"

static const enum_option colours[] = { { "red", { "红", "Red" } }, { "blue", { "蓝", "Blue" } }, { NULL } };

static const field_def gadget_fields[] = {
	{ "name", FT_TEXT, { "名称", "Name" }, F_REQUIRED },
	{ "notes", FT_LONGTEXT, { "备注", "Notes" }, 0 },
	{ "count", FT_INT, { "数量", "Count" }, 0 },
	{ "ratio", FT_DECIMAL, { "比例", "Ratio" }, 0, .scale = 3 },
	{ "price", FT_MONEY, { "价格", "Price" }, 0 },
	{ "due_on", FT_DATE, { "日期", "Due" }, 0 },
	{ "seen_at", FT_DATETIME, { "时间", "Seen" }, 0 },
	{ "active", FT_BOOL, { "启用", "Active" }, 0 },
	{ "colour", FT_ENUM, { "颜色", "Colour" }, 0, .options = colours },
	{ "tags", FT_TAGS, { "标签", "Tags" }, 0 },
	{ "parent_id", FT_REF, { "上级", "Parent" }, 0, .ref = "gadgets" },
	{ "cost", FT_MONEY, { "成本", "Cost" }, 0 },
	{ "contact_id", FT_REF, { "联系人", "Contact" }, 0, .ref = "users" },
	{ "email", FT_EMAIL, { "邮箱", "Email" }, 0 },
	{ "phone", FT_PHONE, { "电话", "Phone" }, 0 },
	{ "website", FT_URL, { "网站", "Website" }, 0 },
	{ "share", FT_DECIMAL, { "份额", "Share" }, 0 },
	{ NULL },
};
static const entity_def gadgets = { .name = "gadgets", .label = { "小工具", "Gadgets" }, .module = "test",
				    .flags = E_OWNED, .fields = gadget_fields, .title_field = "name" };

static db *d;
static auth_session sys;

static void setup_db(void)
{
	log_verbose = 0;
	entity_registry_reset();
	entity_register(&gadgets);
	cr_assert_eq(entity_check_all(), 0);
	d = tmpdb_open(true);
	cr_assert_eq(entity_sync_schema(d), 0, "%s", db_errmsg(d));
	cr_assert_eq(db_exec(d, "INSERT INTO users (id, username, name, password_hash, created_at, updated_at) "
				"VALUES (7, 'u7', '张三 \"7\"', 'x', '2026-01-01', '2026-01-01'), "
				"(8, 'u8', CAST(X'C0AF' AS TEXT), 'x', '2026-01-01', '2026-01-01')"),
		     0, "%s", db_errmsg(d));
}

static void teardown_db(void)
{
	tmpdb_close();
	entity_registry_reset();
}

TestSuite(record_json, .init = setup_db, .fini = teardown_db);

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Awkward text: ASCII, escapes, control characters, NUL, UTF-8 of every
 * length, and bytes that are not UTF-8 (overlong, surrogate, past U+10FFFF,
 * lone continuation, cut short). */
static void awkward_text(buf *b, int max)
{
	static const char *const pieces[] = { "a", "Z", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x01",
					      "\x1f", "\x7f", "é", "华夏", "😀", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
					      "\x80", "\xe4\xb8", "\xf5", "\\u00e9", "\\u001F", "\\u001f", "\\/", "[", "]",
					      ",", "{}", "1" };
	int n = (int)(rnd() % (uint64_t)max);
	for (int i = 0; i < n; i++) {
		if (rnd() % 40 == 0) {
			buf_addc(b, '\0');
			continue;
		}
		const char *p = pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
		buf_adds(b, p);
	}
}

/* A stored tag list: mostly what the server writes (json_dumps of strings),
 * sometimes in another shape (spaces, escapes it would not write, other
 * values, not an array, not JSON). */
static void tag_text(buf *b)
{
	switch (rnd() % 8) {
	case 0:
	case 1:
	case 2: {
		json_t *a = json_array();
		int n = (int)(rnd() % 4);
		for (int i = 0; i < n; i++) {
			buf t = BUF_INIT;
			awkward_text(&t, 5);
			json_t *s = json_stringn(t.ptr ? t.ptr : "", t.len);
			json_array_append_new(a, s ? s : json_string("ok"));
			buf_free(&t);
		}
		char *txt = json_dumps(a, JSON_COMPACT);
		buf_adds(b, txt);
		free(txt);
		json_decref(a);
		return;
	}
	case 3: {
		static const char *const shapes[] = { "[\"a\", \"b\"]", "[ ]", "[]  ", " [\"x\"]", "[\"\\u00e9\",\"\\/\"]",
						      "[1,2.5,{\"a\":null},true,null]", "{\"a\":1}", "\"a\"", "not json",
						      "[\"a\",]", "[\"unterminated]", "[\"\\u0000\"]", "[\"\\u001f\"]",
						      "[\"\\u001F\\u0008\"]", "[\"\\b\\f\\n\\r\\t\\\"\\\\\"]", "[\"\\ud83d\\ude00\"]",
						      "", "[", "]", "[\"a\"]x", "[\"\\u00\"]", "[\"\\x\"]", "[\"\\u001G\"]",
						      "[\"a\"\"b\"]", "[[\"a\"]]", "[\"\\u0020\"]", "[1e400]" };
		buf_adds(b, shapes[rnd() % (sizeof(shapes) / sizeof(shapes[0]))]);
		return;
	}
	default:
		buf_addc(b, '[');
		for (int i = 0, n = (int)(rnd() % 3); i < n; i++) {
			if (i)
				buf_addc(b, ',');
			buf_addc(b, '"');
			awkward_text(b, 4);
			buf_addc(b, '"');
		}
		buf_addc(b, ']');
	}
}

/* A literal for SQL: NULL sometimes, else the bytes as CAST(X'..' AS TEXT). */
static void text_literal(buf *sql, const buf *v, bool maybe_null)
{
	if (maybe_null && rnd() % 6 == 0) {
		buf_adds(sql, "NULL");
		return;
	}
	buf_adds(sql, "CAST(X'");
	for (size_t i = 0; i < v->len; i++)
		buf_addf(sql, "%02X", (unsigned char)v->ptr[i]);
	buf_adds(sql, "' AS TEXT)");
}

static void int_literal(buf *sql)
{
	static const long long ints[] = { 0, 1, -1, 1000, -123456789, 9223372036854775807LL, -9223372036854775807LL - 1,
					  1000000000000000LL, 5, 12345 };
	if (rnd() % 5 == 0)
		buf_adds(sql, "NULL");
	else
		buf_addf(sql, "%lld", rnd() % 2 ? ints[rnd() % 10] : (long long)(rnd() % 2000001) - 1000000);
}

static void insert_random_row(int64_t id)
{
	buf sql = BUF_INIT, v = BUF_INIT;
	buf_addf(&sql, "INSERT INTO gadgets (id, version, created_at, updated_at, created_by, updated_by, deleted_at, owner_id, "
		       "name, notes, count, ratio, price, price_currency, due_on, seen_at, active, colour, tags, parent_id, "
		       "cost, cost_currency, contact_id, email, phone, website, share) VALUES (%lld, %d, ", (long long)id,
		 (int)(rnd() % 5) + 1);
	for (int k = 0; k < 2; k++) { /* created_at, updated_at: sometimes not UTF-8 */
		buf_reset(&v);
		if (rnd() % 10 == 0)
			awkward_text(&v, 4);
		else
			buf_adds(&v, "2026-11-29T10:00:00.000Z");
		text_literal(&sql, &v, false);
		buf_adds(&sql, ", ");
	}
	int_literal(&sql);
	buf_adds(&sql, ", ");
	int_literal(&sql);
	buf_adds(&sql, ", ");
	buf_adds(&sql, rnd() % 4 == 0 ? "'2026-11-29T11:00:00.000Z', " : "NULL, ");
	buf_adds(&sql, rnd() % 3 == 0 ? "NULL" : rnd() % 2 ? "7" : "8");
	for (const field_def *f = gadget_fields; f->name; f++) {
		buf_adds(&sql, ", ");
		switch (f->type) {
		case FT_INT: case FT_DECIMAL:
			int_literal(&sql);
			break;
		case FT_BOOL:
			buf_adds(&sql, rnd() % 4 == 0 ? "NULL" : rnd() % 2 ? "1" : rnd() % 2 ? "0" : "7");
			break;
		case FT_REF:
			if (rnd() % 3 == 0)
				buf_adds(&sql, "NULL");
			else if (rnd() % 4 == 0)
				buf_adds(&sql, "999"); /* no such record: no label */
			else if (!strcmp(f->ref, "gadgets"))
				buf_addf(&sql, "%lld", (long long)(rnd() % (uint64_t)id) + 1); /* itself or an earlier gadget */
			else
				buf_adds(&sql, rnd() % 2 ? "7" : "8");
			break;
		case FT_MONEY:
			int_literal(&sql);
			buf_adds(&sql, ", ");
			buf_reset(&v);
			if (rnd() % 3)
				buf_adds(&v, rnd() % 2 ? "CNY" : "USD");
			else
				awkward_text(&v, 3);
			text_literal(&sql, &v, true);
			break;
		case FT_TAGS:
			buf_reset(&v);
			tag_text(&v);
			text_literal(&sql, &v, true);
			break;
		default:
			buf_reset(&v);
			awkward_text(&v, 12);
			text_literal(&sql, &v, f->type != FT_TEXT || rnd() % 2);
		}
	}
	buf_adds(&sql, ")");
	cr_assert_eq(db_exec(d, buf_str(&sql)), 0, "%s: %s", db_errmsg(d), buf_str(&sql));
	buf_free(&sql);
	buf_free(&v);
}

/* The old path's bytes for the row with hidden fields removed (as
 * record_row_json leaves them out), and the writer's. */
static void compare_row(db_stmt *s, const bool *hidden)
{
	ent_op op = { .db = d, .who = &sys };
	json_t *rec = record_row_json(&op, &gadgets, s);
	json_t *labels = json_object_get(rec, "_labels");
	int i = 0;
	for (const field_def *f = gadget_fields; f->name; f++, i++)
		if (hidden[i]) {
			json_object_del(rec, f->name);
			json_object_del(labels, f->name);
		}
	buf want = BUF_INIT, got = BUF_INIT;
	jsonw_value(&want, rec);
	record_row_write(d, &gadgets, s, hidden, &got);
	cr_assert_eq(got.len, want.len, "id %lld:\n got %s\nwant %s", (long long)db_col_int(s, 0), buf_str(&got),
		     buf_str(&want));
	cr_assert(!memcmp(got.ptr, want.ptr, want.len), "id %lld:\n got %s\nwant %s", (long long)db_col_int(s, 0),
		  buf_str(&got), buf_str(&want));
	/* and it is JSON */
	json_error_t err;
	json_t *back = json_loadb(got.ptr, got.len, JSON_ALLOW_NUL, &err);
	cr_assert_not_null(back, "not JSON (%s): %s", err.text, buf_str(&got));
	json_decref(back);
	json_decref(rec);
	buf_free(&want);
	buf_free(&got);
}

static int compare_all(const bool *hidden)
{
	sqlb q = SQLB_INIT;
	record_select(&gadgets, &q);
	sqlb_add(&q, " ORDER BY t.id");
	db_stmt *s = sqlb_prepare(d, &q);
	sqlb_free(&q);
	cr_assert_not_null(s, "%s", db_errmsg(d));
	int n = 0;
	while (db_step(s) == DB_ROW) {
		compare_row(s, hidden);
		n++;
	}
	db_done(s);
	return n;
}

Test(record_json, same_bytes_as_the_jansson_path)
{
	for (int64_t id = 1; id <= 600; id++)
		insert_random_row(id);
	bool none[32] = { false };
	cr_assert_eq(compare_all(none), 600);
	/* hidden fields: a text, a money, the tags and a reference (its label too) */
	bool some[32] = { false };
	int i = 0;
	for (const field_def *f = gadget_fields; f->name; f++, i++)
		some[i] = !strcmp(f->name, "notes") || !strcmp(f->name, "price") || !strcmp(f->name, "tags") ||
			  !strcmp(f->name, "parent_id");
	cr_assert_eq(compare_all(some), 600);
	bool all[32];
	memset(all, 1, sizeof(all));
	cr_assert_eq(compare_all(all), 600);
}

Test(record_json, a_plain_row)
{
	cr_assert_eq(db_exec(d, "INSERT INTO gadgets (id, version, created_at, updated_at, created_by, owner_id, name, "
				"ratio, price, price_currency, active, tags, parent_id, contact_id, share) VALUES "
				"(1, 2, '2026-11-29T10:00:00.000Z', '2026-11-29T10:00:01.000Z', 7, 7, '华夏 \"A\"', "
				"1500, 12345, 'CNY', 1, '[\"重点\",\"x\\\\y\"]', 1, 7, -5)"),
		     0, "%s", db_errmsg(d));
	sqlb q = SQLB_INIT;
	record_select(&gadgets, &q);
	db_stmt *s = sqlb_prepare(d, &q);
	sqlb_free(&q);
	cr_assert_eq(db_step(s), DB_ROW);
	bool hidden[32] = { false };
	buf b = BUF_INIT;
	record_row_write(d, &gadgets, s, hidden, &b);
	db_done(s);
	cr_assert_str_eq(buf_str(&b),
			 "{\"id\":1,\"version\":2,\"created_at\":\"2026-11-29T10:00:00.000Z\",\"updated_at\":"
			 "\"2026-11-29T10:00:01.000Z\",\"created_by\":7,\"updated_by\":null,\"owner_id\":7,"
			 "\"name\":\"华夏 \\\"A\\\"\",\"notes\":null,\"count\":null,\"ratio\":1.5,"
			 "\"price\":{\"amount\":12345,\"currency\":\"CNY\"},\"due_on\":null,\"seen_at\":null,"
			 "\"active\":true,\"colour\":null,\"tags\":[\"重点\",\"x\\\\y\"],\"parent_id\":1,\"cost\":null,"
			 "\"contact_id\":7,\"email\":null,\"phone\":null,\"website\":null,\"share\":-0.05,"
			 "\"_labels\":{\"parent_id\":\"华夏 \\\"A\\\"\",\"contact_id\":\"张三 \\\"7\\\"\","
			 "\"owner_id\":\"张三 \\\"7\\\"\"}}");
	buf_free(&b);
}

static int decorate_nothing(hook_ctx *h, json_t *rec)
{
	(void)h;
	(void)rec;
	return 0;
}

Test(record_json, direct_only_without_decoration_or_children)
{
	cr_assert(record_json_direct(&gadgets));
	static const child_def kids[] = { { "parts", "gadgets", "parent_id", { "零件", "Parts" } }, { NULL } };
	entity_def with_children = gadgets;
	with_children.children = kids;
	cr_assert(!record_json_direct(&with_children));
	static const entity_hooks decorating = { .decorate = decorate_nothing };
	entity_def decorated = gadgets;
	decorated.hooks = &decorating;
	cr_assert(!record_json_direct(&decorated));
}

Test(jsonw, utf8_check_is_janssons)
{
	for (int k = 0; k < 200000; k++) {
		unsigned char s[6];
		size_t n = rnd() % 6;
		for (size_t i = 0; i < n; i++) {
			uint64_t r = rnd();
			/* mostly lead and continuation bytes, where the rules are; some
			 * characters to escape */
			s[i] = (unsigned char)(r % 3 ? 0x80 + (r >> 8) % 0x80 : r % 7 == 0 ? (uint64_t)(unsigned char)"\"\\\n\x01\x1f/a"[(r >> 8) % 7]
											: (r >> 8) % 0x100);
		}
		json_t *j = json_stringn((const char *)s, n);
		cr_assert_eq(jsonw_utf8_ok((const char *)s, n), j != NULL, "bytes %02x %02x %02x %02x %02x (n %zu)", s[0],
			     s[1], s[2], s[3], s[4], n);
		/* the one-pass writer: Jansson's text when it takes the bytes, else nothing */
		buf got = BUF_INIT, want = BUF_INIT;
		buf_adds(&got, "x");
		buf_adds(&want, "x");
		bool ok = jsonw_string_utf8(&got, (const char *)s, n);
		cr_assert_eq(ok, j != NULL);
		if (j)
			jsonw_value(&want, j);
		cr_assert_eq(got.len, want.len);
		cr_assert(!memcmp(got.ptr, want.ptr, want.len + 1));
		buf_free(&got);
		buf_free(&want);
		json_decref(j);
	}
}

/* The one-pass writer on longer text (its 8-byte steps, 3-byte characters,
 * sequences across its 256-byte chunks, escapes, a bad byte now and then):
 * Jansson's text when Jansson takes the bytes, else nothing. */
Test(jsonw, string_utf8_long_text_is_janssons)
{
	static const char *const pieces[] = { "华", "夏", "机械有限公司", "a", "Hooli Co., Ltd. ", "0571-8888 1234",
					      "é", "ß", "😀", "\"", "\\", "\n", "\t", "\x01", "\x1f", "/", "\x7f",
					      "https://www.example.com.cn/x?y=1&z=2", "\xed\xa0\x80", "\xc0\xaf",
					      "\xe0\x80\x80", "\xf4\x90\x80\x80", "\x80", "\xe5\x8d", "\0" };
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	for (int k = 0; k < 20000; k++) {
		buf s = BUF_INIT;
		size_t target = rnd() % 1200;
		bool clean = rnd() % 4 != 0; /* mostly text Jansson takes */
		while (s.len < target) {
			size_t p = rnd() % npieces;
			if (clean && p >= 18)
				p = rnd() % 18;
			if (p == npieces - 1)
				buf_add(&s, "", 1); /* a NUL byte */
			else
				buf_adds(&s, pieces[p]);
		}
		json_t *j = json_stringn(s.ptr ? s.ptr : "", s.len);
		buf got = BUF_INIT, want = BUF_INIT;
		buf_adds(&got, "x");
		buf_adds(&want, "x");
		bool ok = jsonw_string_utf8(&got, s.ptr ? s.ptr : "", s.len);
		cr_assert_eq(ok, j != NULL, "length %zu", s.len);
		if (j) {
			char *dump = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
			buf_adds(&want, dump);
			free(dump);
		}
		cr_assert_eq(got.len, want.len, "length %zu", s.len);
		cr_assert(!memcmp(got.ptr, want.ptr, want.len + 1), "length %zu", s.len);
		buf_free(&s);
		buf_free(&got);
		buf_free(&want);
		json_decref(j);
	}
}
