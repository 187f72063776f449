/*
 * transfer.c - handing customers to another owner, with what belongs to them:
 * their contacts, their open opportunities (not won or lost) and their open
 * follow-ups (a next follow-up still ahead).  Every moved record gets a
 * "transfer" entry in its history.
 */
#include "sales.h"
#include "../../core/acl.h"
#include "../../core/options.h"
#include "../../core/record.h"
#include "../../util/buf.h"
#include "../../util/clock.h"

#include <stdio.h>
#include <string.h>

/* Sets owner_id on every record of e found by the filter args. */
static int move_all(ent_op *op, const entity_def *e, query_arg *args, int n, json_t *set)
{
	json_t *page = record_list_system(op, e, args, n);
	if (!page)
		return -1;
	size_t i;
	json_t *r;
	int rc = 0;
	json_array_foreach(json_object_get(page, "data"), i, r) {
		if (json_equal(json_object_get(r, "owner_id"), json_object_get(set, "owner_id")))
			continue;
		rc = record_set_fields(op, e, json_integer_value(json_object_get(r, "id")), set, "transfer");
		if (rc)
			break;
	}
	json_decref(page);
	return rc;
}

static int active_user(ent_op *op, int64_t id)
{
	db_stmt *s = db_prepare(op->db, "SELECT 1 FROM users WHERE id = ? AND disabled = 0");
	if (!s)
		return 0;
	db_bind_int(s, 1, id);
	int ok = db_step(s) == DB_ROW;
	db_done(s);
	return ok;
}

json_t *customer_transfer(ent_op *op, int64_t id, int64_t owner)
{
	if (owner <= 0 || !active_user(op, owner)) {
		op_fail(op, 422, "validation_failed", "the new owner must be an active user");
		op->err.fields = json_pack("{s:s}", "owner_id", owner > 0 ? "not_found" : "required");
		return NULL;
	}
	if (!acl_may_assign(op, &customers_entity, owner, ACL_UPDATE)) {
		op_fail(op, 422, "validation_failed", "you may not give customers to this user");
		op->err.fields = json_pack("{s:s}", "owner_id", "out_of_scope");
		return NULL;
	}
	json_t *c = record_get_for_update(op, &customers_entity, id);
	if (!c)
		return NULL;
	json_decref(c);
	char now[32], cid[24];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	snprintf(cid, sizeof(cid), "%lld", (long long)id);
	json_t *set = json_pack("{s:I}", "owner_id", (json_int_t)owner);
	json_t *cset = json_pack("{s:I,s:s,s:n}", "owner_id", (json_int_t)owner, "owned_since", now,
				 "pool_department_id");
	query_arg contacts[] = { { "filter[customer_id]", cid }, { "limit", "500" } };
	/* open stages: those not marked closed in the admin's list */
	buf open = BUF_INIT;
	json_t *stages = option_list_get(op->db, "opportunity_stages"), *st;
	size_t i;
	json_array_foreach(stages, i, st)
		if (!json_is_true(json_object_get(st, "closed")))
			buf_addf(&open, "%s%s", open.len ? "," : "", json_string_value(json_object_get(st, "value")));
	json_decref(stages);
	query_arg opps[] = { { "filter[customer_id]", cid }, { "filter[stage][in]", buf_str(&open) }, { "limit", "500" } };
	query_arg acts[] = { { "filter[customer_id]", cid }, { "filter[next_follow_up_at][gte]", now }, { "limit", "500" } };
	int rc = op_begin(op);
	if (!rc)
		rc = record_set_fields(op, &customers_entity, id, cset, "transfer");
	if (!rc)
		rc = move_all(op, &contacts_entity, contacts, 2, set);
	if (!rc && open.len)
		rc = move_all(op, &opportunities_entity, opps, 3, set);
	buf_free(&open);
	if (!rc)
		rc = move_all(op, &activities_entity, acts, 3, set);
	json_decref(set);
	json_decref(cset);
	if (rc) {
		op_rollback(op);
		return NULL;
	}
	if (op_commit(op))
		return NULL;
	/* the caller may no longer see it (a rep giving a customer away): answer from the system's view */
	return record_load(op, &customers_entity, id, false);
}
