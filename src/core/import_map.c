/*
 * import_map.c - which field a column is (suggested from its header), and
 * how a spreadsheet cell becomes the JSON value the engine takes for it.
 * Conversion only reshapes what people type in Excel (2024/1/5, 2024年1月5日,
 * Excel date serials, ¥1,234.50, 是/否, option labels, a customer's name for
 * its id); whether the value is valid is the engine's call (value.c).
 */
#include "import_int.h"
#include "acl.h"
#include "sqlb.h"
#include "../util/clock.h"
#include "../util/utf8.h"
#include "../util/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const field_def import_owner_field = { "owner_id", FT_REF, { "负责人", "Owner" }, 0, .ref = "users" };

/* Other names people give a column, "entity.field" -> header words (normalised). */
static const struct alias {
	const char *key;
	const char *names[8];
} aliases[] = {
	{ "*.owner_id", { "负责人", "所有者", "归属人", "业务员", "销售", "销售代表", "owner", "salesrep" } },
	{ "customers.name", { "客户", "公司", "公司名称", "企业名称", "单位名称", "company", "customer", "customername" } },
	{ "customers.phone", { "联系电话", "座机", "telephone", "tel" } },
	{ "contacts.customer_id", { "客户名称", "公司", "公司名称", "company", "customername" } },
	{ "contacts.name", { "联系人", "联系人姓名", "contact", "contactname" } },
	{ "contacts.mobile", { "手机号", "手机号码", "移动电话", "cellphone", "mobilephone" } },
	{ "contacts.email", { "电子邮件", "邮件", "e-mail", "mail" } },
	{ "leads.mobile", { "手机号", "手机号码", "移动电话", "cellphone" } },
	{ "leads.company", { "公司", "单位", "客户名称", "companyname" } },
	{ "opportunities.customer_id", { "客户名称", "公司", "customername" } },
	{ "opportunities.amount", { "金额", "商机金额", "value" } },
	{ "activities.customer_id", { "客户名称", "customername" } },
	{ "activities.occurred_at", { "时间", "日期", "跟进日期", "date", "time" } },
	{ "products.list_price", { "价格", "单价", "售价", "price" } },
	{ "products.code", { "编码", "编号", "产品编号", "sku", "productcode" } },
	{ NULL, { NULL } },
};

void import_norm(const char *s, size_t n, buf *out)
{
	buf_reset(out);
	int depth = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (cp == '(' || cp == 0xff08 || cp == '[' || cp == 0x3010) {
			depth++;
			continue;
		}
		if (cp == ')' || cp == 0xff09 || cp == ']' || cp == 0x3011) {
			if (depth)
				depth--;
			continue;
		}
		if (depth || !utf8_is_word(cp))
			continue;
		char tmp[4];
		buf_add(out, tmp, utf8_encode(utf8_fold(cp), tmp));
	}
	if (!out->len && depth == 0)
		buf_adds(out, ""); /* keep ptr valid */
}

const field_def *import_target(const entity_def *e, const char *name)
{
	if (!name)
		return NULL;
	if ((e->flags & E_OWNED) && !strcmp(name, "owner_id"))
		return &import_owner_field;
	const field_def *f = entity_field(e, name);
	return f && !(f->flags & F_READONLY) ? f : NULL;
}

static bool norm_eq(buf *tmp, const char *s, const char *want)
{
	import_norm(s, strlen(s), tmp);
	return !strcmp(buf_str(tmp), want);
}

/* The field a normalised header names, or NULL. */
static const field_def *match(const entity_def *e, const char *h, buf *tmp)
{
	const field_def *own = (e->flags & E_OWNED) ? &import_owner_field : NULL;
	/* names and labels first, then the aliases */
	for (int pass = 0; pass < 2; pass++) {
		for (const field_def *f = e->fields;; f++) {
			if (!f->name) {
				if (!own)
					break;
				f = own;
			}
			if (!import_target(e, f->name))
				goto next;
			if (pass == 0 && (norm_eq(tmp, f->name, h) || norm_eq(tmp, f->label.zh, h) ||
					  norm_eq(tmp, f->label.en, h)))
				return f;
			if (pass == 1) {
				char key[96];
				for (const struct alias *a = aliases; a->key; a++) {
					snprintf(key, sizeof(key), "%s.%s", e->name, f->name);
					bool mine = !strcmp(a->key, key) ||
						    (f == own && !strcmp(a->key, "*.owner_id"));
					for (int i = 0; mine && i < 8 && a->names[i]; i++)
						if (norm_eq(tmp, a->names[i], h))
							return f;
				}
			}
		next:
			if (f == own)
				break;
		}
	}
	return NULL;
}

