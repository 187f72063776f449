/* query.c - see query.h. */
#include "query.h"
#include "value.h"
#include "acl.h"
#include "search_index.h"
#include "../util/env.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns every entity has, usable in filters (and some in sorts). */
static const field_def sys_fields[] = {
	{ .name = "id", .type = FT_INT, .flags = F_SORT },
	{ .name = "owner_id", .type = FT_REF, .ref = "users" },
	{ .name = "created_by", .type = FT_REF, .ref = "users" },
	{ .name = "updated_by", .type = FT_REF, .ref = "users" },
	{ .name = "created_at", .type = FT_DATETIME, .flags = F_SORT },
	{ .name = "updated_at", .type = FT_DATETIME, .flags = F_SORT },
	{ .name = NULL },
};

/* A field the caller may filter or sort by: declared (or a system column) and not hidden from them. */
static const field_def *find_field(ent_op *op, const entity_def *e, const char *name)
{
	const field_def *f = entity_field(e, name);
	if (f)
		return acl_field_hidden(op->who, e, f) ? NULL : f;
	for (f = sys_fields; f->name; f++)
		if (!strcmp(f->name, name) && (strcmp(name, "owner_id") || (e->flags & E_OWNED)))
			return f;
	return NULL;
}

static int bad(ent_op *op, const char *fmt, const char *arg)
{
	return op_fail(op, 400, "bad_request", fmt, arg);
}

static int parse_count(const char *v, int64_t *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end || errno || n < 0 || !isdigit((unsigned char)v[0]))
		return -1;
	*out = n;
	return 0;
}

/* "filter[name]" or "filter[name][op]" -> field and op (arena-free copies into fixed buffers) */
static int split_filter_key(const char *key, char *field, size_t fn, char *op, size_t on)
{
	const char *p = key + 7; /* after "filter[" */
	const char *close = strchr(p, ']');
	if (!close || close == p || (size_t)(close - p) >= fn)
		return -1;
	memcpy(field, p, (size_t)(close - p));
	field[close - p] = '\0';
	p = close + 1;
	if (!*p) {
		snprintf(op, on, "eq");
		return 0;
	}
	if (*p != '[')
		return -1;
	p++;
	close = strchr(p, ']');
	if (!close || close[1] || (size_t)(close - p) >= on || close == p)
		return -1;
	memcpy(op, p, (size_t)(close - p));
	op[close - p] = '\0';
	return 0;
}

static void escape_like(buf *b, const char *s)
{
	buf_addc(b, '%');
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '%');
}

static int add_operand(ent_op *op, const field_def *f, const char *text, sqlb *w)
{
	sql_param p[2];
	int n;
	const char *err = value_parse_text(op->db, f, text, p, &n);
	if (err) {
		op_fail(op, 400, "bad_request", "filter on %s: %s", f->name, err);
		return -1;
	}
	sqlb_add(w, "?");
	sqlb_param(w, p[0]);
	if (n > 1)
		value_free(&p[1], 1);
	return 0;
}

