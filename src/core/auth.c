/* auth.c - see auth.h. */
#include "auth.h"
#include "session_cache.h"
#include "../util/clock.h"
#include "../util/log.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* A hash of a password nobody has, checked when the username is unknown so
 * that a wrong username costs the same time as a wrong password. */
static char dummy_hash[crypto_pwhash_STRBYTES];

int auth_init(void)
{
	if (sodium_init() < 0)
		return -1;
	return 0;
}

int auth_hash_password(const char *password, char *out, size_t outlen)
{
	if (outlen < crypto_pwhash_STRBYTES)
		return -1;
	return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

bool auth_verify_password(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

static void to_hex(const unsigned char *bin, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, bin, n);
}

void auth_random_hex(char out[AUTH_TOKEN_HEX])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	to_hex(raw, sizeof(raw), out);
}

static void token_hash(const char *token, char out[AUTH_TOKEN_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	to_hex(h, sizeof(h), out);
}

bool auth_secret_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb || la == 0)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}

static void copy_col(db_stmt *s, int col, char *out, size_t n)
{
	const char *v = db_col_text(s, col);
	snprintf(out, n, "%s", v ? v : "");
}

static void fail_key(char *out, size_t n, char kind, const char *v)
{
	size_t i = 0;
	out[i++] = kind;
	out[i++] = ':';
	for (; *v && i + 1 < n; v++)
		out[i++] = (char)tolower((unsigned char)*v);
	out[i] = '\0';
}

static int64_t recent_failures(db *d, const char *key, int64_t since)
{
	db_stmt *s = db_prepare(d, "SELECT count(*) FROM login_failures WHERE key = ? AND at > ?");
	if (!s)
		return 0;
	db_bind_str(s, 1, key);
	db_bind_int(s, 2, since);
	int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	return n;
}

static void record_failure(db *d, const char *key, int64_t now)
{
	db_stmt *s = db_prepare(d, "INSERT INTO login_failures(key, at) VALUES (?, ?)");
	if (!s)
		return;
	db_bind_str(s, 1, key);
	db_bind_int(s, 2, now);
	db_step(s);
	db_done(s);
	/* keep the table small: forget failures older than an hour */
	s = db_prepare(d, "DELETE FROM login_failures WHERE at < ?");
	if (s) {
		db_bind_int(s, 1, now - 3600 * 1000LL);
		db_step(s);
		db_done(s);
	}
}

static int load_user(db *d, const char *username, auth_user *u, char *hash, size_t hashlen,
		     bool *disabled)
{
	db_stmt *s = db_prepare(d, "SELECT id, username, name, coalesce(email,''), locale, roles, "
				   "password_hash, disabled, coalesce(department_id, 0), coalesce(manager_id, 0) "
				   "FROM users WHERE username = ?");
	if (!s)
		return -2;
	db_bind_str(s, 1, username);
	int rc = -1;
	int step = db_step(s);
	if (step < 0)
		rc = -2;
	if (step == DB_ROW) {
		u->id = db_col_int(s, 0);
		copy_col(s, 1, u->username, sizeof(u->username));
		copy_col(s, 2, u->name, sizeof(u->name));
		copy_col(s, 3, u->email, sizeof(u->email));
		copy_col(s, 4, u->locale, sizeof(u->locale));
		copy_col(s, 5, u->roles, sizeof(u->roles));
		copy_col(s, 6, hash, hashlen);
		*disabled = db_col_int(s, 7) != 0;
		u->department_id = db_col_int(s, 8);
		u->manager_id = db_col_int(s, 9);
		rc = 0;
	}
	db_done(s);
	return rc;
}

