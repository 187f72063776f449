/*
 * import.c - import jobs (see import.h): storing the file, the job as JSON,
 * checking a mapping before a dry run or a run, the error report.
 */
#include "import_int.h"
#include "acl.h"
#include "sqlb.h"
#include "../util/clock.h"
#include "../util/csv.h"
#include "../util/xalloc.h"
#include "../util/xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const importable[] = { "customers", "contacts", "leads", "products", "opportunities",
					  "activities", NULL };

bool import_entity_ok(const entity_def *e)
{
	for (int i = 0; e && importable[i]; i++)
		if (!strcmp(e->name, importable[i]))
			return true;
	return false;
}

static void now_iso(char out[32])
{
	clock_format_iso(clock_now_ms(), out, 32);
}

static void copy_col(db_stmt *s, int c, char *out, size_t n)
{
	const char *v = db_col_text(s, c);
	snprintf(out, n, "%s", v ? v : "");
}

int import_load_user(db *d, const char *username, int64_t id, auth_session *s, arena *a)
{
	memset(s, 0, sizeof(*s));
	db_stmt *st = db_prepare(d, username ? "SELECT id, username, name, coalesce(email,''), locale, roles, "
					       "coalesce(department_id, 0), coalesce(manager_id, 0) FROM users "
					       "WHERE disabled = 0 AND username = ?"
					     : "SELECT id, username, name, coalesce(email,''), locale, roles, "
					       "coalesce(department_id, 0), coalesce(manager_id, 0) FROM users "
					       "WHERE disabled = 0 AND id = ?");
	if (!st)
		return -1;
	if (username)
		db_bind_str(st, 1, username);
	else
		db_bind_int(st, 1, id);
	int rc = -1;
	if (db_step(st) == DB_ROW) {
		auth_user *u = &s->user;
		u->id = db_col_int(st, 0);
		copy_col(st, 1, u->username, sizeof(u->username));
		copy_col(st, 2, u->name, sizeof(u->name));
		copy_col(st, 3, u->email, sizeof(u->email));
		copy_col(st, 4, u->locale, sizeof(u->locale));
		copy_col(st, 5, u->roles, sizeof(u->roles));
		u->department_id = db_col_int(st, 6);
		u->manager_id = db_col_int(st, 7);
		rc = 0;
	}
	db_done(st);
	if (!rc && acl_load(d, s, a))
		rc = -1;
	return rc;
}

/* ---- the job as JSON ---- */

#define JOB_COLS "id, entity, user_id, filename, encoding, status, mapping, duplicates, total, processed, created, " \
		 "updated, skipped, failed, message, created_at, updated_at, finished_at, dry_run"

static json_t *text_or_null(db_stmt *s, int c)
{
	return db_col_is_null(s, c) ? json_null() : json_string(db_col_text(s, c));
}

static json_t *job_row(db_stmt *s)
{
	json_error_t jerr;
	json_t *mapping = db_col_is_null(s, 6) ? NULL : json_loads(db_col_text(s, 6), 0, &jerr);
	return json_pack("{s:I,s:s,s:I,s:s,s:s,s:s,s:o,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:s,s:s,s:o,s:b}", "id",
			 (json_int_t)db_col_int(s, 0), "entity", db_col_text(s, 1), "user_id",
			 (json_int_t)db_col_int(s, 2), "filename", db_col_text(s, 3), "encoding", db_col_text(s, 4),
			 "status", db_col_text(s, 5), "mapping", mapping ? mapping : json_null(), "duplicates",
			 db_col_text(s, 7), "total", (json_int_t)db_col_int(s, 8), "processed",
			 (json_int_t)db_col_int(s, 9), "created", (json_int_t)db_col_int(s, 10), "updated",
			 (json_int_t)db_col_int(s, 11), "skipped", (json_int_t)db_col_int(s, 12), "failed",
			 (json_int_t)db_col_int(s, 13), "message", text_or_null(s, 14), "created_at",
			 db_col_text(s, 15), "updated_at", db_col_text(s, 16), "finished_at", text_or_null(s, 17), "dry_run",
			 (int)db_col_int(s, 18));
}

