/* count_summary.c - see count_summary.h. */
#include "count_summary.h"
#include "schema_int.h"
#include "summary_table.h"
#include "../util/buf.h"
#include "../util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* settings: "count_summary:<entity>" = "<version> <key>,<key>,..." */
#define MARK_PREFIX "count_summary:"
/* The triggers' and table's definition: a new one recreates both. */
#define TRIGGERS_VERSION "1"
#define MAX_KEYS 6
/* PostgreSQL: a reader looks at the delta rows every FOLD_EVERY reads of a
 * thread, and folds them when there are more than FOLD_ROWS past the keys */
#define FOLD_ROWS 2000
#define FOLD_EVERY 512

/* One entity's summary, as summary_table.c takes it. */
typedef struct count_def {
	char table[96], mark_key[96], mark[300], keys[256];
	const char *key[MAX_KEYS];
	int nkeys;
	buf recompute, install, totals;
	summary_def s;
} count_def;

static bool ident_ok(const char *s, size_t n)
{
	if (!n || n > 60)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* Appends fmt once per key, each "%s" being the key, joined by sep. */
static void each_key(buf *b, const count_def *c, const char *fmt, const char *sep)
{
	for (int i = 0; i < c->nkeys; i++) {
		if (i)
			buf_adds(b, sep);
		for (const char *f = fmt; *f; f++) {
			if (f[0] == '%' && f[1] == 's') {
				buf_adds(b, c->key[i]);
				f++;
			} else {
				buf_addc(b, *f);
			}
		}
	}
}

/* The SQL type of key k of e: that of its column. */
static const char *key_type(const entity_def *e, const char *k)
{
	const field_def *f = entity_field(e, k);
	return f ? schema_col_type(f->type) : "INTEGER"; /* owner_id */
}

/* SQLite: the in-place triggers.  A key's row is found with IS (keys may be
 * NULL: the pool's customers have no owner), which the key index serves. */
static void sqlite_install(buf *b, const count_def *c, const entity_def *e)
{
	const char *t = c->table, *src = e->name;
	buf key_new = BUF_INIT, key_old = BUF_INIT, vals_new = BUF_INIT, changed = BUF_INIT;
	each_key(&key_new, c, "%s IS new.%s", " AND ");
	each_key(&key_old, c, "%s IS old.%s", " AND ");
	each_key(&vals_new, c, "new.%s", ", ");
	each_key(&changed, c, "old.%s IS NOT new.%s", " OR ");
	buf_addf(b, "DROP TRIGGER IF EXISTS %s_ai; DROP TRIGGER IF EXISTS %s_ad; DROP TRIGGER IF EXISTS %s_au; "
		    "DROP TABLE IF EXISTS %s; CREATE TABLE %s (", t, t, t, t, t);
	for (int i = 0; i < c->nkeys; i++)
		buf_addf(b, "%s %s, ", c->key[i], key_type(e, c->key[i]));
	buf_adds(b, "n INTEGER NOT NULL); ");
	/* an index led by each key, holding the others: a scope's owner, a
	 * pool's department, the director's status tab each seek */
	for (int i = 0; i < c->nkeys; i++) {
		buf_addf(b, "CREATE INDEX %s_k%d ON %s(%s", t, i, t, c->key[i]);
		for (int j = 0; j < c->nkeys; j++)
			if (j != i)
				buf_addf(b, ", %s", c->key[j]);
		buf_adds(b, "); ");
	}
	char add[2][2048];
	for (int live = 0; live < 2; live++)
		snprintf(add[live], sizeof(add[live]),
			 "UPDATE %s SET n = n + 1 WHERE %s%s; "
			 "INSERT INTO %s(%s, n) SELECT %s, 1 WHERE %sNOT EXISTS (SELECT 1 FROM %s WHERE %s); ",
			 t, live ? "new.deleted_at IS NULL AND " : "", buf_str(&key_new), t, c->keys, buf_str(&vals_new),
			 live ? "new.deleted_at IS NULL AND " : "", t, buf_str(&key_new));
	buf_addf(b, "CREATE TRIGGER %s_ai AFTER INSERT ON %s WHEN new.deleted_at IS NULL BEGIN %sEND; ", t, src,
		 add[0]);
	buf_addf(b, "CREATE TRIGGER %s_ad AFTER DELETE ON %s WHEN old.deleted_at IS NULL BEGIN "
		    "UPDATE %s SET n = n - 1 WHERE %s; END; ", t, src, t, buf_str(&key_old));
	buf_addf(b, "CREATE TRIGGER %s_au AFTER UPDATE OF %s, deleted_at ON %s "
		    "WHEN (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) OR (new.deleted_at IS NULL AND (%s)) BEGIN "
		    "UPDATE %s SET n = n - 1 WHERE old.deleted_at IS NULL AND %s; %sEND;",
		 t, c->keys, src, buf_str(&changed), t, buf_str(&key_old), add[1]);
	buf_free(&key_new);
	buf_free(&key_old);
	buf_free(&vals_new);
	buf_free(&changed);
}

/* PostgreSQL: a delta row per change, as opportunity_sums. */
static void pg_install(buf *b, const count_def *c, const entity_def *e)
{
	const char *t = c->table, *src = e->name;
	buf same = BUF_INIT, olds = BUF_INIT, news = BUF_INIT;
	each_key(&same, c, "OLD.%s IS NOT DISTINCT FROM NEW.%s", " AND ");
	each_key(&olds, c, "OLD.%s", ", ");
	each_key(&news, c, "NEW.%s", ", ");
	buf_addf(b, "DROP TABLE IF EXISTS %s; CREATE TABLE %s (", t, t);
	for (int i = 0; i < c->nkeys; i++)
		buf_addf(b, "%s %s, ", c->key[i], key_type(e, c->key[i]));
	buf_adds(b, "n INTEGER NOT NULL); ");
	for (int i = 0; i < c->nkeys; i++) {
		buf_addf(b, "CREATE INDEX %s_k%d ON %s(%s", t, i, t, c->key[i]);
		for (int j = 0; j < c->nkeys; j++)
			if (j != i)
				buf_addf(b, ", %s", c->key[j]);
		buf_adds(b, "); ");
	}
	buf_addf(b, "CREATE OR REPLACE FUNCTION %s_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
		    "IF TG_OP = 'UPDATE' AND (OLD.deleted_at IS NULL) = (NEW.deleted_at IS NULL) AND %s THEN "
		    "RETURN NULL; END IF; "
		    "IF TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN INSERT INTO %s(%s, n) VALUES (%s, -1); END IF; "
		    "IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN INSERT INTO %s(%s, n) VALUES (%s, 1); END IF; "
		    "RETURN NULL; END $$; "
		    "DROP TRIGGER IF EXISTS %s_t ON %s; "
		    "CREATE TRIGGER %s_t AFTER INSERT OR DELETE OR UPDATE OF %s, deleted_at ON %s "
		    "FOR EACH ROW EXECUTE FUNCTION %s_row();",
		 t, buf_str(&same), t, c->keys, buf_str(&olds), t, c->keys, buf_str(&news), t, src, t, c->keys, src, t);
	buf_free(&same);
	buf_free(&olds);
	buf_free(&news);
}

/* The summary of entity `ent` over keys; e (its declaration) only for
 * installing, NULL for verifying.  Free with def_free. */
static void def_init(count_def *c, db *d, const char *ent, const char *const *key, int nkeys,
		     const entity_def *e)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->table, sizeof(c->table), "%s_counts", ent);
	snprintf(c->mark_key, sizeof(c->mark_key), MARK_PREFIX "%s", ent);
	snprintf(c->mark, sizeof(c->mark), TRIGGERS_VERSION " ");
	c->nkeys = nkeys;
	for (int i = 0; i < nkeys; i++) {
		c->key[i] = key[i];
		snprintf(c->mark + strlen(c->mark), sizeof(c->mark) - strlen(c->mark), "%s%s", i ? "," : "", key[i]);
		snprintf(c->keys + strlen(c->keys), sizeof(c->keys) - strlen(c->keys), "%s%s", i ? ", " : "", key[i]);
	}
	buf_addf(&c->recompute, "SELECT %s, count(*) AS n FROM %s WHERE deleted_at IS NULL GROUP BY %s", c->keys, ent,
		 c->keys);
	buf_addf(&c->totals, "SELECT (SELECT count(*) FROM %s WHERE deleted_at IS NULL), "
			     "(SELECT coalesce(sum(n), 0) FROM %s)", ent, c->table);
	if (e) {
		if (db_kind(d) == DB_POSTGRES)
			pg_install(&c->install, c, e);
		else
			sqlite_install(&c->install, c, e);
	}
	c->s = (summary_def){
		.table = c->table,
		.mark_key = c->mark_key,
		.mark = c->mark,
		.keys = c->keys,
		.vals = "n",
		.recompute = buf_str(&c->recompute),
		.install = buf_str(&c->install),
		.totals = buf_str(&c->totals),
	};
}

