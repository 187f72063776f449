/*
 * import_worker.h - runs an import job (core/import.h) on a thread of its
 * own, so a request that starts a dry run, a run or an undo answers at once
 * and the web app polls the job's progress.
 */
#ifndef RAPPORT_IMPORT_WORKER_H
#define RAPPORT_IMPORT_WORKER_H

#include <stdbool.h>
#include <stdint.h>

/* Starts import_execute(id) on a new detached thread; false when it cannot. */
bool import_worker_start(int64_t id);
/* The server is stopping: every import ends after its current batch (the
 * job says "failed", what was committed stays and can be undone); waits at
 * most timeout_ms for them.  No new import starts afterwards. */
void import_worker_stop(int timeout_ms);

#endif
