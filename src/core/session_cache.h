/*
 * session_cache.h - the sessions this thread has found lately, so that a
 * request need not read sessions JOIN users again (auth_session_find).
 *
 * An entry is used only while all of these hold, otherwise the database is
 * asked as before:
 *  - it is younger than the lifetime (RAPPORT_SESSION_CACHE_MS, default
 *    SESSION_CACHE_DEFAULT_MS; 0 turns the cache off),
 *  - the auth generation (db_auth_generation) is the one read before the row
 *    was: any write of this process to sessions, users, roles or departments
 *    (logout, password change, a user disabled or edited, a role edited)
 *    drops every entry at once,
 *  - the session is still inside its absolute and idle limits, and its idle
 *    clock is not due for the once-a-minute refresh (the same tests as the
 *    query's, against the same clock).
 * Writes by another process (the CLI, a second server on the same database)
 * are seen within the lifetime (docs/security.md).  The key is a keyed
 * SipHash of the token (a per-process random key): the raw token is not kept.
 */
#ifndef RAPPORT_SESSION_CACHE_H
#define RAPPORT_SESSION_CACHE_H

#include "auth.h"

#include <stdbool.h>
#include <stdint.h>

#define SESSION_CACHE_DEFAULT_MS 2000

/* The lifetime in ms (from the environment, read once). */
int64_t session_cache_lifetime_ms(void);
/* Sets the lifetime (tests); 0 turns the cache off. */
void session_cache_set_lifetime_ms(int64_t ms);

/* Fills out (acl NULL) from a live entry for token; false when there is none
 * or it may be stale.  now is clock_now_ms(). */
bool session_cache_get(const char *token, int64_t now, auth_session *out);
/* Remembers a session just read: gen is db_auth_generation() from before the
 * read, expires_at and last_seen its row's (after any refresh). */
void session_cache_put(const char *token, uint64_t gen, const auth_session *s, int64_t expires_at,
		       int64_t last_seen);

#endif
