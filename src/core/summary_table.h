/*
 * summary_table.h - summary rows kept by triggers on a source table: what
 * the dashboard's sums (agg_summary.c, opportunity_sums) and the list
 * totals (count_summary.c, <entity>_counts) share.
 *
 * A summary table has key columns and value columns (n, and sums).  Its
 * triggers keep it in the writing statement, hence in its transaction,
 * whatever the path (create, update, recycle bin, restore, purge, import,
 * raw SQL):
 *
 *   SQLite:     one row per key, updated in place (one writer at a time);
 *   PostgreSQL: one delta row per change (+1/-1 ...), so that concurrent
 *               writers never wait on a shared row; readers add them up,
 *               and summary_fold folds them back into one row per key.
 *
 * The triggers are named <table>_ai, _ad, _au on SQLite and <table>_t on
 * PostgreSQL.  settings[mark_key] holds the definition they were installed
 * with; summary_sync installs them (and recomputes the rows) when it
 * differs, and recomputes the rows when the totals disagree: rows loaded
 * with the triggers off (the bench generator's bulk loads, the PostgreSQL
 * copy that runs as a replica).  A recomputation and a fold take one
 * advisory lock on PostgreSQL, so that neither counts the other's rows twice.
 */
#ifndef RAPPORT_SUMMARY_TABLE_H
#define RAPPORT_SUMMARY_TABLE_H

#include "../db/db.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct summary_def {
	const char *table;     /* the summary table */
	const char *mark_key;  /* its key in settings */
	const char *mark;      /* the definition of its triggers (and table) */
	const char *keys;      /* key columns: "stage, month, currency" */
	const char *vals;      /* value columns: "n, amount" */
	/* SELECT keys, vals (in that order) of the live source rows, GROUP BY keys */
	const char *recompute;
	/* (re)creates the triggers (and whatever else the mark covers) on this backend */
	const char *install;
	/* a SELECT of 2k columns: k totals of the source, then the same k of the summary */
	const char *totals;
} summary_def;

/* Installs and recomputes as needed (see above), in a transaction of its
 * own; 0 or a DB error (logged). */
int summary_sync(db *d, const summary_def *s);

/* PostgreSQL: folds the delta rows into one per key (dropping keys whose
 * values are all 0), in a transaction of its own; 0 or a DB error.  SQLite:
 * nothing to do. */
int summary_fold(db *d, const summary_def *s);

/* The number of keys whose summary differs from a recomputation (0: all
 * equal), or <0 on a DB error. */
int64_t summary_verify(db *d, const summary_def *s);

/* The delta rows past which a reader folds: `def`, or RAPPORT_SUMS_FOLD_ROWS
 * (tests fold on nearly every read). */
int64_t summary_fold_rows(int64_t def);

#endif