static int add_filter(ent_op *op, const entity_def *e, const char *key, const char *value, sqlb *w)
{
	char fname[64], opname[16];
	if (split_filter_key(key, fname, sizeof(fname), opname, sizeof(opname)))
		return bad(op, "malformed filter parameter %s", key);
	const field_def *f = find_field(op, e, fname);
	if (!f)
		return bad(op, "unknown filter field %s", fname);
	if (!value)
		value = "";
	const char *col = f->name;
	if (f->type == FT_TAGS) {
		if (strcmp(opname, "eq"))
			return bad(op, "tags take only equality (contains): %s", key);
		char expr[80], from[160];
		snprintf(expr, sizeof(expr), "t.%s", col);
		sqlb_addf(w, " AND EXISTS (SELECT 1 FROM %s WHERE value = ", db_sql_json_values(op->db, expr, from, sizeof(from)));
		if (add_operand(op, f, value, w))
			return -1;
		sqlb_add(w, ")");
		return 0;
	}
	if (!strcmp(opname, "null")) {
		if (strcmp(value, "true") && strcmp(value, "false"))
			return bad(op, "filter null takes true or false: %s", key);
		sqlb_addf(w, " AND t.%s IS %sNULL", col, strcmp(value, "true") ? "NOT " : "");
		return 0;
	}
	if (!strcmp(opname, "in")) {
		sqlb_addf(w, " AND t.%s IN (", col);
		const char *p = value;
		int count = 0;
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			char *item = xstrndup(p, len);
			int rc = add_operand(op, f, item, w);
			free(item);
			if (rc)
				return -1;
			if (++count > 100)
				return bad(op, "too many values in %s (at most 100)", key);
			if (!comma)
				break;
			sqlb_add(w, ", ");
			p = comma + 1;
		}
		sqlb_add(w, ")");
		return 0;
	}
	if (!strcmp(opname, "like")) {
		if (f->type != FT_TEXT && f->type != FT_LONGTEXT && f->type != FT_EMAIL && f->type != FT_PHONE &&
		    f->type != FT_URL)
			return bad(op, "like applies to text fields only: %s", key);
		if (utf8_length(value, strlen(value)) > 200)
			return bad(op, "filter value too long: %s", key);
		buf pat = BUF_INIT;
		escape_like(&pat, value);
		sqlb_addf(w, " AND t.%s LIKE ", col);
		sqlb_text(w, buf_str(&pat));
		sqlb_add(w, " ESCAPE '\\'");
		buf_free(&pat);
		return 0;
	}
	static const struct { const char *name, *sql; } cmp[] = {
		{ "eq", "=" }, { "ne", "<>" }, { "lt", "<" }, { "lte", "<=" }, { "gt", ">" }, { "gte", ">=" },
	};
	for (size_t i = 0; i < sizeof(cmp) / sizeof(cmp[0]); i++) {
		if (strcmp(opname, cmp[i].name))
			continue;
		if (!strcmp(opname, "ne"))
			sqlb_addf(w, " AND (t.%s IS NULL OR t.%s <> ", col, col);
		else
			sqlb_addf(w, " AND t.%s %s ", col, cmp[i].sql);
		if (add_operand(op, f, value, w))
			return -1;
		if (!strcmp(opname, "ne"))
			sqlb_add(w, ")");
		return 0;
	}
	return bad(op, "unknown filter operator %s", opname);
}

/* Is field name among cols (", t.a, t.b")? */
static bool has_col(const char *cols, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = cols; (p = strstr(p, ", t.")); p += 4)
		if (!strncmp(p + 4, name, n) && (p[4 + n] == ',' || !p[4 + n]))
			return true;
	return false;
}

static int add_sort(ent_op *op, const entity_def *e, const char *spec, buf *order, buf *cols)
{
	const char *p = spec;
	int n = 0;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		bool desc = len && *p == '-';
		char name[64];
		if (desc) {
			p++;
			len--;
		}
		if (!len || len >= sizeof(name) || (comma && !comma[1]))
			return bad(op, "malformed sort %s", spec);
		memcpy(name, p, len);
		name[len] = '\0';
		const field_def *f = find_field(op, e, name);
		if (!f || !(f->flags & F_SORT))
			return bad(op, "cannot sort by %s", name);
		if (++n > 4)
			return bad(op, "at most 4 sort fields: %s", spec);
		/* empty values sort as the smallest on both backends, SQLite's rule */
		bool pg = op->db && db_kind(op->db) == DB_POSTGRES && query_sort_may_be_empty(f);
		buf_addf(order, "%st.%s %s%s", order->len ? ", " : "", f->name, desc ? "DESC" : "ASC",
			 pg ? (desc ? " NULLS LAST" : " NULLS FIRST") : "");
		if (strcmp(f->name, "id") && !has_col(buf_str(cols), f->name))
			buf_addf(cols, ", t.%s", f->name);
		p += len;
		if (comma)
			p++;
	}
	return 0;
}

bool query_sort_may_be_empty(const field_def *f)
{
	return f->type != FT_INT /* id, never empty */ && strcmp(f->name, "created_at") &&
	       strcmp(f->name, "updated_at");
}

/* FTS5 query: each word of two or more word characters becomes a quoted
 * phrase (the bigram tokenizer splits it); words are ANDed. */
