/* acl.c - see acl.h. */
#include "acl.h"
#include "session_cache.h"
#include "../util/buf.h"
#include "../util/clock.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACL_MAX_ENTITIES 64
#define ACL_MAX_RULES 64

const char *const acl_action_names[ACL_NACTIONS] = { "read", "create", "update", "delete", "export", "import" };
const char *const acl_scope_names[SCOPE_ALL + 1] = { "none", "own", "subordinates", "department",
						     "department_tree", "all" };

typedef struct acl_rule {
	int entity;            /* registry index */
	const char *field;
	int granting;          /* roles granting read on the entity... */
	int hidden, read_only; /* ...and how many of them hide it or make it read-only */
} acl_rule;

struct acl_ctx {
	arena *a;
	bool admin;
	/* per entity and action: the widest scope any role grants that action
	 * with (a read-only "all" in one role does not widen another role's edits) */
	enum acl_scope scope[ACL_MAX_ENTITIES][ACL_NACTIONS];
	int granting[ACL_MAX_ENTITIES];       /* roles granting read */
	acl_rule rules[ACL_MAX_RULES];
	int nrules;
	const char *owners[SCOPE_ALL + 1];    /* cached JSON id lists */
	const char *pools;
};

static enum acl_scope scope_from(const char *s)
{
	for (int i = 0; s && i <= SCOPE_ALL; i++)
		if (!strcmp(s, acl_scope_names[i]))
			return (enum acl_scope)i;
	return SCOPE_NONE;
}

static acl_rule *rule_for(struct acl_ctx *x, int ent, const char *field)
{
	for (int i = 0; i < x->nrules; i++)
		if (x->rules[i].entity == ent && !strcmp(x->rules[i].field, field))
			return &x->rules[i];
	if (x->nrules == ACL_MAX_RULES)
		return NULL;
	acl_rule *r = &x->rules[x->nrules++];
	r->entity = ent;
	r->field = arena_strdup(x->a, field);
	return r;
}

static void apply_role(struct acl_ctx *x, json_t *grants, json_t *rules)
{
	for (int i = 0; i < entity_count() && i < ACL_MAX_ENTITIES; i++) {
		json_t *g = json_object_get(grants, entity_at(i)->name);
		if (!g)
			continue;
		unsigned acts = 0;
		size_t k;
		json_t *a;
		json_array_foreach(json_object_get(g, "actions"), k, a)
			for (int j = 0; j < ACL_NACTIONS; j++)
				if (json_is_string(a) && !strcmp(json_string_value(a), acl_action_names[j]))
					acts |= 1u << j;
		enum acl_scope sc = scope_from(json_string_value(json_object_get(g, "scope")));
		if (!(acts & (1u << ACL_READ)) || sc == SCOPE_NONE)
			continue;
		for (int j = 0; j < ACL_NACTIONS; j++)
			if ((acts & (1u << j)) && sc > x->scope[i][j])
				x->scope[i][j] = sc;
		x->granting[i]++;
		/* this role's rules for the entity */
		const char *key;
		json_t *r;
		json_object_foreach(rules, key, r) {
			size_t n = strlen(entity_at(i)->name);
			if (strncmp(key, entity_at(i)->name, n) || key[n] != '.')
				continue;
			acl_rule *rule = rule_for(x, i, key + n + 1);
			const char *what = json_string_value(r);
			if (rule && what && !strcmp(what, "hidden"))
				rule->hidden++;
			else if (rule && what && !strcmp(what, "read_only"))
				rule->read_only++;
		}
	}
}

/* The parsed roles of the last few role sets this thread saw, keyed by the
 * exact text of their rows: parsing the grants JSON was a third of the cost
 * of reading one record.  The rows themselves are read again only when the
 * user's role list is not the one an entry was last read for, or the entry
 * is older than the session cache's lifetime, or the auth generation moved
 * (any write of this process to roles or users: an edited role takes effect
 * at once; see session_cache.h for what another process's edit takes). */
#define ACL_CACHE 8

typedef struct acl_cached {
	char *key;             /* is_admin, grants and field_rules of every row */
	size_t len;
	struct acl_ctx x;      /* rules[].field point into fields */
	char *fields;
	unsigned used;
	char *roles;           /* the users.roles text whose rows were read last... */
	uint64_t gen;          /* ...with the auth generation from before that read */
	int64_t read_us;       /* ...at this monotonic time */
} acl_cached;

