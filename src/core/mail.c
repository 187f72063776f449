/* mail.c - see mail.h. */
#include "mail.h"
#include "acl.h"
#include "action_link.h"
#include "notify.h"
#include "settings.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool has_line_break(const char *s)
{
	return strchr(s, '\n') || strchr(s, '\r');
}

bool mail_address_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 254 || !utf8_valid(s, n))
		return false;
	const char *at = strchr(s, '@');
	if (!at || at == s || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>()[],;:\"\\", *p))
			return false;
	return true;
}

int mail_enqueue(db *d, const char *to, const char *subject, const char *text_body)
{
	if (!to || !subject || !text_body || !mail_address_valid(to) || has_line_break(subject))
		return DB_ERR_CONSTRAINT;
	char now[32];
	int64_t ms = clock_now_ms();
	clock_format_iso(ms, now, sizeof(now));
	db_stmt *s = db_prepare(d, "INSERT INTO mail_outbox(to_addr, subject, body, status, next_attempt_at, "
				   "created_at) VALUES (?, ?, ?, 'queued', ?, ?)");
	if (!s)
		return db_errcode(d) ? db_errcode(d) : DB_ERR;
	db_bind_str(s, 1, to);
	db_bind_str(s, 2, subject);
	db_bind_str(s, 3, text_body);
	db_bind_int(s, 4, ms);
	db_bind_str(s, 5, now);
	int rc = db_step(s);
	db_done(s);
	return rc == DB_DONE ? 0 : rc;
}

int64_t mail_backoff_ms(int attempts)
{
	int64_t ms = 60LL * 1000;
	for (int i = 1; i < attempts && ms < 6LL * 3600 * 1000; i++)
		ms *= 2;
	return ms < 6LL * 3600 * 1000 ? ms : 6LL * 3600 * 1000;
}

#define MAIL_DEFAULTS "{\"host\":\"\",\"port\":25,\"security\":\"none\",\"username\":\"\",\"password\":\"\"," \
		      "\"from\":\"\",\"base_url\":\"http://127.0.0.1:8080\"}"

json_t *mail_settings_secret(db *d)
{
	return settings_load(d, "mail", MAIL_DEFAULTS);
}

json_t *mail_settings(db *d)
{
	json_t *m = mail_settings_secret(d);
	const char *pw = json_string_value(json_object_get(m, "password"));
	json_object_set_new(m, "has_password", json_boolean(pw && *pw));
	json_object_del(m, "password");
	return m;
}

static int bad(ent_op *op, const char *field, const char *code)
{
	op_fail(op, 422, "validation_failed", "mail settings are not valid");
	op->err.fields = json_pack("{s:s}", field, code);
	return -1;
}

static bool one_line(json_t *v, size_t max)
{
	if (!json_is_string(v))
		return false;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	return n <= max && utf8_valid(s, n) && !memchr(s, 0, n) && !has_line_break(s);
}

int mail_settings_save(ent_op *op, json_t *body)
{
	if (!acl_is_admin(op->who))
		return op_fail(op, 403, "forbidden", "only administrators change the mail server");
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		if (!strcmp(k, "port")) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65535)
				return bad(op, k, "out_of_range");
		} else if (!strcmp(k, "security")) {
			const char *s = json_string_value(v);
			if (!s || (strcmp(s, "none") && strcmp(s, "starttls") && strcmp(s, "tls")))
				return bad(op, k, "invalid_option");
		} else if (!strcmp(k, "host") || !strcmp(k, "username") || !strcmp(k, "password")) {
			if (!one_line(v, 255))
				return bad(op, k, json_is_string(v) ? "invalid_text" : "invalid_type");
			if (!strcmp(k, "host") && strpbrk(json_string_value(v), " /@?#"))
				return bad(op, k, "invalid_text");
		} else if (!strcmp(k, "from")) {
			if (!json_is_string(v))
				return bad(op, k, "invalid_type");
			if (json_string_length(v) && !mail_address_valid(json_string_value(v)))
				return bad(op, k, "invalid_email");
		} else if (!strcmp(k, "base_url")) {
			const char *s = json_string_value(v);
			if (!one_line(v, 500) || (strncmp(s, "http://", 7) && strncmp(s, "https://", 8)) ||
			    strchr(s, ' '))
				return bad(op, k, "invalid_url");
		} else {
			return bad(op, k, "unknown_field");
		}
	}
	json_t *merged = mail_settings_secret(op->db);
	json_object_update(merged, body);
	/* "http://host/" and "http://host" give the same links */
	const char *base = json_string_value(json_object_get(merged, "base_url"));
	size_t bn = base ? strlen(base) : 0;
	if (bn && base[bn - 1] == '/')
		json_object_set_new(merged, "base_url", json_stringn(base, bn - 1));
	int rc = settings_store(op, "mail", merged);
	json_decref(merged);
	return rc;
}

