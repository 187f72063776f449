/*
 * backup_store.c - the backups folder DATA/backups: settings, the list (each
 * backup "rapport-YYYYMMDD-HHMMSS-KIND.rbk" has a record "NAME.json" beside
 * it with its size, checksum and time), running one now, and the retention.
 */
#include "backup.h"
#include "../util/clock.h"
#include "../util/datadir.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RBK ".rbk"

json_t *backup_settings(db *d)
{
	json_t *s = json_pack("{s:b,s:s,s:i,s:i}", "enabled", 1, "time", "02:00", "keep_daily", 7, "keep_weekly", 4);
	db_stmt *st = db_prepare(d, "SELECT value FROM settings WHERE key = 'backup'");
	if (st && db_step(st) == DB_ROW) {
		json_t *saved = json_loads(db_col_text(st, 0), 0, NULL);
		if (json_is_object(saved))
			json_object_update(s, saved);
		json_decref(saved);
	}
	db_done(st);
	return s;
}

static bool valid_time(const char *t)
{
	return t && strlen(t) == 5 && t[2] == ':' && t[0] >= '0' && t[0] <= '2' && t[1] >= '0' && t[1] <= '9' &&
	       t[3] >= '0' && t[3] <= '5' && t[4] >= '0' && t[4] <= '9' && (t[0] < '2' || t[1] <= '3');
}

json_t *backup_settings_save(db *d, json_t *body, char *err, size_t n)
{
	json_t *s = backup_settings(d);
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		const char *bad = NULL;
		if (!strcmp(k, "enabled"))
			bad = json_is_boolean(v) ? NULL : "enabled is true or false";
		else if (!strcmp(k, "time"))
			bad = valid_time(json_string_value(v)) ? NULL : "time is HH:MM (company time, 00:00-23:59)";
		else if (!strcmp(k, "keep_daily") || !strcmp(k, "keep_weekly"))
			bad = json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 365
				? NULL : "keep_daily and keep_weekly are whole numbers from 0 to 365";
		else
			bad = "unknown setting";
		if (bad) {
			snprintf(err, n, "%s: %s", k, bad);
			json_decref(s);
			return NULL;
		}
		json_object_set(s, k, v);
	}
	if (json_integer_value(json_object_get(s, "keep_daily")) + json_integer_value(json_object_get(s, "keep_weekly")) < 1) {
		snprintf(err, n, "keep_daily: keep at least one backup");
		json_decref(s);
		return NULL;
	}
	char *txt = json_dumps(s, JSON_COMPACT);
	db_stmt *st = db_prepare(d, "INSERT INTO settings(key, value) VALUES ('backup', ?) "
				    "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	int rc = st ? db_bind_str(st, 1, txt) : DB_ERR;
	if (st && !rc)
		rc = db_step(st) == DB_DONE ? 0 : -1;
	db_done(st);
	free(txt);
	if (rc) {
		snprintf(err, n, "cannot save: %s", db_errmsg(d));
		json_decref(s);
		return NULL;
	}
	return s;
}

static int folder(char *out, size_t n)
{
	return datadir_sub("backups", out, n);
}

static bool plain_name(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	if (len < 5 || len > 200 || strcmp(name + len - 4, RBK) || name[0] == '.')
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return false;
	return true;
}

bool backup_path(const char *name, char *out, size_t n)
{
	char dir[4096];
	struct stat st;
	if (!plain_name(name) || folder(dir, sizeof(dir)))
		return false;
	int len = snprintf(out, n, "%s/%s", dir, name);
	return len > 0 && (size_t)len < n && stat(out, &st) == 0 && S_ISREG(st.st_mode);
}

