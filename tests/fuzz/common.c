/* common.c - the engine the database-backed fuzz targets run against (fuzz.h). */
#include "fuzz.h"
#include "../../src/cmd/cmd.h"
#include "../../src/core/acl.h"
#include "../../src/util/log.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];
static fuzz_engine engine;
static int ready;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	db_thread_close();
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

fuzz_engine *fuzz_engine_get(void)
{
	if (ready)
		return &engine;
	log_verbose = 0;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/rapport-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		abort();
	}
	atexit(cleanup);
	unsetenv("RAPPORT_DATABASE_URL");
	cmd_opts o = { .data = dir };
	if (cmd_open_data(&o, true))
		abort();
	engine.d = db_thread();
	/* speed over durability: nothing here needs to survive */
	db_exec(engine.d, "PRAGMA synchronous=OFF");
	int64_t id = auth_create_user(engine.d, "admin", "Administrator", "fuzz-password-1", "[\"admin\"]");
	if (id <= 0)
		abort();
	engine.admin = arena_alloc(&engine.a, sizeof(*engine.admin));
	memset(engine.admin, 0, sizeof(*engine.admin));
	engine.admin->user.id = id;
	snprintf(engine.admin->user.username, sizeof(engine.admin->user.username), "admin");
	snprintf(engine.admin->user.roles, sizeof(engine.admin->user.roles), "[\"admin\"]");
	if (acl_load(engine.d, engine.admin, &engine.a))
		abort();
	ready = 1;
	return &engine;
}
