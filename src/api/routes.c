/*
 * routes.c - every route of the REST API, one line each.
 * The router prefers literal segments over parameters, so a specific route
 * such as /api/leads/:id/convert wins over the generic /api/:entity/:id/:rel.
 */
#include "handlers.h"

const api_route api_routes[] = {
	{ API_GET, "/api/health", api_health, ROUTE_PUBLIC },
	{ API_POST, "/api/auth/login", api_login, ROUTE_PUBLIC | ROUTE_SLOW },
	{ API_POST, "/api/auth/logout", api_logout, 0 },
	{ API_GET, "/api/me", api_me, 0 },
};

const int api_routes_count = (int)(sizeof(api_routes) / sizeof(api_routes[0]));
