/* cmd_common.c - what every command does first: find the data folder, migrate. */
#include "cmd.h"
#include "../db/db.h"
#include "../db/migrate.h"
#include "../core/agg_summary.h"
#include "../core/auth.h"
#include "../core/entity.h"
#include "../core/options.h"
#include "../core/roles.h"
#include "../modules/modules.h"
#include "../util/datadir.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	datadir_set(o->data);
	db *d = db_thread();
	/* a database server that is still starting gets half a minute, with back-off */
	for (int wait_ms = 250, waited = 0; !d && db_configured_postgres() && waited < 30000; wait_ms *= 2) {
		if (wait_ms > 4000)
			wait_ms = 4000;
		fprintf(stderr, "rapport: the database is unreachable; retrying in %.1f s\n", wait_ms / 1000.0);
		usleep((useconds_t)wait_ms * 1000);
		waited += wait_ms;
		d = db_thread();
	}
	if (!d) {
		fprintf(stderr, "rapport: cannot open the database%s%s\n", db_configured_postgres() ? "" : " in ",
			db_configured_postgres() ? " (RAPPORT_DATABASE_URL)" : o->data);
		return -1;
	}
	/* several servers starting at once: one brings the schema up to date */
	db_schema_lock(d, true);
	int rc = 0;
	if (migrate_all(d) < 0) {
		fprintf(stderr, "rapport: migration failed: %s\n", db_errmsg(d));
		rc = -1;
	} else if (option_lists_seed(d) || entity_sync_schema(d) || agg_summary_sync(d) || roles_seed(d)) {
		fprintf(stderr, "rapport: cannot bring the schema up to date: %s\n", db_errmsg(d));
		rc = -1;
	}
	db_schema_lock(d, false);
	return rc;
}
