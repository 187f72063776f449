/* backup_job.h - the daily backup (core/backup.h), at the hour the admin set. */
#ifndef RAPPORT_BACKUP_JOB_H
#define RAPPORT_BACKUP_JOB_H

#include "jobs.h"

/* Enabled, and the company time of now_ms is past the set "HH:MM". */
bool backup_job_ready(db *d, int64_t now_ms);
/* Writes an "auto" backup into DATA/backups, then applies the retention. */
int backup_job(ent_op *op, int64_t now_ms, json_t *report);

#endif