/* The job when the caller may see it (theirs, or they are an admin); else 404. */
static json_t *job_load(ent_op *op, int64_t id)
{
	db_stmt *s = db_prepare(op->db, "SELECT " JOB_COLS " FROM imports WHERE id = ?");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, id);
	json_t *job = NULL;
	int rc = db_step(s);
	if (rc == DB_ROW)
		job = job_row(s);
	db_done(s);
	if (rc < 0) {
		op_db_fail(op, rc);
		return NULL;
	}
	if (job && op->who && !acl_is_admin(op->who) &&
	    json_integer_value(json_object_get(job, "user_id")) != op->who->user.id) {
		json_decref(job);
		job = NULL;
	}
	if (!job)
		op_fail(op, 404, "not_found", "no such import");
	return job;
}

/* The header and up to `sample` rows, from the first 64 kB of the file. */
static void add_preview(ent_op *op, json_t *job, int sample)
{
	db_stmt *s = db_prepare(op->db, "SELECT substr(content, 1, 65536) FROM imports WHERE id = ?");
	if (!s)
		return;
	db_bind_int(s, 1, json_integer_value(json_object_get(job, "id")));
	json_t *columns = json_array(), *rows = json_array();
	if (db_step(s) == DB_ROW) {
		csv_reader r;
		csv_init(&r, db_col_text(s, 0), db_col_len(s, 0));
		for (int n = 0; n <= sample && csv_next(&r) == 1;) {
			if (n && csv_blank(&r))
				continue;
			json_t *row = n ? json_array() : columns;
			for (int i = 0; i < r.nfields; i++) {
				size_t len;
				const char *f = csv_field(&r, i, &len);
				json_array_append_new(row, json_stringn(f, len));
			}
			if (n)
				json_array_append_new(rows, row);
			n++;
		}
		csv_free(&r);
	}
	db_done(s);
	const entity_def *e = entity_find(json_string_value(json_object_get(job, "entity")));
	json_object_set_new(job, "suggested_mapping", e ? import_suggest(e, columns) : json_array());
	json_object_set_new(job, "columns", columns);
	json_object_set_new(job, "sample", rows);
}

static void add_errors(ent_op *op, json_t *job, int limit)
{
	int64_t id = json_integer_value(json_object_get(job, "id"));
	json_t *errs = json_array();
	db_stmt *s = db_prepare(op->db, "SELECT row_no, problems FROM import_errors WHERE import_id = ? ORDER BY row_no LIMIT ?");
	if (s) {
		db_bind_int(s, 1, id);
		db_bind_int(s, 2, limit);
		while (db_step(s) == DB_ROW) {
			json_error_t jerr;
			json_t *p = json_loads(db_col_text(s, 1), 0, &jerr);
			if (!p)
				p = json_object();
			json_object_set_new(p, "row", json_integer(db_col_int(s, 0)));
			json_array_append_new(errs, p);
		}
		db_done(s);
	}
	json_object_set_new(job, "errors", errs);
	json_object_set_new(job, "error_count",
			    json_integer(db_query_int(op->db, "SELECT count(*) FROM import_errors WHERE import_id = ?", id)));
}

json_t *import_get(ent_op *op, int64_t id)
{
	json_t *job = job_load(op, id);
	if (job) {
		add_preview(op, job, 5);
		add_errors(op, job, 100);
	}
	return job;
}

json_t *import_list(ent_op *op)
{
	db_stmt *s = db_prepare(op->db, "SELECT " JOB_COLS " FROM imports WHERE user_id = ? ORDER BY id DESC LIMIT 100");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, op->who ? op->who->user.id : 0);
	json_t *data = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(data, job_row(s));
	db_done(s);
	return json_pack("{s:o}", "data", data);
}

/* ---- a new job ---- */

static bool may_import(ent_op *op, const entity_def *e)
{
	if (!import_entity_ok(e))
		return op_fail(op, 404, "not_found", "%s cannot be imported", e ? e->name : "?"), false;
	if (!acl_can(op->who, e, ACL_CREATE) || !acl_can(op->who, e, ACL_IMPORT))
		return op_fail(op, 403, "forbidden", "you may not import %s", e->name), false;
	return true;
}

