/*
 * list.c - the engine's list path (see record.h): one page of a list with
 * its capped total, a narrow scope as disjoint branches, and every row of a
 * list for exports.  Rows are read with record_json.c.
 */
#include "record.h"
#include "record_int.h"
#include "record_json.h"
#include "list_page.h"
#include "scope_cache.h"
#include "acl.h"
#include "count_summary.h"
#include "../util/jsonw.h"
#include "../util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Appends the list's filter (text and a copy of its parameters) to q. */
static void add_where(sqlb *q, const list_query *lq)
{
	sqlb_append(q, &lq->where);
}

/* add_where for one branch of a narrow scope: a search that matches many
 * rows becomes "+t.id IN (...)", which SQLite cannot drive from, so the
 * branch walks its scope index (2k own, 8k pool customers for a rep) and
 * probes the search's row ids, instead of reading every match's row to test
 * the owner (q=华夏: 7.7k rows, 44 ms -> under 10 ms; bench/NOTES.md).  A
 * narrow search keeps the index: its few matches are cheaper to read. */
static void add_where_branch(sqlb *q, const list_query *lq)
{
	if (!lq->fts_at || !lq->fts_broad) {
		add_where(q, lq);
		return;
	}
	const char *w = buf_str(&lq->where.sql);
	size_t at = lq->fts_at - 1 + strlen(" AND ");
	buf head = BUF_INIT;
	buf_add(&head, w, at);
	buf_addc(&head, '+');
	sqlb_add(q, buf_str(&head));
	buf_free(&head);
	list_query rest = *lq;
	rest.where.sql.ptr = (char *)w + at;
	rest.where.sql.len = strlen(w + at);
	add_where(q, &rest);
}

/* The search's FTS condition (query.c, lq->fts_at .. fts_end in where, one
 * parameter) in another shape, the rest of where as it is: with probe, an
 * EXISTS that looks the row up in the index; without it, nothing (the
 * caller joins the index itself and binds the MATCH text first). */
static void add_where_fts_as(sqlb *q, const entity_def *e, const list_query *lq, bool probe)
{
	const char *w = buf_str(&lq->where.sql);
	size_t at = lq->fts_at - 1;
	sqlb_addf(q, "%.*s", (int)at, w);
	if (probe)
		sqlb_addf(q, " AND EXISTS (SELECT 1 FROM %s_fts WHERE %s_fts MATCH ? AND rowid = t.id)", e->name,
			  e->name);
	sqlb_add(q, w + lq->fts_end);
	for (int i = 0; i < lq->where.n; i++) {
		if (i == lq->fts_param && !probe)
			continue;
		sql_param p = lq->where.p[i];
		if (p.s)
			p.s = xstrdup(p.s);
		sqlb_param(q, p);
	}
}

/* Appends branch b's parameters (its text is already in q). */
static void add_params(sqlb *q, const sqlb *b)
{
	for (int i = 0; i < b->n; i++) {
		sql_param p = b->p[i];
		if (p.s)
			p.s = xstrdup(p.s);
		sqlb_param(q, p);
	}
}

/* A scope as disjoint branches (acl_scope_branches, acl_via_branches): the
 * first `joined` test the parent (alias pa) that the rows are read through,
 * joined by `join`; the others test the rows themselves. */
typedef struct branch_set {
	sqlb br[ACL_MAX_BRANCHES + 1];
	int n, joined;
	char join[200];
} branch_set;

/* One branch's rows: " FROM <e> t WHERE live <branch> <filter>", or
 * " FROM <parent> pa <join> <e> t ON ..." for a branch on the parent. */
static void branch_from(const entity_def *e, const list_query *lq, const char *live, const branch_set *bs, int i,
			sqlb *q)
{
	if (i < bs->joined)
		sqlb_add(q, bs->join);
	else
		sqlb_addf(q, " FROM %s t", e->name);
	sqlb_add(q, live);
	sqlb_add(q, buf_str(&bs->br[i].sql));
	add_params(q, &bs->br[i]);
	add_where_branch(q, lq);
}

