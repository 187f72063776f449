/*
 * approval_flow.c - approval flows: the built-in ones modules register, the
 * versions admins save (each save is the next version), their validation,
 * and the routes that list, read and save them.  See approval.h.
 */
#include "approval_int.h"
#include "acl.h"
#include "roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BUILTIN 8

static struct {
	const char *entity;
	const char *definition;
} builtin[MAX_BUILTIN];
static int nbuiltin;

void approval_register_builtin(const char *entity, const char *definition)
{
	for (int i = 0; i < nbuiltin; i++)
		if (!strcmp(builtin[i].entity, entity))
			return;
	if (!nbuiltin)
		appr_mail_register(); /* the one-click links of approval mails */
	if (nbuiltin < MAX_BUILTIN) {
		builtin[nbuiltin].entity = entity;
		builtin[nbuiltin].definition = definition;
		nbuiltin++;
	}
}

static const char *builtin_of(const char *entity)
{
	for (int i = 0; i < nbuiltin; i++)
		if (!strcmp(builtin[i].entity, entity))
			return builtin[i].definition;
	return NULL;
}

/* ---- flows ---- */

json_t *appr_flow_current(db *d, const char *entity, int *version)
{
	json_t *def = NULL;
	*version = 0;
	db_stmt *s = db_prepare(d, "SELECT version, definition FROM approval_flows WHERE entity = ? "
				   "ORDER BY version DESC LIMIT 1");
	if (s) {
		db_bind_str(s, 1, entity);
		if (db_step(s) == DB_ROW) {
			*version = (int)db_col_int(s, 0);
			def = json_loads(db_col_text(s, 1), 0, NULL);
		}
		db_done(s);
	}
	if (!def && builtin_of(entity)) {
		def = json_loads(builtin_of(entity), 0, NULL);
		*version = def ? 1 : 0;
	}
	return def;
}

static const char *const approver_types[] = { "manager", "manager_chain", "department_manager",
					      "parent_department_manager", "role", "users", NULL };

static bool one_of(const char *v, const char *const *list)
{
	for (int i = 0; v && list[i]; i++)
		if (!strcmp(v, list[i]))
			return true;
	return false;
}

static void ferr(json_t *errs, const char *path, const char *code)
{
	if (!json_object_get(errs, path))
		json_object_set_new(errs, path, json_string(code));
}

static bool is_count(json_t *v, json_int_t lo, json_int_t hi)
{
	return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
}

