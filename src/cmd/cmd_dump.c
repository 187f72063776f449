/*
 * cmd_dump.c - `rapport dump --data DIR OUT` and `rapport load --data DIR IN`:
 * a portable copy of every record and setting, loadable into an empty
 * database of either kind (see core/dump.h).
 */
#include "cmd.h"
#include "../core/dump.h"
#include "../db/db.h"

#include <stdio.h>

int cmd_dump(const cmd_opts *o)
{
	if (cmd_open_data(o, false))
		return 1;
	FILE *out = fopen(o->args[0], "w");
	if (!out) {
		perror(o->args[0]);
		return 1;
	}
	int rc = dump_write(db_thread(), out);
	if (fclose(out))
		rc = -1;
	db_thread_close();
	if (rc) {
		remove(o->args[0]);
		return 1;
	}
	printf("wrote %s\n", o->args[0]);
	return 0;
}

int cmd_load(const cmd_opts *o)
{
	FILE *in = fopen(o->args[0], "r");
	if (!in) {
		perror(o->args[0]);
		return 1;
	}
	if (cmd_open_data(o, true)) {
		fclose(in);
		return 1;
	}
	int rc = dump_read(db_thread(), in);
	fclose(in);
	db_thread_close();
	if (rc)
		return 1;
	printf("loaded %s\n", o->args[0]);
	return 0;
}
