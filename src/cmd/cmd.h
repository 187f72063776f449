/*
 * cmd.h - the commands of build/rapport, one file each (after git's builtin/).
 * main.c parses the options into cmd_opts and dispatches through its table.
 */
#ifndef RAPPORT_CMD_H
#define RAPPORT_CMD_H

#include <stdbool.h>

typedef struct cmd_opts {
	const char *data;        /* --data DIR */
	const char *listen;      /* --listen HOST:PORT */
	bool demo;               /* --demo */
	const char *at;          /* --at ISO (jobs run) */
	bool force;              /* --force (jobs run) */
	const char *lang;        /* --lang zh-CN|en (export: column headers) */
	const char *user;        /* --user NAME (import: who imports) */
	const char *duplicates;  /* --duplicates skip|update|create (import) */
	bool dry_run;            /* --dry-run (import) */
	const char *args[4];     /* positional arguments after the command */
	int nargs;
} cmd_opts;

int cmd_init(const cmd_opts *o);
int cmd_serve(const cmd_opts *o);
int cmd_migrate(const cmd_opts *o);
int cmd_jobs(const cmd_opts *o);
int cmd_dump(const cmd_opts *o);
int cmd_load(const cmd_opts *o);
int cmd_import(const cmd_opts *o);
int cmd_backup(const cmd_opts *o);
int cmd_restore(const cmd_opts *o);
int cmd_export(const cmd_opts *o);
int cmd_check(const cmd_opts *o);

/* Shared by the commands: configures the database for o->data and applies
 * pending migrations; prints a one-line error and returns -1 on failure. */
int cmd_open_data(const cmd_opts *o, bool create);

#endif
