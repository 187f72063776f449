/*
 * export.h - a list of records (the same filters, search, sort, data scope
 * and field rules as GET /api/{entity}) written to a CSV or .xlsx file, one
 * row in memory at a time.
 *
 * Columns: ID, then each field the caller may see in declaration order,
 * headed by its label in the chosen language.  A reference is the referenced
 * record's title, followed by a column "<label> ID" with its id; money is a
 * decimal amount followed by a "<label> (currency)" column; options show
 * their labels; yes/no fields 是/否 (Yes/No); then owner, created and updated.
 * CSV is UTF-8 with a BOM (Excel reads Chinese right), CRLF, RFC 4180 quoting;
 * cells starting with = or @ get a leading ' so spreadsheets do not run them.
 */
#ifndef RAPPORT_EXPORT_H
#define RAPPORT_EXPORT_H

#include "entity.h"
#include "query.h"

enum export_format { EXPORT_CSV, EXPORT_XLSX };

/* "csv" / "xlsx" (also from a file name's ending); -1 when neither. */
int export_format_parse(const char *s);
/* Writes the records to path; *rows gets their number.  0, or -1 with op->err. */
int export_write(ent_op *op, const entity_def *e, const query_arg *args, int nargs, enum export_format fmt,
		 const char *lang, const char *path, int64_t *rows);

#endif
