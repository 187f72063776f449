/* overload.c - see overload.h. */
#include "overload.h"
#include "../util/clock.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <stdatomic.h>
#include <stdlib.h>

/* A thread that saw no request start or end for this long was idle. */
#define IDLE_GAP_US 2000

static int64_t queue_budget_us = 3000 * 1000;
static int max_connections = 1024;
static int slow_queue_max = 64;

static atomic_int open_connections;
static atomic_long shed_count;
static atomic_llong shed_logged_at;

/* per HTTP thread: the current busy streak */
static _Thread_local int64_t last_activity_us, streak_start_us;

static long env_long(const char *name, long def, long min, long max)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || n < min || n > max) {
		log_error("%s=%s is not a number in %ld..%ld; using %ld", name, v, min, max, def);
		return def;
	}
	return n;
}

void overload_configure(void)
{
	queue_budget_us = env_long("RAPPORT_QUEUE_MS", 3000, 1, 600000) * 1000;
	max_connections = (int)env_long("RAPPORT_MAX_CONNECTIONS", 1024, 1, 1000000);
	slow_queue_max = (int)env_long("RAPPORT_SLOW_QUEUE_MAX", 64, 1, 100000);
}

int overload_slow_queue_max(void)
{
	return slow_queue_max;
}

overload_conn *overload_conn_open(void)
{
	/* ready_us 0: a new connection's first request may have waited in the
	 * listen backlog since the thread's busy streak began */
	overload_conn *oc = xcalloc(1, sizeof(*oc));
	atomic_fetch_add(&open_connections, 1);
	return oc;
}

void overload_conn_close(overload_conn *oc)
{
	if (!oc)
		return;
	atomic_fetch_sub(&open_connections, 1);
	free(oc);
}

/* Real work (a request served, not refused) starting or ending on this thread. */
static void activity(int64_t now)
{
	if (now - last_activity_us > IDLE_GAP_US)
		streak_start_us = now;
	last_activity_us = now;
}

void overload_note_shed(const char *why)
{
	long n = atomic_fetch_add(&shed_count, 1) + 1;
	int64_t now = clock_monotonic_us();
	long long last = atomic_load(&shed_logged_at);
	if (now - last >= 1000000 && atomic_compare_exchange_strong(&shed_logged_at, &last, now))
		log_error("overloaded: refused %ld requests so far with 503 (latest: %s; %d connections open)", n,
			  why, atomic_load(&open_connections));
}

bool overload_should_shed(overload_conn *oc, int64_t now)
{
	if (atomic_load(&open_connections) > max_connections) {
		overload_note_shed("too many connections");
		return true;
	}
	/* Refusals are not work: a thread that only refuses soon shows a gap,
	 * its streak restarts, and the next request is served (no livelock). */
	if (now - last_activity_us <= IDLE_GAP_US) {
		int64_t since = oc && oc->ready_us > streak_start_us ? oc->ready_us : streak_start_us;
		if (now - since > queue_budget_us) {
			overload_note_shed("waited past the queue budget");
			return true;
		}
	}
	activity(now);
	return false;
}

void overload_busy(int64_t start, int64_t end)
{
	activity(start);
	last_activity_us = end; /* busy all along, not a gap */
}

void overload_request_done(overload_conn *oc, bool served, int64_t now)
{
	if (!served)
		return;
	activity(now);
	if (oc)
		oc->ready_us = now;
}
