/*
 * import_run.c - the row loop of an import (dry run and run) and its undo.
 *
 * Every row goes through the engine's own record_create (validation, hooks,
 * duplicates, references in the caller's scope, search index, history), so
 * an import can never store what the form would refuse.  Rows are grouped in
 * transactions of IMPORT_BATCH; each row is a savepoint inside it, so a bad
 * row costs only itself.  A dry run does the same work and rolls each batch
 * back.  Duplicates within the file are found here (a dry run forgets the
 * earlier batches): a map from each duplicate key's value to its first row.
 */
#include "import_int.h"
#include "acl.h"
#include "record.h"
#include "sqlb.h"
#include "../util/clock.h"
#include "../util/csv.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct counts {
	int64_t processed, created, updated, skipped, failed;
} counts;

typedef struct run {
	ent_op op;
	const entity_def *e;
	int64_t id;
	const char *mode;          /* skip, update, create */
	bool dry;
	import_col *cols;
	int ncols;
	int dupcol[8];             /* per duplicate key: index into cols, or -1 */
	int ndup;
	import_map seen;           /* hash(key, value) -> first row */
	json_t *errors;            /* [[row, problems], ...] of the current batch */
	counts c;
	int64_t total;
} run;

static void now_iso(char out[32])
{
	clock_format_iso(clock_now_ms(), out, 32);
}

/* Writes the batch's row problems and the counters (own transaction). */
static int save_progress(run *r, const char *status, const char *message)
{
	db *d = r->op.db;
	if (db_begin(d))
		return -1;
	size_t i;
	json_t *pair;
	db_stmt *s;
	json_array_foreach(r->errors, i, pair) {
		s = db_prepare(d, "INSERT INTO import_errors (import_id, row_no, problems) VALUES (?, ?, ?)");
		if (!s)
			break;
		char *p = json_dumps(json_array_get(pair, 1), JSON_COMPACT);
		db_bind_int(s, 1, r->id);
		db_bind_int(s, 2, json_integer_value(json_array_get(pair, 0)));
		db_bind_str(s, 3, p);
		db_step(s);
		db_done(s);
		free(p);
	}
	json_array_clear(r->errors);
	char now[32];
	now_iso(now);
	s = db_prepare(d, "UPDATE imports SET processed = ?, created = ?, updated = ?, skipped = ?, failed = ?, "
			  "updated_at = ?, status = coalesce(?, status), message = coalesce(?, message), "
			  "finished_at = CASE WHEN ? = 1 THEN ? ELSE finished_at END WHERE id = ?");
	int rc = -1;
	if (s) {
		db_bind_int(s, 1, r->c.processed);
		db_bind_int(s, 2, r->c.created);
		db_bind_int(s, 3, r->c.updated);
		db_bind_int(s, 4, r->c.skipped);
		db_bind_int(s, 5, r->c.failed);
		db_bind_str(s, 6, now);
		db_bind_str(s, 7, status);
		db_bind_str(s, 8, message);
		db_bind_int(s, 9, status != NULL); /* PostgreSQL cannot type "? IS NULL" */
		db_bind_str(s, 10, now);
		db_bind_int(s, 11, r->id);
		rc = db_step(s) == DB_DONE ? 0 : -1;
		db_done(s);
	}
	if (rc || db_commit(d)) {
		db_rollback(d);
		return -1;
	}
	return 0;
}

static void problem(run *r, int64_t row, json_t *p)
{
	json_array_append_new(r->errors, json_pack("[I,o]", (json_int_t)row, p));
}

/* The engine's error as a row problem: {"fields":{...},"message":"..."}. */
static json_t *engine_problem(ent_error *err, json_t *conv)
{
	json_t *fields = conv ? json_deep_copy(conv) : json_object();
	if (err->fields)
		json_object_update_missing(fields, err->fields);
	json_t *p = json_pack("{s:o,s:s}", "fields", fields, "message", err->message[0] ? err->message : "rejected");
	json_t *existing = err->extra ? json_object_get(err->extra, "existing_id") : NULL;
	if (existing)
		json_object_set(p, "existing_id", existing);
	return p;
}

static int remember(run *r, int64_t record_id, const char *action)
{
	if (r->dry)
		return 0;
	db_stmt *s = db_prepare(r->op.db, "INSERT INTO import_rows (import_id, entity, record_id, action) VALUES (?, ?, ?, ?)");
	if (!s)
		return -1;
	db_bind_int(s, 1, r->id);
	db_bind_str(s, 2, r->e->name);
	db_bind_int(s, 3, record_id);
	db_bind_str(s, 4, action);
	int rc = db_step(s) == DB_DONE ? 0 : -1;
	db_done(s);
	return rc;
}

