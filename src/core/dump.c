/* dump.c - see dump.h. */
#include "dump.h"
#include "entity.h"
#include "search_index.h"
#include "record.h"
#include "../db/migrate.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/xalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Core tables in load order; the entity tables follow in registry order. */
static const char *const core_tables[] = { "users", "settings", "option_lists", "roles", "audit_log",
					   "record_shares", "pool_events", "notifications", "job_runs",
					   "imports", "import_rows", "import_errors", "attachments",
					   "approval_flows", "approval_requests", "approval_tasks", "approval_events",
					   "delegations", "mail_outbox", "action_links", "commission_plans",
					   "commission_fee_rules", "commission_pins", "commission_deductions",
					   "commission_months", "commission_lines", NULL };

/* Columns that are derived on each backend, never moved. */
static bool derived(const char *col)
{
	return !strcmp(col, "search_text") || !strcmp(col, "search_grams");
}

static int write_table(db *d, FILE *out, const char *table, json_t *counts)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1", table);
	db_stmt *s = db_prepare(d, sql);
	if (!s) {
		fprintf(stderr, "rapport: cannot read %s: %s\n", table, db_errmsg(d));
		return -1;
	}
	int rc = db_step(s), n = db_col_count(s);
	json_t *cols = json_array();
	for (int i = 0; i < n; i++)
		if (!derived(db_col_name(s, i)))
			json_array_append_new(cols, json_string(db_col_name(s, i)));
	json_t *h = json_pack("{s:s,s:o}", "table", table, "columns", cols);
	char *head = json_dumps(h, JSON_COMPACT);
	json_decref(h);
	fprintf(out, "%s\n", head);
	free(head);
	int64_t rows = 0;
	buf line = BUF_INIT;
	for (; rc == DB_ROW; rc = db_step(s), rows++) {
		buf_reset(&line);
		buf_addc(&line, '[');
		bool first = true;
		for (int i = 0; i < n; i++) {
			if (derived(db_col_name(s, i)))
				continue;
			if (!first)
				buf_addc(&line, ',');
			first = false;
			if (db_col_is_null(s, i))
				buf_adds(&line, "null");
			else
				buf_add_json_str(&line, db_col_text(s, i), db_col_len(s, i));
		}
		buf_adds(&line, "]\n");
		fwrite(line.ptr, 1, line.len, out);
	}
	buf_free(&line);
	db_done(s);
	if (rc < 0) {
		fprintf(stderr, "rapport: cannot read %s: %s\n", table, db_errmsg(d));
		return -1;
	}
	json_object_set_new(counts, table, json_integer(rows));
	return 0;
}

int dump_write(db *d, FILE *out)
{
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	json_t *head = json_pack("{s:s,s:i,s:i,s:s,s:s}", "format", "rapport-dump", "version", DUMP_FORMAT_VERSION,
				 "schema_version", migrate_current(d), "created_at", now, "source", db_kind_name(d));
	char *txt = json_dumps(head, JSON_COMPACT);
	fprintf(out, "%s\n", txt);
	free(txt);
	json_decref(head);
	json_t *counts = json_object();
	/* one consistent snapshot of everything (PostgreSQL's default, read committed,
	 * would see each table as of its own moment while a server keeps writing) */
	int rc = db_kind(d) == DB_POSTGRES ? db_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") : db_begin(d);
	for (int i = 0; core_tables[i] && !rc; i++)
		rc = write_table(d, out, core_tables[i], counts);
	for (int i = 0; i < entity_count() && !rc; i++)
		rc = write_table(d, out, entity_at(i)->name, counts);
	db_rollback(d);
	if (!rc) {
		json_t *end = json_pack("{s:b,s:o}", "end", 1, "rows", counts);
		txt = json_dumps(end, JSON_COMPACT);
		json_decref(end);
		fprintf(out, "%s\n", txt);
		free(txt);
	} else {
		json_decref(counts);
	}
	return rc || fflush(out) ? -1 : 0;
}

static bool known_table(const char *t)
{
	for (int i = 0; core_tables[i]; i++)
		if (!strcmp(core_tables[i], t))
			return true;
	return entity_find(t) != NULL;
}

