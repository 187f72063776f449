/* agg_summary.c - see agg_summary.h. */
#include "agg_summary.h"
#include "summary_table.h"
#include "../util/buf.h"
#include "../util/log.h"

#include <string.h>

#define TABLE "opportunities"
/* PostgreSQL: more delta rows than this and a reader folds them */
#define FOLD_ROWS 2000

/* The live rows of opportunities per key: stage, month, currency, n, amount.
 * SQLite reads the list index that covers the columns (as aggregate.c does):
 * 0.6 s instead of several at 500k rows. */
static void recompute_sql(db *d, buf *b)
{
	char ix[200] = "";
	const entity_def *e = entity_find(TABLE);
	if (db_kind(d) == DB_SQLITE && e)
		entity_covering_list_index(e, "expected_close_on", "amount", ix, sizeof(ix));
	buf_addf(b, "SELECT stage, substr(expected_close_on, 1, 7) AS month, amount_currency AS currency, "
		    "count(*) AS n, coalesce(sum(amount), 0) AS amount FROM " TABLE "%s%s "
		    "WHERE deleted_at IS NULL GROUP BY 1, 2, 3",
		 *ix ? " INDEXED BY " : "", ix);
}

/* SQLite: one row per key.  The key columns may be NULL, so rows are found
 * with IS (which the key index serves) rather than by a unique constraint;
 * SQLite runs one writer at a time, so the lookup and the insert cannot race. */
#define SQ_KEY(r) "stage IS " r ".stage AND month IS substr(" r ".expected_close_on, 1, 7) AND currency IS " r ".amount_currency"
#define SQ_SUB(r) "UPDATE opportunity_sums SET n = n - 1, amount = amount - coalesce(" r ".amount, 0) WHERE " SQ_KEY(r)
#define SQ_ADD(r, cond) \
	"UPDATE opportunity_sums SET n = n + 1, amount = amount + coalesce(" r ".amount, 0) WHERE " cond SQ_KEY(r) "; " \
	"INSERT INTO opportunity_sums(stage, month, currency, n, amount) SELECT " r ".stage, " \
	"substr(" r ".expected_close_on, 1, 7), " r ".amount_currency, 1, coalesce(" r ".amount, 0) " \
	"WHERE " cond "NOT EXISTS (SELECT 1 FROM opportunity_sums WHERE " SQ_KEY(r) "); "

static const char sqlite_triggers[] =
	"DROP TRIGGER IF EXISTS opportunity_sums_ai; DROP TRIGGER IF EXISTS opportunity_sums_ad; "
	"DROP TRIGGER IF EXISTS opportunity_sums_au; "
	"CREATE TRIGGER opportunity_sums_ai AFTER INSERT ON " TABLE " WHEN new.deleted_at IS NULL BEGIN "
	SQ_ADD("new", "") "END; "
	"CREATE TRIGGER opportunity_sums_ad AFTER DELETE ON " TABLE " WHEN old.deleted_at IS NULL BEGIN "
	SQ_SUB("old") "; END; "
	"CREATE TRIGGER opportunity_sums_au AFTER UPDATE OF stage, expected_close_on, amount, amount_currency, "
	"deleted_at ON " TABLE " WHEN old.deleted_at IS NULL OR new.deleted_at IS NULL BEGIN "
	SQ_SUB("old") " AND old.deleted_at IS NULL; "
	SQ_ADD("new", "new.deleted_at IS NULL AND ") "END;";

/* PostgreSQL: a delta row per change; inserts never wait on each other. */
static const char pg_triggers[] =
	"CREATE OR REPLACE FUNCTION opportunity_sums_row() RETURNS trigger LANGUAGE plpgsql AS $$ "
	"BEGIN "
	"  IF TG_OP = 'UPDATE' AND (OLD.deleted_at IS NULL) = (NEW.deleted_at IS NULL) "
	"     AND OLD.stage IS NOT DISTINCT FROM NEW.stage "
	"     AND substr(OLD.expected_close_on, 1, 7) IS NOT DISTINCT FROM substr(NEW.expected_close_on, 1, 7) "
	"     AND OLD.amount IS NOT DISTINCT FROM NEW.amount "
	"     AND OLD.amount_currency IS NOT DISTINCT FROM NEW.amount_currency THEN "
	"    RETURN NULL; "
	"  END IF; "
	"  IF TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN "
	"    INSERT INTO opportunity_sums(stage, month, currency, n, amount) VALUES (OLD.stage, "
	"      substr(OLD.expected_close_on, 1, 7), OLD.amount_currency, -1, -coalesce(OLD.amount, 0)); "
	"  END IF; "
	"  IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN "
	"    INSERT INTO opportunity_sums(stage, month, currency, n, amount) VALUES (NEW.stage, "
	"      substr(NEW.expected_close_on, 1, 7), NEW.amount_currency, 1, coalesce(NEW.amount, 0)); "
	"  END IF; "
	"  RETURN NULL; "
	"END $$; "
	"DROP TRIGGER IF EXISTS opportunity_sums_t ON " TABLE "; "
	"CREATE TRIGGER opportunity_sums_t AFTER INSERT OR DELETE OR UPDATE OF stage, expected_close_on, amount, "
	"amount_currency, deleted_at ON " TABLE " FOR EACH ROW EXECUTE FUNCTION opportunity_sums_row();";

