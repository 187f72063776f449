/* test_json_api.c - the reply helpers of api.c: the error shape of API.md, JSON bodies (malformed, not objects, duplicate keys), ids in paths. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <jansson.h>
#include <string.h>

#include "../../src/api/api.h"
#include "../../src/util/log.h"

static arena a;
static api_ctx c;

static void setup(void)
{
	log_verbose = 0;
	memset(&c, 0, sizeof(c));
	c.a = &a;
}

static void teardown(void)
{
	buf_free(&c.out);
	arena_free(&a);
}

TestSuite(json_api, .init = setup, .fini = teardown);

/* The reply parsed back; fails the test unless it is a JSON object. */
static json_t *reply(void)
{
	json_error_t err;
	json_t *j = json_loadb(c.out.ptr, c.out.len, 0, &err);
	cr_assert_not_null(j, "reply is not JSON: %s (%s)", buf_str(&c.out), err.text);
	cr_assert(json_is_object(j), "reply is not an object: %s", buf_str(&c.out));
	return j;
}

/* Checks the API.md error shape and returns the message (valid until json_decref). */
static void expect_error(int status, const char *code)
{
	cr_assert_eq(c.status, status, "status %d, want %d (%s)", c.status, status, buf_str(&c.out));
	cr_assert_str_eq(c.content_type, "application/json; charset=utf-8");
	json_t *j = reply();
	json_t *e = json_object_get(j, "error");
	cr_assert(json_is_object(e), "no error object: %s", buf_str(&c.out));
	cr_assert_str_eq(json_string_value(json_object_get(e, "code")), code);
	const char *msg = json_string_value(json_object_get(e, "message"));
	cr_assert_not_null(msg, "no message: %s", buf_str(&c.out));
	cr_assert(strlen(msg) > 0);
	cr_assert_eq(json_object_size(j), 1, "only \"error\" at the top: %s", buf_str(&c.out));
	json_decref(j);
}

static void set_body(const char *s)
{
	c.body = s;
	c.body_len = s ? strlen(s) : 0;
	c.status = 0;
	buf_reset(&c.out);
}

Test(json_api, error_has_the_contract_shape)
{
	int r = api_error(&c, 422, "validation_failed", "name is %s", "required");
	cr_assert_eq(r, 422);
	expect_error(422, "validation_failed");
	json_t *j = reply();
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "message")), "name is required");
	json_decref(j);
}

Test(json_api, error_messages_are_escaped_and_bounded)
{
	api_error(&c, 400, "bad_request", "quote \" backslash \\ newline \n tab \t 华夏");
	expect_error(400, "bad_request");
	json_t *j = reply();
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
			 "quote \" backslash \\ newline \n tab \t 华夏");
	json_decref(j);

	char long_msg[2000];
	memset(long_msg, 'm', sizeof(long_msg) - 1);
	long_msg[sizeof(long_msg) - 1] = '\0';
	api_error(&c, 500, "internal", "%s", long_msg);
	expect_error(500, "internal");
}

Test(json_api, error_with_invalid_utf8_in_the_message_is_still_json)
{
	/* a message built from user input (a path, a bad field) may hold any bytes */
	api_error(&c, 404, "not_found", "no route GET %s", "/api/\xff\xfe");
	cr_assert_eq(c.status, 404);
	cr_assert(c.out.len > 0, "the reply body is empty");
	expect_error(404, "not_found");
}

Test(json_api, a_second_reply_replaces_the_first)
{
	api_error(&c, 400, "bad_request", "first");
	api_error(&c, 409, "conflict", "second");
	expect_error(409, "conflict");
}

Test(json_api, reply_json_and_empty)
{
	int r = api_reply_json(&c, 201, json_pack("{s:I,s:s,s:b}", "id", (json_int_t)7, "name", "华夏", "ok", 1));
	cr_assert_eq(r, 201);
	cr_assert_eq(c.status, 201);
	cr_assert_str_eq(c.out.ptr, "{\"id\":7,\"name\":\"华夏\",\"ok\":true}");
	api_reply_json(&c, 200, json_real(0.1));
	cr_assert_str_eq(c.out.ptr, "0.1");
	r = api_reply_empty(&c, 204);
	cr_assert_eq(r, 204);
	cr_assert_eq(c.status, 204);
	cr_assert_eq(c.out.len, 0);
	cr_assert_null(c.content_type);
}

Test(json_api, body_object_accepts_an_object)
{
	set_body("{\"username\":\"admin\",\"n\":1}");
	json_t *j = api_body_object(&c);
	cr_assert_not_null(j);
	cr_assert_eq(c.status, 0, "no reply on success");
	cr_assert_str_eq(json_string_value(json_object_get(j, "username")), "admin");
	json_decref(j);
	set_body("  {}  ");
	j = api_body_object(&c);
	cr_assert_not_null(j);
	json_decref(j);
}