/* INSERT INTO t (cols) VALUES (?, ...) */
static char *insert_sql(const char *table, json_t *cols)
{
	buf b = BUF_INIT;
	buf_addf(&b, "INSERT INTO %s (", table);
	size_t i;
	json_t *c;
	json_array_foreach(cols, i, c)
		buf_addf(&b, "%s%s", i ? ", " : "", json_string_value(c));
	buf_adds(&b, ") VALUES (");
	for (i = 0; i < json_array_size(cols); i++)
		buf_adds(&b, i ? ", ?" : "?");
	buf_addc(&b, ')');
	return buf_detach(&b);
}

static bool ident_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* After a load on PostgreSQL: sequences past the largest id, search columns rebuilt. */
static int finish_postgres(db *d)
{
	if (db_kind(d) != DB_POSTGRES)
		return 0;
	for (int i = -1; i < entity_count(); i++) {
		const char *t = i < 0 ? "users" : entity_at(i)->name;
		char sql[256];
		snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
					   "coalesce((SELECT max(id) FROM %s), 0) + 1, false)", t, t);
		if (db_exec(d, sql))
			return -1;
	}
	const char *seq_tables[] = { "audit_log", "pool_events", "notifications", "imports", "attachments",
				     "approval_flows", "approval_requests", "approval_tasks", "approval_events",
				     "delegations", "mail_outbox", "commission_plans", "commission_fee_rules",
				     "commission_deductions", "commission_lines" };
	for (size_t i = 0; i < sizeof(seq_tables) / sizeof(seq_tables[0]); i++) {
		char sql[256];
		snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
					   "coalesce((SELECT max(id) FROM %s), 0) + 1, false)", seq_tables[i], seq_tables[i]);
		if (db_exec(d, sql))
			return -1;
	}
	auth_session system = { .user = { .username = "system" } };
	ent_op op = { .db = d, .who = &system };
	for (int i = 0; i < entity_count(); i++) {
		const entity_def *e = entity_at(i);
		if (!search_index_needed(d, e))
			continue;
		for (int64_t after = 0;;) {
			char gt[24];
			snprintf(gt, sizeof(gt), "%lld", (long long)after);
			query_arg args[] = { { "filter[id][gt]", gt }, { "sort", "id" }, { "limit", "500" } };
			json_t *page = record_list_system(&op, e, args, 3);
			if (!page)
				return -1;
			size_t k;
			json_t *r;
			json_array_foreach(json_object_get(page, "data"), k, r) {
				after = json_integer_value(json_object_get(r, "id"));
				if (search_reindex(&op, e, after, r)) {
					json_decref(page);
					return -1;
				}
			}
			size_t n = json_array_size(json_object_get(page, "data"));
			json_decref(page);
			if (n < 500)
				break;
		}
	}
	return 0;
}

/* Empties every table dump_read fills, in reverse load order (references first). */
static int clear_all(db *d)
{
	char sql[96];
	if (db_exec(d, "DELETE FROM sessions") || db_exec(d, "DELETE FROM login_failures"))
		return -1;
	for (int i = entity_count() - 1; i >= 0; i--) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s", entity_at(i)->name);
		if (db_exec(d, sql))
			return -1;
	}
	int n = 0;
	while (core_tables[n])
		n++;
	while (n-- > 0) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s", core_tables[n]);
		if (db_exec(d, sql))
			return -1;
	}
	return 0;
}

static int read_dump(db *d, FILE *in, bool replace);

int dump_read(db *d, FILE *in)
{
	return read_dump(d, in, false);
}

int dump_read_replace(db *d, FILE *in)
{
	return read_dump(d, in, true);
}

