/* test_backup.c - the backup file (core/backup.h) on a fresh SQLite database:
 * a round trip restores the database and uploads byte for byte; every flipped
 * byte and every truncation is refused, as are foreign files; the retention
 * keeps N daily and M weekly "auto" backups and never a manual one. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/core/backup.h"
#include "../../src/util/datadir.h"
#include "../../src/util/log.h"
#include "tmpdb.h"

static db *d;
static char out[4200], extract[4200];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	cr_assert(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static char *read_all(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert(f, "%s", path);
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)*len + 1);
	cr_assert_eq(fread(b, 1, (size_t)*len, f), (size_t)*len);
	fclose(f);
	return b;
}

static void setup(void)
{
	log_verbose = 0;
	d = tmpdb_open(true);
	cr_assert(d);
	cr_assert_eq(db_exec(d, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);"
			       "INSERT INTO notes(body) VALUES ('北京华夏'), ('second');"), 0);
	char p[4200];
	snprintf(p, sizeof(p), "%s/uploads", tmpdb_dir());
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/uploads/ab", tmpdb_dir());
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/uploads/ab/合同.pdf", tmpdb_dir());
	write_file(p, "%PDF-1.4 not really\n");
	snprintf(p, sizeof(p), "%s/uploads/top.txt", tmpdb_dir());
	write_file(p, "");
	snprintf(out, sizeof(out), "%s/test.rbk", tmpdb_dir());
	snprintf(extract, sizeof(extract), "%s/extract", tmpdb_dir());
	char err[512];
	json_t *info = NULL;
	cr_assert_eq(backup_write(d, tmpdb_dir(), out, &info, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(json_string_value(json_object_get(info, "backend")), "sqlite");
	cr_assert_eq(json_array_size(json_object_get(info, "parts")), 3, "database and two uploads");
	json_decref(info);
}

static void teardown(void)
{
	tmpdb_close();
}

TestSuite(backup, .init = setup, .fini = teardown);

Test(backup, round_trip)
{
	char err[512], p[4300];
	json_t *info = NULL;
	mkdir(extract, 0700);
	cr_assert_eq(backup_read(out, extract, &info, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(json_string_value(json_object_get(info, "format")), "rapport-backup");
	cr_assert_eq(json_integer_value(json_object_get(info, "format_version")), BACKUP_FORMAT_VERSION);
	char hex[65];
	long long size;
	cr_assert_eq(backup_file_sha256(out, hex, &size), 0);
	cr_assert_str_eq(json_string_value(json_object_get(info, "sha256")), hex, "the whole file's checksum");
	cr_assert_eq(json_integer_value(json_object_get(info, "size")), size);
	json_decref(info);
	long n;
	snprintf(p, sizeof(p), "%s/uploads/ab/合同.pdf", extract);
	char *b = read_all(p, &n);
	cr_assert_eq(n, 20);
	cr_assert_eq(memcmp(b, "%PDF-1.4 not really\n", 20), 0);
	free(b);
	snprintf(p, sizeof(p), "%s/uploads/top.txt", extract);
	free(read_all(p, &n));
	cr_assert_eq(n, 0);
	/* the database copy opens and holds the rows */
	snprintf(p, sizeof(p), "%s/database/rapport.db", extract);
	db *copy = NULL;
	cr_assert_eq(db_open_sqlite(&copy, p), 0);
	cr_assert_eq(db_query_int(copy, "SELECT count(*) FROM notes", -1), 2);
	db_close(copy);
}

Test(backup, every_flipped_byte_is_refused)
{
	long n;
	char *orig = read_all(out, &n);
	char bad[4300], err[512];
	snprintf(bad, sizeof(bad), "%s/bad.rbk", tmpdb_dir());
	int tried = 0;
	for (long at = 0; at < n; at += (at < 4096 || at > n - 4096) ? 7 : 997) {
		orig[at] ^= 0x20;
		FILE *f = fopen(bad, "wb");
		fwrite(orig, 1, (size_t)n, f);
		fclose(f);
		orig[at] ^= 0x20;
		err[0] = '\0';
		cr_assert_neq(backup_read(bad, NULL, NULL, err, sizeof(err)), 0, "a flip at byte %ld of %ld passed", at, n);
		cr_assert(strstr(err, "damaged") || strstr(err, "not a Rapport backup"), "byte %ld: %s", at, err);
		tried++;
	}
	cr_assert_gt(tried, 100);
	free(orig);
}

