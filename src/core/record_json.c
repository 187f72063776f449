/*
 * record_json.c - a record's row as the API's JSON (see record_json.h): the
 * SELECT list of an entity and the conversion of one result row.
 */
#include "record_json.h"
#include "acl.h"
#include "name_cache.h"
#include "record.h"
#include "value.h"
#include "../util/jsonw.h"
#include "../util/xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Where the label (the name) of reference field f comes from: the names
 * cache for users and departments (name_cache.h), else a subquery column
 * (-1).  The subquery read "r.name FROM users r" for a reference to users or
 * to an entity without a title. */
static int label_kind(const field_def *f)
{
	const entity_def *t = strcmp(f->ref, "users") ? entity_find(f->ref) : NULL;
	if (!t || !t->title_field)
		return NAME_USER;
	if (!strcmp(t->name, "departments") && !strcmp(t->title_field, "name"))
		return NAME_DEPARTMENT;
	return -1;
}

static void build_select(const entity_def *e, sqlb *q)
{
	sqlb_add(q, "SELECT t.id, t.version, t.created_at, t.updated_at, t.created_by, t.updated_by, t.deleted_at, ");
	sqlb_add(q, (e->flags & E_OWNED) ? "t.owner_id" : "NULL");
	for (const field_def *f = e->fields; f->name; f++) {
		sqlb_addf(q, ", t.%s", f->name);
		if (f->type == FT_MONEY)
			sqlb_addf(q, ", t.%s_currency", f->name);
	}
	/* the names of referenced records, so lists can show them: users' and
	 * departments' from the names cache (name_cache.h), the others here */
	for (const field_def *f = e->fields; f->name; f++) {
		if (f->type != FT_REF || label_kind(f) >= 0)
			continue;
		const entity_def *t = entity_find(f->ref);
		sqlb_addf(q, ", (SELECT r.%s FROM %s r WHERE r.id = t.%s)", t->title_field, t->name, f->name);
	}
	sqlb_addf(q, " FROM %s t", e->name);
}

/* The name reference field f refers to (its value in column v), from the
 * names cache or the next label column (*col, moved past it); NULL for none.
 * Valid until the next name is asked for. */
static const char *ref_name(db *d, const field_def *f, db_stmt *s, int v, int *col)
{
	int kind = label_kind(f);
	if (kind < 0) {
		int c = (*col)++;
		return db_col_is_null(s, c) ? NULL : db_col_text(s, c);
	}
	if (db_col_is_null(s, v))
		return NULL;
	bool ok = true;
	return name_cache_get(d, (enum name_kind)kind, db_col_int(s, v), &ok);
}

/* The owner's name (owner_id is column 7), or NULL. */
static const char *owner_name(db *d, db_stmt *s)
{
	if (db_col_is_null(s, 7))
		return NULL;
	bool ok = true;
	return name_cache_get(d, NAME_USER, db_col_int(s, 7), &ok);
}

json_t *record_row_json(ent_op *op, const entity_def *e, db_stmt *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(db_col_int(s, 0)));
	json_object_set_new(o, "version", json_integer(db_col_int(s, 1)));
	json_object_set_new(o, "created_at", json_string(db_col_text(s, 2)));
	json_object_set_new(o, "updated_at", json_string(db_col_text(s, 3)));
	json_object_set_new(o, "created_by", db_col_is_null(s, 4) ? json_null() : json_integer(db_col_int(s, 4)));
	json_object_set_new(o, "updated_by", db_col_is_null(s, 5) ? json_null() : json_integer(db_col_int(s, 5)));
	if (!db_col_is_null(s, 6))
		json_object_set_new(o, "deleted_at", json_string(db_col_text(s, 6)));
	if (e->flags & E_OWNED)
		json_object_set_new(o, "owner_id", db_col_is_null(s, 7) ? json_null() : json_integer(db_col_int(s, 7)));
	int col = 8;
	for (const field_def *f = e->fields; f->name; f++) {
		if (acl_field_hidden(op->who, e, f)) {
			col += f->type == FT_MONEY ? 2 : 1;
			continue;
		}
		value_to_json(f, s, &col, o);
	}
	json_t *labels = json_object();
	int vcol = 8;
	for (const field_def *f = e->fields; f->name; f++) {
		int v = vcol;
		vcol += f->type == FT_MONEY ? 2 : 1;
		if (f->type != FT_REF)
			continue;
		const char *name = ref_name(op->db, f, s, v, &col);
		if (name && !acl_field_hidden(op->who, e, f))
			json_object_set_new(labels, f->name, json_string(name));
	}
	const char *owner = (e->flags & E_OWNED) ? owner_name(op->db, s) : NULL;
	if (owner)
		json_object_set_new(labels, "owner_id", json_string(owner));
	json_object_set_new(o, "_labels", labels);
	return o;
}

