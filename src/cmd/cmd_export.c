/*
 * cmd_export.c - `rapport export --data DIR ENTITY OUT.csv|OUT.xlsx [--lang en]`:
 * every live record of ENTITY, as the system (no data scope), in the format
 * the file name ends with (see core/export.h).
 */
#include "cmd.h"
#include "../core/entity.h"
#include "../core/export.h"
#include "../util/clock.h"

#include <stdio.h>

int cmd_export(const cmd_opts *o)
{
	const char *out = o->args[1];
	int fmt = export_format_parse(out);
	if (fmt < 0) {
		fprintf(stderr, "rapport: the output file must end with .csv or .xlsx: %s\n", out);
		return 2;
	}
	if (cmd_open_data(o, false))
		return 1;
	const entity_def *e = entity_find(o->args[0]);
	if (!e) {
		fprintf(stderr, "rapport: no such entity: %s\n", o->args[0]);
		db_thread_close();
		return 1;
	}
	auth_session system = { .user = { .id = 0, .username = "system", .name = "System" } };
	ent_op op = { .db = db_thread(), .who = &system };
	int64_t rows = 0, t0 = clock_monotonic_us();
	int rc = export_write(&op, e, NULL, 0, (enum export_format)fmt, o->lang ? o->lang : "zh-CN", out, &rows);
	double s = (double)(clock_monotonic_us() - t0) / 1e6;
	db_thread_close();
	if (rc) {
		fprintf(stderr, "rapport: export failed: %s\n", op.err.message);
		ent_error_clear(&op.err);
		return 1;
	}
	printf("exported %lld %s to %s in %.1f s (%.0f rows/s)\n", (long long)rows, e->name, out, s,
	       s > 0 ? (double)rows / s : 0.0);
	return 0;
}