static bool fts_expression(const char *text, buf *out)
{
	const char *p = text;
	bool any = false;
	while (*p) {
		while (*p && isspace((unsigned char)*p))
			p++;
		const char *start = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		size_t n = (size_t)(p - start);
		if (n && utf8_word_chars(start, n) >= 2) {
			buf_adds(out, any ? " \"" : "\"");
			for (size_t i = 0; i < n; i++) {
				if (start[i] == '"')
					buf_addc(out, '"');
				buf_addc(out, start[i]);
			}
			buf_addc(out, '"');
			any = true;
		}
	}
	return any;
}

/* Over this many matches, a search is "broad" (list_query.fts_broad); over
 * FTS_DENSE, "dense" (list_query.fts_dense): a page is then found sooner by
 * walking the list's order and probing the index for each row (about
 * rows / matches rows a hit, ~15 us a probe) than by reading every match
 * (~0.65 us each) and sorting them.  Break-even near 40k matches of 1M
 * customers and 90k of 5M follow-ups, for a page of 50. */
#define FTS_BROAD 1000
#define FTS_DENSE 100000
/* the matches a search through the parent reads (fts_narrowed_via) */
#define FTS_VIA_MIN 200
#define FTS_VIA_MAX 20000

/* The thresholds, which tests lower (RAPPORT_FTS_BROAD_MIN, _DENSE_MIN,
 * _VIA_MIN) to take each path with a handful of records; read once. */
static struct { long broad, dense, via_min; } fts_limit;
static pthread_once_t fts_limit_once = PTHREAD_ONCE_INIT;

static void fts_limit_read(void)
{
	fts_limit.broad = env_long("RAPPORT_FTS_BROAD_MIN", FTS_BROAD, 0, 100000000);
	fts_limit.dense = env_long("RAPPORT_FTS_DENSE_MIN", FTS_DENSE, 0, 100000000);
	fts_limit.via_min = env_long("RAPPORT_FTS_VIA_MIN", FTS_VIA_MIN, 0, 100000000);
}

/* How many rows the FTS expression matches, counted from the index alone
 * and only up to FTS_DENSE + 1 (0.2 ms for q=华夏's 7.7k matches at 1M
 * customers, 4 ms for the first 100k of q=电话's 1.1M follow-ups). */
static int64_t fts_matches(db *d, const entity_def *e, const char *expr)
{
	char sql[200];
	pthread_once(&fts_limit_once, fts_limit_read);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT 1 FROM %s_fts WHERE %s_fts MATCH ? LIMIT %ld)",
		 e->name, e->name, (fts_limit.dense > fts_limit.broad ? fts_limit.dense : fts_limit.broad) + 1);
	db_stmt *s = d ? db_prepare(d, sql) : NULL;
	if (!s)
		return 0;
	db_bind_str(s, 1, expr);
	int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	return n;
}

/* At most this many matches are read into memory to be narrowed to the
 * caller's scope; a word matching more (q=公司: 900k customers) keeps the
 * subquery that the scope's branches probe. */
