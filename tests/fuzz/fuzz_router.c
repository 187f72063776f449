/*
 * fuzz_router.c - a request's path (percent-decoded by MHD_http_unescape, as
 * libmicrohttpd does before the server sees it) through router_match over the
 * real route table, then the path parameters as api_param_id reads them.
 */
#include "fuzz.h"
#include "../../src/api/api.h"
#include "../../src/http/router.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	char *path = malloc(size);
	memcpy(path, data + 1, size - 1);
	path[size - 1] = '\0';
	MHD_http_unescape(path);
	arena a = { 0 };
	api_ctx c = { .a = &a, .path = path, .method = 1 << (data[0] % 6) };
	int status = 0, allowed = 0;
	const api_route *r = router_match(api_routes, api_routes_count, &c, &status, &allowed);
	if (r) {
		for (int i = 0; i < c.nparams; i++)
			if (!strcmp(c.param_names[i], "id"))
				(void)api_param_id(&c, "id");
	} else if (status != 404 && status != 405) {
		abort();
	}
	buf_free(&c.out);
	arena_free(&a);
	free(path);
	return 0;
}
