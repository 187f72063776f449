/*
 * record_json.h - one record's row as JSON: the SELECT list every read of an
 * entity uses, and the conversion of one result row of it (fields the caller
 * may not see are left out); and the writer that puts a row's JSON straight
 * into the answer's text, without building it as Jansson values first (the
 * same bytes: tests/unit/test_record_json.c).
 */
#ifndef RAPPORT_RECORD_JSON_H
#define RAPPORT_RECORD_JSON_H

#include "entity.h"
#include "query.h"
#include "sqlb.h"
#include "../util/buf.h"

/* Appends "SELECT <the record's columns> FROM <table> t" to q. */
void record_select(const entity_def *e, sqlb *q);
/* The record at the current row of s (a statement of record_select). */
json_t *record_row_json(ent_op *op, const entity_def *e, db_stmt *s);

/* Whether e's records can be written straight from their rows: no hook
 * decorates them and they embed no child collections. */
bool record_json_direct(const entity_def *e);
/* For each field of e (in order), whether the caller may not see it
 * (acl_field_hidden); free() it. */
bool *record_hidden_fields(ent_op *op, const entity_def *e);
/* Appends to b what json_out(record_row_json(...)) would write for the row
 * (d: where the names it refers to are read, name_cache.h). */
void record_row_write(db *d, const entity_def *e, db_stmt *s, const bool *hidden, buf *b);
/* record_get, its JSON text appended to out: 0, or -1 with op->err (out may
 * then hold part of a record). */
int record_get_write(ent_op *op, const entity_def *e, int64_t id, buf *out);

/* The rows of a list page: written straight into out when the entity's
 * records allow it (record_json_direct), else gathered as JSON.
 *
 *	record_rows r;
 *	record_rows_begin(&r, op, e, out);         out: NULL for a JSON answer
 *	while (db_step(s) == DB_ROW)
 *		record_rows_add(&r, op, s);
 *	json_t *res = record_rows_end(&r, total, capped, limit, offset);
 *
 * record_rows_end gives {"data":[...],"total":N,"limit":L,"offset":O} (and
 * "total_capped":true); when the page went into out, it is written there and
 * the result is only json_true().  record_rows_free drops a page (errors). */
typedef struct record_rows {
	const entity_def *e;
	buf *out;
	json_t *data;
	bool *hidden;
	int64_t n;              /* rows so far */
	/* rows that come in another order than the page's (record_rows_slots) */
	int nslots;
	buf tmp;                /* their text, one after the other */
	size_t *at, *len;       /* per place: where in tmp (len 0: no row) */
	json_t **js;            /* per place, on the Jansson path */
} record_rows;
void record_rows_begin(record_rows *r, ent_op *op, const entity_def *e, buf *out);
void record_rows_add(record_rows *r, ent_op *op, db_stmt *s);
/* Rows read in another order than the page's (by id): record_rows_slots(r, n)
 * once, then record_rows_add_at(r, op, s, i) for the row whose place on the
 * page is i (0 <= i < n; a place given twice keeps its first row).  Places
 * without a row are left out; record_rows_end writes the rest in order. */
void record_rows_slots(record_rows *r, int n);
void record_rows_add_at(record_rows *r, ent_op *op, db_stmt *s, int i);
/* Adds the placed rows in their order (r->n counts them); record_rows_end
 * does it too. */
void record_rows_place(record_rows *r);
json_t *record_rows_end(record_rows *r, int64_t total, bool capped, int64_t limit, int64_t offset);
void record_rows_free(record_rows *r);

/* record_list and record_related with the page written into out (list.c):
 * 0, or -1 with op->err (out may then hold part of a page). */
int record_list_write(ent_op *op, const entity_def *e, const query_arg *args, int nargs, buf *out);
int record_related_write(ent_op *op, const entity_def *e, int64_t id, const char *relation,
			 const query_arg *args, int nargs, buf *out);

#endif
