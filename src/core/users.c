/* users.c - see users.h. */
#include "users.h"
#include "acl.h"
#include "audit.h"
#include "roles.h"
#include "value.h"
#include "../util/clock.h"
#include "../util/xalloc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const enum_option locales[] = { { "zh-CN", { "简体中文", "Simplified Chinese" } },
				       { "en", { "English", "English" } }, { NULL } };

/* The editable fields, checked by the engine's validator. */
static const field_def user_fields[] = {
	{ "name", FT_TEXT, { "姓名", "Name" }, F_REQUIRED, .max_len = 100 },
	{ "email", FT_EMAIL, { "邮箱", "Email" }, 0 },
	{ "department_id", FT_REF, { "部门", "Department" }, 0, .ref = "departments" },
	{ "manager_id", FT_REF, { "直属上级", "Manager" }, 0, .ref = "users" },
	{ "locale", FT_ENUM, { "语言", "Language" }, 0, .options = locales },
	{ NULL },
};

/* An entity_def for the audit history only. */
static const entity_def users_audit = { .name = "users", .label = { "用户", "Users" }, .module = "org",
					.fields = user_fields };

#define USER_COLS "u.id, u.username, u.name, u.email, u.department_id, u.manager_id, u.roles, u.locale, " \
		  "u.disabled, u.created_at, u.updated_at, " \
		  "(SELECT d.name FROM departments d WHERE d.id = u.department_id), " \
		  "(SELECT m.name FROM users m WHERE m.id = u.manager_id)"

static json_t *int_or_null(db_stmt *s, int c)
{
	return db_col_is_null(s, c) ? json_null() : json_integer(db_col_int(s, c));
}

static json_t *row(ent_op *op, db_stmt *s)
{
	json_t *u = json_pack("{s:I,s:s,s:s,s:o,s:o,s:b}", "id", (json_int_t)db_col_int(s, 0), "username",
			      db_col_text(s, 1), "name", db_col_text(s, 2), "department_id", int_or_null(s, 4),
			      "manager_id", int_or_null(s, 5), "disabled", (int)db_col_int(s, 8));
	json_t *labels = json_object();
	if (!db_col_is_null(s, 11))
		json_object_set_new(labels, "department_id", json_string(db_col_text(s, 11)));
	if (!db_col_is_null(s, 12))
		json_object_set_new(labels, "manager_id", json_string(db_col_text(s, 12)));
	json_object_set_new(u, "_labels", labels);
	if (acl_is_admin(op->who) || (op->who && op->who->user.id == db_col_int(s, 0))) {
		json_error_t err;
		json_t *roles = json_loads(db_col_text(s, 6), 0, &err);
		json_object_set_new(u, "roles", json_is_array(roles) ? roles : json_array());
		if (!json_is_array(roles))
			json_decref(roles);
		json_object_set_new(u, "email", db_col_is_null(s, 3) ? json_null() : json_string(db_col_text(s, 3)));
		json_object_set_new(u, "locale", json_string(db_col_text(s, 7)));
		json_object_set_new(u, "created_at", json_string(db_col_text(s, 9)));
		json_object_set_new(u, "updated_at", json_string(db_col_text(s, 10)));
	}
	return u;
}

json_t *users_get(ent_op *op, int64_t id)
{
	db_stmt *s = db_prepare(op->db, "SELECT " USER_COLS " FROM users u WHERE u.id = ?");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, id);
	json_t *u = db_step(s) == DB_ROW ? row(op, s) : NULL;
	db_done(s);
	if (!u)
		op_fail(op, 404, "not_found", "no such user");
	return u;
}

