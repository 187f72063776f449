/*
 * db_backup.h - SQLite file-level helpers for backups (core/backup.c):
 * a consistent copy of a live database through SQLite's online backup API,
 * and PRAGMA integrity_check on a copy.  PostgreSQL has no file to copy;
 * backups of it use the portable dump (core/dump.h).
 */
#ifndef RAPPORT_DB_BACKUP_H
#define RAPPORT_DB_BACKUP_H

#include <stddef.h>

/* Copies the database at src (which other connections may be writing, in
 * WAL mode) into a new file dst, as one consistent snapshot; writers keep
 * going meanwhile.  0, or -1 with a message in err. */
int db_sqlite_snapshot(const char *src, const char *dst, char *err, size_t n);
/* Runs PRAGMA integrity_check on the file at path: 0 when "ok", else -1
 * with the first problem in err. */
int db_sqlite_integrity(const char *path, char *err, size_t n);

/* Takes the database at path out of WAL mode (journal_mode=DELETE), which
 * SQLite allows only when no other connection has it open: -1 with a message
 * in err while a server still uses it.  Afterwards the file stands alone
 * (nothing left in a -wal beside it), ready to be moved. */
int db_sqlite_close_out(const char *path, char *err, size_t n);

#endif
