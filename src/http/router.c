/* router.c - see router.h. */
#include "router.h"

#include <string.h>

#define MAX_SEGMENTS 12

typedef struct seg {
	const char *p;
	size_t n;
} seg;

static int split(const char *path, seg *out, int max)
{
	int n = 0;
	const char *p = path;
	if (*p != '/')
		return -1;
	while (*p) {
		p++; /* skip '/' */
		const char *start = p;
		while (*p && *p != '/')
			p++;
		if (n == max)
			return -1;
		out[n].p = start;
		out[n].n = (size_t)(p - start);
		n++;
	}
	return n;
}

/* Score of a pattern against the path segments, or -1 when it does not match.
 * A literal segment at position i is worth more than any later ones.  The
 * pattern is walked in place (no split): most patterns fail on their first
 * literal segments, and every request scores every route twice. */
static long score(const char *pattern, const seg *path, int npath)
{
	const char *p = pattern;
	long s = 0;
	int i = 0;
	if (*p != '/')
		return -1;
	while (*p) {
		p++; /* skip '/' */
		const char *start = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - start);
		if (i == npath || i == MAX_SEGMENTS)
			return -1;
		if (n && start[0] == ':') {
			if (path[i].n == 0)
				return -1;
		} else if (n != path[i].n || memcmp(start, path[i].p, n)) {
			return -1;
		} else {
			s |= 1L << (MAX_SEGMENTS - i);
		}
		i++;
	}
	return i == npath ? s : -1;
}

static void bind_params(const char *pattern, const seg *path, api_ctx *c)
{
	seg pat[MAX_SEGMENTS];
	int npat = split(pattern, pat, MAX_SEGMENTS);
	c->nparams = 0;
	for (int i = 0; i < npat && c->nparams < API_MAX_PARAMS; i++) {
		if (pat[i].n && pat[i].p[0] == ':') {
			c->param_names[c->nparams] = arena_strndup(c->a, pat[i].p + 1, pat[i].n - 1);
			c->params[c->nparams] = arena_strndup(c->a, path[i].p, path[i].n);
			c->nparams++;
		}
	}
}

const api_route *router_match(const api_route *routes, int n, api_ctx *c, int *status, int *allowed)
{
	seg path[MAX_SEGMENTS];
	int npath = split(c->path, path, MAX_SEGMENTS);
	const api_route *best = NULL;
	long best_any = -1;
	*allowed = 0;
	if (npath < 0) {
		*status = 404;
		return NULL;
	}
	/* the best-matching path decides; among equal paths, the method (one pass) */
	for (int i = 0; i < n; i++) {
		long s = score(routes[i].pattern, path, npath);
		if (s < 0 || s < best_any)
			continue;
		if (s > best_any) {
			best_any = s;
			*allowed = 0;
			best = NULL;
		}
		*allowed |= routes[i].methods;
		if ((routes[i].methods & c->method) && !best)
			best = &routes[i];
	}
	if (!best) {
		*status = best_any < 0 ? 404 : 405;
		return NULL;
	}
	bind_params(best->pattern, path, c);
	*status = 0;
	return best;
}
