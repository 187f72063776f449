/*
 * fuzz_query.c - a list's query string (filters, sorts, search, paging) on
 * the entity the first byte picks: decoded as libmicrohttpd does, parsed by
 * list_query_parse and run by record_list against the database.
 * A 500 is a bug: the parser let through what the SQL could not take.
 */
#include "fuzz.h"
#include "split.h"
#include "../../src/core/entity.h"
#include "../../src/core/record.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	fuzz_engine *f = fuzz_engine_get();
	const entity_def *e = entity_at(data[0] % entity_count());
	char *qs = malloc(size);
	memcpy(qs, data + 1, size - 1);
	qs[size - 1] = '\0';
	query_arg args[FUZZ_MAX_ARGS];
	int n = fuzz_split_query(qs, args);
	ent_op op = { .db = f->d, .who = f->admin };
	json_t *out = record_list(&op, e, args, n);
	if (!out && op.err.status >= 500) {
		fprintf(stderr, "list %s: %d %s %s\n", e->name, op.err.status, op.err.code, op.err.message);
		abort();
	}
	json_decref(out);
	ent_error_clear(&op.err);
	free(qs);
	return 0;
}
