/*
 * xalloc.h - allocation wrappers with one out-of-memory policy: log and abort.
 * A server that cannot allocate a few bytes cannot answer anything sensible.
 */
#ifndef RAPPORT_XALLOC_H
#define RAPPORT_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