typedef struct acl_cache {
	acl_cached e[ACL_CACHE];
	unsigned clock;
} acl_cache;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p)
{
	acl_cache *c = p;
	for (int i = 0; i < ACL_CACHE; i++) {
		free(c->e[i].key);
		free(c->e[i].fields);
		free(c->e[i].roles);
	}
	free(c);
}

static void cache_key_make(void)
{
	pthread_key_create(&cache_key, cache_free);
}

/* this thread's cache (freed when the thread ends) */
static acl_cache *thread_cache(void)
{
	pthread_once(&cache_once, cache_key_make);
	acl_cache *c = pthread_getspecific(cache_key);
	if (!c) {
		c = xcalloc(1, sizeof(*c));
		pthread_setspecific(cache_key, c);
	}
	return c;
}

static void key_add(buf *k, db_stmt *st)
{
	buf_addc(k, db_col_int(st, 0) ? '1' : '0');
	if (db_col_len(st, 1))
		buf_add(k, db_col_text(st, 1), db_col_len(st, 1));
	buf_addc(k, '\x1f');
	if (db_col_len(st, 2))
		buf_add(k, db_col_text(st, 2), db_col_len(st, 2));
	buf_addc(k, '\x1e');
}

static acl_cached *cache_find(acl_cache *cc, const buf *k)
{
	for (int i = 0; i < ACL_CACHE; i++)
		if (cc->e[i].key && cc->e[i].len == k->len && !memcmp(cc->e[i].key, k->ptr, k->len))
			return &cc->e[i];
	return NULL;
}

static acl_cached *cache_put(acl_cache *cc, const buf *k, const struct acl_ctx *x)
{
	acl_cached *c = &cc->e[0];
	for (int i = 1; i < ACL_CACHE; i++)
		if (cc->e[i].used < c->used)
			c = &cc->e[i];
	free(c->key);
	free(c->fields);
	free(c->roles);
	c->roles = NULL;
	c->key = xmalloc(k->len ? k->len : 1);
	memcpy(c->key, k->ptr, k->len);
	c->len = k->len;
	c->x = *x;
	c->x.a = NULL;
	size_t n = 0;
	for (int i = 0; i < x->nrules; i++)
		n += strlen(x->rules[i].field) + 1;
	c->fields = xmalloc(n ? n : 1);
	char *p = c->fields;
	for (int i = 0; i < x->nrules; i++) {
		size_t l = strlen(x->rules[i].field) + 1;
		memcpy(p, x->rules[i].field, l);
		c->x.rules[i].field = p;
		p += l;
	}
	c->used = ++cc->clock;
	return c;
}

/* The entry last read for this role list, while nothing may have changed it. */
static acl_cached *cache_recent(acl_cache *cc, const char *roles, uint64_t gen, int64_t now_us)
{
	int64_t life = session_cache_lifetime_ms();
	if (life <= 0)
		return NULL;
	for (int i = 0; i < ACL_CACHE; i++) {
		acl_cached *c = &cc->e[i];
		if (c->key && c->roles && c->gen == gen && now_us - c->read_us < life * 1000 &&
		    !strcmp(c->roles, roles))
			return c;
	}
	return NULL;
}

static void note_read(acl_cached *c, const char *roles, uint64_t gen, int64_t now_us)
{
	if (!c->roles || strcmp(c->roles, roles)) {
		free(c->roles);
		c->roles = xstrdup(roles);
	}
	c->gen = gen;
	c->read_us = now_us;
}

static void use_cached(struct acl_ctx *x, acl_cache *cc, acl_cached *hit, arena *a)
{
	*x = hit->x;
	x->a = a;
	/* the request's own copies: a later load on this thread may evict hit */
	for (int i = 0; i < x->nrules; i++)
		x->rules[i].field = arena_strdup(a, x->rules[i].field);
	hit->used = ++cc->clock;
}

