/*
 * sqlb.h - building one SQL statement with its bound parameters.
 *
 * Only identifiers taken from entity declarations are ever written into the
 * text; every value a user sent goes in as a bound parameter (sqlb_int,
 * sqlb_text), so nothing a user types can reach SQL.
 */
#ifndef RAPPORT_SQLB_H
#define RAPPORT_SQLB_H

#include "../db/db.h"
#include "../util/buf.h"

#include <stdint.h>

typedef struct sql_param {
	enum { P_NULL, P_INT, P_TEXT, P_DOUBLE } t;
	int64_t i;
	double d;
	char *s;                      /* owned copy */
} sql_param;

typedef struct sqlb {
	buf sql;
	sql_param *p;
	int n, cap;
	bool replanned;               /* sqlb_prepare: db_prepare_replanned */
} sqlb;

#define SQLB_INIT { BUF_INIT, NULL, 0, 0, false }

void sqlb_add(sqlb *q, const char *text);
void sqlb_addf(sqlb *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append "?" and bind a value to it. */
void sqlb_int(sqlb *q, int64_t v);
void sqlb_text(sqlb *q, const char *s);   /* NULL binds NULL */
void sqlb_textn(sqlb *q, const char *s, size_t n);
void sqlb_double(sqlb *q, double v);
void sqlb_null(sqlb *q);
/* Bind a parameter without appending "?" (the text already has it). */
void sqlb_param(sqlb *q, sql_param p);
/* Appends src's text and copies of its parameters to q. */
void sqlb_append(sqlb *q, const sqlb *src);
/* Prepares the statement and binds every parameter; NULL on error. */
db_stmt *sqlb_prepare(db *d, const sqlb *q);
void sqlb_free(sqlb *q);

#endif
