/* router.c - see router.h. */
#include "router.h"
#include "../util/xalloc.h"

#include <pthread.h>
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

/* A pattern split once: the server's own table is split on first use and
 * kept; any other table (the unit tests') is split on each call. */
typedef struct cpattern {
	int nseg;              /* -1: the pattern never matches */
	seg s[MAX_SEGMENTS];
	bool param[MAX_SEGMENTS];
} cpattern;

static void compile(const api_route *routes, int n, cpattern *out)
{
	for (int i = 0; i < n; i++) {
		out[i].nseg = split(routes[i].pattern, out[i].s, MAX_SEGMENTS);
		for (int k = 0; k < out[i].nseg; k++)
			out[i].param[k] = out[i].s[k].n && out[i].s[k].p[0] == ':';
	}
}

static cpattern *own_table;
static pthread_once_t own_once = PTHREAD_ONCE_INIT;

static void compile_own(void)
{
	own_table = xmalloc(sizeof(*own_table) * (size_t)(api_routes_count ? api_routes_count : 1));
	compile(api_routes, api_routes_count, own_table);
}

/* Score of a pattern against the path segments, or -1 when it does not match.
 * A literal segment at position i is worth more than any later ones. */
static long score(const cpattern *pat, const seg *path, int npath)
{
	if (pat->nseg != npath)
		return -1;
	long s = 0;
	for (int i = 0; i < npath; i++) {
		if (pat->param[i]) {
			if (path[i].n == 0)
				return -1;
		} else if (pat->s[i].n != path[i].n || memcmp(pat->s[i].p, path[i].p, path[i].n)) {
			return -1;
		} else {
			s |= 1L << (MAX_SEGMENTS - i);
		}
	}
	return s;
}

static void bind_params(const cpattern *pat, const seg *path, api_ctx *c)
{
	c->nparams = 0;
	for (int i = 0; i < pat->nseg && c->nparams < API_MAX_PARAMS; i++) {
		if (pat->param[i]) {
			c->param_names[c->nparams] = arena_strndup(c->a, pat->s[i].p + 1, pat->s[i].n - 1);
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
	const cpattern *best_pat = NULL;
	long best_any = -1;
	*allowed = 0;
	if (npath < 0) {
		*status = 404;
		return NULL;
	}
	cpattern *pats;
	if (routes == api_routes && n == api_routes_count) {
		pthread_once(&own_once, compile_own);
		pats = own_table;
	} else {
		pats = arena_alloc(c->a, sizeof(*pats) * (size_t)(n ? n : 1));
		compile(routes, n, pats);
	}
	/* the best-matching path decides; among equal paths, the method (one pass) */
	for (int i = 0; i < n; i++) {
		long s = score(&pats[i], path, npath);
		if (s < 0 || s < best_any)
			continue;
		if (s > best_any) {
			best_any = s;
			*allowed = 0;
			best = NULL;
		}
		*allowed |= routes[i].methods;
		if ((routes[i].methods & c->method) && !best) {
			best = &routes[i];
			best_pat = &pats[i];
		}
	}
	if (!best) {
		*status = best_any < 0 ? 404 : 405;
		return NULL;
	}
	bind_params(best_pat, path, c);
	*status = 0;
	return best;
}
