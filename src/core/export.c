/* export.c - see export.h.  The columns and cell texts; export_csv.c and
 * export_xlsx.c (below, as two small writers) put them in a file. */
#include "export.h"
#include "acl.h"
#include "record.h"
#include "../util/buf.h"
#include "../util/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

enum col_kind { C_ID, C_FIELD, C_REF_ID, C_CURRENCY, C_OWNER, C_OWNER_ID, C_CREATED, C_UPDATED };

typedef struct column {
	enum col_kind kind;
	const field_def *f;
	json_t *options;             /* enum and tag labels, or NULL */
	char *title;
} column;

typedef struct exporter {
	ent_op *op;
	const entity_def *e;
	bool en;
	enum export_format fmt;
	column *cols;
	int ncols;
	int64_t rows;
	/* CSV */
	FILE *f;
	buf line;
	/* xlsx */
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold;
	int sheet;
	uint32_t row_in_sheet;
} exporter;

int export_format_parse(const char *s)
{
	if (!s)
		return -1;
	const char *dot = strrchr(s, '.');
	const char *ext = dot ? dot + 1 : s;
	if (!strcasecmp(ext, "csv"))
		return EXPORT_CSV;
	if (!strcasecmp(ext, "xlsx"))
		return EXPORT_XLSX;
	return -1;
}

static const char *lbl(const exporter *x, label l)
{
	return x->en ? (l.en ? l.en : l.zh) : (l.zh ? l.zh : l.en);
}

static void add_col(exporter *x, enum col_kind k, const field_def *f, const char *title, const char *suffix)
{
	x->cols = xrealloc(x->cols, (size_t)(x->ncols + 1) * sizeof(*x->cols));
	column *c = &x->cols[x->ncols++];
	memset(c, 0, sizeof(*c));
	c->kind = k;
	c->f = f;
	buf b = BUF_INIT;
	buf_adds(&b, title);
	if (suffix)
		buf_adds(&b, suffix);
	c->title = buf_detach(&b);
	if (f && k == C_FIELD && (f->type == FT_ENUM || f->type == FT_TAGS) && (f->options || f->options_list))
		c->options = entity_field_options(x->op->db, f);
}

static void make_columns(exporter *x)
{
	add_col(x, C_ID, NULL, "ID", NULL);
	for (const field_def *f = x->e->fields; f->name; f++) {
		if (acl_field_hidden(x->op->who, x->e, f))
			continue;
		const char *t = lbl(x, f->label);
		add_col(x, C_FIELD, f, t, NULL);
		if (f->type == FT_REF)
			add_col(x, C_REF_ID, f, t, " ID");
		else if (f->type == FT_MONEY)
			add_col(x, C_CURRENCY, f, t, x->en ? " (currency)" : "（币种）");
	}
	if (x->e->flags & E_OWNED) {
		add_col(x, C_OWNER, NULL, x->en ? "Owner" : "负责人", NULL);
		add_col(x, C_OWNER_ID, NULL, x->en ? "Owner ID" : "负责人 ID", NULL);
	}
	add_col(x, C_CREATED, NULL, x->en ? "Created at" : "创建时间", NULL);
	add_col(x, C_UPDATED, NULL, x->en ? "Updated at" : "更新时间", NULL);
}

/* Minor units per major unit of a currency (ISO 4217 exponents; 2 unless listed). */
static int currency_digits(const char *cur)
{
	static const char *const zero[] = { "JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", NULL };
	for (int i = 0; cur && zero[i]; i++)
		if (!strcmp(cur, zero[i]))
			return 0;
	return 2;
}

static void add_minor(buf *b, int64_t amount, int digits)
{
	if (!digits) {
		buf_addf(b, "%lld", (long long)amount);
		return;
	}
	uint64_t a = amount < 0 ? (uint64_t)(-(amount + 1)) + 1 : (uint64_t)amount;
	buf_addf(b, "%s%llu.%02llu", amount < 0 ? "-" : "", (unsigned long long)(a / 100), (unsigned long long)(a % 100));
}

static const char *option_label(const exporter *x, json_t *options, const char *value)
{
	size_t i;
	json_t *o;
	json_array_foreach(options, i, o) {
		if (!strcmp(json_string_value(json_object_get(o, "value")) ?: "", value)) {
			json_t *l = json_object_get(o, "label");
			const char *s = json_string_value(json_object_get(l, x->en ? "en" : "zh-CN"));
			return s && *s ? s : value;
		}
	}
	return value;
}

