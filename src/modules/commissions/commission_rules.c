/*
 * commission_rules.c - commission plans and fee rules: versions by name with
 * effective dates, validated, never edited (a change is a new version); the
 * pin that fixes a contract's versions is in commission_pin.c.
 */
#include "commission_int.h"
#include "../../core/acl.h"
#include "../../core/roles.h"
#include "../../util/clock.h"
#include "../../util/money.h"
#include "../../util/utf8.h"
#include "../sales/documents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool comm_may_manage(const auth_session *who)
{
	if (!who || !who->acl)
		return who != NULL; /* the system itself */
	return acl_is_admin(who) || strstr(who->user.roles, "\"finance\"") != NULL;
}

int64_t comm_count(db *d, const char *sql, int64_t id)
{
	db_stmt *s = db_prepare(d, sql);
	if (!s)
		return 0;
	db_bind_int(s, 1, id);
	int64_t v = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	return v;
}

json_t *comm_pct_json(int64_t pct)
{
	if (pct % PCT_SCALE == 0)
		return json_integer(pct / PCT_SCALE);
	return json_real((double)pct / PCT_SCALE);
}

json_t *comm_money(int64_t amount, const char *currency)
{
	return json_pack("{s:I,s:s}", "amount", (json_int_t)amount, "currency", currency && *currency ? currency : "CNY");
}

static int field_err(ent_op *op, const char *field, const char *code)
{
	op_fail(op, 422, "validation_failed", "some fields are not valid");
	op->err.fields = json_pack("{s:s}", field, code);
	return -1;
}

/* A percent from 0 to 100, string or number, up to 4 decimals. */
static int parse_pct(ent_op *op, const char *field, json_t *v, int64_t *out)
{
	char txt[64];
	if (json_is_integer(v))
		snprintf(txt, sizeof(txt), "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(txt, sizeof(txt), "%.10g", json_real_value(v));
	else if (json_is_string(v) && json_string_length(v) < sizeof(txt))
		snprintf(txt, sizeof(txt), "%s", json_string_value(v));
	else
		return field_err(op, field, v ? "invalid_type" : "required");
	enum money_err e = money_parse_scaled(txt, PCT_DECIMALS, false, 100 * PCT_SCALE, out);
	if (e)
		return field_err(op, field, e == MONEY_TOO_MANY_DECIMALS ? "too_many_decimals"
					    : e == MONEY_OUT_OF_RANGE ? "out_of_range" : "invalid_number");
	return 0;
}

/* A money object {"amount", "currency"} (or a bare integer in minor units). */
static int parse_money(ent_op *op, const char *field, json_t *v, int64_t *amount, char cur[4])
{
	json_t *a = json_is_object(v) ? json_object_get(v, "amount") : v;
	if (json_is_object(v)) {
		const char *c = json_string_value(json_object_get(v, "currency"));
		if (c && !doc_currency_ok(c))
			return field_err(op, field, "invalid_currency");
		if (c)
			snprintf(cur, 4, "%s", c);
	}
	if (!json_is_integer(a))
		return field_err(op, field, v ? "invalid_type" : "required");
	*amount = json_integer_value(a);
	if (*amount < 0 || *amount > MONEY_MAX)
		return field_err(op, field, "out_of_range");
	return 0;
}

static int check_name(ent_op *op, json_t *v, size_t max)
{
	const char *s = json_string_value(v);
	if (!s)
		return field_err(op, "name", v ? "invalid_type" : "required");
	size_t n = json_string_length(v);
	if (!utf8_valid(s, n) || memchr(s, 0, n) || strchr(s, '\n'))
		return field_err(op, "name", "invalid_text");
	if (!n || utf8_length(s, n) > max)
		return field_err(op, "name", n ? "too_long" : "required");
	return 0;
}

static int check_date(ent_op *op, const char *field, json_t *v)
{
	int y, m, d;
	const char *s = json_string_value(v);
	if (!s)
		return field_err(op, field, v ? "invalid_type" : "required");
	if (strlen(s) != 10 || clock_parse_date(s, &y, &m, &d))
		return field_err(op, field, "invalid_date");
	return 0;
}

/* user_ids (existing users) and roles (existing roles): JSON text into out (caller frees). */
static int check_targets(ent_op *op, json_t *body, char **user_ids, char **roles)
{
	json_t *u = json_object_get(body, "user_ids"), *r = json_object_get(body, "roles");
	if (u && !json_is_null(u) && !json_is_array(u))
		return field_err(op, "user_ids", "invalid_type");
	if (r && !json_is_null(r) && !json_is_array(r))
		return field_err(op, "roles", "invalid_type");
	size_t i;
	json_t *x;
	json_array_foreach(u, i, x) {
		if (!json_is_integer(x) || json_integer_value(x) <= 0 || i >= 500)
			return field_err(op, "user_ids", "invalid_type");
		if (comm_count(op->db, "SELECT count(*) FROM users WHERE id = ?", json_integer_value(x)) != 1)
			return field_err(op, "user_ids", "not_found");
	}
	json_array_foreach(r, i, x) {
		if (!json_is_string(x) || i >= 50)
			return field_err(op, "roles", "invalid_type");
		if (!role_exists(op->db, json_string_value(x)))
			return field_err(op, "roles", "not_found");
	}
	json_t *ue = json_is_array(u) ? json_incref(u) : json_array();
	json_t *re = json_is_array(r) ? json_incref(r) : json_array();
	*user_ids = json_dumps(ue, JSON_COMPACT);
	*roles = json_dumps(re, JSON_COMPACT);
	json_decref(ue);
	json_decref(re);
	return 0;
}

static int check_keys(ent_op *op, json_t *body, const char *const *allowed)
{
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		bool ok = false;
		for (int i = 0; allowed[i]; i++)
			ok |= !strcmp(k, allowed[i]);
		if (!ok)
			return field_err(op, k, "unknown_field");
	}
	return 0;
}

