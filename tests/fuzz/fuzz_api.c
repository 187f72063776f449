/*
 * fuzz_api.c - a whole API request without the socket: "METHOD PATH?QUERY"
 * on the first line, the body after it.  The path and query are decoded as
 * libmicrohttpd does, routed by router_match over the real route table and
 * run by api_run as the admin (so every handler, the body parsing, the
 * entity validation and the list language are reached).
 *
 * Left out: routes that hash passwords (ROUTE_SLOW: slow on purpose), that
 * take an upload, and the ones that change users, roles or the session, so
 * that one input cannot lock the admin out of the ones after it; backups
 * (each one copies the whole database: slow, and no parser of outside input).
 * A 500 answer is reported as a crash: the server failed where it should
 * have refused.
 */
#include "fuzz.h"
#include "split.h"
#include "../../src/api/api.h"
#include "../../src/http/router.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *name;
	int bit;
} methods[] = { { "GET", API_GET }, { "POST", API_POST }, { "PUT", API_PUT },
		{ "PATCH", API_PATCH }, { "DELETE", API_DELETE } };

static bool excluded(const api_route *r, int method)
{
	if (r->flags & (ROUTE_SLOW | ROUTE_UPLOAD))
		return true;
	if (method == API_GET)
		return false;
	return !strncmp(r->pattern, "/api/auth/", 10) || !strncmp(r->pattern, "/api/users", 10) ||
	       !strncmp(r->pattern, "/api/roles", 10) || !strncmp(r->pattern, "/api/me", 7) ||
	       !strncmp(r->pattern, "/api/backups", 12) || !strncmp(r->pattern, "/api/settings/backup", 20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t line_len = nl ? (size_t)(nl - data) : size;
	char *line = malloc(line_len + 1);
	memcpy(line, data, line_len);
	line[line_len] = '\0';
	char *sp = strchr(line, ' ');
	int method = 0;
	if (sp) {
		*sp = '\0';
		for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			if (!strcmp(line, methods[i].name))
				method = methods[i].bit;
	}
	if (!method || sp[1] != '/') {
		free(line);
		return 0;
	}
	char *path = sp + 1;
	char *qs = strchr(path, '?');
	if (qs)
		*qs++ = '\0';
	MHD_http_unescape(path);

	fuzz_engine *f = fuzz_engine_get();
	arena a = { 0 };
	api_ctx c = { .a = &a, .method = method, .path = path, .address = "127.0.0.1", .reply_fd = -1 };
	c.upload.fd = -1;
	query_arg args[FUZZ_MAX_ARGS];
	int n = qs ? fuzz_split_query(qs, args) : 0;
	c.query = arena_alloc(&a, sizeof(api_kv) * (size_t)(n ? n : 1));
	for (int i = 0; i < n; i++) {
		c.query[i].key = args[i].key;
		c.query[i].value = args[i].value;
	}
	c.nquery = n;
	if (nl) {
		c.body = (const char *)nl + 1;
		c.body_len = size - line_len - 1;
	}
	c.body_limit = API_MAX_BODY;
	int status = 0, allowed = 0;
	const api_route *r = router_match(api_routes, api_routes_count, &c, &status, &allowed);
	if (r && !excluded(r, method)) {
		c.session = arena_alloc(&a, sizeof(*c.session));
		*c.session = *f->admin;
		api_run(&c, r);
		if (c.status >= 500) {
			fprintf(stderr, "%s %s: %d %.*s\n", line, path, c.status, (int)c.out.len, c.out.ptr);
			abort();
		}
	}
	if (c.reply_file)
		close(c.reply_fd);
	buf_free(&c.out);
	arena_free(&a);
	free(line);
	return 0;
}
