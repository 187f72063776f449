/*
 * commission_pin.c - which versions a contract is computed with: the plan and
 * fee rules in force on its signed date (the most specific plan for its owner),
 * pinned in the transaction that signs it and never changed afterwards.
 */
#include "commission_int.h"
#include "../../util/clock.h"
#include "../sales/documents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- loading and choosing versions ---- */

int comm_load_plan(ent_op *op, int64_t id, comm_plan_row *p)
{
	memset(p, 0, sizeof(*p));
	db_stmt *s = db_prepare(op->db, "SELECT id, name, version, effective_from, basis, rate_pct, tiers, tier_period, "
					"category_rates, coalesce(cap, 0), currency FROM commission_plans WHERE id = ?");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	if (rc == DB_ROW) {
		p->id = db_col_int(s, 0);
		snprintf(p->name, sizeof(p->name), "%s", db_col_text(s, 1));
		p->version = db_col_int(s, 2);
		snprintf(p->effective_from, sizeof(p->effective_from), "%s", db_col_text(s, 3));
		snprintf(p->basis, sizeof(p->basis), "%s", db_col_text(s, 4));
		p->calc.rate_pct = db_col_int(s, 5);
		json_t *tiers = json_loads(db_col_text(s, 6), 0, NULL);
		size_t i;
		json_t *t;
		json_array_foreach(tiers, i, t) {
			if (p->calc.ntiers >= COMM_MAX_TIERS)
				break;
			p->calc.tiers[p->calc.ntiers].from = json_integer_value(json_object_get(t, "from"));
			p->calc.tiers[p->calc.ntiers].rate_pct = json_integer_value(json_object_get(t, "rate_pct"));
			p->calc.ntiers++;
		}
		json_decref(tiers);
		snprintf(p->tier_period, sizeof(p->tier_period), "%s", db_col_text(s, 7));
		p->category_rates = json_loads(db_col_text(s, 8), 0, NULL);
		p->calc.cap = db_col_int(s, 9);
		snprintf(p->currency, sizeof(p->currency), "%s", db_col_text(s, 10));
	}
	db_done(s);
	if (rc < 0)
		return op_db_fail(op, rc);
	return rc == DB_ROW ? 0 : op_fail(op, 404, "not_found", "no such commission plan");
}

void comm_plan_row_free(comm_plan_row *p)
{
	json_decref(p->category_rates);
	p->category_rates = NULL;
}

int comm_load_fee(ent_op *op, int64_t id, comm_fee_row *f)
{
	memset(f, 0, sizeof(*f));
	db_stmt *s = db_prepare(op->db, "SELECT id, name, version, rate_pct, reason FROM commission_fee_rules WHERE id = ?");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	if (rc == DB_ROW) {
		f->id = db_col_int(s, 0);
		snprintf(f->name, sizeof(f->name), "%s", db_col_text(s, 1));
		f->version = db_col_int(s, 2);
		f->rate_pct = db_col_int(s, 3);
		snprintf(f->reason, sizeof(f->reason), "%s", db_col_text(s, 4));
	}
	db_done(s);
	if (rc < 0)
		return op_db_fail(op, rc);
	return rc == DB_ROW ? 0 : op_fail(op, 404, "not_found", "no such fee rule");
}

/* How well a version's targets fit the owner: 3 named, 2 by role, 1 everyone, 0 not at all. */
static int fit(const char *user_ids, const char *roles, int64_t owner, const char *owner_roles)
{
	json_t *u = json_loads(user_ids, 0, NULL), *r = json_loads(roles, 0, NULL);
	int score = json_array_size(u) || json_array_size(r) ? 0 : 1;
	size_t i;
	json_t *x;
	json_array_foreach(r, i, x) {
		char quoted[80];
		snprintf(quoted, sizeof(quoted), "\"%s\"", json_string_value(x));
		if (owner_roles && strstr(owner_roles, quoted))
			score = 2;
	}
	json_array_foreach(u, i, x)
		if (json_integer_value(x) == owner)
			score = 3;
	json_decref(u);
	json_decref(r);
	return score;
}

/* The newest version per name in force on date: rows of (id, name, effective_from, user_ids, roles, rate). */
static db_stmt *in_force(ent_op *op, const char *table, const char *date)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT t.id, t.effective_from, t.user_ids, t.roles, t.rate_pct FROM %s t WHERE t.effective_from <= ? "
		 "AND t.version = (SELECT max(v.version) FROM %s v WHERE v.name = t.name AND v.effective_from <= ?) "
		 "ORDER BY t.id",
		 table, table);
	db_stmt *s = db_prepare(op->db, sql);
	if (s) {
		db_bind_str(s, 1, date);
		db_bind_str(s, 2, date);
	}
	return s;
}