static int64_t next_version(ent_op *op, const char *table, const char *name)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT coalesce(max(version), 0) FROM %s WHERE name = ?", table);
	db_stmt *s = db_prepare(op->db, sql);
	if (!s)
		return -1;
	db_bind_str(s, 1, name);
	int64_t v = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
	db_done(s);
	return v < 0 ? -1 : v + 1;
}

/* ---- plans ---- */

static const char *const plan_keys[] = { "name", "effective_from", "basis", "rate_percent", "tiers", "tier_period",
					 "category_rates", "cap", "currency", "user_ids", "roles", NULL };

#define PLAN_COLS "id, name, version, effective_from, basis, rate_pct, tiers, tier_period, category_rates, cap, " \
		  "currency, user_ids, roles, created_by, created_at"

static json_t *plan_json(db_stmt *s)
{
	const char *cur = db_col_text(s, 10);
	json_t *tiers = json_loads(db_col_text(s, 6), 0, NULL), *out_tiers = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(tiers, i, t)
		json_array_append_new(out_tiers, json_pack("{s:o,s:o}", "from",
							   comm_money(json_integer_value(json_object_get(t, "from")), cur),
							   "rate_percent",
							   comm_pct_json(json_integer_value(json_object_get(t, "rate_pct")))));
	json_decref(tiers);
	json_t *cats = json_loads(db_col_text(s, 8), 0, NULL), *out_cats = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(cats, k, v)
		json_object_set_new(out_cats, k, comm_pct_json(json_integer_value(v)));
	json_decref(cats);
	json_t *j = json_pack("{s:I,s:s,s:I,s:s,s:s,s:o,s:o,s:s,s:o,s:s}", "id", (json_int_t)db_col_int(s, 0), "name",
			      db_col_text(s, 1), "version", (json_int_t)db_col_int(s, 2), "effective_from",
			      db_col_text(s, 3), "basis", db_col_text(s, 4), "rate_percent",
			      comm_pct_json(db_col_int(s, 5)), "tiers", out_tiers, "tier_period", db_col_text(s, 7),
			      "category_rates", out_cats, "currency", cur);
	json_object_set_new(j, "cap", db_col_is_null(s, 9) ? json_null() : comm_money(db_col_int(s, 9), cur));
	json_t *u = json_loads(db_col_text(s, 11), 0, NULL), *r = json_loads(db_col_text(s, 12), 0, NULL);
	json_object_set_new(j, "user_ids", u ? u : json_array());
	json_object_set_new(j, "roles", r ? r : json_array());
	json_object_set_new(j, "created_by", db_col_is_null(s, 13) ? json_null() : json_integer(db_col_int(s, 13)));
	json_object_set_new(j, "created_at", json_string(db_col_text(s, 14)));
	return j;
}