int acl_load(db *d, auth_session *s, arena *a)
{
	struct acl_ctx *x = arena_alloc(a, sizeof(*x));
	x->a = a;
	acl_cache *cc = thread_cache();
	uint64_t gen = db_auth_generation(); /* before the read: a write after it drops the entry */
	int64_t now_us = clock_monotonic_us();
	acl_cached *recent = cache_recent(cc, s->user.roles, gen, now_us);
	if (recent) {
		use_cached(x, cc, recent, a);
		s->acl = x;
		return 0;
	}
	char from[96], sql[256];
	snprintf(sql, sizeof(sql), "SELECT is_admin, grants, field_rules FROM roles WHERE name IN (SELECT value FROM %s)",
		 db_sql_json_values(d, "?", from, sizeof(from)));
	db_stmt *st = db_prepare(d, sql);
	if (!st)
		return -1;
	db_bind_str(st, 1, s->user.roles);
	/* the rows first (as the cache key), then parse them only when unseen */
	buf k = BUF_INIT;
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		key_add(&k, st);
	db_done(st);
	if (rc < 0) {
		buf_free(&k);
		return -1;
	}
	acl_cached *hit = cache_find(cc, &k);
	if (hit) {
		use_cached(x, cc, hit, a);
		note_read(hit, s->user.roles, gen, now_us);
		buf_free(&k);
		s->acl = x;
		return 0;
	}
	/* parse: walk the key's records (admin flag, grants, rules) */
	const char *p = k.ptr, *end = k.ptr + k.len;
	while (p < end) {
		json_error_t err;
		if (*p == '1')
			x->admin = true;
		const char *g = p + 1, *gend = memchr(g, '\x1f', (size_t)(end - g));
		const char *r = gend + 1, *rend = memchr(r, '\x1e', (size_t)(end - r));
		json_t *gj = json_loadb(g, (size_t)(gend - g), 0, &err);
		json_t *rj = json_loadb(r, (size_t)(rend - r), 0, &err);
		apply_role(x, gj, rj);
		json_decref(gj);
		json_decref(rj);
		p = rend + 1;
	}
	for (int i = 0; i < x->nrules; i++)
		x->rules[i].granting = x->granting[x->rules[i].entity];
	note_read(cache_put(cc, &k, x), s->user.roles, gen, now_us);
	buf_free(&k);
	s->acl = x;
	return 0;
}

bool acl_is_admin(const auth_session *who)
{
	return who && (!who->acl || who->acl->admin);
}

bool acl_can(const auth_session *who, const entity_def *e, enum acl_action a)
{
	if (!who || (e->flags & E_CHILD)) /* children: only through their parent, for everyone */
		return false;
	if (!who->acl || who->acl->admin)
		return true;
	int i = entity_index(e);
	return i >= 0 && i < ACL_MAX_ENTITIES && who->acl->scope[i][a] > SCOPE_NONE;
}

enum acl_scope acl_action_scope(const auth_session *who, const entity_def *e, enum acl_action a)
{
	if (!who)
		return SCOPE_NONE;
	if (!who->acl || who->acl->admin)
		return SCOPE_ALL;
	int i = entity_index(e);
	return i >= 0 && i < ACL_MAX_ENTITIES ? who->acl->scope[i][a] : SCOPE_NONE;
}

enum acl_scope acl_entity_scope(const auth_session *who, const entity_def *e)
{
	if (!who)
		return SCOPE_NONE;
	if (!who->acl || who->acl->admin)
		return SCOPE_ALL;
	return acl_action_scope(who, e, ACL_READ);
}

static const acl_rule *find_rule(const auth_session *who, const entity_def *e, const field_def *f)
{
	if (!who || !who->acl || who->acl->admin)
		return NULL;
	int i = entity_index(e);
	for (int k = 0; k < who->acl->nrules; k++)
		if (who->acl->rules[k].entity == i && !strcmp(who->acl->rules[k].field, f->name))
			return &who->acl->rules[k];
	return NULL;
}

bool acl_field_hidden(const auth_session *who, const entity_def *e, const field_def *f)
{
	const acl_rule *r = find_rule(who, e, f);
	return r && r->granting > 0 && r->hidden >= r->granting;
}

bool acl_field_readonly(const auth_session *who, const entity_def *e, const field_def *f)
{
	if (f->flags & F_READONLY)
		return true;
	const acl_rule *r = find_rule(who, e, f);
	return r && r->granting > 0 && r->hidden + r->read_only >= r->granting;
}

/* Runs a query of ids (one bound integer ?1 = the user, ?2 = their department)
 * into a JSON array text in the arena. */
