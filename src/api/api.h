/*
 * api.h - what a REST handler sees: the request, the caller, the reply.
 *
 * The http layer fills an api_ctx from libmicrohttpd, matches it against
 * api_routes[] (a table, one line per route) and calls api_run(), which
 * resolves the caller (session cookie or bearer token), enforces login and
 * the CSRF rule, and calls the handler.  Handlers parse, call core/ or
 * modules/, and reply with api_reply_json() or api_error(); they hold no SQL.
 *
 * Memory: everything in an api_ctx lives in its arena `a`, freed when the
 * request completes; `out` is the response body, handed to the http layer.
 */
#ifndef RAPPORT_API_H
#define RAPPORT_API_H

#include "../core/auth.h"
#include "../core/query.h"
#include "../db/db.h"
#include "../util/arena.h"
#include "../util/buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define API_MAX_PARAMS 4
#define API_MAX_BODY (1024 * 1024)          /* JSON bodies, unless the route says otherwise */
#define API_MAX_UPLOAD (100 * 1024 * 1024)  /* ROUTE_UPLOAD bodies, unless the route says otherwise */

enum api_method {
	API_GET = 1,
	API_POST = 2,
	API_PUT = 4,
	API_PATCH = 8,
	API_DELETE = 16,
};

enum api_route_flags {
	ROUTE_PUBLIC = 1,   /* no login needed */
	ROUTE_SLOW = 2,     /* runs on a worker thread (password hashing) */
	ROUTE_UPLOAD = 4,   /* raw body streamed to a temporary file: c->upload, never in memory */
	ROUTE_BATCH = 8,    /* SQLite: run in the write batch, one COMMIT for many (http/write_batch.h);
			     * only for handlers whose every effect is in the database (no mail sent,
			     * no file written, nothing another thread acts on before the COMMIT) */
};

/* The body of a ROUTE_UPLOAD request.  The file is removed when the request
 * completes; a handler that keeps the bytes link()s or copies the file. */
typedef struct api_upload {
	const char *path;              /* temporary file, or NULL for an empty body */
	int fd;                        /* open for reading at offset 0, or -1 */
	int64_t size;                  /* bytes received */
	const char *content_type;      /* the request's Content-Type header, or NULL */
} api_upload;

/* api_reply_file / api_reply_bytes flags */
enum api_reply_flags {
	API_INLINE = 1,                /* Content-Disposition: inline (shown by the browser) */
	API_UNLINK = 2,                /* api_reply_file: remove the file once it is open */
};

/* a query argument: the same layout as the engine's query_arg */
typedef query_arg api_kv;

typedef struct api_ctx {
	arena *a;
	int method;
	const char *method_name;
	const char *path;
	const char *param_names[API_MAX_PARAMS];
	const char *params[API_MAX_PARAMS];
	int nparams;
	api_kv *query;
	int nquery;
	const char *body;
	size_t body_len;
	size_t body_limit;             /* the route's limit, for messages */
	api_upload upload;             /* ROUTE_UPLOAD routes only */

	/* request headers the api layer uses */
	const char *cookie_session;
	const char *csrf_header;
	const char *authorization;
	const char *address;
	bool secure;                   /* reached over TLS (through a trusted proxy) */

	/* resolved by api_run */
	db *db;
	auth_session *session;         /* NULL when anonymous */

	/* the reply */
	int status;
	buf out;
	const char *content_type;
	char *set_cookie;              /* one Set-Cookie header, or NULL */
	char *content_disposition;
	bool reply_file;               /* the body is reply_fd (api_reply_file), reply_len bytes */
	int reply_fd;
	int64_t reply_len;
	int allow_methods;             /* for a 405: the methods the path takes */
} api_ctx;

typedef int (*api_handler)(api_ctx *c);

typedef struct api_route {
	int methods;
	const char *pattern;           /* "/api/customers/:id/transfer" */
	api_handler fn;
	unsigned flags;
	size_t max_body;               /* bytes; 0 = API_MAX_BODY, or API_MAX_UPLOAD for ROUTE_UPLOAD */
} api_route;

extern const api_route api_routes[];
extern const int api_routes_count;

/* Runs a matched route: caller resolution, login and CSRF rules, handler. */
void api_run(api_ctx *c, const api_route *r);

/* Replies with the error shape of API.md; returns status for `return api_error(...)`. */
int api_error(api_ctx *c, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Replies with status and j as the body, taking ownership of j. */
int api_reply_json(api_ctx *c, int status, json_t *j);
/* Replies 200 with the file at path (streamed from disk, never read into
 * memory), Content-Type ctype and Content-Disposition naming `filename`
 * (UTF-8; NULL: none).  404 JSON when the file cannot be opened. */
int api_reply_file(api_ctx *c, const char *path, const char *ctype, const char *filename, unsigned flags);
/* Replies 200 with len bytes copied from data, as api_reply_file. */
int api_reply_bytes(api_ctx *c, const void *data, size_t len, const char *ctype, const char *filename,
		    unsigned flags);
/* Content-Disposition value for a UTF-8 filename: an ASCII fallback in
 * filename="..." and the exact name in filename*=UTF-8''... (RFC 5987, 6266). */
char *api_content_disposition(arena *a, const char *filename, bool inline_);
/* Replies with status and no body (204). */
int api_reply_empty(api_ctx *c, int status);
/* Parses the request body as a JSON object; on failure replies 400 and returns NULL.
 * The caller owns the result (json_decref). */
json_t *api_body_object(api_ctx *c);
/* A path parameter by name, or NULL. */
const char *api_param(const api_ctx *c, const char *name);
/* A query argument by name, or NULL. */
const char *api_query(const api_ctx *c, const char *key);
/* The path parameter `name` as a positive id, or 0 (after a 404 reply). */
int64_t api_param_id(api_ctx *c, const char *name);
/* Replies 503 or 500 for a database error code from db.h. */
int api_db_error(api_ctx *c, int code);
/* Name of a method bit, e.g. "GET". */
const char *api_method_name(int method);

#endif
