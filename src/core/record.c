/*
 * record.c - the generic read and write paths of the entity engine (see
 * record.h).  One SELECT list, one INSERT, one UPDATE per entity, all built
 * from the declaration; hooks run inside the transaction.
 */
#include "record.h"
#include "record_int.h"
#include "record_json.h"
#include "acl.h"
#include "audit.h"
#include "search_index.h"
#include "value.h"
#include "../util/clock.h"
#include "../util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Members of a request body that are the engine's, not fields. */
static const char *const system_keys[] = { "id", "version", "created_at", "updated_at", "created_by",
					   "updated_by", "deleted_at", "_labels", "allow_duplicate", NULL };

static bool is_system_key(const char *k);

static bool body_key(const entity_def *e, const char *k)
{
	for (const char *const *b = e->body_keys; b && *b; b++)
		if (!strcmp(*b, k))
			return true;
	return false;
}

bool record_system_key(const char *k)
{
	return is_system_key(k);
}

static bool is_system_key(const char *k)
{
	for (int i = 0; system_keys[i]; i++)
		if (!strcmp(system_keys[i], k))
			return true;
	return false;
}

static void now_iso(char out[32])
{
	clock_format_iso(clock_now_ms(), out, 32);
}

/* ---- reading ---- */

/* scoped: 0 = no scope (the system), 1 = rows the caller sees, 2 = rows they may change, 3 = may delete */
static json_t *load(ent_op *op, const entity_def *e, int64_t id, int scoped, bool with_deleted)
{
	sqlb q = SQLB_INIT;
	record_select(e, &q);
	sqlb_add(&q, " WHERE t.id = ");
	sqlb_int(&q, id);
	if (!with_deleted)
		sqlb_add(&q, " AND t.deleted_at IS NULL");
	if (scoped)
		acl_scope(op, e, "t", &q, ACL_ONE_ROW | (scoped == 3 ? ACL_DELETE : scoped == 2 ? ACL_UPDATE : ACL_READ));
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	json_t *rec = NULL;
	int rc = db_step(s);
	if (rc == DB_ROW)
		rec = record_row_json(op, e, s);
	db_done(s);
	if (rc < 0)
		op_db_fail(op, rc);
	else if (!rec)
		op_fail(op, 404, "not_found", "no such record");
	else if (e->children && children_embed(op, e, id, rec)) {
		json_decref(rec);
		rec = NULL;
	}
	return rec;
}

json_t *record_load(ent_op *op, const entity_def *e, int64_t id, bool with_deleted)
{
	return load(op, e, id, 0, with_deleted);
}

/* Computed members of one record (hooks->decorate); rec is released on failure. */
static json_t *decorate(ent_op *op, const entity_def *e, int64_t id, json_t *rec)
{
	if (!rec || !e->hooks || !e->hooks->decorate)
		return rec;
	hook_ctx h = { op, e, id };
	if (e->hooks->decorate(&h, rec)) {
		if (!op->err.status)
			op_fail(op, 500, "internal", "could not compute the record's figures");
		json_decref(rec);
		return NULL;
	}
	return rec;
}

json_t *record_get(ent_op *op, const entity_def *e, int64_t id)
{
	if (!acl_can(op->who, e, ACL_READ)) {
		op_fail(op, 404, "not_found", "no such record");
		return NULL;
	}
	return decorate(op, e, id, load(op, e, id, 1, false));
}

json_t *record_get_for_update(ent_op *op, const entity_def *e, int64_t id)
{
	if (!acl_can(op->who, e, ACL_UPDATE)) {
		op_fail(op, 404, "not_found", "no such record");
		return NULL;
	}
	return load(op, e, id, 2, false);
}