static const char *id_list(ent_op *op, const char *sql)
{
	buf b = BUF_INIT;
	buf_addc(&b, '[');
	db_stmt *s = db_prepare(op->db, sql);
	if (s) {
		db_bind_int(s, 1, op->who->user.id);
		db_bind_int(s, 2, op->who->user.department_id);
		bool first = true;
		while (db_step(s) == DB_ROW) {
			buf_addf(&b, "%s%lld", first ? "" : ",", (long long)db_col_int(s, 0));
			first = false;
		}
		db_done(s);
	}
	buf_addc(&b, ']');
	const char *out = arena_strndup(op->who->acl->a, b.ptr, b.len);
	buf_free(&b);
	return out;
}

/* Department subtree of ?2, through parent_id. */
#define DEPT_TREE \
	"WITH RECURSIVE dt(id) AS (SELECT CAST(?2 AS BIGINT) UNION SELECT d.id FROM departments d JOIN dt ON d.parent_id = dt.id " \
	"WHERE d.deleted_at IS NULL) "

const char *acl_owner_ids(ent_op *op, enum acl_scope sc)
{
	struct acl_ctx *x = op->who->acl;
	if (x->owners[sc])
		return x->owners[sc];
	const char *sql;
	switch (sc) {
	case SCOPE_SUBORDINATES:
		/* down the reporting line; a department's manager is the superior of
		 * its members who have no manager of their own */
		sql = "WITH RECURSIVE sub(id) AS (SELECT CAST(?1 AS BIGINT) UNION "
		      "SELECT u.id FROM sub, users u LEFT JOIN departments d ON d.id = u.department_id "
		      "WHERE u.manager_id = sub.id OR (u.manager_id IS NULL AND d.manager_id = sub.id "
		      "AND d.deleted_at IS NULL)) SELECT id FROM sub";
		break;
	case SCOPE_DEPARTMENT:
		sql = "SELECT CAST(?1 AS BIGINT) UNION SELECT id FROM users WHERE department_id = CAST(?2 AS BIGINT)";
		break;
	case SCOPE_DEPARTMENT_TREE:
		sql = DEPT_TREE "SELECT CAST(?1 AS BIGINT) UNION SELECT u.id FROM users u JOIN dt ON u.department_id = dt.id";
		break;
	default:
		sql = "SELECT CAST(?1 AS BIGINT)";
	}
	x->owners[sc] = id_list(op, sql);
	return x->owners[sc];
}

const char *acl_pool_departments(ent_op *op)
{
	struct acl_ctx *x = op->who->acl;
	if (!x->pools)
		x->pools = id_list(op, "WITH RECURSIVE dt(id) AS ("
				       "SELECT id FROM departments WHERE manager_id = CAST(?1 AS BIGINT) AND deleted_at IS NULL "
				       "UNION SELECT d.id FROM departments d JOIN dt ON d.parent_id = dt.id "
				       "WHERE d.deleted_at IS NULL) SELECT CAST(?2 AS BIGINT) UNION SELECT id FROM dt");
	return x->pools;
}

/* Scopes of at most this many owners drive the query through the owner
 * index; wider ones let the list's own filter and sort index drive it. */
#define NARROW_SCOPE_OWNERS 20

static int json_count(const char *arr)
{
	int n = 0;
	for (; *arr; arr++)
		n += *arr == ',';
	return strcmp(arr - 1, "[]") ? n + 1 : 0;
}

/* The ids of e's rows owned by the owners (NULL: the caller), shared with the
 * caller (for edit when write) or, for reads, in a pool they see: a set
 * gathered through the owner, share and pool indexes, never reading a row. */
static void owned_set(ent_op *op, const entity_def *e, const char *owners, bool write, sqlb *q)
{
	char from[96];
	int64_t me = op->who->user.id;
	sqlb_addf(q, "SELECT id FROM %s WHERE owner_id ", e->name);
	if (owners) {
		sqlb_addf(q, "IN (SELECT CAST(value AS BIGINT) FROM %s)", db_sql_json_values(op->db, "?", from, sizeof(from)));
		sqlb_param(q, (sql_param){ .t = P_TEXT, .s = xstrdup(owners) });
	} else {
		sqlb_add(q, "= ");
		sqlb_int(q, me);
	}
	sqlb_addf(q, " UNION ALL SELECT record_id FROM record_shares WHERE entity = '%s' AND user_id = ", e->name);
	sqlb_int(q, me);
	if (write)
		sqlb_add(q, " AND access = 'edit'");
	if (e->pool_field && !write) {
		sqlb_addf(q, " UNION ALL SELECT id FROM %s WHERE %s IN (SELECT CAST(value AS BIGINT) FROM %s) "
			     "AND owner_id IS NULL", e->name, e->pool_field,
			  db_sql_json_values(op->db, "?", from, sizeof(from)));
		sqlb_param(q, (sql_param){ .t = P_TEXT, .s = xstrdup(acl_pool_departments(op)) });
	}
}

