/*
 * count_summary.h - list totals counted from summary rows instead of index
 * entries.
 *
 * An entity may declare count keys (entity_def.count_keys: for customers
 * the scope columns owner_id and pool_department_id, and status, the tabs
 * every list shows).  Table <entity>_counts then holds, per combination of
 * the keys, the number n of live records (deleted_at IS NULL), kept by
 * triggers (summary_table.h: SQLite updates one row per key in place,
 * PostgreSQL adds +1/-1 delta rows that readers sum and now and then fold).
 * The triggers fire on INSERT, DELETE, and UPDATE OF the keys and
 * deleted_at only when one of them changed, so other updates (a follow-up
 * moving last_contacted_at and updated_at) never touch the table.
 *
 * A list's total (list.c) reads the summary for each part of its WHERE that
 * is a conjunction of equalities, IN lists and IS NULL on the keys, as the
 * filter parser and the data scope write them (" AND t.owner_id = ?",
 * " AND t.pool_department_id IN (SELECT CAST(value AS BIGINT) FROM
 * json_each(?))"): the same text with the same parameters then means the
 * same on the summary's rows, whose key columns have the entity's types.
 * Anything else (a search, a range, a share of records) is counted from the
 * entity's indexes as before.  A rep's capped total: 2,955 index entries ->
 * a few summary rows (bench/NOTES.md).
 *
 * At every start (count_summary_sync, from entity_sync_schema) the table
 * and triggers are (re)created when the declared keys or the triggers'
 * definition changed, and the rows recomputed then or when their total
 * differs from the live records'.  `rapport check` compares every key with
 * a recomputation (count_summary_verify_all).
 */
#ifndef RAPPORT_COUNT_SUMMARY_H
#define RAPPORT_COUNT_SUMMARY_H

#include "entity.h"
#include "sqlb.h"

/* Creates, installs and recomputes e's summary as needed (see above); 0 or
 * a DB error.  Nothing for an entity without count keys. */
int count_summary_sync(db *d, const entity_def *e);

/* Is conds (" AND t.<col> ..." conditions on alias t, as query.c and acl.c
 * write them) a conjunction of "= ?", "IN (?, ...)", "IN (SELECT
 * CAST(value AS BIGINT) FROM <json values of ?>)" and "IS NULL" on e's count
 * keys only?  "" is (no condition).  False when e declares no count keys. */
bool count_summary_covers(db *d, const entity_def *e, const char *conds);

/* Appends "SELECT n FROM <e>_counts t WHERE 1 = 1": the summary rows of
 * every live record of e, to narrow with covered conditions; sum(n) is
 * their number. */
void count_summary_select(const entity_def *e, sqlb *q);

/* After a read of e's summary outside a transaction: on PostgreSQL, now and
 * then, folds the delta rows when there are many (RAPPORT_SUMS_FOLD_ROWS:
 * tests check on every read); 0 or a DB error. */
int count_summary_read_done(db *d, const entity_def *e);

/* Every count summary recorded in the database (settings) against a
 * recomputation: the number of keys that differ (0: all equal), or <0 on
 * a DB error. */
int64_t count_summary_verify_all(db *d);

#endif
