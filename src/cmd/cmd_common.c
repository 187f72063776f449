/* cmd_common.c - what every command does first: find the data folder, migrate. */
#include "cmd.h"
#include "../db/db.h"
#include "../db/migrate.h"
#include "../core/auth.h"
#include "../core/entity.h"
#include "../core/options.h"
#include "../core/roles.h"
#include "../modules/modules.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int cmd_open_data(const cmd_opts *o, bool create)
{
	struct stat st;
	if (stat(o->data, &st) != 0) {
		if (!create || mkdir(o->data, 0700) != 0) {
			fprintf(stderr, "rapport: cannot use data folder %s: %s\n", o->data, strerror(errno));
			return -1;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "rapport: %s is not a folder\n", o->data);
		return -1;
	}
	const char *url = getenv("RAPPORT_DATABASE_URL");
	if (!create && !(url && *url)) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/rapport.db", o->data);
		if (stat(path, &st) != 0) {
			fprintf(stderr, "rapport: no database in %s (run: rapport init --data %s)\n", o->data, o->data);
			return -1;
		}
	}
	if (auth_init()) {
		fprintf(stderr, "rapport: cannot initialise libsodium\n");
		return -1;
	}
	if (modules_register_all()) {
		fprintf(stderr, "rapport: the entity declarations are wrong (see above)\n");
		return -1;
	}
	db_configure(o->data);
	db *d = db_thread();
	if (!d) {
		fprintf(stderr, "rapport: cannot open the database in %s\n", o->data);
		return -1;
	}
	if (migrate_all(d) < 0) {
		fprintf(stderr, "rapport: migration failed: %s\n", db_errmsg(d));
		return -1;
	}
	if (option_lists_seed(d) || entity_sync_schema(d) || roles_seed(d)) {
		fprintf(stderr, "rapport: cannot bring the schema up to date: %s\n", db_errmsg(d));
		return -1;
	}
	return 0;
}
