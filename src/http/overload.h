/*
 * overload.h - load shedding.  With far more connections than the server can
 * serve, a request would otherwise wait its turn in the listen backlog and in
 * the HTTP threads' event loops for as long as the queue in front of it takes
 * (seconds, then the client's timeout), and the server would still do the work
 * after the client gave up.  Instead, a request that has waited longer than
 * the queue budget, or that arrives while more connections are open than the
 * cap, is answered at once with 503 {"error":{"code":"unavailable"}} and
 * Retry-After, its connection closed: nothing of it is read or run, so the
 * load drops to what the server can serve and the rest is answered in time.
 *
 * How long a request waited comes from the kernel: TCP_INFO's
 * tcpi_last_data_recv, the milliseconds since the connection last received
 * data, read when the request's headers are in (the last data received is
 * the request itself), so it covers the listen backlog and the event loop.
 *
 * Settings (environment, read once by overload_configure):
 *   RAPPORT_QUEUE_MS=3000          the queue budget (a browser waits longer; a
 *                                  proxy's timeout is usually 30-60 s)
 *   RAPPORT_MAX_CONNECTIONS=1024   open connections past which requests are refused
 *   RAPPORT_SLOW_QUEUE_MAX=64      password-hashing requests waiting for a worker
 *   RAPPORT_WRITE_QUEUE_MAX=1024   writes waiting for the group commit (write_batch.h)
 */
#ifndef RAPPORT_OVERLOAD_H
#define RAPPORT_OVERLOAD_H

#include <stdbool.h>

void overload_configure(void);
int overload_slow_queue_max(void);
int overload_write_queue_max(void);

/* A connection opened / closed (libmicrohttpd's connection notifications). */
void overload_conn_open(void);
void overload_conn_close(void);

/* A request's headers are in, on socket fd: true when it must be refused with 503. */
bool overload_should_shed(int fd);
/* A request refused for any overload reason, for the once-a-second log line. */
void overload_note_shed(const char *why);

#endif
