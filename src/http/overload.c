/* overload.c - see overload.h. */
#include "overload.h"
#include "../util/clock.h"
#include "../util/env.h"
#include "../util/log.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>

static long queue_budget_ms = 3000;
static int max_connections = 1024;
static int slow_queue_max = 64;
static int write_queue_max = 1024;

static atomic_int open_connections;
static atomic_long shed_count;
static atomic_llong shed_logged_at;

void overload_configure(void)
{
	queue_budget_ms = env_long("RAPPORT_QUEUE_MS", 3000, 1, 600000);
	max_connections = (int)env_long("RAPPORT_MAX_CONNECTIONS", 1024, 1, 1000000);
	slow_queue_max = (int)env_long("RAPPORT_SLOW_QUEUE_MAX", 64, 1, 100000);
	write_queue_max = (int)env_long("RAPPORT_WRITE_QUEUE_MAX", 1024, 1, 1000000);
}

int overload_slow_queue_max(void)
{
	return slow_queue_max;
}

int overload_write_queue_max(void)
{
	return write_queue_max;
}

void overload_conn_open(void)
{
	atomic_fetch_add(&open_connections, 1);
}

void overload_conn_close(void)
{
	atomic_fetch_sub(&open_connections, 1);
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

bool overload_should_shed(int fd)
{
	if (atomic_load(&open_connections) > max_connections) {
		overload_note_shed("too many connections");
		return true;
	}
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) || len < sizeof(ti))
		return false; /* not TCP: no way to tell */
	if ((long)ti.tcpi_last_data_recv > queue_budget_ms) {
		overload_note_shed("waited past the queue budget");
		return true;
	}
	return false;
}
