/* pool.c - see pool.h. */
#include "pool.h"
#include "../sales/sales.h"
#include "../../core/acl.h"
#include "../../core/notify.h"
#include "../../core/record.h"
#include "../../jobs/jobs.h"
#include "../../util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS (86400LL * 1000)

static const char defaults[] =
	"{\"enabled\":true,\"max_customers\":200,\"cooldown_days\":30,\"reminder_days\":3,"
	"\"rules\":{\"A\":{\"no_follow_up_days\":60,\"not_won_days\":365},"
	"\"B\":{\"no_follow_up_days\":45,\"not_won_days\":180},"
	"\"C\":{\"no_follow_up_days\":30,\"not_won_days\":90},"
	"\"D\":{\"no_follow_up_days\":15,\"not_won_days\":60},"
	"\"default\":{\"no_follow_up_days\":30,\"not_won_days\":90}}}";

json_t *pool_settings(db *d)
{
	json_error_t err;
	json_t *out = json_loads(defaults, 0, &err);
	db_stmt *s = db_prepare(d, "SELECT value FROM settings WHERE key = 'pool'");
	if (s) {
		if (db_step(s) == DB_ROW) {
			json_t *saved = json_loadb(db_col_text(s, 0), db_col_len(s, 0), 0, &err);
			if (json_is_object(saved)) {
				json_t *rules = json_object_get(saved, "rules");
				if (json_is_object(rules))
					json_object_update(json_object_get(out, "rules"), rules);
				json_object_del(saved, "rules");
				json_object_update(out, saved);
			}
			json_decref(saved);
		}
		db_done(s);
	}
	return out;
}

static int bad(ent_op *op, const char *field, const char *code)
{
	op_fail(op, 422, "validation_failed", "pool settings are not valid");
	op->err.fields = json_pack("{s:s}", field, code);
	return -1;
}

static bool days_ok(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 3650;
}

int pool_settings_save(ent_op *op, json_t *body)
{
	if (!acl_is_admin(op->who))
		return op_fail(op, 403, "forbidden", "only administrators change the pool rules");
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		if (!strcmp(k, "enabled")) {
			if (!json_is_boolean(v))
				return bad(op, k, "invalid_type");
		} else if (!strcmp(k, "max_customers") || !strcmp(k, "cooldown_days") || !strcmp(k, "reminder_days")) {
			if (!days_ok(v) && !(json_is_integer(v) && !strcmp(k, "max_customers") &&
					     json_integer_value(v) > 0 && json_integer_value(v) <= 100000))
				return bad(op, k, "out_of_range");
		} else if (!strcmp(k, "rules")) {
			const char *g;
			json_t *r;
			if (!json_is_object(v))
				return bad(op, k, "invalid_type");
			json_object_foreach(v, g, r) {
				if (strcmp(g, "A") && strcmp(g, "B") && strcmp(g, "C") && strcmp(g, "D") && strcmp(g, "default"))
					return bad(op, "rules", "unknown_grade");
				if (!days_ok(json_object_get(r, "no_follow_up_days")) ||
				    !days_ok(json_object_get(r, "not_won_days")) || json_object_size(r) != 2)
					return bad(op, "rules", "out_of_range");
			}
		} else {
			return bad(op, k, "unknown_field");
		}
	}
	json_t *merged = pool_settings(op->db);
	json_t *rules = json_object_get(body, "rules");
	if (rules)
		json_object_update(json_object_get(merged, "rules"), rules);
	json_t *rest = json_deep_copy(body);
	json_object_del(rest, "rules");
	json_object_update(merged, rest);
	json_decref(rest);
	char *txt = json_dumps(merged, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(merged);
	db_stmt *s = db_prepare(op->db, "INSERT INTO settings(key, value) VALUES ('pool', ?) "
					"ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	int rc = DB_ERR;
	if (s) {
		db_bind_str(s, 1, txt);
		rc = db_step(s);
		db_done(s);
	}
	free(txt);
	return rc == DB_DONE ? 0 : op_db_fail(op, rc);
}

static int event(ent_op *op, int64_t customer, int64_t user, const char *action)
{
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	db_stmt *s = db_prepare(op->db, "INSERT INTO pool_events(customer_id, user_id, action, at) VALUES (?, ?, ?, ?)");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, customer);
	if (user)
		db_bind_int(s, 2, user);
	else
		db_bind_null(s, 2);
	db_bind_str(s, 3, action);
	db_bind_str(s, 4, now);
	int rc = db_step(s);
	db_done(s);
	return rc == DB_DONE ? 0 : op_db_fail(op, rc);
}

