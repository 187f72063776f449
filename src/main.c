/*
 * main.c - the command line of build/rapport: options, then a table of commands.
 */
#include "cmd/cmd.h"
#include "version.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
	const char *name;
	int (*fn)(const cmd_opts *o);
	int nargs;               /* positional arguments required */
	const char *usage;
} command;

static const command commands[] = {
	{ "init", cmd_init, 0, "init    --data DIR [--demo]        create a new database with the admin user" },
	{ "serve", cmd_serve, 0, "serve   --data DIR [--listen HOST:PORT]  serve the web app and API (127.0.0.1:8080)" },
	{ "migrate", cmd_migrate, 0, "migrate --data DIR                 apply pending schema migrations" },
	{ "dump", cmd_dump, 1, "dump    --data DIR OUT               every record and setting to a portable file" },
	{ "load", cmd_load, 1, "load    --data DIR IN                a dump into a new, empty database (either kind)" },
	{ "check", cmd_check, 0, "check   --data DIR                 is the database intact? (exit 1 on damage)" },
	{ "backup", cmd_backup, 1, "backup  --data DIR OUT_FILE          the database and uploads into one checked file" },
	{ "restore", cmd_restore, 1, "restore --data DIR IN_FILE           a backup back (the current data is kept aside)" },
	{ "export", cmd_export, 2, "export  --data DIR ENTITY OUT.csv|OUT.xlsx [--lang en]  every record of ENTITY" },
	{ "import", cmd_import, 2, "import  --data DIR ENTITY FILE.csv|FILE.xlsx [--user NAME] [--duplicates skip|update|create] [--dry-run]" },
	{ "jobs", cmd_jobs, 1, "jobs run --data DIR [--at ISO] [--force]  run the daily jobs due at that moment" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: rapport COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\n  --help      this text\n  --version   the version\n\n"
		   "RAPPORT_ADMIN_PASSWORD sets the admin password at init.\n");
}

static int fail(const char *msg, const char *arg)
{
	fprintf(stderr, "rapport: %s%s%s (see rapport --help)\n", msg, arg ? ": " : "", arg ? arg : "");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fail("missing command", NULL);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("rapport %s\n", RAPPORT_VERSION);
		return 0;
	}
	const command *cmd = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		return fail("unknown command", argv[1]);

	cmd_opts o = { 0 };
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--data") || !strcmp(a, "--listen") || !strcmp(a, "--at") || !strcmp(a, "--lang")) {
			if (i + 1 >= argc || !argv[i + 1][0])
				return fail("missing value for", a);
			if (!strcmp(a, "--data"))
				o.data = argv[++i];
			else if (!strcmp(a, "--listen"))
				o.listen = argv[++i];
			else if (!strcmp(a, "--lang"))
				o.lang = argv[++i];
			else
				o.at = argv[++i];
		} else if (!strcmp(a, "--user") || !strcmp(a, "--duplicates")) {
			if (i + 1 >= argc || !argv[i + 1][0])
				return fail("missing value for", a);
			if (!strcmp(a, "--user"))
				o.user = argv[++i];
			else
				o.duplicates = argv[++i];
		} else if (!strcmp(a, "--dry-run")) {
			o.dry_run = true;
		} else if (!strcmp(a, "--demo")) {
			o.demo = true;
		} else if (!strcmp(a, "--force")) {
			o.force = true;
		} else if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			return fail("unknown option", a);
		} else if (o.nargs < 4) {
			o.args[o.nargs++] = a;
		} else {
			return fail("too many arguments", a);
		}
	}
	if (!o.data)
		return fail("missing --data DIR", NULL);
	if (o.nargs != cmd->nargs)
		return fail(o.nargs < cmd->nargs ? "missing argument" : "unexpected argument",
			    o.nargs > cmd->nargs ? o.args[cmd->nargs] : cmd->name);
	return cmd->fn(&o);
}
