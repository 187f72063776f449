/*
 * overload.h - load shedding.  With far more connections than the server can
 * serve, a request would otherwise wait its turn in the HTTP threads' event
 * loops for as long as the queue in front of it takes (seconds, then the
 * client's timeout), and the server would still do the work after the client
 * gave up.  Instead, a request that has waited longer than the queue budget,
 * or that arrives while more connections are open than the cap, is answered
 * at once with 503 {"error":{"code":"unavailable"}} and Retry-After, its
 * connection closed, so the load drops to what the server can serve.
 *
 * How long a request waited is estimated without timestamps from the
 * kernel: it cannot have waited while its HTTP thread was idle (the thread
 * would have taken it), nor, on a kept-alive connection, from before its
 * previous response was sent; so the wait is at most now - max(start of the
 * thread's current busy streak, previous response on the connection).  A new
 * connection's first request counts from the streak's start: it may have sat
 * in the listen backlog, which libmicrohttpd drains one connection per turn.
 * A closed-loop benchmark at full speed keeps the estimate at milliseconds.
 *
 * Settings (environment, read once by overload_configure):
 *   RAPPORT_QUEUE_MS=3000          the queue budget (a browser waits longer; a
 *                                  proxy's timeout is usually 30-60 s)
 *   RAPPORT_MAX_CONNECTIONS=1024   open connections past which requests are refused
 *   RAPPORT_SLOW_QUEUE_MAX=64      password-hashing requests waiting for a worker
 */
#ifndef RAPPORT_OVERLOAD_H
#define RAPPORT_OVERLOAD_H

#include <stdbool.h>
#include <stdint.h>

typedef struct overload_conn {
	int64_t ready_us;      /* when the connection could last have sent a new request */
} overload_conn;

void overload_configure(void);
int overload_slow_queue_max(void);

/* A connection opened / closed (libmicrohttpd's connection notifications). */
overload_conn *overload_conn_open(void);
void overload_conn_close(overload_conn *oc);

/* A request's headers are in: true when it must be refused with 503. */
bool overload_should_shed(overload_conn *oc, int64_t now_us);
/* This thread ran a handler from start to end (real work, not idle time). */
void overload_busy(int64_t start_us, int64_t end_us);
/* Its response is done (on the thread that served it; served: not refused). */
void overload_request_done(overload_conn *oc, bool served, int64_t now_us);
/* A request refused for any overload reason, for the once-a-second log line. */
void overload_note_shed(const char *why);

#endif
