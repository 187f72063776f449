/*
 * server.c - libmicrohttpd glue: one http_request per request, from the first
 * call of the access handler (which only allocates: answering on the first
 * call makes libmicrohttpd close the connection, see FINDINGS.md) to the
 * completion callback, which frees its arena in one place.
 */
#include "server.h"
#include "overload.h"
#include "router.h"
#include "slow_queue.h"
#include "static.h"
#include "write_batch.h"
#include "../api/api.h"
#include "../db/db.h"
#include "../util/clock.h"
#include "../util/datadir.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A body over its route's limit is read and thrown away (so the client sees
 * the 413 rather than a reset) up to this much more; past it, or when the
 * Content-Length says so at once, the connection is closed after the 413. */
#define DISCARD_CAP (64 * 1024 * 1024)

#define CSP_COMMON "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " \
	    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "     \
	    "object-src 'none'; base-uri 'self'; form-action 'self'; "
#define CSP CSP_COMMON "frame-ancestors 'none'"
/* A file shown inline (a quote's PDF, an attached image) may be framed by the
 * app itself for its preview; it carries no actions to click-jack. */
#define CSP_FRAMEABLE CSP_COMMON "frame-ancestors 'self'"

struct http_server {
	struct MHD_Daemon *d;
	uint16_t port;
};

typedef struct http_request {
	arena a;
	api_ctx c;
	buf body;
	bool too_large;
	bool suspended;       /* waiting in the slow queue or the write batch */
	bool upload;          /* the route streams its body to a temporary file */
	bool io_error;        /* that file could not be written */
	size_t limit;         /* the route's body limit */
	uint64_t received;    /* body bytes seen, kept or not */
	int up_fd;            /* the temporary file, or -1 */
	char *up_path;        /* its name (malloc), removed on completion */
	const api_route *route;
	struct MHD_Connection *conn;
	bool shed;            /* refused by it: 503 and close */
	wb_item batch;        /* its place in the write batch's queue */
	int64_t start_us;
	char address[64];
} http_request;

static atomic_int in_flight;

static void add_headers(struct MHD_Response *resp, bool frameable)
{
	MHD_add_response_header(resp, "Content-Security-Policy", frameable ? CSP_FRAMEABLE : CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "X-Frame-Options", frameable ? "SAMEORIGIN" : "DENY");
}

static void add_common_headers(struct MHD_Response *resp)
{
	add_headers(resp, false);
}

static void log_request(http_request *r, const char *method, const char *url, int status)
{
	/* tenths of a millisecond, in integers (a float conversion per request showed in profiles) */
	long long tenths = (clock_monotonic_us() - r->start_us + 50) / 100;
	if (tenths < 0)
		tenths = 0;
	/* a one-click link's token is a credential: it never goes into the log */
	if (!strncmp(url, "/api/links/", 11) || !strncmp(url, "/l/", 3)) {
		log_info("%s %.*s… %d %lld.%lldms", method, url[1] == 'l' ? 3 : 11, url, status, tenths / 10,
			 tenths % 10);
		return;
	}
	log_info("%s %s %d %lld.%lldms", method, url, status, tenths / 10, tenths % 10);
}

static int method_bit(const char *m)
{
	if (!strcmp(m, "GET") || !strcmp(m, "HEAD"))
		return API_GET;
	if (!strcmp(m, "POST"))
		return API_POST;
	if (!strcmp(m, "PUT"))
		return API_PUT;
	if (!strcmp(m, "PATCH"))
		return API_PATCH;
	if (!strcmp(m, "DELETE"))
		return API_DELETE;
	return 0;
}

