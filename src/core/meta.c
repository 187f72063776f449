/* meta.c - see meta.h. */
#include "meta.h"
#include "acl.h"
#include "query.h"
#include "record.h"
#include "value.h"
#include "../util/utf8.h"

#include <string.h>

static const char *type_name(enum field_type t)
{
	static const char *const names[] = { "text", "longtext", "integer", "decimal", "money", "date",
					     "datetime", "boolean", "enum", "tags", "reference", "email",
					     "phone", "url" };
	return names[t];
}

static json_t *label_json(label l)
{
	return json_pack("{s:s,s:s}", "zh-CN", l.zh, "en", l.en);
}

static json_t *field_json(ent_op *op, const entity_def *e, const field_def *f)
{
	json_t *j = json_pack("{s:s,s:s,s:o,s:b,s:b,s:b,s:b,s:b,s:b}", "name", f->name, "type", type_name(f->type),
			      "label", label_json(f->label), "required", (f->flags & F_REQUIRED) != 0,
			      "unique", (f->flags & F_UNIQUE) != 0, "searchable", (f->flags & F_SEARCH) != 0,
			      "sortable", (f->flags & F_SORT) != 0, "list", (f->flags & F_LIST) != 0,
			      "read_only", acl_field_readonly(op->who, e, f));
	if (f->type == FT_TEXT || f->type == FT_LONGTEXT || f->type == FT_EMAIL || f->type == FT_PHONE ||
	    f->type == FT_URL)
		json_object_set_new(j, "max_length", json_integer(value_max_len(f)));
	if (f->type == FT_ENUM || f->options || f->options_list)
		json_object_set_new(j, "options", entity_field_options(op->db, f));
	if (f->options_list)
		json_object_set_new(j, "options_list", json_string(f->options_list));
	if (f->ref)
		json_object_set_new(j, "ref", json_string(f->ref));
	if (f->type == FT_DECIMAL)
		json_object_set_new(j, "scale", json_integer(f->scale ? f->scale : 2));
	json_t *def = value_default(f);
	if (def)
		json_object_set_new(j, "default", def);
	return j;
}

/* A parent's child collections: [{"name","entity","label","max","fields":[...]}], or NULL. */
static json_t *children_meta(ent_op *op, const entity_def *e)
{
	if (!e->children)
		return NULL;
	json_t *list = json_array();
	for (const child_def *c = e->children; c->name; c++) {
		const entity_def *t = entity_find(c->entity);
		json_t *fields = json_array();
		for (const field_def *f = t->fields; f->name; f++)
			if (strcmp(f->name, c->field) && !acl_field_hidden(op->who, t, f))
				json_array_append_new(fields, field_json(op, t, f));
		json_array_append_new(list, json_pack("{s:s,s:s,s:o,s:i,s:o}", "name", c->name, "entity", t->name,
						      "label", label_json(c->label), "max", c->max > 0 ? c->max : 500,
						      "fields", fields));
	}
	return list;
}

json_t *meta_json(ent_op *op)
{
	json_t *list = json_array();
	for (int i = 0; i < entity_count(); i++) {
		const entity_def *e = entity_at(i);
		if ((e->flags & E_CHILD) || !acl_can(op->who, e, ACL_READ))
			continue; /* children are described inside their parent */
		json_t *fields = json_array(), *rels = json_array();
		for (const field_def *f = e->fields; f->name; f++)
			if (!acl_field_hidden(op->who, e, f))
				json_array_append_new(fields, field_json(op, e, f));
		for (const relation_def *r = e->relations; r && r->name; r++) {
			const entity_def *t = entity_find(r->entity);
			if (t && acl_can(op->who, t, ACL_READ))
				json_array_append_new(rels, json_pack("{s:s,s:s,s:s,s:o}", "name", r->name, "entity",
								      r->entity, "field", r->field, "label",
								      label_json(r->label)));
		}
		json_t *kids = children_meta(op, e);
		json_t *perms = json_pack("{s:b,s:b,s:b,s:b}", "create", acl_can(op->who, e, ACL_CREATE),
					  "update", acl_can(op->who, e, ACL_UPDATE), "delete",
					  acl_can(op->who, e, ACL_DELETE), "export", acl_can(op->who, e, ACL_EXPORT));
		json_array_append_new(list, json_pack("{s:s,s:o,s:s,s:b,s:s?,s:s,s:o,s:o,s:o}", "name", e->name,
						      "label", label_json(e->label), "module", e->module, "owned",
						      (e->flags & E_OWNED) != 0, "title_field", e->title_field,
						      "default_sort", e->default_sort ? e->default_sort : "-updated_at",
						      "fields", fields, "relations", rels, "permissions", perms));
		json_object_set_new(json_array_get(list, json_array_size(list) - 1), "attachments",
				    json_boolean(e->flags & E_ATTACHMENTS));
		if (kids)
			json_object_set_new(json_array_get(list, json_array_size(list) - 1), "children", kids);
	}
	return json_pack("{s:o}", "entities", list);
}

json_t *search_all(ent_op *op, const char *q, int64_t per_entity)
{
	json_t *groups = json_array();
	char limit[24];
	snprintf(limit, sizeof(limit), "%lld", (long long)per_entity);
	query_arg args[] = { { "q", q }, { "limit", limit } };
	for (int i = 0; i < entity_count(); i++) {
		const entity_def *e = entity_at(i);
		bool searchable = false;
		for (const field_def *f = e->fields; f->name; f++)
			searchable |= (f->flags & F_SEARCH) && !acl_field_hidden(op->who, e, f);
		if (!searchable || (e->flags & E_CHILD) || !acl_can(op->who, e, ACL_READ))
			continue;
		json_t *res = record_list(op, e, args, 2);
		if (!res) {
			json_decref(groups);
			return NULL;
		}
		if (json_integer_value(json_object_get(res, "total")) > 0)
			json_array_append_new(groups, json_pack("{s:s,s:o,s:O,s:O}", "entity", e->name, "label",
								label_json(e->label), "total", json_object_get(res, "total"),
								"data", json_object_get(res, "data")));
		json_decref(res);
	}
	return json_pack("{s:s,s:o}", "query", q, "results", groups);
}
