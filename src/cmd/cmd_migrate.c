/* cmd_migrate.c - `rapport migrate --data DIR`: apply pending migrations. */
#include "cmd.h"
#include "../db/db.h"
#include "../db/migrate.h"

#include <stdio.h>

int cmd_migrate(const cmd_opts *o)
{
	if (cmd_open_data(o, false))
		return 1;
	printf("database at version %d\n", migrate_current(db_thread()));
	db_thread_close();
	return 0;
}
