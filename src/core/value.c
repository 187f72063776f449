/* value.c - see value.h. */
#include "value.h"
#include "acl.h"
#include "../util/clock.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TAGS 50
#define MAX_TAG_LEN 50

int value_max_len(const field_def *f)
{
	if (f->max_len)
		return f->max_len;
	switch (f->type) {
	case FT_LONGTEXT: return 20000;
	case FT_EMAIL: return 254;
	case FT_PHONE: return 40;
	case FT_URL: return 2000;
	default: return 200;
	}
}

static int64_t pow10i(int n)
{
	int64_t p = 1;
	while (n-- > 0)
		p *= 10;
	return p;
}

static sql_param text_param(const char *s, size_t n)
{
	return (sql_param){ .t = P_TEXT, .s = xstrndup(s, n) };
}

static sql_param int_param(int64_t v)
{
	return (sql_param){ .t = P_INT, .i = v };
}

/* Trims ASCII white space (single-line types only); returns the new length. */
static size_t trim(const char **s, size_t n)
{
	while (n && isspace((unsigned char)**s)) {
		(*s)++;
		n--;
	}
	while (n && isspace((unsigned char)(*s)[n - 1]))
		n--;
	return n;
}

static bool email_ok(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	if (!at || at == s || memchr(at + 1, '@', n - (size_t)(at - s) - 1))
		return false;
	const char *dom = at + 1;
	size_t dn = n - (size_t)(dom - s);
	if (dn < 3 || !memchr(dom, '.', dn) || dom[0] == '.' || dom[dn - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)s[i]) || s[i] == '<' || s[i] == '>' || s[i] == ',')
			return false;
	return true;
}

static bool phone_ok(const char *s, size_t n)
{
	int digits = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (isdigit((unsigned char)c))
			digits++;
		else if (!strchr("+-() .#/x", c) && !(c == 'e' || c == 'X'))
			return false;
	}
	return digits >= 3;
}

static bool url_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)s[i]) || (unsigned char)s[i] < 0x20)
			return false;
	const char *sep = strstr(s, "://");
	if (sep && (size_t)(sep - s) < n) {
		if (strncasecmp(s, "http://", 7) && strncasecmp(s, "https://", 8))
			return false;
		const char *host = sep + 3; /* a host must follow the scheme */
		return host < s + n && !strchr("/?#", *host);
	}
	/* no scheme: a host name at least ("www.example.com"), never "javascript:..." */
	return memchr(s, '.', n) && !memchr(s, ':', n);
}

static const char *parse_decimal_text(const char *s, int scale, int64_t *out)
{
	/* exact: digits, optional point, at most `scale` decimals */
	const char *p = s;
	bool neg = false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	int64_t whole = 0, frac = 0;
	int nd = 0, nf = 0;
	while (isdigit((unsigned char)*p)) {
		if (whole > (INT64_MAX / 10 - 9) / pow10i(scale))
			return "out_of_range";
		whole = whole * 10 + (*p++ - '0');
		nd++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (nf == scale)
				return "too_many_decimals";
			frac = frac * 10 + (*p++ - '0');
			nf++;
		}
	}
	if (*p || (nd == 0 && nf == 0))
		return "invalid_number";
	int64_t v = whole * pow10i(scale) + frac * pow10i(scale - nf);
	*out = neg ? -v : v;
	return NULL;
}

static const char *parse_tags(db *d, const field_def *f, json_t *v, sql_param *out)
{
	if (!json_is_array(v))
		return "invalid_type";
	if (json_array_size(v) > MAX_TAGS)
		return "too_many";
	json_t *clean = json_array();
	size_t i;
	json_t *t;
	const char *err = NULL;
	json_array_foreach(v, i, t) {
		const char *s = json_string_value(t);
		if (!s) {
			err = "invalid_type";
			break;
		}
		size_t n = trim(&s, strlen(s));
		if (!n)
			continue;
		if (utf8_length(s, n) > MAX_TAG_LEN) {
			err = "too_long";
			break;
		}
		char *tag = xstrndup(s, n);
		bool dup = false;
		for (size_t j = 0; j < json_array_size(clean); j++)
			dup |= !strcmp(json_string_value(json_array_get(clean, j)), tag);
		if ((f->options || f->options_list) && !entity_option_valid(d, f, tag))
			err = "invalid_option";
		if (!dup && !err)
			json_array_append_new(clean, json_string(tag));
		free(tag);
		if (err)
			break;
	}
	if (!err) {
		char *txt = json_dumps(clean, JSON_COMPACT);
		*out = (sql_param){ .t = P_TEXT, .s = txt };
	}
	json_decref(clean);
	return err;
}