/* Rows of e (alias t) owned within scope sc, shared with the caller, or in a
 * pool they see (reads only).  Two shapes, measured on a million customers:
 * a narrow scope (a rep's own customers) is a set of ids gathered through
 * the owner, share and pool indexes (t.id IN (... UNION ALL ...)): 30 ms for
 * a page and its total, where SQLite's multi-index OR walked every pooled
 * row (210 ms).  A wide scope (a manager's 200 people) is a plain test on
 * each row, so the (status, updated_at) index finds the first 50 in order. */
static void owner_condition(ent_op *op, const entity_def *e, const char *t, enum acl_scope sc, sqlb *q,
			    bool write, bool one_row)
{
	if (sc == SCOPE_NONE) {
		sqlb_add(q, "1=0");
		return;
	}
	char from[96];
	const char *owners = sc == SCOPE_OWN ? NULL : acl_owner_ids(op, sc);
	bool narrow = !one_row && (!owners || json_count(owners) <= NARROW_SCOPE_OWNERS);
	int64_t me = op->who->user.id;
	if (narrow) {
		sqlb_addf(q, "%s.id IN (", t);
		owned_set(op, e, owners, write, q);
		sqlb_add(q, ")");
		return;
	}
	/* unary + keeps SQLite from driving the query through these columns */
	if (owners) {
		sqlb_addf(q, "(+%s.owner_id IN (SELECT CAST(value AS BIGINT) FROM %s)", t,
			  db_sql_json_values(op->db, "?", from, sizeof(from)));
		sqlb_param(q, (sql_param){ .t = P_TEXT, .s = xstrdup(owners) });
	} else {
		sqlb_addf(q, "(+%s.owner_id = ", t);
		sqlb_int(q, me);
	}
	sqlb_addf(q, " OR %s.id IN (SELECT record_id FROM record_shares WHERE entity = '%s' AND user_id = ", t, e->name);
	sqlb_int(q, me);
	sqlb_add(q, write ? " AND access = 'edit')" : ")");
	if (e->pool_field && !write && one_row) {
		/* one record: the pool's departments as a subquery, which SQL only
		 * runs when the record has no owner (reading one's own customer no
		 * longer walks the department tree first) */
		sqlb_addf(q, " OR (+%s.owner_id IS NULL AND +%s.%s IN (WITH RECURSIVE dt(id) AS ("
			     "SELECT id FROM departments WHERE manager_id = ", t, t, e->pool_field);
		sqlb_int(q, me);
		sqlb_add(q, " AND deleted_at IS NULL UNION SELECT d.id FROM departments d JOIN dt ON d.parent_id = dt.id "
			    "WHERE d.deleted_at IS NULL) SELECT CAST(");
		sqlb_int(q, op->who->user.department_id);
		sqlb_add(q, " AS BIGINT) UNION SELECT id FROM dt))");
	} else if (e->pool_field && !write) {
		sqlb_addf(q, " OR (+%s.owner_id IS NULL AND +%s.%s IN (SELECT CAST(value AS BIGINT) FROM %s))", t, t,
			  e->pool_field, db_sql_json_values(op->db, "?", from, sizeof(from)));
		sqlb_param(q, (sql_param){ .t = P_TEXT, .s = xstrdup(acl_pool_departments(op)) });
	}
	sqlb_add(q, ")");
}

/* Does scope sc reach more owners than a narrow one (NARROW_SCOPE_OWNERS)? */
static bool wide_scope(ent_op *op, enum acl_scope sc)
{
	return sc != SCOPE_OWN && sc != SCOPE_NONE && sc != SCOPE_ALL &&
	       json_count(acl_owner_ids(op, sc)) > NARROW_SCOPE_OWNERS;
}