json_t *record_history(ent_op *op, const entity_def *e, int64_t id, const query_arg *args, int nargs)
{
	int64_t limit = 100, offset = 0;
	for (int i = 0; i < nargs; i++) {
		char *end;
		const char *v = args[i].value ? args[i].value : "";
		long long n = strtoll(v, &end, 10);
		if (!strcmp(args[i].key, "limit") && *v && !*end && n > 0)
			limit = n > 500 ? 500 : n;
		else if (!strcmp(args[i].key, "offset") && *v && !*end && n >= 0)
			offset = n;
		else if (args[i].key[0] != '_') {
			op_fail(op, 400, "bad_request", "unknown or invalid parameter %s", args[i].key);
			return NULL;
		}
	}
	if (!acl_can(op->who, e, ACL_READ)) {
		op_fail(op, 404, "not_found", "no such record");
		return NULL;
	}
	json_t *rec = load(op, e, id, 1, true);
	if (!rec)
		return NULL;
	json_decref(rec);
	json_t *list = audit_list(op, e, id, limit, offset);
	return list ? json_pack("{s:o}", "data", list) : NULL;
}

/* ---- writing ---- */

/* Members that are neither fields nor the engine's, or that the caller may
 * not write: their per-field codes (an empty object when all are fine). */
static json_t *key_errors(ent_op *op, const entity_def *e, json_t *body)
{
	const char *k;
	json_t *v;
	json_t *errs = json_object();
	json_object_foreach(body, k, v) {
		if (is_system_key(k))
			continue;
		if (!strcmp(k, "owner_id") && (e->flags & E_OWNED))
			continue;
		if (children_find(e, k) || body_key(e, k))
			continue;
		const field_def *f = entity_field(e, k);
		if (!f)
			json_object_set_new(errs, k, json_string("unknown_field"));
		else if (acl_field_hidden(op->who, e, f) || acl_field_readonly(op->who, e, f))
			json_object_set_new(errs, k, json_string("read_only"));
	}
	return errs;
}

/* Parses the values of `keys` from rec into params; collects per-field errors. */
/* errs: codes found earlier (key_errors), taken over; NULL for none. */
int parse_values(ent_op *op, const entity_def *e, json_t *rec, bool all_fields, parsed *out, int *nout,
			json_t *errs)
{
	if (!errs)
		errs = json_object();
	int n = 0;
	for (const field_def *f = e->fields; f->name; f++) {
		json_t *v = json_object_get(rec, f->name);
		if (!v && !all_fields)
			continue;
		if (!v)
			v = json_null();
		if (json_object_get(errs, f->name))
			continue;
		const char *err = value_parse(op, f, v, out[n].p, &out[n].n);
		if (err) {
			json_object_set_new(errs, f->name, json_string(err));
			continue;
		}
		out[n++].f = f;
	}
	*nout = n;
	if (json_object_size(errs)) {
		for (int i = 0; i < n; i++)
			value_free(out[i].p, out[i].n);
		*nout = 0;
		op_fail(op, 422, "validation_failed", "some fields are not valid");
		op->err.fields = errs;
		return -1;
	}
	json_decref(errs);
	return 0;
}

void free_values(parsed *v, int n)
{
	for (int i = 0; i < n; i++)
		value_free(v[i].p, v[i].n);
}

int field_count(const entity_def *e)
{
	int n = 0;
	for (const field_def *f = e->fields; f->name; f++)
		n++;
	return n;
}

static void bind_value(sqlb *q, parsed *v, int k)
{
	sql_param p = v->p[k];
	if (p.s)
		p.s = xstrdup(p.s);
	sqlb_add(q, "?");
	sqlb_param(q, p);
}

