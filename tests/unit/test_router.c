/* test_router.c - router_match: literal segments beat parameters, parameters bound, 404 vs 405 with the allowed methods, odd paths. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../src/api/handlers.h"
#include "../../src/http/router.h"
#include "../../src/util/log.h"

static int h_health(api_ctx *c) { (void)c; return 1; }
static int h_convert(api_ctx *c) { (void)c; return 2; }
static int h_list(api_ctx *c) { (void)c; return 3; }
static int h_create(api_ctx *c) { (void)c; return 4; }
static int h_record(api_ctx *c) { (void)c; return 5; }
static int h_delete(api_ctx *c) { (void)c; return 6; }
static int h_related(api_ctx *c) { (void)c; return 7; }
static int h_restore(api_ctx *c) { (void)c; return 8; }
static int h_deep(api_ctx *c) { (void)c; return 9; }
static int h_share(api_ctx *c) { (void)c; return 10; }

/* the specific routes first ... */
static const api_route table[] = {
	{ API_GET, "/api/health", h_health, ROUTE_PUBLIC },
	{ API_POST, "/api/leads/:id/convert", h_convert, 0 },
	{ API_GET, "/api/:entity", h_list, 0 },
	{ API_POST, "/api/:entity", h_create, 0 },
	{ API_GET | API_PATCH, "/api/:entity/:id", h_record, 0 },
	{ API_DELETE, "/api/:entity/:id", h_delete, 0 },
	{ API_GET, "/api/:entity/:id/:rel", h_related, 0 },
	{ API_POST, "/api/:entity/:id/restore", h_restore, 0 },
	{ API_DELETE, "/api/:entity/:id/shares/:user_id", h_share, 0 },
	{ API_GET, "/a/b/c/d/e/f/g/h/i/j/k/l", h_deep, 0 }, /* 12 segments, the most a path may have */
};
static const int table_n = (int)(sizeof(table) / sizeof(table[0]));

/* ... and the same routes with the generic ones first: the answer must not change */
static const api_route reversed[] = {
	{ API_GET, "/api/:entity/:id/:rel", h_related, 0 },
	{ API_DELETE, "/api/:entity/:id/shares/:user_id", h_share, 0 },
	{ API_DELETE, "/api/:entity/:id", h_delete, 0 },
	{ API_GET | API_PATCH, "/api/:entity/:id", h_record, 0 },
	{ API_POST, "/api/:entity", h_create, 0 },
	{ API_GET, "/api/:entity", h_list, 0 },
	{ API_POST, "/api/:entity/:id/restore", h_restore, 0 },
	{ API_POST, "/api/leads/:id/convert", h_convert, 0 },
	{ API_GET, "/api/health", h_health, ROUTE_PUBLIC },
};
static const int reversed_n = (int)(sizeof(reversed) / sizeof(reversed[0]));

static arena a;
static api_ctx c;

static void setup(void)
{
	log_verbose = 0;
	memset(&c, 0, sizeof(c));
	c.a = &a;
}

static void teardown(void)
{
	buf_free(&c.out);
	arena_free(&a);
}

TestSuite(router, .init = setup, .fini = teardown);

static const api_route *match_in(const api_route *routes, int n, int method, const char *path, int *status,
				 int *allowed)
{
	c.method = method;
	c.path = path;
	c.nparams = 0;
	*status = -1;
	*allowed = -1;
	return router_match(routes, n, &c, status, allowed);
}

static const api_route *match(int method, const char *path, int *status, int *allowed)
{
	return match_in(table, table_n, method, path, status, allowed);
}

static void expect_status(int method, const char *path, int want_status)
{
	int status, allowed;
	const api_route *r = match(method, path, &status, &allowed);
	cr_assert_null(r, "%s matched %s", path, r ? r->pattern : "");
	cr_assert_eq(status, want_status, "%s: status %d, want %d", path, status, want_status);
}

