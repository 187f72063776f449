/*
 * list_page.h - a list page's rows (list.c): the page's ids first, from one
 * statement that holds the scope, the filter, the order and the paging, then
 * the rows of those ids, read by id and written in the ids' order.
 *
 * Reading the rows in the page's statement made SQLite sort the 50 full rows
 * (and the names they refer to) again after the ids' own sort: 0.83M of the
 * 1.33M instructions of a rep's page (bench/NOTES.md).
 */
#ifndef RAPPORT_LIST_PAGE_H
#define RAPPORT_LIST_PAGE_H

#include "entity.h"
#include "record_json.h"
#include "sqlb.h"

/* ids: a statement whose first column is the page's ids in order (at most
 * limit of them); deleted: the recycle bin (the rows are read again under
 * the same live/deleted test); scoped: the caller's read scope is tested
 * again on the rows.  The rows go into data (record_rows_place
 * done: data->n counts them).  Returns DB_DONE, or a negative DB_ERR_*. */
int list_page_rows(ent_op *op, const entity_def *e, const sqlb *ids, int64_t limit, bool deleted, bool scoped,
		   record_rows *data);

/* order ("t.updated_at DESC, t.id DESC") as the ORDER BY of a compound
 * SELECT of those columns ("updated_at DESC, id DESC"), into out. */
void list_page_compound_order(const char *order, buf *out);

#endif
