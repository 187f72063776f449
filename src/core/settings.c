/* settings.c - see settings.h. */
#include "settings.h"
#include "acl.h"
#include "../util/utf8.h"

#include <stdlib.h>
#include <string.h>

json_t *settings_load(db *d, const char *key, const char *defaults)
{
	json_t *out = json_loads(defaults, 0, NULL);
	db_stmt *s = db_prepare(d, "SELECT value FROM settings WHERE key = ?");
	if (s) {
		db_bind_str(s, 1, key);
		if (db_step(s) == DB_ROW) {
			json_t *saved = json_loadb(db_col_text(s, 0), db_col_len(s, 0), 0, NULL);
			if (json_is_object(saved))
				json_object_update_existing(out, saved);
			json_decref(saved);
		}
		db_done(s);
	}
	return out;
}

int settings_store(ent_op *op, const char *key, json_t *obj)
{
	char *txt = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	db_stmt *s = db_prepare(op->db, "INSERT INTO settings(key, value) VALUES (?, ?) "
					"ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	int rc = DB_ERR;
	if (s) {
		db_bind_str(s, 1, key);
		db_bind_str(s, 2, txt);
		rc = db_step(s);
		db_done(s);
	}
	free(txt);
	return rc == DB_DONE ? 0 : op_db_fail(op, rc);
}

static int bad(ent_op *op, const char *what, const char *field, const char *code)
{
	op_fail(op, 422, "validation_failed", "%s settings are not valid", what);
	op->err.fields = json_pack("{s:s}", field, code);
	return -1;
}

/* ---- attachments ---- */

json_t *settings_attachments(db *d)
{
	return settings_load(d, "attachments", "{\"max_size_mb\":20}");
}

int settings_attachments_save(ent_op *op, json_t *body)
{
	if (!acl_is_admin(op->who))
		return op_fail(op, 403, "forbidden", "only administrators change the attachment rules");
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		if (strcmp(k, "max_size_mb"))
			return bad(op, "attachment", k, "unknown_field");
		/* the upload route reads at most 100 MiB (API_MAX_UPLOAD) */
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100)
			return bad(op, "attachment", k, "out_of_range");
	}
	json_t *merged = settings_attachments(op->db);
	json_object_update(merged, body);
	int rc = settings_store(op, "attachments", merged);
	json_decref(merged);
	return rc;
}

/* ---- company header ---- */

static const char *const company_fields[] = { "name", "name_en", "address", "address_en", "phone",
					      "tax_number", NULL };

json_t *settings_company(db *d)
{
	return settings_load(d, "company", "{\"name\":\"\",\"name_en\":\"\",\"address\":\"\",\"address_en\":\"\","
					   "\"phone\":\"\",\"tax_number\":\"\"}");
}

int settings_company_save(ent_op *op, json_t *body)
{
	if (!acl_is_admin(op->who))
		return op_fail(op, 403, "forbidden", "only administrators change the company details");
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		bool known = false;
		for (int i = 0; company_fields[i]; i++)
			known |= !strcmp(k, company_fields[i]);
		if (!known)
			return bad(op, "company", k, "unknown_field");
		if (!json_is_string(v))
			return bad(op, "company", k, "invalid_type");
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (!utf8_valid(s, n) || memchr(s, 0, n) || memchr(s, '\n', n) || memchr(s, '\r', n))
			return bad(op, "company", k, "invalid_text");
		if (utf8_length(s, n) > 200)
			return bad(op, "company", k, "too_long");
	}
	json_t *merged = settings_company(op->db);
	json_object_update(merged, body);
	int rc = settings_store(op, "company", merged);
	json_decref(merged);
	return rc;
}