json_t *comm_plan_get(ent_op *op, int64_t id)
{
	db_stmt *s = db_prepare(op->db, "SELECT " PLAN_COLS " FROM commission_plans WHERE id = ?");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, id);
	json_t *j = db_step(s) == DB_ROW ? plan_json(s) : NULL;
	db_done(s);
	if (!j)
		op_fail(op, 404, "not_found", "no such commission plan");
	return j;
}

json_t *comm_plan_list(ent_op *op, const char *name)
{
	db_stmt *s = db_prepare(op->db, "SELECT " PLAN_COLS " FROM commission_plans WHERE (CAST(? AS TEXT) IS NULL "
					"OR name = ?) ORDER BY name, version DESC");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_str(s, 1, name);
	db_bind_str(s, 2, name);
	json_t *data = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(data, plan_json(s));
	db_done(s);
	return json_pack("{s:o,s:I}", "data", data, "total", (json_int_t)json_array_size(data));
}

/* tiers [{"from": money, "rate_percent"}] -> JSON text [{"from","rate_pct"}] ascending from 0 */
static char *parse_tiers(ent_op *op, json_t *v, const char *currency)
{
	json_t *out = json_array();
	size_t i;
	json_t *t;
	int64_t last = -1;
	if (v && !json_is_null(v) && (!json_is_array(v) || json_array_size(v) > COMM_MAX_TIERS)) {
		field_err(op, "tiers", "invalid_type");
		goto fail;
	}
	json_array_foreach(v, i, t) {
		int64_t from, pct;
		char cur[4] = "";
		char f[32];
		snprintf(f, sizeof(f), "tiers.%zu", i);
		if (!json_is_object(t)) {
			field_err(op, f, "invalid_type");
			goto fail;
		}
		if (parse_money(op, f, json_object_get(t, "from"), &from, cur) ||
		    parse_pct(op, f, json_object_get(t, "rate_percent"), &pct))
			goto fail;
		if (*cur && strcmp(cur, currency)) {
			field_err(op, f, "currency_mismatch");
			goto fail;
		}
		if (from <= last) {
			field_err(op, f, "not_ascending");
			goto fail;
		}
		last = from;
		json_array_append_new(out, json_pack("{s:I,s:I}", "from", (json_int_t)from, "rate_pct", (json_int_t)pct));
	}
	char *txt = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return txt;
fail:
	json_decref(out);
	return NULL;
}

static char *parse_categories(ent_op *op, json_t *v)
{
	if (v && !json_is_null(v) && (!json_is_object(v) || json_object_size(v) > COMM_MAX_PARTS)) {
		field_err(op, "category_rates", "invalid_type");
		return NULL;
	}
	json_t *out = json_object();
	const char *k;
	json_t *r;
	json_object_foreach(v, k, r) {
		int64_t pct;
		if (!*k || strlen(k) > 50 || parse_pct(op, "category_rates", r, &pct)) {
			if (!op->err.status)
				field_err(op, "category_rates", "invalid_text");
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, k, json_integer(pct));
	}
	char *txt = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(out);
	return txt;
}

