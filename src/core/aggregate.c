/* aggregate.c - see aggregate.h. */
#include "aggregate.h"
#include "acl.h"
#include "agg_summary.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define MAX_GROUPS 1000

/* The SQL expression grouping by spec ("stage", "expected_close_on:month"); NULL (400) when not allowed. */
static const field_def *group_field(ent_op *op, const entity_def *e, const char *spec, char *expr, size_t n)
{
	char name[64];
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	if (!len || len >= sizeof(name)) {
		op_fail(op, 400, "bad_request", "group must name a field");
		return NULL;
	}
	memcpy(name, spec, len);
	name[len] = '\0';
	const field_def *f = entity_field(e, name);
	if (!f && !strcmp(name, "owner_id") && (e->flags & E_OWNED)) {
		static const field_def owner = { .name = "owner_id", .type = FT_REF, .ref = "users" };
		f = &owner;
	}
	if (!f || acl_field_hidden(op->who, e, f)) {
		op_fail(op, 400, "bad_request", "cannot group by %s", name);
		return NULL;
	}
	if (f->type == FT_DATE || f->type == FT_DATETIME) {
		int width = !colon ? 0 : !strcmp(colon, ":year") ? 4 : !strcmp(colon, ":month") ? 7 : !strcmp(colon, ":day") ? 10 : 0;
		if (!width) {
			op_fail(op, 400, "bad_request", "group dates by :year, :month or :day");
			return NULL;
		}
		snprintf(expr, n, "substr(t.%s, 1, %d)", f->name, width);
		return f;
	}
	bool groupable = f->type == FT_ENUM || f->type == FT_REF || f->type == FT_BOOL ||
			 ((f->flags & (F_INDEX | F_SORT)) && f->type == FT_TEXT);
	if (colon || !groupable) {
		op_fail(op, 400, "bad_request", "cannot group by %s", spec);
		return NULL;
	}
	snprintf(expr, n, "t.%s", f->name);
	return f;
}

/* Every live record of e (and of the parent it is scoped by) is visible. */
static bool sees_everything(const auth_session *who, const entity_def *e)
{
	if (acl_action_scope(who, e, ACL_READ) != SCOPE_ALL)
		return false;
	if (!e->scope_via)
		return true;
	const field_def *via = entity_field(e, e->scope_via);
	const entity_def *p = via ? entity_find(via->ref) : NULL;
	return p && acl_action_scope(who, p, ACL_READ) == SCOPE_ALL;
}

/* Appends the list's filter (text and a copy of its parameters) to q. */
static void add_where(sqlb *q, const list_query *lq)
{
	sqlb_append(q, &lq->where);
}

/* An entity read through a parent (a rep's opportunities: their customers')
 * when the parent's scope is narrow: one branch per part of that scope
 * (own, each pool, shares: acl_via_branches), each the parent's index joined
 * to the children's, and the rows without a parent.  "t.customer_id IN
 * (<10k visible ids>) OR (t.customer_id IS NULL AND ...)" built a temporary
 * index of the ids and kept a row set against the OR's duplicates: a rep's
 * dashboard by stage 75M -> 48M instructions; on PostgreSQL the OR kept the
 * planner from a join (bench/NOTES.md).  False when there is no such shape. */
