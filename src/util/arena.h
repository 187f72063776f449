/*
 * arena.h - a region allocator: one per request, freed in one place.
 *
 * Everything a request needs only while it runs (decoded parameters, SQL
 * text, scratch strings) comes from its arena and is released together by
 * arena_free() when libmicrohttpd reports the request completed.
 */
#ifndef RAPPORT_ARENA_H
#define RAPPORT_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct arena {
	arena_block *head;
} arena;

#define ARENA_INIT { NULL }

void *arena_alloc(arena *a, size_t n);          /* 16-byte aligned, zeroed */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_free(arena *a);

#endif