static const char *check_ref(ent_op *op, const field_def *f, int64_t id)
{
	sqlb q = SQLB_INIT;
	if (!strcmp(f->ref, "users")) {
		sqlb_add(&q, "SELECT 1 FROM users t WHERE t.disabled = 0 AND t.id = ");
		sqlb_int(&q, id);
	} else {
		sqlb_addf(&q, "SELECT 1 FROM %s t WHERE t.deleted_at IS NULL AND t.id = ", f->ref);
		sqlb_int(&q, id);
		if (op->who)
			acl_scope(op, entity_find(f->ref), "t", &q, ACL_ONE_ROW | ACL_READ);
	}
	db_stmt *s = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	if (!s)
		return "invalid";
	bool found = db_step(s) == DB_ROW;
	db_done(s);
	return found ? NULL : "not_found";
}

static const char *parse_string_kind(db *d, const field_def *f, const char *s, size_t n, sql_param *out)
{
	if (f->type != FT_LONGTEXT)
		n = trim(&s, n);
	if (!utf8_valid(s, n))
		return "invalid_text";
	if (f->type != FT_LONGTEXT && (memchr(s, '\n', n) || memchr(s, '\r', n)))
		return "invalid_text"; /* one line: a line break belongs in a long text */
	if ((int)utf8_length(s, n) > value_max_len(f))
		return "too_long";
	switch (f->type) {
	case FT_EMAIL:
		if (!email_ok(s, n))
			return "invalid_email";
		break;
	case FT_PHONE:
		if (!phone_ok(s, n))
			return "invalid_phone";
		break;
	case FT_URL:
		if (!url_ok(s, n))
			return "invalid_url";
		break;
	case FT_ENUM: {
		char *tmp = xstrndup(s, n);
		bool ok = entity_option_valid(d, f, tmp);
		free(tmp);
		if (!ok)
			return "invalid_option";
		break;
	}
	case FT_DATE: {
		int y, m, dd;
		char tmp[16];
		if (n != 10)
			return "invalid_date";
		memcpy(tmp, s, 10);
		tmp[10] = '\0';
		if (clock_parse_date(tmp, &y, &m, &dd))
			return "invalid_date";
		break;
	}
	case FT_DATETIME: {
		int64_t ms;
		char *tmp = xstrndup(s, n);
		int bad = n > 40 || clock_parse_iso(tmp, &ms);
		free(tmp);
		if (bad)
			return "invalid_datetime";
		char iso[32];
		clock_format_iso(ms, iso, sizeof(iso));
		*out = text_param(iso, strlen(iso));
		return NULL;
	}
	default:
		break;
	}
	*out = text_param(s, n);
	return NULL;
}

static bool is_blank(json_t *v)
{
	if (json_is_null(v))
		return true;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		return trim(&s, json_string_length(v)) == 0;
	}
	return false;
}

const char *value_parse(ent_op *op, const field_def *f, json_t *v, sql_param out[2], int *nout)
{
	db *d = op ? op->db : NULL;
	*nout = 1;
	if (f->type == FT_MONEY)
		*nout = 2;
	if (is_blank(v)) {
		if (f->flags & F_REQUIRED)
			return "required";
		out[0] = (sql_param){ .t = P_NULL };
		out[1] = (sql_param){ .t = P_NULL };
		return NULL;
	}
	if (json_is_null(v)) {
		if (f->flags & F_REQUIRED)
			return "required";
		out[0] = (sql_param){ .t = P_NULL };
		return NULL;
	}
	switch (f->type) {
	case FT_TEXT: case FT_LONGTEXT: case FT_EMAIL: case FT_PHONE: case FT_URL:
	case FT_ENUM: case FT_DATE: case FT_DATETIME: {
		if (!json_is_string(v))
			return "invalid_type";
		const char *err = parse_string_kind(d, f, json_string_value(v), json_string_length(v), &out[0]);
		if (!err && (f->flags & F_REQUIRED) && out[0].t == P_TEXT && !out[0].s[0]) {
			value_free(out, 1);
			return "required";
		}
		return err;
	}
	case FT_INT:
		if (!json_is_integer(v))
			return "invalid_type";
		out[0] = int_param(json_integer_value(v));
		return NULL;
	case FT_BOOL:
		if (!json_is_boolean(v))
			return "invalid_type";
		out[0] = int_param(json_is_true(v));
		return NULL;
	case FT_DECIMAL: {
		int scale = f->scale ? f->scale : 2;
		int64_t scaled;
		const char *err;
		if (json_is_string(v)) {
			err = parse_decimal_text(json_string_value(v), scale, &scaled);
		} else if (json_is_number(v)) {
			char tmp[64];
			if (json_is_integer(v))
				snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
			else
				snprintf(tmp, sizeof(tmp), "%.*f", scale + 3, json_real_value(v));
			/* strip trailing zeros that %f adds, so 1.5 is not "too many decimals" */
			char *dot = strchr(tmp, '.');
			if (dot) {
				char *end = tmp + strlen(tmp) - 1;
				while (end > dot && *end == '0')
					*end-- = '\0';
				if (end == dot)
					*end = '\0';
			}
			err = parse_decimal_text(tmp, scale, &scaled);
		} else {
			return "invalid_type";
		}
		if (err)
			return err;
		out[0] = int_param(scaled);
		return NULL;
	}
	case FT_MONEY: {
		json_t *amount = v, *cur = NULL;
		if (json_is_object(v)) {
			amount = json_object_get(v, "amount");
			cur = json_object_get(v, "currency");
			if (json_object_size(v) > (size_t)(1 + (cur != NULL)))
				return "invalid_type";
		}
		if (!json_is_integer(amount))
			return "invalid_amount";
		const char *c = cur ? json_string_value(cur) : "CNY";
		if (!c || strlen(c) != 3 || !isupper((unsigned char)c[0]) || !isupper((unsigned char)c[1]) ||
		    !isupper((unsigned char)c[2]))
			return "invalid_currency";
		out[0] = int_param(json_integer_value(amount));
		out[1] = text_param(c, 3);
		return NULL;
	}
	case FT_TAGS:
		return parse_tags(d, f, v, &out[0]);
	case FT_REF: {
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return "invalid_type";
		const char *err = check_ref(op, f, json_integer_value(v));
		if (err)
			return err;
		out[0] = int_param(json_integer_value(v));
		return NULL;
	}
	}
	return "invalid_type";
}