enum auth_result auth_login(db *d, const char *username, const char *password, const char *address,
			    char token_out[AUTH_TOKEN_HEX], auth_session *out)
{
	int64_t now = clock_now_ms();
	char ukey[80], akey[80];
	fail_key(ukey, sizeof(ukey), 'u', username);
	fail_key(akey, sizeof(akey), 'a', address ? address : "");
	if (recent_failures(d, ukey, now - AUTH_FAIL_WINDOW_MS) >= AUTH_FAIL_LIMIT ||
	    recent_failures(d, akey, now - AUTH_FAIL_WINDOW_MS) >= AUTH_FAIL_LIMIT)
		return AUTH_LIMITED;

	char hash[crypto_pwhash_STRBYTES] = "";
	bool disabled = false;
	memset(out, 0, sizeof(*out));
	int loaded = load_user(d, username, &out->user, hash, sizeof(hash), &disabled);
	if (loaded == -2)
		return AUTH_ERROR;
	int found = loaded == 0;
	if (!found && !dummy_hash[0])
		auth_hash_password("not a password anyone has", dummy_hash, sizeof(dummy_hash));
	bool ok = auth_verify_password(found ? hash : dummy_hash, password) && found;
	if (!ok) {
		record_failure(d, ukey, now);
		record_failure(d, akey, now);
		return AUTH_BAD_CREDENTIALS;
	}
	if (disabled)
		return AUTH_DISABLED;

	auth_random_hex(token_out);
	token_hash(token_out, out->token_hash);
	auth_random_hex(out->csrf);
	db_stmt *s = db_prepare(d, "INSERT INTO sessions(token_hash, user_id, csrf_token, created_at, "
				   "last_seen_at, expires_at, address) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!s)
		return AUTH_ERROR;
	db_bind_str(s, 1, out->token_hash);
	db_bind_int(s, 2, out->user.id);
	db_bind_str(s, 3, out->csrf);
	db_bind_int(s, 4, now);
	db_bind_int(s, 5, now);
	db_bind_int(s, 6, now + AUTH_ABSOLUTE_MS);
	db_bind_str(s, 7, address);
	int rc = db_step(s);
	db_done(s);
	return rc == DB_DONE ? AUTH_OK : AUTH_ERROR;
}

int auth_session_find(db *d, const char *token, auth_session *out)
{
	size_t n = strlen(token);
	if (n != AUTH_TOKEN_HEX - 1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)token[i]))
			return -1;
	int64_t now = clock_now_ms();
	if (session_cache_get(token, now, out))
		return 0;
	uint64_t gen = db_auth_generation(); /* before the read: a write after it drops the entry */
	memset(out, 0, sizeof(*out));
	token_hash(token, out->token_hash);
	db_stmt *s = db_prepare(d, "SELECT u.id, u.username, u.name, coalesce(u.email,''), u.locale, u.roles, "
				   "s.csrf_token, s.last_seen_at, coalesce(u.department_id, 0), coalesce(u.manager_id, 0), "
				   "s.expires_at "
				   "FROM sessions s JOIN users u ON u.id = s.user_id "
				   "WHERE s.token_hash = ? AND s.expires_at > ? AND s.last_seen_at > ? "
				   "AND u.disabled = 0");
	if (!s)
		return AUTH_SESSION_ERROR;
	db_bind_str(s, 1, out->token_hash);
	db_bind_int(s, 2, now);
	db_bind_int(s, 3, now - AUTH_IDLE_MS);
	int rc = -1;
	int64_t last_seen = 0, expires_at = 0;
	int step = db_step(s);
	if (step < 0)
		rc = AUTH_SESSION_ERROR;
	if (step == DB_ROW) {
		auth_user *u = &out->user;
		u->id = db_col_int(s, 0);
		copy_col(s, 1, u->username, sizeof(u->username));
		copy_col(s, 2, u->name, sizeof(u->name));
		copy_col(s, 3, u->email, sizeof(u->email));
		copy_col(s, 4, u->locale, sizeof(u->locale));
		copy_col(s, 5, u->roles, sizeof(u->roles));
		copy_col(s, 6, out->csrf, sizeof(out->csrf));
		last_seen = db_col_int(s, 7);
		u->department_id = db_col_int(s, 8);
		u->manager_id = db_col_int(s, 9);
		expires_at = db_col_int(s, 10);
		rc = 0;
	}
	db_done(s);
	/* Refresh the idle clock at most once a minute: a write per request would
	 * cost more than the request.  (db.c knows this statement by its text.) */
	if (rc == 0 && now - last_seen > AUTH_REFRESH_MS) {
		s = db_prepare(d, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?");
		if (s) {
			db_bind_int(s, 1, now);
			db_bind_str(s, 2, out->token_hash);
			if (db_step(s) == DB_DONE)
				last_seen = now;
			db_done(s);
		}
	}
	if (rc == 0)
		session_cache_put(token, gen, out, expires_at, last_seen);
	return rc;
}

int auth_logout(db *d, const char *hash)
{
	db_stmt *s = db_prepare(d, "DELETE FROM sessions WHERE token_hash = ?");
	if (!s)
		return -1;
	db_bind_str(s, 1, hash);
	int rc = db_step(s) == DB_DONE ? 0 : -1;
	db_done(s);
	return rc;
}

int auth_end_user_sessions(db *d, int64_t user_id)
{
	db_stmt *s = db_prepare(d, "DELETE FROM sessions WHERE user_id = ?");
	if (!s)
		return -1;
	db_bind_int(s, 1, user_id);
	int rc = db_step(s) == DB_DONE ? 0 : -1;
	db_done(s);
	return rc;
}

int64_t auth_create_user(db *d, const char *username, const char *name, const char *password,
			 const char *roles_json)
{
	char hash[crypto_pwhash_STRBYTES];
	if (auth_hash_password(password, hash, sizeof(hash)))
		return DB_ERR;
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	db_stmt *s = db_prepare(d, "INSERT INTO users(username, name, password_hash, roles, created_at, updated_at) "
				   "VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
	if (!s)
		return DB_ERR;
	db_bind_str(s, 1, username);
	db_bind_str(s, 2, name);
	db_bind_str(s, 3, hash);
	db_bind_str(s, 4, roles_json);
	db_bind_str(s, 5, now);
	db_bind_str(s, 6, now);
	int64_t id;
	int rc = db_step(s);
	id = rc == DB_ROW ? db_col_int(s, 0) : (rc < 0 ? rc : DB_ERR);
	db_done(s);
	return id;
}
