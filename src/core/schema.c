/*
 * schema.c - tables, indexes and search indexes derived from declarations.
 *
 * Run at every start (init, migrate, serve): creates what is missing and adds
 * columns for fields added to a declaration.  Columns are never dropped or
 * retyped here; that stays a numbered migration, so no data is lost silently.
 *
 * Search: searchable fields go into an FTS5 table <entity>_fts with the
 * "bigram" tokenizer (src/db/sqlite_bigram.c), kept in step by triggers.
 * When the set of searchable fields changes, the index is rebuilt.
 */
#include "entity.h"
#include "count_summary.h"
#include "schema_int.h"
#include "query.h"
#include "search_index.h"
#include "../util/buf.h"
#include "../util/log.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

const char *schema_col_type(enum field_type t)
{
	switch (t) {
	case FT_INT: case FT_DECIMAL: case FT_BOOL: case FT_REF: case FT_MONEY:
		return "INTEGER";
	default:
		return "TEXT";
	}
}

static void add_column_defs(buf *b, const entity_def *e)
{
	buf_adds(b, "id INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1, "
		    "created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by INTEGER, "
		    "updated_by INTEGER, deleted_at TEXT");
	if (e->flags & E_OWNED)
		buf_adds(b, ", owner_id INTEGER");
	for (const field_def *f = e->fields; f->name; f++) {
		buf_addf(b, ", %s %s", f->name, schema_col_type(f->type));
		if (f->type == FT_MONEY)
			buf_addf(b, ", %s_currency TEXT", f->name);
	}
}

static int has_column(db *d, const char *table, const char *col)
{
	return db_has_column(d, table, col);
}

static int add_missing_columns(db *d, const entity_def *e)
{
	buf q = BUF_INIT;
	int rc = 0;
	if ((e->flags & E_OWNED) && !has_column(d, e->name, "owner_id")) {
		buf_addf(&q, "ALTER TABLE %s ADD COLUMN owner_id INTEGER", e->name);
		rc = db_exec(d, buf_str(&q));
	}
	for (const field_def *f = e->fields; f->name && !rc; f++) {
		if (!has_column(d, e->name, f->name)) {
			buf_reset(&q);
			buf_addf(&q, "ALTER TABLE %s ADD COLUMN %s %s", e->name, f->name, schema_col_type(f->type));
			rc = db_exec(d, buf_str(&q));
			log_info("schema: added %s.%s", e->name, f->name);
		}
		if (!rc && f->type == FT_MONEY) {
			char cur[80];
			snprintf(cur, sizeof(cur), "%s_currency", f->name);
			if (!has_column(d, e->name, cur)) {
				buf_reset(&q);
				buf_addf(&q, "ALTER TABLE %s ADD COLUMN %s TEXT", e->name, cur);
				rc = db_exec(d, buf_str(&q));
			}
		}
	}
	buf_free(&q);
	return rc;
}

/* PostgreSQL keeps the first 63 bytes of a name (NAMEDATALEN - 1), so two
 * longer index names alike in those were one index there: the "DROP INDEX
 * IF EXISTS X" that clears an older build's X dropped the X_nf just created,
 * at every start (the board's "stage,amount" list index, with its currency
 * and deleted_at, never existed on PostgreSQL).  There a longer name keeps
 * its first 54 bytes and ends in "_" and 8 hex digits of a hash of the
 * whole.  SQLite keeps every name as it is. */
enum { PG_NAME_MAX = 63, PG_NAME_KEEP = 54 };

static const char *index_name(db *d, const char *name, char *out, size_t n)
{
	if (db_kind(d) != DB_POSTGRES || strlen(name) <= PG_NAME_MAX)
		return name;
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	snprintf(out, n, "%.*s_%08x", PG_NAME_KEEP, name, (unsigned)h);
	return out;
}

/* Appends CREATE [UNIQUE] INDEX IF NOT EXISTS name ON table(cols) where;
 * on PostgreSQL a long name's older form, cut at 63 bytes, goes. */
static void add_create_index(db *d, buf *q, bool unique, const char *name, const char *table, const char *cols,
			     const char *where)
{
	char fit[PG_NAME_MAX + 1];
	buf_addf(q, "CREATE %sINDEX IF NOT EXISTS %s ON %s(%s)%s; ", unique ? "UNIQUE " : "",
		 index_name(d, name, fit, sizeof(fit)), table, cols, where);
	if (db_kind(d) == DB_POSTGRES && strlen(name) > PG_NAME_MAX)
		buf_addf(q, "DROP INDEX IF EXISTS %.*s; ", PG_NAME_MAX, name);
}

