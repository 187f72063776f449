/* op.c - engine operations: errors and nested transactions (see entity.h). */
#include "entity.h"
#include "../util/log.h"
#include "../util/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ent_error_clear(ent_error *err)
{
	json_decref(err->fields);
	json_decref(err->extra);
	memset(err, 0, sizeof(*err));
}

static void vfail(ent_error *err, int status, const char *code, const char *fmt, va_list ap)
{
	err->status = status;
	snprintf(err->code, sizeof(err->code), "%s", code);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	utf8_sanitize(err->message);
}

int op_fail(ent_op *op, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(&op->err, status, code, fmt, ap);
	va_end(ap);
	return -1;
}

int op_db_fail(ent_op *op, int dbcode)
{
	if (dbcode == DB_ERR_BUSY)
		return op_fail(op, 503, "unavailable", "the database is busy; try again");
	if (dbcode == DB_ERR_UNIQUE)
		return op_fail(op, 409, "conflict", "a record with this value already exists");
	log_error("database error: %s", db_errmsg(op->db));
	return op_fail(op, 500, "internal", "internal error");
}

int hook_fail(hook_ctx *h, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(&h->op->err, status, code, fmt, ap);
	va_end(ap);
	return -1;
}

int hook_field_error(hook_ctx *h, const char *field, const char *code)
{
	ent_error *err = &h->op->err;
	if (!err->fields)
		err->fields = json_object();
	json_object_set_new(err->fields, field, json_string(code));
	err->status = 422;
	snprintf(err->code, sizeof(err->code), "validation_failed");
	snprintf(err->message, sizeof(err->message), "some fields are not valid");
	return -1;
}

/* Nesting: the outermost level is a transaction, inner levels are savepoints,
 * so an inner failure undoes only its own part. */
int op_begin(ent_op *op)
{
	char sql[48];
	snprintf(sql, sizeof(sql), "SAVEPOINT sp%d", op->tx_depth);
	int rc = op->tx_depth == 0 ? db_begin(op->db) : db_exec(op->db, sql);
	if (rc)
		return op_db_fail(op, rc);
	op->tx_depth++;
	return 0;
}

int op_commit(ent_op *op)
{
	char sql[48];
	if (op->tx_depth == 0)
		return 0;
	op->tx_depth--;
	if (op->tx_depth == 0)
		snprintf(sql, sizeof(sql), "COMMIT");
	else
		snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT sp%d", op->tx_depth);
	int rc = db_exec(op->db, sql);
	if (rc) {
		if (op->tx_depth == 0)
			db_rollback(op->db);
		return op_db_fail(op, rc);
	}
	return 0;
}

void op_rollback(ent_op *op)
{
	char sql[80];
	if (op->tx_depth == 0)
		return;
	op->tx_depth--;
	if (op->tx_depth == 0) {
		db_rollback(op->db);
		return;
	}
	snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT sp%d; RELEASE SAVEPOINT sp%d", op->tx_depth, op->tx_depth);
	db_exec(op->db, sql);
}
