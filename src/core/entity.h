/*
 * entity.h - the entity engine: record types declared once, as data.
 *
 * A module declares an entity_def (fields, relations, hooks) and registers it
 * with entity_register() before the server starts; entity_check_all() then
 * verifies every declaration and fails loudly once instead of per request.
 * From the declaration alone the engine derives the table and its indexes
 * (schema.c), validation (validate.c), list queries with filters, sorting,
 * paging and search (query.c), reads and writes with optimistic locking,
 * the recycle bin and the audit history (record.c, audit.c), and the
 * metadata the web app draws its pages from (meta.c).  Behaviour specific to
 * one entity lives in its hooks, never in copies of the generic path.
 */
#ifndef RAPPORT_ENTITY_H
#define RAPPORT_ENTITY_H

#include "../db/db.h"
#include "auth.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum field_type {
	FT_TEXT,       /* one line, max_len characters (default 200) */
	FT_LONGTEXT,   /* many lines, max_len characters (default 20000) */
	FT_INT,
	FT_DECIMAL,    /* exact: stored as an integer scaled by 10^scale */
	FT_MONEY,      /* {"amount": minor units, "currency": "CNY"}: two columns */
	FT_DATE,       /* "YYYY-MM-DD" */
	FT_DATETIME,   /* ISO 8601 UTC, stored normalised "YYYY-MM-DDTHH:MM:SS.sssZ" */
	FT_BOOL,
	FT_ENUM,       /* one of options (or of the option list named by options_list) */
	FT_TAGS,       /* a set of short strings (of options when given), stored as a JSON array */
	FT_REF,        /* the id of a record of entity `ref` */
	FT_EMAIL,
	FT_PHONE,      /* searchable by its digits */
	FT_URL,
};

enum field_flags {
	F_REQUIRED = 1 << 0,
	F_UNIQUE = 1 << 1,     /* among records not in the recycle bin */
	F_SEARCH = 1 << 2,     /* matched by q= */
	F_SORT = 1 << 3,       /* may be used in sort= (gets an index) */
	F_LIST = 1 << 4,       /* a column of the default list view */
	F_READONLY = 1 << 5,   /* set by the server (hooks), never by a client */
	F_INDEX = 1 << 6,      /* indexed for filters without being sortable */
	/* A reference most records leave empty and that lists only look up by
	 * equality (a follow-up's contact): its index holds only the records that
	 * have one, so a record without it writes no index entry.  Not with
	 * F_SORT (a sort needs every row) or F_UNIQUE. */
	F_SPARSE = 1 << 7,
};

typedef struct label {
	const char *zh;
	const char *en;
} label;

typedef struct enum_option {
	const char *value;
	label label;
} enum_option;

typedef struct field_def {
	const char *name;
	enum field_type type;
	label label;
	unsigned flags;
	int max_len;                   /* characters, for text-like types; 0 = type default */
	const enum_option *options;    /* NULL-terminated (value == NULL), for enums and tags */
	const char *options_list;      /* or: the name of an admin-editable option list */
	const char *ref;               /* FT_REF: target entity name ("users" for people) */
	const char *def;               /* default, as JSON text: "\"potential\"", "true", "0" */
	int scale;                     /* FT_DECIMAL: digits after the point (default 2) */
} field_def;

typedef struct relation_def {
	const char *name;              /* URL segment: /api/customers/7/contacts */
	const char *entity;            /* the related entity */
	const char *field;             /* its reference field pointing back here */
	label label;
} relation_def;

/* A collection of child records owned by the parent (a quote's lines, a
 * contract's instalments).  The child entity carries flag E_CHILD and a
 * reference `field` back to the parent; it has no routes of its own and is
 * seen exactly through its parent: GET embeds the set as member `name`,
 * POST and PATCH with that member (an array) replace the set in the same
 * transaction (items carrying the "id" of an existing child keep it), and
 * the parent's history records the change as one entry for `name`.  When the
 * child declares an integer field "position", the engine keeps the array's
 * order in it. */
typedef struct child_def {
	const char *name;              /* member of the parent's body and answer: "lines" */
	const char *entity;            /* the child entity */
	const char *field;             /* its reference field to the parent */
	label label;
	int max;                       /* most items (0 = 500) */
} child_def;

typedef struct entity_def entity_def;

/* Why an engine call failed, in the terms of API.md's error shape. */
typedef struct ent_error {
	int status;                    /* 400, 404, 409, 422, 500, 503 */
	char code[32];                 /* "validation_failed", "conflict", ... */
	char message[256];
	json_t *fields;                /* per-field codes for a 422, or NULL */
	json_t *extra;                 /* more members of the error object, or NULL */
} ent_error;

void ent_error_clear(ent_error *err);

/* The caller of an engine operation: connection, user, error slot.  Calls
 * nest inside one transaction through op_begin/op_commit (a hook or a
 * custom action may create several records atomically). */
typedef struct ent_op {
	db *db;
	const auth_session *who;
	ent_error err;
	int tx_depth;
} ent_op;

