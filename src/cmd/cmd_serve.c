/*
 * cmd_serve.c - `rapport serve --data DIR [--listen HOST:PORT]`.
 * SIGINT and SIGTERM are taken by this thread alone (sigwait), so a stop
 * lets requests in flight finish and closes the database cleanly.
 */
#include "cmd.h"
#include "../db/db.h"
#include "../http/server.h"
#include "../jobs/jobs.h"
#include "../jobs/import_worker.h"
#include "../util/log.h"
#include "../util/pdf.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_listen(const char *s, char *host, size_t n, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || (size_t)(colon - s) >= n)
		return -1;
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || p < 0 || p > 65535)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (uint16_t)p;
	return 0;
}

int cmd_serve(const cmd_opts *o)
{
	char host[64];
	uint16_t port;
	if (parse_listen(o->listen ? o->listen : "127.0.0.1:8080", host, sizeof(host), &port)) {
		fprintf(stderr, "rapport: --listen wants HOST:PORT, like 127.0.0.1:8080\n");
		return 2;
	}
	if (cmd_open_data(o, false))
		return 1;
	/* block the stop signals before any thread starts, so only sigwait sees them */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	db_checkpoints_start(); /* before the request threads open their connections */
	http_server *s = http_server_start(host, port);
	if (!s) {
		db_checkpoints_stop();
		return 1;
	}
	log_info("Rapport listening on http://%s:%u", host, http_server_port(s));
	const char *every = getenv("RAPPORT_JOBS_INTERVAL");
	jobs_scheduler_start(every ? atoi(every) : 60);
	int sig = 0;
	sigwait(&stop, &sig);
	log_info("stopping on signal %d: finishing requests in flight", sig);
	jobs_scheduler_stop();
	import_worker_stop(30000); /* running imports end after their current batch */
	http_server_stop(s);
	db_checkpoints_stop();
	pdf_shutdown(); /* fonts and caches of the printed documents */
	db_thread_close();
	log_info("stopped");
	return 0;
}
