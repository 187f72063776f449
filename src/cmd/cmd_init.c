/*
 * cmd_init.c - `rapport init --data DIR [--demo]`: a new database with the
 * admin user; the password comes from RAPPORT_ADMIN_PASSWORD or is made up
 * and printed once.
 */
#include "cmd.h"
#include "../core/auth.h"
#include "../db/db.h"
#include "../modules/demo/demo.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void random_password(char *out, size_t n)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	for (size_t i = 0; i + 1 < n; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[n - 1] = '\0';
}

int cmd_init(const cmd_opts *o)
{
	if (cmd_open_data(o, true))
		return 1;
	db *d = db_thread();
	if (db_query_int(d, "SELECT count(*) FROM users", 0) > 0) {
		fprintf(stderr, "rapport: %s already holds a Rapport database\n", o->data);
		return 1;
	}
	char generated[17];
	const char *password = getenv("RAPPORT_ADMIN_PASSWORD");
	if (!password || !*password) {
		random_password(generated, sizeof(generated));
		password = generated;
	}
	int64_t id = auth_create_user(d, "admin", "Administrator", password, "[\"admin\"]");
	if (id <= 0) {
		fprintf(stderr, "rapport: cannot create the admin user: %s\n", db_errmsg(d));
		return 1;
	}
	if (o->demo) {
		auth_session admin = { .user = { .id = id, .username = "admin", .roles = "[\"admin\"]" } };
		ent_op op = { .db = d, .who = &admin };
		if (demo_fill(&op, 300)) {
			fprintf(stderr, "rapport: cannot create the demo data: %s\n", op.err.message);
			return 1;
		}
		printf("added the demo company: 300 customers with contacts, opportunities and follow-ups\n");
	}
	printf("created a new Rapport database in %s\n", o->data);
	if (password == generated)
		printf("admin password: %s\n", generated);
	db_thread_close();
	return 0;
}