int op_begin(ent_op *op);       /* a transaction, or a savepoint inside one */
int op_commit(ent_op *op);
void op_rollback(ent_op *op);   /* undoes this level only */
/* Sets op->err; returns -1 for `return op_fail(...)`. */
int op_fail(ent_op *op, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int op_db_fail(ent_op *op, int dbcode);

/* What a hook sees.  A hook that rejects the write calls hook_fail() (or
 * hook_field_error()) and returns -1; the engine rolls back and answers. */
typedef struct hook_ctx {
	ent_op *op;
	const entity_def *e;
	int64_t id;                    /* the record's id (0 before create) */
} hook_ctx;

typedef struct entity_hooks {
	/* rec: the full new record (create) or the patch (update); may be changed */
	int (*before_create)(hook_ctx *h, json_t *rec);
	int (*after_create)(hook_ctx *h, json_t *rec);
	int (*before_update)(hook_ctx *h, json_t *old, json_t *patch);
	int (*after_update)(hook_ctx *h, json_t *old, json_t *rec);
	int (*before_delete)(hook_ctx *h, json_t *old);
	/* old: the record in the recycle bin; may refuse bringing it back */
	int (*before_restore)(hook_ctx *h, json_t *old);
	/* computed members added to one record read (GET /api/x/{id} and the
	 * answers of POST and PATCH): balances, "may win the opportunity"... */
	int (*decorate)(hook_ctx *h, json_t *rec);
} entity_hooks;

enum entity_flags {
	E_OWNED = 1 << 0,              /* has owner_id; data scope applies */
	E_NO_DELETE = 1 << 1,
	E_ATTACHMENTS = 1 << 3,        /* takes files: /api/{entity}/{id}/attachments (attachment.h) */
	E_CHILD = 1 << 2,              /* a child collection's rows: no routes, seen through the parent */
	/* with scope_via: changing a row needs to see its parent, not to edit it
	 * (finance records payments against customers it may only read) */
	E_VIA_READ = 1 << 4,
};

struct entity_def {
	const char *name;              /* plural snake_case: table and URL segment */
	label label;
	const char *module;            /* permission area: "sales", "service", ... */
	unsigned flags;
	const field_def *fields;       /* terminated by a field with name == NULL */
	const relation_def *relations; /* terminated by name == NULL; may be NULL */
	const char *title_field;       /* the field that names a record */
	const char *default_sort;      /* e.g. "-updated_at" */
	const char *const *duplicate_keys; /* fields that each must not repeat (409 duplicate) */
	const entity_hooks *hooks;
	/* Rows are visible exactly when the record this reference points to is
	 * (contacts and follow-ups follow their customer); rows where it is empty
	 * fall back to their own owner. */
	const char *scope_via;
	/* Unowned rows form a pool (公海) per department, named by this field. */
	const char *pool_field;
	/* Composite indexes for the common list shapes, "filter_field,sort_field"
	 * (e.g. "stage,amount" for a board column sorted by amount); partial on
	 * live rows, so a filtered, sorted page reads 50 entries, not every match. */
	const char *const *list_indexes;
	/* Count keys: columns ("owner_id" or fields of one value) whose every
	 * combination's number of live rows is kept in <name>_counts, so that a
	 * list total filtered by equality on them is read from a few summary
	 * rows instead of counted entry by entry (count_summary.h): the scope's
	 * columns and the status tabs.  NULL-terminated; may be NULL. */
	const char *const *count_keys;
	/* Child collections (see child_def); terminated by name == NULL; may be NULL. */
	const child_def *children;
	/* Members of a request body that are not fields but instructions to the
	 * hooks ("prepayment", "override", "win_opportunity"); NULL-terminated. */
	const char *const *body_keys;
};

/* ---- registry (entity_registry.c) ---- */
void entity_register(const entity_def *e);
const entity_def *entity_find(const char *name);
int entity_count(void);
const entity_def *entity_at(int i);
/* Position of e in the registry (0..entity_count()-1), -1 when unknown. */
int entity_index(const entity_def *e);
const field_def *entity_field(const entity_def *e, const char *name);
/* Checks every declaration; prints each problem and returns their number. */
int entity_check_all(void);
/* Forgets every registration (unit tests). */
void entity_registry_reset(void);

/* ---- schema (schema.c) ---- */
/* Creates or extends every entity's table, indexes and search index. */
int entity_sync_schema(db *d);
/* The name of a list index of e holding group, sum and sum's currency (so a
 * sum over live rows is read from it alone); false when there is none. */
bool entity_covering_list_index(const entity_def *e, const char *group, const char *sum, char *name, size_t n);

/* ---- hooks ---- */
int hook_fail(hook_ctx *h, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int hook_field_error(hook_ctx *h, const char *field, const char *code);

/* ---- option lists (options.c): admin-editable enum options ---- */
/* The options of a field as a JSON array of {"value","label":{...},...}; new reference. */
json_t *entity_field_options(db *d, const field_def *f);
bool entity_option_valid(db *d, const field_def *f, const char *value);

#endif
