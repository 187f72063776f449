/*
 * baseline.c - the limit of this machine for the benchmark's get-by-id: the
 * least a server can do to answer GET /api/customers/{id} from the same
 * database.  libmicrohttpd with the same daemon flags and thread count as
 * Rapport (src/http/server.c), SQLite opened with the same pragmas, one
 * prepared statement per thread, and the row written out as a JSON object;
 * no sessions, no permissions, no engine, no audit, no logging.
 *
 *   build/rapport-baseline DATABASE PORT
 *
 * bench/run.sh serves its copy of the benchmark database with it, runs the
 * get_customer scenario against it and shows Rapport's figure as a ratio.
 */
#include <microhttpd.h>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *db_path;
static _Thread_local sqlite3 *conn;
static _Thread_local sqlite3_stmt *by_id;

typedef struct out {
	char *p;
	size_t len, cap;
} out;

static void put(out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;
		while (cap < o->len + n + 1)
			cap *= 2;
		o->p = realloc(o->p, cap);
		if (!o->p)
			abort();
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_str(out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_json_string(out *o, const unsigned char *s)
{
	put(o, "\"", 1);
	for (; *s; s++) {
		char esc[8];
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*s;
			put(o, esc, 2);
		} else if (*s < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *s);
			put(o, esc, 6);
		} else {
			put(o, (const char *)s, 1);
		}
	}
	put(o, "\"", 1);
}

static sqlite3_stmt *statement(void)
{
	if (by_id)
		return by_id;
	if (sqlite3_open_v2(db_path, &conn, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_busy_timeout(conn, 5000);
	/* Rapport's own read settings (src/db/db_sqlite.c) */
	sqlite3_exec(conn, "PRAGMA mmap_size=0; PRAGMA cache_size=-16384;", NULL, NULL, NULL);
	if (sqlite3_prepare_v3(conn, "SELECT * FROM customers WHERE id = ? AND deleted_at IS NULL", -1,
			       SQLITE_PREPARE_PERSISTENT, &by_id, NULL) != SQLITE_OK)
		return NULL;
	return by_id;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, out *o)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(o->len, o->p, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **req)
{
	(void)cls; (void)version; (void)upload; (void)upload_size;
	if (!*req) { /* the first call only sees the headers */
		*req = (void *)1;
		return MHD_YES;
	}
	out o = { 0 };
	const char *prefix = "/api/customers/";
	char *end = NULL;
	long long id = 0;
	if (!strcmp(method, "GET") && !strncmp(url, prefix, strlen(prefix)))
		id = strtoll(url + strlen(prefix), &end, 10);
	sqlite3_stmt *s = id > 0 && end && !*end ? statement() : NULL;
	if (!s) {
		put_str(&o, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such record\"}}");
		return reply(c, 404, &o);
	}
	sqlite3_bind_int64(s, 1, id);
	unsigned status = 404;
	if (sqlite3_step(s) == SQLITE_ROW) {
		status = 200;
		put(&o, "{", 1);
		for (int i = 0; i < sqlite3_column_count(s); i++) {
			if (i)
				put(&o, ",", 1);
			put_json_string(&o, (const unsigned char *)sqlite3_column_name(s, i));
			put(&o, ":", 1);
			const unsigned char *v = sqlite3_column_text(s, i);
			int type = sqlite3_column_type(s, i);
			if (type == SQLITE_NULL)
				put_str(&o, "null");
			else if (type == SQLITE_INTEGER || type == SQLITE_FLOAT || (v[0] == '[' && !strcmp(sqlite3_column_name(s, i), "tags")))
				put_str(&o, (const char *)v);
			else
				put_json_string(&o, v);
		}
		put(&o, "}", 1);
	} else {
		put_str(&o, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such record\"}}");
	}
	sqlite3_reset(s);
	return reply(c, status, &o);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s DATABASE PORT\n", argv[0]);
		return 2;
	}
	db_path = argv[1];
	if (access(db_path, R_OK)) {
		perror(db_path);
		return 1;
	}
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC, 0, NULL, NULL,
		on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cores > 0 ? cores : 2),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "cannot listen on 127.0.0.1:%s\n", argv[2]);
		return 1;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sig;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
