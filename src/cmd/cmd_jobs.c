/*
 * cmd_jobs.c - `rapport jobs run --data DIR [--at ISO] [--force]`: runs the
 * daily jobs due at that moment (now by default) and prints what they did.
 */
#include "cmd.h"
#include "../db/db.h"
#include "../jobs/jobs.h"
#include "../util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_jobs(const cmd_opts *o)
{
	if (strcmp(o->args[0], "run")) {
		fprintf(stderr, "rapport: unknown jobs action %s (try: jobs run)\n", o->args[0]);
		return 2;
	}
	if (o->at) {
		int64_t ms;
		if (clock_parse_iso(o->at, &ms)) {
			fprintf(stderr, "rapport: --at wants an ISO 8601 moment like 2027-01-31T00:00:00Z\n");
			return 2;
		}
		clock_set_fixed(ms);
	}
	if (cmd_open_data(o, false))
		return 1;
	json_t *r = jobs_run_due(db_thread(), o->force);
	char *txt = json_dumps(r, JSON_INDENT(2));
	printf("%s\n", txt);
	free(txt);
	json_decref(r);
	db_thread_close();
	return 0;
}