static int read_dump(db *d, FILE *in, bool replace)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	json_error_t err;
	int rc = -1;
	db_stmt *ins = NULL;
	char *sql = NULL;
	size_t ncols = 0;
	int64_t rows = 0, lineno = 0;
	const char *table = NULL;
	json_t *counts = json_object(), *tblj = NULL;
	if ((len = getline(&line, &cap, in)) <= 0) {
		fprintf(stderr, "rapport: the dump is empty\n");
		goto out;
	}
	json_t *head = json_loadb(line, (size_t)len, 0, &err);
	const char *format = json_string_value(json_object_get(head, "format"));
	if (!json_is_object(head) || !format || strcmp(format, "rapport-dump") ||
	    json_integer_value(json_object_get(head, "version")) != DUMP_FORMAT_VERSION) {
		fprintf(stderr, "rapport: not a Rapport dump of format version %d\n", DUMP_FORMAT_VERSION);
		json_decref(head);
		goto out;
	}
	if (json_integer_value(json_object_get(head, "schema_version")) > migrate_current(d)) {
		fprintf(stderr, "rapport: the dump comes from a newer Rapport; upgrade first\n");
		json_decref(head);
		goto out;
	}
	json_decref(head);
	if (!replace && db_query_int(d, "SELECT count(*) FROM users", 1) != 0) {
		fprintf(stderr, "rapport: the database is not empty; load needs a new one\n");
		goto out;
	}
	if (db_begin(d))
		goto out;
	if (replace && clear_all(d))
		goto dberr;
	lineno = 1;
	bool ended = false;
	while ((len = getline(&line, &cap, in)) > 0) {
		lineno++;
		json_t *j = json_loadb(line, (size_t)len, 0, &err);
		if (json_is_object(j) && json_object_get(j, "end")) {
			/* every table's row count must match what was written */
			json_t *want = json_object_get(j, "rows");
			if (table)
				json_object_set_new(counts, table, json_integer(rows));
			ended = json_equal(want, counts);
			if (!ended)
				fprintf(stderr, "rapport: the dump is incomplete (row counts differ)\n");
			json_decref(j);
			break;
		}
		if (json_is_object(j)) {
			if (table)
				json_object_set_new(counts, table, json_integer(rows));
			db_done(ins);
			ins = NULL;
			free(sql);
			sql = NULL;
			json_decref(tblj);
			tblj = j;
			table = json_string_value(json_object_get(j, "table"));
			json_t *cols = json_object_get(j, "columns");
			size_t i;
			json_t *c;
			bool ok = table && known_table(table) && json_is_array(cols);
			json_array_foreach(cols, i, c)
				ok = ok && ident_ok(json_string_value(c));
			if (!ok) {
				fprintf(stderr, "rapport: line %lld: an unknown table or column\n", (long long)lineno);
				goto rollback;
			}
			char del[96];
			snprintf(del, sizeof(del), "DELETE FROM %s", table); /* seeded rows give way */
			if (db_exec(d, del))
				goto dberr;
			ncols = json_array_size(cols);
			sql = insert_sql(table, cols);
			rows = 0;
			continue;
		}
		if (!json_is_array(j) || !table || json_array_size(j) != ncols) {
			fprintf(stderr, "rapport: line %lld is damaged\n", (long long)lineno);
			json_decref(j);
			goto rollback;
		}
		if (!ins && !(ins = db_prepare(d, sql))) {
			json_decref(j);
			goto dberr;
		}
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) {
			if (json_is_null(v))
				db_bind_null(ins, (int)i + 1);
			else
				db_bind_text(ins, (int)i + 1, json_is_string(v) ? json_string_value(v) : "", json_string_length(v));
		}
		json_decref(j);
		if (db_step(ins) != DB_DONE)
			goto dberr;
		db_done(ins);
		ins = db_prepare(d, sql);
		rows++;
	}
	if (!ended) {
		if (len <= 0)
			fprintf(stderr, "rapport: the dump ends early (line %lld)\n", (long long)lineno);
		goto rollback;
	}
	db_done(ins);
	ins = NULL;
	if (finish_postgres(d))
		goto dberr;
	rc = db_commit(d) ? -1 : 0;
	goto out;
dberr:
	fprintf(stderr, "rapport: line %lld: %s\n", (long long)lineno, db_errmsg(d));
rollback:
	db_done(ins);
	ins = NULL;
	db_rollback(d);
out:
	db_done(ins);
	json_decref(tblj);
	json_decref(counts);
	free(sql);
	free(line);
	return rc;
}