Test(router, a_literal_route)
{
	int status, allowed;
	const api_route *r = match(API_GET, "/api/health", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(r->fn, h_health);
	cr_assert_eq(status, 0);
	cr_assert_eq(c.nparams, 0);
}

Test(router, literal_segments_beat_parameters_in_either_order)
{
	const api_route *tables[] = { table, reversed };
	const int sizes[] = { table_n, reversed_n };
	for (int t = 0; t < 2; t++) {
		int status, allowed;
		const api_route *r = match_in(tables[t], sizes[t], API_POST, "/api/leads/42/convert", &status, &allowed);
		cr_assert_not_null(r, "table %d", t);
		cr_assert_eq(r->fn, h_convert, "table %d chose %s", t, r->pattern);
		cr_assert_str_eq(api_param(&c, "id"), "42");
		cr_assert_null(api_param(&c, "entity"));

		r = match_in(tables[t], sizes[t], API_POST, "/api/customers/7/restore", &status, &allowed);
		cr_assert_not_null(r);
		cr_assert_eq(r->fn, h_restore, "table %d chose %s", t, r->pattern);

		r = match_in(tables[t], sizes[t], API_GET, "/api/health", &status, &allowed);
		cr_assert_not_null(r);
		cr_assert_eq(r->fn, h_health, "table %d chose %s", t, r->pattern);
	}
}

Test(router, parameters_are_bound_by_name)
{
	int status, allowed;
	const api_route *r = match(API_GET, "/api/customers/7/contacts", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(r->fn, h_related);
	cr_assert_eq(c.nparams, 3);
	cr_assert_str_eq(api_param(&c, "entity"), "customers");
	cr_assert_str_eq(api_param(&c, "id"), "7");
	cr_assert_str_eq(api_param(&c, "rel"), "contacts");
	cr_assert_null(api_param(&c, "relation"));

	r = match(API_DELETE, "/api/customers/7/shares/19", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(r->fn, h_share);
	cr_assert_str_eq(api_param(&c, "user_id"), "19");

	/* a parameter takes any one segment, even one that is not a number */
	r = match(API_GET, "/api/客户/abc", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(r->fn, h_record);
	cr_assert_str_eq(api_param(&c, "entity"), "客户");
	cr_assert_str_eq(api_param(&c, "id"), "abc");
}

Test(router, one_pattern_with_several_methods)
{
	int status, allowed;
	const api_route *r = match(API_PATCH, "/api/customers/7", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(r->fn, h_record);
	r = match(API_DELETE, "/api/customers/7", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(r->fn, h_delete);
	r = match(API_GET, "/api/customers", &status, &allowed);
	cr_assert_eq(r->fn, h_list);
	r = match(API_POST, "/api/customers", &status, &allowed);
	cr_assert_eq(r->fn, h_create);
}

Test(router, no_path_matches_is_404)
{
	expect_status(API_GET, "/api/a/b/c/d/e", 404);
	expect_status(API_GET, "/nothing", 404);
	expect_status(API_GET, "/api", 404);
	expect_status(API_POST, "/api/a/b/c/d/e/f", 404);
}

Test(router, path_matches_method_does_not_is_405_with_allowed_set)
{
	int status, allowed;
	const api_route *r = match(API_DELETE, "/api/health", &status, &allowed);
	cr_assert_null(r);
	cr_assert_eq(status, 405);
	cr_assert_eq(allowed, API_GET);

	r = match(API_PUT, "/api/customers/7", &status, &allowed);
	cr_assert_null(r);
	cr_assert_eq(status, 405);
	cr_assert_eq(allowed, API_GET | API_PATCH | API_DELETE);

	r = match(API_DELETE, "/api/customers", &status, &allowed);
	cr_assert_eq(status, 405);
	cr_assert_eq(allowed, API_GET | API_POST);

	/* an unknown method (0) never matches, but the path does */
	r = match(0, "/api/customers", &status, &allowed);
	cr_assert_null(r);
	cr_assert_eq(status, 405);
	cr_assert_eq(allowed, API_GET | API_POST);
}

Test(router, the_best_matching_path_decides_the_allowed_methods)
{
	/* /api/leads/:id/convert is the better match for this path, so GET is
	 * not allowed here even though /api/:entity/:id/:rel takes GET */
	int status, allowed;
	const api_route *r = match(API_GET, "/api/leads/42/convert", &status, &allowed);
	cr_assert_null(r);
	cr_assert_eq(status, 405);
	cr_assert_eq(allowed, API_POST);
	/* the literal only wins where it matches: other relations of leads are generic */
	r = match(API_GET, "/api/leads/42/activities", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(r->fn, h_related);
}

Test(router, trailing_slash_is_a_different_path)
{
	expect_status(API_GET, "/api/health/", 404);
	/* "/api/customers/" has an empty third segment, which a parameter does not take */
	expect_status(API_GET, "/api/customers/", 404);
	expect_status(API_POST, "/api/leads/42/convert/", 404);
}

Test(router, empty_segments_never_fill_a_parameter)
{
	expect_status(API_GET, "/api//health", 404);
	expect_status(API_GET, "/api//7", 404);
	expect_status(API_GET, "/api/customers//contacts", 404);
	expect_status(API_POST, "/api/leads//convert", 404);
	expect_status(API_GET, "//api/health", 404);
	expect_status(API_GET, "/", 404);
}

Test(router, a_path_must_start_with_a_slash)
{
	expect_status(API_GET, "api/health", 404);
	expect_status(API_GET, "", 404);
}

Test(router, twelve_segments_match_thirteen_are_refused)
{
	int status, allowed;
	const api_route *r = match(API_GET, "/a/b/c/d/e/f/g/h/i/j/k/l", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(r->fn, h_deep);
	expect_status(API_GET, "/a/b/c/d/e/f/g/h/i/j/k/l/m", 404);
	expect_status(API_GET, "/a/b/c/d/e/f/g/h/i/j/k/l/", 404);
	/* very long paths are refused without reading past the limit */
	char longpath[4096] = "";
	size_t n = 0;
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(longpath + n, sizeof(longpath) - n, "/x");
	expect_status(API_GET, longpath, 404);
}

Test(router, parameter_values_are_copies_in_the_arena)
{
	char path[] = "/api/customers/7/contacts";
	int status, allowed;
	const api_route *r = match(API_GET, path, &status, &allowed);
	cr_assert_not_null(r);
	memset(path, 'x', sizeof(path) - 1);
	cr_assert_str_eq(api_param(&c, "entity"), "customers");
	cr_assert_str_eq(api_param(&c, "rel"), "contacts");
}

/* The real table of routes.c: the special actions reach their handlers. */
Test(router, the_real_route_table)
{
	int status, allowed;
	const api_route *r = match_in(api_routes, api_routes_count, API_POST, "/api/leads/3/convert", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(r->fn, api_lead_convert);

	r = match_in(api_routes, api_routes_count, API_POST, "/api/customers/3/claim", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(r->fn, api_customer_claim);

	r = match_in(api_routes, api_routes_count, API_GET, "/api/customers/3/contacts", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(r->fn, api_related);
	cr_assert_str_eq(api_param(&c, "relation"), "contacts");

	r = match_in(api_routes, api_routes_count, API_GET, "/api/customers/3/history", &status, &allowed);
	cr_assert_eq(r->fn, api_history);

	r = match_in(api_routes, api_routes_count, API_POST, "/api/auth/login", &status, &allowed);
	cr_assert_eq(r->fn, api_login);
	cr_assert(r->flags & ROUTE_PUBLIC);
	cr_assert(r->flags & ROUTE_SLOW);

	r = match_in(api_routes, api_routes_count, API_GET, "/api/health", &status, &allowed);
	cr_assert_eq(r->fn, api_health);
	cr_assert(r->flags & ROUTE_PUBLIC);

	r = match_in(api_routes, api_routes_count, API_GET, "/api/auth/logout", &status, &allowed);
	cr_assert_null(r);
	cr_assert_eq(status, 405);
	cr_assert_eq(allowed, API_POST);

	/* only health, login and the one-click links (whose token is the credential) need no login */
	for (int i = 0; i < api_routes_count; i++)
		if (api_routes[i].flags & ROUTE_PUBLIC)
			cr_assert(!strcmp(api_routes[i].pattern, "/api/health") ||
					  !strcmp(api_routes[i].pattern, "/api/auth/login") ||
					  !strcmp(api_routes[i].pattern, "/api/links/:token"),
				  "%s is public", api_routes[i].pattern);
}

/* The server's own table is split once and kept; a copy of it (any other table) is split on
 * each call.  Both must give the same route, status, allowed methods and parameters. */
Test(router, the_kept_table_matches_like_a_fresh_one)
{
	static api_route copy[512];
	cr_assert(api_routes_count <= 512);
	memcpy(copy, api_routes, sizeof(*copy) * (size_t)api_routes_count);
	const char *paths[] = { "/api/customers/12", "/api/customers/12/claim", "/api/customers/transfer",
				"/api/leads/3/convert", "/api/me", "/api/health", "/api/roles/sales_rep",
				"/api/users/7/password", "/api/customers", "/api/nothing/here/at/all",
				"/api/customers//x", "/api", "/", "/api/quotes/5/revise", "/api/customers/1/contacts" };
	const int methods[] = { API_GET, API_POST, API_PUT, API_PATCH, API_DELETE, 0 };
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		for (size_t m = 0; m < sizeof(methods) / sizeof(*methods); m++) {
			int s1, a1, s2, a2;
			const api_route *r1 = match_in(api_routes, api_routes_count, methods[m], paths[i], &s1, &a1);
			int n1 = c.nparams;
			const char *v1 = n1 ? c.params[0] : NULL, *k1 = n1 ? c.param_names[0] : NULL;
			const api_route *r2 = match_in(copy, api_routes_count, methods[m], paths[i], &s2, &a2);
			cr_assert_eq(r1 ? r1 - api_routes : -1, r2 ? r2 - copy : -1, "%s", paths[i]);
			cr_assert_eq(s1, s2, "%s", paths[i]);
			cr_assert_eq(a1, a2, "%s", paths[i]);
			cr_assert_eq(n1, c.nparams, "%s", paths[i]);
			if (n1) {
				cr_assert_str_eq(v1, c.params[0]);
				cr_assert_str_eq(k1, c.param_names[0]);
			}
		}
	int status, allowed;
	const api_route *r = match_in(api_routes, api_routes_count, API_GET, "/api/customers/42", &status, &allowed);
	cr_assert_not_null(r);
	cr_assert_eq(c.nparams, 2, "entity and id");
}
