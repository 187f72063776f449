/* api.c - see api.h: request pipeline and reply helpers shared by all handlers. */
#include "api.h"
#include "json_out.h"
#include "../core/acl.h"
#include "../util/log.h"
#include "../util/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A JSON or empty reply replaces a file chosen before (a handler that failed late). */
static void drop_file(api_ctx *c)
{
	if (c->reply_file) {
		close(c->reply_fd);
		c->reply_file = false;
	}
	c->content_disposition = NULL;
}

int api_reply_json(api_ctx *c, int status, json_t *j)
{
	drop_file(c);
	buf_reset(&c->out);
	c->status = status;
	c->content_type = "application/json; charset=utf-8";
	if (j)
		json_out(&c->out, j); /* what json_dump_callback wrote, without its per-object cost */
	json_decref(j);
	return status;
}

int api_reply_empty(api_ctx *c, int status)
{
	drop_file(c);
	buf_reset(&c->out);
	c->status = status;
	c->content_type = NULL;
	return status;
}

int api_error(api_ctx *c, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	utf8_sanitize(msg); /* messages quote what was sent, which may not be UTF-8 */
	return api_reply_json(c, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

int api_db_error(api_ctx *c, int code)
{
	if (code == DB_ERR_BUSY)
		return api_error(c, 503, "unavailable", "the database is busy; try again");
	log_error("database error: %s", c->db ? db_errmsg(c->db) : "no connection");
	return api_error(c, 500, "internal", "internal error");
}

json_t *api_body_object(api_ctx *c)
{
	if (!c->body || c->body_len == 0) {
		api_error(c, 400, "bad_request", "a JSON object body is required");
		return NULL;
	}
	json_error_t err;
	json_t *j = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		api_error(c, 400, "bad_request", "malformed JSON at line %d column %d: %s", err.line,
			  err.column, err.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_error(c, 400, "bad_request", "the body must be a JSON object");
		return NULL;
	}
	return j;
}

const char *api_param(const api_ctx *c, const char *name)
{
	for (int i = 0; i < c->nparams; i++)
		if (!strcmp(c->param_names[i], name))
			return c->params[i];
	return NULL;
}

const char *api_query(const api_ctx *c, const char *key)
{
	for (int i = 0; i < c->nquery; i++)
		if (!strcmp(c->query[i].key, key))
			return c->query[i].value ? c->query[i].value : "";
	return NULL;
}

int64_t api_param_id(api_ctx *c, const char *name)
{
	const char *v = api_param(c, name);
	char *end;
	errno = 0;
	long long id = v ? strtoll(v, &end, 10) : 0;
	if (!v || v[0] < '1' || v[0] > '9' || *end || errno || id <= 0) {
		api_error(c, 404, "not_found", "no such record");
		return 0;
	}
	return id;
}

const char *api_method_name(int method)
{
	switch (method) {
	case API_GET: return "GET";
	case API_POST: return "POST";
	case API_PUT: return "PUT";
	case API_PATCH: return "PATCH";
	case API_DELETE: return "DELETE";
	}
	return "?";
}

static bool changes_state(int method)
{
	return method != API_GET;
}

void api_run(api_ctx *c, const api_route *r)
{
	/* Handlers echo query values into JSON (search's "query"), which must be
	 * UTF-8: refuse the request here rather than fail there (found by fuzzing). */
	for (int i = 0; i < c->nquery; i++) {
		const char *k = c->query[i].key, *v = c->query[i].value;
		if (!utf8_valid(k, strlen(k)) || (v && !utf8_valid(v, strlen(v)))) {
			api_error(c, 400, "bad_request", "the query string is not valid UTF-8");
			return;
		}
	}
	c->db = db_thread();
	if (!c->db) {
		api_error(c, 503, "unavailable", "the database is unavailable; try again");
		return;
	}
	bool by_cookie = false;
	if (c->authorization && !strncmp(c->authorization, "Bearer ", 7)) {
		/* API tokens arrive with the integrations issue; until then none is valid. */
		api_error(c, 401, "unauthenticated", "invalid API token");
		return;
	}
	if (c->cookie_session) {
		auth_session *s = arena_alloc(c->a, sizeof(*s));
		int found = auth_session_find(c->db, c->cookie_session, s);
		if (found == AUTH_SESSION_ERROR) {
			api_db_error(c, DB_ERR_BUSY);
			return;
		}
		if (found == 0) {
			c->session = s;
			by_cookie = true;
		}
	}
	if (c->session && acl_load(c->db, c->session, c->a)) {
		api_db_error(c, db_errcode(c->db));
		return;
	}
	if (!(r->flags & ROUTE_PUBLIC)) {
		if (!c->session) {
			api_error(c, 401, "unauthenticated", "please log in");
			return;
		}
		if (by_cookie && changes_state(c->method) &&
		    (!c->csrf_header || !auth_secret_equal(c->csrf_header, c->session->csrf))) {
			api_error(c, 403, "forbidden", "missing or wrong X-CSRF-Token header");
			return;
		}
	}
	r->fn(c);
	if (!c->status)
		api_error(c, 500, "internal", "the handler gave no answer");
}