/* A narrow scope (a rep's own customers, their pool, their shares) as
 * disjoint branches: the page's ids are the first offset+limit of the
 * branches' rows in the list's order, each branch read from an index that
 * starts with the owner or the pool and goes on with the filter and the sort
 * (schema.c), index-only (the id and the sort's columns).  The branches are
 * one compound SELECT whose ORDER BY SQLite answers by merging them, reading
 * each only as far as the page needs (0.50M -> 0.18M instructions for a
 * rep's intent page, where each branch's first 50 went into a sort); their
 * rows are read afterwards (list_page.c).  Before, every visible row was
 * tested against the filter: 10k row reads for a rep with a department pool
 * (bench/NOTES.md).  A search keeps a branch's own sort and limit (below). */
static void branch_page(const entity_def *e, const list_query *lq, const char *live, const branch_set *bs,
			bool merge, sqlb *q)
{
	if (merge) {
		for (int i = 0; i < bs->n; i++) {
			sqlb_addf(q, "%sSELECT t.id%s", i ? " UNION ALL " : "", buf_str(&lq->sort_cols));
			branch_from(e, lq, live, bs, i, q);
		}
		buf order = BUF_INIT;
		list_page_compound_order(buf_str(&lq->order), &order);
		sqlb_addf(q, " ORDER BY %s LIMIT ", buf_str(&order));
		buf_free(&order);
	} else {
		sqlb_add(q, "SELECT t.id FROM (");
		for (int i = 0; i < bs->n; i++) {
			sqlb_addf(q, "%sSELECT * FROM (SELECT t.id%s", i ? " UNION ALL " : "", buf_str(&lq->sort_cols));
			branch_from(e, lq, live, bs, i, q);
			/* with a broad search, "+" keeps SQLite from walking an index in list
			 * order (customers_owner: every pooled customer's row) to spare a sort
			 * of the branch's few matches */
			sqlb_addf(q, " ORDER BY %s%s LIMIT ", lq->fts_at && lq->fts_broad ? "+" : "",
				  buf_str(&lq->order));
			sqlb_int(q, lq->offset + lq->limit);
			sqlb_addf(q, ") b%d", i);
		}
		sqlb_addf(q, ") t ORDER BY %s LIMIT ", buf_str(&lq->order));
	}
	sqlb_int(q, lq->limit);
	sqlb_add(q, " OFFSET ");
	sqlb_int(q, lq->offset);
}

/* The total: the branches' rows, one after the other, up to cap + 1 (each
 * counted from its index alone); once the cap is reached the remaining
 * branches are not read (a manager's own branch alone passes it).  A branch
 * that only tests count keys by equality (a rep's own customers, a pool; a
 * manager's owners), under such a filter, is added up from the summary rows
 * instead (count_summary.h): a rep's intent tab counted 2,955 index entries,
 * a manager's 10,001.  The branches are disjoint, so the sum is the same. */
static void branch_count(ent_op *op, const entity_def *e, const list_query *lq, const char *live,
			 const branch_set *bs, sqlb *cnt, int64_t cap)
{
	const sqlb *br = bs->br;
	int nb = bs->n;
	bool sum[ACL_MAX_BRANCHES + 1];
	int nsum = 0;
	bool filter = !lq->deleted && !bs->joined && count_summary_covers(op->db, e, buf_str(&lq->where.sql));
	for (int i = 0; i < nb; i++)
		nsum += sum[i] = filter && count_summary_covers(op->db, e, buf_str(&br[i].sql));
	sqlb_add(cnt, "SELECT ");
	if (nsum) {
		sqlb_add(cnt, "(SELECT coalesce(sum(n), 0) FROM (");
		for (int i = 0, k = 0; i < nb; i++) {
			if (!sum[i])
				continue;
			if (k++)
				sqlb_add(cnt, " UNION ALL ");
			count_summary_select(e, cnt);
			sqlb_add(cnt, buf_str(&br[i].sql));
			add_params(cnt, &br[i]);
			add_where(cnt, lq);
		}
		sqlb_add(cnt, ") s)");
		if (nsum == nb)
			return;
		sqlb_add(cnt, " + ");
	}
	sqlb_add(cnt, "(SELECT count(*) FROM (");
	for (int i = 0, k = 0; i < nb; i++) {
		if (nsum && sum[i])
			continue;
		sqlb_add(cnt, k++ ? " UNION ALL SELECT 1" : "SELECT 1");
		branch_from(e, lq, live, bs, i, cnt);
	}
	sqlb_add(cnt, " LIMIT ");
	sqlb_int(cnt, cap + 1);
	sqlb_add(cnt, ") c)");
}

