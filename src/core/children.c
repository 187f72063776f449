/*
 * children.c - child collections (entity.h, child_def): a quote's lines, a
 * contract's instalments.  The rows live in the child entity's own table
 * with a reference back to the parent; they are read, replaced and recorded
 * in history only through the parent, inside the parent's transaction, so
 * the parent's permissions and version cover them.
 */
#include "record_int.h"
#include "record.h"
#include "value.h"
#include "../util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHILDREN_MAX 500

/* Members of a child row that are the engine's bookkeeping, not the item. */
static const char *const bookkeeping[] = { "version", "created_at", "updated_at", "created_by", "updated_by",
					   "deleted_at", NULL };

const child_def *children_find(const entity_def *e, const char *name)
{
	for (const child_def *c = e->children; c && c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int child_max(const child_def *c)
{
	return c->max > 0 ? c->max : CHILDREN_MAX;
}

/* The rows of child entity t pointing at parent id, in their order, as the engine reads them. */
static json_t *child_rows(ent_op *op, const entity_def *t, const char *field, int64_t id)
{
	char key[96], val[24], lim[16];
	snprintf(key, sizeof(key), "filter[%s]", field);
	snprintf(val, sizeof(val), "%lld", (long long)id);
	snprintf(lim, sizeof(lim), "%d", CHILDREN_MAX);
	query_arg args[] = { { key, val }, { "sort", "position" }, { "limit", lim } };
	json_t *res = record_list_system(op, t, args, 3);
	if (!res)
		return NULL;
	json_t *data = json_incref(json_object_get(res, "data"));
	json_decref(res);
	return data;
}

int children_embed(ent_op *op, const entity_def *e, int64_t id, json_t *rec)
{
	for (const child_def *c = e->children; c && c->name; c++) {
		json_t *rows = child_rows(op, entity_find(c->entity), c->field, id);
		if (!rows)
			return -1;
		size_t i;
		json_t *r;
		json_array_foreach(rows, i, r) {
			for (int k = 0; bookkeeping[k]; k++)
				json_object_del(r, bookkeeping[k]);
			json_object_del(r, c->field);
			json_object_del(json_object_get(r, "_labels"), c->field);
		}
		json_object_set_new(rec, c->name, rows);
	}
	return 0;
}

void children_take(const entity_def *e, json_t *body, json_t *dst)
{
	for (const child_def *c = e->children; c && c->name; c++) {
		json_t *items = json_object_get(body, c->name);
		if (!items)
			continue;
		if (!json_is_array(items)) {
			json_object_set(dst, c->name, items); /* refused in children_write */
			continue;
		}
		const entity_def *t = entity_find(c->entity);
		json_t *clean = json_array();
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it) {
			if (!json_is_object(it)) {
				json_array_append(clean, it);
				continue;
			}
			json_t *o = json_object();
			const char *k;
			json_t *v;
			json_object_foreach(it, k, v) {
				const field_def *f = entity_field(t, k);
				if (!strcmp(k, "id") && json_is_integer(v)) {
					json_object_set(o, k, v);
					continue;
				}
				if (!f || (f->flags & F_READONLY) || !strcmp(k, c->field) || !strcmp(k, "position"))
					continue; /* unknown members are reported from the body; read-only ones are recomputed */
				json_object_set(o, k, v);
			}
			json_array_append_new(clean, o);
		}
		json_object_set_new(dst, c->name, clean);
	}
}

/* Records "name.i.field": code for each member of err->fields into errs, then clears the error. */
static void take_errors(ent_op *op, const char *name, size_t i, json_t *errs)
{
	const char *k;
	json_t *v;
	json_object_foreach(op->err.fields, k, v) {
		char key[160];
		snprintf(key, sizeof(key), "%s.%zu.%s", name, i, k);
		json_object_set(errs, key, v);
	}
	ent_error_clear(&op->err);
}

static void item_error(json_t *errs, const char *name, size_t i, const char *field, const char *code)
{
	char key[160];
	if (field)
		snprintf(key, sizeof(key), "%s.%zu.%s", name, i, field);
	else
		snprintf(key, sizeof(key), "%s.%zu", name, i);
	json_object_set_new(errs, key, json_string(code));
}

/* Members of the client's item that are not the child's to set. */
static void check_keys(const entity_def *t, const child_def *c, json_t *bit, size_t i, json_t *errs)
{
	const char *k;
	json_t *v;
	json_object_foreach(bit, k, v) {
		if (record_system_key(k) || !strcmp(k, "_labels"))
			continue;
		const field_def *f = entity_field(t, k);
		if (!f)
			item_error(errs, c->name, i, k, "unknown_field");
		else if (!strcmp(k, c->field))
			item_error(errs, c->name, i, k, "read_only");
	}
}

static int64_t version_of(json_t *rows, int64_t id)
{
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		if (json_integer_value(json_object_get(r, "id")) == id)
			return json_integer_value(json_object_get(r, "version"));
	return 0;
}

static int delete_row(ent_op *op, const entity_def *t, int64_t id)
{
	sqlb q = SQLB_INIT;
	sqlb_addf(&q, "DELETE FROM %s WHERE id = ", t->name);
	sqlb_int(&q, id);
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	int rc = s ? db_step(s) : db_errcode(op->db);
	db_done(s);
	return rc == DB_DONE ? 0 : op_db_fail(op, rc < 0 ? rc : DB_ERR);
}

/* Writes one item: update of a kept child or insert of a new one. */
static int write_item(ent_op *op, const entity_def *t, const child_def *c, int64_t parent, json_t *it, size_t i,
		      json_t *old_rows, json_t *errs)
{
	int nf = field_count(t);
	parsed *vals = xcalloc((size_t)nf, sizeof(*vals));
	int n = 0, rc = 0;
	int64_t cid = json_integer_value(json_object_get(it, "id"));
	json_t *rec = json_object();
	for (const field_def *f = t->fields; f->name; f++) {
		json_t *v = json_object_get(it, f->name);
		if (!strcmp(f->name, c->field))
			continue; /* bound below: the parent was checked by the caller */
		if (!strcmp(f->name, "position"))
			v = json_integer((json_int_t)i + 1);
		else if (v)
			json_incref(v);
		else
			v = value_default(f);
		json_object_set_new(rec, f->name, v ? v : json_null());
	}
	json_object_del(rec, c->field);
	/* parse every field but the back reference */
	if (parse_values(op, t, rec, false, vals, &n, NULL)) {
		take_errors(op, c->name, i, errs);
		goto out;
	}
	if (json_object_size(errs))
		goto out; /* an earlier item failed: keep checking, write nothing */
	vals[n].f = entity_field(t, c->field);
	vals[n].p[0] = (sql_param){ .t = P_INT, .i = parent };
	vals[n++].n = 1;
	if (cid) {
		int64_t ver = version_of(old_rows, cid);
		if (!ver) {
			item_error(errs, c->name, i, "id", "not_found");
			goto out;
		}
		rc = update_row(op, t, cid, ver, vals, n, NULL);
	} else {
		rc = insert_row(op, t, vals, n, 0) ? 0 : -1;
	}
out:
	free_values(vals, n);
	free(vals);
	json_decref(rec);
	return rc;
}

int children_write(ent_op *op, const entity_def *e, int64_t id, json_t *src, json_t *body)
{
	json_t *errs = json_object();
	int rc = 0;
	for (const child_def *c = e->children; c && c->name && !rc; c++) {
		json_t *items = json_object_get(src, c->name);
		if (!items)
			continue;
		if (!json_is_array(items)) {
			json_object_set_new(errs, c->name, json_string("invalid_type"));
			continue;
		}
		if (json_array_size(items) > (size_t)child_max(c)) {
			json_object_set_new(errs, c->name, json_string("too_many"));
			continue;
		}
		const entity_def *t = entity_find(c->entity);
		json_t *old_rows = child_rows(op, t, c->field, id);
		if (!old_rows) {
			rc = -1;
			break;
		}
		json_t *bitems = json_object_get(body, c->name);
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it) {
			json_t *bit = json_array_get(bitems, i);
			if (!json_is_object(it)) {
				item_error(errs, c->name, i, NULL, "invalid_type");
				continue;
			}
			check_keys(t, c, bit, i, errs);
			/* the same id twice would update one row twice */
			int64_t cid = json_integer_value(json_object_get(it, "id"));
			for (size_t j = 0; cid && j < i; j++)
				if (json_integer_value(json_object_get(json_array_get(items, j), "id")) == cid)
					item_error(errs, c->name, i, "id", "duplicate");
			if (write_item(op, t, c, id, it, i, old_rows, errs)) {
				rc = -1;
				break;
			}
		}
		/* the rows no item kept */
		json_t *r;
		json_array_foreach(old_rows, i, r) {
			if (rc || json_object_size(errs))
				break;
			int64_t rid = json_integer_value(json_object_get(r, "id"));
			bool kept = false;
			size_t j;
			json_array_foreach(items, j, it)
				kept |= json_integer_value(json_object_get(it, "id")) == rid;
			if (!kept)
				rc = delete_row(op, t, rid);
		}
		json_decref(old_rows);
	}
	if (!rc && json_object_size(errs)) {
		op_fail(op, 422, "validation_failed", "some items are not valid");
		op->err.fields = errs;
		return -1;
	}
	json_decref(errs);
	return rc;
}

void children_diff(const entity_def *e, json_t *old, json_t *now, json_t *changes)
{
	for (const child_def *c = e->children; c && c->name; c++) {
		json_t *a = old ? json_object_get(old, c->name) : NULL;
		json_t *b = json_object_get(now, c->name);
		if (!a)
			a = json_array();
		else
			json_incref(a);
		if (!b)
			b = json_array();
		else
			json_incref(b);
		if (!json_equal(a, b))
			json_array_append_new(changes, json_pack("{s:s,s:O,s:O}", "field", c->name, "old", a, "new", b));
		json_decref(a);
		json_decref(b);
	}
}
