/*
 * auth.h - passwords, login with its rate limit, and sessions.
 *
 * Passwords are argon2id strings (libsodium, interactive cost: ~150 ms and
 * 64 MB each), so login runs on a worker thread, never on an HTTP thread.
 * A session token is 256 random bits, given to the browser once and stored
 * only as its SHA-256; sessions end after AUTH_IDLE_MS without use or
 * AUTH_ABSOLUTE_MS after login, whichever comes first.  Everything lives in
 * the database so that several servers share sessions and limits.
 */
#ifndef RAPPORT_AUTH_H
#define RAPPORT_AUTH_H

#include "../db/db.h"

#include <stdbool.h>
#include <stdint.h>

#define AUTH_TOKEN_HEX 65               /* 64 hex characters + NUL */
#define AUTH_IDLE_MS (12LL * 3600 * 1000)
#define AUTH_ABSOLUTE_MS (7LL * 24 * 3600 * 1000)
#define AUTH_REFRESH_MS (60LL * 1000)   /* the idle clock is written at most this often */
#define AUTH_FAIL_WINDOW_MS (60LL * 1000)
#define AUTH_FAIL_LIMIT 5

typedef struct auth_user {
	int64_t id;
	char username[64];
	char name[128];
	char email[128];
	char locale[16];
	char roles[256];                /* JSON array text */
	int64_t department_id;          /* 0 when none */
	int64_t manager_id;
} auth_user;

struct acl_ctx;

typedef struct auth_session {
	auth_user user;
	char token_hash[AUTH_TOKEN_HEX];
	char csrf[AUTH_TOKEN_HEX];
	struct acl_ctx *acl;            /* the caller's permissions, loaded by acl_load() */
} auth_session;

enum auth_result { AUTH_OK = 0, AUTH_BAD_CREDENTIALS, AUTH_LIMITED, AUTH_DISABLED, AUTH_ERROR };

int auth_init(void);                    /* libsodium; call once at start */
int auth_hash_password(const char *password, char *out, size_t outlen);
bool auth_verify_password(const char *hash, const char *password);
void auth_random_hex(char out[AUTH_TOKEN_HEX]);
/* Compares two NUL-terminated secrets in time independent of where they differ. */
bool auth_secret_equal(const char *a, const char *b);

/* Checks the password (rate-limited per username and per address) and opens
 * a session; the raw token for the cookie goes to token_out. */
enum auth_result auth_login(db *d, const char *username, const char *password, const char *address,
			    char token_out[AUTH_TOKEN_HEX], auth_session *out);
#define AUTH_SESSION_ERROR (-2)
/* Finds the live session of a raw token; 0 when found, -1 when not (or
 * expired), AUTH_SESSION_ERROR when the database failed (answer 503, not 401). */
int auth_session_find(db *d, const char *token, auth_session *out);
int auth_logout(db *d, const char *token_hash);
/* Ends every session of a user (disabled, password reset). */
int auth_end_user_sessions(db *d, int64_t user_id);

/* Creates a user; roles_json like ["admin"]. Returns the id, or <0 (DB_ERR_UNIQUE when taken). */
int64_t auth_create_user(db *d, const char *username, const char *name, const char *password,
			 const char *roles_json);

#endif
