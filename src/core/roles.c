/* roles.c - see roles.h. */
#include "roles.h"
#include "acl.h"
#include "../util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* grants: space-separated "target:actions:scope", target an entity or a
 * module name ("*" = every entity); actions from c r u d e(xport) i(mport). */
typedef struct role_template {
	const char *name, *zh, *en;
	bool admin;
	const char *grants;
	const char *field_rules; /* space-separated "entity.field:rule" */
} role_template;

static const role_template templates[] = {
	{ "admin", "系统管理员", "Administrator", true, "*:crudei:all", "" },
	{ "sales_director", "销售总监", "Sales director", false,
	  "sales:crudei:all products:r:all org:r:all payments:cre:all invoices:cre:all expenses:crude:all", "" },
	{ "sales_manager", "销售经理", "Sales manager", false,
	  "sales:crudei:department_tree products:r:all org:r:all payments:cre:department_tree "
	  "invoices:cre:department_tree expenses:crude:department_tree", "" },
	{ "sales_rep", "销售代表", "Sales rep", false,
	  "sales:crude:own products:r:all org:r:all payments:cre:own invoices:cre:own expenses:crude:own",
	  "products.cost_price:hidden" },
	{ "finance", "财务", "Finance", false,
	  "finance:crudei:all customers:re:all contacts:re:all opportunities:re:all products:r:all org:r:all "
	  "quotes:re:all orders:re:all contracts:rue:all expenses:rue:all", "" },
	{ "service", "售后服务", "Service", false,
	  "service:crudei:all customers:r:all contacts:r:all products:r:all org:r:all expenses:crud:own", "products.cost_price:hidden" },
};

static const char *const action_letters = "crudei";
static const enum acl_action letter_action[] = { ACL_CREATE, ACL_READ, ACL_UPDATE, ACL_DELETE, ACL_EXPORT, ACL_IMPORT };

/* The template's grant for e, or NULL: a named entity wins over its module over "*". */
static json_t *template_grant(const role_template *t, const entity_def *e)
{
	char target[64], actions[16], scope[32];
	int best = 0;
	json_t *g = NULL;
	const char *p = t->grants;
	int used;
	while (sscanf(p, " %63[^:]:%15[^:]:%31s%n", target, actions, scope, &used) == 3) {
		p += used;
		int rank = !strcmp(target, e->name) ? 3 : !strcmp(target, e->module) ? 2 : !strcmp(target, "*") ? 1 : 0;
		if (rank <= best)
			continue;
		best = rank;
		json_decref(g);
		json_t *acts = json_array();
		for (const char *a = actions; *a; a++) {
			const char *pos = strchr(action_letters, *a);
			if (pos)
				json_array_append_new(acts, json_string(acl_action_names[letter_action[pos - action_letters]]));
		}
		g = json_pack("{s:o,s:s}", "actions", acts, "scope", scope);
	}
	return g;
}

static json_t *template_rules(const role_template *t)
{
	json_t *rules = json_object();
	char key[128], rule[32];
	const char *p = t->field_rules;
	int used;
	while (sscanf(p, " %127[^:]:%31s%n", key, rule, &used) == 2) {
		p += used;
		json_object_set_new(rules, key, json_string(rule));
	}
	return rules;
}

static json_t *load_grants(db *d, const char *name, bool *found)
{
	db_stmt *s = db_prepare(d, "SELECT grants FROM roles WHERE name = ?");
	json_t *g = NULL;
	*found = false;
	if (!s)
		return NULL;
	db_bind_str(s, 1, name);
	if (db_step(s) == DB_ROW) {
		json_error_t err;
		*found = true;
		g = json_loadb(db_col_text(s, 0), db_col_len(s, 0), 0, &err);
	}
	db_done(s);
	return json_is_object(g) ? g : (json_decref(g), json_object());
}

