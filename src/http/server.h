/*
 * server.h - the HTTP server: libmicrohttpd with an epoll thread pool (one
 * thread per core, see ../shared/FINDINGS.md), API requests routed to api/,
 * everything else served from the embedded web app.
 */
#ifndef RAPPORT_SERVER_H
#define RAPPORT_SERVER_H

#include <stdint.h>

typedef struct http_server http_server;

/* Starts listening on host:port ("127.0.0.1", 8080); NULL (logged) on failure. */
http_server *http_server_start(const char *host, uint16_t port);
/* The port actually bound (useful with port 0). */
uint16_t http_server_port(http_server *s);
/* Stops accepting, lets requests in flight finish (up to 10 s), then stops. */
void http_server_stop(http_server *s);

#endif