/* 409 duplicate when a duplicate key's value is already taken by a live record. */
/* old: the record before an update (values kept as they are never count as new duplicates), or NULL */
static int check_duplicates(ent_op *op, const entity_def *e, parsed *vals, int n, int64_t self, json_t *old,
			    json_t *patch)
{
	for (const char *const *k = e->duplicate_keys; k && *k; k++) {
		if (old && json_equal(json_object_get(old, *k), json_object_get(patch, *k)))
			continue;
		for (int i = 0; i < n; i++) {
			if (strcmp(vals[i].f->name, *k) || vals[i].p[0].t == P_NULL)
				continue;
			sqlb q = SQLB_INIT;
			sqlb_addf(&q, "SELECT id FROM %s WHERE deleted_at IS NULL AND id <> ", e->name);
			sqlb_int(&q, self);
			sqlb_addf(&q, " AND %s = ", *k);
			bind_value(&q, &vals[i], 0);
			sqlb_add(&q, " LIMIT 1");
			db_stmt *s = sqlb_prepare(op->db, &q);
			sqlb_free(&q);
			int64_t existing = 0;
			int rc = s ? db_step(s) : DB_ERR;
			if (rc == DB_ROW)
				existing = db_col_int(s, 0);
			db_done(s);
			if (rc < 0)
				return op_db_fail(op, rc);
			if (existing) {
				/* name the record only to those who may see it: no hints across scopes */
				json_t *visible = load(op, e, existing, 1, false);
				ent_error_clear(&op->err);
				op_fail(op, 409, "duplicate", visible ? "a record with the same %s already exists"
								     : "a colleague already has a record with the same %s", *k);
				op->err.fields = json_pack("{s:s}", *k, "duplicate");
				op->err.extra = visible ? json_pack("{s:I,s:s}", "existing_id", (json_int_t)existing, "field", *k)
							: json_pack("{s:s}", "field", *k);
				json_decref(visible);
				return -1;
			}
		}
	}
	return 0;
}

static int check_unique(ent_op *op, const entity_def *e, parsed *vals, int n, int64_t self)
{
	for (int i = 0; i < n; i++) {
		if (!(vals[i].f->flags & F_UNIQUE) || vals[i].p[0].t == P_NULL)
			continue;
		sqlb q = SQLB_INIT;
		sqlb_addf(&q, "SELECT id FROM %s WHERE deleted_at IS NULL AND id <> ", e->name);
		sqlb_int(&q, self);
		sqlb_addf(&q, " AND %s = ", vals[i].f->name);
		bind_value(&q, &vals[i], 0);
		db_stmt *s = sqlb_prepare(op->db, &q);
		int rc = s ? db_step(s) : DB_ERR;
		db_done(s);
		sqlb_free(&q);
		if (rc < 0)
			return op_db_fail(op, rc);
		if (rc == DB_ROW) {
			op_fail(op, 409, "conflict", "%s must be unique; this value is taken", vals[i].f->name);
			op->err.fields = json_pack("{s:s}", vals[i].f->name, "unique");
			return -1;
		}
	}
	return 0;
}

static int64_t owner_of(ent_op *op, const entity_def *e, json_t *body, int *err, bool creating)
{
	*err = 0;
	json_t *o = (e->flags & E_OWNED) ? json_object_get(body, "owner_id") : NULL;
	if (!o || json_is_null(o))
		return op->who ? op->who->user.id : 0;
	field_def owner = { .name = "owner_id", .type = FT_REF, .ref = "users" };
	sql_param p[2];
	int n;
	const char *why = value_parse(op, &owner, o, p, &n);
	if (why) {
		op_fail(op, 422, "validation_failed", "some fields are not valid");
		op->err.fields = json_pack("{s:s}", "owner_id", why);
		*err = -1;
		return 0;
	}
	if (!acl_may_assign(op, e, p[0].i, creating ? ACL_CREATE : ACL_UPDATE)) {
		op_fail(op, 422, "validation_failed", "you may not give records to this user");
		op->err.fields = json_pack("{s:s}", "owner_id", "out_of_scope");
		*err = -1;
		return 0;
	}
	return p[0].i;
}

static int run_hook(ent_op *op, const entity_def *e, int64_t id, int (*fn)(hook_ctx *, json_t *), json_t *a)
{
	if (!fn)
		return 0;
	hook_ctx h = { op, e, id };
	int rc = fn(&h, a);
	if (rc && !op->err.status)
		op_fail(op, 422, "validation_failed", "rejected");
	return rc;
}

