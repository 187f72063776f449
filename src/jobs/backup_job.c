/* backup_job.c - see backup_job.h. */
#include "backup_job.h"
#include "../core/backup.h"
#include "../util/datadir.h"

#include <stdio.h>
#include <string.h>

#define COMPANY_UTC_OFFSET_MS (8LL * 3600 * 1000)

bool backup_job_ready(db *d, int64_t now_ms)
{
	if (!datadir_get())
		return false;
	json_t *s = backup_settings(d);
	int hh = 2, mm = 0;
	bool enabled = json_is_true(json_object_get(s, "enabled"));
	sscanf(json_string_value(json_object_get(s, "time")) ?: "02:00", "%d:%d", &hh, &mm);
	json_decref(s);
	int64_t day_ms = (now_ms + COMPANY_UTC_OFFSET_MS) % (24LL * 3600 * 1000);
	return enabled && day_ms >= (int64_t)(hh * 60 + mm) * 60 * 1000;
}

int backup_job(ent_op *op, int64_t now_ms, json_t *report)
{
	(void)now_ms;
	char err[512];
	json_t *info = NULL;
	if (backup_run(op->db, "auto", &info, err, sizeof(err)))
		return op_fail(op, 500, "internal", "backup failed: %s", err);
	json_t *s = backup_settings(op->db);
	int removed = backup_prune((int)json_integer_value(json_object_get(s, "keep_daily")),
				   (int)json_integer_value(json_object_get(s, "keep_weekly")));
	json_decref(s);
	json_object_set(report, "file", json_object_get(info, "file"));
	json_object_set(report, "size", json_object_get(info, "size"));
	json_object_set(report, "sha256", json_object_get(info, "sha256"));
	json_object_set(report, "ms", json_object_get(info, "duration_ms"));
	json_object_set_new(report, "pruned", json_integer(removed));
	json_decref(info);
	return 0;
}
