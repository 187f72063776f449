/* tmpdb.c - helpers of the unit tests: a fresh SQLite data folder per test (see tmpdb.h). */
#include "tmpdb.h"
#include "../../src/db/migrate.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[PATH_MAX];

const char *tmpdb_dir(void)
{
	return dir;
}

db *tmpdb_open(bool migrate)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/rapport-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp %s", dir);
	unsetenv("RAPPORT_DATABASE_URL");
	cr_assert_eq(db_configure(dir), 0);
	db *d = db_thread();
	cr_assert_not_null(d, "cannot open a database in %s", dir);
	if (migrate)
		cr_assert(migrate_all(d) > 0, "migrations failed: %s", db_errmsg(d));
	return d;
}

void tmpdb_close(void)
{
	db_thread_close();
	if (!dir[0])
		return;
	DIR *dh = opendir(dir);
	if (dh) {
		struct dirent *e;
		while ((e = readdir(dh))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char path[PATH_MAX + 256];
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(dh);
	}
	rmdir(dir);
	dir[0] = '\0';
}

void tmpdb_plan(db *d, const char *sql, char *out, size_t n)
{
	char q[1000];
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	db_stmt *s = db_prepare(d, q);
	cr_assert_not_null(s, "%s", db_errmsg(d));
	out[0] = '\0';
	while (db_step(s) == DB_ROW)
		snprintf(out + strlen(out), n - strlen(out), "%s\n", db_col_text(s, 3));
	db_done(s);
}
