/*
 * name_cache.h - the names that records refer to (their owner's, a user
 * field's, a department field's), kept per thread, so that a page of 50
 * customers does not look up the same few users and departments 100 times
 * (0.12M instructions of a rep's page).
 *
 * A name is what "(SELECT r.name FROM users r WHERE r.id = ?)" gives (NULL
 * when there is no such row).  The cache is dropped, and names are read
 * again, when
 *  - the auth generation (db_auth_generation) moved: any write of this
 *    process to users or departments (a rename, a department moved or
 *    renamed) moves it before the writing request's answer is sent;
 *  - it is older than the session cache's lifetime (RAPPORT_SESSION_CACHE_MS,
 *    2 s by default; 0 turns this cache off too): the bound on seeing a
 *    rename made by another process (the CLI, a second server), as for
 *    sessions (docs/api.md).
 */
#ifndef RAPPORT_NAME_CACHE_H
#define RAPPORT_NAME_CACHE_H

#include "../db/db.h"

#include <stdbool.h>
#include <stdint.h>

enum name_kind { NAME_USER, NAME_DEPARTMENT };

/* The name of row id (users or departments), or NULL when there is none;
 * valid until the next name_cache_get on this thread.  *ok is cleared when
 * the database could not be read (NULL is then returned). */
const char *name_cache_get(db *d, enum name_kind kind, int64_t id, bool *ok);

#endif