#define FTS_NARROW_MAX 50000

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The first position at or after from whose id is >= id (n when none), in
 * the ascending ids: steps of 1, 2, 4 ... from `from`, then halving.  The
 * visible ids come from their indexes in ascending runs, so each is found
 * a step or two after the one before (a binary search from 0 each time
 * was 12 % of a search's CPU). */
static size_t find_from(const int64_t *ids, size_t n, size_t from, int64_t id)
{
	size_t lo = from, hi = from, step = 1;
	while (hi < n && ids[hi] < id) {
		lo = hi + 1;
		hi += step;
		step *= 2;
	}
	if (hi > n)
		hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A search in a narrow scope (SQLite): the matches' ids read once from the
 * search index, kept when among the ids the caller may see (vis:
 * acl_visible_ids, from the owner, share and pool indexes), and the
 * condition becomes "t.id IN (those)".  Before, each branch of the page and
 * of the total rebuilt the search's row set (7.7k ids for q=华夏, ~2.5 ms
 * each, seven times a request) and probed it from 10k scope entries.  The
 * set kept is a superset of the visible matches (deleted rows, shares
 * already owned): the list still applies the scope and every other
 * condition to it.  False (nothing added) when the search matches more than
 * FTS_NARROW_MAX rows or on a database error (the caller falls back). */
static bool fts_narrowed(ent_op *op, const entity_def *e, const char *expr, const sqlb *vis, sqlb *w)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT rowid FROM %s_fts WHERE %s_fts MATCH ? LIMIT %d", e->name, e->name,
		 FTS_NARROW_MAX + 1);
	db_stmt *s = db_prepare(op->db, sql);
	if (!s)
		return false;
	db_bind_str(s, 1, expr);
	size_t n = 0, cap = 1024;
	int64_t *ids = xmalloc(cap * sizeof(*ids));
	bool sorted = true;
	int rc;
	while ((rc = db_step(s)) == DB_ROW && n <= FTS_NARROW_MAX) {
		if (n == cap)
			ids = xrealloc(ids, (cap *= 2) * sizeof(*ids));
		ids[n] = db_col_int(s, 0);
		sorted &= !n || ids[n - 1] < ids[n];
		n++;
	}
	db_done(s);
	if ((rc != DB_DONE && rc != DB_ROW) || n > FTS_NARROW_MAX) {
		free(ids);
		return false;
	}
	if (!sorted)
		qsort(ids, n, sizeof(*ids), cmp_id);
	/* which of them the caller may see */
	unsigned char *keep = xcalloc(n ? n : 1, 1);
	size_t at = 0;
	s = sqlb_prepare(op->db, vis);
	if (!s) {
		free(ids);
		free(keep);
		return false;
	}
	while ((rc = db_step(s)) == DB_ROW) {
		int64_t id = db_col_int(s, 0);
		if (at && (at > n || ids[at - 1] >= id))
			at = 0; /* a new ascending run */
		at = find_from(ids, n, at, id);
		if (at < n && ids[at] == id)
			keep[at] = 1;
	}
	db_done(s);
	if (rc != DB_DONE) {
		free(ids);
		free(keep);
		return false;
	}
	buf list = BUF_INIT;
	buf_addc(&list, '[');
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			buf_addf(&list, "%s%lld", list.len > 1 ? "," : "", (long long)ids[i]);
	buf_addc(&list, ']');
	char from[96];
	sqlb_addf(w, " AND t.id IN (SELECT CAST(value AS BIGINT) FROM %s)", db_sql_json_values(op->db, "?", from, sizeof(from)));
	sqlb_param(w, (sql_param){ .t = P_TEXT, .s = xstrdup(buf_str(&list)) });
	buf_free(&list);
	free(ids);
	free(keep);
	return true;
}

/* An entity read through its parent (contacts, activities: scope_via), with
 * FTS_VIA_MIN to FTS_VIA_MAX matches: each match's parent id read with it
 * and the match kept when it has no parent or a parent the caller may see
 * (vis: acl_visible_parent_ids, sorted here).  Before, the list and its
 * total tested each match by reading its parent's row (q=张伟 as a rep:
 * 7.4k contacts and 7.4k follow-ups, 110-170 ms a statement).  Fewer
 * matches keep the per-row test (cheaper than gathering 10k parents);
 * more keep it too (reading every match's row would cost more). */

static bool fts_narrowed_via(ent_op *op, const entity_def *e, const char *expr, const sqlb *vis, sqlb *w)
{
	char sql[300];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT 1 FROM %s_fts WHERE %s_fts MATCH ? LIMIT %d)", e->name,
		 e->name, FTS_VIA_MAX + 1);
	db_stmt *s = db_prepare(op->db, sql);
	if (!s)
		return false;
	db_bind_str(s, 1, expr);
	int64_t matches = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
	db_done(s);
	pthread_once(&fts_limit_once, fts_limit_read);
	if (matches < fts_limit.via_min || matches > FTS_VIA_MAX)
		return false;
	size_t n = 0, cap = 1024;
	int64_t *parents = xmalloc(cap * sizeof(*parents));
	s = sqlb_prepare(op->db, vis);
	int rc = s ? DB_ROW : DB_ERR;
	while (s && (rc = db_step(s)) == DB_ROW) {
		if (n == cap)
			parents = xrealloc(parents, (cap *= 2) * sizeof(*parents));
		parents[n++] = db_col_int(s, 0);
	}
	db_done(s);
	if (rc != DB_DONE) {
		free(parents);
		return false;
	}
	qsort(parents, n, sizeof(*parents), cmp_id);
	/* driven by the search index's cursor: "t.id IN (SELECT rowid ...)"
	 * built a temporary index of the matches first (38M -> 26M
	 * instructions for 7.4k follow-ups) */
	snprintf(sql, sizeof(sql), "SELECT t.id, t.%s FROM %s_fts f CROSS JOIN %s t ON t.id = f.rowid WHERE %s_fts MATCH ?",
		 e->scope_via, e->name, e->name, e->name);
	s = db_prepare(op->db, sql);
	if (!s) {
		free(parents);
		return false;
	}
	db_bind_str(s, 1, expr);
	buf list = BUF_INIT;
	buf_addc(&list, '[');
	while ((rc = db_step(s)) == DB_ROW) {
		bool keep = db_col_is_null(s, 1);
		if (!keep) {
			size_t at = find_from(parents, n, 0, db_col_int(s, 1));
			keep = at < n && parents[at] == db_col_int(s, 1);
		}
		if (keep)
			buf_addf(&list, "%s%lld", list.len > 1 ? "," : "", (long long)db_col_int(s, 0));
	}
	db_done(s);
	free(parents);
	if (rc != DB_DONE) {
		buf_free(&list);
		return false;
	}
	buf_addc(&list, ']');
	char from[96];
	sqlb_addf(w, " AND t.id IN (SELECT CAST(value AS BIGINT) FROM %s)", db_sql_json_values(op->db, "?", from, sizeof(from)));
	sqlb_param(w, (sql_param){ .t = P_TEXT, .s = xstrdup(buf_str(&list)) });
	buf_free(&list);
	return true;
}

