/*
 * csv.h - reading spreadsheets saved as CSV (RFC 4180, as Excel writes it).
 *
 * Two steps.  csv_to_utf8() turns the bytes of a file into UTF-8 text: a
 * UTF-8 byte-order mark is dropped, UTF-16 (Excel's "Unicode text", with its
 * mark) and anything that is not valid UTF-8 (GBK / GB18030, as Chinese Excel
 * saves "CSV") are converted with iconv.  csv_next() then reads one record at
 * a time from that text: fields separated by commas (or tabs, or semicolons,
 * guessed from the first line), quoted fields with doubled quotes and line
 * breaks inside, records ending in LF, CRLF or CR.
 *
 * Limits are explicit: a field longer than max_field bytes or a record with
 * more than max_fields fields is an error, never a crash or a silent cut.
 */
#ifndef RAPPORT_CSV_H
#define RAPPORT_CSV_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum csv_encoding { CSV_UTF8, CSV_UTF8_BOM, CSV_UTF16, CSV_GB18030 };

/* The name of an encoding: "utf-8", "utf-8-bom", "utf-16", "gb18030". */
const char *csv_encoding_name(enum csv_encoding e);

/* Converts a file's bytes to UTF-8 text (NUL-terminated, malloc'd; *out_len
 * without the NUL) and says what it was.  NULL when the bytes are no text in
 * any of those encodings (a NUL byte, invalid GB18030): err says why. */
char *csv_to_utf8(const char *data, size_t len, size_t *out_len, enum csv_encoding *enc, char *err,
		  size_t errlen);

#define CSV_MAX_FIELD_DEFAULT (1 << 20)
#define CSV_MAX_FIELDS_DEFAULT 1000

typedef struct csv_reader {
	const char *p, *end;      /* the rest of the text */
	char sep;                 /* ',', '\t' or ';' */
	size_t max_field;         /* bytes */
	int max_fields;
	buf data;                 /* the current record's fields, each NUL-terminated */
	size_t *off;              /* start of field i in data */
	size_t *len;
	int nfields, cap;
	int64_t record;           /* records read so far (the current one's number, from 1) */
	char err[128];            /* why csv_next returned -1 */
} csv_reader;

/* Reads text (UTF-8, not copied: it must outlive the reader).  The separator
 * is guessed from the first line: a comma unless it has none and a tab or a
 * semicolon. */
void csv_init(csv_reader *r, const char *text, size_t len);
/* The next record: 1 (r->nfields fields), 0 at the end, -1 on an error (r->err). */
int csv_next(csv_reader *r);
/* Field i of the current record (NUL-terminated; may hold NUL-free line breaks). */
const char *csv_field(const csv_reader *r, int i, size_t *len);
/* True when every field of the current record is empty (a blank line). */
bool csv_blank(const csv_reader *r);
void csv_free(csv_reader *r);

/* Appends s as one CSV field (quoted when it needs to be) to b. */
void csv_write_field(buf *b, const char *s, size_t n);

#endif