static int store(db *d, const char *name, const char *zh, const char *en, json_t *grants, json_t *rules,
		 bool builtin, bool admin, bool insert)
{
	char now[32];
	clock_format_iso(clock_now_ms(), now, sizeof(now));
	char *g = json_dumps(grants, JSON_COMPACT | JSON_SORT_KEYS);
	char *r = rules ? json_dumps(rules, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	db_stmt *s = insert
		? db_prepare(d, "INSERT INTO roles(name, label_zh, label_en, grants, field_rules, builtin, is_admin, "
				"updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
		: db_prepare(d, "UPDATE roles SET label_zh = coalesce(?2, label_zh), label_en = coalesce(?3, label_en), "
				"grants = ?4, field_rules = coalesce(?5, field_rules), updated_at = ?6 "
				"WHERE name = ?1");
	int rc = DB_ERR;
	if (s) {
		db_bind_str(s, 1, name);
		db_bind_str(s, 2, zh);
		db_bind_str(s, 3, en);
		db_bind_str(s, 4, g);
		db_bind_str(s, 5, r);
		if (insert) {
			db_bind_int(s, 6, builtin);
			db_bind_int(s, 7, admin);
			db_bind_str(s, 8, now);
		} else {
			db_bind_str(s, 6, now);
		}
		rc = db_step(s);
		db_done(s);
	}
	free(g);
	free(r);
	return rc == DB_DONE ? 0 : -1;
}

int roles_seed(db *d)
{
	for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
		const role_template *t = &templates[i];
		bool found;
		json_t *grants = load_grants(d, t->name, &found);
		bool changed = false;
		for (int k = 0; k < entity_count(); k++) {
			const entity_def *e = entity_at(k);
			if (json_object_get(grants, e->name) || (e->flags & E_CHILD))
				continue; /* children are seen and written through their parent only */
			json_t *g = template_grant(t, e);
			if (!g)
				g = json_pack("{s:[],s:s}", "actions", "scope", "none"); /* record that it was decided */
			json_object_set_new(grants, e->name, g);
			changed = true;
		}
		int rc = 0;
		if (!found) {
			json_t *rules = template_rules(t);
			rc = store(d, t->name, t->zh, t->en, grants, rules, true, t->admin, true);
			json_decref(rules);
		} else if (changed) {
			rc = store(d, t->name, NULL, NULL, grants, NULL, true, t->admin, false);
		}
		json_decref(grants);
		if (rc)
			return -1;
	}
	return 0;
}

json_t *roles_list(db *d)
{
	db_stmt *s = db_prepare(d, "SELECT name, label_zh, label_en, builtin, is_admin, grants, field_rules "
				   "FROM roles ORDER BY builtin DESC, name");
	json_t *list = json_array();
	if (!s)
		return list;
	while (db_step(s) == DB_ROW) {
		json_error_t err;
		json_t *g = json_loadb(db_col_text(s, 5), db_col_len(s, 5), 0, &err);
		json_t *r = json_loadb(db_col_text(s, 6), db_col_len(s, 6), 0, &err);
		json_array_append_new(list, json_pack("{s:s,s:{s:s,s:s},s:b,s:b,s:o,s:o}", "name", db_col_text(s, 0),
						      "label", "zh-CN", db_col_text(s, 1), "en", db_col_text(s, 2),
						      "builtin", (int)db_col_int(s, 3), "is_admin", (int)db_col_int(s, 4),
						      "grants", g ? g : json_object(), "field_rules", r ? r : json_object()));
	}
	db_done(s);
	return list;
}

bool role_exists(db *d, const char *name)
{
	db_stmt *s = db_prepare(d, "SELECT 1 FROM roles WHERE name = ?");
	if (!s)
		return false;
	db_bind_str(s, 1, name);
	bool found = db_step(s) == DB_ROW;
	db_done(s);
	return found;
}

static int field_error(ent_op *op, const char *field, const char *code, const char *msg)
{
	op_fail(op, 422, "validation_failed", "%s", msg);
	op->err.fields = json_pack("{s:s}", field, code);
	return -1;
}

/* Grants must name declared entities, known actions and scopes. */
static int check_grants(ent_op *op, json_t *grants)
{
	const char *ent;
	json_t *g;
	if (!json_is_object(grants))
		return field_error(op, "grants", "invalid_type", "grants must be an object by entity");
	json_object_foreach(grants, ent, g) {
		if (!entity_find(ent) || (entity_find(ent)->flags & E_CHILD)) /* children go with their parent */
			return field_error(op, "grants", "unknown_entity", "grants name an unknown entity");
		json_t *acts = json_object_get(g, "actions");
		const char *scope = json_string_value(json_object_get(g, "scope"));
		if (!json_is_array(acts) || !scope)
			return field_error(op, "grants", "invalid_type", "each grant needs actions and a scope");
		bool ok = false;
		for (int i = 0; i <= SCOPE_ALL; i++)
			ok |= !strcmp(scope, acl_scope_names[i]);
		if (!ok)
			return field_error(op, "grants", "invalid_scope", "unknown scope");
		size_t i;
		json_t *a;
		json_array_foreach(acts, i, a) {
			bool known = false;
			for (int k = 0; k < ACL_NACTIONS; k++)
				known |= json_is_string(a) && !strcmp(json_string_value(a), acl_action_names[k]);
			if (!known)
				return field_error(op, "grants", "invalid_action", "unknown action");
		}
	}
	return 0;
}

static int check_rules(ent_op *op, json_t *rules)
{
	const char *key;
	json_t *r;
	if (!json_is_object(rules))
		return field_error(op, "field_rules", "invalid_type", "field_rules must be an object");
	json_object_foreach(rules, key, r) {
		char ent[64];
		const char *dot = strchr(key, '.');
		const char *rule = json_string_value(r);
		if (!dot || (size_t)(dot - key) >= sizeof(ent))
			return field_error(op, "field_rules", "invalid_field", "rules are keyed entity.field");
		memcpy(ent, key, (size_t)(dot - key));
		ent[dot - key] = '\0';
		const entity_def *e = entity_find(ent);
		if (!e || (e->flags & E_CHILD) || !entity_field(e, dot + 1))
			return field_error(op, "field_rules", "invalid_field", "a rule names an unknown field");
		if (!rule || (strcmp(rule, "hidden") && strcmp(rule, "read_only")))
			return field_error(op, "field_rules", "invalid_rule", "rules are hidden or read_only");
	}
	return 0;
}

int role_save(ent_op *op, const char *name, json_t *body, bool create)
{
	json_t *labels = json_object_get(body, "label");
	const char *zh = json_string_value(json_object_get(labels, "zh-CN"));
	const char *en = json_string_value(json_object_get(labels, "en"));
	json_t *grants = json_object_get(body, "grants");
	json_t *rules = json_object_get(body, "field_rules");
	if (create) {
		size_t n = strlen(name);
		bool ok = n >= 2 && n <= 32;
		for (size_t i = 0; i < n && ok; i++)
			ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_';
		if (!ok)
			return field_error(op, "name", "invalid", "a role name is 2-32 of a-z, 0-9 and _");
		if (role_exists(op->db, name)) {
			op_fail(op, 409, "conflict", "a role with this name exists");
			op->err.fields = json_pack("{s:s}", "name", "unique");
			return -1;
		}
		if (!zh || !en || !*zh || !*en)
			return field_error(op, "label", "required", "a role needs zh-CN and en labels");
	} else if (!role_exists(op->db, name)) {
		return op_fail(op, 404, "not_found", "no such role");
	}
	if ((zh && strlen(zh) > 50) || (en && strlen(en) > 50))
		return field_error(op, "label", "too_long", "labels are at most 50 bytes");
	json_t *empty = !grants && create ? json_object() : NULL;
	if (empty)
		grants = empty;
	if ((grants && check_grants(op, grants)) || (rules && check_rules(op, rules))) {
		json_decref(empty);
		return -1;
	}
	if (!grants) {
		bool found;
		json_t *g = load_grants(op->db, name, &found);
		int rc = store(op->db, name, zh, en, g, rules, false, false, false);
		json_decref(g);
		return rc ? op_db_fail(op, db_errcode(op->db)) : 0;
	}
	json_t *none = create && !rules ? json_object() : NULL;
	int rc = store(op->db, name, zh, en, grants, rules ? rules : none, false, false, create);
	json_decref(none);
	json_decref(empty);
	return rc ? op_db_fail(op, db_errcode(op->db)) : 0;
}

int role_delete(ent_op *op, const char *name)
{
	db_stmt *s = db_prepare(op->db, "SELECT builtin FROM roles WHERE name = ?");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_str(s, 1, name);
	int rc = db_step(s);
	bool builtin = rc == DB_ROW && db_col_int(s, 0);
	db_done(s);
	if (rc != DB_ROW)
		return op_fail(op, 404, "not_found", "no such role");
	if (builtin)
		return op_fail(op, 409, "conflict", "built-in roles can be edited but not deleted");
	char from[96], sql[200];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM users, %s WHERE value = ?",
		 db_sql_json_values(op->db, "users.roles", from, sizeof(from)));
	s = db_prepare(op->db, sql);
	int64_t users = 0;
	if (s) {
		db_bind_str(s, 1, name);
		if (db_step(s) == DB_ROW)
			users = db_col_int(s, 0);
		db_done(s);
	}
	if (users)
		return op_fail(op, 409, "conflict", "%lld users hold this role", (long long)users);
	s = db_prepare(op->db, "DELETE FROM roles WHERE name = ?");
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	db_bind_str(s, 1, name);
	rc = db_step(s);
	db_done(s);
	return rc == DB_DONE ? 0 : op_db_fail(op, rc);
}