json_t *import_suggest(const entity_def *e, json_t *columns)
{
	json_t *out = json_array();
	buf h = BUF_INIT, tmp = BUF_INIT;
	size_t i;
	json_t *c;
	json_array_foreach(columns, i, c) {
		const char *s = json_string_value(c);
		import_norm(s ? s : "", s ? strlen(s) : 0, &h);
		const field_def *f = h.len ? match(e, buf_str(&h), &tmp) : NULL;
		/* each field once: the first column that names it */
		for (size_t j = 0; f && j < i; j++)
			if (json_is_string(json_array_get(out, j)) && !strcmp(json_string_value(json_array_get(out, j)), f->name))
				f = NULL;
		json_array_append_new(out, f ? json_string(f->name) : json_null());
	}
	buf_free(&h);
	buf_free(&tmp);
	return out;
}

void import_col_free(import_col *c)
{
	json_decref(c->options);
	json_decref(c->cache);
	c->options = c->cache = NULL;
}

/* ---- cells ---- */

static bool is_space_at(const char *s, size_t n, size_t *w)
{
	const unsigned char *u = (const unsigned char *)s;
	if (n && isspace(u[0])) {
		*w = 1;
		return true;
	}
	if (n >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) { /* U+3000 ideographic space */
		*w = 3;
		return true;
	}
	if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0) { /* no-break space */
		*w = 2;
		return true;
	}
	return false;
}

static void trim(const char **s, size_t *n)
{
	size_t w;
	while (*n && is_space_at(*s, *n, &w)) {
		*s += w;
		*n -= w;
	}
	for (;;) {
		if (*n && isspace((unsigned char)(*s)[*n - 1]))
			(*n)--;
		else if (*n >= 3 && !memcmp(*s + *n - 3, "\xE3\x80\x80", 3))
			*n -= 3;
		else if (*n >= 2 && !memcmp(*s + *n - 2, "\xC2\xA0", 2))
			*n -= 2;
		else
			break;
	}
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Company time is Asia/Shanghai (UTC+8, no daylight saving): a time typed in
 * a spreadsheet without a zone means that. */
#define LOCAL_OFFSET_MS (8LL * 3600 * 1000)

/* An Excel serial (days since 1899-12-30, fractions are the time of day) as
 * days since 1970-01-01 and milliseconds into the day; false when s is none. */
static bool excel_serial(const char *s, int64_t *days, int64_t *ms)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= 1 && v < 2958466))
		return false;
	int64_t whole = (int64_t)v;
	/* Excel counts a 29 February 1900 that never was (serial 60) */
	int64_t base = days_from_civil(1899, 12, whole < 61 ? 31 : 30);
	*days = base + whole;
	*ms = (int64_t)((v - (double)whole) * 86400000.0 + 0.5);
	return true;
}

/* "2024-1-5", "2024/01/05", "2024.1.5", "2024年1月5日", with an optional time
 * "10:30" or "10:30:15" after a space or a T. */
static bool loose_date(const char *s, int *y, int *m, int *d, int *hh, int *mi, int *ss, bool *has_time)
{
	const char *p = s;
	char *end;
	long v[3];
	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*p))
			return false;
		v[i] = strtol(p, &end, 10);
		p = end;
		if (i < 2) {
			if (*p == '-' || *p == '/' || *p == '.')
				p++;
			else if (!strncmp(p, "年", 3) || !strncmp(p, "月", 3))
				p += 3;
			else
				return false;
		}
	}
	if (!strncmp(p, "日", 3))
		p += 3;
	*y = (int)v[0], *m = (int)v[1], *d = (int)v[2];
	if (*y < 1000 || *y > 9999 || *m < 1 || *m > 12 || *d < 1 || *d > 31)
		return false;
	*hh = *mi = *ss = 0;
	*has_time = false;
	if (*p == ' ' || *p == 'T') {
		p++;
		int n = 0;
		if (sscanf(p, "%2d:%2d%n", hh, mi, &n) != 2)
			return false;
		p += n;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", ss, &n) != 1)
				return false;
			p += 1 + n;
			if (*p == '.')
				for (p++; isdigit((unsigned char)*p); p++)
					;
		}
		*has_time = true;
	}
	return *p == '\0' && *hh < 24 && *mi < 60 && *ss < 61;
}

static json_t *date_value(const char *s, bool datetime)
{
	int y, m, d, hh, mi, ss;
	bool has_time;
	int64_t days, ms;
	char out[40];
	if (loose_date(s, &y, &m, &d, &hh, &mi, &ss, &has_time)) {
		if (!datetime) {
			snprintf(out, sizeof(out), "%04d-%02d-%02d", y, m, d);
			return json_string(out);
		}
		ms = days_from_civil(y, m, d) * 86400000LL + ((hh * 60 + mi) * 60 + ss) * 1000LL - LOCAL_OFFSET_MS;
		clock_format_iso(ms, out, sizeof(out));
		return json_string(out);
	}
	if (excel_serial(s, &days, &ms)) {
		if (!datetime) {
			civil_from_days(days, &y, &m, &d);
			snprintf(out, sizeof(out), "%04d-%02d-%02d", y, m, d);
			return json_string(out);
		}
		clock_format_iso(days * 86400000LL + ms - LOCAL_OFFSET_MS, out, sizeof(out));
		return json_string(out);
	}
	return json_string(s); /* ISO 8601 with a zone, or wrong: the engine decides */
}