/* Mode "update": the duplicate's existing record takes the row's values. */
static bool update_existing(run *r, int64_t row, int64_t existing, json_t *body)
{
	ent_op *op = &r->op;
	ent_error_clear(&op->err);
	json_t *cur = record_get_for_update(op, r->e, existing);
	json_t *rec = NULL;
	if (cur) {
		json_object_set(body, "version", json_object_get(cur, "version"));
		json_object_set_new(body, "allow_duplicate", json_true());
		rec = record_update(op, r->e, existing, body);
		json_decref(cur);
	}
	if (!rec) {
		problem(r, row, engine_problem(&op->err, NULL));
		ent_error_clear(&op->err);
		r->c.failed++;
		return false;
	}
	json_decref(rec);
	r->c.updated++;
	return remember(r, existing, "update") == 0;
}

/* One row of the file (fields of reader rd) through the engine. */
static void one_row(run *r, csv_reader *rd)
{
	ent_op *op = &r->op;
	int64_t row = rd->record;
	json_t *body = json_object(), *conv = json_object();
	json_t *dupval[8] = { 0 };
	for (int i = 0; i < r->ncols; i++) {
		import_col *c = &r->cols[i];
		size_t n;
		const char *s = csv_field(rd, c->index, &n);
		const char *err;
		json_t *v = import_cell(op, c, s, n, &err);
		if (err)
			json_object_set_new(conv, c->f->name, json_string(err));
		else if (v)
			json_object_set_new(body, c->f->name, v);
	}
	/* a value of a duplicate key seen on an earlier row of this file */
	uint64_t keys[8] = { 0 };
	for (int k = 0; k < r->ndup; k++) {
		if (r->dupcol[k] < 0)
			continue;
		json_t *v = json_object_get(body, r->cols[r->dupcol[k]].f->name);
		if (!json_is_string(v))
			continue;
		dupval[k] = v;
		keys[k] = import_hash(json_string_value(v), json_string_length(v), (uint64_t)k + 1);
		int64_t first = import_map_get(&r->seen, keys[k]);
		if (first && strcmp(r->mode, "create") && !json_object_size(conv)) {
			const char *field = r->cols[r->dupcol[k]].f->name;
			bool skip = !strcmp(r->mode, "skip");
			char msg[96];
			snprintf(msg, sizeof(msg), "the same %s as row %lld", field, (long long)first);
			json_t *p = json_pack("{s:{s:s},s:s,s:I}", "fields", field, "duplicate", "message", msg,
					      "duplicate_of_row", (json_int_t)first);
			if (skip) {
				json_object_set_new(p, "skipped", json_true());
				problem(r, row, p);
				r->c.skipped++;
				goto out;
			}
			json_decref(p); /* update: the engine finds the record the first row made */
		}
	}
	if (json_object_size(conv)) {
		/* the cells that could not be read fail the row; the engine still
		 * checks the rest, in a savepoint undone at once */
		if (op_begin(op) == 0) {
			json_t *rec = record_create(op, r->e, body);
			json_decref(rec);
			op_rollback(op);
		}
		problem(r, row, engine_problem(&op->err, conv));
		ent_error_clear(&op->err);
		r->c.failed++;
		goto out;
	}
	if (!strcmp(r->mode, "create"))
		json_object_set_new(body, "allow_duplicate", json_true());
	json_t *rec = record_create(op, r->e, body);
	if (rec) {
		int64_t rid = json_integer_value(json_object_get(rec, "id"));
		json_decref(rec);
		r->c.created++;
		remember(r, rid, "create");
	} else if (op->err.status == 409 && !strcmp(op->err.code, "duplicate")) {
		json_t *existing = op->err.extra ? json_object_get(op->err.extra, "existing_id") : NULL;
		if (!strcmp(r->mode, "update") && existing) {
			if (!update_existing(r, row, json_integer_value(existing), body))
				goto out;
		} else {
			json_t *p = engine_problem(&op->err, NULL);
			if (!strcmp(r->mode, "skip")) {
				json_object_set_new(p, "skipped", json_true());
				r->c.skipped++;
			} else {
				r->c.failed++;
			}
			problem(r, row, p);
			ent_error_clear(&op->err);
			goto out;
		}
	} else {
		problem(r, row, engine_problem(&op->err, NULL));
		ent_error_clear(&op->err);
		r->c.failed++;
		goto out;
	}
	for (int k = 0; k < r->ndup; k++)
		if (dupval[k] && !import_map_get(&r->seen, keys[k]))
			import_map_put(&r->seen, keys[k], row);
out:
	json_decref(body);
	json_decref(conv);
}