static void def_free(count_def *c)
{
	buf_free(&c->recompute);
	buf_free(&c->install);
	buf_free(&c->totals);
}

/* An entity whose count keys were dropped from its declaration: its
 * triggers, table and mark go. */
static int drop_old(db *d, const entity_def *e)
{
	char key[96];
	snprintf(key, sizeof(key), MARK_PREFIX "%s", e->name);
	db_stmt *s = db_prepare(d, "SELECT count(*) FROM settings WHERE key = ?");
	int64_t n = 0;
	if (s) {
		db_bind_str(s, 1, key);
		if (db_step(s) == DB_ROW)
			n = db_col_int(s, 0);
	}
	db_done(s);
	if (!n)
		return 0;
	buf q = BUF_INIT;
	const char *t = e->name;
	if (db_kind(d) == DB_POSTGRES)
		buf_addf(&q, "DROP TRIGGER IF EXISTS %s_counts_t ON %s; DROP FUNCTION IF EXISTS %s_counts_row(); ", t, t, t);
	else
		buf_addf(&q, "DROP TRIGGER IF EXISTS %s_counts_ai; DROP TRIGGER IF EXISTS %s_counts_ad; "
			     "DROP TRIGGER IF EXISTS %s_counts_au; ", t, t, t);
	buf_addf(&q, "DROP TABLE IF EXISTS %s_counts; DELETE FROM settings WHERE key = '%s'", t, key);
	int rc = db_exec(d, buf_str(&q));
	buf_free(&q);
	return rc;
}