/* ---- what is the same for every row of an entity, built once ---- */

static const char *const engine_keys[] = { "id", "version", "created_at", "updated_at", "created_by",
					   "updated_by", "deleted_at", "owner_id", "_labels", NULL };

/* An entity's SELECT text (the same for every read: formatting it cost 16k
 * instructions per request), whether its rows can be written directly, and
 * each field's member prefix ,"name": .  Shapes are built on first use and
 * never freed; a declaration is recognised by its address and parts (unit
 * tests declare entities on the stack). */
typedef struct shape {
	const entity_def *e;
	const field_def *fields;
	const child_def *children;
	const entity_hooks *hooks;
	unsigned flags;
	bool direct;
	char *select;
	char **key;     /* per field: ,"name": */
	size_t *key_len;
	struct shape *next;
} shape;

static shape *_Atomic shapes;
static pthread_mutex_t shapes_lock = PTHREAD_MUTEX_INITIALIZER;

static bool shape_is(const shape *s, const entity_def *e)
{
	return s->e == e && s->fields == e->fields && s->children == e->children && s->hooks == e->hooks &&
	       s->flags == e->flags;
}

static const shape *shape_of(const entity_def *e)
{
	for (shape *s = atomic_load_explicit(&shapes, memory_order_acquire); s; s = s->next)
		if (shape_is(s, e))
			return s;
	pthread_mutex_lock(&shapes_lock);
	shape *s;
	for (s = atomic_load_explicit(&shapes, memory_order_acquire); s; s = s->next)
		if (shape_is(s, e))
			break;
	if (!s) {
		s = xcalloc(1, sizeof(*s));
		s->e = e;
		s->fields = e->fields;
		s->children = e->children;
		s->hooks = e->hooks;
		s->flags = e->flags;
		s->direct = !e->children && !(e->hooks && e->hooks->decorate);
		size_t n = 0;
		while (e->fields[n].name)
			n++;
		s->key = xcalloc(n + 1, sizeof(*s->key));
		s->key_len = xcalloc(n + 1, sizeof(*s->key_len));
		for (size_t i = 0; i < n; i++) {
			/* a field named like a member of the engine would replace it in
			 * place in the object; the writer would write both (none is) */
			for (const char *const *k = engine_keys; *k; k++)
				if (!strcmp(e->fields[i].name, *k))
					s->direct = false;
			buf b = BUF_INIT;
			jsonw_char(&b, ',');
			jsonw_key(&b, e->fields[i].name);
			s->key_len[i] = b.len;
			s->key[i] = buf_detach(&b);
		}
		sqlb q = SQLB_INIT;
		build_select(e, &q);
		s->select = xstrdup(buf_str(&q.sql));
		sqlb_free(&q);
		s->next = atomic_load_explicit(&shapes, memory_order_relaxed);
		atomic_store_explicit(&shapes, s, memory_order_release);
	}
	pthread_mutex_unlock(&shapes_lock);
	return s;
}

void record_select(const entity_def *e, sqlb *q)
{
	sqlb_add(q, shape_of(e)->select);
}

bool record_json_direct(const entity_def *e)
{
	return shape_of(e)->direct;
}

/* ---- writing a row straight into the answer ---- */

bool *record_hidden_fields(ent_op *op, const entity_def *e)
{
	size_t n = 0;
	while (e->fields[n].name)
		n++;
	bool *h = xcalloc(n + 1, sizeof(*h));
	for (size_t i = 0; i < n; i++)
		h[i] = acl_field_hidden(op->who, e, &e->fields[i]);
	return h;
}