json_t *users_list(ent_op *op, const query_arg *args, int nargs)
{
	sqlb w = SQLB_INIT;
	int64_t limit = 50, offset = 0;
	for (int i = 0; i < nargs; i++) {
		const char *k = args[i].key, *v = args[i].value ? args[i].value : "";
		char *end;
		long long n = strtoll(v, &end, 10);
		bool num = *v && !*end;
		if (!strcmp(k, "q")) {
			buf pat = BUF_INIT;
			buf_addf(&pat, "%%%s%%", v);
			sqlb_add(&w, " AND (u.name LIKE ");
			sqlb_text(&w, buf_str(&pat));
			sqlb_add(&w, " OR u.username LIKE ");
			sqlb_text(&w, buf_str(&pat));
			sqlb_add(&w, ")");
			buf_free(&pat);
		} else if (!strcmp(k, "filter[department_id]") && num) {
			sqlb_add(&w, " AND u.department_id = ");
			sqlb_int(&w, n);
		} else if (!strcmp(k, "filter[manager_id]") && num) {
			sqlb_add(&w, " AND u.manager_id = ");
			sqlb_int(&w, n);
		} else if (!strcmp(k, "filter[disabled]") && (!strcmp(v, "true") || !strcmp(v, "false"))) {
			sqlb_addf(&w, " AND u.disabled = %d", !strcmp(v, "true"));
		} else if (!strcmp(k, "limit") && num && n > 0) {
			limit = n > 500 ? 500 : n;
		} else if (!strcmp(k, "offset") && num && n >= 0) {
			offset = n;
		} else if (k[0] != '_') {
			sqlb_free(&w);
			op_fail(op, 400, "bad_request", "unknown or invalid parameter %s", k);
			return NULL;
		}
	}
	sqlb q = SQLB_INIT, cnt = SQLB_INIT;
	sqlb_add(&q, "SELECT " USER_COLS " FROM users u WHERE 1=1");
	sqlb_add(&q, buf_str(&w.sql));
	sqlb_add(&cnt, "SELECT count(*) FROM users u WHERE 1=1");
	sqlb_add(&cnt, buf_str(&w.sql));
	for (int i = 0; i < w.n; i++) {
		sql_param p = w.p[i];
		if (p.s)
			p.s = xstrdup(p.s);
		sqlb_param(&cnt, p);
		sqlb_param(&q, w.p[i]);
		w.p[i].s = NULL;
	}
	sqlb_add(&q, " ORDER BY u.disabled, u.name, u.id LIMIT ");
	sqlb_int(&q, limit);
	sqlb_add(&q, " OFFSET ");
	sqlb_int(&q, offset);
	json_t *data = json_array();
	db_stmt *s = sqlb_prepare(op->db, &q);
	int rc = DB_ERR;
	if (s) {
		while ((rc = db_step(s)) == DB_ROW)
			json_array_append_new(data, row(op, s));
		db_done(s);
	}
	int64_t total = 0;
	if (rc == DB_DONE && (s = sqlb_prepare(op->db, &cnt))) {
		rc = db_step(s) == DB_ROW ? DB_DONE : DB_ERR;
		total = db_col_int(s, 0);
		db_done(s);
	}
	sqlb_free(&w);
	sqlb_free(&q);
	sqlb_free(&cnt);
	if (rc != DB_DONE) {
		json_decref(data);
		op_db_fail(op, rc);
		return NULL;
	}
	return json_pack("{s:o,s:I,s:I,s:I}", "data", data, "total", (json_int_t)total, "limit", (json_int_t)limit,
			 "offset", (json_int_t)offset);
}

static int fail_fields(ent_op *op, json_t *fields)
{
	op_fail(op, 422, "validation_failed", "some fields are not valid");
	op->err.fields = fields;
	return -1;
}

static bool username_ok(const char *u)
{
	size_t n = u ? strlen(u) : 0;
	if (n < 2 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= '0' && u[i] <= '9') || strchr("._-", u[i])))
			return false;
	return true;
}

/* roles must be a non-empty array of existing role names; returns JSON text or NULL. */
static char *roles_text(ent_op *op, json_t *roles)
{
	if (!json_is_array(roles) || !json_array_size(roles) || json_array_size(roles) > 10)
		return NULL;
	size_t i;
	json_t *r;
	json_array_foreach(roles, i, r)
		if (!json_is_string(r) || !role_exists(op->db, json_string_value(r)))
			return NULL;
	return json_dumps(roles, JSON_COMPACT);
}