json_t *import_create(ent_op *op, const entity_def *e, const char *filename, const char *data, size_t len)
{
	if (!may_import(op, e))
		return NULL;
	if (len > IMPORT_MAX_FILE) {
		op_fail(op, 413, "payload_too_large", "the file is larger than %zu MB", IMPORT_MAX_FILE >> 20);
		return NULL;
	}
	char err[160] = "";
	size_t n = 0;
	char *text = NULL;
	const char *encoding;
	if (xlsx_sniff(data, len)) {
		buf b = BUF_INIT;
		if (xlsx_to_csv(data, len, &b, err, sizeof(err))) {
			buf_free(&b);
			op_fail(op, 400, "bad_request", "%s", err);
			return NULL;
		}
		n = b.len;
		buf_addc(&b, '\0');
		text = buf_detach(&b);
		encoding = "xlsx";
	} else {
		enum csv_encoding enc;
		text = csv_to_utf8(data, len, &n, &enc, err, sizeof(err));
		if (!text) {
			op_fail(op, 400, "bad_request", "%s", err);
			return NULL;
		}
		encoding = csv_encoding_name(enc);
	}
	/* read it once through: it must parse, have a header, and we count the rows */
	csv_reader r;
	csv_init(&r, text, n);
	int64_t rows = 0;
	int rc, header = 0;
	while ((rc = csv_next(&r)) == 1) {
		if (!header) {
			header = r.nfields;
			if (csv_blank(&r))
				header = 0, rc = -1;
			if (rc < 0)
				break;
			continue;
		}
		if (!csv_blank(&r))
			rows++;
	}
	if (rc < 0 || !header) {
		op_fail(op, 400, "bad_request", "%s", rc < 0 && r.err[0] ? r.err : "the file has no header row");
		csv_free(&r);
		free(text);
		return NULL;
	}
	csv_free(&r);

	char now[32];
	now_iso(now);
	const char *fname = filename && *filename ? filename : "import.csv";
	sqlb q = SQLB_INIT;
	sqlb_add(&q, "INSERT INTO imports (entity, user_id, filename, encoding, status, total, content, created_at, "
		     "updated_at) VALUES (");
	sqlb_text(&q, e->name);
	sqlb_add(&q, ", ");
	sqlb_int(&q, op->who ? op->who->user.id : 0);
	sqlb_add(&q, ", ");
	sqlb_textn(&q, fname, strnlen(fname, 200));
	sqlb_add(&q, ", ");
	sqlb_text(&q, encoding);
	sqlb_add(&q, ", 'uploaded', ");
	sqlb_int(&q, rows);
	sqlb_add(&q, ", ");
	sqlb_textn(&q, text, n);
	sqlb_add(&q, ", ");
	sqlb_text(&q, now);
	sqlb_add(&q, ", ");
	sqlb_text(&q, now);
	sqlb_add(&q, ") RETURNING id");
	free(text);
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	rc = s ? db_step(s) : db_errcode(op->db);
	int64_t id = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	if (!id) {
		op_db_fail(op, rc < 0 ? rc : DB_ERR);
		return NULL;
	}
	return import_get(op, id);
}

/* ---- before a dry run, a run or an undo ---- */

/* Checks a mapping against the file's columns; NULL with op->err when wrong. */
static json_t *check_mapping(ent_op *op, const entity_def *e, json_t *mapping, size_t ncols)
{
	if (!json_is_array(mapping)) {
		op_fail(op, 422, "validation_failed", "mapping must be an array: the field of each column, or null");
		op->err.fields = json_pack("{s:s}", "mapping", mapping ? "invalid_type" : "required");
		return NULL;
	}
	if (json_array_size(mapping) > ncols) {
		op_fail(op, 422, "validation_failed", "the mapping has more entries than the file has columns (%zu)", ncols);
		op->err.fields = json_pack("{s:s}", "mapping", "invalid");
		return NULL;
	}
	json_t *errs = json_object(), *clean = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(mapping, i, m) {
		const char *name = json_string_value(m);
		if (json_is_null(m) || (name && !*name)) {
			json_array_append_new(clean, json_null());
			continue;
		}
		const field_def *f = import_target(e, name);
		if (!f || acl_field_hidden(op->who, e, f) || acl_field_readonly(op->who, e, f)) {
			json_object_set_new(errs, name ? name : "mapping", json_string(f ? "read_only" : "unknown_field"));
			json_array_append_new(clean, json_null());
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(clean, j), m))
				json_object_set_new(errs, name, json_string("duplicate"));
		json_array_append_new(clean, json_string(name));
	}
	while (json_array_size(clean) < ncols)
		json_array_append_new(clean, json_null());
	/* a required field without a default must come from some column */
	for (const field_def *f = e->fields; f->name; f++) {
		if (!(f->flags & F_REQUIRED) || f->def || (f->flags & F_READONLY))
			continue;
		bool mapped = false;
		json_array_foreach(clean, i, m)
			mapped |= json_is_string(m) && !strcmp(json_string_value(m), f->name);
		if (!mapped)
			json_object_set_new(errs, f->name, json_string("required"));
	}
	if (json_object_size(errs)) {
		json_decref(clean);
		op_fail(op, 422, "validation_failed", "the mapping is not complete or names fields that cannot be imported");
		op->err.fields = errs;
		return NULL;
	}
	json_decref(errs);
	return clean;
}