/* SQLite: the FTS5 index, restricted to the visible columns when some are hidden.
 * lq (a list's query, or NULL) learns where the condition is in w and how
 * many rows it matches.  With op (a list the caller's scope will be applied
 * to), a narrow scope gets the matches it may see as a set of ids
 * (fts_narrowed; *narrowed set). */
static bool fts_condition(ent_op *op, const auth_session *who, const entity_def *e, bool hidden, const char *text,
			  sqlb *w, db *d, list_query *lq, bool *narrowed)
{
	buf expr = BUF_INIT;
	if (hidden) {
		/* match only in the columns the caller may see: {a b c} : (...) */
		buf_addc(&expr, '{');
		for (const field_def *f = e->fields; f->name; f++)
			if ((f->flags & F_SEARCH) && !acl_field_hidden(who, e, f))
				buf_addf(&expr, "%s ", f->name);
		buf_adds(&expr, "} : (");
	}
	bool any = fts_expression(text, &expr);
	if (any) {
		if (hidden)
			buf_addc(&expr, ')');
		sqlb vis = SQLB_INIT, pvis = SQLB_INIT;
		if (op && d && acl_visible_ids(op, e, &vis) && fts_narrowed(op, e, buf_str(&expr), &vis, w)) {
			*narrowed = true;
		} else if (op && d && acl_visible_parent_ids(op, e, &pvis) &&
			   fts_narrowed_via(op, e, buf_str(&expr), &pvis, w)) {
			*narrowed = true;
		} else {
			if (lq) {
				int64_t n = fts_matches(d, e, buf_str(&expr));
				lq->fts_broad = n > fts_limit.broad;
				lq->fts_dense = n > fts_limit.dense;
				lq->fts_at = w->sql.len + 1;
				lq->fts_param = w->n;
			}
			sqlb_addf(w, " AND t.id IN (SELECT rowid FROM %s_fts WHERE %s_fts MATCH ", e->name, e->name);
			sqlb_text(w, buf_str(&expr));
			sqlb_add(w, ")");
			if (lq)
				lq->fts_end = w->sql.len;
		}
		sqlb_free(&vis);
		sqlb_free(&pvis);
	}
	buf_free(&expr);
	return any;
}

/* Too short for an index (one character), or no index for the caller's view: scan. */
static void scan_condition(const auth_session *who, const entity_def *e, const char *text, sqlb *w)
{
	buf pat = BUF_INIT;
	while (*text && isspace((unsigned char)*text))
		text++;
	size_t n = strlen(text);
	while (n && isspace((unsigned char)text[n - 1]))
		n--;
	char *trimmed = xstrndup(text, n);
	escape_like(&pat, trimmed);
	free(trimmed);
	sqlb_add(w, " AND (");
	bool first = true;
	for (const field_def *f = e->fields; f->name; f++) {
		if (!(f->flags & F_SEARCH) || acl_field_hidden(who, e, f))
			continue;
		sqlb_addf(w, "%st.%s LIKE ", first ? "" : " OR ", f->name);
		sqlb_text(w, buf_str(&pat));
		sqlb_add(w, " ESCAPE '\\'");
		first = false;
	}
	sqlb_add(w, ")");
	buf_free(&pat);
}