/* Appends DROP INDEX IF EXISTS name (an older build's index), in both forms
 * on PostgreSQL: as index_name makes it and as cut at 63 bytes. */
static void add_drop_index(db *d, buf *q, const char *name)
{
	char fit[PG_NAME_MAX + 1];
	buf_addf(q, "DROP INDEX IF EXISTS %s; ", index_name(d, name, fit, sizeof(fit)));
	if (db_kind(d) == DB_POSTGRES && strlen(name) > PG_NAME_MAX)
		buf_addf(q, "DROP INDEX IF EXISTS %.*s; ", PG_NAME_MAX, name);
}

static int create_index(db *d, const entity_def *e, const char *suffix, const char *cols, bool unique)
{
	char name[200];
	snprintf(name, sizeof(name), "%s_%s", e->name, suffix);
	buf q = BUF_INIT;
	add_create_index(d, &q, unique, name, e->name, cols, unique ? " WHERE deleted_at IS NULL" : "");
	int rc = db_exec(d, buf_str(&q));
	buf_free(&q);
	return rc;
}

/* PostgreSQL sorts an empty value last unless told, and Rapport's lists ask
 * for SQLite's order (empty is the smallest: "NULLS FIRST" ascending, "NULLS
 * LAST" descending, query.c).  A plain btree index gives neither, so a sort by
 * a column that can be empty read and sorted every match (the director's
 * pipeline: 353 ms -> 0.8 ms with the index below).  On PostgreSQL such
 * columns are indexed NULLS FIRST, which serves both directions, under the
 * name with "_nf" so that a database from an older build gets them (and
 * loses the old ones, create_sorted_index).  Returns false when no column of
 * cols needs it, or on SQLite. */
static bool pg_nulls_first(db *d, const entity_def *e, const char *cols, char *out, size_t n)
{
	if (db_kind(d) != DB_POSTGRES)
		return false;
	bool any = false;
	out[0] = '\0';
	for (const char *p = cols; *p;) {
		size_t len = strcspn(p, ",");
		char col[64];
		snprintf(col, sizeof(col), "%.*s", (int)len, p);
		char *c = col;
		while (*c == ' ')
			c++;
		const field_def *f = entity_field(e, c);
		bool nf = f && (f->flags & F_SORT) && query_sort_may_be_empty(f);
		snprintf(out + strlen(out), n - strlen(out), "%s%s%s", out[0] ? "," : "", c, nf ? " NULLS FIRST" : "");
		any |= nf;
		p += len;
		if (*p)
			p++;
	}
	return any;
}

/* CREATE INDEX name ON e(cols), partial on live rows if asked; on PostgreSQL
 * with the NULLS FIRST columns of pg_nulls_first under name_nf. */
static int create_sorted_index(db *d, const entity_def *e, const char *name, const char *cols, bool live)
{
	char pgcols[300], nf[220];
	const char *where = live ? " WHERE deleted_at IS NULL" : "";
	buf q = BUF_INIT;
	int rc;
	if (pg_nulls_first(d, e, cols, pgcols, sizeof(pgcols))) {
		snprintf(nf, sizeof(nf), "%s_nf", name);
		add_create_index(d, &q, false, nf, e->name, pgcols, where);
		add_drop_index(d, &q, name);
	} else {
		add_create_index(d, &q, false, name, e->name, cols, where);
	}
	rc = db_exec(d, buf_str(&q));
	buf_free(&q);
	return rc;
}

/* "stage,amount" -> an index on live rows over those columns and then the
 * ones the data scope tests (owner, pool, the record scope follows), so a
 * scoped page and its total are answered from the index alone. */
static void list_index_name(const entity_def *e, const char *cols, char *name, size_t n)
{
	snprintf(name, n, "%s_list", e->name);
	for (const char *p = cols; *p; p++)
		if (*p != ' ')
			snprintf(name + strlen(name), n - strlen(name), "%c", *p == ',' ? '_' : *p);
}