static int64_t count_owned(ent_op *op, int64_t user)
{
	char uid[24];
	snprintf(uid, sizeof(uid), "%lld", (long long)user);
	query_arg args[] = { { "filter[owner_id]", uid }, { "limit", "1" } };
	json_t *r = record_list_system(op, &customers_entity, args, 2);
	int64_t n = r ? json_integer_value(json_object_get(r, "total")) : 0;
	json_decref(r);
	return n;
}

/* The customer's owner history lets go of it: back to the pool of `dept`. */
static int to_pool(ent_op *op, int64_t id, int64_t dept, int64_t by, const char *action)
{
	json_t *set = json_pack("{s:n,s:n}", "owner_id", "owned_since");
	json_object_set_new(set, "pool_department_id", dept ? json_integer(dept) : json_null());
	int rc = op_begin(op);
	if (!rc)
		rc = record_set_fields(op, &customers_entity, id, set, action);
	if (!rc)
		rc = event(op, id, by, action);
	if (!rc) {
		/* what the previous owner shared ends with their ownership */
		db_stmt *s = db_prepare(op->db, "DELETE FROM record_shares WHERE entity = 'customers' AND record_id = ?");
		rc = s ? 0 : -1;
		if (s) {
			db_bind_int(s, 1, id);
			rc = db_step(s) == DB_DONE ? 0 : op_db_fail(op, db_errcode(op->db));
			db_done(s);
		}
	}
	json_decref(set);
	if (rc) {
		op_rollback(op);
		return -1;
	}
	return op_commit(op);
}

json_t *pool_release(ent_op *op, int64_t id)
{
	json_t *c = record_get_for_update(op, &customers_entity, id);
	if (!c)
		return NULL;
	bool owned = json_is_integer(json_object_get(c, "owner_id"));
	int64_t prev = json_integer_value(json_object_get(c, "owner_id"));
	json_decref(c);
	if (!owned) {
		op_fail(op, 409, "conflict", "the customer is already in the pool");
		return NULL;
	}
	if (to_pool(op, id, op->who->user.department_id, prev, "release"))
		return NULL;
	return record_get(op, &customers_entity, id);
}

