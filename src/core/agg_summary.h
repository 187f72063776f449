/*
 * agg_summary.h - the dashboard's sums over every opportunity, kept as
 * summary rows instead of read from 500k rows per request.
 *
 * Table opportunity_sums (migration 9) holds, per (stage, month of
 * expected_close_on, amount_currency), the number of live opportunities and
 * the total of their amounts.  Triggers on opportunities keep it in the
 * writing statement, hence in its transaction, whatever the path (create,
 * update, recycle bin, restore, purge, import, transfer, raw SQL):
 *
 *   SQLite:     one row per key, updated in place (one writer at a time);
 *   PostgreSQL: one delta row per change (+1/-1 and the amount), so that
 *               concurrent writers never wait on a shared row; the reader
 *               adds them up and folds them back into one row per key when
 *               there are many (agg_summary_fold).
 *
 * At every start (agg_summary_sync) the triggers are installed when missing
 * or of an older definition, and the rows recomputed then, or when their
 * totals (count and amount) differ from the live opportunities': rows loaded
 * with the triggers off (the bench generator's bulk loads).  `rapport check`
 * compares every key with a recomputation (agg_summary_verify).  The
 * machinery is summary_table.h's, shared with the list totals (count_summary.h).
 *
 * The summary answers GET /api/opportunities/aggregate for a caller who sees
 * every opportunity, without filters or search, grouped by nothing, stage,
 * expected_close_on:month or :year, summing nothing or amount.  Any other
 * question reads the table (aggregate.c).
 */
#ifndef RAPPORT_AGG_SUMMARY_H
#define RAPPORT_AGG_SUMMARY_H

#include "entity.h"
#include "sqlb.h"

/* Installs the triggers and recomputes the rows when needed (see above);
 * 0 or a DB error.  Does nothing when no opportunities entity is registered
 * (unit tests). */
int agg_summary_sync(db *d);

/* The SELECT answering an aggregate of e from the summary, into q, with the
 * columns of aggregate.c's own query (key, count[, sum, min and max
 * currency]); false when the summary cannot answer it.  group_spec: the
 * group= text ("" or NULL for none), sum: the summed field or NULL. */
bool agg_summary_query(db *d, const entity_def *e, const char *group_spec, const field_def *sum, sqlb *q);

/* PostgreSQL: folds the delta rows into one per key when there are more
 * than a few thousand; 0 or a DB error.  SQLite: nothing to do. */
int agg_summary_fold(db *d);

/* The number of keys whose summary differs from a recomputation (0: all
 * equal), or <0 on a DB error. */
int64_t agg_summary_verify(db *d);

#endif