Test(backup, every_truncation_is_refused)
{
	long n;
	char *orig = read_all(out, &n);
	char bad[4300], err[512];
	snprintf(bad, sizeof(bad), "%s/bad.rbk", tmpdb_dir());
	for (long len = 0; len < n; len += len < 2048 || len > n - 2048 ? 61 : 4093) {
		FILE *f = fopen(bad, "wb");
		fwrite(orig, 1, (size_t)len, f);
		fclose(f);
		cr_assert_neq(backup_read(bad, NULL, NULL, err, sizeof(err)), 0, "cut to %ld of %ld bytes passed", len, n);
	}
	/* zero padding after the end, as tar tools add, is fine; anything else is not */
	FILE *f = fopen(bad, "wb");
	fwrite(orig, 1, (size_t)n, f);
	static const char zeros[10240];
	fwrite(zeros, 1, sizeof(zeros), f);
	fclose(f);
	cr_assert_eq(backup_read(bad, NULL, NULL, err, sizeof(err)), 0, "%s", err);
	f = fopen(bad, "ab");
	fputs("more", f);
	fclose(f);
	cr_assert_neq(backup_read(bad, NULL, NULL, err, sizeof(err)), 0);
	free(orig);
}

Test(backup, foreign_files_are_refused)
{
	char bad[4300], err[512];
	snprintf(bad, sizeof(bad), "%s/foreign.rbk", tmpdb_dir());
	write_file(bad, "name,phone\n华夏,010\n");
	cr_assert_neq(backup_read(bad, NULL, NULL, err, sizeof(err)), 0);
	cr_assert(strstr(err, "not a Rapport backup"), "%s", err);
	write_file(bad, "");
	cr_assert_neq(backup_read(bad, NULL, NULL, err, sizeof(err)), 0);
	cr_assert(strstr(err, "not a Rapport backup"), "%s", err);
	snprintf(bad, sizeof(bad), "%s/missing.rbk", tmpdb_dir());
	cr_assert_neq(backup_read(bad, NULL, NULL, err, sizeof(err)), 0);
}

static void touch_backup(const char *dir, const char *name)
{
	char p[4400];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	write_file(p, "x");
}

Test(backup, retention_keeps_daily_and_weekly_autos_only)
{
	datadir_set(tmpdb_dir());
	char dir[4200];
	cr_assert_eq(datadir_sub("backups", dir, sizeof(dir)), 0);
	/* 2027-01-11 is a Monday; weeks run Monday to Sunday */
	const char *names[] = {
		"rapport-20270111-020000-auto.rbk", "rapport-20270111-120000-manual.rbk",
		"rapport-20270110-020000-auto.rbk", "rapport-20270109-020000-auto.rbk",
		"rapport-20270102-020000-auto.rbk", "rapport-20270101-020000-auto.rbk",
		"rapport-20261225-020000-auto.rbk", "rapport-20261201-020000-manual.rbk",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		touch_backup(dir, names[i]);
	cr_assert_eq(backup_prune(2, 1), 3, "two autos of weeks already kept and one older week go");
	json_t *left = backup_list();
	const char *want[] = { "rapport-20270111-120000-manual.rbk", "rapport-20270111-020000-auto.rbk",
			       "rapport-20270110-020000-auto.rbk", "rapport-20270102-020000-auto.rbk",
			       "rapport-20261201-020000-manual.rbk" };
	cr_assert_eq(json_array_size(left), 5);
	for (size_t i = 0; i < 5; i++)
		cr_assert_str_eq(json_string_value(json_object_get(json_array_get(left, i), "name")), want[i]);
	json_decref(left);
	char p[4400];
	cr_assert(backup_path("rapport-20270110-020000-auto.rbk", p, sizeof(p)));
	cr_assert(!backup_path("rapport-20270109-020000-auto.rbk", p, sizeof(p)), "pruned");
	cr_assert(!backup_path("../rapport.db", p, sizeof(p)));
	cr_assert(!backup_path("x.rbk.json", p, sizeof(p)));
	datadir_set(NULL);
}
