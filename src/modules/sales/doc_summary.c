/*
 * doc_summary.c - the documents of a customer or an opportunity in figures:
 * GET /api/customers/{id}/summary, GET /api/opportunities/{id}/summary.
 * Lifetime value is the amount of its signed and completed contracts;
 * outstanding and overdue are what those contracts still wait for.
 * Sums over several currencies say "currency": "mixed" (as aggregates do).
 */
#include "documents.h"
#include "sales.h"
#include "../../core/acl.h"
#include "../../core/record.h"

#include <stdio.h>
#include <string.h>

typedef struct total {
	int64_t amount;
	char currency[8];
	int64_t count;
} total;

static void add(total *t, int64_t amount, const char *cur)
{
	if (!cur)
		cur = "CNY";
	if (!t->currency[0])
		snprintf(t->currency, sizeof(t->currency), "%s", cur);
	else if (strcmp(t->currency, cur))
		snprintf(t->currency, sizeof(t->currency), "mixed");
	t->amount += amount;
	t->count++;
}

static json_t *money(const total *t)
{
	return doc_money_json(t->amount, t->currency[0] ? t->currency : "CNY");
}

/* count and sum of one money column over the live rows of table where `field` = id, with a condition */
static int sum_docs(ent_op *op, const char *table, const char *col, const char *field, int64_t id, const char *cond,
		    total *t)
{
	char sql[400];
	snprintf(sql, sizeof(sql), "SELECT %s, %s_currency FROM %s WHERE %s = ? AND deleted_at IS NULL%s", col, col, table,
		 field, cond);
	db_stmt *s = db_prepare(op->db, sql);
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, id);
	int rc;
	while ((rc = db_step(s)) == DB_ROW)
		add(t, db_col_is_null(s, 0) ? 0 : db_col_int(s, 0), db_col_text(s, 1));
	db_done(s);
	return rc < 0 ? op_db_fail(op, rc) : 0;
}

json_t *documents_summary(ent_op *op, const entity_def *parent, int64_t id)
{
	json_t *p = record_get(op, parent, id);
	if (!p)
		return NULL;
	json_decref(p);
	const char *field = parent == &customers_entity ? "customer_id" : "opportunity_id";
	total quotes = { 0 }, orders = { 0 }, contracts = { 0 }, received = { 0 }, outstanding = { 0 }, overdue = { 0 },
	      invoiced = { 0 };
	json_t *out = json_object();
	if (acl_can(op->who, &quotes_entity, ACL_READ)) {
		if (sum_docs(op, "quotes", "total", field, id, " AND status <> 'superseded'", &quotes))
			goto fail;
		json_object_set_new(out, "quotes", json_pack("{s:I,s:o}", "count", (json_int_t)quotes.count, "total", money(&quotes)));
	}
	if (acl_can(op->who, &orders_entity, ACL_READ)) {
		if (sum_docs(op, "orders", "total", field, id, " AND status <> 'cancelled'", &orders))
			goto fail;
		json_object_set_new(out, "orders", json_pack("{s:I,s:o}", "count", (json_int_t)orders.count, "total", money(&orders)));
	}
	if (acl_can(op->who, &contracts_entity, ACL_READ)) {
		/* each signed contract's balance, as GET /api/contracts/{id} computes it */
		char sql[200];
		snprintf(sql, sizeof(sql), "SELECT id FROM contracts WHERE %s = ? AND deleted_at IS NULL "
					   "AND status IN ('signed', 'completed') ORDER BY id", field);
		db_stmt *s = db_prepare(op->db, sql);
		if (!s) {
			op_db_fail(op, db_errcode(op->db));
			goto fail;
		}
		db_bind_int(s, 1, id);
		json_t *ids = json_array();
		int rc;
		while ((rc = db_step(s)) == DB_ROW)
			json_array_append_new(ids, json_integer(db_col_int(s, 0)));
		db_done(s);
		size_t i;
		json_t *cid;
		json_array_foreach(ids, i, cid) {
			if (rc < 0)
				break;
			json_t *c = record_get(op, &contracts_entity, json_integer_value(cid));
			if (!c) { /* a contract of a customer one sees is seen; be safe anyway */
				ent_error_clear(&op->err);
				continue;
			}
			const char *cur = json_string_value(json_object_get(json_object_get(c, "amount"), "currency"));
			int64_t a = json_integer_value(json_object_get(json_object_get(c, "amount"), "amount"));
			add(&contracts, a, cur);
			add(&received, json_integer_value(json_object_get(json_object_get(c, "received"), "amount")), cur);
			add(&outstanding, json_integer_value(json_object_get(json_object_get(c, "outstanding"), "amount")), cur);
			add(&overdue, json_integer_value(json_object_get(json_object_get(c, "overdue"), "amount")), cur);
			add(&invoiced, json_integer_value(json_object_get(json_object_get(c, "invoiced"), "amount")), cur);
			json_decref(c);
		}
		json_decref(ids);
		if (rc < 0) {
			op_db_fail(op, rc);
			goto fail;
		}
		json_object_set_new(out, "contracts", json_pack("{s:I,s:o}", "count", (json_int_t)contracts.count, "amount",
								money(&contracts)));
		json_object_set_new(out, "lifetime_value", money(&contracts));
		json_object_set_new(out, "received", money(&received));
		json_object_set_new(out, "outstanding", money(&outstanding));
		json_object_set_new(out, "overdue", money(&overdue));
		json_object_set_new(out, "invoiced", money(&invoiced));
	}
	/* cost of sale: approved reimbursements linked to it (the expenses module, when present) */
	const entity_def *ex = entity_find("expenses");
	if (ex && acl_can(op->who, ex, ACL_READ)) {
		total cost = { 0 };
		if (sum_docs(op, "expenses", "amount", field, id,
			     " AND kind = 'reimbursement' AND approval_status = 'approved'", &cost))
			goto fail;
		json_object_set_new(out, "cost_of_sale", money(&cost));
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}