static int run_hook2(ent_op *op, const entity_def *e, int64_t id, int (*fn)(hook_ctx *, json_t *, json_t *),
		     json_t *a, json_t *b)
{
	if (!fn)
		return 0;
	hook_ctx h = { op, e, id };
	int rc = fn(&h, a, b);
	if (rc && !op->err.status)
		op_fail(op, 422, "validation_failed", "rejected");
	return rc;
}

int64_t insert_row(ent_op *op, const entity_def *e, parsed *vals, int n, int64_t owner)
{
	char now[32];
	now_iso(now);
	sqlb q = SQLB_INIT;
	sqlb_addf(&q, "INSERT INTO %s (created_at, updated_at, created_by, updated_by", e->name);
	if (e->flags & E_OWNED)
		sqlb_add(&q, ", owner_id");
	for (int i = 0; i < n; i++) {
		sqlb_addf(&q, ", %s", vals[i].f->name);
		if (vals[i].f->type == FT_MONEY)
			sqlb_addf(&q, ", %s_currency", vals[i].f->name);
	}
	sqlb_add(&q, ") VALUES (");
	sqlb_text(&q, now);
	sqlb_add(&q, ", ");
	sqlb_text(&q, now);
	int64_t uid = op->who ? op->who->user.id : 0;
	sqlb_add(&q, ", ");
	if (uid)
		sqlb_int(&q, uid);
	else
		sqlb_null(&q);
	sqlb_add(&q, ", ");
	if (uid)
		sqlb_int(&q, uid);
	else
		sqlb_null(&q);
	if (e->flags & E_OWNED) {
		sqlb_add(&q, ", ");
		if (owner)
			sqlb_int(&q, owner);
		else
			sqlb_null(&q);
	}
	for (int i = 0; i < n; i++) {
		sqlb_add(&q, ", ");
		bind_value(&q, &vals[i], 0);
		if (vals[i].f->type == FT_MONEY) {
			sqlb_add(&q, ", ");
			bind_value(&q, &vals[i], 1);
		}
	}
	sqlb_add(&q, ") RETURNING id");
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	int rc = s ? db_step(s) : db_errcode(op->db);
	int64_t id = rc == DB_ROW ? db_col_int(s, 0) : 0;
	db_done(s);
	if (!id)
		op_db_fail(op, rc < 0 ? rc : DB_ERR);
	return id;
}

json_t *record_create(ent_op *op, const entity_def *e, json_t *body)
{
	if (!acl_can(op->who, e, ACL_CREATE)) {
		op_fail(op, 403, "forbidden", "you may not create %s", e->name);
		return NULL;
	}
	json_t *rec = json_object();
	for (const field_def *f = e->fields; f->name; f++) {
		json_t *v = json_object_get(body, f->name);
		if (v)
			json_object_set(rec, f->name, v);
		else if ((v = value_default(f)))
			json_object_set_new(rec, f->name, v);
	}
	children_take(e, body, rec);
	for (const char *const *b = e->body_keys; b && *b; b++) /* instructions to the hooks */
		if (json_object_get(body, *b))
			json_object_set(rec, *b, json_object_get(body, *b));
	int nf = field_count(e);
	parsed *vals = xcalloc((size_t)nf, sizeof(*vals));
	int n = 0, err = 0;
	json_t *out = NULL;
	int64_t owner = owner_of(op, e, body, &err, true);
	if (err || op_begin(op))
		goto out;
	if (e->hooks && run_hook(op, e, 0, e->hooks->before_create, rec))
		goto fail;
	if (parse_values(op, e, rec, true, vals, &n, key_errors(op, e, body)))
		goto fail;
	if (!json_is_true(json_object_get(body, "allow_duplicate")) && check_duplicates(op, e, vals, n, 0, NULL, NULL))
		goto fail;
	if (check_unique(op, e, vals, n, 0))
		goto fail;
	int64_t id = insert_row(op, e, vals, n, owner);
	if (!id || children_write(op, e, id, rec, body))
		goto fail;
	out = record_load(op, e, id, false);
	if (!out || search_reindex(op, e, id, out))
		goto fail;
	json_t *changes = audit_diff(e, NULL, out, NULL);
	children_diff(e, NULL, out, changes);
	int arc = audit_write(op, e, id, "create", changes);
	json_decref(changes);
	if (arc || (e->hooks && run_hook(op, e, id, e->hooks->after_create, out)))
		goto fail;
	if (op_commit(op)) {
		json_decref(out);
		out = NULL;
	}
	out = decorate(op, e, id, out);
	goto out;
fail:
	json_decref(out);
	out = NULL;
	op_rollback(op);
out:
	free_values(vals, n);
	free(vals);
	json_decref(rec);
	return out;
}

