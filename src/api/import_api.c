/*
 * import_api.c - imports from spreadsheets (core/import.h):
 *   POST /api/imports?entity=customers&filename=a.csv   raw body: the file (ROUTE_UPLOAD) -> 201 job
 *   GET  /api/imports                                    the caller's jobs
 *   GET  /api/imports/:id                                the job: status, progress, columns, suggestion, problems
 *   POST /api/imports/:id/dry-run   {"mapping":[...],"duplicates":"skip"}  -> 202 job (runs in the background)
 *   POST /api/imports/:id/run       same body (optional after a dry run)    -> 202 job
 *   POST /api/imports/:id/undo                                                -> 202 job
 *   GET  /api/imports/:id/errors.csv                     row number, problems, the row's cells
 */
#include "handlers.h"
#include "call.h"
#include "../core/import.h"
#include "../jobs/import_worker.h"

#include <string.h>
#include <sys/mman.h>

int api_imports_create(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, 0))
		return c->status;
	const char *name = api_query(c, "entity");
	k.e = name ? entity_find(name) : NULL;
	if (!k.e || !import_entity_ok(k.e))
		return api_error(c, 400, "bad_request", "entity must be one of customers, contacts, leads, products, "
							"opportunities, activities");
	if (c->upload.fd < 0 || c->upload.size <= 0)
		return api_error(c, 400, "bad_request", "send the file as the request body");
	size_t len = (size_t)c->upload.size;
	void *data = mmap(NULL, len, PROT_READ, MAP_PRIVATE, c->upload.fd, 0);
	if (data == MAP_FAILED)
		return api_error(c, 500, "internal", "the upload cannot be read");
	json_t *job = import_create(&k.op, k.e, api_query(c, "filename"), data, len);
	munmap(data, len);
	return api_call_end(c, &k, 201, job);
}

int api_imports_list(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, 0))
		return c->status;
	return api_call_end(c, &k, 200, import_list(&k.op));
}

int api_imports_get(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	return api_call_end(c, &k, 200, import_get(&k.op, k.id));
}

/* Marks the job, then hands it to a thread of its own: 202 with the job. */
static int start(api_ctx *c, const char *kind)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID | OPTIONAL_BODY))
		return c->status;
	json_t *job = import_prepare(&k.op, k.id, k.body, kind);
	if (job && !import_worker_start(k.id)) {
		json_decref(job);
		job = NULL;
		op_fail(&k.op, 503, "unavailable", "the import cannot start now; try again");
	}
	return api_call_end(c, &k, 202, job);
}

int api_imports_dry_run(api_ctx *c)
{
	return start(c, "dry_run");
}

int api_imports_run(api_ctx *c)
{
	return start(c, "run");
}

int api_imports_undo(api_ctx *c)
{
	return start(c, "undo");
}

int api_imports_errors_csv(api_ctx *c)
{
	api_call k;
	if (!api_call_begin(c, &k, NEED_ID))
		return c->status;
	buf out = BUF_INIT;
	if (import_errors_csv(&k.op, k.id, &out)) {
		buf_free(&out);
		return api_call_end(c, &k, 200, NULL);
	}
	char *name = arena_printf(c->a, "import-%lld-errors.csv", (long long)k.id);
	api_reply_bytes(c, buf_str(&out), out.len, "text/csv; charset=utf-8", name, 0);
	buf_free(&out);
	json_decref(k.body);
	ent_error_clear(&k.op.err);
	return c->status;
}
