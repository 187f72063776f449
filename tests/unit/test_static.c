/* test_static.c - static_find: the embedded file, the HTML shell for client routes, NULL for missing assets, no way out of the table. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../src/http/static.h"
#include "../../src/util/log.h"

static void quiet(void)
{
	log_verbose = 0;
}

TestSuite(static_find, .init = quiet);

static bool in_table(const asset *a)
{
	for (int i = 0; i < assets_count; i++)
		if (a == &assets[i])
			return true;
	return false;
}

Test(static_find, root_is_the_shell)
{
	const asset *a = static_find("/");
	cr_assert_not_null(a);
	cr_assert_str_eq(a->path, "/index.html");
}

Test(static_find, index_html_itself)
{
	const asset *a = static_find("/index.html");
	cr_assert_not_null(a);
	cr_assert_str_eq(a->path, "/index.html");
}

Test(static_find, an_existing_asset_is_served_as_itself)
{
	const asset *a = static_find("/assets/app-abc123.js");
	cr_assert_not_null(a);
	cr_assert_str_eq(a->path, "/assets/app-abc123.js");
	cr_assert(a->immutable);
	cr_assert_not_null(strstr(a->mime, "javascript"));
}

Test(static_find, client_routes_get_the_shell)
{
	const char *routes[] = { "/customers", "/customers/7", "/login", "/settings/users/3/edit",
				 "/favicon.ico", "/index.htm" };
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const asset *a = static_find(routes[i]);
		cr_assert_not_null(a, "%s", routes[i]);
		cr_assert_str_eq(a->path, "/index.html", "%s", routes[i]);
	}
}

Test(static_find, a_missing_file_under_assets_is_null)
{
	cr_assert_null(static_find("/assets/x.js"));
	cr_assert_null(static_find("/assets/app-abc124.js"));
	cr_assert_null(static_find("/assets/"));
	cr_assert_null(static_find("/assets/../index.html"));
}

Test(static_find, traversal_never_leaves_the_table)
{
	const char *bad[] = { "/../etc/passwd", "/..", "/../../../../etc/passwd", "/%2e%2e/etc/passwd",
			      "/./index.html", "//etc/passwd", "/etc/passwd", "/assets/../../etc/passwd",
			      "/assets/..%2f..%2fetc%2fpasswd", "/\\..\\..\\etc\\passwd" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const asset *a = static_find(bad[i]);
		if (!a)
			continue; /* a 404 is fine */
		cr_assert(in_table(a), "%s", bad[i]);
		cr_assert_str_eq(a->path, "/index.html", "%s gave %s", bad[i], a->path);
	}
	/* the ones outside /assets/ are client routes: the shell, not a 404 */
	cr_assert_not_null(static_find("/../etc/passwd"));
	cr_assert_str_eq(static_find("/../etc/passwd")->path, "/index.html");
}

Test(static_find, the_path_must_match_exactly)
{
	/* no prefix, suffix or case tricks reach the script */
	cr_assert_null(static_find("/assets/app-abc123.js/"));
	cr_assert_null(static_find("/assets/APP-ABC123.JS"));
	cr_assert_null(static_find("/assets/app-abc123.js?x=1"));
	cr_assert_str_eq(static_find("/app-abc123.js")->path, "/index.html");
}
