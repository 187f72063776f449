/*
 * fuzz_record.c - a request body through the entity engine: JSON parsing as
 * api_body_object does it, then record_create (validation of every field
 * type, references, duplicates, hooks, search index) on the entity the first
 * byte picks, and record_update of that entity's first record.
 * A 500 is a bug too: the engine accepted something the database refused.
 */
#include "fuzz.h"
#include "../../src/core/entity.h"
#include "../../src/core/record.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	fuzz_engine *f = fuzz_engine_get();
	const entity_def *e = entity_at(data[0] % entity_count());
	bool update = data[1] & 1;
	json_error_t jerr;
	json_t *body = json_loadb((const char *)data + 2, size - 2, JSON_REJECT_DUPLICATES, &jerr);
	if (!body || !json_is_object(body)) {
		json_decref(body);
		return 0;
	}
	ent_op op = { .db = f->d, .who = f->admin };
	json_t *out;
	if (update) {
		json_t *cur = record_load(&op, e, 1, false);
		ent_error_clear(&op.err);
		if (cur && !json_object_get(body, "version"))
			json_object_set(body, "version", json_object_get(cur, "version"));
		json_decref(cur);
		out = record_update(&op, e, 1, body);
	} else {
		out = record_create(&op, e, body);
	}
	if (!out && op.err.status >= 500) {
		fprintf(stderr, "%s %s: %d %s %s\n", update ? "update" : "create", e->name, op.err.status,
			op.err.code, op.err.message);
		abort();
	}
	json_decref(out);
	ent_error_clear(&op.err);
	json_decref(body);
	return 0;
}
