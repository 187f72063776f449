/*
 * datadir.h - where the data folder is (--data DIR), for the layers that
 * keep files there: the http layer's upload temp files (DIR/tmp), stored
 * attachments (DIR/uploads), backups.  Set once by the command before any
 * thread starts; read-only afterwards.
 */
#ifndef RAPPORT_DATADIR_H
#define RAPPORT_DATADIR_H

#include <stddef.h>

/* Remembers dir (copied).  NULL forgets it. */
void datadir_set(const char *dir);
/* The data folder, or NULL when none was set (unit tests use TMPDIR). */
const char *datadir_get(void);
/* Writes "DIR/sub" into out (creating the folder, mode 0700, when missing);
 * without a data folder, "$TMPDIR/rapport-sub".  0, or -1 (errno set). */
int datadir_sub(const char *sub, char *out, size_t n);

#endif
