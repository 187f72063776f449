/* name_cache.c - see name_cache.h. */
#include "name_cache.h"
#include "session_cache.h"
#include "../util/clock.h"
#include "../util/xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NAME_SLOTS 1024 /* power of two; past half full, names are read, not kept */

typedef struct name_slot {
	int64_t id;       /* 0: empty (ids start at 1) */
	char *name;       /* NULL: no such row */
	unsigned char kind;
} name_slot;

typedef struct name_table {
	name_slot slot[NAME_SLOTS];
	int used;
	uint64_t gen;
	int64_t loaded_us;
	const db *d;      /* the connection the names were read through */
	bool valid;
	char *last;       /* an uncached answer (cache off), until the next call */
} name_table;

static pthread_key_t table_key;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_clear(name_table *t)
{
	for (int i = 0; i < NAME_SLOTS; i++) {
		free(t->slot[i].name);
		t->slot[i] = (name_slot){ 0 };
	}
	t->used = 0;
	t->valid = false;
}

static void table_free(void *p)
{
	name_table *t = p;
	table_clear(t);
	free(t->last);
	free(t);
}

static void key_make(void)
{
	pthread_key_create(&table_key, table_free);
}

static name_table *table(void)
{
	pthread_once(&table_once, key_make);
	name_table *t = pthread_getspecific(table_key);
	if (!t) {
		t = xcalloc(1, sizeof(*t));
		pthread_setspecific(table_key, t);
	}
	return t;
}

/* The row's name from the database: 0 and *out (malloc'd or NULL), or -1. */
static int read_name(db *d, enum name_kind kind, int64_t id, char **out)
{
	db_stmt *s = db_prepare(d, kind == NAME_USER ? "SELECT name FROM users WHERE id = ?"
						     : "SELECT name FROM departments WHERE id = ?");
	if (!s)
		return -1;
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	const char *v = rc == DB_ROW ? db_col_text(s, 0) : NULL;
	*out = v ? xstrdup(v) : NULL;
	db_done(s);
	return rc < 0 ? -1 : 0;
}

const char *name_cache_get(db *d, enum name_kind kind, int64_t id, bool *ok)
{
	name_table *t = table();
	int64_t life = session_cache_lifetime_ms();
	free(t->last);
	t->last = NULL;
	if (life <= 0 || id <= 0) {
		if (read_name(d, kind, id, &t->last))
			*ok = false;
		return t->last;
	}
	uint64_t gen = db_auth_generation();
	int64_t now = clock_monotonic_us();
	if (t->valid && (t->gen != gen || t->d != d || now - t->loaded_us >= life * 1000))
		table_clear(t);
	if (!t->valid) {
		t->valid = true;
		t->d = d;
		t->gen = gen; /* taken before the reads it covers */
		t->loaded_us = now;
	}
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull + kind;
	for (unsigned i = (unsigned)(h >> 54) & (NAME_SLOTS - 1);; i = (i + 1) & (NAME_SLOTS - 1)) {
		name_slot *sl = &t->slot[i];
		if (sl->id == id && sl->kind == kind)
			return sl->name;
		if (sl->id)
			continue;
		if (t->used >= NAME_SLOTS / 2) {
			/* full enough: answer from the database, keep what is there */
			if (read_name(d, kind, id, &t->last))
				*ok = false;
			return t->last;
		}
		char *name;
		if (read_name(d, kind, id, &name)) {
			*ok = false;
			return NULL;
		}
		sl->id = id;
		sl->kind = (unsigned char)kind;
		sl->name = name;
		t->used++;
		return name;
	}
}
