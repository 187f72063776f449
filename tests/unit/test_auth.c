/* test_auth.c - passwords (argon2id), secrets, tokens, and login/sessions against a temporary SQLite database: rate limit, logout, idle and absolute expiry. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../../src/core/auth.h"
#include "../../src/util/clock.h"
#include "../../src/util/log.h"
#include "tmpdb.h"

#define T0 1795928618000LL /* 2026-11-29T05:03:38Z */
#define PASSWORD "correct horse battery"

static void setup_plain(void)
{
	log_verbose = 0;
	clock_set_fixed(0);
	cr_assert_eq(auth_init(), 0);
}

TestSuite(auth, .init = setup_plain);

Test(auth, hash_then_verify)
{
	char hash[256];
	cr_assert_eq(auth_hash_password("s3cret-密码", hash, sizeof(hash)), 0);
	cr_assert_eq(strncmp(hash, "$argon2id$", 10), 0, "%s", hash);
	cr_assert(auth_verify_password(hash, "s3cret-密码"));
	cr_assert(!auth_verify_password(hash, "s3cret-密"));
	cr_assert(!auth_verify_password(hash, "S3cret-密码"));
	cr_assert(!auth_verify_password(hash, ""));
	/* the same password hashes differently each time (salt) */
	char again[256];
	cr_assert_eq(auth_hash_password("s3cret-密码", again, sizeof(again)), 0);
	cr_assert_str_neq(hash, again);
	cr_assert(auth_verify_password(again, "s3cret-密码"));
}

Test(auth, verify_refuses_garbage_hashes)
{
	cr_assert(!auth_verify_password("", "x"));
	cr_assert(!auth_verify_password("plain text", "plain text"));
	cr_assert(!auth_verify_password("$argon2id$v=19$m=65536,t=2,p=1$broken", "x"));
}

Test(auth, hash_needs_room)
{
	char tiny[16];
	cr_assert_neq(auth_hash_password("x", tiny, sizeof(tiny)), 0);
}

Test(auth, secret_equal)
{
	cr_assert(auth_secret_equal("abc123", "abc123"));
	cr_assert(!auth_secret_equal("abc123", "abc124"));
	cr_assert(!auth_secret_equal("abc123", "abc12"));
	cr_assert(!auth_secret_equal("abc12", "abc123"));
	cr_assert(!auth_secret_equal("abc123", "Abc123"));
	cr_assert(!auth_secret_equal("", ""), "an empty secret never matches");
	cr_assert(!auth_secret_equal("a", ""));
}

Test(auth, random_hex_tokens)
{
	enum { N = 200 };
	static char tokens[N][AUTH_TOKEN_HEX];
	for (int i = 0; i < N; i++) {
		memset(tokens[i], 'X', AUTH_TOKEN_HEX);
		auth_random_hex(tokens[i]);
		cr_assert_eq(strlen(tokens[i]), AUTH_TOKEN_HEX - 1);
		for (int k = 0; k < AUTH_TOKEN_HEX - 1; k++)
			cr_assert(isxdigit((unsigned char)tokens[i][k]) && !isupper((unsigned char)tokens[i][k]),
				  "%s", tokens[i]);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(tokens[i], tokens[j], "token repeated");
	}
}

/* ---- against a database ---- */

static db *d;
static int64_t uid;

static void setup_db(void)
{
	setup_plain();
	d = tmpdb_open(true);
	uid = auth_create_user(d, "alice", "Alice", PASSWORD, "[\"sales\"]");
	cr_assert(uid > 0, "create user: %lld %s", (long long)uid, db_errmsg(d));
}

static void teardown_db(void)
{
	clock_set_fixed(0);
	tmpdb_close();
}

TestSuite(login, .init = setup_db, .fini = teardown_db);

static enum auth_result login(const char *user, const char *pass, const char *addr, char token[AUTH_TOKEN_HEX],
			      auth_session *s)
{
	return auth_login(d, user, pass, addr, token, s);
}

Test(login, the_right_password_opens_a_session)
{
	char token[AUTH_TOKEN_HEX];
	auth_session s;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
	cr_assert_eq(strlen(token), 64);
	cr_assert_eq(s.user.id, uid);
	cr_assert_str_eq(s.user.username, "alice");
	cr_assert_str_eq(s.user.name, "Alice");
	cr_assert_str_eq(s.user.roles, "[\"sales\"]");
	cr_assert_eq(strlen(s.csrf), 64);
	cr_assert_str_neq(s.csrf, token);
	/* the database keeps only the token's hash */
	cr_assert_str_neq(s.token_hash, token);
	db_stmt *st = db_prepare(d, "SELECT count(*) FROM sessions WHERE token_hash = ?");
	db_bind_str(st, 1, token);
	cr_assert_eq(db_step(st), DB_ROW);
	cr_assert_eq(db_col_int(st, 0), 0, "the raw token is stored");
	db_done(st);

	auth_session found;
	cr_assert_eq(auth_session_find(d, token, &found), 0);
	cr_assert_eq(found.user.id, uid);
	cr_assert_str_eq(found.user.username, "alice");
	cr_assert_str_eq(found.csrf, s.csrf);
	cr_assert_str_eq(found.token_hash, s.token_hash);
}