/* Checks a flow definition; per-member codes into errs. */
static void flow_check(db *d, const entity_def *e, json_t *def, json_t *errs)
{
	static const char *const top[] = { "auto_approve_below", "amount_field", "steps", "version", NULL };
	static const char *const step_keys[] = { "name", "when", "approvers", "mode", "time_limit_hours", NULL };
	static const char *const when_keys[] = { "amount_gte", "amount_lt", "department_ids", "discount_gt", NULL };
	static const char *const appr_keys[] = { "type", "levels", "role", "user_ids", NULL };
	const char *k;
	json_t *v;
	char path[96];
	json_object_foreach(def, k, v)
		if (!one_of(k, top))
			ferr(errs, k, "unknown_field");
	json_t *below = json_object_get(def, "auto_approve_below");
	if (below && !json_is_null(below) && !is_count(below, 0, 1000000000000000LL))
		ferr(errs, "auto_approve_below", "invalid_amount");
	json_t *af = json_object_get(def, "amount_field");
	if (af && !json_is_null(af)) {
		const field_def *f = json_is_string(af) ? entity_field(e, json_string_value(af)) : NULL;
		if (!f || (f->type != FT_MONEY && f->type != FT_INT && f->type != FT_DECIMAL))
			ferr(errs, "amount_field", "invalid_option");
	}
	json_t *steps = json_object_get(def, "steps");
	if (!json_is_array(steps) || json_array_size(steps) > 20) {
		ferr(errs, "steps", json_is_array(steps) ? "too_long" : "required");
		return;
	}
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st) {
		if (!json_is_object(st)) {
			snprintf(path, sizeof(path), "steps.%zu", i);
			ferr(errs, path, "invalid_type");
			continue;
		}
		json_object_foreach(st, k, v)
			if (!one_of(k, step_keys)) {
				snprintf(path, sizeof(path), "steps.%zu.%s", i, k);
				ferr(errs, path, "unknown_field");
			}
		json_t *mode = json_object_get(st, "mode");
		if (mode && !one_of(json_string_value(mode), (const char *const[]){ "any", "all", NULL })) {
			snprintf(path, sizeof(path), "steps.%zu.mode", i);
			ferr(errs, path, "invalid_option");
		}
		json_t *lim = json_object_get(st, "time_limit_hours");
		if (lim && !json_is_null(lim) && !is_count(lim, 0, 8760)) {
			snprintf(path, sizeof(path), "steps.%zu.time_limit_hours", i);
			ferr(errs, path, "invalid_number");
		}
		json_t *name = json_object_get(st, "name");
		if (name && !json_is_string(name) && !json_is_object(name)) {
			snprintf(path, sizeof(path), "steps.%zu.name", i);
			ferr(errs, path, "invalid_type");
		}
		json_t *when = json_object_get(st, "when");
		if (when && !json_is_null(when)) {
			if (!json_is_object(when)) {
				snprintf(path, sizeof(path), "steps.%zu.when", i);
				ferr(errs, path, "invalid_type");
			} else {
				json_object_foreach(when, k, v) {
					snprintf(path, sizeof(path), "steps.%zu.when.%s", i, k);
					if (!one_of(k, when_keys))
						ferr(errs, path, "unknown_field");
					else if (!strcmp(k, "department_ids") ? !json_is_array(v)
						 : !strcmp(k, "discount_gt")  ? !json_is_number(v)
									      : !is_count(v, 0, 1000000000000000LL))
						ferr(errs, path, "invalid_number");
				}
			}
		}
		json_t *ap = json_object_get(st, "approvers");
		snprintf(path, sizeof(path), "steps.%zu.approvers", i);
		if (!json_is_object(ap)) {
			ferr(errs, path, ap ? "invalid_type" : "required");
			continue;
		}
		json_object_foreach(ap, k, v)
			if (!one_of(k, appr_keys)) {
				snprintf(path, sizeof(path), "steps.%zu.approvers.%s", i, k);
				ferr(errs, path, "unknown_field");
			}
		const char *type = json_string_value(json_object_get(ap, "type"));
		snprintf(path, sizeof(path), "steps.%zu.approvers.type", i);
		if (!type)
			ferr(errs, path, "required");
		else if (!one_of(type, approver_types))
			ferr(errs, path, "invalid_option");
		else if (!strcmp(type, "manager_chain") && !is_count(json_object_get(ap, "levels"), 1, 10)) {
			snprintf(path, sizeof(path), "steps.%zu.approvers.levels", i);
			ferr(errs, path, "invalid_number");
		} else if (!strcmp(type, "role")) {
			const char *role = json_string_value(json_object_get(ap, "role"));
			snprintf(path, sizeof(path), "steps.%zu.approvers.role", i);
			if (!role || !role[0])
				ferr(errs, path, "required");
			else if (!role_exists(d, role))
				ferr(errs, path, "not_found");
		} else if (!strcmp(type, "users")) {
			json_t *ids = json_object_get(ap, "user_ids");
			snprintf(path, sizeof(path), "steps.%zu.approvers.user_ids", i);
			if (!json_is_array(ids) || !json_array_size(ids) || json_array_size(ids) > 50)
				ferr(errs, path, "required");
			else {
				size_t j;
				json_t *u;
				json_array_foreach(ids, j, u)
					if (!json_is_integer(u) || !appr_user_enabled(d, json_integer_value(u)))
						ferr(errs, path, "not_found");
			}
		}
	}
}

static json_t *flow_versions(db *d, const char *entity)
{
	json_t *list = json_array();
	db_stmt *s = db_prepare(d, "SELECT f.version, f.created_at, f.created_by, u.name FROM approval_flows f "
				   "LEFT JOIN users u ON u.id = f.created_by WHERE f.entity = ? ORDER BY f.version DESC");
	if (!s)
		return list;
	db_bind_str(s, 1, entity);
	while (db_step(s) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:o,s:s?}", "version", (json_int_t)db_col_int(s, 0),
						      "created_at", db_col_text(s, 1), "created_by",
						      db_col_is_null(s, 2) ? json_null() : json_integer(db_col_int(s, 2)),
						      "created_by_name", db_col_text(s, 3)));
	db_done(s);
	return list;
}