/* lq (optional): a list's query, told where its FTS condition is in w and
 * how many rows it matches (SQLite; list_query.fts_*). */
static bool add_search(ent_op *op, db *d, const auth_session *who, const entity_def *e, const char *text, sqlb *w,
		       list_query *lq)
{
	bool narrowed = false;
	int searchable = 0, hidden = 0;
	for (const field_def *f = e->fields; f->name; f++) {
		if (!(f->flags & F_SEARCH))
			continue;
		if (acl_field_hidden(who, e, f))
			hidden++;
		else
			searchable++;
	}
	if (!searchable)
		return false;
	/* words of two or more word characters go through the index ... */
	bool indexed = d && db_kind(d) == DB_POSTGRES ? !hidden && search_index_condition(e, text, w)
						       : fts_condition(op, who, e, hidden > 0, text, w, d, lq, &narrowed);
	/* ... and every shorter word must match too, by a scan of what the index left */
	bool any = indexed;
	for (const char *p = text; *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		const char *start = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		size_t n = (size_t)(p - start);
		size_t wc = n ? utf8_word_chars(start, n) : 0;
		bool long_word = wc >= 2 && (indexed || !(d && db_kind(d) == DB_POSTGRES && hidden));
		if (!n || (long_word && indexed))
			continue;
		char *word = xstrndup(start, n);
		scan_condition(who, e, word, w);
		free(word);
		any = true;
	}
	if (!any)
		scan_condition(who, e, text, w);
	return true;
}

bool query_add_search(db *d, const auth_session *who, const entity_def *e, const char *text, sqlb *w)
{
	return add_search(NULL, d, who, e, text, w, NULL);
}

int list_query_parse(ent_op *op, const entity_def *e, const query_arg *args, int nargs, list_query *q)
{
	memset(q, 0, sizeof(*q));
	q->limit = QUERY_DEFAULT_LIMIT;
	const char *sort = e->default_sort ? e->default_sort : "-updated_at";
	for (int i = 0; i < nargs; i++) {
		const char *k = args[i].key, *v = args[i].value ? args[i].value : "";
		if (!strcmp(k, "limit")) {
			if (parse_count(v, &q->limit) || q->limit == 0)
				return bad(op, "limit must be a whole number from 1 to 500, not %s", v);
			if (q->limit > QUERY_MAX_LIMIT)
				q->limit = QUERY_MAX_LIMIT;
		} else if (!strcmp(k, "offset")) {
			if (parse_count(v, &q->offset))
				return bad(op, "offset must be a whole number, not %s", v);
		} else if (!strcmp(k, "sort")) {
			sort = v;
		} else if (!strcmp(k, "q")) {
			if (strlen(v) > 200)
				return bad(op, "search text too long%s", "");
			if (*v && !add_search(op, op->db, op->who, e, v, &q->where, q))
				return bad(op, "%s cannot be searched", e->name);
			q->has_search = *v != '\0';
			q->selective |= q->has_search;
		} else if (!strcmp(k, "deleted")) {
			if (strcmp(v, "true") && strcmp(v, "false"))
				return bad(op, "deleted takes true or false, not %s", v);
			q->deleted = !strcmp(v, "true");
		} else if (!strncmp(k, "filter[", 7)) {
			if (add_filter(op, e, k, v, &q->where))
				return -1;
		} else if (k[0] != '_') { /* _=timestamp cache busters pass */
			return bad(op, "unknown parameter %s", k);
		}
	}
	if (*sort && add_sort(op, e, sort, &q->order, &q->sort_cols))
		return -1;
	buf_addf(&q->order, "%st.id DESC", q->order.len ? ", " : "");
	return 0;
}

void list_query_where_ref(list_query *q, const char *field, int64_t id)
{
	sqlb_addf(&q->where, " AND t.%s = ", field);
	sqlb_int(&q->where, id);
	q->selective = true;
}

void list_query_free(list_query *q)
{
	sqlb_free(&q->where);
	buf_free(&q->order);
	buf_free(&q->sort_cols);
}