/* UPDATE of the given values with version check; 0, or -1 (409 when stale). */
int update_row(ent_op *op, const entity_def *e, int64_t id, int64_t version, parsed *vals, int n,
		      const int64_t *owner)
{
	char now[32];
	now_iso(now);
	sqlb q = SQLB_INIT;
	sqlb_addf(&q, "UPDATE %s SET version = version + 1, updated_at = ", e->name);
	sqlb_text(&q, now);
	sqlb_add(&q, ", updated_by = ");
	if (op->who && op->who->user.id)
		sqlb_int(&q, op->who->user.id);
	else
		sqlb_null(&q); /* the system (jobs) is nobody */
	if (owner) {
		sqlb_add(&q, ", owner_id = ");
		if (*owner)
			sqlb_int(&q, *owner);
		else
			sqlb_null(&q);
	}
	for (int i = 0; i < n; i++) {
		sqlb_addf(&q, ", %s = ", vals[i].f->name);
		bind_value(&q, &vals[i], 0);
		if (vals[i].f->type == FT_MONEY) {
			sqlb_addf(&q, ", %s_currency = ", vals[i].f->name);
			bind_value(&q, &vals[i], 1);
		}
	}
	sqlb_add(&q, " WHERE id = ");
	sqlb_int(&q, id);
	sqlb_add(&q, " AND version = ");
	sqlb_int(&q, version);
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	int rc = s ? db_step(s) : db_errcode(op->db);
	db_done(s);
	if (rc != DB_DONE)
		return op_db_fail(op, rc < 0 ? rc : DB_ERR);
	if (db_changes(op->db) != 1) {
		/* lost a race with another writer (or server): tell the current version */
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT version FROM %s WHERE id = ?", e->name);
		db_stmt *v = db_prepare(op->db, sql);
		int64_t current = 0;
		if (v) {
			db_bind_int(v, 1, id);
			if (db_step(v) == DB_ROW)
				current = db_col_int(v, 0);
			db_done(v);
		}
		op_fail(op, 409, "conflict", "the record was changed by someone else; reload it");
		op->err.extra = json_pack("{s:I}", "current_version", (json_int_t)current);
		return -1;
	}
	return 0;
}