static json_t *flow_json(db *d, const char *entity)
{
	int version;
	json_t *def = appr_flow_current(d, entity, &version);
	if (!def)
		return NULL;
	json_t *versions = flow_versions(d, entity);
	bool is_builtin = !json_array_size(versions);
	return json_pack("{s:s,s:i,s:b,s:o,s:o}", "entity", entity, "version", version, "builtin", is_builtin,
			 "definition", def, "versions", versions);
}

json_t *approval_flows_list(ent_op *op)
{
	if (!acl_is_admin(op->who)) {
		op_fail(op, 403, "forbidden", "only administrators edit approval flows");
		return NULL;
	}
	json_t *data = json_array();
	json_t *seen = json_object();
	for (int i = 0; i < nbuiltin; i++) {
		json_t *f = flow_json(op->db, builtin[i].entity);
		if (f)
			json_array_append_new(data, f);
		json_object_set_new(seen, builtin[i].entity, json_true());
	}
	db_stmt *s = db_prepare(op->db, "SELECT DISTINCT entity FROM approval_flows ORDER BY entity");
	json_t *more = json_array();
	if (s) {
		while (db_step(s) == DB_ROW)
			if (!json_object_get(seen, db_col_text(s, 0)))
				json_array_append_new(more, json_string(db_col_text(s, 0)));
		db_done(s);
	}
	size_t i;
	json_t *n;
	json_array_foreach(more, i, n) {
		json_t *f = flow_json(op->db, json_string_value(n));
		if (f)
			json_array_append_new(data, f);
	}
	json_decref(more);
	json_decref(seen);
	return json_pack("{s:o}", "data", data);
}

json_t *approval_flow_get(ent_op *op, const char *entity)
{
	if (!acl_is_admin(op->who)) {
		op_fail(op, 403, "forbidden", "only administrators edit approval flows");
		return NULL;
	}
	json_t *f = entity_find(entity) ? flow_json(op->db, entity) : NULL;
	if (!f)
		op_fail(op, 404, "not_found", "no approval flow for %s", entity);
	return f;
}

json_t *approval_flow_put(ent_op *op, const char *entity, json_t *body)
{
	const entity_def *e = entity_find(entity);
	if (!acl_is_admin(op->who)) {
		op_fail(op, 403, "forbidden", "only administrators edit approval flows");
		return NULL;
	}
	if (!e || (e->flags & E_CHILD)) {
		op_fail(op, 404, "not_found", "no such entity");
		return NULL;
	}
	json_t *errs = json_object();
	flow_check(op->db, e, body, errs);
	if (json_object_size(errs)) {
		op_fail(op, 422, "validation_failed", "the approval flow is not valid");
		op->err.fields = errs;
		return NULL;
	}
	json_decref(errs);
	json_t *def = json_deep_copy(body);
	json_object_del(def, "version");
	char now[32];
	int cur;
	json_t *old = appr_flow_current(op->db, entity, &cur);
	json_decref(old);
	/* optimistic: a stale "version" is refused like a stale record */
	json_t *v = json_object_get(body, "version");
	if (v && json_is_integer(v) && json_integer_value(v) != cur) {
		json_decref(def);
		op_fail(op, 409, "conflict", "the flow was changed meanwhile (version %d)", cur);
		op->err.extra = json_pack("{s:i}", "current_version", cur);
		return NULL;
	}
	char *txt = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(def);
	if (op_begin(op)) {
		free(txt);
		return NULL;
	}
	db_stmt *s = db_prepare(op->db, "INSERT INTO approval_flows(entity, version, definition, created_by, created_at) "
					"VALUES (?, ?, ?, ?, ?)");
	int rc = DB_ERR;
	if (s) {
		db_bind_str(s, 1, entity);
		db_bind_int(s, 2, cur + 1);
		db_bind_str(s, 3, txt);
		db_bind_int(s, 4, op->who->user.id);
		db_bind_str(s, 5, appr_now(now));
		rc = db_step(s);
		db_done(s);
	}
	free(txt);
	if (rc != DB_DONE) {
		if (rc == DB_ERR_UNIQUE)
			op_fail(op, 409, "conflict", "the flow was changed meanwhile");
		else
			op_db_fail(op, rc);
		op_rollback(op);
		return NULL;
	}
	if (op_commit(op))
		return NULL;
	return flow_json(op->db, entity);
}