json_t *comm_plan_create(ent_op *op, json_t *body)
{
	if (!comm_may_manage(op->who)) {
		op_fail(op, 403, "forbidden", "only finance and administrators change commission plans");
		return NULL;
	}
	int64_t pct, cap = 0;
	bool has_cap = false;
	char currency[4] = "CNY";
	const char *basis = json_string_value(json_object_get(body, "basis"));
	const char *period = json_string_value(json_object_get(body, "tier_period"));
	json_t *cur = json_object_get(body, "currency");
	if (check_keys(op, body, plan_keys) || check_name(op, json_object_get(body, "name"), 100) ||
	    check_date(op, "effective_from", json_object_get(body, "effective_from")))
		return NULL;
	if (!basis || (strcmp(basis, "payments") && strcmp(basis, "contract_amount"))) {
		field_err(op, "basis", json_object_get(body, "basis") ? "invalid_option" : "required");
		return NULL;
	}
	if (parse_pct(op, "rate_percent", json_object_get(body, "rate_percent"), &pct))
		return NULL;
	if (cur && (!json_is_string(cur) || !doc_currency_ok(json_string_value(cur)))) {
		field_err(op, "currency", "invalid_currency");
		return NULL;
	}
	if (cur)
		snprintf(currency, sizeof(currency), "%s", json_string_value(cur));
	if (json_object_get(body, "tier_period") && !json_is_null(json_object_get(body, "tier_period")) &&
	    (!period || (strcmp(period, "month") && strcmp(period, "quarter") && strcmp(period, "year")))) {
		field_err(op, "tier_period", "invalid_option");
		return NULL;
	}
	json_t *capv = json_object_get(body, "cap");
	if (capv && !json_is_null(capv)) {
		char cc[4] = "";
		if (parse_money(op, "cap", capv, &cap, cc))
			return NULL;
		if (*cc && strcmp(cc, currency)) {
			field_err(op, "cap", "currency_mismatch");
			return NULL;
		}
		has_cap = true;
	}
	char *tiers = NULL, *cats = NULL, *users = NULL, *roles = NULL;
	json_t *out = NULL;
	if (!(tiers = parse_tiers(op, json_object_get(body, "tiers"), currency)) ||
	    !(cats = parse_categories(op, json_object_get(body, "category_rates"))) ||
	    check_targets(op, body, &users, &roles))
		goto done;
	const char *name = json_string_value(json_object_get(body, "name"));
	if (op_begin(op))
		goto done;
	int64_t version = next_version(op, "commission_plans", name);
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	db_stmt *s = version < 0 ? NULL : db_prepare(op->db, "INSERT INTO commission_plans(name, version, effective_from, basis, "
		"rate_pct, tiers, tier_period, category_rates, cap, currency, user_ids, roles, created_by, created_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		op_rollback(op);
		goto done;
	}
	db_bind_str(s, 1, name);
	db_bind_int(s, 2, version);
	db_bind_str(s, 3, json_string_value(json_object_get(body, "effective_from")));
	db_bind_str(s, 4, basis);
	db_bind_int(s, 5, pct);
	db_bind_str(s, 6, tiers);
	db_bind_str(s, 7, period ? period : "month");
	db_bind_str(s, 8, cats);
	if (has_cap)
		db_bind_int(s, 9, cap);
	else
		db_bind_null(s, 9);
	db_bind_str(s, 10, currency);
	db_bind_str(s, 11, users);
	db_bind_str(s, 12, roles);
	db_bind_int(s, 13, op->who ? op->who->user.id : 0);
	db_bind_str(s, 14, now);
	int rc = db_step(s);
	int64_t id = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	if (!id) {
		op_db_fail(op, rc < 0 ? rc : DB_ERR);
		op_rollback(op);
		goto done;
	}
	if (op_commit(op))
		goto done;
	out = comm_plan_get(op, id);
done:
	free(tiers);
	free(cats);
	free(users);
	free(roles);
	return out;
}

/* ---- fee rules ---- */

static const char *const fee_keys[] = { "name", "effective_from", "rate_percent", "reason", "user_ids", "roles", NULL };