static int column_count(ent_op *op, int64_t id)
{
	db_stmt *s = db_prepare(op->db, "SELECT substr(content, 1, 65536) FROM imports WHERE id = ?");
	int n = 0;
	if (s) {
		db_bind_int(s, 1, id);
		if (db_step(s) == DB_ROW) {
			csv_reader r;
			csv_init(&r, db_col_text(s, 0), db_col_len(s, 0));
			if (csv_next(&r) == 1)
				n = r.nfields;
			csv_free(&r);
		}
		db_done(s);
	}
	return n;
}

json_t *import_prepare(ent_op *op, int64_t id, json_t *body, const char *kind)
{
	json_t *job = job_load(op, id);
	if (!job)
		return NULL;
	const entity_def *e = entity_find(json_string_value(json_object_get(job, "entity")));
	const char *status = json_string_value(json_object_get(job, "status"));
	/* records a run (not a dry run) has made */
	int64_t created = json_is_true(json_object_get(job, "dry_run")) ? 0 : json_integer_value(json_object_get(job, "created"));
	json_t *mapping = NULL, *out = NULL;
	const char *dups = json_string_value(json_object_get(job, "duplicates"));
	const char *next;
	if (!may_import(op, e))
		goto out;
	if (!strcmp(status, "checking") || !strcmp(status, "running") || !strcmp(status, "undoing")) {
		/* a worker writes its progress at least every batch; a job silent for
		 * ten minutes was cut short (the server stopped) and may go on */
		int64_t seen = 0;
		if (clock_parse_iso(json_string_value(json_object_get(job, "updated_at")), &seen) ||
		    clock_now_ms() - seen < IMPORT_STALE_MS) {
			op_fail(op, 409, "conflict", "the import is busy (%s); wait until it ends", status);
			goto out;
		}
		status = "failed";
	}
	if (!strcmp(kind, "undo")) {
		if (!created || !(!strcmp(status, "done") || !strcmp(status, "failed"))) {
			op_fail(op, 409, "conflict", "there is nothing to undo");
			goto out;
		}
		next = "undoing";
	} else {
		if (created || !strcmp(status, "done") || !strcmp(status, "undone")) {
			op_fail(op, 409, "conflict", "this file was imported already; upload it again to import it again");
			goto out;
		}
		json_t *m = json_object_get(body, "mapping");
		if (!m)
			m = json_object_get(job, "mapping");
		if (json_is_null(m))
			m = NULL;
		if (!m) {
			/* none sent, none stored: the suggestion */
			json_t *full = import_get(op, id);
			mapping = full ? check_mapping(op, e, json_object_get(full, "suggested_mapping"),
						      json_array_size(json_object_get(full, "columns")))
				       : NULL;
			json_decref(full);
		} else {
			mapping = check_mapping(op, e, m, (size_t)column_count(op, id));
		}
		if (!mapping)
			goto out;
		json_t *d = json_object_get(body, "duplicates");
		if (d) {
			dups = json_string_value(d);
			if (!dups || (strcmp(dups, "skip") && strcmp(dups, "update") && strcmp(dups, "create"))) {
				op_fail(op, 422, "validation_failed", "duplicates must be skip, update or create");
				op->err.fields = json_pack("{s:s}", "duplicates", "invalid_option");
				goto out;
			}
		}
		next = !strcmp(kind, "dry_run") ? "checking" : "running";
	}
	char now[32];
	now_iso(now);
	char *mtext = mapping ? json_dumps(mapping, JSON_COMPACT) : NULL;
	sqlb q = SQLB_INIT;
	sqlb_add(&q, "UPDATE imports SET status = ");
	sqlb_text(&q, next);
	sqlb_add(&q, ", processed = 0, message = NULL, finished_at = NULL, dry_run = ");
	sqlb_int(&q, !strcmp(kind, "dry_run"));
	sqlb_add(&q, ", updated_at = ");
	sqlb_text(&q, now);
	if (mtext) {
		sqlb_add(&q, ", mapping = ");
		sqlb_text(&q, mtext);
		sqlb_add(&q, ", duplicates = ");
		sqlb_text(&q, dups);
	}
	/* only from the status we saw: two clicks start one run */
	sqlb_add(&q, " WHERE id = ");
	sqlb_int(&q, id);
	sqlb_add(&q, " AND status = ");
	sqlb_text(&q, json_string_value(json_object_get(job, "status")));
	free(mtext);
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	int rc = s ? db_step(s) : db_errcode(op->db);
	db_done(s);
	if (rc != DB_DONE) {
		op_db_fail(op, rc < 0 ? rc : DB_ERR);
		goto out;
	}
	if (db_changes(op->db) != 1) {
		op_fail(op, 409, "conflict", "the import is busy; wait until it ends");
		goto out;
	}
	out = import_get(op, id);
out:
	json_decref(mapping);
	json_decref(job);
	return out;
}

