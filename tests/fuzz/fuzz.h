/*
 * fuzz.h - what the fuzz targets share.
 *
 * A target is one file tests/fuzz/fuzz_NAME.c defining LLVMFuzzerTestOneInput
 * (and nothing else the others define), plus a seed corpus folder
 * tests/fuzz/corpus/NAME/.  tests/fuzz/fuzz.mk picks both up by their names:
 * `make fuzz` builds it with clang -fsanitize=fuzzer,address,undefined and
 * runs it; `make test-fuzz` (part of make test) builds it with the normal
 * compiler and replay.c as main, and feeds it every corpus file once.
 *
 * A target must not keep state that makes a run depend on the inputs before
 * it, except caches (fuzz_engine's database grows; that is fine).
 */
#ifndef RAPPORT_FUZZ_H
#define RAPPORT_FUZZ_H

#include "../../src/core/auth.h"
#include "../../src/db/db.h"
#include "../../src/util/arena.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_engine {
	db *d;
	auth_session *admin;     /* the admin user, permissions loaded */
	arena a;                 /* lives as long as the process */
} fuzz_engine;

/* The entity engine on a temporary SQLite database (created on the first
 * call, removed at exit): schema, roles and the admin user in place. */
fuzz_engine *fuzz_engine_get(void);

#endif