/* acl_via_branches into bs: the parent's branches, then the rows without a
 * parent as one more; the number of branches, 0 when the parent's scope is
 * not narrow. */
static int via_branches(ent_op *op, const entity_def *e, branch_set *bs)
{
	const field_def *via = entity_field(e, e->scope_via);
	const entity_def *p = via ? entity_find(via->ref) : NULL;
	int n = p ? acl_via_branches(op, e, "t", "pa", bs->br, &bs->br[ACL_MAX_BRANCHES]) : 0;
	if (!n) {
		sqlb_free(&bs->br[ACL_MAX_BRANCHES]);
		bs->br[ACL_MAX_BRANCHES] = (sqlb)SQLB_INIT;
		return 0;
	}
	if (n < ACL_MAX_BRANCHES) { /* the orphans right after the parent's branches */
		bs->br[n] = bs->br[ACL_MAX_BRANCHES];
		bs->br[ACL_MAX_BRANCHES] = (sqlb)SQLB_INIT;
	}
	bs->joined = n;
	/* SQLite: CROSS JOIN keeps the parent's index first; PostgreSQL has no CROSS JOIN ... ON */
	snprintf(bs->join, sizeof(bs->join), " FROM %s pa %s %s t ON t.%s = pa.id", p->name,
		 db_kind(op->db) == DB_POSTGRES ? "JOIN" : "CROSS JOIN", e->name, via->name);
	return n + 1;
}

/* The total without branches: up to cap + 1 rows, or from the summary rows
 * when the scope (none for a director) and the filter only test count keys
 * by equality. */
static void plain_count(ent_op *op, const entity_def *e, const list_query *lq, const char *live, bool scoped,
			sqlb *cnt, int64_t cap)
{
	sqlb sc = SQLB_INIT;
	/* a broad search under a narrow scope through the parent (a rep's
	 * follow-ups): their customers' follow-ups, each probed in the set of
	 * matches (q=电话: 3.1 s -> 0.42 s), where the matches in the index's
	 * order found one of theirs in a hundred */
	bool via_narrow = scoped && lq->fts_at && lq->fts_broad && acl_parent_scope_narrow(op, e);
	if (scoped)
		acl_scope(op, e, "t", &sc,
			  ACL_READ | (via_narrow ? 0 : lq->selective ? ACL_ONE_ROW : ACL_IN_ORDER));
	if (via_narrow) {
		sqlb_addf(cnt, "SELECT count(*) FROM (SELECT 1 FROM %s t", e->name);
		sqlb_add(cnt, live);
		sqlb_append(cnt, &sc);
		add_where_branch(cnt, lq);
		sqlb_add(cnt, " LIMIT ");
		sqlb_int(cnt, cap + 1);
		sqlb_add(cnt, ") c");
	} else if (lq->fts_at && lq->fts_broad) {
		/* a broad search: the matches in the index's order, each row read
		 * and tested, until the cap.  "t.id IN (matches)" first gathered
		 * every match into a set: q=电话 over 5M follow-ups 332 -> 10 ms,
		 * q=公司 over 1M customers 156 -> 3 ms */
		sqlb_addf(cnt, "SELECT count(*) FROM (SELECT 1 FROM %s_fts f CROSS JOIN %s t ON t.id = f.rowid "
			       "WHERE %s_fts MATCH ?", e->name, e->name, e->name);
		sql_param m = lq->where.p[lq->fts_param];
		m.s = xstrdup(m.s);
		sqlb_param(cnt, m);
		sqlb_addf(cnt, " AND t.deleted_at IS %sNULL", lq->deleted ? "NOT " : "");
		sqlb_append(cnt, &sc);
		add_where_fts_as(cnt, e, lq, false);
		sqlb_add(cnt, " LIMIT ");
		sqlb_int(cnt, cap + 1);
		sqlb_add(cnt, ") c");
	} else if (!lq->deleted && count_summary_covers(op->db, e, buf_str(&sc.sql)) &&
	    count_summary_covers(op->db, e, buf_str(&lq->where.sql))) {
		sqlb_add(cnt, "SELECT coalesce(sum(n), 0) FROM (");
		count_summary_select(e, cnt);
		sqlb_add(cnt, buf_str(&sc.sql));
		add_params(cnt, &sc);
		add_where(cnt, lq);
		sqlb_add(cnt, ") s");
	} else {
		sqlb_addf(cnt, "SELECT count(*) FROM (SELECT 1 FROM %s t", e->name);
		sqlb_add(cnt, live);
		sqlb_add(cnt, buf_str(&sc.sql));
		add_params(cnt, &sc);
		add_where(cnt, lq);
		sqlb_add(cnt, " LIMIT ");
		sqlb_int(cnt, cap + 1);
		sqlb_add(cnt, ") c");
	}
	sqlb_free(&sc);
}