static enum MHD_Result send_api(http_request *r, const char *method, const char *url)
{
	api_ctx *c = &r->c;
	struct MHD_Response *resp;
	if (c->reply_file) {
		/* libmicrohttpd sends it with sendfile and closes the descriptor */
		c->reply_file = false;
		resp = MHD_create_response_from_fd64((uint64_t)c->reply_len, c->reply_fd);
		if (!resp) {
			close(c->reply_fd);
			return MHD_NO;
		}
	} else {
		size_t len = c->out.len;
		char *body = buf_detach(&c->out);
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(body);
			return MHD_NO;
		}
	}
	add_headers(resp, c->content_disposition && !strncmp(c->content_disposition, "inline", 6));
	if (c->content_type)
		MHD_add_response_header(resp, "Content-Type", c->content_type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (c->set_cookie)
		MHD_add_response_header(resp, "Set-Cookie", c->set_cookie);
	if (c->content_disposition)
		MHD_add_response_header(resp, "Content-Disposition", c->content_disposition);
	if (c->status == 503)
		MHD_add_response_header(resp, "Retry-After", "1");
	if (r->shed)
		MHD_add_response_header(resp, "Connection", "close");
	if (c->status == 405) {
		char allow[64] = "";
		size_t n = 0;
		for (int bit = API_GET; bit <= API_DELETE; bit <<= 1)
			if (c->allow_methods & bit)
				n += (size_t)snprintf(allow + n, sizeof(allow) - n, "%s%s", n ? ", " : "",
						      api_method_name(bit));
		MHD_add_response_header(resp, "Allow", allow);
	}
	enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)c->status, resp);
	MHD_destroy_response(resp);
	log_request(r, method, url, c->status);
	return ret;
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	http_request *r = cls;
	api_ctx *c = &r->c;
	if (c->nquery % 16 == 0) {
		api_kv *more = arena_alloc(r->c.a, sizeof(api_kv) * (size_t)(c->nquery + 16));
		if (c->nquery)
			memcpy(more, c->query, sizeof(api_kv) * (size_t)c->nquery);
		c->query = more;
	}
	c->query[c->nquery].key = arena_strdup(c->a, key);
	c->query[c->nquery].value = value ? arena_strdup(c->a, value) : NULL;
	c->nquery++;
	return MHD_YES;
}

static const char *header(http_request *r, const char *name)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
	return v ? arena_strdup(r->c.a, v) : NULL;
}

static void fill_ctx(http_request *r, const char *url, const char *method)
{
	api_ctx *c = &r->c;
	c->a = &r->a;
	c->method = method_bit(method);
	c->method_name = method;
	c->path = arena_strdup(c->a, url);
	c->body = r->body.ptr;
	c->body_len = r->body.len;
	c->body_limit = r->limit;
	c->upload.fd = -1;
	if (r->upload && r->up_fd >= 0 && lseek(r->up_fd, 0, SEEK_SET) == 0) {
		c->upload.fd = r->up_fd;
		c->upload.path = r->up_path;
	}
	c->upload.size = r->up_fd >= 0 ? (int64_t)r->received : 0;
	c->upload.content_type = header(r, "Content-Type");
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_query, r);
	const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "rapport_session");
	c->cookie_session = cookie ? arena_strdup(c->a, cookie) : NULL;
	c->csrf_header = header(r, "X-CSRF-Token");
	c->authorization = header(r, "Authorization");
	c->address = r->address;
	/* behind a local reverse proxy that terminates TLS */
	const char *proto = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
	c->secure = proto && !strcmp(proto, "https") &&
		    (!strcmp(r->address, "127.0.0.1") || !strcmp(r->address, "::1"));
}

/* Refuses the request at once (overload.h): nothing of it is read or run. */
static enum MHD_Result send_shed(http_request *r, const char *method, const char *url)
{
	r->shed = true;
	api_error(&r->c, 503, "unavailable", "the server is overloaded; try again shortly");
	return send_api(r, method, url);
}

static void run_slow(void *arg)
{
	http_request *r = arg;
	api_run(&r->c, r->route);
	MHD_resume_connection(r->conn);
}

/* The write batch's view of a request (write_batch.h). */
static bool batch_run(wb_item *it)
{
	http_request *r = it->arg;
	api_run(&r->c, r->route);
	return r->c.status < 400;
}

static void batch_fail(wb_item *it)
{
	http_request *r = it->arg;
	api_error(&r->c, 503, "unavailable", "the change could not be saved; try again");
}

static void batch_finish(wb_item *it)
{
	http_request *r = it->arg;
	MHD_resume_connection(r->conn);
}

static const wb_ops batch_ops = { batch_run, batch_fail, batch_finish };