static int set_up_columns(run *r, json_t *mapping)
{
	size_t i;
	json_t *m;
	r->cols = xcalloc(json_array_size(mapping) + 1, sizeof(*r->cols));
	json_array_foreach(mapping, i, m) {
		const field_def *f = import_target(r->e, json_string_value(m));
		if (!f)
			continue;
		import_col *c = &r->cols[r->ncols++];
		c->index = (int)i;
		c->f = f;
		if (f->type == FT_ENUM || f->type == FT_TAGS)
			c->options = entity_field_options(r->op.db, f);
		if (f->type == FT_REF)
			c->ref = strcmp(f->ref, "users") ? entity_find(f->ref) : NULL;
	}
	for (const char *const *k = r->e->duplicate_keys; k && *k && r->ndup < 8; k++) {
		r->dupcol[r->ndup] = -1;
		for (int j = 0; j < r->ncols; j++)
			if (!strcmp(r->cols[j].f->name, *k))
				r->dupcol[r->ndup] = j;
		r->ndup++;
	}
	return 0;
}

static int run_rows(run *r, const char *content, size_t len, import_progress_fn progress, void *ud)
{
	db_stmt *s = db_prepare(r->op.db, "DELETE FROM import_errors WHERE import_id = ?");
	if (s) {
		db_bind_int(s, 1, r->id);
		db_step(s);
		db_done(s);
	}
	csv_reader rd;
	csv_init(&rd, content, len);
	int rc = csv_next(&rd); /* the header */
	int in_batch = 0;
	while (rc == 1 && (rc = csv_next(&rd)) == 1) {
		if (csv_blank(&rd))
			continue;
		if (!in_batch && op_begin(&r->op))
			break;
		one_row(r, &rd);
		r->c.processed++;
		if (++in_batch == IMPORT_BATCH) {
			if (r->dry)
				op_rollback(&r->op);
			else if (op_commit(&r->op))
				break;
			in_batch = 0;
			save_progress(r, NULL, NULL);
			if (progress && !progress(r->c.processed, r->total, ud)) {
				op_fail(&r->op, 503, "unavailable", "stopped with the server after %lld rows",
					(long long)r->c.processed);
				rc = -1;
				break;
			}
		}
	}
	if (in_batch && rc >= 0) {
		if (r->dry)
			op_rollback(&r->op);
		else if (op_commit(&r->op))
			rc = -1;
	}
	if (rc < 0 && !r->op.err.status)
		op_fail(&r->op, 400, "bad_request", "%s", rd.err[0] ? rd.err : "the file cannot be read");
	csv_free(&rd);
	if (progress && rc >= 0)
		progress(r->c.processed, r->total, ud);
	return rc < 0 ? -1 : 0;
}

/* Undo's progress: processed of total records to remove; the import's own
 * counters (created, ...) stay as they were. */
static void undo_progress(run *r, int64_t done, int64_t total)
{
	char now[32];
	now_iso(now);
	db_stmt *s = db_prepare(r->op.db, "UPDATE imports SET processed = ?, updated_at = ? WHERE id = ?");
	if (!s)
		return;
	(void)total; /* the web app divides by "created" while undoing */
	db_bind_int(s, 1, done);
	db_bind_str(s, 2, now);
	db_bind_int(s, 3, r->id);
	db_step(s);
	db_done(s);
}

/* Moves every record the import created to the recycle bin; *removed, *gone
 * (deleted meanwhile by hand) and *refused (the engine said no) count them. */
static int undo(run *r, int64_t *removed, int64_t *gone, int64_t *refused, import_progress_fn progress, void *ud)
{
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	db_stmt *s = db_prepare(r->op.db, "SELECT record_id FROM import_rows WHERE import_id = ? AND entity = ? "
					  "AND action = 'create' ORDER BY record_id DESC");
	if (!s)
		return op_db_fail(&r->op, db_errcode(r->op.db));
	db_bind_int(s, 1, r->id);
	db_bind_str(s, 2, r->e->name);
	while (db_step(s) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		ids[n++] = db_col_int(s, 0);
	}
	db_done(s);
	int rc = 0;
	size_t i;
	for (i = 0; i < n && !rc; i += IMPORT_BATCH) {
		if (op_begin(&r->op)) {
			rc = -1;
			break;
		}
		for (size_t j = i; j < n && j < i + IMPORT_BATCH; j++) {
			if (record_delete(&r->op, r->e, ids[j]) == 0)
				(*removed)++;
			else if (r->op.err.status == 404)
				(*gone)++;
			else
				(*refused)++;
			ent_error_clear(&r->op.err);
		}
		if (op_commit(&r->op))
			rc = -1;
		int64_t done = (int64_t)(i + IMPORT_BATCH < n ? i + IMPORT_BATCH : n);
		undo_progress(r, done, (int64_t)n);
		if (progress && !progress(done, (int64_t)n, ud) && done < (int64_t)n) {
			op_fail(&r->op, 503, "unavailable", "stopped with the server");
			rc = -1;
		}
	}
	if (!n && progress)
		progress(0, 0, ud);
	free(ids);
	return rc;
}