/* Keeps digits, one sign, the point; drops thousands separators, currency
 * signs and words.  The currency code, when the cell names one, goes to cur. */
static bool number_text(const char *s, char *out, size_t n, char cur[4])
{
	size_t o = 0;
	bool digits = false;
	cur[0] = '\0';
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (isdigit(c) || c == '.' || ((c == '-' || c == '+') && !digits && o == 0)) {
			if (o + 1 >= n)
				return false;
			out[o++] = (char)c;
			digits |= isdigit(c) != 0;
		} else if (isupper(c) && isupper((unsigned char)p[1]) && isupper((unsigned char)p[2]) &&
			   !isalpha((unsigned char)p[3])) {
			memcpy(cur, p, 3);
			cur[3] = '\0';
			p += 2;
		} else if (c == ',' || c == ' ' || c == '$' || c == '\'' || c >= 0x80) {
			continue; /* 1,234  ¥  ￥  元 */
		} else {
			return false;
		}
	}
	out[o] = '\0';
	return digits;
}

static json_t *money_value(const char *s, const char **err)
{
	char num[64], cur[4];
	if (!number_text(s, num, sizeof(num), cur)) {
		*err = "invalid_amount";
		return NULL;
	}
	/* exact: whole and at most two decimals, in minor units */
	bool neg = num[0] == '-';
	const char *p = num + (num[0] == '-' || num[0] == '+');
	int64_t whole = 0, frac = 0;
	int nf = 0;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > INT64_MAX / 1000)
			goto bad;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++) {
			if (++nf > 2) {
				if (*p != '0')
					goto bad;
				continue;
			}
			frac = frac * 10 + (*p - '0');
		}
	if (*p)
		goto bad;
	if (nf == 1)
		frac *= 10;
	int64_t amount = whole * 100 + frac;
	return json_pack("{s:I,s:s}", "amount", (json_int_t)(neg ? -amount : amount), "currency", cur[0] ? cur : "CNY");
bad:
	*err = "invalid_amount";
	return NULL;
}

/* The option whose value or label (zh-CN or en) the cell names, or NULL. */
static const char *option_of(json_t *options, const char *s, buf *tmp, buf *tmp2)
{
	size_t i;
	json_t *o;
	import_norm(s, strlen(s), tmp);
	json_array_foreach(options, i, o) {
		const char *v = json_string_value(json_object_get(o, "value"));
		if (v && !strcmp(v, s))
			return v;
	}
	json_array_foreach(options, i, o) {
		const char *v = json_string_value(json_object_get(o, "value"));
		json_t *l = json_object_get(o, "label");
		const char *cand[3] = { v, json_string_value(json_object_get(l, "zh-CN")),
					json_string_value(json_object_get(l, "en")) };
		for (int k = 0; v && k < 3; k++) {
			if (!cand[k])
				continue;
			import_norm(cand[k], strlen(cand[k]), tmp2);
			if (tmp->len && !strcmp(buf_str(tmp), buf_str(tmp2)))
				return v;
		}
	}
	return NULL;
}

static json_t *bool_value(const char *s, const char **err)
{
	static const char *const yes[] = { "1", "true", "yes", "y", "是", "√", "✓", "有", "在售", "启用", NULL };
	static const char *const no[] = { "0", "false", "no", "n", "否", "×", "✗", "无", "停售", "停用", NULL };
	for (int i = 0; yes[i]; i++)
		if (!strcasecmp(s, yes[i]))
			return json_true();
	for (int i = 0; no[i]; i++)
		if (!strcasecmp(s, no[i]))
			return json_false();
	*err = "invalid_boolean";
	return NULL;
}

/* A referenced record by its title (or a user by name or username), within
 * what the caller may see: its id, 0 when none, -1 when several match. */
