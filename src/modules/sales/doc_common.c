/* doc_common.c - what quotes, orders, contracts, payments and invoices share:
 * line items, status transitions, numbering, balances.  See documents.h. */
#include "documents.h"
#include "sales.h"
#include "../../core/record.h"
#include "../../util/clock.h"
#include "../../util/money.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMPANY_UTC_OFFSET_MS (8 * 3600 * 1000LL) /* Asia/Shanghai, no daylight saving */

void doc_today(char out[11])
{
	time_t t = (time_t)((clock_now_ms() + COMPANY_UTC_OFFSET_MS) / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

bool doc_currency_ok(const char *c)
{
	return c && strlen(c) == 3 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]) &&
	       isupper((unsigned char)c[2]);
}

bool doc_money(json_t *v, int64_t *amount, const char **currency)
{
	if (json_is_integer(v)) {
		*amount = json_integer_value(v);
		*currency = NULL;
		return true;
	}
	if (!json_is_object(v) || !json_is_integer(json_object_get(v, "amount")))
		return false;
	*amount = json_integer_value(json_object_get(v, "amount"));
	*currency = json_string_value(json_object_get(v, "currency"));
	return true;
}

json_t *doc_money_json(int64_t amount, const char *currency)
{
	return json_pack("{s:I,s:s}", "amount", (json_int_t)amount, "currency", currency ? currency : "CNY");
}

/* A quantity or percent given as a JSON string or number, scaled; NULL or an error code. */
static const char *scaled(json_t *v, int decimals, int64_t max, int64_t *out)
{
	char tmp[64];
	const char *s;
	if (json_is_string(v)) {
		s = json_string_value(v);
		if (json_string_length(v) > 40)
			return "invalid_number";
	} else if (json_is_integer(v)) {
		snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
		s = tmp;
	} else if (json_is_real(v)) {
		/* a JSON number with a fraction: its shortest decimal form, so 1.5 stays 1.5 */
		snprintf(tmp, sizeof(tmp), "%.*f", decimals + 3, json_real_value(v));
		char *dot = strchr(tmp, '.');
		if (dot) {
			char *end = tmp + strlen(tmp) - 1;
			while (end > dot && *end == '0')
				*end-- = '\0';
			if (end == dot)
				*end = '\0';
		}
		s = tmp;
	} else {
		return "invalid_type";
	}
	switch (money_parse_scaled(s, decimals, false, max, out)) {
	case MONEY_OK: return NULL;
	case MONEY_TOO_MANY_DECIMALS: return "too_many_decimals";
	case MONEY_OUT_OF_RANGE: return "out_of_range";
	default: return "invalid_number";
	}
}

static void item_err(json_t *errs, const char *member, size_t i, const char *field, const char *code)
{
	char key[128];
	snprintf(key, sizeof(key), "%s.%zu.%s", member, i, field);
	if (!json_object_get(errs, key))
		json_object_set_new(errs, key, json_string(code));
}

static bool blank(json_t *v)
{
	return !v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0);
}

/* Fills description, unit and unit price of a line from its product where the line leaves them out. */
static void product_defaults(hook_ctx *h, json_t *it, size_t i, const char *member, json_t *errs)
{
	json_t *pid = json_object_get(it, "product_id");
	if (!json_is_integer(pid))
		return; /* absent, or refused by the engine's own check */
	json_t *p = record_get(h->op, &products_entity, json_integer_value(pid));
	if (!p) {
		ent_error_clear(&h->op->err);
		item_err(errs, member, i, "product_id", "not_found");
		return;
	}
	if (blank(json_object_get(it, "description")))
		json_object_set(it, "description", json_object_get(p, "name"));
	if (blank(json_object_get(it, "unit")) && json_is_string(json_object_get(p, "unit")))
		json_object_set(it, "unit", json_object_get(p, "unit"));
	if (blank(json_object_get(it, "unit_price")) && json_is_object(json_object_get(p, "list_price")))
		json_object_set(it, "unit_price", json_object_get(p, "list_price"));
	json_decref(p);
}