/* The text of one cell into b; *number set (and true returned) when it is a number. */
static bool cell(const exporter *x, const column *c, json_t *rec, buf *b, double *number)
{
	json_t *labels = json_object_get(rec, "_labels");
	json_t *v;
	switch (c->kind) {
	case C_ID:
		*number = (double)json_integer_value(json_object_get(rec, "id"));
		buf_addf(b, "%lld", (long long)json_integer_value(json_object_get(rec, "id")));
		return true;
	case C_OWNER:
		buf_adds(b, json_string_value(json_object_get(labels, "owner_id")) ?: "");
		return false;
	case C_OWNER_ID:
	case C_REF_ID:
		v = json_object_get(rec, c->kind == C_OWNER_ID ? "owner_id" : c->f->name);
		if (!json_is_integer(v))
			return false;
		*number = (double)json_integer_value(v);
		buf_addf(b, "%lld", (long long)json_integer_value(v));
		return true;
	case C_CREATED:
	case C_UPDATED:
		buf_adds(b, json_string_value(json_object_get(rec, c->kind == C_CREATED ? "created_at" : "updated_at")) ?: "");
		return false;
	case C_CURRENCY:
		buf_adds(b, json_string_value(json_object_get(json_object_get(rec, c->f->name), "currency")) ?: "");
		return false;
	case C_FIELD:
		break;
	}
	const field_def *f = c->f;
	v = json_object_get(rec, f->name);
	if (!v || json_is_null(v))
		return false;
	switch (f->type) {
	case FT_REF:
		buf_adds(b, json_string_value(json_object_get(labels, f->name)) ?: "");
		return false;
	case FT_INT:
		*number = (double)json_integer_value(v);
		buf_addf(b, "%lld", (long long)json_integer_value(v));
		return true;
	case FT_DECIMAL: {
		int scale = f->scale ? f->scale : 2;
		*number = json_number_value(v);
		buf_addf(b, "%.*f", scale, *number);
		return true;
	}
	case FT_MONEY: {
		json_int_t amount = json_integer_value(json_object_get(v, "amount"));
		int digits = currency_digits(json_string_value(json_object_get(v, "currency")));
		add_minor(b, amount, digits);
		*number = (double)amount / (digits ? 100.0 : 1.0);
		return true;
	}
	case FT_BOOL:
		buf_adds(b, json_is_true(v) ? (x->en ? "Yes" : "是") : (x->en ? "No" : "否"));
		return false;
	case FT_ENUM:
		buf_adds(b, c->options ? option_label(x, c->options, json_string_value(v) ?: "") : json_string_value(v) ?: "");
		return false;
	case FT_TAGS: {
		size_t i;
		json_t *t;
		json_array_foreach(v, i, t) {
			const char *s = json_string_value(t) ?: "";
			if (i)
				buf_adds(b, x->en ? ", " : "、");
			buf_adds(b, c->options ? option_label(x, c->options, s) : s);
		}
		return false;
	}
	default:
		buf_adds(b, json_string_value(v) ?: "");
		return false;
	}
}

/* ---- CSV ---- */

static void csv_field(buf *line, const char *s, size_t len, bool first)
{
	if (!first)
		buf_addc(line, ',');
	/* a formula-looking cell is kept as text */
	bool guard = len && (s[0] == '=' || s[0] == '@');
	bool quote = guard || strpbrk(s, ",\"\r\n") != NULL || (len && (s[0] == ' ' || s[len - 1] == ' '));
	if (!quote) {
		buf_add(line, s, len);
		return;
	}
	buf_addc(line, '"');
	if (guard)
		buf_addc(line, '\'');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			buf_addc(line, '"');
		buf_addc(line, s[i]);
	}
	buf_addc(line, '"');
}

/* ---- xlsx ---- */

#define XLSX_MAX_ROWS 1048576u
#define XLSX_MAX_CELL 32767

static int xlsx_sheet(exporter *x)
{
	char name[48];
	x->sheet++;
	const char *base = lbl(x, x->e->label);
	if (strlen(base) > 24) /* bytes: never cut a character in two */
		base = "Sheet";
	int len = x->sheet == 1 ? snprintf(name, sizeof(name), "%s", base)
				: snprintf(name, sizeof(name), "%s %d", base, x->sheet);
	/* sheet names may not hold []:*?/\ */
	for (char *p = name; *p; p++)
		if (strchr("[]:*?/\\", *p))
			*p = '_';
	if (len < 0 || workbook_validate_sheet_name(x->wb, name) != LXW_NO_ERROR)
		snprintf(name, sizeof(name), "Sheet%d", x->sheet);
	x->ws = workbook_add_worksheet(x->wb, name);
	if (!x->ws)
		return -1;
	for (int i = 0; i < x->ncols; i++)
		if (worksheet_write_string(x->ws, 0, (lxw_col_t)i, x->cols[i].title, x->bold) != LXW_NO_ERROR)
			return -1;
	worksheet_freeze_panes(x->ws, 1, 0);
	x->row_in_sheet = 1;
	return 0;
}

