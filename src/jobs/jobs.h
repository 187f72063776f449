/*
 * jobs.h - background jobs: daily ones (the customer pool's recycling,
 * reminders, backups) and ones that run on every scheduler pass (the mail
 * queue, approval time limits: job_register_often).
 *
 * A job runs at most once per company day (Asia/Shanghai, UTC+8).  Before it
 * runs, a server claims it by inserting (job, day) into job_runs: the row is
 * the lease, so with several servers on one database exactly one runs it.
 * Time comes from clock_now_ms(), so `rapport jobs run --at ...` runs the
 * jobs as of any moment, for tests and for catching up by hand.
 */
#ifndef RAPPORT_JOBS_H
#define RAPPORT_JOBS_H

#include "../core/entity.h"

/* Does the work as of now_ms, as the system; adds what it did to report (an object). */
typedef int (*job_fn)(ent_op *op, int64_t now_ms, json_t *report);

void job_register(const char *name, job_fn fn);
/* Is it time yet today?  A job with one is neither claimed nor run before
 * it says so (the backup runs at the hour the admin set). */
typedef bool (*job_ready_fn)(db *d, int64_t now_ms);
void job_register_when(const char *name, job_fn fn, job_ready_fn ready);
/* A job that runs on every scheduler pass (RAPPORT_JOBS_INTERVAL seconds) and
 * on every `jobs run`, without a daily lease: it must be safe when two servers
 * run it at once (the mail queue leases its rows one by one). */
void job_register_often(const char *name, job_fn fn);
/* The company day of ms, "YYYY-MM-DD". */
void jobs_day(int64_t ms, char out[11]);
/* Runs every job not yet run today (force: even if it ran); {"day", "jobs": {name: report|"skipped"}}. */
json_t *jobs_run_due(db *d, bool force);
/* A thread that runs due jobs every `interval_s` seconds while the server serves. */
int jobs_scheduler_start(int interval_s);
void jobs_scheduler_stop(void);

#endif
