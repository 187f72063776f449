/*
 * import.h - bringing spreadsheets (CSV in UTF-8, UTF-8 with BOM, GBK/GB18030
 * or UTF-16, and .xlsx) into the importable entities, through the engine.
 *
 * An import is a job, one row of the imports table, in steps:
 *
 *   import_create   the file is decoded to UTF-8 CSV text and kept with the
 *                   job; the answer carries its columns, a mapping suggested
 *                   from the header (Chinese or English labels, field names;
 *                   case, spaces and full-width forms ignored) and a sample
 *   import_prepare  a mapping (the field of each column) and the duplicate
 *                   mode (skip, update, create) are checked and stored; the
 *                   job becomes "checking" (dry run) or "running"
 *   import_execute  does the prepared work: every row goes through
 *                   record_create (or record_update for mode "update"), one
 *                   transaction per IMPORT_BATCH rows; a dry run rolls every
 *                   batch back.  Each row's problems (validation codes of the
 *                   engine, duplicates against records and within the file,
 *                   unknown references) are kept with its row number
 *   import_undo     moves every record the import created to the recycle bin
 *
 * The job row is the progress figure (status, processed, total) that the web
 * app polls while a server thread runs import_execute; the CLI runs it
 * in place.  Only the user who started an import (or an admin) sees it.
 */
#ifndef RAPPORT_IMPORT_H
#define RAPPORT_IMPORT_H

#include "entity.h"
#include "../util/arena.h"
#include "../util/buf.h"

#define IMPORT_BATCH 1000
#define IMPORT_MAX_FILE ((size_t)256 << 20)
/* A busy job whose progress has not moved for this long was interrupted. */
#define IMPORT_STALE_MS (10LL * 60 * 1000)

/* customers, contacts, leads, products, opportunities, activities */
bool import_entity_ok(const entity_def *e);

/* A new job for e from a file's bytes (filename for the record only).
 * Needs the create and import permissions on e.  The job as JSON. */
json_t *import_create(ent_op *op, const entity_def *e, const char *filename, const char *data, size_t len);
/* The job (first 100 row problems included) or NULL (404). */
json_t *import_get(ent_op *op, int64_t id);
/* The caller's jobs, newest first: {"data":[...]}. */
json_t *import_list(ent_op *op);
/* body: {"mapping":[field or null per column], "duplicates":"skip"|"update"|"create"}
 * (both optional on a run after a dry run: the stored ones are used).
 * kind: "dry_run", "run" or "undo".  Marks the job busy; the job as JSON. */
json_t *import_prepare(ent_op *op, int64_t id, json_t *body, const char *kind);
/* Runs what import_prepare marked, as the job's user (loads the session);
 * progress (may be NULL) is called after every batch and returns false to
 * stop there (the server is stopping: what was committed stays, the job
 * says "failed" and may be undone).  0, or -1 (the job then says "failed"
 * and why). */
typedef bool (*import_progress_fn)(int64_t processed, int64_t total, void *ud);
int import_execute(db *d, int64_t id, import_progress_fn progress, void *ud);
/* The row problems as CSV (UTF-8 with BOM, so Excel opens it): row number,
 * problems, then the row's own cells. 0, or -1 (op->err). */
int import_errors_csv(ent_op *op, int64_t id, buf *out);

/* Fills s with the user `username` (or id when username is NULL) and their
 * permissions (arena a); -1 when there is no such enabled user. */
int import_load_user(db *d, const char *username, int64_t id, auth_session *s, arena *a);

#endif
