/*
 * query.h - list queries: the filter, sort, search and paging language of
 * API.md turned into SQL, checked against the declaration.
 *
 *   q=华夏                      search the searchable fields (substrings)
 *   filter[status]=deal         equality
 *   filter[amount][gte]=100000  ops: ne lt lte gt gte in like null
 *   sort=-amount,name           sortable fields, '-' for descending
 *   limit=50&offset=100         limit 1..500 (default 50)
 *
 * Unknown parameters, fields and operators are refused (400); values are
 * typed by their field and always bound, never written into the SQL.
 */
#ifndef RAPPORT_QUERY_H
#define RAPPORT_QUERY_H

#include "entity.h"
#include "sqlb.h"

#define QUERY_DEFAULT_LIMIT 50
#define QUERY_MAX_LIMIT 500

typedef struct query_arg {
	const char *key;
	const char *value;
} query_arg;

typedef struct list_query {
	sqlb where;            /* " AND ..." conditions on alias t, with parameters */
	buf order;             /* "t.amount DESC, t.id DESC" */
	buf sort_cols;         /* the sort's columns but id, each once: ", t.amount" */
	int64_t limit, offset;
	bool deleted;          /* the recycle bin instead of live records */
	bool has_search;
	bool selective;        /* a search or a parent narrows the rows: test scope per row */
	size_t fts_at;         /* SQLite: 1 + where's offset of the " AND t.id IN (SELECT rowid FROM x_fts"
				  condition, 0 when none */
	size_t fts_end;        /* where's offset just past that condition */
	int fts_param;         /* the index of its one parameter (the MATCH text) in where */
	bool fts_broad;        /* it matches over FTS_BROAD rows: a narrow scope should drive */
	bool fts_dense;        /* over FTS_DENSE: the list's order should drive, probing the index (list.c) */
} list_query;

/* Parses args into q (which the caller frees with list_query_free, also on
 * failure); 0, or -1 with op->err set (400).  On SQLite a search (q=) of a
 * caller with a narrow scope is narrowed to the ids op->who may see (a
 * superset of them, query.c fts_narrowed): a list that does not apply
 * op->who's scope must not pass q. */
int list_query_parse(ent_op *op, const entity_def *e, const query_arg *args, int nargs, list_query *q);
/* Adds "t.<field> = id" (a related list). */
void list_query_where_ref(list_query *q, const char *field, int64_t id);
void list_query_free(list_query *q);

/* Adds the search condition for text to w (" AND t.id IN (...)"), matching
 * only fields visible to `who`; false when none is searchable. */
/* Can f be empty (NULL)?  Then PostgreSQL sorts need an explicit NULLS
 * FIRST/LAST to give SQLite's order (empty is the smallest), and its list
 * indexes must be built the same way (schema.c) or no index serves the sort. */
bool query_sort_may_be_empty(const field_def *f);
bool query_add_search(db *d, const auth_session *who, const entity_def *e, const char *text, sqlb *w);

#endif
