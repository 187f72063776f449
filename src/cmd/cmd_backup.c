/*
 * cmd_backup.c - `rapport backup --data DIR OUT_FILE` and
 * `rapport restore --data DIR IN_FILE` (see core/backup.h for the file).
 *
 * Restore never touches the current data until the new data is complete and
 * checked: the backup is verified and unpacked into DIR/.restore-PID, the
 * database is rebuilt and checked there, and only then swapped in (SQLite:
 * renames within DIR; the previous files are kept in DIR/restore-previous-TIME/;
 * PostgreSQL: everything replaced in one transaction).  Restore a SQLite
 * folder with the server stopped.
 */
#include "cmd.h"
#include "../core/backup.h"
#include "../core/dump.h"
#include "../db/db.h"
#include "../db/db_backup.h"
#include "../db/migrate.h"
#include "../util/clock.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cmd_backup(const cmd_opts *o)
{
	if (cmd_open_data(o, false))
		return 1;
	char err[512];
	json_t *info = NULL;
	int rc = backup_write(db_thread(), o->data, o->args[0], &info, err, sizeof(err));
	db_thread_close();
	if (rc) {
		fprintf(stderr, "rapport: backup failed: %s\n", err);
		return 1;
	}
	printf("wrote %s: %lld bytes, %s, sha256 %s, %lld ms\n", o->args[0],
	       (long long)json_integer_value(json_object_get(info, "size")),
	       json_string_value(json_object_get(info, "backend")),
	       json_string_value(json_object_get(info, "sha256")),
	       (long long)json_integer_value(json_object_get(info, "duration_ms")));
	json_decref(info);
	return 0;
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		unlink(dir);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char path[4096];
		struct stat st;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int refuse(const char *in, const char *why)
{
	fprintf(stderr, "rapport: cannot restore %s: %s; nothing was changed\n", in, why);
	return 1;
}

/* dir/name into out (4096 bytes) */
static const char *path_in(char out[4096], const char *dir, const char *name)
{
	if (snprintf(out, 4096, "%s/%s", dir, name) >= 4096)
		out[0] = '\0';
	return out;
}

static bool exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

/* The unpacked backup as a SQLite database tmp/rapport.db, brought up to this
 * version's schema and checked. */
static int build_sqlite(const char *tmp, const char *backend, const char *in)
{
	char a[4096], b[4096], err[512];
	cmd_opts t = { .data = tmp };
	if (!strcmp(backend, "sqlite")) {
		if (rename(path_in(a, tmp, "database/rapport.db"), path_in(b, tmp, "rapport.db")))
			return refuse(in, "the backup holds no database");
		if (cmd_open_data(&t, false))
			return refuse(in, "its database does not open with this version");
	} else {
		FILE *f = fopen(path_in(a, tmp, "database/dump.jsonl"), "r");
		if (!f)
			return refuse(in, "the backup holds no database");
		int rc = cmd_open_data(&t, true) || dump_read(db_thread(), f);
		fclose(f);
		if (rc) {
			db_thread_close();
			return refuse(in, "its records do not load (see above)");
		}
	}
	db_thread_close();
	if (db_sqlite_integrity(path_in(a, tmp, "rapport.db"), err, sizeof(err)))
		return refuse(in, err);
	return 0;
}

/* SQLite: moves the current database and uploads aside, the new ones in. */
static int swap_sqlite(const char *data, const char *tmp)
{
	char prev[4096], stamp[32], a[4096], b[4096];
	clock_format_iso(clock_now_ms(), stamp, sizeof(stamp));
	for (char *p = stamp; *p; p++)
		if (*p == ':' || *p == '.')
			*p = '-';
	snprintf(prev, sizeof(prev), "%s/restore-previous-%.19s-%d", data, stamp, (int)getpid());
	char err[256];
	if (exists(path_in(a, data, "rapport.db")) && db_sqlite_close_out(a, err, sizeof(err))) {
		fprintf(stderr, "rapport: cannot restore: %s; nothing was changed\n", err);
		return -1;
	}
	bool had = exists(path_in(a, data, "rapport.db")) || exists(path_in(b, data, "uploads"));
	if (had && mkdir(prev, 0700)) {
		fprintf(stderr, "rapport: cannot make %s: %s; nothing was changed\n", prev, strerror(errno));
		return -1;
	}
	static const char *const olds[] = { "rapport.db-wal", "rapport.db-shm", "rapport.db", "uploads" };
	for (size_t i = 0; i < sizeof(olds) / sizeof(olds[0]); i++)
		if (exists(path_in(a, data, olds[i])) && rename(a, path_in(b, prev, olds[i]))) {
			fprintf(stderr, "rapport: cannot move %s aside: %s\n", a, strerror(errno));
			return -1;
		}
	if (rename(path_in(a, tmp, "rapport.db"), path_in(b, data, "rapport.db")) ||
	    (exists(path_in(a, tmp, "uploads")) && rename(path_in(a, tmp, "uploads"), path_in(b, data, "uploads")))) {
		fprintf(stderr, "rapport: cannot move the restored data in: %s (the previous data is in %s)\n",
			strerror(errno), prev);
		return -1;
	}
	if (had)
		printf("the previous data is kept in %s\n", prev);
	return 0;
}

/* PostgreSQL: the backup as a portable dump (converting a SQLite backup),
 * then everything replaced in one transaction. */
static int restore_postgres(const cmd_opts *o, const char *tmp, const char *backend)
{
	const char *in = o->args[0];
	char a[4096], b[4096];
	if (!strcmp(backend, "sqlite")) {
		/* open the SQLite copy as a data folder of its own, and dump it */
		char *url = strdup(getenv("RAPPORT_DATABASE_URL"));
		unsetenv("RAPPORT_DATABASE_URL");
		cmd_opts t = { .data = tmp };
		rename(path_in(a, tmp, "database/rapport.db"), path_in(b, tmp, "rapport.db"));
		int rc = cmd_open_data(&t, false);
		FILE *f = rc ? NULL : fopen(path_in(a, tmp, "database/dump.jsonl"), "w");
		if (!f || dump_write(db_thread(), f))
			rc = -1;
		if (f && fclose(f))
			rc = -1;
		db_thread_close();
		setenv("RAPPORT_DATABASE_URL", url, 1);
		free(url);
		if (rc)
			return refuse(in, "its database cannot be read (see above)");
	}
	FILE *f = fopen(path_in(a, tmp, "database/dump.jsonl"), "r");
	if (!f)
		return refuse(in, "the backup holds no database");
	if (cmd_open_data(o, true)) {
		fclose(f);
		return refuse(in, "the database is unreachable");
	}
	int rc = dump_read_replace(db_thread(), f);
	fclose(f);
	db_thread_close();
	return rc ? refuse(in, "its records do not load (see above)") : 0;
}

int cmd_restore(const cmd_opts *o)
{
	const char *in = o->args[0];
	struct stat st;
	if (stat(o->data, &st) && mkdir(o->data, 0700)) {
		fprintf(stderr, "rapport: cannot use data folder %s: %s\n", o->data, strerror(errno));
		return 1;
	}
	char tmp[4096], err[512];
	snprintf(tmp, sizeof(tmp), "%s/.restore-%d", o->data, (int)getpid());
	remove_tree(tmp);
	if (mkdir(tmp, 0700)) {
		fprintf(stderr, "rapport: cannot write in %s: %s\n", o->data, strerror(errno));
		return 1;
	}
	json_t *info = NULL;
	int rc = 1;
	if (backup_read(in, tmp, &info, err, sizeof(err))) {
		rc = refuse(in, err);
		goto out;
	}
	const char *backend = json_string_value(json_object_get(info, "backend"));
	int schema = (int)json_integer_value(json_object_get(info, "schema_version"));
	if (!backend || (strcmp(backend, "sqlite") && strcmp(backend, "postgres"))) {
		rc = refuse(in, "it names an unknown database kind");
		goto out;
	}
	if (schema > migrations[migrations_count - 1].version) {
		rc = refuse(in, "it comes from a newer Rapport; upgrade first");
		goto out;
	}
	const char *url = getenv("RAPPORT_DATABASE_URL");
	if (url && *url) {
		rc = restore_postgres(o, tmp, backend);
		if (!rc) {
			/* uploads: the folder on this machine is replaced as on SQLite */
			char a[4096], b[4096];
			if (exists(path_in(a, tmp, "uploads"))) {
				remove_tree(path_in(b, o->data, "uploads.previous"));
				if (exists(path_in(b, o->data, "uploads")))
					rename(b, path_in(a, o->data, "uploads.previous"));
				rename(path_in(a, tmp, "uploads"), path_in(b, o->data, "uploads"));
			}
		}
	} else {
		rc = build_sqlite(tmp, backend, in);
		if (!rc && swap_sqlite(o->data, tmp))
			rc = 1;
	}
	if (!rc)
		printf("restored %s (%s backup of %s, schema %d) into %s\n", in, backend,
		       json_string_value(json_object_get(info, "created_at")), schema, o->data);
out:
	json_decref(info);
	remove_tree(tmp);
	return rc;
}