static void add_scope_cols(const entity_def *e, char *cols, size_t n)
{
	if (e->scope_via)
		snprintf(cols + strlen(cols), n - strlen(cols), ",%s", e->scope_via);
	if (e->flags & E_OWNED)
		snprintf(cols + strlen(cols), n - strlen(cols), ",owner_id");
	if (e->pool_field)
		snprintf(cols + strlen(cols), n - strlen(cols), ",%s", e->pool_field);
}

/* A money column carries its currency, and then deleted_at, so that a sum
 * over the index (aggregate.c: sum, min and max of the currency, on live
 * rows) never reads the table: SQLite 3.40 counts a partial index as
 * covering only when it holds the columns of its own WHERE too.  The amount
 * by stage over 500k opportunities: 7.9 s (cold) / 0.7 s -> 0.3 s
 * (bench/NOTES.md).  The index without them, from older builds, goes. */
/* The columns of spec's list index (with the currency, scope and deleted_at
 * columns); true when it carries a money column. */
static bool list_index_cols(const entity_def *e, const char *spec, char *cols, size_t n)
{
	cols[0] = '\0';
	bool money = false;
	for (const char *p = spec; *p;) {
		size_t len = strcspn(p, ",");
		char col[64];
		snprintf(col, sizeof(col), "%.*s", (int)len, p);
		snprintf(cols + strlen(cols), n - strlen(cols), "%s%s", cols[0] ? "," : "", col);
		const field_def *f = entity_field(e, col);
		if (f && f->type == FT_MONEY) {
			snprintf(cols + strlen(cols), n - strlen(cols), ",%s_currency", col);
			money = true;
		}
		p += len;
		if (*p)
			p++;
	}
	add_scope_cols(e, cols, n);
	if (money)
		snprintf(cols + strlen(cols), n - strlen(cols), ",deleted_at");
	return money;
}

static bool has_col(const char *cols, const char *col)
{
	size_t n = strlen(col);
	for (const char *p = cols; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, col, n))
			return true;
		p += len;
		if (*p)
			p++;
	}
	return false;
}

bool entity_covering_list_index(const entity_def *e, const char *group, const char *sum, char *name, size_t n)
{
	char cols[200], cur[80];
	snprintf(cur, sizeof(cur), "%s_currency", sum);
	for (const char *const *ix = e->list_indexes; ix && *ix; ix++) {
		if (list_index_cols(e, *ix, cols, sizeof(cols)) && has_col(cols, group) && has_col(cols, sum) &&
		    has_col(cols, cur)) {
			list_index_name(e, cols, name, n);
			return true;
		}
	}
	return false;
}

static int create_list_index(db *d, const entity_def *e, const char *spec)
{
	char name[200], cols[200], plain[200], nf[220];
	bool money = list_index_cols(e, spec, cols, sizeof(cols));
	list_index_name(e, cols, name, sizeof(name));
	buf q = BUF_INIT;
	int rc = create_sorted_index(d, e, name, cols, true);
	if (!rc && money) {
		snprintf(plain, sizeof(plain), "%s", spec);
		add_scope_cols(e, plain, sizeof(plain));
		list_index_name(e, plain, name, sizeof(name));
		snprintf(nf, sizeof(nf), "%s_nf", name);
		add_drop_index(d, &q, name);
		add_drop_index(d, &q, nf);
		rc = db_exec(d, buf_str(&q));
	}
	buf_free(&q);
	return rc;
}

/* For a list as seen through a narrow scope (record.c branch_sql): the same
 * columns behind the owner, and behind the pool and the owner, so a rep's
 * own rows and their pool's are each found in list order and counted from
 * the index alone. */
static int create_scope_indexes(db *d, const entity_def *e, const char *spec)
{
	if (e->scope_via || !(e->flags & E_OWNED))
		return 0;
	char cols[200], name[200];
	int rc = 0;
	for (int pool = 0; pool < 2 && !rc; pool++) {
		if (pool && !e->pool_field)
			break;
		snprintf(cols, sizeof(cols), "%s%sowner_id,%s", pool ? e->pool_field : "", pool ? "," : "", spec);
		snprintf(name, sizeof(name), "%s_scope", e->name);
		for (const char *p = cols; *p; p++)
			if (*p != ' ')
				snprintf(name + strlen(name), sizeof(name) - strlen(name), "%c", *p == ',' ? '_' : *p);
		rc = create_sorted_index(d, e, name, cols, true);
	}
	return rc;
}