int count_summary_sync(db *d, const entity_def *e)
{
	int nkeys = 0;
	while (e->count_keys && e->count_keys[nkeys])
		nkeys++;
	if (!nkeys)
		return drop_old(d, e);
	count_def c;
	def_init(&c, d, e->name, e->count_keys, nkeys, e);
	int rc = summary_sync(d, &c.s);
	def_free(&c);
	return rc;
}

/* Does *p start with s?  Then past it. */
static bool skip(const char **p, const char *s)
{
	size_t n = strlen(s);
	if (strncmp(*p, s, n))
		return false;
	*p += n;
	return true;
}

static bool is_key(const entity_def *e, const char *p, size_t n)
{
	for (const char *const *k = e->count_keys; *k; k++)
		if (strlen(*k) == n && !strncmp(*k, p, n))
			return true;
	return false;
}

bool count_summary_covers(db *d, const entity_def *e, const char *conds)
{
	if (!e->count_keys || !e->count_keys[0])
		return false;
	char from[96], set[160];
	snprintf(set, sizeof(set), " IN (SELECT CAST(value AS BIGINT) FROM %s)",
		 db_sql_json_values(d, "?", from, sizeof(from)));
	for (const char *p = conds ? conds : ""; *p;) {
		if (!skip(&p, " AND t."))
			return false;
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (!is_key(e, p, n))
			return false;
		p += n;
		if (skip(&p, " = ?") || skip(&p, " IS NULL") || skip(&p, set))
			continue;
		if (!skip(&p, " IN (?"))
			return false;
		while (skip(&p, ", ?"))
			;
		if (!skip(&p, ")"))
			return false;
	}
	return true;
}

void count_summary_select(const entity_def *e, sqlb *q)
{
	sqlb_addf(q, "SELECT n FROM %s_counts t WHERE 1 = 1", e->name);
}

int count_summary_read_done(db *d, const entity_def *e)
{
	static _Thread_local unsigned reads;
	if (db_kind(d) != DB_POSTGRES || !e->count_keys || !e->count_keys[0] ||
	    (++reads % FOLD_EVERY && !getenv("RAPPORT_SUMS_FOLD_ROWS")))
		return 0;
	int nkeys = 0;
	while (e->count_keys[nkeys])
		nkeys++;
	count_def c;
	def_init(&c, d, e->name, e->count_keys, nkeys, NULL);
	/* the rows past one per key */
	buf q = BUF_INIT;
	buf_addf(&q, "SELECT count(*) - (SELECT count(*) FROM (SELECT 1 FROM %s GROUP BY %s) k) FROM %s", c.table, c.keys,
		 c.table);
	int rc = 0;
	if (db_query_int(d, buf_str(&q), 0) > summary_fold_rows(FOLD_ROWS))
		rc = summary_fold(d, &c.s);
	buf_free(&q);
	def_free(&c);
	return rc;
}

int64_t count_summary_verify_all(db *d)
{
	/* the marks first: PostgreSQL runs one statement at a time */
	char marks[16][2][300];
	int n = 0;
	db_stmt *s = db_prepare(d, "SELECT key, value FROM settings WHERE key LIKE '" MARK_PREFIX "%' ORDER BY key");
	if (!s)
		return -1;
	while (n < 16 && db_step(s) == DB_ROW) {
		snprintf(marks[n][0], sizeof(marks[n][0]), "%s", db_col_text(s, 0) + strlen(MARK_PREFIX));
		snprintf(marks[n][1], sizeof(marks[n][1]), "%s", db_col_text(s, 1));
		n++;
	}
	db_done(s);
	int64_t diff = 0;
	for (int i = 0; i < n && diff >= 0; i++) {
		/* "<version> k1,k2,..." */
		char *keys = strchr(marks[i][1], ' ');
		const char *key[MAX_KEYS];
		int nkeys = 0;
		bool ok = keys && ident_ok(marks[i][0], strlen(marks[i][0]));
		for (char *k = keys ? keys + 1 : NULL, *next; ok && k; k = next) {
			next = strchr(k, ',');
			if (next)
				*next++ = '\0';
			ok = nkeys < MAX_KEYS && ident_ok(k, strlen(k));
			if (ok)
				key[nkeys++] = k;
		}
		if (!ok || !nkeys) {
			log_error("count summary of %s: unreadable mark", marks[i][0]);
			diff++;
			continue;
		}
		count_def c;
		def_init(&c, d, marks[i][0], key, nkeys, NULL);
		int64_t k = db_has_column(d, c.table, "n") ? summary_verify(d, &c.s) : 1;
		diff = k < 0 ? k : diff + k;
		def_free(&c);
	}
	return diff;
}