/* page: where the answer is written when the rows can go there directly
 * (record_json.h, record_rows); NULL for JSON. */
static json_t *run_list(ent_op *op, const entity_def *e, list_query *lq, bool scoped, buf *page)
{
	sqlb q = SQLB_INIT, cnt = SQLB_INIT; /* q: the page's ids (list_page.h) */
	/* the total stops counting past a cap: counting every match of a wide
	 * list cost more than the page (docs/api.md, total_capped) */
	int64_t cap = lq->offset + lq->limit > LIST_TOTAL_CAP ? lq->offset + lq->limit : LIST_TOTAL_CAP;
	const char *live = lq->deleted ? " WHERE t.deleted_at IS NOT NULL" : " WHERE t.deleted_at IS NULL";
	branch_set bs = { .n = 0 };
	for (int i = 0; i <= ACL_MAX_BRANCHES; i++)
		bs.br[i] = (sqlb)SQLB_INIT;
	sqlb *br = bs.br;
	/* a narrow scope: the page and the total by branches */
	int nb = scoped && (!lq->selective || lq->has_search) ? scope_cache_branches(op, e, br, 0) : 0;
	/* read through a parent whose scope is narrow (a rep's follow-ups): the
	 * parent's branches, each joined to the rows, and the rows without a
	 * parent; "t.customer_id IN (<10k customers>) OR ..." made SQLite fetch
	 * every one of their 50k follow-ups' rows and sort them (228 -> 36 ms).
	 * Not with a search (aggregate.c branch_query says why) */
	if (!nb && scoped && !lq->selective && e->scope_via) {
		nb = via_branches(op, e, &bs);
		/* PostgreSQL's one generic plan for these drove from every row of
		 * the filter (a board column: 32 -> 140-220 ms from the sixth run) */
		q.replanned = cnt.replanned = nb > 0;
	}
	bool paged = nb > 0;
	/* a wide one (a manager's 200 people): the page walks the list's index
	 * in order, testing the scope on each row (half of them pass), but the
	 * total counts by branches from the owner-first and pool-first indexes
	 * (owner IN 204 ids: 204 seeks), where testing each row of the filter's
	 * index went through 25k entries to reach the cap (30 -> 3 ms) */
	if (!nb && scoped && !lq->selective)
		nb = scope_cache_branches(op, e, br, ACL_BRANCH_WIDE);
	if (paged) {
		/* merged by one ORDER BY on SQLite, whose indexes end with the id;
		 * PostgreSQL's do not, and it then read every row of each branch
		 * for the id (a rep's page 4.4 -> 6.0 ms): each branch's first
		 * page there, as with a search */
		bs.n = nb;
		branch_page(e, lq, live, &bs, !lq->has_search && db_kind(op->db) == DB_SQLITE, &q);
	} else {
		/* the page's ids first, then their rows: the rows (and the names
		 * they refer to) of every candidate went into the sort before - a
		 * rep's pipeline column sorted 900 full rows for 50 */
		sqlb_addf(&q, "SELECT t.id FROM %s t%s", e->name, live);
		/* when a search or a parent already narrows the rows, test the scope on
		 * each of them instead of gathering every visible id first */
		if (scoped)
			scope_cache_scope(op, e, &q, ACL_READ | (lq->selective ? ACL_ONE_ROW : ACL_IN_ORDER));
		/* a word in a large part of the rows (q=公司): the list's order
		 * drives and each row is probed, where reading and sorting every
		 * match took 0.66 s (1M customers) to 1.6 s (5M follow-ups) */
		if (lq->fts_at && lq->fts_dense)
			add_where_fts_as(&q, e, lq, true);
		else
			add_where(&q, lq);
		sqlb_addf(&q, " ORDER BY %s LIMIT ", buf_str(&lq->order));
		sqlb_int(&q, lq->limit);
		sqlb_add(&q, " OFFSET ");
		sqlb_int(&q, lq->offset);
	}
	bs.n = nb;
	if (nb)
		branch_count(op, e, lq, live, &bs, &cnt, cap);
	else
		plain_count(op, e, lq, live, scoped, &cnt, cap);
	for (int i = 0; i <= ACL_MAX_BRANCHES; i++)
		sqlb_free(&br[i]);

	record_rows data;
	record_rows_begin(&data, op, e, page);
	json_t *out = NULL;
	int64_t total = 0;
	int rc = list_page_rows(op, e, &q, lq->limit, lq->deleted, scoped, &data);
	db_stmt *s;
	int64_t rows = data.n;
	if (rc == DB_DONE && rows < lq->limit && (rows > 0 || lq->offset == 0)) {
		/* a short page is the last one: it tells the total without counting */
		total = lq->offset + rows;
		rc = DB_ROW;
	} else if (rc == DB_DONE) {
		s = sqlb_prepare(op->db, &cnt);
		rc = s ? db_step(s) : DB_ERR;
		if (rc == DB_ROW)
			total = db_col_int(s, 0);
		db_done(s);
		if (rc == DB_ROW && !op->tx_depth)
			count_summary_read_done(op->db, e);
	}
	if (rc == DB_ROW) {
		out = record_rows_end(&data, total > cap ? cap : total, total > cap, lq->limit, lq->offset);
	} else {
		record_rows_free(&data);
		op_db_fail(op, rc < 0 ? rc : db_errcode(op->db));
	}
	sqlb_free(&q);
	sqlb_free(&cnt);
	return out;
}