/* A superset of the ids of e's rows the caller may read, for a narrow scope
 * (a rep's own, shared and pooled customers): owned_set, read from the
 * owner, share and pool indexes alone.  Deleted rows and rows of a shared
 * record already owned come in too; the query that uses the set still
 * applies the scope and the filter. */
/* Is op->who's read scope of e narrow (a few owners, not through a parent,
 * not everything)?  *owners: the owners' ids (NULL: the caller alone). */
static bool narrow_read(ent_op *op, const entity_def *e, const char **owners)
{
	const auth_session *who = op->who;
	if (!who || !who->acl || who->acl->admin || e->scope_via || !(e->flags & E_OWNED))
		return false;
	enum acl_scope sc = acl_action_scope(who, e, ACL_READ);
	if (sc == SCOPE_NONE || sc == SCOPE_ALL)
		return false;
	*owners = sc == SCOPE_OWN ? NULL : acl_owner_ids(op, sc);
	return !*owners || json_count(*owners) <= NARROW_SCOPE_OWNERS;
}

int acl_visible_ids(ent_op *op, const entity_def *e, sqlb *q)
{
	const char *owners;
	if (!narrow_read(op, e, &owners))
		return 0;
	owned_set(op, e, owners, false, q);
	return 1;
}

bool acl_parent_scope_narrow(ent_op *op, const entity_def *e)
{
	const field_def *via = e->scope_via ? entity_field(e, e->scope_via) : NULL;
	const entity_def *p = via ? entity_find(via->ref) : NULL;
	const char *owners;
	return p && op->who && op->who->acl && !op->who->acl->admin && narrow_read(op, p, &owners);
}

/* For an entity read through its parent (contacts, activities,
 * opportunities: scope_via), the parents' side of it: a superset of the
 * ids of the parents op->who may read, when that scope is narrow. */
int acl_visible_parent_ids(ent_op *op, const entity_def *e, sqlb *q)
{
	const auth_session *who = op->who;
	if (!who || !who->acl || who->acl->admin || !e->scope_via)
		return 0;
	const field_def *via = entity_field(e, e->scope_via);
	const entity_def *p = via ? entity_find(via->ref) : NULL;
	return p ? acl_visible_ids(op, p, q) : 0;
}

/* Over this many pool departments, the pool is one branch of "IN (...)"
 * instead of one per department. */
#define POOL_BRANCHES 8

/* Adds to out the read scope of e as disjoint conditions on alias t (each
 * " AND (...)", one per sqlb): owned within the scope, in each pool the
 * caller sees (one branch per department: "= 1" lets SQLite seek the
 * pool-first index, where "IN (json_each)" walked every department's pool
 * in list order, reading rows to test the department: 24k pooled intent
 * customers for a rep's 2.4k, 1.02 -> 0.46 ms), shared with them (and none
 * of those).  A list can then take each branch from an index in its own
 * sort order and count each one from the index alone (see list.c run_list).
 * Returns the number of branches, or 0 when the scope has no such shape
 * (all, through a parent, nothing, or wide without ACL_BRANCH_WIDE). */