/* Cuts s to at most XLSX_MAX_CELL characters (Excel's limit), on a UTF-8 boundary. */
static void xlsx_clip(buf *b)
{
	size_t chars = 0, i = 0;
	for (; i < b->len; i++)
		if (((unsigned char)b->ptr[i] & 0xC0) != 0x80 && ++chars > XLSX_MAX_CELL)
			break;
	if (i < b->len) {
		b->len = i;
		b->ptr[i] = '\0';
	}
}

static int write_row(void *ctx, json_t *rec)
{
	exporter *x = ctx;
	buf cellb = BUF_INIT;
	int rc = 0;
	if (x->fmt == EXPORT_CSV) {
		buf_reset(&x->line);
		for (int i = 0; i < x->ncols; i++) {
			double num;
			buf_reset(&cellb);
			cell(x, &x->cols[i], rec, &cellb, &num);
			csv_field(&x->line, buf_str(&cellb), cellb.len, i == 0);
		}
		buf_adds(&x->line, "\r\n");
		rc = fwrite(x->line.ptr, 1, x->line.len, x->f) == x->line.len ? 0 : -1;
	} else {
		if (x->row_in_sheet >= XLSX_MAX_ROWS && xlsx_sheet(x))
			rc = -1;
		for (int i = 0; i < x->ncols && !rc; i++) {
			double num = 0;
			buf_reset(&cellb);
			bool is_num = cell(x, &x->cols[i], rec, &cellb, &num);
			lxw_error err = LXW_NO_ERROR;
			if (is_num && isfinite(num))
				err = worksheet_write_number(x->ws, x->row_in_sheet, (lxw_col_t)i, num, NULL);
			else if (cellb.len) {
				xlsx_clip(&cellb);
				err = worksheet_write_string(x->ws, x->row_in_sheet, (lxw_col_t)i, buf_str(&cellb), NULL);
			}
			rc = err == LXW_NO_ERROR ? 0 : -1;
		}
		x->row_in_sheet++;
	}
	buf_free(&cellb);
	if (rc)
		op_fail(x->op, 500, "internal", "the export file could not be written");
	else
		x->rows++;
	return rc;
}

int export_write(ent_op *op, const entity_def *e, const query_arg *args, int nargs, enum export_format fmt,
		 const char *lang, const char *path, int64_t *rows)
{
	exporter x = { .op = op, .e = e, .fmt = fmt, .en = lang && !strncmp(lang, "en", 2) };
	int rc = -1;
	if (!acl_can(op->who, e, ACL_READ) || !acl_can(op->who, e, ACL_EXPORT))
		return op_fail(op, 403, "forbidden", "you may not export %s", e->name);
	make_columns(&x);
	if (fmt == EXPORT_CSV) {
		x.f = fopen(path, "wb");
		if (!x.f) {
			op_fail(op, 500, "internal", "cannot write the export: %s", strerror(errno));
			goto out;
		}
		buf_adds(&x.line, "\xEF\xBB\xBF");
		for (int i = 0; i < x.ncols; i++)
			csv_field(&x.line, x.cols[i].title, strlen(x.cols[i].title), i == 0);
		buf_adds(&x.line, "\r\n");
		fwrite(x.line.ptr, 1, x.line.len, x.f);
	} else {
		/* constant memory: each row goes to a temporary file as it is written */
		lxw_workbook_options o = { .constant_memory = LXW_TRUE };
		x.wb = workbook_new_opt(path, &o);
		if (!x.wb) {
			op_fail(op, 500, "internal", "cannot write the export");
			goto out;
		}
		x.bold = workbook_add_format(x.wb);
		format_set_bold(x.bold);
		if (xlsx_sheet(&x)) {
			op_fail(op, 500, "internal", "cannot write the export");
			goto out;
		}
	}
	rc = record_list_each(op, e, args, nargs, write_row, &x);
out:
	if (x.f && fclose(x.f) && !rc)
		rc = op_fail(op, 500, "internal", "cannot write the export: %s", strerror(errno));
	if (x.wb && workbook_close(x.wb) != LXW_NO_ERROR && !rc)
		rc = op_fail(op, 500, "internal", "cannot write the export");
	for (int i = 0; i < x.ncols; i++) {
		free(x.cols[i].title);
		json_decref(x.cols[i].options);
	}
	free(x.cols);
	buf_free(&x.line);
	if (rows)
		*rows = x.rows;
	if (rc)
		remove(path);
	return rc;
}