static json_t *list_page(ent_op *op, const entity_def *e, const query_arg *args, int nargs, buf *page)
{
	if (!acl_can(op->who, e, ACL_READ)) {
		op_fail(op, 403, "forbidden", "you may not read %s", e->name);
		return NULL;
	}
	list_query lq;
	json_t *out = NULL;
	if (list_query_parse(op, e, args, nargs, &lq) == 0) {
		if (lq.deleted && !acl_can(op->who, e, ACL_DELETE))
			op_fail(op, 403, "forbidden", "you may not see the recycle bin of %s", e->name);
		else
			out = run_list(op, e, &lq, true, page);
	}
	list_query_free(&lq);
	return out;
}

/* A page run with a buffer: the answer is there (the rows were written
 * directly, or the JSON the entity needs is written out now). */
static int page_done(json_t *res, buf *page)
{
	if (!res)
		return -1;
	if (!json_is_true(res))
		jsonw_value(page, res);
	json_decref(res);
	return 0;
}

json_t *record_list(ent_op *op, const entity_def *e, const query_arg *args, int nargs)
{
	return list_page(op, e, args, nargs, NULL);
}

int record_list_write(ent_op *op, const entity_def *e, const query_arg *args, int nargs, buf *page)
{
	return page_done(list_page(op, e, args, nargs, page), page);
}

json_t *record_list_system(ent_op *op, const entity_def *e, const query_arg *args, int nargs)
{
	list_query lq;
	json_t *out = NULL;
	if (list_query_parse(op, e, args, nargs, &lq) == 0)
		out = run_list(op, e, &lq, false, NULL);
	list_query_free(&lq);
	return out;
}

/* A relation of record id (its parent must be visible): a list of the
 * related entity narrowed to the rows that point at id. */