static enum MHD_Result handle_api(http_request *r, const char *url, const char *method)
{
	api_ctx *c = &r->c;
	fill_ctx(r, url, method);
	if (r->too_large) {
		api_error(c, 413, "payload_too_large", "the request body is larger than %zu bytes", r->limit);
		return send_api(r, method, url);
	}
	if (r->io_error) {
		api_error(c, 500, "internal", "the upload could not be stored");
		return send_api(r, method, url);
	}
	int status = 404, allowed = 0;
	/* an unknown method (c->method 0) matches no route but still learns what the path allows */
	const api_route *route = router_match(api_routes, api_routes_count, c, &status, &allowed);
	if (!route) {
		if (status == 405 || (!c->method && allowed)) {
			api_error(c, 405, "method_not_allowed", "%s is not allowed on %s", method, url);
			c->allow_methods = allowed;
		} else {
			api_error(c, 404, "not_found", "no route %s %s", method, url);
		}
		return send_api(r, method, url);
	}
	if (route->flags & ROUTE_SLOW) {
		if (slow_queue_waiting() >= overload_slow_queue_max()) {
			overload_note_shed("the password-hashing queue is full");
			return send_shed(r, method, url);
		}
		r->route = route;
		r->suspended = true;
		MHD_suspend_connection(r->conn);
		slow_queue_submit(run_slow, r);
		return MHD_YES;
	}
	if ((route->flags & ROUTE_BATCH) && write_batch_enabled()) {
		r->route = route;
		r->batch.ops = &batch_ops;
		r->batch.arg = r;
		r->suspended = true;
		MHD_suspend_connection(r->conn);
		if (!write_batch_submit(&r->batch)) {
			/* nothing ran: answered at once, like a full slow queue */
			overload_note_shed("the write queue is full");
			r->shed = true;
			api_error(c, 503, "unavailable", "the server is overloaded; try again shortly");
			MHD_resume_connection(r->conn);
		}
		return MHD_YES;
	}
	api_run(c, route);
	return send_api(r, method, url);
}

static enum MHD_Result handle_static(http_request *r, const char *url, const char *method)
{
	const asset *a = NULL;
	int status = 200;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		fill_ctx(r, url, method);
		api_error(&r->c, 405, "method_not_allowed", "%s is not allowed on %s", method, url);
		r->c.allow_methods = API_GET;
		return send_api(r, method, url);
	}
	a = static_find(url);
	if (!a) {
		fill_ctx(r, url, method);
		api_error(&r->c, 404, "not_found", "no such file");
		return send_api(r, method, url);
	}
	const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
	const char *ae = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Encoding");
	bool gz = a->gz && ae && strstr(ae, "gzip");
	struct MHD_Response *resp;
	if (inm && !strcmp(inm, a->etag)) {
		status = 304;
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(gz ? a->gz_len : a->len,
						       (void *)(gz ? a->gz : a->data), MHD_RESPMEM_PERSISTENT);
	}
	if (!resp)
		return MHD_NO;
	add_common_headers(resp);
	MHD_add_response_header(resp, "Content-Type", a->mime);
	MHD_add_response_header(resp, "ETag", a->etag);
	if (a->gz)
		MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	if (gz && status == 200)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	MHD_add_response_header(resp, "Cache-Control",
				a->immutable ? "public, max-age=31536000, immutable" : "no-cache");
	enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	log_request(r, method, url, status);
	return ret;
}

/* The route decides the body's limit and where it goes, so it is looked up
 * as soon as the headers are in (and again, with the body, to answer). */
static void body_rules(http_request *r, const char *url, const char *method)
{
	r->limit = API_MAX_BODY;
	int m = method_bit(method);
	/* a GET or DELETE has no business with a body: no second route lookup */
	if (strncmp(url, "/api/", 5) || !(m & (API_POST | API_PUT | API_PATCH)))
		return;
	api_ctx probe = { .a = &r->a, .path = url, .method = m };
	int status, allowed;
	const api_route *rt = router_match(api_routes, api_routes_count, &probe, &status, &allowed);
	if (!rt)
		return;
	r->upload = rt->flags & ROUTE_UPLOAD;
	r->limit = rt->max_body ? rt->max_body : r->upload ? API_MAX_UPLOAD : API_MAX_BODY;
}

static void drop_upload(http_request *r)
{
	if (r->up_fd >= 0)
		close(r->up_fd);
	r->up_fd = -1;
	if (r->up_path) {
		unlink(r->up_path);
		free(r->up_path);
		r->up_path = NULL;
	}
}

/* Appends a chunk to the request's temporary file (made on the first one,
 * under DATA/tmp so that a handler can link() it into place). */