/* json_string(text) as a member: left out when the text is NULL or not
 * UTF-8, as json_object_set_new(o, k, NULL) leaves it.  key: ,"name": (its
 * comma is skipped while *first, which is then cleared). */
static void member_cstr(buf *b, const char *key, size_t key_len, const char *text, bool *first)
{
	if (!text)
		return;
	size_t mark = b->len;
	if (*first)
		jsonw_raw(b, key + 1, key_len - 1);
	else
		jsonw_raw(b, key, key_len);
	if (jsonw_string_utf8(b, text, strlen(text))) {
		*first = false;
	} else {
		b->len = mark;
		b->ptr[mark] = '\0';
	}
}

/* key: ,"name": */
static void member_int_or_null(buf *b, const char *key, size_t key_len, db_stmt *s, int c)
{
	jsonw_raw(b, key, key_len);
	if (db_col_is_null(s, c))
		jsonw_raw(b, "null", 4);
	else
		jsonw_int(b, db_col_int(s, c));
}

#define KEY(k) ",\"" k "\":", sizeof(",\"" k "\":") - 1

/* Whether a stored tag list is already what dumping its parse would give:
 * an array of strings, no white space, each string escaped as the writer
 * escapes (only \" \\ \b \f \n \r \t and \u00XX in capitals for the other
 * control characters but NUL), valid UTF-8.  Then its text is its answer. */
static bool tags_canonical(const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	if (n < 2 || s[0] != '[' || s[n - 1] != ']')
		return false;
	size_t i = 1;
	if (i == n - 1)
		return true;
	for (;;) {
		if (s[i++] != '"')
			return false;
		size_t start = i;
		for (;;) {
			if (i >= n - 1)
				return false;
			unsigned char c = (unsigned char)s[i];
			if (c == '"')
				break;
			if (c < 0x20)
				return false;
			if (c == '\\') {
				char x = s[i + 1];
				if (x == '"' || x == '\\' || x == 'b' || x == 'f' || x == 'n' || x == 'r' || x == 't') {
					i += 2;
					continue;
				}
				if (x != 'u' || i + 6 > n - 1 || s[i + 2] != '0' || s[i + 3] != '0')
					return false;
				int hi = s[i + 4] == '0' ? 0 : s[i + 4] == '1' ? 1 : -1;
				const char *lo = s[i + 5] ? strchr(hex, s[i + 5]) : NULL;
				if (hi < 0 || !lo)
					return false;
				int v = hi * 16 + (int)(lo - hex);
				if (v == 0 || v == '\b' || v == '\f' || v == '\n' || v == '\r' || v == '\t')
					return false;
				i += 6;
				continue;
			}
			i++;
		}
		if (!jsonw_utf8_ok(s + start, i - start))
			return false;
		i++; /* the closing quote */
		if (i == n - 1)
			return true;
		if (s[i++] != ',')
			return false;
	}
}