json_t *record_update(ent_op *op, const entity_def *e, int64_t id, json_t *body)
{
	if (!acl_can(op->who, e, ACL_UPDATE)) {
		op_fail(op, 404, "not_found", "no such record");
		return NULL;
	}
	json_t *ver = json_object_get(body, "version");
	if (!json_is_integer(ver)) {
		op_fail(op, 422, "validation_failed", "the record's version is required");
		op->err.fields = json_pack("{s:s}", "version", ver ? "invalid_type" : "required");
		return NULL;
	}
	json_t *old = NULL, *out = NULL, *patch = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v)
		if (!is_system_key(k) && !children_find(e, k))
			json_object_set(patch, k, v);
	children_take(e, body, patch);
	int nf = field_count(e);
	parsed *vals = xcalloc((size_t)nf, sizeof(*vals));
	int n = 0, err = 0;
	int64_t owner = 0;
	bool owner_set = json_object_get(patch, "owner_id") != NULL;
	if (owner_set) {
		owner = owner_of(op, e, patch, &err, false);
		if (err)
			goto out;
	}
	if (op_begin(op))
		goto out;
	old = load(op, e, id, 2, false);
	if (!old)
		goto fail;
	if (json_integer_value(ver) != json_integer_value(json_object_get(old, "version"))) {
		op_fail(op, 409, "conflict", "the record was changed by someone else; reload it");
		op->err.extra = json_pack("{s:O}", "current_version", json_object_get(old, "version"));
		goto fail;
	}
	if (e->hooks && run_hook2(op, e, id, e->hooks->before_update, old, patch))
		goto fail;
	if (parse_values(op, e, patch, false, vals, &n, key_errors(op, e, body)))
		goto fail;
	if (!json_is_true(json_object_get(body, "allow_duplicate")) && check_duplicates(op, e, vals, n, id, old, patch))
		goto fail;
	if (check_unique(op, e, vals, n, id))
		goto fail;
	if (update_row(op, e, id, json_integer_value(ver), vals, n, owner_set ? &owner : NULL))
		goto fail;
	if (children_write(op, e, id, patch, body))
		goto fail;
	out = record_load(op, e, id, false);
	if (!out || search_reindex(op, e, id, out))
		goto fail;
	json_t *changes = audit_diff(e, old, out, patch);
	children_diff(e, old, out, changes);
	bool instructed = false; /* a hook acted on an instruction (body_keys): keep its work */
	for (const char *const *b = e->body_keys; b && *b; b++)
		instructed |= json_object_get(body, *b) != NULL;
	if (!json_array_size(changes) && !instructed) {
		/* nothing changed: no new version, no history entry */
		json_decref(changes);
		json_decref(out);
		out = json_incref(old);
		op_rollback(op);
		out = decorate(op, e, id, out);
		goto out;
	}
	int arc = json_array_size(changes) ? audit_write(op, e, id, "update", changes) : 0;
	json_decref(changes);
	if (arc || (e->hooks && run_hook2(op, e, id, e->hooks->after_update, old, out)))
		goto fail;
	if (op_commit(op)) {
		json_decref(out);
		out = NULL;
	}
	out = decorate(op, e, id, out);
	goto out;
fail:
	json_decref(out);
	out = NULL;
	op_rollback(op);
out:
	free_values(vals, n);
	free(vals);
	json_decref(old);
	json_decref(patch);
	return out;
}

static int set_deleted(ent_op *op, const entity_def *e, int64_t id, bool deleted)
{
	char now[32];
	now_iso(now);
	sqlb q = SQLB_INIT;
	sqlb_addf(&q, "UPDATE %s SET version = version + 1, updated_at = ", e->name);
	sqlb_text(&q, now);
	sqlb_add(&q, ", deleted_at = ");
	if (deleted)
		sqlb_text(&q, now);
	else
		sqlb_null(&q);
	sqlb_add(&q, " WHERE id = ");
	sqlb_int(&q, id);
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	int rc = s ? db_step(s) : db_errcode(op->db);
	db_done(s);
	if (rc != DB_DONE)
		return op_db_fail(op, rc < 0 ? rc : DB_ERR);
	json_t *none = json_array();
	rc = audit_write(op, e, id, deleted ? "delete" : "restore", none);
	json_decref(none);
	return rc;
}

int record_delete(ent_op *op, const entity_def *e, int64_t id)
{
	if (!acl_can(op->who, e, ACL_DELETE) || (e->flags & E_NO_DELETE))
		return op_fail(op, 404, "not_found", "no such record");
	if (op_begin(op))
		return -1;
	json_t *old = load(op, e, id, 3, false);
	int rc = -1;
	if (old && !(e->hooks && run_hook(op, e, id, e->hooks->before_delete, old)) && !set_deleted(op, e, id, true))
		rc = op_commit(op);
	else
		op_rollback(op);
	json_decref(old);
	return rc;
}