int doc_compute_lines(hook_ctx *h, json_t *items, const char *currency, json_t *rec, const char *member)
{
	json_t *errs = json_object();
	money_totals t = { 0 };
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		if (!json_is_object(it))
			continue; /* the engine answers invalid_type */
		product_defaults(h, it, i, member, errs);
		if (blank(json_object_get(it, "description")) && !json_object_get(it, "product_id"))
			item_err(errs, member, i, "description", "required");
		money_line l = { 0 };
		const char *e;
		json_t *q = json_object_get(it, "quantity");
		if (blank(q))
			item_err(errs, member, i, "quantity", "required");
		else if ((e = scaled(q, QTY_DECIMALS, MONEY_MAX, &l.quantity)))
			item_err(errs, member, i, "quantity", e);
		json_t *d = json_object_get(it, "discount_percent");
		if (!blank(d) && (e = scaled(d, PCT_DECIMALS, 100 * PCT_SCALE, &l.discount_pct)))
			item_err(errs, member, i, "discount_percent", e);
		json_t *x = json_object_get(it, "tax_rate_percent");
		if (!blank(x) && (e = scaled(x, PCT_DECIMALS, 100 * PCT_SCALE, &l.tax_pct)))
			item_err(errs, member, i, "tax_rate_percent", e);
		const char *cur = NULL;
		json_t *up = json_object_get(it, "unit_price");
		if (blank(up))
			item_err(errs, member, i, "unit_price", "required");
		else if (!doc_money(up, &l.unit_price, &cur) || l.unit_price < 0 || l.unit_price > MONEY_MAX)
			item_err(errs, member, i, "unit_price", "invalid_amount");
		else if (cur && strcmp(cur, currency))
			item_err(errs, member, i, "unit_price", "currency_mismatch");
		else
			json_object_set_new(it, "unit_price", doc_money_json(l.unit_price, currency));
		if (json_object_size(errs))
			continue;
		if (money_line_compute(&l) != MONEY_OK || money_totals_add(&t, &l) != MONEY_OK) {
			item_err(errs, member, i, "quantity", "out_of_range");
			continue;
		}
		json_object_set_new(it, "amount", doc_money_json(l.amount, currency));
		json_object_set_new(it, "discount_amount", doc_money_json(l.discount, currency));
		json_object_set_new(it, "tax_amount", doc_money_json(l.tax, currency));
		json_object_set_new(it, "total", doc_money_json(l.total, currency));
	}
	if (json_object_size(errs)) {
		hook_fail(h, 422, "validation_failed", "some lines are not valid");
		h->op->err.fields = errs;
		return -1;
	}
	json_decref(errs);
	json_object_set_new(rec, "subtotal", doc_money_json(t.subtotal, currency));
	json_object_set_new(rec, "discount", doc_money_json(t.discount, currency));
	json_object_set_new(rec, "tax", doc_money_json(t.tax, currency));
	json_object_set_new(rec, "total", doc_money_json(t.total, currency));
	return 0;
}

json_t *doc_lines_copy(json_t *lines, bool keep_ids)
{
	static const char *const keep[] = { "product_id", "description", "unit", "quantity", "unit_price",
					    "discount_percent", "tax_rate_percent", NULL };
	json_t *out = json_array();
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l) {
		json_t *o = json_object();
		for (int k = 0; keep[k]; k++) {
			json_t *v = json_object_get(l, keep[k]);
			if (v && !json_is_null(v))
				json_object_set(o, keep[k], v);
		}
		/* decimals come back as JSON reals; their text keeps them exact */
		for (int k = 0; k < 3; k++) {
			const char *name = k == 0 ? "quantity" : k == 1 ? "discount_percent" : "tax_rate_percent";
			json_t *v = json_object_get(o, name);
			if (json_is_real(v)) {
				char tmp[40];
				int64_t sc;
				int dec = k == 0 ? QTY_DECIMALS : PCT_DECIMALS;
				snprintf(tmp, sizeof(tmp), "%.*f", dec, json_real_value(v));
				if (money_parse_scaled(tmp, dec, false, MONEY_MAX, &sc) == MONEY_OK) {
					money_format_scaled(sc, dec, tmp);
					json_object_set_new(o, name, json_string(tmp));
				}
			}
		}
		if (keep_ids && json_object_get(l, "id"))
			json_object_set(o, "id", json_object_get(l, "id"));
		json_array_append_new(out, o);
	}
	return out;
}