json_t *pool_claim(ent_op *op, int64_t id)
{
	if (!acl_can(op->who, &customers_entity, ACL_UPDATE)) {
		op_fail(op, 404, "not_found", "no such record");
		return NULL;
	}
	json_t *c = record_get(op, &customers_entity, id);
	if (!c)
		return NULL;
	bool pooled = json_is_null(json_object_get(c, "owner_id"));
	json_decref(c);
	if (!pooled) {
		op_fail(op, 409, "conflict", "the customer has an owner; it is not in the pool");
		return NULL;
	}
	json_t *settings = pool_settings(op->db);
	int64_t max = json_integer_value(json_object_get(settings, "max_customers"));
	int64_t cooldown = json_integer_value(json_object_get(settings, "cooldown_days"));
	json_decref(settings);
	int64_t me = op->who->user.id;
	if (count_owned(op, me) >= max) {
		op_fail(op, 409, "limit_reached", "you already hold %lld customers, the most one person may hold",
			(long long)max);
		return NULL;
	}
	char since[32];
	clock_format_iso(clock_now_ms() - cooldown * DAY_MS, since, sizeof(since));
	db_stmt *s = db_prepare(op->db, "SELECT max(at) FROM pool_events WHERE customer_id = ? AND user_id = ? "
					"AND action IN ('release', 'recycle') AND at > ?");
	bool cooling = false;
	if (s) {
		db_bind_int(s, 1, id);
		db_bind_int(s, 2, me);
		db_bind_str(s, 3, since);
		cooling = db_step(s) == DB_ROW && !db_col_is_null(s, 0);
		db_done(s);
	}
	if (cooling) {
		op_fail(op, 409, "cooldown", "you gave this customer up less than %lld days ago", (long long)cooldown);
		return NULL;
	}
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	json_t *set = json_pack("{s:I,s:s,s:n}", "owner_id", (json_int_t)me, "owned_since", now, "pool_department_id");
	int rc = op_begin(op);
	if (!rc)
		rc = record_set_fields(op, &customers_entity, id, set, "claim");
	if (!rc)
		rc = event(op, id, me, "claim");
	json_decref(set);
	if (rc) {
		op_rollback(op);
		return NULL;
	}
	if (op_commit(op))
		return NULL;
	return record_get(op, &customers_entity, id);
}

/* ---- the daily job ---- */

typedef struct pass {
	const char *grade;        /* NULL: customers without a grade */
	int64_t no_follow_up_ms, not_won_ms;
} pass;

/* Customers of a grade whose `field` is before `cutoff` (and, for
 * last_contacted_at, those never contacted since owned_since), one page. */
static json_t *due(ent_op *op, const char *grade, const char *field, const char *cutoff, bool never)
{
	query_arg args[10];
	int n = 0;
	args[n++] = (query_arg){ grade ? "filter[grade]" : "filter[grade][null]", grade ? grade : "true" };
	args[n++] = (query_arg){ "filter[owner_id][null]", "false" };
	args[n++] = (query_arg){ "filter[status][ne]", "deal" };
	if (never) {
		args[n++] = (query_arg){ "filter[last_contacted_at][null]", "true" };
		args[n++] = (query_arg){ "filter[owned_since][lt]", cutoff };
	} else if (strcmp(field, "owned_since")) {
		/* no follow-up since the later of the last one and the claim: a new owner gets the full time */
		args[n++] = (query_arg){ "filter[last_contacted_at][lt]", cutoff };
		args[n++] = (query_arg){ "filter[owned_since][lt]", cutoff };
	} else {
		args[n++] = (query_arg){ "filter[owned_since][lt]", cutoff };
	}
	args[n++] = (query_arg){ "limit", "200" };
	args[n++] = (query_arg){ "sort", "id" };
	return record_list_system(op, &customers_entity, args, n);
}

static int owner_department(ent_op *op, int64_t owner, int64_t *dept)
{
	db_stmt *s = db_prepare(op->db, "SELECT coalesce(department_id, 0) FROM users WHERE id = ?");
	*dept = 0;
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, owner);
	if (db_step(s) == DB_ROW)
		*dept = db_col_int(s, 0);
	db_done(s);
	return 0;
}

static int recycle_page(ent_op *op, json_t *page, int *count)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(page, "data"), i, c) {
		int64_t id = json_integer_value(json_object_get(c, "id"));
		int64_t owner = json_integer_value(json_object_get(c, "owner_id")), dept;
		if (owner_department(op, owner, &dept) || to_pool(op, id, dept, owner, "recycle"))
			return -1;
		char title[300];
		snprintf(title, sizeof(title), "客户已回收到公海 / Customer returned to the pool: %s",
			 json_string_value(json_object_get(c, "name")));
		if (notify(op, owner, "pool_recycled", title, NULL, "customers", id, NULL))
			return -1;
		(*count)++;
	}
	return 0;
}