/* A manager chain must not come back to the user. */
static bool manager_cycle(ent_op *op, int64_t user, int64_t manager)
{
	for (int depth = 0; manager && depth < 64; depth++) {
		if (manager == user)
			return true;
		db_stmt *s = db_prepare(op->db, "SELECT coalesce(manager_id, 0) FROM users WHERE id = ?");
		if (!s)
			return false;
		db_bind_int(s, 1, manager);
		manager = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
		db_done(s);
	}
	return false;
}

/* Validates the editable fields present in body into vals (name, params). */
typedef struct uval {
	const field_def *f;
	sql_param p[2];
	int n;
} uval;

static int parse_fields(ent_op *op, json_t *body, uval *vals, int *nvals, json_t *errs, bool creating)
{
	int n = 0;
	for (const field_def *f = user_fields; f->name; f++) {
		json_t *v = json_object_get(body, f->name);
		if (!v && !(creating && (f->flags & F_REQUIRED)))
			continue;
		const char *why = value_parse(op, f, v ? v : json_null(), vals[n].p, &vals[n].n);
		if (why)
			json_object_set_new(errs, f->name, json_string(why));
		else
			vals[n++].f = f;
	}
	*nvals = n;
	return json_object_size(errs) ? -1 : 0;
}

static void free_uvals(uval *v, int n)
{
	for (int i = 0; i < n; i++)
		value_free(v[i].p, v[i].n);
}

json_t *users_create(ent_op *op, json_t *body)
{
	if (!acl_is_admin(op->who)) {
		op_fail(op, 403, "forbidden", "only administrators manage users");
		return NULL;
	}
	json_t *errs = json_object();
	const char *username = json_string_value(json_object_get(body, "username"));
	const char *password = json_string_value(json_object_get(body, "password"));
	if (!username_ok(username))
		json_object_set_new(errs, "username", json_string(username ? "invalid" : "required"));
	if (!password || strlen(password) < 8 || strlen(password) > 256)
		json_object_set_new(errs, "password", json_string(!password ? "required" : strlen(password) < 8 ? "too_short" : "too_long"));
	json_t *roles = json_object_get(body, "roles");
	json_t *default_roles = json_pack("[s]", "sales_rep");
	char *roles_json = roles_text(op, roles ? roles : default_roles);
	json_decref(default_roles);
	if (!roles_json)
		json_object_set_new(errs, "roles", json_string("invalid_option"));
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v)
		if (strcmp(k, "username") && strcmp(k, "password") && strcmp(k, "roles") && !entity_field(&users_audit, k))
			json_object_set_new(errs, k, json_string("unknown_field"));
	uval vals[8];
	int n = 0;
	json_t *out = NULL;
	if (parse_fields(op, body, vals, &n, errs, true) || json_object_size(errs)) {
		fail_fields(op, errs);
		goto out;
	}
	json_decref(errs);
	char hash[crypto_pwhash_STRBYTES];
	if (auth_hash_password(password, hash, sizeof(hash))) {
		op_fail(op, 500, "internal", "cannot hash the password");
		goto out;
	}
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	sqlb q = SQLB_INIT;
	sqlb_add(&q, "INSERT INTO users(username, password_hash, roles, created_at, updated_at");
	for (int i = 0; i < n; i++)
		sqlb_addf(&q, ", %s", vals[i].f->name);
	sqlb_add(&q, ") VALUES (");
	sqlb_text(&q, username);
	sqlb_add(&q, ", ");
	sqlb_text(&q, hash);
	sqlb_add(&q, ", ");
	sqlb_text(&q, roles_json);
	sqlb_add(&q, ", ");
	sqlb_text(&q, now);
	sqlb_add(&q, ", ");
	sqlb_text(&q, now);
	for (int i = 0; i < n; i++) {
		sqlb_add(&q, ", ?");
		sql_param p = vals[i].p[0];
		vals[i].p[0].s = NULL;
		sqlb_param(&q, p);
	}
	sqlb_add(&q, ") RETURNING id");
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	int rc = s ? db_step(s) : db_errcode(op->db);
	int64_t id = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	if (!id) {
		if (rc == DB_ERR_UNIQUE) {
			op_fail(op, 409, "conflict", "this username is taken");
			op->err.fields = json_pack("{s:s}", "username", "unique");
		} else {
			op_db_fail(op, rc);
		}
		goto out;
	}
	out = users_get(op, id);
	json_t *changes = json_pack("[{s:s,s:n,s:s}]", "field", "username", "old", "new", username);
	audit_write(op, &users_audit, id, "create", changes);
	json_decref(changes);
