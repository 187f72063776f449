/*
 * buf.h - the one growable byte buffer of Rapport (after git's strbuf).
 *
 * A buf always keeps a NUL after its last byte, so b.ptr is a C string
 * whenever the content has no embedded NUL.  Memory is owned by the buf
 * and released by buf_free(); a zeroed buf (BUF_INIT) is valid and empty.
 * Allocation failure aborts (see xalloc.h): callers never check.
 */
#ifndef RAPPORT_BUF_H
#define RAPPORT_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
	char *ptr;
	size_t len;
	size_t cap;
} buf;

#define BUF_INIT { NULL, 0, 0 }

void buf_grow(buf *b, size_t extra);
void buf_add(buf *b, const void *data, size_t len);
void buf_adds(buf *b, const char *s);
void buf_addc(buf *b, char c);
void buf_addf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal, quotes included. */
void buf_add_json_str(buf *b, const char *s, size_t len);
void buf_reset(buf *b);
void buf_free(buf *b);
/* Hands the memory to the caller (never NULL) and leaves b empty. */
char *buf_detach(buf *b);
static inline const char *buf_str(const buf *b) { return b->ptr ? b->ptr : ""; }

#endif
