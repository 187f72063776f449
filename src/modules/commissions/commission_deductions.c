/*
 * commission_deductions.c - deductions added to a signed contract: finance
 * adds one with its reason, the rep is told and acknowledges it, and only then
 * is it a line of their statement (in the month of the acknowledgement).
 */
#include "commission_int.h"
#include "../../core/notify.h"
#include "../../core/record.h"
#include "../../util/clock.h"
#include "../../util/money.h"
#include "../../util/utf8.h"
#include "../sales/documents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- deductions added to a signed contract ---- */

static json_t *deduction_json(ent_op *op, int64_t id)
{
	db_stmt *s = db_prepare(op->db, "SELECT id, contract_id, user_id, amount, currency, reason, status, created_at, "
					"acknowledged_at, month FROM commission_deductions WHERE id = ?");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, id);
	json_t *j = NULL;
	if (db_step(s) == DB_ROW) {
		j = json_pack("{s:I,s:I,s:I,s:o,s:s,s:s,s:s}", "id", (json_int_t)db_col_int(s, 0), "contract_id",
			      (json_int_t)db_col_int(s, 1), "user_id", (json_int_t)db_col_int(s, 2), "amount",
			      comm_money(db_col_int(s, 3), db_col_text(s, 4)), "reason", db_col_text(s, 5), "status",
			      db_col_text(s, 6), "created_at", db_col_text(s, 7));
		json_object_set_new(j, "acknowledged_at", db_col_is_null(s, 8) ? json_null() : json_string(db_col_text(s, 8)));
		json_object_set_new(j, "month", db_col_is_null(s, 9) ? json_null() : json_string(db_col_text(s, 9)));
	}
	db_done(s);
	if (!j)
		op_fail(op, 404, "not_found", "no such deduction");
	return j;
}

json_t *comm_deduction_create(ent_op *op, int64_t contract_id, json_t *body)
{
	if (!comm_may_manage(op->who)) {
		op_fail(op, 403, "forbidden", "only finance and administrators add deductions");
		return NULL;
	}
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		if (strcmp(k, "amount") && strcmp(k, "reason")) {
			op_fail(op, 422, "validation_failed", "some fields are not valid");
			op->err.fields = json_pack("{s:s}", k, "unknown_field");
			return NULL;
		}
	}
	json_t *contract = record_get(op, &contracts_entity, contract_id);
	if (!contract)
		return NULL;
	const char *st = json_string_value(json_object_get(contract, "status"));
	json_t *owner = json_object_get(contract, "owner_id");
	int64_t amount = 0;
	const char *cur = NULL;
	json_t *a = json_object_get(body, "amount"), *reason = json_object_get(body, "reason");
	const char *con_cur = json_string_value(json_object_get(json_object_get(contract, "amount"), "currency"));
	const char *bad = NULL, *field = NULL;
	if (!st || (strcmp(st, "signed") && strcmp(st, "completed")) || !json_is_integer(owner))
		bad = "not_signed", field = "contract_id";
	else if (!a)
		bad = "required", field = "amount";
	else if (!doc_money(a, &amount, &cur) || amount <= 0 || amount > MONEY_MAX)
		bad = "invalid_amount", field = "amount";
	else if (cur && con_cur && strcmp(cur, con_cur))
		bad = "currency_mismatch", field = "amount";
	else if (!json_is_string(reason) || !json_string_length(reason))
		bad = reason ? "invalid_type" : "required", field = "reason";
	else if (json_string_length(reason) > 500 || !utf8_valid(json_string_value(reason), json_string_length(reason)))
		bad = "invalid_text", field = "reason";
	if (bad) {
		json_decref(contract);
		op_fail(op, 422, "validation_failed", "some fields are not valid");
		op->err.fields = json_pack("{s:s}", field, bad);
		return NULL;
	}
	int64_t rep = json_integer_value(owner);
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	json_t *out = NULL;
	if (op_begin(op))
		goto done;
	db_stmt *s = db_prepare(op->db, "INSERT INTO commission_deductions(contract_id, user_id, amount, currency, reason, "
					"status, created_by, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING id");
	int64_t id = 0;
	int rc = DB_ERR;
	if (s) {
		db_bind_int(s, 1, contract_id);
		db_bind_int(s, 2, rep);
		db_bind_int(s, 3, amount);
		db_bind_str(s, 4, cur ? cur : con_cur ? con_cur : "CNY");
		db_bind_str(s, 5, json_string_value(reason));
		db_bind_int(s, 6, op->who ? op->who->user.id : 0);
		db_bind_str(s, 7, now);
		rc = db_step(s);
		if (rc == DB_ROW)
			id = db_col_int(s, 0);
		db_done(s);
	}
	if (!id) {
		op_db_fail(op, rc < 0 ? rc : DB_ERR);
		op_rollback(op);
		goto done;
	}
	if (notify(op, rep, "commission_deduction", "提成扣减待确认 / A commission deduction awaits you",
		   json_string_value(reason), "contracts", contract_id, NULL)) {
		op_rollback(op);
		goto done;
	}
	if (op_commit(op))
		goto done;
	out = deduction_json(op, id);
done:
	json_decref(contract);
	return out;
}

json_t *comm_deduction_list(ent_op *op, const char *status)
{
	if (status && strcmp(status, "pending") && strcmp(status, "acknowledged")) {
		op_fail(op, 422, "validation_failed", "status is pending or acknowledged");
		op->err.fields = json_pack("{s:s}", "status", "invalid_option");
		return NULL;
	}
	bool all = comm_may_manage(op->who);
	db_stmt *s = db_prepare(op->db, "SELECT id FROM commission_deductions WHERE (? = 1 OR user_id = ?) "
					"AND (CAST(? AS TEXT) IS NULL OR status = ?) ORDER BY id DESC LIMIT 500");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, all);
	db_bind_int(s, 2, op->who ? op->who->user.id : 0);
	db_bind_str(s, 3, status);
	db_bind_str(s, 4, status);
	json_t *ids = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(ids, json_integer(db_col_int(s, 0)));
	db_done(s);
	json_t *data = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(ids, i, x) {
		json_t *d = deduction_json(op, json_integer_value(x));
		if (d)
			json_array_append_new(data, d);
	}
	json_decref(ids);
	return json_pack("{s:o,s:I}", "data", data, "total", (json_int_t)json_array_size(data));
}

json_t *comm_deduction_ack(ent_op *op, int64_t id)
{
	json_t *d = deduction_json(op, id);
	if (!d)
		return NULL;
	/* only the rep it is addressed to sees it here */
	if (!op->who || json_integer_value(json_object_get(d, "user_id")) != op->who->user.id) {
		json_decref(d);
		op_fail(op, 404, "not_found", "no such deduction");
		return NULL;
	}
	bool pending = !strcmp(json_string_value(json_object_get(d, "status")), "pending");
	json_decref(d);
	if (!pending) {
		op_fail(op, 409, "conflict", "this deduction is already acknowledged");
		return NULL;
	}
	char now[32], m[8];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	comm_this_month(m);
	db_stmt *s = db_prepare(op->db, "UPDATE commission_deductions SET status = 'acknowledged', acknowledged_at = ?, "
					"month = ? WHERE id = ? AND status = 'pending'");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_str(s, 1, now);
	db_bind_str(s, 2, m);
	db_bind_int(s, 3, id);
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE) {
		op_db_fail(op, rc);
		return NULL;
	}
	return deduction_json(op, id);
}