out:
	free_uvals(vals, n);
	free(roles_json);
	return out;
}

json_t *users_update(ent_op *op, int64_t id, json_t *body)
{
	bool admin = acl_is_admin(op->who), self = op->who && op->who->user.id == id;
	json_t *old = users_get(op, id);
	if (!old)
		return NULL;
	if (!admin && !self) {
		json_decref(old);
		op_fail(op, 403, "forbidden", "only administrators manage users");
		return NULL;
	}
	json_t *errs = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		bool admin_only = !strcmp(k, "department_id") || !strcmp(k, "manager_id") || !strcmp(k, "roles") ||
				  !strcmp(k, "disabled");
		if (!strcmp(k, "id") || !strcmp(k, "username") || !strcmp(k, "_labels") || !strcmp(k, "created_at") ||
		    !strcmp(k, "updated_at"))
			continue;
		if (!entity_field(&users_audit, k) && !admin_only)
			json_object_set_new(errs, k, json_string("unknown_field"));
		else if (admin_only && !admin)
			json_object_set_new(errs, k, json_string("read_only"));
	}
	json_t *roles = json_object_get(body, "roles");
	char *roles_json = roles ? roles_text(op, roles) : NULL;
	if (roles && !roles_json)
		json_object_set_new(errs, "roles", json_string("invalid_option"));
	json_t *dis = json_object_get(body, "disabled");
	if (dis && !json_is_boolean(dis))
		json_object_set_new(errs, "disabled", json_string("invalid_type"));
	if (dis && json_is_true(dis) && self)
		json_object_set_new(errs, "disabled", json_string("self"));
	json_t *mgr = json_object_get(body, "manager_id");
	if (json_is_integer(mgr) && json_integer_value(mgr) == id)
		json_object_set_new(errs, "manager_id", json_string("self"));
	else if (json_is_integer(mgr) && manager_cycle(op, id, json_integer_value(mgr)))
		json_object_set_new(errs, "manager_id", json_string("cycle"));
	uval vals[8];
	int n = 0;
	json_t *out = NULL;
	if (parse_fields(op, body, vals, &n, errs, false) || json_object_size(errs)) {
		fail_fields(op, errs);
		goto out;
	}
	json_decref(errs);
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	sqlb q = SQLB_INIT;
	sqlb_add(&q, "UPDATE users SET updated_at = ");
	sqlb_text(&q, now);
	for (int i = 0; i < n; i++) {
		sqlb_addf(&q, ", %s = ?", vals[i].f->name);
		sql_param p = vals[i].p[0];
		vals[i].p[0].s = NULL;
		sqlb_param(&q, p);
	}
	if (roles_json) {
		sqlb_add(&q, ", roles = ");
		sqlb_text(&q, roles_json);
	}
	if (dis)
		sqlb_addf(&q, ", disabled = %d", json_is_true(dis));
	sqlb_add(&q, " WHERE id = ");
	sqlb_int(&q, id);
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	int rc = s ? db_step(s) : db_errcode(op->db);
	db_done(s);
	if (rc != DB_DONE) {
		op_db_fail(op, rc);
		goto out;
	}
	if (json_is_true(dis) || roles_json)
		auth_end_user_sessions(op->db, id); /* a disabled user is out at once; new roles need a new login */
	out = users_get(op, id);
	json_t *changes = json_array();
	const char *keys[] = { "name", "email", "department_id", "manager_id", "locale", "roles", "disabled" };
	for (size_t i = 0; out && i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *a = json_object_get(old, keys[i]), *b = json_object_get(out, keys[i]);
		if (json_object_get(body, keys[i]) && !json_equal(a ? a : json_null(), b ? b : json_null()))
			json_array_append_new(changes, json_pack("{s:s,s:O,s:O}", "field", keys[i], "old",
								 a ? a : json_null(), "new", b ? b : json_null()));
	}
	if (json_array_size(changes))
		audit_write(op, &users_audit, id, "update", changes);
	json_decref(changes);
