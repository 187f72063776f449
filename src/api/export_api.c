/*
 * export_api.c - GET /api/{entity}/export?format=csv|xlsx&lang=zh-CN|en&<the
 * list's q, filter[...], sort>: the list as a file (core/export.h), written
 * to a temporary file a page of rows at a time, then streamed from disk.
 */
#include "handlers.h"
#include "call.h"
#include "../core/export.h"
#include "../util/datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int api_export(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ENTITY))
		return c->status;
	const char *format = "csv", *lang = NULL;
	query_arg *args = arena_alloc(c->a, sizeof(query_arg) * (size_t)(c->nquery + 1));
	int n = 0;
	for (int i = 0; i < c->nquery; i++) {
		if (!strcmp(c->query[i].key, "format"))
			format = c->query[i].value ? c->query[i].value : "";
		else if (!strcmp(c->query[i].key, "lang"))
			lang = c->query[i].value;
		else if (strcmp(c->query[i].key, "limit") && strcmp(c->query[i].key, "offset"))
			args[n++] = c->query[i];
	}
	int fmt = strcmp(format, "csv") && strcmp(format, "xlsx") ? -1 : export_format_parse(format);
	if (fmt < 0)
		return api_error(c, 400, "bad_request", "format is csv or xlsx");
	if (!lang)
		lang = c->session && c->session->user.locale[0] ? c->session->user.locale : "zh-CN";
	char dir[4096], path[4200], name[160];
	if (datadir_sub("tmp", dir, sizeof(dir)))
		return api_error(c, 500, "internal", "no folder for temporary files");
	snprintf(path, sizeof(path), "%s/export-XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0)
		return api_error(c, 500, "internal", "cannot make a temporary file");
	close(fd);
	int64_t rows = 0;
	if (export_write(&k.op, k.e, args, n, (enum export_format)fmt, lang, path, &rows)) {
		unlink(path);
		return api_call_end(c, &k, 0, NULL);
	}
	snprintf(name, sizeof(name), "%s.%s", k.e->name, fmt == EXPORT_CSV ? "csv" : "xlsx");
	ent_error_clear(&k.op.err);
	json_decref(k.body);
	return api_reply_file(c, path,
			      fmt == EXPORT_CSV ? "text/csv; charset=utf-8"
						: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			      name, API_UNLINK);
}