Test(login, two_logins_are_two_sessions)
{
	char t1[AUTH_TOKEN_HEX], t2[AUTH_TOKEN_HEX];
	auth_session s1, s2, f;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", t1, &s1), AUTH_OK);
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", t2, &s2), AUTH_OK);
	cr_assert_str_neq(t1, t2);
	cr_assert_str_neq(s1.csrf, s2.csrf);
	cr_assert_eq(auth_logout(d, s1.token_hash), 0);
	cr_assert_eq(auth_session_find(d, t1, &f), -1);
	cr_assert_eq(auth_session_find(d, t2, &f), 0, "logging out one session leaves the other");
}

Test(login, wrong_password_and_unknown_user)
{
	char token[AUTH_TOKEN_HEX];
	auth_session s;
	cr_assert_eq(login("alice", "wrong", "10.0.0.1", token, &s), AUTH_BAD_CREDENTIALS);
	cr_assert_eq(login("alice", "", "10.0.0.1", token, &s), AUTH_BAD_CREDENTIALS);
	cr_assert_eq(login("nobody", PASSWORD, "10.0.0.1", token, &s), AUTH_BAD_CREDENTIALS);
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM sessions", -1), 0);
	/* still under the limit: the right password works */
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
}

Test(login, rate_limited_after_five_failures_per_username)
{
	clock_set_fixed(T0);
	char token[AUTH_TOKEN_HEX];
	auth_session s;
	for (int i = 0; i < AUTH_FAIL_LIMIT; i++)
		cr_assert_eq(login("alice", "wrong", i % 2 ? "10.0.0.1" : "10.0.0.2", token, &s), AUTH_BAD_CREDENTIALS,
			     "attempt %d", i + 1);
	/* the sixth, even with the right password and from a new address */
	cr_assert_eq(login("alice", PASSWORD, "10.9.9.9", token, &s), AUTH_LIMITED);
	cr_assert_eq(login("ALICE", PASSWORD, "10.9.9.9", token, &s), AUTH_LIMITED, "the limit ignores case");
	/* another user is not affected */
	cr_assert(auth_create_user(d, "bob", "Bob", PASSWORD, "[]") > 0);
	cr_assert_eq(login("bob", PASSWORD, "10.9.9.9", token, &s), AUTH_OK);
	/* a minute later alice may try again */
	clock_set_fixed(T0 + AUTH_FAIL_WINDOW_MS + 1);
	cr_assert_eq(login("alice", PASSWORD, "10.9.9.9", token, &s), AUTH_OK);
}

Test(login, rate_limited_after_five_failures_per_address)
{
	clock_set_fixed(T0);
	char token[AUTH_TOKEN_HEX];
	auth_session s;
	const char *names[] = { "u1", "u2", "u3", "u4", "u5" };
	for (int i = 0; i < AUTH_FAIL_LIMIT; i++)
		cr_assert_eq(login(names[i], "wrong", "192.0.2.7", token, &s), AUTH_BAD_CREDENTIALS);
	cr_assert_eq(login("alice", PASSWORD, "192.0.2.7", token, &s), AUTH_LIMITED);
	cr_assert_eq(login("alice", PASSWORD, "192.0.2.8", token, &s), AUTH_OK, "another address is not limited");
}

Test(login, failures_older_than_the_window_do_not_count)
{
	char token[AUTH_TOKEN_HEX];
	auth_session s;
	for (int i = 0; i < AUTH_FAIL_LIMIT; i++) {
		clock_set_fixed(T0 + i * 20000LL); /* one every 20 s: at most 3 inside any minute */
		cr_assert_eq(login("alice", "wrong", "10.0.0.1", token, &s), AUTH_BAD_CREDENTIALS);
	}
	clock_set_fixed(T0 + AUTH_FAIL_LIMIT * 20000LL);
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
}

Test(login, a_disabled_user_cannot_log_in_and_loses_sessions)
{
	char token[AUTH_TOKEN_HEX];
	auth_session s, f;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
	cr_assert_eq(db_exec(d, "UPDATE users SET disabled = 1 WHERE username = 'alice'"), 0);
	cr_assert_eq(auth_session_find(d, token, &f), -1);
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_DISABLED);
}

