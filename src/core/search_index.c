/* search_index.c - see search_index.h. */
#include "search_index.h"
#include "../util/bigram.h"
#include "../util/utf8.h"

#include <ctype.h>
#include <string.h>

bool search_index_needed(db *d, const entity_def *e)
{
	if (db_kind(d) != DB_POSTGRES)
		return false;
	for (const field_def *f = e->fields; f->name; f++)
		if (f->flags & F_SEARCH)
			return true;
	return false;
}

/* '{"ab","bc",...}': distinct bigrams of text (word characters only, so no quoting is needed inside). */
static void grams_array(const char *text, size_t n, buf *out)
{
	bigram_iter it;
	char tok[8];
	size_t len, start, end;
	buf seen = BUF_INIT;
	buf_addc(out, '{');
	bigram_init(&it, text, n);
	bool first = true;
	while (bigram_next(&it, tok, &len, &start, &end)) {
		/* a linear scan keeps this simple; fields are short */
		char quoted[16];
		int q = snprintf(quoted, sizeof(quoted), "\"%.*s\"", (int)len, tok);
		if (seen.len && memmem(seen.ptr, seen.len, quoted, (size_t)q))
			continue;
		buf_add(&seen, quoted, (size_t)q);
		if (!first)
			buf_addc(out, ',');
		buf_add(out, quoted, (size_t)q);
		first = false;
	}
	buf_addc(out, '}');
	buf_free(&seen);
}

void search_index_values(const entity_def *e, json_t *rec, buf *text, buf *grams)
{
	for (const field_def *f = e->fields; f->name; f++) {
		const char *v = json_string_value(json_object_get(rec, f->name));
		if (!(f->flags & F_SEARCH))
			continue;
		buf_addc(text, '|');
		if (v)
			bigram_normalize(v, strlen(v), text);
	}
	buf_addc(text, '|');
	/* bigrams per field, so none spans two fields */
	buf all = BUF_INIT;
	for (const field_def *f = e->fields; f->name; f++) {
		const char *v = json_string_value(json_object_get(rec, f->name));
		if ((f->flags & F_SEARCH) && v) {
			buf one = BUF_INIT;
			grams_array(v, strlen(v), &one);
			if (one.len > 2)
				buf_addf(&all, "%s%.*s", all.len ? "," : "", (int)(one.len - 2), one.ptr + 1);
			buf_free(&one);
		}
	}
	buf_addf(grams, "{%s}", buf_str(&all));
	buf_free(&all);
}

int search_reindex(ent_op *op, const entity_def *e, int64_t id, json_t *rec)
{
	if (!search_index_needed(op->db, e))
		return 0;
	buf text = BUF_INIT, grams = BUF_INIT;
	search_index_values(e, rec, &text, &grams);
	sqlb q = SQLB_INIT;
	sqlb_addf(&q, "UPDATE %s SET search_text = ", e->name);
	sqlb_text(&q, buf_str(&text));
	sqlb_add(&q, ", search_grams = CAST(");
	sqlb_text(&q, buf_str(&grams));
	sqlb_add(&q, " AS text[]) WHERE id = ");
	sqlb_int(&q, id);
	db_stmt *s = sqlb_prepare(op->db, &q);
	int rc = s ? db_step(s) : db_errcode(op->db);
	db_done(s);
	sqlb_free(&q);
	buf_free(&text);
	buf_free(&grams);
	return rc == DB_DONE ? 0 : op_db_fail(op, rc < 0 ? rc : DB_ERR);
}

bool search_index_condition(const entity_def *e, const char *text, sqlb *w)
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
		if (!n || utf8_word_chars(start, n) < 2)
			continue;
		buf word = BUF_INIT, grams = BUF_INIT;
		bigram_normalize(start, n, &word);
		grams_array(start, n, &grams);
		sqlb_add(w, " AND t.search_grams @> CAST(");
		sqlb_text(w, buf_str(&grams));
		sqlb_add(w, " AS text[]) AND strpos(t.search_text, ");
		sqlb_text(w, buf_str(&word));
		sqlb_add(w, ") > 0");
		buf_free(&word);
		buf_free(&grams);
		any = true;
	}
	(void)e;
	return any;
}
