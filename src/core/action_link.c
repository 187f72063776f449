/* action_link.c - see action_link.h. */
#include "action_link.h"
#include "acl.h"
#include "../util/clock.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define MAX_ACTIONS 32

static struct {
	const char *action;
	action_link_fn fn;
} actions[MAX_ACTIONS];
static int nactions;

void action_link_register(const char *action, action_link_fn fn)
{
	for (int i = 0; i < nactions; i++)
		if (!strcmp(actions[i].action, action)) {
			actions[i].fn = fn;
			return;
		}
	if (nactions < MAX_ACTIONS) {
		actions[nactions].action = action;
		actions[nactions].fn = fn;
		nactions++;
	}
}

static action_link_fn find_action(const char *action)
{
	for (int i = 0; i < nactions; i++)
		if (!strcmp(actions[i].action, action))
			return actions[i].fn;
	return NULL;
}

static void hash_token(const char *token, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

int action_link_create(db *d, int64_t user_id, const char *action, int64_t target_id, int ttl_seconds,
		       char token_out[65])
{
	if (user_id <= 0 || !action || !*action || ttl_seconds <= 0)
		return DB_ERR_CONSTRAINT;
	auth_random_hex(token_out);
	char hash[65];
	hash_token(token_out, hash);
	int64_t now = clock_now_ms();
	db_stmt *s = db_prepare(d, "INSERT INTO action_links(token_hash, user_id, action, target_id, created_at, "
				   "expires_at) VALUES (?, ?, ?, ?, ?, ?)");
	if (!s)
		return db_errcode(d) ? db_errcode(d) : DB_ERR;
	db_bind_str(s, 1, hash);
	db_bind_int(s, 2, user_id);
	db_bind_str(s, 3, action);
	db_bind_int(s, 4, target_id);
	db_bind_int(s, 5, now);
	db_bind_int(s, 6, now + (int64_t)ttl_seconds * 1000);
	int rc = db_step(s);
	db_done(s);
	return rc == DB_DONE ? 0 : rc;
}

typedef struct link_row {
	char hash[65];
	int64_t user_id, target_id, expires_at;
	bool used;
	char action[64];
	char user_name[128];
	int user_disabled;
} link_row;

/* Finds the link: 0, or -1 with op->err (404 unknown, 410 used or expired). */
static int load_link(ent_op *op, const char *token, link_row *r)
{
	memset(r, 0, sizeof(*r));
	size_t n = token ? strlen(token) : 0;
	bool hex = n == 64;
	for (size_t i = 0; hex && i < n; i++)
		hex = isxdigit((unsigned char)token[i]) && !isupper((unsigned char)token[i]);
	if (!hex)
		return op_fail(op, 404, "not_found", "no such link");
	hash_token(token, r->hash);
	db_stmt *s = db_prepare(op->db, "SELECT l.user_id, l.action, l.target_id, l.expires_at, l.used_at IS NOT NULL, "
					"u.name, u.disabled FROM action_links l JOIN users u ON u.id = l.user_id "
					"WHERE l.token_hash = ?");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_str(s, 1, r->hash);
	int rc = db_step(s);
	if (rc == DB_ROW) {
		r->user_id = db_col_int(s, 0);
		snprintf(r->action, sizeof(r->action), "%s", db_col_text(s, 1));
		r->target_id = db_col_int(s, 2);
		r->expires_at = db_col_int(s, 3);
		r->used = db_col_int(s, 4) != 0;
		snprintf(r->user_name, sizeof(r->user_name), "%s", db_col_text(s, 5));
		r->user_disabled = (int)db_col_int(s, 6);
	}
	db_done(s);
	if (rc < 0)
		return op_db_fail(op, rc);
	if (rc != DB_ROW)
		return op_fail(op, 404, "not_found", "no such link");
	if (r->used)
		return op_fail(op, 410, "gone", "this link has already been used");
	if (r->expires_at <= clock_now_ms())
		return op_fail(op, 410, "gone", "this link has expired");
	if (r->user_disabled)
		return op_fail(op, 410, "gone", "the user of this link is disabled");
	return 0;
}

json_t *action_link_describe(ent_op *op, const char *token)
{
	link_row r;
	if (load_link(op, token, &r))
		return NULL;
	char exp[32];
	clock_format_iso(r.expires_at, exp, sizeof(exp));
	return json_pack("{s:s,s:I,s:{s:I,s:s},s:s}", "action", r.action, "target_id", (json_int_t)r.target_id,
			 "user", "id", (json_int_t)r.user_id, "name", r.user_name, "expires_at", exp);
}

/* The link's user as a session with permissions, allocated in a. */
static auth_session *user_session(ent_op *op, arena *a, int64_t user_id)
{
	auth_session *s = arena_alloc(a, sizeof(*s));
	memset(s, 0, sizeof(*s));
	db_stmt *st = db_prepare(op->db, "SELECT id, username, name, coalesce(email,''), locale, roles, "
					 "coalesce(department_id, 0), coalesce(manager_id, 0) FROM users WHERE id = ?");
	if (!st) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(st, 1, user_id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		auth_user *u = &s->user;
		u->id = db_col_int(st, 0);
		snprintf(u->username, sizeof(u->username), "%s", db_col_text(st, 1));
		snprintf(u->name, sizeof(u->name), "%s", db_col_text(st, 2));
		snprintf(u->email, sizeof(u->email), "%s", db_col_text(st, 3));
		snprintf(u->locale, sizeof(u->locale), "%s", db_col_text(st, 4));
		snprintf(u->roles, sizeof(u->roles), "%s", db_col_text(st, 5));
		u->department_id = db_col_int(st, 6);
		u->manager_id = db_col_int(st, 7);
	}
	db_done(st);
	if (rc != DB_ROW) {
		op_fail(op, 410, "gone", "the user of this link no longer exists");
		return NULL;
	}
	if (acl_load(op->db, s, a)) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	return s;
}

json_t *action_link_perform(ent_op *op, arena *a, const char *token, const char *comment)
{
	link_row r;
	if (op_begin(op))
		return NULL;
	if (load_link(op, token, &r))
		goto fail;
	action_link_fn fn = find_action(r.action);
	if (!fn) {
		op_fail(op, 404, "not_found", "this link's action is not available");
		goto fail;
	}
	/* single use: only the first of two concurrent clicks changes the row */
	db_stmt *s = db_prepare(op->db, "UPDATE action_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		goto fail;
	}
	db_bind_int(s, 1, clock_now_ms());
	db_bind_str(s, 2, r.hash);
	int rc = db_step(s);
	db_done(s);
	if (rc < 0) {
		op_db_fail(op, rc);
		goto fail;
	}
	if (db_changes(op->db) != 1) {
		op_fail(op, 410, "gone", "this link has already been used");
		goto fail;
	}
	auth_session *who = user_session(op, a, r.user_id);
	if (!who)
		goto fail;
	const auth_session *caller = op->who;
	op->who = who;
	rc = fn(op, r.target_id, comment);
	op->who = caller;
	if (rc)
		goto fail;
	if (op_commit(op))
		return NULL;
	return json_pack("{s:b,s:s,s:I}", "done", 1, "action", r.action, "target_id", (json_int_t)r.target_id);
fail:
	op_rollback(op);
	return NULL;
}
