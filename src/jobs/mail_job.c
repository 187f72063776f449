/* mail_job.c - see mail_job.h. */
#include "mail_job.h"
#include "../core/mail.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/log.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEASE_MS (5LL * 60 * 1000)
#define BATCH 50

static void add_base64(buf *b, const char *data, size_t n, size_t line)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *enc = malloc(cap);
	if (!enc)
		return;
	sodium_bin2base64(enc, cap, (const unsigned char *)data, n, sodium_base64_VARIANT_ORIGINAL);
	size_t len = strlen(enc);
	for (size_t i = 0; i < len; i += line) {
		buf_add(b, enc + i, len - i < line ? len - i : line);
		if (line < len)
			buf_adds(b, "\r\n");
	}
	free(enc);
}

char *mail_format(const char *from, const char *to, const char *subject, const char *body, int64_t now_ms)
{
	buf b = { 0 };
	char date[64];
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	unsigned char rnd[12];
	randombytes_buf(rnd, sizeof(rnd));
	char id[25];
	sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
	const char *at = strchr(from, '@');
	buf_addf(&b, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nMessage-ID: <%s%s>\r\nSubject: =?UTF-8?B?", date, from, to,
		 id, at ? at : "@rapport.invalid");
	add_base64(&b, subject, strlen(subject), (size_t)-1);
	buf_adds(&b, "?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		     "Content-Transfer-Encoding: base64\r\n\r\n");
	add_base64(&b, body, strlen(body), 76);
	buf_adds(&b, "\r\n");
	return buf_detach(&b);
}

typedef struct upload {
	const char *data;
	size_t len, pos;
} upload;

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	upload *u = userp;
	size_t room = size * nmemb, left = u->len - u->pos;
	size_t n = left < room ? left : room;
	memcpy(ptr, u->data + u->pos, n);
	u->pos += n;
	return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int mail_send(json_t *m, const char *to, const char *subject, const char *body, char *err, size_t errlen)
{
	const char *host = json_string_value(json_object_get(m, "host"));
	const char *sec = json_string_value(json_object_get(m, "security"));
	const char *user = json_string_value(json_object_get(m, "username"));
	const char *pass = json_string_value(json_object_get(m, "password"));
	const char *from = json_string_value(json_object_get(m, "from"));
	json_int_t port = json_integer_value(json_object_get(m, "port"));
	if (!host || !*host || !from || !*from) {
		snprintf(err, errlen, "no mail server configured");
		return -1;
	}
	pthread_once(&curl_once, curl_start);
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errlen, "libcurl could not start");
		return -1;
	}
	char url[512], from_addr[300], ebuf[CURL_ERROR_SIZE] = "";
	bool tls = sec && !strcmp(sec, "tls");
	snprintf(url, sizeof(url), "%s://%s:%d", tls ? "smtps" : "smtp", host, (int)port);
	snprintf(from_addr, sizeof(from_addr), "<%s>", from);
	char *msg = mail_format(from, to, subject, body, clock_now_ms());
	upload u = { msg, strlen(msg), 0 };
	char rcpt_addr[300];
	snprintf(rcpt_addr, sizeof(rcpt_addr), "<%s>", to);
	struct curl_slist *rcpt = curl_slist_append(NULL, rcpt_addr);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	if (sec && !strcmp(sec, "starttls"))
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (user && *user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pass ? pass : "");
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from_addr);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", *ebuf ? ebuf : curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	free(msg);
	return rc == CURLE_OK ? 0 : -1;
}

/* Leases a due row for LEASE_MS: true when this caller got it. */
static bool lease(db *d, int64_t id, int64_t now)
{
	db_stmt *s = db_prepare(d, "UPDATE mail_outbox SET lease_until = ? WHERE id = ? AND status = 'queued' "
				   "AND next_attempt_at <= ? AND lease_until <= ?");
	if (!s)
		return false;
	db_bind_int(s, 1, now + LEASE_MS);
	db_bind_int(s, 2, id);
	db_bind_int(s, 3, now);
	db_bind_int(s, 4, now);
	bool mine = db_step(s) == DB_DONE && db_changes(d) == 1;
	db_done(s);
	return mine;
}