void mail_link_url(db *d, const char *token, char *out, size_t n)
{
	json_t *m = mail_settings_secret(d);
	const char *base = json_string_value(json_object_get(m, "base_url"));
	snprintf(out, n, "%s/l/%s", base ? base : "", token);
	json_decref(m);
}

static int mail_test_action(ent_op *op, int64_t target_id, const char *comment)
{
	(void)target_id;
	(void)comment;
	return notify(op, op->who->user.id, "mail_test", "邮件链接有效 / The mail link works",
		      "测试邮件中的链接已打开。 The link in the test mail was followed.", NULL, 0, NULL);
}

void mail_register_actions(void)
{
	action_link_register("mail_test", mail_test_action);
}

json_t *mail_queue_test(ent_op *op, const char *to)
{
	if (!acl_is_admin(op->who)) {
		op_fail(op, 403, "forbidden", "only administrators send test mail");
		return NULL;
	}
	if (!to || !mail_address_valid(to)) {
		op_fail(op, 422, "validation_failed", "give the address to send the test mail to");
		op->err.fields = json_pack("{s:s}", "to", to ? "invalid_email" : "required");
		return NULL;
	}
	char token[65], url[700];
	if (op_begin(op))
		return NULL;
	int rc = action_link_create(op->db, op->who->user.id, "mail_test", 0, 24 * 3600, token);
	if (rc) {
		op_db_fail(op, rc);
		op_rollback(op);
		return NULL;
	}
	mail_link_url(op->db, token, url, sizeof(url));
	buf body = { 0 };
	buf_addf(&body, "这是 Rapport 的测试邮件。点击下面的链接确认：\n"
			"This is a test mail from Rapport. Follow the link to confirm:\n\n%s\n", url);
	rc = mail_enqueue(op->db, to, "Rapport 测试邮件 / test mail", buf_str(&body));
	buf_free(&body);
	if (rc) {
		op_db_fail(op, rc);
		op_rollback(op);
		return NULL;
	}
	if (op_commit(op))
		return NULL;
	return json_pack("{s:b,s:s}", "queued", 1, "to", to);
}

json_t *mail_outbox_list(ent_op *op, const char *status)
{
	if (!acl_is_admin(op->who)) {
		op_fail(op, 403, "forbidden", "only administrators see the mail queue");
		return NULL;
	}
	if (status && strcmp(status, "queued") && strcmp(status, "sent") && strcmp(status, "failed")) {
		op_fail(op, 422, "validation_failed", "status is queued, sent or failed");
		op->err.fields = json_pack("{s:s}", "status", "invalid_option");
		return NULL;
	}
	db_stmt *s = db_prepare(op->db, "SELECT id, to_addr, subject, status, attempts, next_attempt_at, last_error, "
					"created_at, sent_at FROM mail_outbox WHERE (CAST(? AS TEXT) IS NULL OR status = ?) "
					"ORDER BY id DESC LIMIT 200");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_str(s, 1, status);
	db_bind_str(s, 2, status);
	json_t *data = json_array();
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		char next[32];
		clock_format_iso(db_col_int(s, 5), next, sizeof(next));
		json_t *row = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s}", "id", (json_int_t)db_col_int(s, 0), "to",
					db_col_text(s, 1), "subject", db_col_text(s, 2), "status", db_col_text(s, 3),
					"attempts", (json_int_t)db_col_int(s, 4), "next_attempt_at", next);
		json_object_set_new(row, "last_error", db_col_is_null(s, 6) ? json_null() : json_string(db_col_text(s, 6)));
		json_object_set_new(row, "created_at", json_string(db_col_text(s, 7)));
		json_object_set_new(row, "sent_at", db_col_is_null(s, 8) ? json_null() : json_string(db_col_text(s, 8)));
		json_array_append_new(data, row);
	}
	db_done(s);
	if (rc < 0) {
		json_decref(data);
		op_db_fail(op, rc);
		return NULL;
	}
	return json_pack("{s:o}", "data", data);
}