Test(login, logout_ends_the_session)
{
	char token[AUTH_TOKEN_HEX];
	auth_session s, f;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
	cr_assert_eq(auth_logout(d, s.token_hash), 0);
	cr_assert_eq(auth_session_find(d, token, &f), -1);
	cr_assert_eq(auth_logout(d, s.token_hash), 0, "logging out twice is harmless");
}

Test(login, end_user_sessions)
{
	char t1[AUTH_TOKEN_HEX], t2[AUTH_TOKEN_HEX];
	auth_session s, f;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", t1, &s), AUTH_OK);
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", t2, &s), AUTH_OK);
	cr_assert_eq(auth_end_user_sessions(d, uid), 0);
	cr_assert_eq(auth_session_find(d, t1, &f), -1);
	cr_assert_eq(auth_session_find(d, t2, &f), -1);
}

Test(login, malformed_tokens_are_not_found)
{
	char token[AUTH_TOKEN_HEX];
	auth_session s, f;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
	char bad[AUTH_TOKEN_HEX + 8];
	cr_assert_eq(auth_session_find(d, "", &f), -1);
	cr_assert_eq(auth_session_find(d, "abc", &f), -1);
	snprintf(bad, sizeof(bad), "%.63s", token);
	cr_assert_eq(auth_session_find(d, bad, &f), -1, "one character short");
	snprintf(bad, sizeof(bad), "%s0", token);
	cr_assert_eq(auth_session_find(d, bad, &f), -1, "one character long");
	snprintf(bad, sizeof(bad), "%s", token);
	bad[10] = 'g';
	cr_assert_eq(auth_session_find(d, bad, &f), -1, "not hex");
	cr_assert_eq(auth_session_find(d, s.token_hash, &f), -1, "the stored hash is not a token");
	cr_assert_eq(auth_session_find(d, s.csrf, &f), -1, "the CSRF token is not a session token");
}

Test(login, an_idle_session_expires)
{
	clock_set_fixed(T0);
	char token[AUTH_TOKEN_HEX];
	auth_session s, f;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
	clock_set_fixed(T0 + AUTH_IDLE_MS - 1000);
	cr_assert_eq(auth_session_find(d, token, &f), 0, "still alive just before the idle limit");
	/* that use restarted the idle clock */
	clock_set_fixed(T0 + 2 * AUTH_IDLE_MS - 2000);
	cr_assert_eq(auth_session_find(d, token, &f), 0, "use keeps a session alive");
	clock_set_fixed(T0 + 3 * AUTH_IDLE_MS);
	cr_assert_eq(auth_session_find(d, token, &f), -1, "idle too long");
}

Test(login, an_unused_session_expires_at_the_idle_limit)
{
	clock_set_fixed(T0);
	char token[AUTH_TOKEN_HEX];
	auth_session s, f;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
	clock_set_fixed(T0 + AUTH_IDLE_MS + 1);
	cr_assert_eq(auth_session_find(d, token, &f), -1);
}

Test(login, a_used_session_still_ends_at_the_absolute_limit)
{
	clock_set_fixed(T0);
	char token[AUTH_TOKEN_HEX];
	auth_session s, f;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
	int64_t t = T0;
	while (t + AUTH_IDLE_MS / 2 < T0 + AUTH_ABSOLUTE_MS) {
		t += AUTH_IDLE_MS / 2;
		clock_set_fixed(t);
		cr_assert_eq(auth_session_find(d, token, &f), 0, "at +%lld ms", (long long)(t - T0));
	}
	clock_set_fixed(T0 + AUTH_ABSOLUTE_MS);
	cr_assert_eq(auth_session_find(d, token, &f), -1, "a week after login the session ends");
}

Test(login, usernames_are_unique)
{
	cr_assert_eq(auth_create_user(d, "alice", "Other Alice", "pw", "[]"), DB_ERR_UNIQUE);
	int64_t id = auth_create_user(d, "carol", "Carol", "pw-carol", "[\"admin\"]");
	cr_assert(id > uid);
}

/* ---- the session cache (session_cache.h) and the auth generation (db.h) ---- */

#include "../../src/core/session_cache.h"
#include <sqlite3.h>

/* a write by another process: its own connection to the file, unseen by db.c */
static void write_elsewhere(const char *sql)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/rapport.db", tmpdb_dir());
	sqlite3 *h = NULL;
	cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
	sqlite3_close(h);
}

Test(login, a_found_session_is_kept_until_this_process_writes)
{
	clock_set_fixed(T0);
	session_cache_set_lifetime_ms(60000);
	char token[AUTH_TOKEN_HEX];
	auth_session s, f;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
	cr_assert_eq(auth_session_find(d, token, &f), 0);
	/* another process ends it: this one keeps the session for the cache's lifetime... */
	write_elsewhere("DELETE FROM sessions");
	cr_assert_eq(auth_session_find(d, token, &f), 0, "served from the cache");
	cr_assert_eq(f.user.id, uid);
	cr_assert_str_eq(f.user.username, "alice");
	cr_assert_str_eq(f.csrf, s.csrf);
	cr_assert_str_eq(f.token_hash, s.token_hash);
	cr_assert_null(f.acl);
	/* ...but any write of its own to an auth table drops every entry */
	cr_assert_eq(db_exec(d, "UPDATE roles SET updated_at = updated_at WHERE name = 'nobody'"), 0);
	cr_assert_eq(auth_session_find(d, token, &f), -1);
}