/* ---- the error report ---- */

int import_errors_csv(ent_op *op, int64_t id, buf *out)
{
	json_t *job = job_load(op, id);
	if (!job)
		return -1;
	db_stmt *s = db_prepare(op->db, "SELECT content FROM imports WHERE id = ?");
	db_stmt *e = db_prepare(op->db, "SELECT row_no, problems FROM import_errors WHERE import_id = ? ORDER BY row_no");
	if (!s || !e) {
		db_done(s);
		db_done(e);
		json_decref(job);
		return op_db_fail(op, db_errcode(op->db));
	}
	db_bind_int(s, 1, id);
	db_bind_int(e, 1, id);
	buf_adds(out, "\xEF\xBB\xBF"); /* Excel reads UTF-8 only with its mark */
	if (db_step(s) == DB_ROW) {
		csv_reader r;
		csv_init(&r, db_col_text(s, 0), db_col_len(s, 0));
		int erc = db_step(e);
		bool header = true;
		while (csv_next(&r) == 1) {
			if (header) {
				buf_adds(out, "行号 Row,问题 Problems");
			} else {
				if (erc != DB_ROW)
					break;
				if (db_col_int(e, 0) != r.record)
					continue;
				buf_addf(out, "%lld,", (long long)r.record);
				/* "name: required; phone: duplicate (row 3)" */
				json_error_t jerr;
				json_t *p = json_loads(db_col_text(e, 1), 0, &jerr);
				buf text = BUF_INIT;
				const char *k;
				json_t *v;
				json_object_foreach(json_object_get(p, "fields"), k, v)
					buf_addf(&text, "%s%s: %s", text.len ? "; " : "", k, json_string_value(v));
				const char *msg = json_string_value(json_object_get(p, "message"));
				/* the engine's general words add nothing to the per-field codes */
				if (msg && !(text.len && !strcmp(msg, "some fields are not valid")))
					buf_addf(&text, "%s%s", text.len ? "; " : "", msg);
				csv_write_field(out, buf_str(&text), text.len);
				buf_free(&text);
				json_decref(p);
				erc = db_step(e);
			}
			for (int i = 0; i < r.nfields; i++) {
				size_t n;
				const char *f = csv_field(&r, i, &n);
				buf_addc(out, ',');
				/* as the export does: a cell starting with = or @ is text, not a formula */
				if (n && (f[0] == '=' || f[0] == '@')) {
					buf t = BUF_INIT;
					buf_addc(&t, '\'');
					buf_add(&t, f, n);
					csv_write_field(out, t.ptr, t.len);
					buf_free(&t);
				} else {
					csv_write_field(out, f, n);
				}
			}
			buf_adds(out, "\r\n");
			header = false;
		}
		csv_free(&r);
	}
	db_done(s);
	db_done(e);
	json_decref(job);
	return 0;
}