static bool branch_query(ent_op *op, const entity_def *e, list_query *lq, const char *gexpr, const field_def *sf,
			 sqlb *q)
{
	sqlb br[ACL_MAX_BRANCHES], orphans = SQLB_INIT;
	for (int i = 0; i < ACL_MAX_BRANCHES; i++)
		br[i] = (sqlb)SQLB_INIT;
	/* not with a search: the planner would drive each branch's join from
	 * the search's row ids, once per visible parent (q=电话 over follow-ups:
	 * minutes); the old shape starts from them once */
	int nb = lq->selective ? 0 : acl_via_branches(op, e, "t", "c", br, &orphans);
	const field_def *via = e->scope_via ? entity_field(e, e->scope_via) : NULL;
	const entity_def *p = via ? entity_find(via->ref) : NULL;
	if (nb && p) {
		char cols[160];
		snprintf(cols, sizeof(cols), "%s AS k", gexpr);
		if (sf)
			snprintf(cols + strlen(cols), sizeof(cols) - strlen(cols), ", t.%s AS s", sf->name);
		if (sf && sf->type == FT_MONEY)
			snprintf(cols + strlen(cols), sizeof(cols) - strlen(cols), ", t.%s_currency AS cur", sf->name);
		sqlb_add(q, "SELECT k, count(*)");
		if (sf)
			sqlb_add(q, ", sum(s)");
		if (sf && sf->type == FT_MONEY)
			sqlb_add(q, ", min(cur), max(cur)");
		sqlb_add(q, " FROM (");
		/* SQLite: CROSS JOIN keeps the parent's index first */
		const char *join = db_kind(op->db) == DB_POSTGRES ? "JOIN" : "CROSS JOIN";
		for (int i = 0; i < nb; i++) {
			sqlb_addf(q, "%sSELECT %s FROM %s c %s %s t ON t.%s = c.id WHERE t.deleted_at IS NULL",
				  i ? " UNION ALL " : "", cols, p->name, join, e->name, via->name);
			sqlb_append(q, &br[i]);
			add_where(q, lq);
		}
		sqlb_addf(q, " UNION ALL SELECT %s FROM %s t WHERE t.deleted_at IS NULL", cols, e->name);
		sqlb_append(q, &orphans);
		add_where(q, lq);
		sqlb_addf(q, ") u GROUP BY 1 ORDER BY 1%s LIMIT %d", db_kind(op->db) == DB_POSTGRES ? " NULLS FIRST" : "",
			  MAX_GROUPS);
	}
	for (int i = 0; i < ACL_MAX_BRANCHES; i++)
		sqlb_free(&br[i]);
	sqlb_free(&orphans);
	return nb && p;
}

/* The aggregate read from e's table itself: key, count(*)[, sum, min and
 * max currency] of the live rows in the caller's scope, with the filters. */
static void table_query(ent_op *op, const entity_def *e, list_query *lq, const char *gexpr, const field_def *gf,
			const field_def *sf, sqlb *q)
{
	sqlb_addf(q, "SELECT %s, count(*)", gexpr);
	if (sf)
		sqlb_addf(q, ", sum(t.%s)", sf->name);
	if (sf && sf->type == FT_MONEY)
		sqlb_addf(q, ", min(t.%s_currency), max(t.%s_currency)", sf->name, sf->name);
	/* SQLite, a sum of money over everything the caller may see and no filter:
	 * read the list index that holds the columns (schema.c), named, because
	 * sampled statistics can make the planner scan a narrower index that is
	 * not covering and read every row: by month, 4.8 s -> 0.5 s over 500k
	 * opportunities (bench/NOTES.md).  A narrower scope keeps the planner's
	 * plan (it drives from the caller's customers). */
	char ix[200] = "";
	if (db_kind(op->db) == DB_SQLITE && gf && sf && sf->type == FT_MONEY && !lq->where.sql.len &&
	    sees_everything(op->who, e))
		entity_covering_list_index(e, gf->name, sf->name, ix, sizeof(ix));
	sqlb_addf(q, " FROM %s t%s%s WHERE t.deleted_at IS NULL", e->name, *ix ? " INDEXED BY " : "", ix);
	acl_scope(op, e, "t", q, ACL_READ);
	sqlb_add(q, buf_str(&lq->where.sql));
	for (int i = 0; i < lq->where.n; i++) {
		sqlb_param(q, lq->where.p[i]);
		lq->where.p[i].s = NULL;
	}
	/* empty first on both backends (SQLite's order; PostgreSQL puts NULL last unless told) */
	sqlb_addf(q, " GROUP BY 1 ORDER BY 1%s LIMIT %d", db_kind(op->db) == DB_POSTGRES ? " NULLS FIRST" : "", MAX_GROUPS);
}