int doc_transition(hook_ctx *h, const char *allowed, const char *from, const char *to)
{
	if (!to || (from && !strcmp(from, to)))
		return 0;
	char pair[80];
	snprintf(pair, sizeof(pair), "%s>%s", from ? from : "", to);
	size_t n = strlen(pair);
	for (const char *p = allowed; (p = strstr(p, pair)); p += n)
		if ((p == allowed || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 0;
	hook_fail(h, 422, "validation_failed", "the status cannot go from %s to %s", from ? from : "(none)", to);
	h->op->err.fields = json_pack("{s:s}", "status", "invalid_transition");
	return -1;
}

/* ---- numbering ---- */

static const char numbering_defaults[] =
	"{\"quotes\":\"BJ-{yyyy}-{seq:4}\",\"orders\":\"DD-{yyyy}-{seq:4}\",\"contracts\":\"HT-{yyyy}-{seq:4}\"}";

json_t *doc_numbering_get(db *d)
{
	json_error_t err;
	json_t *out = json_loads(numbering_defaults, 0, &err);
	db_stmt *s = db_prepare(d, "SELECT value FROM settings WHERE key = 'numbering'");
	if (s && db_step(s) == DB_ROW) {
		json_t *saved = json_loadb(db_col_text(s, 0), db_col_len(s, 0), 0, &err);
		if (json_is_object(saved))
			json_object_update_existing(out, saved);
		json_decref(saved);
	}
	db_done(s);
	return out;
}

/* Renders pattern with today's date; the sequence token becomes "%0Nd"-like
 * digits of seq (or "#" when seq < 0, for the counter's key).  NULL when the
 * pattern is not valid. */
static const char *render(const char *pattern, int64_t seq, char *out, size_t n)
{
	char today[11];
	doc_today(today);
	size_t len = 0;
	bool has_seq = false;
	out[0] = '\0';
	for (const char *p = pattern; *p;) {
		char piece[32];
		if (*p == '{') {
			const char *end = strchr(p, '}');
			if (!end)
				return "an unclosed {";
			size_t tl = (size_t)(end - p + 1);
			int width = 0;
			if (tl == 6 && !strncmp(p, "{yyyy}", 6))
				snprintf(piece, sizeof(piece), "%.4s", today);
			else if (tl == 4 && !strncmp(p, "{yy}", 4))
				snprintf(piece, sizeof(piece), "%.2s", today + 2);
			else if (tl == 4 && !strncmp(p, "{mm}", 4))
				snprintf(piece, sizeof(piece), "%.2s", today + 5);
			else if (tl == 4 && !strncmp(p, "{dd}", 4))
				snprintf(piece, sizeof(piece), "%.2s", today + 8);
			else if ((tl == 5 && !strncmp(p, "{seq}", 5)) ||
				 (tl == 7 && !strncmp(p, "{seq:", 5) && p[5] >= '1' && p[5] <= '9' && (width = p[5] - '0'))) {
				if (has_seq)
					return "{seq} appears twice";
				has_seq = true;
				if (seq < 0)
					snprintf(piece, sizeof(piece), "#");
				else
					snprintf(piece, sizeof(piece), "%0*lld", width, (long long)seq);
			} else {
				return "unknown token; use {yyyy} {yy} {mm} {dd} {seq} {seq:N}";
			}
			p = end + 1;
		} else {
			if (*p == '}' || (unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
				return "only printable ASCII without spaces or stray }";
			piece[0] = *p++;
			piece[1] = '\0';
		}
		size_t pl = strlen(piece);
		if (len + pl >= n)
			return "too long";
		memcpy(out + len, piece, pl + 1);
		len += pl;
	}
	return has_seq ? NULL : "the pattern needs {seq} or {seq:N}";
}

json_t *doc_numbering_put(ent_op *op, json_t *body)
{
	json_t *cur = doc_numbering_get(op->db);
	json_t *errs = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		char out[64];
		if (!json_object_get(cur, k))
			json_object_set_new(errs, k, json_string("unknown_field"));
		else if (!json_is_string(v) || json_string_length(v) > 40 || render(json_string_value(v), 1, out, sizeof(out)))
			json_object_set_new(errs, k, json_string("invalid_pattern"));
		else
			json_object_set(cur, k, v);
	}
	if (json_object_size(errs)) {
		op_fail(op, 422, "validation_failed", "patterns use {yyyy} {yy} {mm} {dd} and one {seq} or {seq:N}");
		op->err.fields = errs;
		json_decref(cur);
		return NULL;
	}
	json_decref(errs);
	char *txt = json_dumps(cur, JSON_COMPACT | JSON_SORT_KEYS);
	db_stmt *s = db_prepare(op->db, "INSERT INTO settings(key, value) VALUES ('numbering', ?) "
					"ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	int rc = s ? (db_bind_str(s, 1, txt), db_step(s)) : db_errcode(op->db);
	db_done(s);
	free(txt);
	if (rc != DB_DONE) {
		json_decref(cur);
		op_db_fail(op, rc < 0 ? rc : DB_ERR);
		return NULL;
	}
	return cur;
}

int doc_next_number(hook_ctx *h, const char *entity, char *out, size_t n)
{
	json_t *all = doc_numbering_get(h->op->db);
	const char *pattern = json_string_value(json_object_get(all, entity));
	char key[128], prefix[64];
	int rc = -1;
	if (!pattern || render(pattern, -1, prefix, sizeof(prefix))) {
		hook_fail(h, 500, "internal", "the numbering pattern of %s is not valid", entity);
		goto out;
	}
	/* one counter per rendered pattern: a new year (or month) starts again at 1 */
	snprintf(key, sizeof(key), "seq.%s.%s", entity, prefix);
	db_stmt *s = db_prepare(h->op->db, "INSERT INTO settings(key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE "
					   "SET value = CAST(CAST(settings.value AS INTEGER) + 1 AS TEXT) RETURNING value");
	int step = s ? (db_bind_str(s, 1, key), db_step(s)) : db_errcode(h->op->db);
	int64_t seq = step == DB_ROW ? strtoll(db_col_text(s, 0), NULL, 10) : 0;
	db_done(s);
	if (step != DB_ROW) {
		op_db_fail(h->op, step < 0 ? step : DB_ERR);
		goto out;
	}
	rc = render(pattern, seq, out, n) ? -1 : 0;
out:
	json_decref(all);
	return rc;
}

/* ---- balances ---- */

int doc_lock(ent_op *op, const entity_def *e, int64_t id)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "UPDATE %s SET version = version WHERE id = ?", e->name);
	db_stmt *s = db_prepare(op->db, sql);
	int rc = s ? (db_bind_int(s, 1, id), db_step(s)) : db_errcode(op->db);
	db_done(s);
	return rc == DB_DONE ? 0 : op_db_fail(op, rc < 0 ? rc : DB_ERR);
}

int doc_sum(ent_op *op, const char *sql, int64_t id, int64_t *out)
{
	db_stmt *s = db_prepare(op->db, sql);
	int rc = s ? (db_bind_int(s, 1, id), db_step(s)) : db_errcode(op->db);
	*out = rc == DB_ROW && !db_col_is_null(s, 0) ? db_col_int(s, 0) : 0;
	db_done(s);
	return rc == DB_ROW ? 0 : op_db_fail(op, rc < 0 ? rc : DB_ERR);
}

int contract_received(ent_op *op, int64_t contract_id, int64_t *received)
{
	return doc_sum(op, "SELECT sum(amount) FROM payments WHERE contract_id = ? AND deleted_at IS NULL",
		       contract_id, received);
}

int contract_invoiced(ent_op *op, int64_t contract_id, int64_t exclude_invoice, int64_t *invoiced)
{
	char sql[200];
	snprintf(sql, sizeof(sql),
		 "SELECT sum(amount) FROM invoices WHERE contract_id = ? AND deleted_at IS NULL AND status <> 'void' "
		 "AND id <> %lld", (long long)exclude_invoice);
	return doc_sum(op, sql, contract_id, invoiced);
}

json_t *contract_installment_received(ent_op *op, int64_t contract_id)
{
	db_stmt *s = db_prepare(op->db, "SELECT a.installment_id, sum(a.amount) FROM payment_allocations a "
					"JOIN payments p ON p.id = a.payment_id "
					"WHERE p.contract_id = ? AND p.deleted_at IS NULL GROUP BY a.installment_id");
	if (!s) {
		op_db_fail(op, db_errcode(op->db));
		return NULL;
	}
	db_bind_int(s, 1, contract_id);
	json_t *out = json_object();
	int rc;
	while ((rc = db_step(s)) == DB_ROW) {
		char k[24];
		snprintf(k, sizeof(k), "%lld", (long long)db_col_int(s, 0));
		json_object_set_new(out, k, json_integer(db_col_int(s, 1)));
	}
	db_done(s);
	if (rc < 0) {
		json_decref(out);
		op_db_fail(op, rc);
		return NULL;
	}
	return out;
}