static int upload_write(http_request *r, const char *data, size_t n)
{
	if (r->up_fd < 0) {
		char dir[4096], path[4200];
		if (datadir_sub("tmp", dir, sizeof(dir)))
			return -1;
		snprintf(path, sizeof(path), "%s/upload-XXXXXX", dir);
		r->up_fd = mkostemp(path, O_CLOEXEC);
		if (r->up_fd < 0)
			return -1;
		r->up_path = xstrdup(path);
	}
	while (n) {
		ssize_t w = write(r->up_fd, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		data += w;
		n -= (size_t)w;
	}
	return 0;
}

static void client_address(struct MHD_Connection *conn, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)n);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **req_cls)
{
	(void)cls; (void)version;
	http_request *r = *req_cls;
	if (!r) {
		r = xcalloc(1, sizeof(*r));
		r->conn = conn;
		r->start_us = clock_monotonic_us();
		r->c.a = &r->a;
		r->up_fd = -1;
		client_address(conn, r->address, sizeof(r->address));
		*req_cls = r;
		atomic_fetch_add(&in_flight, 1);
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (overload_should_shed(ci ? ci->connect_fd : -1))
			return send_shed(r, method, url);
		body_rules(r, url, method);
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		unsigned long long announced = cl ? strtoull(cl, NULL, 10) : 0;
		if (announced > r->limit)
			r->too_large = true;
		if (announced > (unsigned long long)r->limit + DISCARD_CAP)
			return handle_api(r, url, method); /* answer now and close */
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		r->received += n;
		if (r->received > r->limit) {
			r->too_large = true;
			drop_upload(r); /* nothing of a refused body is kept */
		} else if (!r->too_large && !r->io_error) {
			if (!r->upload) {
				buf_add(&r->body, upload_data, n);
			} else if (upload_write(r, upload_data, n)) {
				log_error("upload: cannot write a temporary file: %s", strerror(errno));
				r->io_error = true;
				drop_upload(r);
			}
		}
		if (r->too_large && r->received > (uint64_t)r->limit + DISCARD_CAP)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->suspended) {
		r->suspended = false;
		return send_api(r, method, url);
	}
	if (!strncmp(url, "/api/", 5) || !strcmp(url, "/api"))
		return handle_api(r, url, method);
	return handle_static(r, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls; (void)conn; (void)toe;
	http_request *r = *req_cls;
	if (!r)
		return;
	buf_free(&r->body);
	buf_free(&r->c.out);
	if (r->c.reply_file)
		close(r->c.reply_fd); /* a reply never sent */
	drop_upload(r);
	arena_free(&r->a);
	free(r);
	*req_cls = NULL;
	atomic_fetch_sub(&in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls; (void)conn; (void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		overload_conn_open();
	else
		overload_conn_close();
}

/* Temporary upload files are removed when their request ends; a server that
 * was killed leaves some behind.  Those a day old go at start (younger ones
 * may belong to another server sharing the folder). */
static void sweep_stale_uploads(void)
{
	char dir[4096], path[4400];
	if (datadir_sub("tmp", dir, sizeof(dir)))
		return;
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	time_t cutoff = time(NULL) - 24 * 3600;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "upload-", 7))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime < cutoff && unlink(path) == 0)
			log_info("removed a stale upload file %s", path);
	}
	if (d)
		closedir(d);
}

http_server *http_server_start(const char *host, uint16_t port)
{
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		log_error("cannot listen on %s: not an IPv4 address", host);
		return NULL;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned pool = cores > 0 ? (unsigned)cores : 2;
	overload_configure();
	sweep_stale_uploads();
	if (slow_queue_start(2))
		return NULL;
	if (write_batch_start(db_configured_postgres())) {
		slow_queue_stop();
		return NULL;
	}
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
			MHD_ALLOW_SUSPEND_RESUME,
		port, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, pool,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
		MHD_OPTION_END);
	if (!d) {
		log_error("cannot listen on %s:%u", host, port);
		write_batch_stop();
		slow_queue_stop();
		return NULL;
	}
	http_server *s = xcalloc(1, sizeof(*s));
	s->d = d;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : port;
	return s;
}

uint16_t http_server_port(http_server *s)
{
	return s->port;
}

void http_server_stop(http_server *s)
{
	MHD_socket listen = MHD_quiesce_daemon(s->d);
	if (listen != MHD_INVALID_SOCKET)
		close(listen);
	/* let requests in flight finish: 10 s at most */
	for (int i = 0; i < 1000 && atomic_load(&in_flight) > 0; i++)
		usleep(10 * 1000);
	write_batch_stop();
	slow_queue_stop();
	MHD_stop_daemon(s->d);
	free(s);
}