json_t *record_aggregate(ent_op *op, const entity_def *e, const query_arg *args, int nargs)
{
	if (!acl_can(op->who, e, ACL_READ)) {
		op_fail(op, 403, "forbidden", "you may not read %s", e->name);
		return NULL;
	}
	const char *group = NULL, *sum = NULL;
	query_arg *rest = xcalloc((size_t)nargs + 1, sizeof(*rest));
	int nrest = 0;
	for (int i = 0; i < nargs; i++) {
		if (!strcmp(args[i].key, "group"))
			group = args[i].value;
		else if (!strcmp(args[i].key, "sum"))
			sum = args[i].value;
		else if (!strcmp(args[i].key, "deleted")) {
			op_fail(op, 400, "bad_request", "aggregates count live records only");
			free(rest);
			return NULL;
		} else if (strcmp(args[i].key, "sort") && strcmp(args[i].key, "limit") && strcmp(args[i].key, "offset"))
			rest[nrest++] = args[i];
	}
	json_t *out = NULL;
	list_query lq;
	memset(&lq, 0, sizeof(lq));
	char gexpr[96] = "NULL";
	const field_def *sf = NULL, *gf = NULL;
	if (group && *group && !(gf = group_field(op, e, group, gexpr, sizeof(gexpr))))
		goto done;
	/* references and booleans group by number; everything else by text */
	bool int_key = gf && (gf->type == FT_REF || gf->type == FT_BOOL);
	if (sum && *sum) {
		sf = entity_field(e, sum);
		if (!sf || acl_field_hidden(op->who, e, sf) ||
		    !(sf->type == FT_INT || sf->type == FT_DECIMAL || sf->type == FT_MONEY)) {
			op_fail(op, 400, "bad_request", "cannot sum %s", sum);
			goto done;
		}
	}
	if (list_query_parse(op, e, rest, nrest, &lq))
		goto done;
	sqlb q = SQLB_INIT;
	/* Everything, no filter, a shape the summary rows hold (agg_summary.h):
	 * a few hundred rows instead of every opportunity. */
	bool summary = !lq.where.sql.len && sees_everything(op->who, e) &&
		       agg_summary_query(op->db, e, group, sf, &q);
	if (!summary && !branch_query(op, e, &lq, gexpr, sf, &q))
		table_query(op, e, &lq, gexpr, gf, sf, &q);
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		goto done;
	}
	json_t *groups = json_array();
	int64_t count = 0, total = 0;
	const char *cur = NULL;
	bool mixed = false;
	char curbuf[8] = "";
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		json_t *key = db_col_is_null(s, 0) ? json_null()
			: int_key ? json_integer(db_col_int(s, 0)) : json_string(db_col_text(s, 0));
		json_t *g = json_pack("{s:o,s:I}", "key", key, "count", (json_int_t)db_col_int(s, 1));
		count += db_col_int(s, 1);
		if (sf) {
			int64_t v = db_col_is_null(s, 2) ? 0 : db_col_int(s, 2);
			total += v;
			json_object_set_new(g, "sum", json_integer(v));
			if (sf->type == FT_MONEY && !db_col_is_null(s, 3)) {
				const char *lo = db_col_text(s, 3), *hi = db_col_text(s, 4);
				bool one = !strcmp(lo, hi);
				json_object_set_new(g, "currency", json_string(one ? lo : "mixed"));
				if (!one || (cur && strcmp(cur, lo)))
					mixed = true;
				if (!cur) {
					snprintf(curbuf, sizeof(curbuf), "%s", lo);
					cur = curbuf;
				}
			}
		}
		json_array_append_new(groups, g);
	}
	db_done(s);
	if (rc < 0) {
		json_decref(groups);
		op_db_fail(op, rc);
		goto done;
	}
	/* PostgreSQL keeps a delta row per change: the reader folds them now and then */
	if (summary && !op->tx_depth && agg_summary_fold(op->db))
		log_error("opportunity sums: folding failed: %s", db_errmsg(op->db));
	out = json_pack("{s:o,s:I}", "groups", groups, "count", (json_int_t)count);
	if (sf)
		json_object_set_new(out, "sum", json_integer(total));
	if (cur)
		json_object_set_new(out, "currency", json_string(mixed ? "mixed" : cur));
done:
	list_query_free(&lq);
	free(rest);
	return out;
}