/* The triggers' definition: a new one is installed (and the rows recomputed)
 * when the mark in settings differs. */
#define TRIGGERS_VERSION "1"

/* The summary's definition for summary_table.c; recompute is filled into b. */
static summary_def sums_def(db *d, buf *b)
{
	recompute_sql(d, b);
	bool pg = db_kind(d) == DB_POSTGRES;
	return (summary_def){
		.table = "opportunity_sums",
		.mark_key = "opportunity_sums",
		.mark = TRIGGERS_VERSION,
		.keys = "stage, month, currency",
		.vals = "n, amount",
		.recompute = buf_str(b),
		.install = pg ? pg_triggers : sqlite_triggers,
		/* the live opportunities' count and amount, then the summary's: a
		 * cheap test (one scan of a covering index, 0.14 s at 500k) */
		.totals = "SELECT (SELECT count(*) FROM " TABLE " WHERE deleted_at IS NULL), "
			  "(SELECT coalesce(sum(amount), 0) FROM " TABLE " WHERE deleted_at IS NULL), "
			  "(SELECT coalesce(sum(n), 0) FROM opportunity_sums), "
			  "(SELECT coalesce(sum(amount), 0) FROM opportunity_sums)",
	};
}

int agg_summary_sync(db *d)
{
	if (!entity_find(TABLE))
		return 0;
	buf b = BUF_INIT;
	summary_def s = sums_def(d, &b);
	int rc = summary_sync(d, &s);
	buf_free(&b);
	return rc;
}

bool agg_summary_query(db *d, const entity_def *e, const char *group_spec, const field_def *sum, sqlb *q)
{
	if (strcmp(e->name, TABLE) || (sum && strcmp(sum->name, "amount")))
		return false;
	const char *key;
	if (!group_spec || !*group_spec)
		key = "NULL";
	else if (!strcmp(group_spec, "stage"))
		key = "s.stage";
	else if (!strcmp(group_spec, "expected_close_on:month"))
		key = "s.month";
	else if (!strcmp(group_spec, "expected_close_on:year"))
		key = "substr(s.month, 1, 4)";
	else
		return false;
	/* keys first, so that a currency counts only where opportunities are
	 * (a key may hold 0, and on PostgreSQL a key is many delta rows) */
	sqlb_addf(q, "SELECT %s, sum(s.n)", key);
	if (sum)
		sqlb_add(q, ", sum(s.amount), min(s.currency), max(s.currency)");
	sqlb_addf(q, " FROM (SELECT stage, month, currency, sum(n) AS n, sum(amount) AS amount FROM opportunity_sums "
		     "GROUP BY stage, month, currency HAVING sum(n) <> 0) s "
		     "GROUP BY 1 ORDER BY 1%s LIMIT 1000", db_kind(d) == DB_POSTGRES ? " NULLS FIRST" : "");
	return true;
}

int agg_summary_fold(db *d)
{
	if (db_kind(d) != DB_POSTGRES ||
	    db_query_int(d, "SELECT count(*) FROM opportunity_sums", 0) <= summary_fold_rows(FOLD_ROWS))
		return 0;
	buf b = BUF_INIT;
	summary_def s = sums_def(d, &b);
	int rc = summary_fold(d, &s);
	buf_free(&b);
	return rc;
}

int64_t agg_summary_verify(db *d)
{
	if (!db_has_column(d, "opportunity_sums", "n") || !db_has_column(d, TABLE, "amount_currency"))
		return 0;
	buf b = BUF_INIT;
	summary_def s = sums_def(d, &b);
	int64_t n = summary_verify(d, &s);
	buf_free(&b);
	return n;
}