static int remind_page(ent_op *op, json_t *page, const char *day, int *count)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(page, "data"), i, c) {
		int64_t id = json_integer_value(json_object_get(c, "id"));
		char key[96], title[300];
		snprintf(key, sizeof(key), "pool-remind:%lld:%s", (long long)id, day);
		snprintf(title, sizeof(title), "客户即将回收到公海，请尽快跟进 / Follow up soon or the customer returns "
					       "to the pool: %s", json_string_value(json_object_get(c, "name")));
		if (notify(op, json_integer_value(json_object_get(c, "owner_id")), "pool_reminder", title, NULL,
			   "customers", id, key))
			return -1;
		(*count)++;
	}
	return 0;
}

/* Recycles every page of one query until none is due (each recycled one leaves the result). */
static int recycle_all(ent_op *op, const char *grade, const char *field, const char *cutoff, bool never, int *count)
{
	for (int guard = 0; guard < 100000; guard++) {
		json_t *page = due(op, grade, field, cutoff, never);
		if (!page)
			return -1;
		size_t n = json_array_size(json_object_get(page, "data"));
		int rc = n ? recycle_page(op, page, count) : 0;
		json_decref(page);
		if (rc || n == 0)
			return rc;
	}
	return 0;
}

static int pool_job(ent_op *op, int64_t now, json_t *report)
{
	json_t *settings = pool_settings(op->db);
	int rc = 0, recycled = 0, reminded = 0;
	if (!json_is_true(json_object_get(settings, "enabled"))) {
		json_object_set_new(report, "disabled", json_true());
		json_decref(settings);
		return 0;
	}
	int64_t remind = json_integer_value(json_object_get(settings, "reminder_days")) * DAY_MS;
	char day[11];
	jobs_day(now, day);
	const char *grades[] = { "A", "B", "C", "D", NULL };
	for (int g = 0; g < 5 && !rc; g++) {
		json_t *rule = json_object_get(json_object_get(settings, "rules"), grades[g] ? grades[g] : "default");
		int64_t nf = json_integer_value(json_object_get(rule, "no_follow_up_days")) * DAY_MS;
		int64_t nw = json_integer_value(json_object_get(rule, "not_won_days")) * DAY_MS;
		char cut_nf[32], cut_nw[32], warn_nf[32], warn_nw[32];
		clock_format_iso(now - nf, cut_nf, sizeof(cut_nf));
		clock_format_iso(now - nw, cut_nw, sizeof(cut_nw));
		clock_format_iso(now - nf + remind, warn_nf, sizeof(warn_nf));
		clock_format_iso(now - nw + remind, warn_nw, sizeof(warn_nw));
		if (nf)
			rc = recycle_all(op, grades[g], "last_contacted_at", cut_nf, false, &recycled) ||
			     recycle_all(op, grades[g], "last_contacted_at", cut_nf, true, &recycled);
		if (!rc && nw)
			rc = recycle_all(op, grades[g], "owned_since", cut_nw, false, &recycled);
		/* reminders: due within the reminder window (the overdue ones are gone
		 * now); a page a rule a day is plenty, and the key keeps it to one a day */
		const char *fields[] = { "last_contacted_at", "last_contacted_at", "owned_since" };
		const char *warns[] = { warn_nf, warn_nf, warn_nw };
		const bool nevers[] = { false, true, false };
		const int64_t spans[] = { nf, nf, nw };
		for (int k = 0; k < 3 && !rc && remind; k++) {
			if (!spans[k])
				continue;
			json_t *page = due(op, grades[g], fields[k], warns[k], nevers[k]);
			rc = page ? remind_page(op, page, day, &reminded) : -1;
			json_decref(page);
		}
	}
	json_object_set_new(report, "recycled", json_integer(recycled));
	json_object_set_new(report, "reminded", json_integer(reminded));
	json_decref(settings);
	return rc;
}

void pool_register(void)
{
	job_register("pool_recycle", pool_job);
}