int acl_scope_branches(ent_op *op, const entity_def *e, const char *t, sqlb out[ACL_MAX_BRANCHES], int flags)
{
	const auth_session *who = op->who;
	if (!who || !who->acl || who->acl->admin || e->scope_via || !(e->flags & E_OWNED))
		return 0;
	enum acl_scope sc = acl_action_scope(who, e, ACL_READ);
	if (sc == SCOPE_NONE || sc == SCOPE_ALL)
		return 0;
	char from[96];
	const char *owners = sc == SCOPE_OWN ? NULL : acl_owner_ids(op, sc);
	if (owners && json_count(owners) > NARROW_SCOPE_OWNERS && !(flags & ACL_BRANCH_WIDE))
		return 0;
	int64_t me = who->user.id;
	const char *json = db_sql_json_values(op->db, "?", from, sizeof(from));
	/* owned: t.owner_id = me, or IN the owners */
	sqlb *own = &out[0];
	if (owners) {
		sqlb_addf(own, " AND %s.owner_id IN (SELECT CAST(value AS BIGINT) FROM %s)", t, json);
		sqlb_param(own, (sql_param){ .t = P_TEXT, .s = xstrdup(owners) });
	} else {
		sqlb_addf(own, " AND %s.owner_id = ", t);
		sqlb_int(own, me);
	}
	int n = 1;
	const char *pools = e->pool_field ? acl_pool_departments(op) : NULL;
	int npools = pools ? json_count(pools) : 0;
	if (npools > POOL_BRANCHES) {
		sqlb_addf(&out[n], " AND %s.owner_id IS NULL AND %s.%s IN (SELECT CAST(value AS BIGINT) FROM %s)", t, t,
			  e->pool_field, json);
		sqlb_param(&out[n], (sql_param){ .t = P_TEXT, .s = xstrdup(pools) });
		n++;
	} else if (npools) {
		/* the list is ours ("[1,2]", from id_list), so strtoll walks it */
		for (const char *p = pools + 1; n <= POOL_BRANCHES;) {
			char *end;
			long long dep = strtoll(p, &end, 10);
			if (end == p)
				break;
			sqlb_addf(&out[n], " AND %s.owner_id IS NULL AND %s.%s = ", t, t, e->pool_field);
			sqlb_int(&out[n++], dep);
			p = *end == ',' ? end + 1 : end;
		}
	}
	/* shared, and not already in one of the branches above */
	sqlb *sh = &out[n++];
	sqlb_addf(sh, " AND %s.id IN (SELECT record_id FROM record_shares WHERE entity = '%s' AND user_id = ", t, e->name);
	sqlb_int(sh, me);
	sqlb_addf(sh, ") AND (%s.owner_id IS NULL OR ", t);
	if (owners) {
		sqlb_addf(sh, "%s.owner_id NOT IN (SELECT CAST(value AS BIGINT) FROM %s))", t, json);
		sqlb_param(sh, (sql_param){ .t = P_TEXT, .s = xstrdup(owners) });
	} else {
		sqlb_addf(sh, "%s.owner_id <> ", t);
		sqlb_int(sh, me);
		sqlb_add(sh, ")");
	}
	if (pools) {
		sqlb_addf(sh, " AND (%s.owner_id IS NOT NULL OR %s.%s IS NULL OR %s.%s NOT IN "
			      "(SELECT CAST(value AS BIGINT) FROM %s))", t, t, e->pool_field, t, e->pool_field, json);
		sqlb_param(sh, (sql_param){ .t = P_TEXT, .s = xstrdup(pools) });
	}
	return n;
}

int acl_via_branches(ent_op *op, const entity_def *e, const char *t, const char *pa, sqlb out[ACL_MAX_BRANCHES],
		     sqlb *orphans)
{
	const auth_session *who = op->who;
	if (!who || !who->acl || who->acl->admin || !e->scope_via)
		return 0;
	const field_def *via = entity_field(e, e->scope_via);
	const entity_def *p = via ? entity_find(via->ref) : NULL;
	int n = p ? acl_scope_branches(op, p, pa, out, 0) : 0;
	if (!n)
		return 0;
	/* the rows without a parent, as acl_scope has them */
	enum acl_scope sc = acl_action_scope(who, e, ACL_READ);
	sqlb_addf(orphans, " AND %s.%s IS NULL AND ", t, via->name);
	if (sc == SCOPE_ALL || !(e->flags & E_OWNED))
		sqlb_add(orphans, sc == SCOPE_NONE ? "1=0" : "1=1");
	else
		owner_condition(op, e, t, sc, orphans, false, false);
	return n;
}