/* One field's value as value_to_json sets it; false when it sets nothing. */
static bool write_value(buf *b, const field_def *f, db_stmt *s, int c)
{
	switch (f->type) {
	case FT_INT: case FT_REF: case FT_BOOL: case FT_DECIMAL: case FT_MONEY: case FT_TAGS:
		break;
	default: {
		/* text: its pointer tells NULL apart first (one call less per field) */
		const char *t = db_col_text(s, c);
		if (!t && db_col_is_null(s, c))
			jsonw_raw(b, "null", 4);
		else if (!t)
			jsonw_raw(b, "\"\"", 2);
		else if (!jsonw_string_utf8(b, t, db_col_len(s, c)))
			jsonw_raw(b, "\"\"", 2);
		return true;
	}
	}
	if (db_col_is_null(s, c)) {
		if (f->type == FT_TAGS)
			jsonw_raw(b, "[]", 2);
		else
			jsonw_raw(b, "null", 4);
		return true;
	}
	switch (f->type) {
	case FT_INT: case FT_REF:
		jsonw_int(b, db_col_int(s, c));
		return true;
	case FT_BOOL:
		if (db_col_int(s, c))
			jsonw_raw(b, "true", 4);
		else
			jsonw_raw(b, "false", 5);
		return true;
	case FT_DECIMAL: {
		int scale = f->scale ? f->scale : 2;
		int64_t p = 1;
		for (int i = 0; i < scale; i++)
			p *= 10;
		jsonw_real(b, (double)db_col_int(s, c) / (double)p);
		return true;
	}
	case FT_MONEY: {
		const char *cur = db_col_text(s, c + 1);
		if (!cur)
			cur = "CNY";
		size_t n = strlen(cur);
		if (!jsonw_utf8_ok(cur, n))
			return false; /* json_pack fails: no member */
		jsonw_raw(b, "{\"amount\":", 10);
		jsonw_int(b, db_col_int(s, c));
		jsonw_raw(b, ",\"currency\":", 12);
		jsonw_string(b, cur, n);
		jsonw_char(b, '}');
		return true;
	}
	case FT_TAGS: {
		const char *t = db_col_text(s, c);
		size_t n = db_col_len(s, c);
		if (t && tags_canonical(t, n)) {
			jsonw_raw(b, t, n);
			return true;
		}
		json_error_t err;
		json_t *v = t ? json_loadb(t, n, 0, &err) : NULL;
		if (json_is_array(v))
			jsonw_value(b, v);
		else
			jsonw_raw(b, "[]", 2);
		json_decref(v);
		return true;
	}
	default:
		return true; /* text: above */
	}
}

void record_row_write(db *d, const entity_def *e, db_stmt *s, const bool *hidden, buf *b)
{
	bool no = false, first = true;
	jsonw_raw(b, "{\"id\":", 6);
	jsonw_int(b, db_col_int(s, 0));
	jsonw_raw(b, ",\"version\":", 11);
	jsonw_int(b, db_col_int(s, 1));
	member_cstr(b, KEY("created_at"), db_col_text(s, 2), &no);
	member_cstr(b, KEY("updated_at"), db_col_text(s, 3), &no);
	member_int_or_null(b, KEY("created_by"), s, 4);
	member_int_or_null(b, KEY("updated_by"), s, 5);
	if (!db_col_is_null(s, 6))
		member_cstr(b, KEY("deleted_at"), db_col_text(s, 6), &no);
	if (e->flags & E_OWNED)
		member_int_or_null(b, KEY("owner_id"), s, 7);
	const shape *sh = shape_of(e);
	int col = 8, i = 0;
	for (const field_def *f = e->fields; f->name; f++, i++) {
		int c = col;
		col += f->type == FT_MONEY ? 2 : 1;
		if (hidden[i])
			continue;
		size_t mark = b->len;
		jsonw_raw(b, sh->key[i], sh->key_len[i]);
		if (!write_value(b, f, s, c)) {
			b->len = mark;
			b->ptr[mark] = '\0';
		}
	}
	jsonw_raw(b, ",\"_labels\":{", 12);
	i = 0;
	int vcol = 8;
	for (const field_def *f = e->fields; f->name; f++, i++) {
		int v = vcol;
		vcol += f->type == FT_MONEY ? 2 : 1;
		if (f->type != FT_REF)
			continue;
		const char *name = ref_name(d, f, s, v, &col);
		if (name && !hidden[i])
			member_cstr(b, sh->key[i], sh->key_len[i], name, &first);
	}
	if (e->flags & E_OWNED)
		member_cstr(b, KEY("owner_id"), owner_name(d, s), &first);
	jsonw_raw(b, "}}", 2);
}

int record_get_write(ent_op *op, const entity_def *e, int64_t id, buf *out)
{
	if (!record_json_direct(e)) {
		json_t *rec = record_get(op, e, id);
		if (!rec)
			return -1;
		jsonw_value(out, rec);
		json_decref(rec);
		return 0;
	}
	/* record_get's read (record.c load, scoped to what the caller sees) */
	if (!acl_can(op->who, e, ACL_READ))
		return op_fail(op, 404, "not_found", "no such record");
	sqlb q = SQLB_INIT;
	record_select(e, &q);
	sqlb_add(&q, " WHERE t.id = ");
	sqlb_int(&q, id);
	sqlb_add(&q, " AND t.deleted_at IS NULL");
	acl_scope(op, e, "t", &q, ACL_ONE_ROW | ACL_READ);
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	if (!s)
		return op_db_fail(op, db_errcode(op->db));
	int rc = db_step(s);
	if (rc == DB_ROW) {
		bool *hidden = record_hidden_fields(op, e);
		record_row_write(op->db, e, s, hidden, out);
		free(hidden);
	}
	db_done(s);
	if (rc < 0)
		return op_db_fail(op, rc);
	if (rc != DB_ROW)
		return op_fail(op, 404, "not_found", "no such record");
	return 0;
}