Test(json_api, body_object_rejects_malformed_json)
{
	const char *bad[] = { "{", "{\"a\":}", "{'a':1}", "{\"a\":1,}", "not json", "{\"a\":1} trailing",
			      "{\"a\":1}{\"b\":2}", "{\"a\":NaN}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\xff\"}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_body(bad[i]);
		json_t *j = api_body_object(&c);
		cr_assert_null(j, "accepted %s", bad[i]);
		expect_error(400, "bad_request");
	}
}

Test(json_api, body_object_rejects_an_empty_body)
{
	set_body(NULL);
	cr_assert_null(api_body_object(&c));
	expect_error(400, "bad_request");
	set_body("");
	cr_assert_null(api_body_object(&c));
	expect_error(400, "bad_request");
}

Test(json_api, body_object_rejects_non_objects)
{
	const char *bad[] = { "[]", "[{\"a\":1}]", "\"text\"", "42", "true", "null" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_body(bad[i]);
		json_t *j = api_body_object(&c);
		cr_assert_null(j, "accepted %s", bad[i]);
		expect_error(400, "bad_request");
	}
}

Test(json_api, body_object_rejects_duplicate_keys)
{
	set_body("{\"owner_id\":1,\"owner_id\":2}");
	cr_assert_null(api_body_object(&c));
	expect_error(400, "bad_request");
}

Test(json_api, body_object_with_an_embedded_nul)
{
	static const char body[] = "{\"a\":1}\0{\"b\":2}";
	c.body = body;
	c.body_len = sizeof(body) - 1;
	json_t *j = api_body_object(&c);
	cr_assert_null(j, "a NUL byte inside the body must not cut it short");
	expect_error(400, "bad_request");
}

static void with_param(const char *value)
{
	c.param_names[0] = "id";
	c.params[0] = value;
	c.nparams = 1;
	c.status = 0;
	buf_reset(&c.out);
}

Test(json_api, param_id_accepts_positive_integers)
{
	with_param("1");
	cr_assert_eq(api_param_id(&c, "id"), 1);
	cr_assert_eq(c.status, 0);
	with_param("42");
	cr_assert_eq(api_param_id(&c, "id"), 42);
	with_param("9223372036854775807");
	cr_assert_eq(api_param_id(&c, "id"), INT64_MAX);
}

Test(json_api, param_id_rejects_everything_else)
{
	const char *bad[] = { "0", "-1", "abc", "1e3", "99999999999999999999", "9223372036854775808", "", "+1", "01",
			      " 1", "1 ", "1.0", "0x10", "1abc", "١" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		with_param(bad[i]);
		cr_assert_eq(api_param_id(&c, "id"), 0, "accepted \"%s\"", bad[i]);
		expect_error(404, "not_found");
	}
}

Test(json_api, param_id_of_a_missing_parameter)
{
	with_param("5");
	cr_assert_eq(api_param_id(&c, "other"), 0);
	expect_error(404, "not_found");
}

Test(json_api, params_and_query_lookup)
{
	with_param("5");
	cr_assert_str_eq(api_param(&c, "id"), "5");
	cr_assert_null(api_param(&c, "ID"));
	api_kv q[2] = { { .key = "q", .value = "华夏" }, { .key = "flag", .value = NULL } };
	c.query = q;
	c.nquery = 2;
	cr_assert_str_eq(api_query(&c, "q"), "华夏");
	cr_assert_str_eq(api_query(&c, "flag"), "", "a key without a value reads as empty");
	cr_assert_null(api_query(&c, "limit"));
}

Test(json_api, method_names)
{
	cr_assert_str_eq(api_method_name(API_GET), "GET");
	cr_assert_str_eq(api_method_name(API_POST), "POST");
	cr_assert_str_eq(api_method_name(API_PUT), "PUT");
	cr_assert_str_eq(api_method_name(API_PATCH), "PATCH");
	cr_assert_str_eq(api_method_name(API_DELETE), "DELETE");
	cr_assert_str_eq(api_method_name(0), "?");
}

static void setup_quiet(void)
{
	setup();
	cr_redirect_stderr(); /* api_db_error logs the failure: keep it out of the test output */
}

Test(json_api, database_errors, .init = setup_quiet)
{
	api_db_error(&c, DB_ERR_BUSY);
	cr_assert_eq(c.status, 503);
	json_t *j = reply();
	cr_assert(json_is_object(json_object_get(j, "error")));
	json_decref(j);
	api_db_error(&c, DB_ERR);
	expect_error(500, "internal");
}