int acl_scope(ent_op *op, const entity_def *e, const char *t, sqlb *q, int flags)
{
	const auth_session *who = op->who;
	enum acl_action action = (enum acl_action)(flags & 0xff);
	bool one_row = (flags & ACL_ONE_ROW) != 0;
	bool write = action != ACL_READ;
	if (!who) {
		sqlb_add(q, " AND 1=0");
		return 0;
	}
	if (!who->acl || who->acl->admin)
		return 0;
	enum acl_scope sc = acl_action_scope(who, e, action);
	if (e->scope_via) {
		const field_def *via = entity_field(e, e->scope_via);
		const entity_def *p = entity_find(via->ref);
		/* the parent for the same purpose: editing a contact needs the right to edit its customer */
		enum acl_scope psc = acl_action_scope(who, p, action == ACL_READ || (e->flags & E_VIA_READ) ? ACL_READ
											      : ACL_UPDATE);
		sqlb_add(q, " AND (");
		if (psc == SCOPE_ALL) {
			sqlb_addf(q, "%s.%s IS NOT NULL", t, via->name);
		} else if (psc == SCOPE_NONE) {
			sqlb_add(q, "1=0");
		} else {
			/* a short alias per nesting level keeps the SQL readable */
			char alias[8];
			snprintf(alias, sizeof(alias), "%s_p", t);
			/* one record, or rows read in order under a wide scope: test
			 * each row's parent.  A manager's activities as a set of ~400k
			 * visible customers made SQLite fetch all their 2M activities
			 * through the customer index and sort them (9-11 s a page);
			 * in order, about two rows in five pass (bench/NOTES.md) */
			if (one_row || ((flags & ACL_IN_ORDER) && wide_scope(op, psc))) {
				sqlb_addf(q, "EXISTS (SELECT 1 FROM %s %s WHERE %s.id = %s.%s AND ", p->name, alias, alias, t,
					  via->name);
				owner_condition(op, p, alias, psc, q, write, one_row);
				/* PostgreSQL turns an EXISTS inside an OR into a hashed
				 * set of every visible parent, read by a scan of the
				 * whole table (a manager's follow-ups: 1.3 s for a page);
				 * OFFSET keeps it a probe per row (3 ms).  Not for a
				 * search's matches (one_row): a common word's 1M are
				 * cheaper against the set (5.5 s, 8-11 s probed) */
				if (!one_row && db_kind(op->db) == DB_POSTGRES)
					sqlb_add(q, " OFFSET 0");
			} else {
				/* the parents' ids straight from their owner, share and pool
				 * indexes, of any scope's size: "IN (SELECT id FROM customers
				 * WHERE <scope>)" read each of a rep's 10k customers' rows
				 * (100-200 ms a pipeline column), a manager's every customer
				 * (4-7 s); children always point at an existing parent */
				sqlb_addf(q, "%s.%s IN (", t, via->name);
				owned_set(op, p, psc == SCOPE_OWN ? NULL : acl_owner_ids(op, psc), write, q);
			}
			sqlb_add(q, ")");
		}
		sqlb_addf(q, " OR (%s.%s IS NULL AND ", t, via->name);
		if (sc == SCOPE_ALL || !(e->flags & E_OWNED))
			sqlb_add(q, sc == SCOPE_NONE ? "1=0" : "1=1");
		else
			owner_condition(op, e, t, sc, q, write, one_row);
		sqlb_add(q, "))");
		return 0;
	}
	if (sc == SCOPE_ALL)
		return 0;
	if (!(e->flags & E_OWNED)) {
		sqlb_add(q, sc == SCOPE_NONE ? " AND 1=0" : "");
		return 0;
	}
	sqlb_add(q, " AND ");
	owner_condition(op, e, t, sc, q, write, one_row);
	return 0;
}

json_t *acl_json(const auth_session *who)
{
	json_t *ents = json_object();
	for (int i = 0; i < entity_count(); i++) {
		const entity_def *e = entity_at(i);
		if ((e->flags & E_CHILD) || !acl_can(who, e, ACL_READ))
			continue; /* children have no permissions of their own */
		json_t *acts = json_array();
		for (int a = 0; a < ACL_NACTIONS; a++)
			if (acl_can(who, e, (enum acl_action)a))
				json_array_append_new(acts, json_string(acl_action_names[a]));
		json_object_set_new(ents, e->name, json_pack("{s:o,s:s}", "actions", acts, "scope",
							     acl_scope_names[acl_entity_scope(who, e)]));
	}
	return json_pack("{s:b,s:o}", "admin", acl_is_admin(who), "entities", ents);
}

bool acl_may_assign(ent_op *op, const entity_def *e, int64_t owner, enum acl_action action)
{
	const auth_session *who = op->who;
	if (!who || !who->acl || who->acl->admin || owner == who->user.id)
		return true;
	enum acl_scope sc = acl_action_scope(who, e, action);
	if (sc == SCOPE_ALL)
		return true;
	if (sc <= SCOPE_OWN)
		return false;
	json_error_t err;
	json_t *ids = json_loads(acl_owner_ids(op, sc), 0, &err);
	bool found = false;
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
		found |= json_integer_value(v) == owner;
	json_decref(ids);
	return found;
}
