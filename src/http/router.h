/*
 * router.h - matches a method and path against the route table.
 *
 * Patterns are split on '/'; a segment ":name" takes any one non-empty
 * segment of the path.  Of the patterns that match, the one whose literal
 * segments come earliest wins (so /api/leads/:id/convert beats
 * /api/:entity/:id/:relation whatever their order in the table).
 */
#ifndef RAPPORT_ROUTER_H
#define RAPPORT_ROUTER_H

#include "../api/api.h"

/* Returns the route, filling c->params; or NULL with *status 404 (no path
 * matches) or 405 (the path matches, the method doesn't; *allowed gets the
 * methods that would). */
const api_route *router_match(const api_route *routes, int n, api_ctx *c, int *status, int *allowed);

#endif