static int by_name_desc(const void *a, const void *b)
{
	return -strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
		       json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

json_t *backup_list(void)
{
	char dir[4096];
	json_t *out = json_array();
	if (folder(dir, sizeof(dir)))
		return out;
	DIR *d = opendir(dir);
	if (!d)
		return out;
	struct dirent *de;
	size_t count = 0;
	json_t **items = NULL;
	while ((de = readdir(d))) {
		if (!plain_name(de->d_name))
			continue;
		char path[4096 + 256], rec[4096 + 300];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(rec, sizeof(rec), "%s.json", path);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		json_t *j = json_load_file(rec, 0, NULL);
		if (!json_is_object(j)) {
			/* copied in by hand: listed, its checksum unknown until verified */
			json_decref(j);
			j = json_pack("{s:n,s:n}", "sha256", "created_at");
		}
		json_object_set_new(j, "name", json_string(de->d_name));
		json_object_set_new(j, "size", json_integer((json_int_t)st.st_size));
		json_object_del(j, "file");
		json_object_del(j, "parts");
		if (!json_object_get(j, "kind"))
			json_object_set_new(j, "kind", json_string(strstr(de->d_name, "-auto") ? "auto" : "manual"));
		items = xrealloc(items, (count + 1) * sizeof(*items));
		items[count++] = j;
	}
	closedir(d);
	if (count)
		qsort(items, count, sizeof(*items), by_name_desc);
	for (size_t i = 0; i < count; i++)
		json_array_append_new(out, items[i]);
	free(items);
	return out;
}

int backup_run(db *d, const char *kind, json_t **info, char *err, size_t n)
{
	char dir[4096], name[96], path[4096 + 100], rec[4096 + 110], stamp[32];
	if (folder(dir, sizeof(dir)) || !datadir_get()) {
		snprintf(err, n, "no backups folder: %s", strerror(errno));
		return -1;
	}
	clock_format_iso(clock_now_ms(), stamp, sizeof(stamp));
	/* 2026-11-29T02:00:00.000Z -> rapport-20261129-020000-auto.rbk */
	snprintf(name, sizeof(name), "rapport-%.4s%.2s%.2s-%.2s%.2s%.2s-%s" RBK, stamp, stamp + 5, stamp + 8, stamp + 11,
		 stamp + 14, stamp + 17, kind);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (int i = 2; access(path, F_OK) == 0 && i < 100; i++)
		snprintf(path, sizeof(path), "%s/%.*s-%d" RBK, dir, (int)(strlen(name) - 4), name, i);
	json_t *j = NULL;
	if (backup_write(d, datadir_get(), path, &j, err, n))
		return -1;
	json_object_set_new(j, "kind", json_string(kind));
	snprintf(rec, sizeof(rec), "%s.json", path);
	if (json_dump_file(j, rec, JSON_INDENT(1))) {
		snprintf(err, n, "cannot record the backup in %s", rec);
		json_decref(j);
		return -1;
	}
	if (info)
		*info = j;
	else
		json_decref(j);
	return 0;
}

/* ---- retention ---- */

/* Days since 1970 of "rapport-YYYYMMDD-..." (company day is close enough: names are UTC). */
static long day_of(const char *name)
{
	int y, m, dd;
	if (sscanf(name, "rapport-%4d%2d%2d-", &y, &m, &dd) != 3)
		return -1;
	/* days from civil (Howard Hinnant) */
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int backup_prune(int keep_daily, int keep_weekly)
{
	json_t *all = backup_list();
	char dir[4096];
	int removed = 0, days = 0, weeks = 0;
	long last_day = -1, last_week = -1;
	size_t i;
	json_t *b;
	if (folder(dir, sizeof(dir))) {
		json_decref(all);
		return 0;
	}
	/* newest first: the first backup of each day counts for the dailies, then
	 * the first of each older week (weeks start on Monday: 1970-01-01 was a Thursday) */
	json_array_foreach(all, i, b) {
		const char *name = json_string_value(json_object_get(b, "name"));
		if (strcmp(json_string_value(json_object_get(b, "kind")), "auto"))
			continue;
		long day = day_of(name), week = (day + 3) / 7;
		bool keep = false;
		if (day < 0)
			keep = true;
		else if (day != last_day && days < keep_daily) {
			keep = true;
			days++;
			last_day = day;
			last_week = week;
		} else if (day != last_day && week != last_week && weeks < keep_weekly && days >= keep_daily) {
			keep = true;
			weeks++;
			last_week = week;
			last_day = day;
		}
		if (!keep) {
			char path[4096 + 256];
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			if (unlink(path) == 0)
				removed++;
			snprintf(path, sizeof(path), "%s/%s.json", dir, name);
			unlink(path);
		}
	}
	json_decref(all);
	return removed;
}

/* ---- run now, on a thread of its own ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static bool running;
static char last_error[512];
static char last_finished[32];

static void *run_thread(void *unused)
{
	(void)unused;
	char err[512] = "";
	db *d = db_thread();
	int rc = d ? backup_run(d, "manual", NULL, err, sizeof(err)) : -1;
	if (!d)
		snprintf(err, sizeof(err), "the database is unreachable");
	if (rc)
		log_error("backup failed: %s", err);
	else
		log_info("backup written");
	db_thread_close();
	pthread_mutex_lock(&mu);
	running = false;
	snprintf(last_error, sizeof(last_error), "%s", rc ? err : "");
	clock_format_iso(clock_now_ms(), last_finished, sizeof(last_finished));
	pthread_mutex_unlock(&mu);
	return NULL;
}

bool backup_start_async(void)
{
	pthread_mutex_lock(&mu);
	if (running) {
		pthread_mutex_unlock(&mu);
		return false;
	}
	running = true;
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, run_thread, NULL)) {
		running = false;
		snprintf(last_error, sizeof(last_error), "cannot start a thread");
	}
	pthread_attr_destroy(&attr);
	bool started = running;
	pthread_mutex_unlock(&mu);
	return started;
}

json_t *backup_status(void)
{
	pthread_mutex_lock(&mu);
	json_t *s = json_pack("{s:b,s:s?,s:s?}", "running", running, "last_error", last_error[0] ? last_error : NULL,
			      "last_finished_at", last_finished[0] ? last_finished : NULL);
	pthread_mutex_unlock(&mu);
	return s;
}
