/*
 * entity_registry.c - the registered declarations, and the checks that make a
 * wrong declaration fail once, loudly, when the binary starts.
 */
#include "entity.h"

#include <stdio.h>
#include <string.h>

#define MAX_ENTITIES 64

static const entity_def *registry[MAX_ENTITIES];
static int nregistry;

void entity_register(const entity_def *e)
{
	for (int i = 0; i < nregistry; i++)
		if (registry[i] == e)
			return;
	if (nregistry < MAX_ENTITIES)
		registry[nregistry++] = e;
}

void entity_registry_reset(void)
{
	nregistry = 0;
}

const entity_def *entity_find(const char *name)
{
	for (int i = 0; i < nregistry; i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

int entity_count(void)
{
	return nregistry;
}

const entity_def *entity_at(int i)
{
	return registry[i];
}

int entity_index(const entity_def *e)
{
	for (int i = 0; i < nregistry; i++)
		if (registry[i] == e)
			return i;
	return -1;
}

const field_def *entity_field(const entity_def *e, const char *name)
{
	for (const field_def *f = e->fields; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static bool ident_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 48 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static const char *const reserved[] = { "id", "version", "created_at", "updated_at", "created_by",
					"updated_by", "deleted_at", "owner_id", NULL };

static int problem(const entity_def *e, const char *field, const char *what)
{
	fprintf(stderr, "rapport: entity %s%s%s: %s\n", e->name ? e->name : "?", field ? "." : "",
		field ? field : "", what);
	return 1;
}

static int check_field(const entity_def *e, const field_def *f)
{
	int n = 0;
	if (!ident_ok(f->name))
		n += problem(e, f->name, "field name must be snake_case");
	for (int i = 0; reserved[i]; i++)
		if (!strcmp(f->name, reserved[i]))
			n += problem(e, f->name, "field name is reserved for the engine");
	if (!f->label.zh || !f->label.en)
		n += problem(e, f->name, "needs both zh-CN and en labels");
	if ((f->type == FT_ENUM) && !f->options && !f->options_list)
		n += problem(e, f->name, "enum needs options or an options_list");
	for (const enum_option *o = f->options; o && o->value; o++)
		if (!o->label.zh || !o->label.en)
			n += problem(e, f->name, "every option needs zh-CN and en labels");
	if (f->type == FT_REF && (!f->ref || (strcmp(f->ref, "users") && !entity_find(f->ref))))
		n += problem(e, f->name, "reference to an unknown entity");
	if (f->type != FT_REF && f->ref)
		n += problem(e, f->name, "only references have a target");
	if (f->type == FT_DECIMAL && (f->scale < 0 || f->scale > 6))
		n += problem(e, f->name, "decimal scale must be 0..6");
	if ((f->flags & F_SEARCH) && !(f->type == FT_TEXT || f->type == FT_LONGTEXT || f->type == FT_EMAIL ||
				      f->type == FT_PHONE || f->type == FT_URL))
		n += problem(e, f->name, "only text-like fields can be searchable");
	if ((f->flags & F_SORT) && (f->type == FT_TAGS || f->type == FT_LONGTEXT))
		n += problem(e, f->name, "tags and long text cannot be sorted");
	if ((f->flags & F_SPARSE) && (f->type != FT_REF || (f->flags & (F_SORT | F_UNIQUE | F_REQUIRED)) ||
				      (e->scope_via && !strcmp(e->scope_via, f->name)) ||
				      (e->pool_field && !strcmp(e->pool_field, f->name))))
		n += problem(e, f->name, "only an optional reference looked up by equality can be sparse");
	if (f->def) {
		json_error_t err;
		json_t *j = json_loads(f->def, JSON_DECODE_ANY, &err);
		if (!j)
			n += problem(e, f->name, "default is not JSON");
		json_decref(j);
	}
	for (const field_def *g = e->fields; g < f; g++)
		if (!strcmp(g->name, f->name))
			n += problem(e, f->name, "declared twice");
	return n;
}

int entity_check_all(void)
{
	int n = 0;
	for (int i = 0; i < nregistry; i++) {
		const entity_def *e = registry[i];
		if (!ident_ok(e->name))
			n += problem(e, NULL, "name must be plural snake_case");
		if (!e->label.zh || !e->label.en)
			n += problem(e, NULL, "needs both zh-CN and en labels");
		if (!e->module)
			n += problem(e, NULL, "needs a module (its permission area)");
		for (int j = 0; j < i; j++)
			if (!strcmp(registry[j]->name, e->name))
				n += problem(e, NULL, "registered twice");
		if (!e->fields || !e->fields[0].name)
			n += problem(e, NULL, "has no fields");
		for (const field_def *f = e->fields; f && f->name; f++)
			n += check_field(e, f);
		if (e->title_field && !entity_field(e, e->title_field))
			n += problem(e, e->title_field, "title field is not declared");
		if (e->scope_via) {
			const field_def *v = entity_field(e, e->scope_via);
			if (!v || v->type != FT_REF || !strcmp(v->ref, "users"))
				n += problem(e, e->scope_via, "scope_via must name a reference to an entity");
		}
		if (e->pool_field && (!(e->flags & E_OWNED) || !entity_field(e, e->pool_field)))
			n += problem(e, e->pool_field, "pool_field needs an owned entity and a declared field");
		for (const char *const *ix = e->list_indexes; ix && *ix; ix++) {
			char cols[128];
			snprintf(cols, sizeof(cols), "%s", *ix);
			for (char *c = cols, *next; c; c = next) {
				next = strchr(c, ',');
				if (next)
					*next++ = '\0';
				bool sys = !strcmp(c, "updated_at") || !strcmp(c, "created_at") || !strcmp(c, "id") ||
					   (!strcmp(c, "owner_id") && (e->flags & E_OWNED));
				if (!sys && !entity_field(e, c))
					n += problem(e, *ix, "list index names an undeclared field");
			}
		}
		int nkeys = 0;
		for (const char *const *k = e->count_keys; k && *k; k++, nkeys++) {
			const field_def *f = entity_field(e, *k);
			bool owner = !strcmp(*k, "owner_id") && (e->flags & E_OWNED);
			if (!owner && (!f || f->type == FT_MONEY || f->type == FT_TAGS || f->type == FT_LONGTEXT))
				n += problem(e, *k, "a count key must be owner_id or a declared field of one short value");
			if (nkeys >= 6)
				n += problem(e, *k, "at most 6 count keys");
		}
		for (const char *const *k = e->duplicate_keys; k && *k; k++)
			if (!entity_field(e, *k))
				n += problem(e, *k, "duplicate key is not declared");
		for (const child_def *c = e->children; c && c->name; c++) {
			const entity_def *t = entity_find(c->entity);
			const field_def *back = t ? entity_field(t, c->field) : NULL;
			const field_def *pos = t ? entity_field(t, "position") : NULL;
			if (!t || !(t->flags & E_CHILD))
				n += problem(e, c->name, "a child collection needs an entity flagged E_CHILD");
			else if (!back || back->type != FT_REF || strcmp(back->ref, e->name) || (back->flags & F_REQUIRED))
				n += problem(e, c->name, "a child needs an optional reference field pointing back");
			else if (!pos || pos->type != FT_INT || !(pos->flags & F_SORT))
				n += problem(e, c->name, "a child needs a sortable integer field \"position\"");
			if (!c->label.zh || !c->label.en)
				n += problem(e, c->name, "child collection needs zh-CN and en labels");
			if (entity_field(e, c->name))
				n += problem(e, c->name, "child collection named like a field");
		}
		for (const relation_def *r = e->relations; r && r->name; r++) {
			const entity_def *t = entity_find(r->entity);
			const field_def *back = t ? entity_field(t, r->field) : NULL;
			if (!ident_ok(r->name))
				n += problem(e, r->name, "relation name must be snake_case");
			if (!back || back->type != FT_REF || strcmp(back->ref, e->name))
				n += problem(e, r->name, "relation needs a reference field pointing back");
			if (!r->label.zh || !r->label.en)
				n += problem(e, r->name, "relation needs zh-CN and en labels");
		}
	}
	return n;
}