json_t *record_restore(ent_op *op, const entity_def *e, int64_t id)
{
	if (!acl_can(op->who, e, ACL_DELETE)) {
		op_fail(op, 404, "not_found", "no such record");
		return NULL;
	}
	if (op_begin(op))
		return NULL;
	json_t *old = load(op, e, id, 3, true), *out = NULL;
	if (!old)
		goto fail;
	if (!json_object_get(old, "deleted_at")) {
		op_fail(op, 409, "conflict", "the record is not in the recycle bin");
		goto fail;
	}
	/* its unique values may have been taken meanwhile */
	for (const field_def *f = e->fields; f->name; f++) {
		json_t *v = json_object_get(old, f->name);
		if (!(f->flags & F_UNIQUE) || !json_is_string(v))
			continue;
		sqlb q = SQLB_INIT;
		sqlb_addf(&q, "SELECT 1 FROM %s WHERE deleted_at IS NULL AND %s = ", e->name, f->name);
		sqlb_text(&q, json_string_value(v));
		db_stmt *s = sqlb_prepare(op->db, &q);
		sqlb_free(&q);
		int taken = s && db_step(s) == DB_ROW;
		db_done(s);
		if (taken) {
			op_fail(op, 409, "conflict", "%s is now used by another record", f->name);
			op->err.fields = json_pack("{s:s}", f->name, "unique");
			goto fail;
		}
	}
	if (e->hooks && run_hook(op, e, id, e->hooks->before_restore, old))
		goto fail;
	if (set_deleted(op, e, id, false))
		goto fail;
	out = record_load(op, e, id, false);
	if (!out || op_commit(op)) {
		json_decref(out);
		out = NULL;
	}
	json_decref(old);
	return out;
fail:
	json_decref(old);
	op_rollback(op);
	return NULL;
}

static int lock_row(ent_op *op, const entity_def *e, int64_t id)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE id = ? FOR UPDATE", e->name);
	db_stmt *s = db_prepare(op->db, sql);
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, id);
	int rc = db_step(s);
	db_done(s);
	return rc < 0 ? op_db_fail(op, rc) : 0;
}

/* For the history of a system update: the version of record id, and the
 * columns values sets (owner_id too when it is among them), as JSON; not the
 * whole record with its reference labels, which a hook's update read twice
 * for nothing.  Every column, whatever the caller may see: the history hides
 * fields per reader (audit_list).  NULL with op->err (404 when gone). */
static json_t *load_fields(ent_op *op, const entity_def *e, int64_t id, json_t *values)
{
	bool owner = (e->flags & E_OWNED) && json_object_get(values, "owner_id");
	sqlb q = SQLB_INIT;
	sqlb_add(&q, "SELECT t.version");
	if (owner)
		sqlb_add(&q, ", t.owner_id");
	for (const field_def *f = e->fields; f->name; f++) {
		if (!json_object_get(values, f->name))
			continue;
		sqlb_addf(&q, ", t.%s", f->name);
		if (f->type == FT_MONEY)
			sqlb_addf(&q, ", t.%s_currency", f->name);
	}
	sqlb_addf(&q, " FROM %s t WHERE t.id = ", e->name);
	sqlb_int(&q, id);
	sqlb_add(&q, " AND t.deleted_at IS NULL");
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	json_t *rec = NULL;
	int rc = db_step(s);
	if (rc == DB_ROW) {
		rec = json_object();
		json_object_set_new(rec, "version", json_integer(db_col_int(s, 0)));
		int col = 1;
		if (owner) {
			json_object_set_new(rec, "owner_id", db_col_is_null(s, col) ? json_null() : json_integer(db_col_int(s, col)));
			col++;
		}
		for (const field_def *f = e->fields; f->name; f++)
			if (json_object_get(values, f->name))
				value_to_json(f, s, &col, rec);
	}
	db_done(s);
	if (rc < 0)
		op_db_fail(op, rc);
	else if (!rec)
		op_fail(op, 404, "not_found", "no such record");
	return rec;
}

