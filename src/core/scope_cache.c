/* scope_cache.c - see scope_cache.h. */
#include "scope_cache.h"
#include "session_cache.h"
#include "../util/clock.h"
#include "../util/xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SCOPE_SLOTS 32

typedef struct scope_entry {
	bool used;
	/* the key */
	int kind;                  /* 0: branches, 1: acl_scope */
	int flags;
	const entity_def *e;
	enum db_kind dbk;
	const db *d;
	int64_t user, department;
	char roles[sizeof(((auth_user *)0)->roles)];
	/* validity */
	uint64_t gen;
	int64_t built_us;
	/* the value */
	int n;
	sqlb sql[ACL_MAX_BRANCHES];
} scope_entry;

typedef struct scope_table {
	scope_entry slot[SCOPE_SLOTS];
	int next;                  /* the slot a new entry takes (round robin) */
} scope_table;

static pthread_key_t table_key;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void entry_clear(scope_entry *x)
{
	for (int i = 0; i < ACL_MAX_BRANCHES; i++)
		sqlb_free(&x->sql[i]);
	memset(x, 0, sizeof(*x));
}

static void table_free(void *p)
{
	scope_table *t = p;
	for (int i = 0; i < SCOPE_SLOTS; i++)
		entry_clear(&t->slot[i]);
	free(t);
}

static void key_make(void)
{
	pthread_key_create(&table_key, table_free);
}

static scope_table *table(void)
{
	pthread_once(&table_once, key_make);
	scope_table *t = pthread_getspecific(table_key);
	if (!t) {
		t = xcalloc(1, sizeof(*t));
		pthread_setspecific(table_key, t);
	}
	return t;
}

static bool key_is(const scope_entry *x, int kind, int flags, const entity_def *e, const ent_op *op)
{
	return x->used && x->kind == kind && x->flags == flags && x->e == e && x->dbk == db_kind(op->db) && x->d == op->db &&
	       x->user == op->who->user.id && x->department == op->who->user.department_id &&
	       !strcmp(x->roles, op->who->user.roles);
}

/* The live entry for the key, or NULL.  *slot: where to build one. */
static scope_entry *find(ent_op *op, int kind, int flags, const entity_def *e, scope_entry **slot)
{
	*slot = NULL;
	int64_t life = session_cache_lifetime_ms();
	if (life <= 0 || !op->who || !op->db)
		return NULL;
	scope_table *t = table();
	uint64_t gen = db_auth_generation();
	int64_t now = clock_monotonic_us();
	for (int i = 0; i < SCOPE_SLOTS; i++) {
		scope_entry *x = &t->slot[i];
		if (!key_is(x, kind, flags, e, op))
			continue;
		if (x->gen == gen && now - x->built_us < life * 1000)
			return x;
		entry_clear(x);
		*slot = x;
		break;
	}
	if (!*slot) {
		*slot = &t->slot[t->next];
		t->next = (t->next + 1) % SCOPE_SLOTS;
		entry_clear(*slot);
	}
	scope_entry *x = *slot;
	x->kind = kind;
	x->flags = flags;
	x->e = e;
	x->dbk = db_kind(op->db);
	x->d = op->db;
	x->user = op->who->user.id;
	x->department = op->who->user.department_id;
	snprintf(x->roles, sizeof(x->roles), "%s", op->who->user.roles);
	x->gen = gen; /* taken before the reads the scope is built from */
	x->built_us = now;
	return NULL;
}

int scope_cache_branches(ent_op *op, const entity_def *e, sqlb out[ACL_MAX_BRANCHES], int flags)
{
	scope_entry *slot;
	scope_entry *x = find(op, 0, flags, e, &slot);
	if (!x) {
		int n = acl_scope_branches(op, e, "t", out, flags);
		if (slot) {
			for (int i = 0; i < n; i++)
				sqlb_append(&slot->sql[i], &out[i]);
			slot->n = n;
			slot->used = true;
		}
		return n;
	}
	for (int i = 0; i < x->n; i++)
		sqlb_append(&out[i], &x->sql[i]);
	return x->n;
}

void scope_cache_scope(ent_op *op, const entity_def *e, sqlb *q, int flags)
{
	scope_entry *slot;
	scope_entry *x = find(op, 1, flags, e, &slot);
	if (!x) {
		sqlb s = SQLB_INIT;
		acl_scope(op, e, "t", &s, flags);
		if (slot) {
			sqlb_append(&slot->sql[0], &s);
			slot->n = 1;
			slot->used = true;
		}
		sqlb_append(q, &s);
		sqlb_free(&s);
		return;
	}
	sqlb_append(q, &x->sql[0]);
}