out:
	free_uvals(vals, n);
	free(roles_json);
	json_decref(old);
	return out;
}

int users_set_password(ent_op *op, int64_t id, json_t *body)
{
	bool admin = acl_is_admin(op->who), self = op->who && op->who->user.id == id;
	const char *pw = json_string_value(json_object_get(body, "password"));
	const char *current = json_string_value(json_object_get(body, "current_password"));
	json_t *u = users_get(op, id);
	if (!u)
		return -1;
	const char *username = json_string_value(json_object_get(u, "username"));
	int rc = -1;
	if (!admin && !self) {
		op_fail(op, 403, "forbidden", "only administrators reset passwords");
	} else if (!pw || strlen(pw) < 8 || strlen(pw) > 256) {
		op_fail(op, 422, "validation_failed", "a password has 8 to 256 characters");
		op->err.fields = json_pack("{s:s}", "password", !pw ? "required" : strlen(pw) < 8 ? "too_short" : "too_long");
	} else if (!admin) {
		char token[AUTH_TOKEN_HEX];
		auth_session tmp;
		if (!current || auth_login(op->db, username, current, "", token, &tmp) != AUTH_OK) {
			op_fail(op, 422, "validation_failed", "the current password is wrong");
			op->err.fields = json_pack("{s:s}", "current_password", "wrong");
		} else {
			auth_logout(op->db, tmp.token_hash);
			rc = 0;
		}
	} else {
		rc = 0;
	}
	if (!rc) {
		char hash[crypto_pwhash_STRBYTES];
		db_stmt *s = NULL;
		rc = auth_hash_password(pw, hash, sizeof(hash)) ? -1 : 0;
		if (!rc && (s = db_prepare(op->db, "UPDATE users SET password_hash = ? WHERE id = ?"))) {
			db_bind_str(s, 1, hash);
			db_bind_int(s, 2, id);
			rc = db_step(s) == DB_DONE ? 0 : -1;
			db_done(s);
		}
		/* other sessions end: whoever knew the old password is out */
		if (!rc) {
			s = db_prepare(op->db, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?");
			if (s) {
				db_bind_int(s, 1, id);
				db_bind_str(s, 2, self ? op->who->token_hash : "");
				db_step(s);
				db_done(s);
			}
			json_t *none = json_pack("[{s:s}]", "field", "password");
			audit_write(op, &users_audit, id, "password", none);
			json_decref(none);
		} else {
			op_db_fail(op, db_errcode(op->db));
		}
	}
	json_decref(u);
	return rc;
}

json_t *users_history(ent_op *op, int64_t id)
{
	if (!acl_is_admin(op->who) && !(op->who && op->who->user.id == id)) {
		op_fail(op, 404, "not_found", "no such user");
		return NULL;
	}
	json_t *u = users_get(op, id);
	if (!u)
		return NULL;
	json_decref(u);
	json_t *list = audit_list(op, &users_audit, id, 200, 0);
	return list ? json_pack("{s:o}", "data", list) : NULL;
}
