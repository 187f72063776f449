/* session_cache.c - see session_cache.h. */
#include "session_cache.h"
#include "../db/db.h"
#include "../util/clock.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SC_SLOTS 256 /* per thread, power of two */

typedef struct sc_entry {
	unsigned char tag[crypto_shorthash_siphashx24_BYTES];
	bool used;
	uint64_t gen;
	int64_t loaded_us;     /* monotonic */
	int64_t expires_at, last_seen;
	auth_session s;
} sc_entry;

typedef struct sc_table {
	sc_entry e[SC_SLOTS];
} sc_table;

static unsigned char tag_key[crypto_shorthash_siphashx24_KEYBYTES];
static atomic_llong lifetime_ms = -1;
static pthread_key_t table_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void table_free(void *p)
{
	if (p)
		sodium_memzero(p, sizeof(sc_table));
	free(p);
}

static void init(void)
{
	randombytes_buf(tag_key, sizeof(tag_key));
	pthread_key_create(&table_key, table_free);
}

int64_t session_cache_lifetime_ms(void)
{
	long long ms = atomic_load(&lifetime_ms);
	if (ms >= 0)
		return ms;
	ms = SESSION_CACHE_DEFAULT_MS;
	const char *v = getenv("RAPPORT_SESSION_CACHE_MS");
	if (v && *v) {
		char *end;
		long long n = strtoll(v, &end, 10);
		if (*end || n < 0 || n > 60000)
			log_error("RAPPORT_SESSION_CACHE_MS=%s is not a number in 0..60000; using %d", v,
				  SESSION_CACHE_DEFAULT_MS);
		else
			ms = n;
	}
	atomic_store(&lifetime_ms, ms);
	return ms;
}

void session_cache_set_lifetime_ms(int64_t ms)
{
	atomic_store(&lifetime_ms, (long long)ms);
}

static sc_entry *slot(const char *token, unsigned char tag[crypto_shorthash_siphashx24_BYTES], bool create)
{
	pthread_once(&once, init);
	crypto_shorthash_siphashx24(tag, (const unsigned char *)token, strlen(token), tag_key);
	sc_table *t = pthread_getspecific(table_key);
	if (!t) {
		if (!create)
			return NULL;
		t = xcalloc(1, sizeof(*t));
		pthread_setspecific(table_key, t);
	}
	return &t->e[tag[0] & (SC_SLOTS - 1)];
}

bool session_cache_get(const char *token, int64_t now, auth_session *out)
{
	int64_t life = session_cache_lifetime_ms();
	if (life <= 0)
		return false;
	unsigned char tag[crypto_shorthash_siphashx24_BYTES];
	sc_entry *e = slot(token, tag, false);
	if (!e || !e->used || sodium_memcmp(e->tag, tag, sizeof(tag)))
		return false;
	if (e->gen != db_auth_generation() || clock_monotonic_us() - e->loaded_us >= life * 1000) {
		e->used = false;
		return false;
	}
	/* the query's own conditions (auth.c), and no refresh of the idle clock due */
	if (!(e->expires_at > now && e->last_seen > now - AUTH_IDLE_MS) || now - e->last_seen > AUTH_REFRESH_MS)
		return false;
	*out = e->s;
	out->acl = NULL;
	return true;
}

void session_cache_put(const char *token, uint64_t gen, const auth_session *s, int64_t expires_at,
		       int64_t last_seen)
{
	if (session_cache_lifetime_ms() <= 0)
		return;
	unsigned char tag[crypto_shorthash_siphashx24_BYTES];
	sc_entry *e = slot(token, tag, true);
	memcpy(e->tag, tag, sizeof(tag));
	e->used = true;
	e->gen = gen;
	e->loaded_us = clock_monotonic_us();
	e->expires_at = expires_at;
	e->last_seen = last_seen;
	e->s = *s;
	e->s.acl = NULL;
}
