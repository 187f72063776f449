/* sqlb.c - see sqlb.h. */
#include "sqlb.h"
#include "../util/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void sqlb_add(sqlb *q, const char *text)
{
	buf_adds(&q->sql, text);
}

void sqlb_addf(sqlb *q, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&q->sql, fmt, ap);
	va_end(ap);
}

void sqlb_param(sqlb *q, sql_param p)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		q->p = xrealloc(q->p, sizeof(*q->p) * (size_t)q->cap);
	}
	q->p[q->n++] = p;
}

void sqlb_append(sqlb *q, const sqlb *src)
{
	sqlb_add(q, buf_str(&src->sql));
	for (int i = 0; i < src->n; i++) {
		sql_param p = src->p[i];
		if (p.s)
			p.s = xstrdup(p.s);
		sqlb_param(q, p);
	}
}

void sqlb_int(sqlb *q, int64_t v)
{
	buf_addc(&q->sql, '?');
	sqlb_param(q, (sql_param){ .t = P_INT, .i = v });
}

void sqlb_textn(sqlb *q, const char *s, size_t n)
{
	buf_addc(&q->sql, '?');
	sqlb_param(q, (sql_param){ .t = P_TEXT, .s = xstrndup(s, n) });
}

void sqlb_text(sqlb *q, const char *s)
{
	if (!s) {
		sqlb_null(q);
		return;
	}
	sqlb_textn(q, s, strlen(s));
}

void sqlb_double(sqlb *q, double v)
{
	buf_addc(&q->sql, '?');
	sqlb_param(q, (sql_param){ .t = P_DOUBLE, .d = v });
}

void sqlb_null(sqlb *q)
{
	buf_addc(&q->sql, '?');
	sqlb_param(q, (sql_param){ .t = P_NULL });
}

db_stmt *sqlb_prepare(db *d, const sqlb *q)
{
	db_stmt *s = q->replanned ? db_prepare_replanned(d, buf_str(&q->sql)) : db_prepare(d, buf_str(&q->sql));
	if (!s)
		return NULL;
	for (int i = 0; i < q->n; i++) {
		const sql_param *p = &q->p[i];
		switch (p->t) {
		case P_NULL: db_bind_null(s, i + 1); break;
		case P_INT: db_bind_int(s, i + 1, p->i); break;
		case P_DOUBLE: db_bind_double(s, i + 1, p->d); break;
		case P_TEXT: db_bind_str(s, i + 1, p->s); break;
		}
	}
	return s;
}

void sqlb_free(sqlb *q)
{
	for (int i = 0; i < q->n; i++)
		free(q->p[i].s);
	free(q->p);
	buf_free(&q->sql);
	q->p = NULL;
	q->n = q->cap = 0;
}
