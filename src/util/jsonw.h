/*
 * jsonw.h - compact JSON text into a buf, byte for byte what Jansson 2.14's
 * json_dumps(JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))
 * writes: the pieces (strings, integers, reals) for writers that know their
 * shape (core/record_json.c writes a record straight from its row), and a
 * whole json_t (api/json_out.c).
 */
#ifndef RAPPORT_JSONW_H
#define RAPPORT_JSONW_H

#include "buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* A string literal, quotes included, escaped as Jansson escapes. */
void jsonw_string(buf *b, const char *s, size_t len);
/* jsonw_string when s is UTF-8 as jsonw_utf8_ok takes it (one pass over
 * it); otherwise writes nothing and returns false. */
bool jsonw_string_utf8(buf *b, const char *s, size_t len);
/* "key": */
void jsonw_key(buf *b, const char *key);
void jsonw_int(buf *b, int64_t v);
/* As Jansson's jsonp_dtostr with precision 15. */
void jsonw_real(buf *b, double v);
/* Any JSON value (object members in their order). */
void jsonw_value(buf *b, const json_t *j);
/* Whether Jansson takes s as a string (json_stringn is not NULL): UTF-8 by
 * RFC 3629, no overlong forms or surrogates; NUL bytes are allowed. */
bool jsonw_utf8_ok(const char *s, size_t len);
/* Appends raw bytes (already JSON). */
static inline void jsonw_raw(buf *b, const char *s, size_t len)
{
	buf_add(b, s, len);
}
static inline void jsonw_char(buf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->ptr[b->len++] = c;
		b->ptr[b->len] = '\0';
	} else {
		buf_addc(b, c);
	}
}

#endif