int comm_choose(ent_op *op, int64_t owner, const char *date, int64_t *plan_id, json_t *fees)
{
	*plan_id = 0;
	char owner_roles[512] = "";
	db_stmt *s = db_prepare(op->db, "SELECT roles FROM users WHERE id = ?");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, owner);
	if (db_step(s) == DB_ROW)
		snprintf(owner_roles, sizeof(owner_roles), "%s", db_col_text(s, 0));
	db_done(s);
	if (!(s = in_force(op, "commission_plans", date)))
		return op_db_fail(op, db_errcode(op->db));
	int best = 0;
	char best_from[11] = "";
	while (db_step(s) == DB_ROW) {
		int f = fit(db_col_text(s, 2), db_col_text(s, 3), owner, owner_roles);
		const char *from = db_col_text(s, 1);
		/* the most specific plan; among equals the one in force most recently, then the newest */
		if (f && (f > best || (f == best && strcmp(from, best_from) >= 0))) {
			best = f;
			*plan_id = db_col_int(s, 0);
			snprintf(best_from, sizeof(best_from), "%s", from);
		}
	}
	db_done(s);
	if (!(s = in_force(op, "commission_fee_rules", date)))
		return op_db_fail(op, db_errcode(op->db));
	while (db_step(s) == DB_ROW)
		if (db_col_int(s, 4) > 0 && fit(db_col_text(s, 2), db_col_text(s, 3), owner, owner_roles))
			json_array_append_new(fees, json_integer(db_col_int(s, 0)));
	db_done(s);
	return 0;
}

/* Pins the versions in force on the contract's signed date, once. */
static int pin(ent_op *op, int64_t contract_id, int64_t owner, const char *signed_on)
{
	int64_t plan_id;
	json_t *fees = json_array();
	if (comm_choose(op, owner, signed_on, &plan_id, fees)) {
		json_decref(fees);
		return -1;
	}
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	char *txt = json_dumps(fees, JSON_COMPACT);
	json_decref(fees);
	db_stmt *s = db_prepare(op->db, "INSERT INTO commission_pins(contract_id, plan_id, fee_rule_ids, pinned_at) "
					"VALUES (?, ?, ?, ?) ON CONFLICT(contract_id) DO NOTHING");
	int rc = DB_ERR;
	if (s) {
		db_bind_int(s, 1, contract_id);
		if (plan_id)
			db_bind_int(s, 2, plan_id);
		else
			db_bind_null(s, 2);
		db_bind_str(s, 3, txt);
		db_bind_str(s, 4, now);
		rc = db_step(s);
		db_done(s);
	}
	free(txt);
	return rc == DB_DONE ? 0 : op_db_fail(op, rc);
}

static bool is_signed(const char *status)
{
	return status && (!strcmp(status, "signed") || !strcmp(status, "completed"));
}

/* The contracts hook (documents.h): in the transaction that signs the contract. */
static int on_contract_saved(ent_op *op, int64_t id, json_t *rec)
{
	const char *st = json_string_value(json_object_get(rec, "status"));
	const char *signed_on = json_string_value(json_object_get(rec, "signed_on"));
	json_t *owner = json_object_get(rec, "owner_id");
	if (!is_signed(st) || !signed_on || !json_is_integer(owner))
		return 0;
	if (comm_count(op->db, "SELECT count(*) FROM commission_pins WHERE contract_id = ?", id) > 0)
		return 0;
	return pin(op, id, json_integer_value(owner), signed_on);
}

int comm_pin_get(ent_op *op, int64_t contract_id, int64_t *plan_id, json_t **fee_ids)
{
	*plan_id = 0;
	*fee_ids = NULL;
	for (int round = 0; round < 2; round++) {
		db_stmt *s = db_prepare(op->db, "SELECT coalesce(plan_id, 0), fee_rule_ids FROM commission_pins "
						"WHERE contract_id = ?");
		if (!s)
			return op_db_fail(op, db_errcode(op->db));
		db_bind_int(s, 1, contract_id);
		int rc = db_step(s);
		if (rc == DB_ROW) {
			*plan_id = db_col_int(s, 0);
			*fee_ids = json_loads(db_col_text(s, 1), 0, NULL);
		}
		db_done(s);
		if (rc < 0)
			return op_db_fail(op, rc);
		if (rc == DB_ROW) {
			if (!*fee_ids)
				*fee_ids = json_array();
			return 0;
		}
		if (round)
			break;
		/* not pinned (signed before commissions existed): pin it now, as of its signed date */
		s = db_prepare(op->db, "SELECT owner_id, signed_on, status FROM contracts WHERE id = ?");
		if (!s)
			return op_db_fail(op, db_errcode(op->db));
		db_bind_int(s, 1, contract_id);
		int64_t owner = 0;
		char signed_on[11] = "", status[20] = "";
		if (db_step(s) == DB_ROW && !db_col_is_null(s, 0) && !db_col_is_null(s, 1)) {
			owner = db_col_int(s, 0);
			snprintf(signed_on, sizeof(signed_on), "%s", db_col_text(s, 1));
			snprintf(status, sizeof(status), "%s", db_col_text(s, 2));
		}
		db_done(s);
		if (!owner || !is_signed(status))
			break;
		if (op_begin(op) || pin(op, contract_id, owner, signed_on)) {
			op_rollback(op);
			return -1;
		}
		if (op_commit(op))
			return -1;
	}
	*fee_ids = json_array();
	return 0;
}

void commissions_register(void)
{
	contract_saved_hook = on_contract_saved;
}