static void record(db *d, int64_t id, int attempts, const char *error, int64_t now)
{
	char iso[32];
	clock_format_iso(now, iso, sizeof(iso));
	db_stmt *s;
	if (!error) {
		s = db_prepare(d, "UPDATE mail_outbox SET status = 'sent', attempts = ?, sent_at = ?, lease_until = 0, "
				  "last_error = NULL WHERE id = ?");
		if (!s)
			return;
		db_bind_int(s, 1, attempts);
		db_bind_str(s, 2, iso);
		db_bind_int(s, 3, id);
	} else {
		s = db_prepare(d, "UPDATE mail_outbox SET status = ?, attempts = ?, next_attempt_at = ?, lease_until = 0, "
				  "last_error = ? WHERE id = ?");
		if (!s)
			return;
		db_bind_str(s, 1, attempts >= MAIL_MAX_ATTEMPTS ? "failed" : "queued");
		db_bind_int(s, 2, attempts);
		db_bind_int(s, 3, now + mail_backoff_ms(attempts));
		db_bind_str(s, 4, error);
		db_bind_int(s, 5, id);
	}
	db_step(s);
	db_done(s);
}

int mail_job(ent_op *op, int64_t now, json_t *report)
{
	db *d = op->db;
	int64_t ids[BATCH];
	int n = 0;
	db_stmt *s = db_prepare(d, "SELECT id FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= ? "
				   "AND lease_until <= ? ORDER BY id LIMIT 50");
	if (!s)
		return op_db_fail(op, db_errcode(d));
	db_bind_int(s, 1, now);
	db_bind_int(s, 2, now);
	while (n < BATCH && db_step(s) == DB_ROW)
		ids[n++] = db_col_int(s, 0);
	db_done(s);
	int sent = 0, retry = 0, gave_up = 0;
	json_t *m = n ? mail_settings_secret(d) : NULL;
	const char *host = m ? json_string_value(json_object_get(m, "host")) : NULL;
	if (n && (!host || !*host)) {
		/* nothing to send through yet: the mail waits, its attempts untouched */
		json_object_set_new(report, "not_configured", json_integer(n));
		json_decref(m);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (!lease(d, ids[i], now))
			continue;
		s = db_prepare(d, "SELECT to_addr, subject, body, attempts FROM mail_outbox WHERE id = ?");
		if (!s)
			break;
		db_bind_int(s, 1, ids[i]);
		char *to = NULL, *subject = NULL, *body = NULL;
		int attempts = 0;
		if (db_step(s) == DB_ROW) {
			to = strdup(db_col_text(s, 0));
			subject = strdup(db_col_text(s, 1));
			body = strdup(db_col_text(s, 2));
			attempts = (int)db_col_int(s, 3);
		}
		db_done(s);
		if (to && subject && body) {
			char err[CURL_ERROR_SIZE + 64] = "";
			/* no transaction is open while the server talks to the mail server */
			int rc = mail_send(m, to, subject, body, err, sizeof(err));
			attempts++;
			record(d, ids[i], attempts, rc ? err : NULL, clock_now_ms());
			if (!rc)
				sent++;
			else if (attempts >= MAIL_MAX_ATTEMPTS)
				gave_up++;
			else
				retry++;
			if (rc)
				log_error("mail %lld to %s: %s (attempt %d)", (long long)ids[i], to, err, attempts);
		}
		free(to);
		free(subject);
		free(body);
	}
	json_decref(m);
	if (n) {
		json_object_set_new(report, "sent", json_integer(sent));
		json_object_set_new(report, "retry", json_integer(retry));
		json_object_set_new(report, "gave_up", json_integer(gave_up));
	}
	return 0;
}