/* A sparse reference (F_SPARSE): indexed only where set, under the name
 * <entity>_<field>_set, so that a record without it writes no index entry
 * (a follow-up logged on a customer alone wrote one entry into each of the
 * contact, lead and opportunity indexes, at the end of the empty ones).  A
 * lookup by equality implies IS NOT NULL, on SQLite and PostgreSQL, so every
 * list by the reference still finds its rows there.  The full index of older
 * builds goes. */
static int create_sparse_index(db *d, const entity_def *e, const field_def *f)
{
	buf q = BUF_INIT;
	buf_addf(&q, "CREATE INDEX IF NOT EXISTS %s_%s_set ON %s(%s) WHERE %s IS NOT NULL; "
		     "DROP INDEX IF EXISTS %s_%s; DROP INDEX IF EXISTS %s_%s_nf",
		 e->name, f->name, e->name, f->name, f->name, e->name, f->name, e->name, f->name);
	int rc = db_exec(d, buf_str(&q));
	buf_free(&q);
	return rc;
}

static int create_indexes(db *d, const entity_def *e)
{
	int rc = create_index(d, e, "updated", "updated_at", false);
	for (const char *const *ix = e->list_indexes; ix && *ix && !rc; ix++) {
		rc = create_list_index(d, e, *ix);
		if (!rc)
			rc = create_scope_indexes(d, e, *ix);
	}
	/* A rep's list with no filter (the customers page as it opens): its pool
	 * branch was counted through (pool, owner) and read each pooled row for
	 * deleted_at, 21-28 ms for 8k pooled customers.  deleted_at in the key
	 * makes SQLite 3.40 see the partial index as covering: 0.8 ms. */
	if (!rc && e->pool_field)
		rc = create_scope_indexes(d, e, "updated_at,deleted_at");
	if (!rc)
		rc = create_index(d, e, "created", "created_at", false);
	if (!rc && (e->flags & E_OWNED))
		rc = create_index(d, e, "owner", "owner_id, updated_at", false);
	for (const field_def *f = e->fields; f->name && !rc; f++) {
		char suffix[80];
		bool dup = false;
		for (const char *const *k = e->duplicate_keys; k && *k; k++)
			dup |= !strcmp(*k, f->name);
		if (f->flags & F_UNIQUE) {
			snprintf(suffix, sizeof(suffix), "%s_unique", f->name);
			rc = create_index(d, e, suffix, f->name, true);
		} else if (e->pool_field && !strcmp(f->name, e->pool_field)) {
			/* a pool is "no owner, this department": one index answers both */
			snprintf(suffix, sizeof(suffix), "%s_pool", f->name);
			char cols[96];
			snprintf(cols, sizeof(cols), "%s, owner_id", f->name);
			rc = create_index(d, e, suffix, cols, false);
		} else if (f->flags & F_SPARSE) {
			rc = create_sparse_index(d, e, f);
		} else if ((f->flags & (F_SORT | F_INDEX)) || f->type == FT_REF || dup) {
			char name[160];
			snprintf(name, sizeof(name), "%s_%s", e->name, f->name);
			rc = create_sorted_index(d, e, name, f->name, false);
		}
	}
	return rc;
}

/* The searchable fields, comma-separated, with a prefix on each ("new." etc). */
static void search_cols(buf *b, const entity_def *e, const char *prefix)
{
	bool first = true;
	for (const field_def *f = e->fields; f->name; f++) {
		if (!(f->flags & F_SEARCH))
			continue;
		buf_addf(b, "%s%s%s", first ? "" : ", ", prefix, f->name);
		first = false;
	}
}

/* PostgreSQL: the engine-maintained search columns and their GIN index. */
static int sync_search_columns(db *d, const entity_def *e)
{
	buf q = BUF_INIT;
	int rc = 0;
	if (!has_column(d, e->name, "search_text")) {
		buf_addf(&q, "ALTER TABLE %s ADD COLUMN search_text TEXT; ALTER TABLE %s ADD COLUMN search_grams TEXT[]; "
			     "CREATE INDEX IF NOT EXISTS %s_search ON %s USING gin (search_grams);",
			 e->name, e->name, e->name, e->name);
		rc = db_exec(d, buf_str(&q));
	}
	buf_free(&q);
	return rc;
}

