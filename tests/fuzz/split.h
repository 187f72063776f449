/*
 * split.h - helpers of the fuzz targets: a query string cut and decoded the
 * way libmicrohttpd hands it to the server (split on '&' and the first '=',
 * then MHD_http_unescape on key and value).
 */
#ifndef RAPPORT_FUZZ_SPLIT_H
#define RAPPORT_FUZZ_SPLIT_H

#include "../../src/core/query.h"
#include "../../src/util/arena.h"

#include <microhttpd.h>
#include <string.h>

#define FUZZ_MAX_ARGS 64

/* Cuts qs (NUL-terminated, modified) into at most FUZZ_MAX_ARGS arguments. */
static inline int fuzz_split_query(char *qs, query_arg *args)
{
	int n = 0;
	char *p = qs;
	while (p && *p && n < FUZZ_MAX_ARGS) {
		char *amp = strchr(p, '&');
		if (amp)
			*amp = '\0';
		char *eq = strchr(p, '=');
		if (eq)
			*eq = '\0';
		MHD_http_unescape(p);
		if (eq)
			MHD_http_unescape(eq + 1);
		args[n].key = p;
		args[n].value = eq ? eq + 1 : NULL;
		n++;
		p = amp ? amp + 1 : NULL;
	}
	return n;
}

#endif
