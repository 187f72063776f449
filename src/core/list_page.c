/* list_page.c - see list_page.h. */
#include "list_page.h"
#include "scope_cache.h"
#include "../util/xalloc.h"

#include <stdlib.h>
#include <string.h>

void list_page_compound_order(const char *order, buf *out)
{
	/* the order is ours (query.c add_sort): "t.<field> ASC|DESC[ NULLS ...]"
	 * terms joined by ", " */
	for (const char *p = order; *p;) {
		if (!strncmp(p, "t.", 2) && (p == order || p[-1] == ' '))
			p += 2;
		buf_addc(out, *p++);
	}
}

typedef struct id_place {
	int64_t id;
	int place;
} id_place;

static int by_id(const void *a, const void *b)
{
	int64_t x = ((const id_place *)a)->id, y = ((const id_place *)b)->id;
	return x < y ? -1 : x > y;
}

/* The rows' statement: "<record_select> WHERE t.id IN (?, ...) AND live
 * [AND scope]", with n rounded up to a power of two (the spare places repeat
 * the last id) so that a few texts serve every page size (the statement
 * cache).  scoped: the scope is tested again on the rows (one row's form):
 * they are read in a later snapshot than their ids (a short page on SQLite,
 * any page on PostgreSQL), and a record given to someone else in between
 * must not be shown. */
static db_stmt *rows_stmt(ent_op *op, const entity_def *e, const id_place *ids, int n, bool deleted, bool scoped)
{
	int slots = 1;
	while (slots < n)
		slots *= 2;
	sqlb q = SQLB_INIT;
	record_select(e, &q);
	sqlb_add(&q, " WHERE t.id IN (");
	for (int i = 0; i < slots; i++) {
		if (i)
			sqlb_add(&q, ", ");
		sqlb_int(&q, ids[i < n ? i : n - 1].id);
	}
	sqlb_add(&q, deleted ? ") AND t.deleted_at IS NOT NULL" : ") AND t.deleted_at IS NULL");
	if (scoped)
		scope_cache_scope(op, e, &q, ACL_READ | ACL_ONE_ROW);
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	return s;
}

int list_page_rows(ent_op *op, const entity_def *e, const sqlb *ids, int64_t limit, bool deleted, bool scoped,
		   record_rows *data)
{
	db_stmt *is = sqlb_prepare(op->db, ids);
	if (!is)
		return db_errcode(op->db) < 0 ? db_errcode(op->db) : DB_ERR;
	int cap = 64, n = 0, rc = DB_DONE;
	id_place *page = xmalloc(sizeof(*page) * (size_t)cap);
	/* Stop at the limit without stepping on: on SQLite the ids' statement is
	 * then still running, which holds its read transaction, so the rows are
	 * read from the same snapshot as their ids.  A short page has ended its
	 * statement (its snapshot with it): its rows are read from the next one,
	 * still under the live test and the scope (rows_stmt). */
	while (n < limit && (rc = db_step(is)) == DB_ROW) {
		if (n == cap) {
			cap *= 2;
			page = xrealloc(page, sizeof(*page) * (size_t)cap);
		}
		page[n].id = db_col_int(is, 0);
		page[n].place = n;
		n++;
	}
	/* a full page on SQLite: the ids' statement still holds the snapshot
	 * (testing the scope again cost a rep's page 60 of its 300 µs) */
	bool same_snapshot = n == limit && db_kind(op->db) == DB_SQLITE;
	if (n == limit)
		rc = DB_DONE;
	if (rc == DB_DONE && n) {
		record_rows_slots(data, n);
		db_stmt *rs = rows_stmt(op, e, page, n, deleted, scoped && !same_snapshot);
		qsort(page, (size_t)n, sizeof(*page), by_id);
		if (!rs) {
			rc = db_errcode(op->db) < 0 ? db_errcode(op->db) : DB_ERR;
		} else {
			while ((rc = db_step(rs)) == DB_ROW) {
				id_place key = { .id = db_col_int(rs, 0) };
				id_place *at = bsearch(&key, page, (size_t)n, sizeof(*page), by_id);
				if (at)
					record_rows_add_at(data, op, rs, at->place);
			}
			db_done(rs);
		}
		record_rows_place(data);
	}
	db_done(is);
	free(page);
	return rc;
}
