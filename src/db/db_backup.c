/* db_backup.c - see db_backup.h. */
#include "db_backup.h"
#include "db_int.h"

#include <sqlite3.h>
#include <stdio.h>

static int fail(sqlite3 *h, const char *what, char *err, size_t n)
{
	snprintf(err, n, "%s: %s", what, h ? sqlite3_errmsg(h) : "out of memory");
	return -1;
}

int db_sqlite_snapshot(const char *src, const char *dst, char *err, size_t n)
{
	sqlite3 *from = NULL, *to = NULL;
	int rc = -1;
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(from, "cannot open the database", err, n);
		goto out;
	}
	sqlite3_busy_timeout(from, 10000);
	if (sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		fail(to, "cannot create the copy", err, n);
		goto out;
	}
	sqlite3_busy_timeout(to, 10000);
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	if (!b) {
		fail(to, "cannot start the copy", err, n);
		goto out;
	}
	/* all pages in one step: one read transaction, so one consistent snapshot;
	 * in WAL mode the writers are not blocked by it */
	int step;
	do
		step = sqlite3_backup_step(b, -1);
	while (step == SQLITE_BUSY || step == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE) {
		snprintf(err, n, "copy failed: %s", sqlite3_errstr(step));
		goto out;
	}
	/* one self-contained file: no -wal beside it */
	if (sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		fail(to, "cannot finish the copy", err, n);
		goto out;
	}
	rc = 0;
out:
	sqlite3_close(from);
	if (to && sqlite3_close(to) != SQLITE_OK && !rc)
		rc = fail(to, "cannot close the copy", err, n);
	return rc;
}

static int first_row(void *arg, int ncol, char **vals, char **names)
{
	(void)names;
	char **out = arg;
	if (ncol > 0 && !*out)
		*out = sqlite3_mprintf("%s", vals[0] ? vals[0] : "");
	return 0;
}

int db_sqlite_integrity(const char *path, char *err, size_t n)
{
	sqlite3 *h = NULL;
	char *res = NULL;
	int rc = -1;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(h, "cannot open the database copy", err, n);
		goto out;
	}
	db_sqlite_register_extensions(h);
	if (sqlite3_exec(h, "PRAGMA integrity_check(1)", first_row, &res, NULL) != SQLITE_OK) {
		fail(h, "integrity check failed", err, n);
		goto out;
	}
	if (!res || sqlite3_stricmp(res, "ok")) {
		snprintf(err, n, "integrity check: %s", res ? res : "no answer");
		goto out;
	}
	rc = 0;
out:
	sqlite3_free(res);
	sqlite3_close(h);
	return rc;
}

int db_sqlite_close_out(const char *path, char *err, size_t n)
{
	sqlite3 *h = NULL;
	char *mode = NULL;
	int rc = -1;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(h, "cannot open the current database", err, n);
		goto out;
	}
	sqlite3_busy_timeout(h, 2000);
	/* every connection to a WAL database holds a shared lock: leaving WAL needs them all gone */
	if (sqlite3_exec(h, "PRAGMA journal_mode=DELETE", first_row, &mode, NULL) != SQLITE_OK ||
	    !mode || sqlite3_stricmp(mode, "delete")) {
		snprintf(err, n, "the current database is in use (is rapport serve running on this folder? stop it first)");
		goto out;
	}
	rc = 0;
out:
	sqlite3_free(mode);
	sqlite3_close(h);
	return rc;
}