static int64_t lookup_ref(ent_op *op, import_col *c, const char *s)
{
	json_t *hit = json_object_get(c->cache, s);
	if (hit)
		return json_integer_value(hit);
	sqlb q = SQLB_INIT;
	if (!c->ref) {
		sqlb_add(&q, "SELECT t.id FROM users t WHERE t.disabled = 0 AND (t.name = ");
		sqlb_text(&q, s);
		sqlb_add(&q, " OR t.username = ");
		sqlb_text(&q, s);
		sqlb_add(&q, ")");
	} else {
		sqlb_addf(&q, "SELECT t.id FROM %s t WHERE t.deleted_at IS NULL AND t.%s = ", c->ref->name,
			  c->ref->title_field);
		sqlb_text(&q, s);
		if (op->who)
			acl_scope(op, c->ref, "t", &q, ACL_ONE_ROW | ACL_READ);
	}
	sqlb_add(&q, " LIMIT 2");
	db_stmt *st = sqlb_prepare(op->db, &q);
	sqlb_free(&q);
	int64_t id = 0;
	int n = 0;
	while (st && db_step(st) == DB_ROW) {
		id = db_col_int(st, 0);
		n++;
	}
	db_done(st);
	if (n > 1)
		id = -1;
	if (!c->cache)
		c->cache = json_object();
	/* a name created by this very import is found on a later row: do not
	 * remember misses for long in a big file */
	if (json_object_size(c->cache) < 100000 && id)
		json_object_set_new(c->cache, s, json_integer(id));
	return id;
}

json_t *import_cell(ent_op *op, import_col *c, const char *s0, size_t n, const char **err)
{
	const field_def *f = c->f;
	*err = NULL;
	const char *s = s0;
	if (f->type != FT_LONGTEXT)
		trim(&s, &n);
	else
		while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
			n--;
	if (!n)
		return NULL;
	char *v = xstrndup(s, n);
	json_t *out = NULL;
	buf t1 = BUF_INIT, t2 = BUF_INIT;
	switch (f->type) {
	case FT_INT: {
		char num[64], cur[4];
		char *end;
		long long x = 0;
		bool ok = number_text(v, num, sizeof(num), cur) && !cur[0];
		if (ok) {
			double dv = strtod(num, &end);
			ok = !*end && dv == (double)(long long)dv && dv > -9e18 && dv < 9e18;
			x = (long long)dv;
		}
		if (ok)
			out = json_integer(x);
		else
			*err = "invalid_number";
		break;
	}
	case FT_DECIMAL: {
		char num[64], cur[4];
		out = number_text(v, num, sizeof(num), cur) ? json_string(num) : json_string(v);
		break;
	}
	case FT_MONEY:
		out = money_value(v, err);
		break;
	case FT_DATE:
	case FT_DATETIME:
		out = date_value(v, f->type == FT_DATETIME);
		break;
	case FT_BOOL:
		out = bool_value(v, err);
		break;
	case FT_ENUM: {
		const char *o = option_of(c->options, v, &t1, &t2);
		out = json_string(o ? o : v);
		break;
	}
	case FT_TAGS: {
		out = json_array();
		/* tags typed in one cell: 、 ， ； , ; | or line breaks between them */
		static const char *const seps[] = { "、", "，", "；", ",", ";", "|", "\n", NULL };
		char *p = v;
		while (*p) {
			size_t len = strlen(p), cut = len, w = 0;
			for (int i = 0; seps[i]; i++) {
				char *hit = strstr(p, seps[i]);
				if (hit && (size_t)(hit - p) < cut) {
					cut = (size_t)(hit - p);
					w = strlen(seps[i]);
				}
			}
			const char *tag = p;
			size_t tn = cut;
			trim(&tag, &tn);
			if (tn) {
				char *one = xstrndup(tag, tn);
				const char *o = json_array_size(c->options) ? option_of(c->options, one, &t1, &t2) : NULL;
				json_array_append_new(out, json_string(o ? o : one));
				free(one);
			}
			p += cut + w;
			if (!w)
				break;
		}
		break;
	}
	case FT_REF: {
		int64_t id = lookup_ref(op, c, v);
		if (id > 0)
			out = json_integer(id);
		else
			*err = id < 0 ? "ambiguous" : "not_found";
		break;
	}
	default:
		out = json_stringn(s, n);
		break;
	}
	buf_free(&t1);
	buf_free(&t2);
	free(v);
	return out;
}

/* ---- a map of 64-bit keys ---- */

uint64_t import_hash(const char *s, size_t n, uint64_t seed)
{
	uint64_t h = 1469598103934665603ULL ^ seed; /* FNV-1a, then a final mix */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h ? h : 1;
}

int64_t import_map_get(const import_map *m, uint64_t key)
{
	if (!m->cap)
		return 0;
	for (size_t i = key & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return 0;
		if (m->keys[i] == key)
			return m->vals[i];
	}
}

void import_map_put(import_map *m, uint64_t key, int64_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		import_map old = *m;
		m->cap = old.cap ? old.cap * 2 : 1024;
		m->keys = xcalloc(m->cap, sizeof(*m->keys));
		m->vals = xcalloc(m->cap, sizeof(*m->vals));
		m->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.keys[i])
				import_map_put(m, old.keys[i], old.vals[i]);
		free(old.keys);
		free(old.vals);
	}
	size_t i = key & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
}

void import_map_free(import_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