static json_t *fee_json(db_stmt *s)
{
	json_t *j = json_pack("{s:I,s:s,s:I,s:s,s:o,s:s}", "id", (json_int_t)db_col_int(s, 0), "name", db_col_text(s, 1),
			      "version", (json_int_t)db_col_int(s, 2), "effective_from", db_col_text(s, 3),
			      "rate_percent", comm_pct_json(db_col_int(s, 4)), "reason", db_col_text(s, 5));
	json_t *u = json_loads(db_col_text(s, 6), 0, NULL), *r = json_loads(db_col_text(s, 7), 0, NULL);
	json_object_set_new(j, "user_ids", u ? u : json_array());
	json_object_set_new(j, "roles", r ? r : json_array());
	json_object_set_new(j, "created_at", json_string(db_col_text(s, 8)));
	return j;
}

#define FEE_COLS "id, name, version, effective_from, rate_pct, reason, user_ids, roles, created_at"

json_t *comm_fee_rule_list(ent_op *op, const char *name)
{
	db_stmt *s = db_prepare(op->db, "SELECT " FEE_COLS " FROM commission_fee_rules WHERE (CAST(? AS TEXT) IS NULL "
					"OR name = ?) ORDER BY name, version DESC");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_str(s, 1, name);
	db_bind_str(s, 2, name);
	json_t *data = json_array();
	while (db_step(s) == DB_ROW)
		json_array_append_new(data, fee_json(s));
	db_done(s);
	return json_pack("{s:o,s:I}", "data", data, "total", (json_int_t)json_array_size(data));
}

json_t *comm_fee_rule_create(ent_op *op, json_t *body)
{
	if (!comm_may_manage(op->who)) {
		op_fail(op, 403, "forbidden", "only finance and administrators change fee rules");
		return NULL;
	}
	int64_t pct;
	if (check_keys(op, body, fee_keys) || check_name(op, json_object_get(body, "name"), 100) ||
	    check_date(op, "effective_from", json_object_get(body, "effective_from")) ||
	    parse_pct(op, "rate_percent", json_object_get(body, "rate_percent"), &pct))
		return NULL;
	json_t *reason = json_object_get(body, "reason");
	if (reason && (!json_is_string(reason) || json_string_length(reason) > 500 ||
		       !utf8_valid(json_string_value(reason), json_string_length(reason)))) {
		field_err(op, "reason", "invalid_text");
		return NULL;
	}
	char *users = NULL, *roles = NULL;
	json_t *out = NULL;
	if (check_targets(op, body, &users, &roles))
		goto done;
	const char *name = json_string_value(json_object_get(body, "name"));
	if (op_begin(op))
		goto done;
	int64_t version = next_version(op, "commission_fee_rules", name);
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	db_stmt *s = version < 0 ? NULL : db_prepare(op->db, "INSERT INTO commission_fee_rules(name, version, effective_from, "
		"rate_pct, reason, user_ids, roles, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		op_rollback(op);
		goto done;
	}
	db_bind_str(s, 1, name);
	db_bind_int(s, 2, version);
	db_bind_str(s, 3, json_string_value(json_object_get(body, "effective_from")));
	db_bind_int(s, 4, pct);
	db_bind_str(s, 5, reason ? json_string_value(reason) : name);
	db_bind_str(s, 6, users);
	db_bind_str(s, 7, roles);
	db_bind_int(s, 8, op->who ? op->who->user.id : 0);
	db_bind_str(s, 9, now);
	int rc = db_step(s);
	int64_t id = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	if (!id) {
		op_db_fail(op, rc < 0 ? rc : DB_ERR);
		op_rollback(op);
		goto done;
	}
	if (op_commit(op))
		goto done;
	s = db_prepare(op->db, "SELECT " FEE_COLS " FROM commission_fee_rules WHERE id = ?");
	if (s) {
		db_bind_int(s, 1, id);
		if (db_step(s) == DB_ROW)
			out = fee_json(s);
		db_done(s);
	}
	if (!out)
		op_db_fail(op, DB_ERR);
done:
	free(users);
	free(roles);
	return out;
}
