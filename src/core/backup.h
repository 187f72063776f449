/*
 * backup.h - one file holding the whole database and the uploads folder,
 * written while the server keeps serving, checked after writing, and read
 * back (verified, optionally extracted) for a restore.
 *
 * The file ("*.rbk") is a POSIX ustar archive, so `tar tvf` lists it:
 *
 *   RAPPORT-BACKUP        "rapport-backup 1\n": says what the file is (first member)
 *   database/rapport.db   SQLite: a consistent copy (online backup API), integrity-checked
 *   database/dump.jsonl   PostgreSQL: the portable dump (core/dump.h) instead
 *   uploads/...           every file under DATA/uploads
 *   manifest.json         {"format":"rapport-backup","format_version":1,"backend",
 *                          "schema_version","created_at","app_version",
 *                          "parts":[{"name","size","sha256"}]}
 *   SHA256                sha256 (hex) of every byte of the archive before this member
 *   two zero blocks       the end of the archive
 *
 * A reader checks each header's checksum, each part against the manifest,
 * the whole against SHA256, and the end blocks: a truncated file, a flipped
 * byte or a foreign file is refused.  Sizes and names follow ustar (names up
 * to 255 bytes; longer upload paths are refused rather than cut).
 */
#ifndef RAPPORT_BACKUP_H
#define RAPPORT_BACKUP_H

#include "../db/db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define BACKUP_FORMAT_VERSION 1
#define BACKUP_MAGIC "rapport-backup 1\n"

/* Writes a backup of d's database (SQLite: the file in data_dir; PostgreSQL:
 * the portable dump) and of data_dir/uploads into out_path: first a temporary
 * file beside it, then verified by reading it back, then renamed into place.
 * On success returns 0 and, when info is not NULL, a new object
 * {"file","size","sha256","created_at","backend","schema_version","parts","duration_ms"}
 * (sha256 of the whole file, as `sha256sum` prints it).  -1 with err set. */
int backup_write(db *d, const char *data_dir, const char *out_path, json_t **info, char *err, size_t n);

/* Reads and verifies the backup at path; when extract_dir is not NULL, writes
 * its parts there (database/..., uploads/...).  On success 0 and, when info is
 * not NULL, the manifest plus "size" and "sha256" of the whole file.  -1 with
 * a message for people in err (the file is damaged, foreign, ...). */
int backup_read(const char *path, const char *extract_dir, json_t **info, char *err, size_t n);

/* sha256 of a file, hex (65 bytes with NUL); 0 or -1. */
int backup_file_sha256(const char *path, char hex[65], long long *size);

/* ---- the backups folder (backup_store.c): DATA/backups ---- */

/* Settings (key "backup" in the settings table), defaults filled in:
 * {"enabled":true,"time":"02:00","keep_daily":7,"keep_weekly":4} */
json_t *backup_settings(db *d);
/* Checks and saves a partial update; NULL and a message in err when invalid. */
json_t *backup_settings_save(db *d, json_t *body, char *err, size_t n);
/* The backups in DATA/backups, newest first: [{"name","size","sha256","created_at",
 * "backend","schema_version","kind","duration_ms"}] (new reference). */
json_t *backup_list(void);
/* Full path of a backup in DATA/backups by its file name; false for a name
 * that is not a plain "*.rbk" file name or does not exist. */
bool backup_path(const char *name, char *out, size_t n);
/* Writes a new backup into DATA/backups (kind "auto" or "manual"), records
 * it, then applies the retention to the "auto" ones.  0 or -1 (err). */
int backup_run(db *d, const char *kind, json_t **info, char *err, size_t n);
/* Starts backup_run(kind "manual") on a thread of its own; false when one is
 * already running. */
bool backup_start_async(void);
/* {"running":bool,"last_error":text|null,"last_finished_at":...} (new reference) */
json_t *backup_status(void);
/* Keeps the newest keep_daily "auto" backups of distinct days and the newest of
 * each of keep_weekly further ISO weeks; removes the rest.  Returns how many went. */
int backup_prune(int keep_daily, int keep_weekly);

#endif