/* ---- the rows of a list page ---- */

void record_rows_begin(record_rows *r, ent_op *op, const entity_def *e, buf *out)
{
	memset(r, 0, sizeof(*r));
	r->e = e;
	if (out && record_json_direct(e)) {
		r->out = out;
		r->hidden = record_hidden_fields(op, e);
		jsonw_raw(out, "{\"data\":[", 9);
	} else {
		r->data = json_array();
	}
}

void record_rows_add(record_rows *r, ent_op *op, db_stmt *s)
{
	if (r->out) {
		if (r->n)
			jsonw_char(r->out, ',');
		record_row_write(op->db, r->e, s, r->hidden, r->out);
	} else {
		json_array_append_new(r->data, record_row_json(op, r->e, s));
	}
	r->n++;
}

void record_rows_slots(record_rows *r, int n)
{
	r->nslots = n;
	r->at = xcalloc((size_t)n + 1, sizeof(*r->at));
	r->len = xcalloc((size_t)n + 1, sizeof(*r->len));
	if (!r->out)
		r->js = xcalloc((size_t)n + 1, sizeof(*r->js));
}

void record_rows_add_at(record_rows *r, ent_op *op, db_stmt *s, int i)
{
	if (i < 0 || i >= r->nslots || r->len[i] || (r->js && r->js[i]))
		return;
	if (r->out) {
		r->at[i] = r->tmp.len;
		record_row_write(op->db, r->e, s, r->hidden, &r->tmp);
		r->len[i] = r->tmp.len - r->at[i];
	} else {
		r->js[i] = record_row_json(op, r->e, s);
	}
}

void record_rows_place(record_rows *r)
{
	for (int i = 0; i < r->nslots; i++) {
		if (r->out && r->len[i]) {
			if (r->n)
				jsonw_char(r->out, ',');
			jsonw_raw(r->out, r->tmp.ptr + r->at[i], r->len[i]);
			r->n++;
		} else if (!r->out && r->js[i]) {
			json_array_append_new(r->data, r->js[i]);
			r->js[i] = NULL;
			r->n++;
		}
	}
	r->nslots = 0;
}

/* What json_pack("{s:o,s:I,s:I,s:I}", "data", ...) and "total_capped"
 * give, in their order. */
json_t *record_rows_end(record_rows *r, int64_t total, bool capped, int64_t limit, int64_t offset)
{
	json_t *res;
	record_rows_place(r);
	if (r->out) {
		jsonw_raw(r->out, "],\"total\":", 10);
		jsonw_int(r->out, total);
		jsonw_raw(r->out, ",\"limit\":", 9);
		jsonw_int(r->out, limit);
		jsonw_raw(r->out, ",\"offset\":", 10);
		jsonw_int(r->out, offset);
		if (capped)
			jsonw_raw(r->out, ",\"total_capped\":true", 20);
		jsonw_char(r->out, '}');
		res = json_true(); /* the answer is in out */
	} else {
		res = json_pack("{s:o,s:I,s:I,s:I}", "data", r->data, "total", (json_int_t)total, "limit",
				(json_int_t)limit, "offset", (json_int_t)offset);
		if (capped)
			json_object_set_new(res, "total_capped", json_true());
		r->data = NULL;
	}
	record_rows_free(r);
	return res;
}

void record_rows_free(record_rows *r)
{
	json_decref(r->data);
	r->data = NULL;
	free(r->hidden);
	r->hidden = NULL;
	for (int i = 0; r->js && i < r->nslots; i++)
		json_decref(r->js[i]);
	free(r->js);
	free(r->at);
	free(r->len);
	r->js = NULL;
	r->at = r->len = NULL;
	r->nslots = 0;
	buf_free(&r->tmp);
}
