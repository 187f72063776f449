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
	{ API_GET, "/api/meta", api_meta, 0 },
	{ API_GET, "/api/search", api_search, 0 },
	{ API_GET, "/api/option-lists/:name", api_option_list_get, 0 },
	{ API_PUT, "/api/option-lists/:name", api_option_list_put, 0 },
	{ API_POST, "/api/leads/:id/convert", api_lead_convert, 0 },

	/* the generic record routes, for every declared entity */
	{ API_GET, "/api/:entity", api_list, 0 },
	{ API_POST, "/api/:entity", api_create, 0 },
	{ API_GET, "/api/:entity/:id", api_get, 0 },
	{ API_PATCH, "/api/:entity/:id", api_patch, 0 },
	{ API_DELETE, "/api/:entity/:id", api_delete, 0 },
	{ API_POST, "/api/:entity/:id/restore", api_restore, 0 },
	{ API_GET, "/api/:entity/:id/history", api_history, 0 },
	{ API_GET, "/api/:entity/:id/:relation", api_related, 0 },
};

const int api_routes_count = (int)(sizeof(api_routes) / sizeof(api_routes[0]));