/* Whether values sets a searchable field (the search columns then change). */
static bool sets_searchable(const entity_def *e, json_t *values)
{
	for (const field_def *f = e->fields; f->name; f++)
		if ((f->flags & F_SEARCH) && json_object_get(values, f->name))
			return true;
	return false;
}

int record_set_fields(ent_op *op, const entity_def *e, int64_t id, json_t *values, const char *action)
{
	int nf = field_count(e);
	parsed *vals = xcalloc((size_t)nf, sizeof(*vals));
	int n = 0, rc = -1;
	json_t *old = NULL, *now = NULL;
	if (op_begin(op))
		goto out;
	/* A system update carries no version from a client, so it must not lose
	 * a race: on PostgreSQL (read committed) two follow-ups of one customer
	 * would both read version v and the second UPDATE ... AND version = v
	 * would answer 409.  Lock the row first (SQLite's BEGIN IMMEDIATE
	 * already serialises writers). */
	if (db_kind(op->db) == DB_POSTGRES && lock_row(op, e, id))
		goto fail;
	old = load_fields(op, e, id, values);
	if (!old || parse_values(op, e, values, false, vals, &n, NULL))
		goto fail;
	json_t *ov = json_object_get(values, "owner_id");
	int64_t owner = json_integer_value(ov);
	if (update_row(op, e, id, json_integer_value(json_object_get(old, "version")), vals, n,
		       ov && (e->flags & E_OWNED) ? &owner : NULL))
		goto fail;
	now = load_fields(op, e, id, values);
	if (!now)
		goto fail;
	if (sets_searchable(e, values) && search_index_needed(op->db, e)) {
		json_t *full = record_load(op, e, id, false);
		int src = !full || search_reindex(op, e, id, full);
		json_decref(full);
		if (src)
			goto fail;
	}
	json_t *changes = audit_diff(e, old, now, values);
	rc = json_array_size(changes) ? audit_write(op, e, id, action, changes) : 0;
	json_decref(changes);
	if (rc)
		goto fail;
	rc = op_commit(op);
	goto out;
fail:
	rc = -1;
	op_rollback(op);
out:
	free_values(vals, n);
	free(vals);
	json_decref(old);
	json_decref(now);
	return rc;
}

int record_advance_field(ent_op *op, const entity_def *e, int64_t id, const char *field, const char *when)
{
	const field_def *f = entity_field(e, field);
	if (!f || (f->type != FT_DATETIME && f->type != FT_DATE) || !when)
		return op_fail(op, 500, "internal", "%s.%s cannot be moved forward", e->name, field);
	/* one statement: on PostgreSQL two follow-ups at once cannot move it back
	 * (the second UPDATE waits for the first row lock and tests again) */
	char sql[256];
	snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ? WHERE id = ? AND deleted_at IS NULL AND (%s IS NULL OR %s < ?)",
		 e->name, field, field, field);
	db_stmt *s = db_prepare(op->db, sql);
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_str(s, 1, when);
	db_bind_int(s, 2, id);
	db_bind_str(s, 3, when);
	int rc = db_step(s);
	db_done(s);
	if (rc != DB_DONE)
		return op_db_fail(op, rc < 0 ? rc : DB_ERR);
	if (db_changes(op->db) == 1)
		return 0;
	/* not moved: already later, or the record is gone */
	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id = ? AND deleted_at IS NULL", e->name);
	s = db_prepare(op->db, sql);
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_int(s, 1, id);
	rc = db_step(s);
	db_done(s);
	if (rc < 0)
		return op_db_fail(op, rc);
	return rc == DB_ROW ? 0 : op_fail(op, 404, "not_found", "no such record");
}
