/*
 * cmd_import.c - `rapport import --data DIR ENTITY FILE [--user NAME]
 * [--duplicates skip|update|create] [--dry-run]`: the web app's import from
 * the command line (core/import.h), as the user NAME (default "admin"), with
 * the header's suggested mapping and a progress line on standard error.
 * Exit 0 when every row was imported (or skipped as a duplicate), 1 when some
 * rows had problems (listed, at most 20, with their row numbers).
 */
#include "cmd.h"
#include "../core/entity.h"
#include "../core/import.h"
#include "../db/db.h"
#include "../util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct prog {
	int64_t started_us;
	bool tty;
} prog;

static bool show(int64_t done, int64_t total, void *ud)
{
	prog *p = ud;
	double secs = (double)(clock_monotonic_us() - p->started_us) / 1e6;
	fprintf(stderr, "%simport: %lld/%lld rows (%.0f%%), %.0f rows/s%s", p->tty ? "\r" : "", (long long)done,
		(long long)total, total ? 100.0 * (double)done / (double)total : 100.0, secs > 0 ? (double)done / secs : 0.0,
		p->tty ? "" : "\n");
	fflush(stderr);
	return true;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *data = malloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap >= IMPORT_MAX_FILE + 1)
				break;
			cap *= 2;
			data = realloc(data, cap);
		}
		size_t got = fread(data + n, 1, cap - n, f);
		if (!got)
			break;
		n += got;
	}
	fclose(f);
	*len = n;
	return data;
}

static void print_error(ent_op *op)
{
	fprintf(stderr, "rapport: %s", op->err.message);
	const char *k;
	json_t *v;
	json_object_foreach(op->err.fields, k, v)
		fprintf(stderr, "%s%s: %s", k == json_object_iter_key(json_object_iter(op->err.fields)) ? " (" : ", ", k,
			json_string_value(v));
	fprintf(stderr, "%s\n", json_object_size(op->err.fields) ? ")" : "");
}

int cmd_import(const cmd_opts *o)
{
	const char *mode = o->duplicates ? o->duplicates : "skip";
	if (strcmp(mode, "skip") && strcmp(mode, "update") && strcmp(mode, "create")) {
		fprintf(stderr, "rapport: --duplicates must be skip, update or create\n");
		return 2;
	}
	size_t len = 0;
	char *data = read_file(o->args[1], &len);
	if (!data) {
		fprintf(stderr, "rapport: cannot read %s\n", o->args[1]);
		return 1;
	}
	if (cmd_open_data(o, false)) {
		free(data);
		return 1;
	}
	db *d = db_thread();
	const entity_def *e = entity_find(o->args[0]);
	int rc = 1;
	arena a = ARENA_INIT;
	auth_session who;
	ent_op op = { .db = d, .who = &who };
	json_t *job = NULL;
	if (!e || !import_entity_ok(e)) {
		fprintf(stderr, "rapport: %s cannot be imported (customers, contacts, leads, products, opportunities, "
				"activities)\n", o->args[0]);
		goto out;
	}
	const char *user = o->user ? o->user : "admin";
	if (import_load_user(d, user, 0, &who, &a)) {
		fprintf(stderr, "rapport: no enabled user %s (--user NAME)\n", user);
		goto out;
	}
	const char *base = strrchr(o->args[1], '/');
	job = import_create(&op, e, base ? base + 1 : o->args[1], data, len);
	free(data);
	data = NULL;
	if (!job) {
		print_error(&op);
		goto out;
	}
	int64_t id = json_integer_value(json_object_get(job, "id"));
	/* the header's suggestion is the mapping; say what it is */
	json_t *cols = json_object_get(job, "columns"), *map = json_object_get(job, "suggested_mapping");
	fprintf(stderr, "import: %s (%s), %lld rows; columns:", o->args[1],
		json_string_value(json_object_get(job, "encoding")), (long long)json_integer_value(json_object_get(job, "total")));
	for (size_t i = 0; i < json_array_size(cols); i++)
		fprintf(stderr, " %s->%s", json_string_value(json_array_get(cols, i)),
			json_is_string(json_array_get(map, i)) ? json_string_value(json_array_get(map, i)) : "(ignored)");
	fprintf(stderr, "\n");
	json_decref(job);
	json_t *body = json_pack("{s:s}", "duplicates", mode);
	job = import_prepare(&op, id, body, o->dry_run ? "dry_run" : "run");
	json_decref(body);
	if (!job) {
		print_error(&op);
		goto out;
	}
	json_decref(job);
	prog p = { clock_monotonic_us(), isatty(2) };
	import_execute(d, id, show, &p);
	if (p.tty)
		fputc('\n', stderr);
	job = import_get(&op, id);
	if (!job) {
		print_error(&op);
		goto out;
	}
	printf("import %lld %s: %lld rows, %lld created, %lld updated, %lld skipped, %lld failed%s%s\n", (long long)id,
	       json_string_value(json_object_get(job, "status")), (long long)json_integer_value(json_object_get(job, "processed")),
	       (long long)json_integer_value(json_object_get(job, "created")),
	       (long long)json_integer_value(json_object_get(job, "updated")),
	       (long long)json_integer_value(json_object_get(job, "skipped")),
	       (long long)json_integer_value(json_object_get(job, "failed")), o->dry_run ? " (dry run: nothing written)" : "",
	       "");
	json_t *errs = json_object_get(job, "errors");
	for (size_t i = 0; i < json_array_size(errs) && i < 20; i++) {
		json_t *er = json_array_get(errs, i);
		char *fields = json_dumps(json_object_get(er, "fields"), JSON_COMPACT);
		printf("  row %lld: %s %s\n", (long long)json_integer_value(json_object_get(er, "row")),
		       json_string_value(json_object_get(er, "message")), fields ? fields : "");
		free(fields);
	}
	const char *st = json_string_value(json_object_get(job, "status"));
	rc = (!strcmp(st, "done") || !strcmp(st, "checked")) && !json_integer_value(json_object_get(job, "failed")) ? 0 : 1;
out:
	json_decref(job);
	ent_error_clear(&op.err);
	arena_free(&a);
	free(data);
	db_thread_close();
	return rc;
}
