/* test_mail.c - the mail queue and action links without a network: addresses,
 * the backoff, the message text (headers that cannot be forged, base64 body),
 * links that expire, are single-use, and act as their user. */
#include <criterion/criterion.h>
#include <string.h>

#include "tmpdb.h"
#include "../../src/core/action_link.h"
#include "../../src/core/auth.h"
#include "../../src/core/mail.h"
#include "../../src/jobs/mail_job.h"
#include "../../src/util/arena.h"
#include "../../src/util/clock.h"

TestSuite(mail);

Test(mail, addresses)
{
	cr_assert(mail_address_valid("wang@example.com"));
	cr_assert(mail_address_valid("a.b+c@mail.example.cn"));
	cr_assert_not(mail_address_valid("no-at.example.com"));
	cr_assert_not(mail_address_valid("@example.com"));
	cr_assert_not(mail_address_valid("a@"));
	cr_assert_not(mail_address_valid("a@b@c"));
	cr_assert_not(mail_address_valid("a@b.cn\r\nBcc: x@y.z"));
	cr_assert_not(mail_address_valid("a b@c.d"));
	cr_assert_not(mail_address_valid("<a@b.c>"));
}

Test(mail, backoff_grows_and_stops_at_six_hours)
{
	cr_assert_eq(mail_backoff_ms(1), 60000);
	cr_assert_eq(mail_backoff_ms(2), 120000);
	cr_assert_eq(mail_backoff_ms(3), 240000);
	cr_assert_eq(mail_backoff_ms(30), 6LL * 3600 * 1000);
}

Test(mail, message_text)
{
	char *m = mail_format("crm@example.com", "wang@example.com", "审批 / Approval", "第一行\n.\nline", 0);
	cr_assert(strstr(m, "From: crm@example.com\r\n"));
	cr_assert(strstr(m, "To: wang@example.com\r\n"));
	cr_assert(strstr(m, "Subject: =?UTF-8?B?"));
	cr_assert(strstr(m, "Content-Transfer-Encoding: base64\r\n\r\n"));
	cr_assert(strstr(m, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
	cr_assert_null(strstr(m, "第一行"), "the body is encoded");
	free(m);
}

static int acted_target;
static const char *acted_comment;
static int64_t acted_user;

static int act(ent_op *op, int64_t target_id, const char *comment)
{
	acted_target = (int)target_id;
	acted_comment = comment;
	acted_user = op->who ? op->who->user.id : -1;
	return 0;
}

Test(mail, queue_and_links)
{
	cr_assert_eq(auth_init(), 0);
	db *d = tmpdb_open(true);
	int64_t uid = auth_create_user(d, "wang", "王", "a-long-password", "[\"sales_rep\"]");
	cr_assert_gt(uid, 0);
	cr_assert_eq(mail_enqueue(d, "wang@example.com", "s", "b"), 0);
	cr_assert_neq(mail_enqueue(d, "bad", "s", "b"), 0);
	cr_assert_neq(mail_enqueue(d, "wang@example.com", "a\nBcc: x@y.z", "b"), 0);

	action_link_register("unit_test", act);
	char token[65];
	int64_t t0 = 1800000000000;
	clock_set_fixed(t0);
	cr_assert_eq(action_link_create(d, uid, "unit_test", 42, 60, token), 0);
	cr_assert_eq(strlen(token), 64);
	arena ar = ARENA_INIT, *a = &ar;
	ent_op op = { .db = d };
	json_t *desc = action_link_describe(&op, token);
	cr_assert_not_null(desc);
	cr_assert_str_eq(json_string_value(json_object_get(desc, "action")), "unit_test");
	json_decref(desc);
	/* performed once, as its user, with the comment */
	json_t *r = action_link_perform(&op, a, token, "ok");
	cr_assert_not_null(r, "%s", op.err.message);
	json_decref(r);
	cr_assert_eq(acted_target, 42);
	cr_assert_eq(acted_user, uid);
	cr_assert_str_eq(acted_comment, "ok");
	cr_assert_null(action_link_perform(&op, a, token, NULL));
	cr_assert_eq(op.err.status, 410);
	ent_error_clear(&op.err);
	/* expired: a second past its lifetime */
	cr_assert_eq(action_link_create(d, uid, "unit_test", 7, 60, token), 0);
	clock_set_fixed(t0 + 61000);
	cr_assert_null(action_link_describe(&op, token));
	cr_assert_eq(op.err.status, 410);
	ent_error_clear(&op.err);
	cr_assert_null(action_link_perform(&op, a, token, NULL));
	cr_assert_eq(op.err.status, 410);
	ent_error_clear(&op.err);
	/* unknown and malformed */
	cr_assert_null(action_link_perform(&op, a, "00", NULL));
	cr_assert_eq(op.err.status, 404);
	ent_error_clear(&op.err);
	clock_set_fixed(0);
	arena_free(&ar);
	tmpdb_close();
}