static json_t *related_page(ent_op *op, const entity_def *e, int64_t id, const char *relation,
			    const query_arg *args, int nargs, buf *page)
{
	const relation_def *r = NULL;
	for (const relation_def *x = e->relations; x && x->name; x++)
		if (!strcmp(x->name, relation))
			r = x;
	if (!r) {
		op_fail(op, 404, "not_found", "%s has no relation %s", e->name, relation);
		return NULL;
	}
	json_t *parent = record_get(op, e, id);
	if (!parent)
		return NULL;
	json_decref(parent);
	const entity_def *t = entity_find(r->entity);
	if (!acl_can(op->who, t, ACL_READ)) {
		op_fail(op, 403, "forbidden", "you may not read %s", t->name);
		return NULL;
	}
	list_query lq;
	json_t *out = NULL;
	if (list_query_parse(op, t, args, nargs, &lq) == 0) {
		list_query_where_ref(&lq, r->field, id);
		out = run_list(op, t, &lq, true, page);
	}
	list_query_free(&lq);
	return out;
}

json_t *record_related(ent_op *op, const entity_def *e, int64_t id, const char *relation,
		       const query_arg *args, int nargs)
{
	return related_page(op, e, id, relation, args, nargs, NULL);
}

int record_related_write(ent_op *op, const entity_def *e, int64_t id, const char *relation,
			 const query_arg *args, int nargs, buf *page)
{
	return page_done(related_page(op, e, id, relation, args, nargs, page), page);
}

/* ---- every row of a list, one at a time (exports) ---- */

/* SQLite steps the one statement lazily; PostgreSQL would hold the whole
 * result in memory, so there the rows come through a cursor, a page at a time. */
int record_list_each(ent_op *op, const entity_def *e, const query_arg *args, int nargs,
		     int (*fn)(void *ctx, json_t *rec), void *ctx)
{
	if (!acl_can(op->who, e, ACL_READ) || !acl_can(op->who, e, ACL_EXPORT))
		return op_fail(op, 403, "forbidden", "you may not export %s", e->name);
	list_query lq;
	if (list_query_parse(op, e, args, nargs, &lq)) {
		list_query_free(&lq);
		return -1;
	}
	if (lq.deleted && !acl_can(op->who, e, ACL_DELETE)) {
		list_query_free(&lq);
		return op_fail(op, 403, "forbidden", "you may not see the recycle bin of %s", e->name);
	}
	bool pg = db_kind(op->db) == DB_POSTGRES;
	sqlb q = SQLB_INIT;
	if (pg)
		sqlb_add(&q, "DECLARE rapport_export NO SCROLL CURSOR FOR ");
	record_select(e, &q);
	sqlb_add(&q, lq.deleted ? " WHERE t.deleted_at IS NOT NULL" : " WHERE t.deleted_at IS NULL");
	acl_scope(op, e, "t", &q, ACL_READ | (lq.selective ? ACL_ONE_ROW : 0));
	sqlb_append(&q, &lq.where);
	sqlb_addf(&q, " ORDER BY %s", buf_str(&lq.order));
	list_query_free(&lq);

	int rc = DB_ERR, stop = 0;
	if (pg && db_exec(op->db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) {
		sqlb_free(&q);
		return op_db_fail(op, db_errcode(op->db));
	}
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	if (s && !pg) {
		while (!stop && (rc = db_step(s)) == DB_ROW) {
			json_t *rec = record_row_json(op, e, s);
			stop = fn(ctx, rec);
			json_decref(rec);
		}
		db_done(s);
	} else if (s) {
		rc = db_step(s);
		db_done(s);
		for (int64_t got = 1; rc == DB_DONE && got && !stop;) {
			db_stmt *f = db_prepare(op->db, "FETCH 500 FROM rapport_export");
			got = 0;
			while (f && !stop && (rc = db_step(f)) == DB_ROW) {
				json_t *rec = record_row_json(op, e, f);
				stop = fn(ctx, rec);
				json_decref(rec);
				got++;
			}
			if (!f)
				rc = DB_ERR;
			db_done(f);
		}
	}
	if (pg)
		db_rollback(op->db);
	if (stop)
		return op->err.status ? -1 : op_fail(op, 500, "internal", "the export could not be written");
	if (rc != DB_DONE)
		return op_db_fail(op, rc < 0 ? rc : db_errcode(op->db));
	return 0;
}