static int sync_search(db *d, const entity_def *e)
{
	if (db_kind(d) == DB_POSTGRES)
		return search_index_needed(d, e) ? sync_search_columns(d, e) : 0;
	buf cols = BUF_INIT, q = BUF_INIT;
	search_cols(&cols, e, "");
	int rc = 0;
	if (!cols.len)
		goto out;
	/* the recorded field list tells whether the index matches the declaration */
	char key[96];
	snprintf(key, sizeof(key), "fts:%s", e->name);
	db_stmt *s = db_prepare(d, "SELECT value FROM settings WHERE key = ?");
	bool same = false;
	if (s) {
		db_bind_str(s, 1, key);
		if (db_step(s) == DB_ROW)
			same = !strcmp(db_col_text(s, 0), buf_str(&cols));
		db_done(s);
	}
	if (same)
		goto out;
	buf news = BUF_INIT, olds = BUF_INIT;
	search_cols(&news, e, "new.");
	search_cols(&olds, e, "old.");
	const char *t = e->name;
	/* rebuilt, then optimized into one segment: a rebuild leaves an
	 * incremental merge half done, which the next writes would pay */
	buf_addf(&q,
		 "DROP TRIGGER IF EXISTS %s_fts_ai; DROP TRIGGER IF EXISTS %s_fts_ad; "
		 "DROP TRIGGER IF EXISTS %s_fts_au; DROP TABLE IF EXISTS %s_fts; "
		 "CREATE VIRTUAL TABLE %s_fts USING fts5(%s, content='%s', content_rowid='id', "
		 "tokenize='bigram'); "
		 "CREATE TRIGGER %s_fts_ai AFTER INSERT ON %s BEGIN "
		 "INSERT INTO %s_fts(rowid, %s) VALUES (new.id, %s); END; "
		 "CREATE TRIGGER %s_fts_ad AFTER DELETE ON %s BEGIN "
		 "INSERT INTO %s_fts(%s_fts, rowid, %s) VALUES ('delete', old.id, %s); END; "
		 "CREATE TRIGGER %s_fts_au AFTER UPDATE OF %s ON %s BEGIN "
		 "INSERT INTO %s_fts(%s_fts, rowid, %s) VALUES ('delete', old.id, %s); "
		 "INSERT INTO %s_fts(rowid, %s) VALUES (new.id, %s); END; "
		 "INSERT INTO %s_fts(%s_fts) VALUES ('rebuild'); INSERT INTO %s_fts(%s_fts) VALUES ('optimize');",
		 t, t, t, t,
		 t, buf_str(&cols), t,
		 t, t, t, buf_str(&cols), buf_str(&news),
		 t, t, t, t, buf_str(&cols), buf_str(&olds),
		 t, buf_str(&cols), t, t, t, buf_str(&cols), buf_str(&olds), t, buf_str(&cols), buf_str(&news),
		 t, t, t, t);
	rc = db_exec(d, buf_str(&q));
	if (!rc) {
		s = db_prepare(d, "INSERT INTO settings(key, value) VALUES (?, ?) "
				  "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
		if (s) {
			db_bind_str(s, 1, key);
			db_bind_str(s, 2, buf_str(&cols));
			rc = db_step(s) == DB_DONE ? 0 : -1;
			db_done(s);
		}
		log_info("schema: built the search index of %s", e->name);
	}
	buf_free(&news);
	buf_free(&olds);
out:
	buf_free(&cols);
	buf_free(&q);
	return rc;
}

static int sync_entity(db *d, const entity_def *e)
{
	buf q = BUF_INIT;
	buf_addf(&q, "CREATE TABLE IF NOT EXISTS %s (", e->name);
	add_column_defs(&q, e);
	buf_adds(&q, ")");
	int rc = db_exec(d, buf_str(&q));
	buf_free(&q);
	if (!rc)
		rc = add_missing_columns(d, e);
	if (!rc)
		rc = create_indexes(d, e);
	if (!rc)
		rc = sync_search(d, e);
	if (rc)
		log_error("schema of %s: %s", e->name, db_errmsg(d));
	return rc;
}

int entity_sync_schema(db *d)
{
	if (db_begin(d))
		return -1;
	for (int i = 0; i < entity_count(); i++) {
		if (sync_entity(d, entity_at(i))) {
			db_rollback(d);
			return -1;
		}
	}
	if (db_commit(d))
		return -1;
	/* the count summaries' tables and triggers, each in its transaction */
	for (int i = 0; i < entity_count(); i++)
		if (count_summary_sync(d, entity_at(i)))
			return -1;
	return 0;
}