const char *value_parse_text(db *d, const field_def *f, const char *text, sql_param out[2], int *nout)
{
	*nout = 1;
	switch (f->type) {
	case FT_INT: case FT_REF: {
		char *end;
		errno = 0;
		long long v = strtoll(text, &end, 10);
		if (!*text || *end || errno)
			return "invalid_number";
		out[0] = int_param(v);
		return NULL;
	}
	case FT_MONEY: {
		char *end;
		errno = 0;
		long long v = strtoll(text, &end, 10);
		if (!*text || *end || errno)
			return "invalid_amount";
		out[0] = int_param(v);
		return NULL;
	}
	case FT_DECIMAL: {
		int64_t scaled;
		const char *err = parse_decimal_text(text, f->scale ? f->scale : 2, &scaled);
		if (!err)
			out[0] = int_param(scaled);
		return err;
	}
	case FT_BOOL:
		if (!strcmp(text, "true") || !strcmp(text, "1"))
			out[0] = int_param(1);
		else if (!strcmp(text, "false") || !strcmp(text, "0"))
			out[0] = int_param(0);
		else
			return "invalid_boolean";
		return NULL;
	case FT_TAGS:
		if (strlen(text) > MAX_TAG_LEN * 4)
			return "too_long";
		out[0] = text_param(text, strlen(text));
		return NULL;
	case FT_DATETIME: {
		/* a date alone means its start, so filter[x][gte]=2026-11-01 works */
		int64_t ms;
		if (clock_parse_iso(text, &ms))
			return "invalid_datetime";
		char iso[32];
		clock_format_iso(ms, iso, sizeof(iso));
		out[0] = text_param(iso, strlen(iso));
		return NULL;
	}
	default: {
		/* text-like: the same checks as in a body, but no "required" */
		field_def relaxed = *f;
		relaxed.flags &= ~(unsigned)F_REQUIRED;
		if (f->type == FT_EMAIL || f->type == FT_PHONE || f->type == FT_URL)
			relaxed.type = FT_TEXT; /* filters match parts of values too */
		json_t *j = json_string(text);
		if (!j)
			return "invalid_text";
		ent_op op = { .db = d };
		const char *err = value_parse(&op, &relaxed, j, out, nout);
		json_decref(j);
		return err;
	}
	}
}

void value_to_json(const field_def *f, db_stmt *s, int *col, json_t *obj)
{
	int c = (*col)++;
	if (f->type == FT_MONEY)
		(*col)++;
	if (db_col_is_null(s, c)) {
		json_object_set_new(obj, f->name, f->type == FT_TAGS ? json_array() : json_null());
		return;
	}
	json_t *v;
	switch (f->type) {
	case FT_INT: case FT_REF:
		v = json_integer(db_col_int(s, c));
		break;
	case FT_BOOL:
		v = json_boolean(db_col_int(s, c));
		break;
	case FT_DECIMAL: {
		int scale = f->scale ? f->scale : 2;
		v = json_real((double)db_col_int(s, c) / (double)pow10i(scale));
		break;
	}
	case FT_MONEY: {
		const char *cur = db_col_text(s, c + 1);
		v = json_pack("{s:I,s:s}", "amount", (json_int_t)db_col_int(s, c), "currency", cur ? cur : "CNY");
		break;
	}
	case FT_TAGS: {
		json_error_t err;
		v = json_loadb(db_col_text(s, c), db_col_len(s, c), 0, &err);
		if (!json_is_array(v)) {
			json_decref(v);
			v = json_array();
		}
		break;
	}
	default:
		v = json_stringn(db_col_text(s, c), db_col_len(s, c));
		if (!v)
			v = json_string("");
	}
	json_object_set_new(obj, f->name, v);
}

json_t *value_default(const field_def *f)
{
	if (!f->def)
		return NULL;
	json_error_t err;
	return json_loads(f->def, JSON_DECODE_ANY, &err);
}

void value_free(sql_param *p, int n)
{
	for (int i = 0; i < n; i++) {
		free(p[i].s);
		p[i].s = NULL;
	}
}