int import_execute(db *d, int64_t id, import_progress_fn progress, void *ud)
{
	run r = { 0 };
	r.id = id;
	r.op.db = d;
	r.errors = json_array();
	arena a = ARENA_INIT;
	auth_session who;
	char *content = NULL, *status = NULL, *mode = NULL;
	size_t len = 0;
	int64_t user = 0;
	json_t *mapping = NULL;
	int rc = -1;
	db_stmt *s = db_prepare(d, "SELECT entity, user_id, status, mapping, duplicates, content, total "
				   "FROM imports WHERE id = ?");
	if (!s)
		goto out;
	db_bind_int(s, 1, id);
	if (db_step(s) == DB_ROW) {
		r.e = entity_find(db_col_text(s, 0));
		user = db_col_int(s, 1);
		status = xstrdup(db_col_text(s, 2));
		json_error_t jerr;
		mapping = db_col_is_null(s, 3) ? NULL : json_loads(db_col_text(s, 3), 0, &jerr);
		mode = xstrdup(db_col_text(s, 4));
		len = db_col_len(s, 5);
		content = xstrndup(db_col_text(s, 5), len);
		r.total = db_col_int(s, 6);
	}
	db_done(s);
	if (!status || !r.e)
		goto out;
	if (import_load_user(d, NULL, user, &who, &a)) {
		save_progress(&r, "failed", "the user who started the import cannot be found or is disabled");
		goto out;
	}
	r.op.who = &who;
	r.mode = mode;
	const char *done;
	char message[256] = "";
	int64_t started = clock_monotonic_us();
	if (!strcmp(status, "undoing")) {
		int64_t removed = 0, gone = 0, refused = 0;
		rc = undo(&r, &removed, &gone, &refused, progress, ud);
		snprintf(message, sizeof(message),
			 "%lld records moved to the recycle bin; %lld were deleted already; %lld could not be removed",
			 (long long)removed, (long long)gone, (long long)refused);
		done = rc ? "failed" : "undone";
		s = db_prepare(d, "UPDATE imports SET status = ?, message = ?, finished_at = ?, updated_at = ? WHERE id = ?");
		if (s) {
			char now[32];
			now_iso(now);
			db_bind_str(s, 1, done);
			db_bind_str(s, 2, message);
			db_bind_str(s, 3, now);
			db_bind_str(s, 4, now);
			db_bind_int(s, 5, id);
			db_step(s);
			db_done(s);
		}
		log_info("import %lld (%s): undo: %s", (long long)id, r.e->name, message);
		goto out;
	}
	if (strcmp(status, "checking") && strcmp(status, "running"))
		goto out;
	r.dry = !strcmp(status, "checking");
	/* a bulk write touches every index of the table: on SQLite give this
	 * connection (the import's own) a cache that holds them (256 MB) */
	if (db_kind(d) == DB_SQLITE)
		db_exec(d, "PRAGMA cache_size=-262144");
	set_up_columns(&r, mapping);
	rc = run_rows(&r, content, len, progress, ud);
	double secs = (double)(clock_monotonic_us() - started) / 1e6;
	if (rc)
		snprintf(message, sizeof(message), "%s", r.op.err.message);
	else
		snprintf(message, sizeof(message), "%lld rows in %.1f s", (long long)r.c.processed, secs);
	if (db_kind(d) == DB_SQLITE)
		db_exec(d, "PRAGMA cache_size=-16384");
	done = rc ? "failed" : r.dry ? "checked" : "done";
	save_progress(&r, done, message);
	log_info("import %lld (%s, %s): %s: %s", (long long)id, r.e->name, r.dry ? "dry run" : "run", done, message);
out:
	for (int i = 0; i < r.ncols; i++)
		import_col_free(&r.cols[i]);
	free(r.cols);
	import_map_free(&r.seen);
	ent_error_clear(&r.op.err);
	json_decref(r.errors);
	json_decref(mapping);
	free(content);
	free(status);
	free(mode);
	arena_free(&a);
	return rc;
}