Test(login, without_the_cache_the_database_decides_each_time)
{
	clock_set_fixed(T0);
	session_cache_set_lifetime_ms(0);
	char token[AUTH_TOKEN_HEX];
	auth_session s, f;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
	cr_assert_eq(auth_session_find(d, token, &f), 0);
	write_elsewhere("DELETE FROM sessions");
	cr_assert_eq(auth_session_find(d, token, &f), -1);
}

Test(login, cached_sessions_keep_the_idle_and_absolute_limits)
{
	clock_set_fixed(T0);
	session_cache_set_lifetime_ms(60000);
	char token[AUTH_TOKEN_HEX];
	auth_session s, f;
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
	cr_assert_eq(auth_session_find(d, token, &f), 0);
	/* a cached entry never outlives the idle limit (the clock jumped: no refresh happened) */
	write_elsewhere("UPDATE sessions SET last_seen_at = 0"); /* unseen here */
	clock_set_fixed(T0 + 30000);
	cr_assert_eq(auth_session_find(d, token, &f), 0, "still cached");
	clock_set_fixed(T0 + 61000);
	cr_assert_eq(auth_session_find(d, token, &f), -1, "the refresh is due: the database says idle");
	/* the absolute limit, with the idle clock fresh */
	write_elsewhere("DELETE FROM sessions");
	clock_set_fixed(T0);
	cr_assert_eq(login("alice", PASSWORD, "10.0.0.1", token, &s), AUTH_OK);
	write_elsewhere("UPDATE sessions SET expires_at = 1795928620000"); /* T0 + 2 s, unseen here */
	cr_assert_eq(auth_session_find(d, token, &f), 0);
	clock_set_fixed(T0 + 1999);
	cr_assert_eq(auth_session_find(d, token, &f), 0);
	clock_set_fixed(T0 + 2000);
	cr_assert_eq(auth_session_find(d, token, &f), -1, "expired, cached or not");
}

Test(login, the_generation_moves_after_the_commit)
{
	uint64_t g0 = db_auth_generation();
	cr_assert_eq(db_begin(d), 0);
	db_stmt *st = db_prepare(d, "UPDATE users SET name = 'Alice B' WHERE id = ?");
	cr_assert_not_null(st);
	db_bind_int(st, 1, uid);
	cr_assert_eq(db_step(st), DB_DONE);
	db_done(st);
	uint64_t g1 = db_auth_generation();
	cr_assert_gt(g1, g0, "moves when the write is seen");
	cr_assert_eq(db_commit(d), 0);
	uint64_t g2 = db_auth_generation();
	cr_assert_gt(g2, g1, "and again once committed");
	/* settled: reads move nothing */
	cr_assert_eq(db_query_int(d, "SELECT count(*) FROM users", -1), 1);
	cr_assert_eq(db_exec(d, "UPDATE login_failures SET at = at WHERE id = 0"), 0);
	cr_assert_eq(db_auth_generation(), g2);
}

Test(auth, which_statements_write_auth_tables)
{
	const char *yes[] = {
		"DELETE FROM sessions WHERE token_hash = ?",
		"  update users SET disabled = 1 WHERE id = 3",
		"INSERT INTO roles(name) VALUES (?)",
		"UPDATE \"departments\" SET parent_id = 1",
		"WITH x AS (SELECT 1) DELETE FROM sessions WHERE user_id IN (SELECT * FROM x)",
		"REPLACE INTO users(id) VALUES (1)",
		"DROP TABLE roles",
		"BEGIN; DELETE FROM sessions; COMMIT", /* db_exec runs them all */
		"PRAGMA foreign_keys=ON; UPDATE users SET roles = '[]'",
	};
	const char *no[] = {
		"SELECT * FROM sessions s JOIN users u ON u.id = s.user_id",
		"UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
		"UPDATE customers SET owner_id = ? WHERE id = ?",
		"INSERT INTO login_failures(key, at) VALUES (?, ?)",
		"DELETE FROM user_settings WHERE id = 1",
		"WITH RECURSIVE t(id) AS (SELECT id FROM departments) SELECT * FROM users",
		"COMMIT",
		"PRAGMA table_info(users)",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		cr_assert(db_sql_writes_auth(yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		cr_assert(!db_sql_writes_auth(no[i]), "%s", no[i]);
}
