/*
 * quote_pdf.c - see quote_pdf.h.  The layout runs twice: once measuring
 * (to count the pages for "page 1 of 2"), once drawing.
 */
#include "quote_pdf.h"
#include "../../util/clock.h"
#include "../../util/log.h"
#include "../../util/pdf.h"

#include <stdio.h>
#include <string.h>

typedef struct labels {
	const char *title, *customer, *number, *version, *date, *valid_until, *currency, *no, *description, *qty,
		*unit, *unit_price, *discount, *tax, *amount, *subtotal, *discount_total, *tax_total, *total,
		*page_fmt, *phone, *tax_number, *notes, *terms, *subject, *contact, *status;
} labels;

static const labels zh = {
	"报价单", "客户", "报价单号", "版本", "报价日期", "有效期至", "币种", "序号", "产品 / 描述", "数量",
	"单位", "单价", "折扣", "税率", "金额", "小计", "折扣", "税额", "合计", "第 %d 页，共 %d 页", "电话",
	"税号", "备注", "报价条款", "主题", "联系人", "状态",
};
static const labels en = {
	"QUOTATION", "Customer", "Quote No.", "Version", "Date", "Valid until", "Currency", "#",
	"Product / description", "Qty", "Unit", "Unit price", "Disc.", "Tax", "Amount", "Subtotal", "Discount",
	"Tax", "Total", "Page %d of %d", "Tel", "Tax No.", "Notes", "Terms", "Subject", "Contact", "Status",
};

/* quote statuses worth printing (a sent or accepted quote needs no stamp) */
static const char *const status_names[][3] = {
	{ "draft", "草稿", "Draft" },
	{ "rejected", "已拒绝", "Rejected" },
	{ "expired", "已过期", "Expired" },
	{ "superseded", "已修订（非最新版本）", "Superseded (not the latest version)" },
};

#define MARGIN 48.0
#define WIDTH (PDF_A4_WIDTH - 2 * MARGIN)
#define BOTTOM (PDF_A4_HEIGHT - MARGIN - 18) /* the footer is below */
#define NCOLS 8

/* the lines table: # | description | qty | unit | unit price | disc. | tax | amount */
static const double col_w[NCOLS] = { 30, 0 /* the rest */, 46, 34, 68, 38, 38, 80 };
static const pdf_align col_al[NCOLS] = { PDF_LEFT, PDF_LEFT, PDF_RIGHT, PDF_LEFT, PDF_RIGHT, PDF_RIGHT, PDF_RIGHT, PDF_RIGHT };

typedef struct render {
	pdf_doc *d;
	const labels *L;
	bool english;
	int pages;                     /* known in the drawing pass */
	double y;
	json_t *q, *customer, *contact, *company;
	const char *currency;
} render;

static const pdf_style S_BODY = { 9, false, PDF_LEFT, 0 };

static pdf_style style(double size, bool bold, pdf_align al, double grey)
{
	return (pdf_style){ size, bold, al, grey };
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : NULL;
}

/* A decimal without trailing zeros ("2.5", "12", "1234567.125"), never in
 * exponent form; at most `decimals` places. */
static void decimal_text(double v, int decimals, char *out, size_t n)
{
	snprintf(out, n, "%.*f", decimals, v);
	char *dot = strchr(out, '.');
	if (!dot)
		return;
	char *end = out + strlen(out) - 1;
	while (end > dot && *end == '0')
		*end-- = '\0';
	if (end == dot)
		*end = '\0';
}

/* The first of several names a field may have, as text ("" when none). */
static const char *field_text(json_t *o, const char *const *keys, char *tmp, size_t n)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(o, *keys);
		if (json_is_string(v) && json_string_length(v))
			return json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(tmp, n, "%lld", (long long)json_integer_value(v));
			return tmp;
		}
		if (json_is_real(v)) {
			decimal_text(json_real_value(v), 3, tmp, n);
			return tmp;
		}
	}
	return "";
}

static int currency_decimals(const char *c)
{
	static const char *const none[] = { "JPY", "KRW", "VND", "CLP", "ISK", "UGX", "PYG", "XAF", "XOF", NULL };
	for (int i = 0; c && none[i]; i++)
		if (!strcmp(c, none[i]))
			return 0;
	return 2;
}

void quote_pdf_amount(int64_t minor, const char *currency, char *out, size_t n)
{
	int dec = currency_decimals(currency);
	/* uint64 so that INT64_MIN has a magnitude */
	uint64_t v = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	uint64_t unit = dec ? 100 : 1;
	char digits[32], grouped[48];
	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)(v / unit));
	size_t len = strlen(digits), g = 0;
	for (size_t i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			grouped[g++] = ',';
		grouped[g++] = digits[i];
	}
	grouped[g] = '\0';
	if (dec)
		snprintf(out, n, "%s%s.%02llu", minor < 0 ? "-" : "", grouped, (unsigned long long)(v % unit));
	else
		snprintf(out, n, "%s%s", minor < 0 ? "-" : "", grouped);
}

/* A money member {amount, currency} (or a bare integer) as text; "" when absent. */
static const char *money_text(render *r, json_t *o, const char *key, char *out, size_t n)
{
	json_t *m = json_object_get(o, key);
	json_t *amount = json_is_object(m) ? json_object_get(m, "amount") : m;
	if (!json_is_integer(amount))
		return "";
	const char *cur = json_is_object(m) ? str(m, "currency") : NULL;
	quote_pdf_amount(json_integer_value(amount), cur ? cur : r->currency, out, n);
	return out;
}

/* A percent given as a string or a number: "13%"; "" when empty. */
static const char *percent_text(json_t *o, const char *key, char *out, size_t n)
{
	json_t *v = json_object_get(o, key);
	if (json_is_string(v) && json_string_length(v))
		snprintf(out, n, "%s%%", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, n, "%lld%%", (long long)json_integer_value(v));
	else if (json_is_real(v)) {
		decimal_text(json_real_value(v), 4, out, n - 1);
		size_t len = strlen(out);
		snprintf(out + len, n - len, "%%");
	}
	else
		return "";
	return out;
}

static void footer(render *r)
{
	char page[64];
	snprintf(page, sizeof(page), r->L->page_fmt, pdf_page(r->d), r->pages ? r->pages : 1);
	pdf_style st = style(8, false, PDF_CENTER, 0.45);
	pdf_text(r->d, MARGIN, PDF_A4_HEIGHT - MARGIN, WIDTH, page, &st);
}

static void new_page(render *r)
{
	footer(r);
	pdf_new_page(r->d);
	r->y = MARGIN;
}

static void header(render *r)
{
	const char *name = str(r->company, r->english ? "name_en" : "name");
	const char *address = str(r->company, r->english ? "address_en" : "address");
	if (!name)
		name = str(r->company, r->english ? "name" : "name_en");
	if (!address)
		address = str(r->company, r->english ? "address" : "address_en");
	double left = WIDTH * 0.62, y = MARGIN;
	pdf_style big = style(15, true, PDF_LEFT, 0), small = style(8.5, false, PDF_LEFT, 0.3);
	if (name)
		y += pdf_text(r->d, MARGIN, y, left, name, &big) + 3;
	if (address)
		y += pdf_text(r->d, MARGIN, y, left, address, &small) + 1;
	char line[512] = "";
	const char *phone = str(r->company, "phone"), *tax = str(r->company, "tax_number");
	if (phone || tax)
		snprintf(line, sizeof(line), "%s%s%s%s%s%s%s", phone ? r->L->phone : "", phone ? ": " : "",
			 phone ? phone : "", phone && tax ? "    " : "", tax ? r->L->tax_number : "", tax ? ": " : "",
			 tax ? tax : "");
	if (*line)
		y += pdf_text(r->d, MARGIN, y, left, line, &small);
	pdf_style title = style(20, true, PDF_RIGHT, 0.15);
	double th = pdf_text(r->d, MARGIN + left, MARGIN, WIDTH - left, r->L->title, &title);
	r->y = (y > MARGIN + th ? y : MARGIN + th) + 8;
	pdf_line(r->d, MARGIN, r->y, MARGIN + WIDTH, r->y, 1.2, 0.2);
	r->y += 12;
}

static void info(render *r)
{
	static const char *const number_keys[] = { "number", "quote_number", "code", NULL };
	static const char *const version_keys[] = { "revision", "version_no", "quote_version", NULL };
	static const char *const date_keys[] = { "quoted_on", "issued_on", "date", "created_on", NULL };
	static const char *const valid_keys[] = { "valid_until", "valid_until_on", "valid_on", "expires_on", NULL };
	double left = WIDTH * 0.55, y = r->y;
	pdf_style lab = style(8.5, false, PDF_LEFT, 0.45), cust = style(12, true, PDF_LEFT, 0);
	y += pdf_text(r->d, MARGIN, y, left - 12, r->L->customer, &lab) + 2;
	const char *cname = str(r->customer, "name");
	y += pdf_text(r->d, MARGIN, y, left - 12, cname ? cname : "", &cust) + 2;
	const char *addr = str(r->customer, "address");
	if (addr)
		y += pdf_text(r->d, MARGIN, y, left - 12, addr, &S_BODY) + 2;
	const char *cn = str(r->contact, "name");
	if (cn) {
		char who[300];
		const char *phone = str(r->contact, "mobile");
		if (!phone)
			phone = str(r->contact, "phone");
		snprintf(who, sizeof(who), "%s: %s%s%s", r->L->contact, cn, phone ? "  " : "", phone ? phone : "");
		y += pdf_text(r->d, MARGIN, y, left - 12, who, &S_BODY);
	}

	char t1[64], t2[64], t3[64], t4[64], date[32] = "";
	const char *d = field_text(r->q, date_keys, t3, sizeof(t3));
	const char *made = str(r->q, "created_at");
	int64_t ms;
	if (!*d && made && clock_parse_iso(made, &ms) == 0) {
		/* the day it was made, in the company's time zone (Asia/Shanghai, UTC+8) */
		clock_format_iso(ms + 8 * 3600 * 1000, date, sizeof(date));
		date[10] = '\0';
		d = date;
	}
	const char *status = "", *st = str(r->q, "status");
	for (size_t i = 0; st && i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (!strcmp(st, status_names[i][0]))
			status = status_names[i][r->english ? 2 : 1];
	const char *subject = str(r->q, "title");
	const char *rows[][2] = {
		{ r->L->number, field_text(r->q, number_keys, t1, sizeof(t1)) },
		{ r->L->version, field_text(r->q, version_keys, t2, sizeof(t2)) },
		{ r->L->date, d },
		{ r->L->valid_until, field_text(r->q, valid_keys, t4, sizeof(t4)) },
		{ r->L->currency, r->currency },
		{ r->L->subject, subject ? subject : "" },
		{ r->L->status, status },
	};
	double x = MARGIN + left, w = WIDTH - left, ry = r->y;
	pdf_style val = style(9, false, PDF_RIGHT, 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!*rows[i][1])
			continue;
		double h = pdf_text(r->d, x, ry, w * 0.45, rows[i][0], &lab);
		double h2 = pdf_text(r->d, x + w * 0.45, ry, w * 0.55, rows[i][1], &val);
		ry += (h > h2 ? h : h2) + 3;
	}
	r->y = (y > ry ? y : ry) + 16;
}

static double col_width(int c)
{
	if (col_w[c])
		return col_w[c];
	double rest = WIDTH; /* the description takes what the others leave */
	for (int i = 0; i < NCOLS; i++)
		rest -= col_w[i];
	return rest;
}

static double col_x(int c)
{
	double x = MARGIN;
	for (int i = 0; i < c; i++)
		x += col_width(i);
	return x;
}

/* One table row: cells drawn at r->y, padded; returns the row's height.
 * With measure_only nothing is drawn. */
static double row(render *r, const char *const cells[NCOLS], bool head, bool measure_only)
{
	double h = 0;
	for (int c = 0; c < NCOLS; c++) {
		pdf_style st = style(head ? 8.5 : 9, head, col_al[c], head ? 0.2 : 0);
		double ch = pdf_text_height(r->d, col_width(c) - 6, cells[c], &st);
		if (ch > h)
			h = ch;
	}
	h += 8;
	if (measure_only)
		return h;
	if (head)
		pdf_fill_rect(r->d, MARGIN, r->y, WIDTH, h, 0.92);
	for (int c = 0; c < NCOLS; c++) {
		pdf_style st = style(head ? 8.5 : 9, head, col_al[c], head ? 0.2 : 0);
		pdf_text(r->d, col_x(c) + 3, r->y + 4, col_width(c) - 6, cells[c], &st);
	}
	pdf_line(r->d, MARGIN, r->y + h, MARGIN + WIDTH, r->y + h, head ? 0.8 : 0.4, head ? 0.3 : 0.8);
	return h;
}

static void table_head(render *r)
{
	const labels *L = r->L;
	const char *cells[NCOLS] = { L->no, L->description, L->qty, L->unit, L->unit_price, L->discount, L->tax, L->amount };
	r->y += row(r, cells, true, false);
}

static void lines(render *r)
{
	table_head(r);
	json_t *ls = json_object_get(r->q, "lines");
	size_t i;
	json_t *l;
	json_array_foreach(ls, i, l) {
		static const char *const qty_keys[] = { "quantity", NULL };
		char no[24], qty[48], price[48], disc[48], tax[48], amount[48];
		snprintf(no, sizeof(no), "%zu", i + 1);
		const char *desc = str(l, "description");
		if (!desc)
			desc = str(json_object_get(l, "_labels"), "product_id");
		const char *unit = str(l, "unit");
		const char *cells[NCOLS] = {
			no, desc ? desc : "", field_text(l, qty_keys, qty, sizeof(qty)), unit ? unit : "",
			money_text(r, l, "unit_price", price, sizeof(price)),
			percent_text(l, "discount_percent", disc, sizeof(disc)),
			percent_text(l, "tax_rate_percent", tax, sizeof(tax)),
			money_text(r, l, "amount", amount, sizeof(amount)),
		};
		double h = row(r, cells, false, true);
		if (r->y + h > BOTTOM) {
			new_page(r);
			table_head(r);
		}
		r->y += row(r, cells, false, false);
	}
}

static void totals(render *r)
{
	const labels *L = r->L;
	const char *names[] = { "subtotal", "discount", "tax", "total" };
	const char *titles[] = { L->subtotal, L->discount_total, L->tax_total, L->total };
	if (r->y + 4 * 18 + 10 > BOTTOM)
		new_page(r);
	r->y += 10;
	double w = 240, x = MARGIN + WIDTH - w;
	for (int i = 0; i < 4; i++) {
		char v[48], lab[96];
		bool last = i == 3;
		const char *text = money_text(r, r->q, names[i], v, sizeof(v));
		if (i == 1 && *text && text[0] != '-' && strcmp(text, "0.00") && strcmp(text, "0")) {
			/* a discount takes away */
			memmove(v + 1, v, strlen(v) + 1);
			v[0] = '-';
			text = v;
		}
		if (last) {
			pdf_line(r->d, x, r->y, x + w, r->y, 0.8, 0.3);
			r->y += 4;
			snprintf(lab, sizeof(lab), "%s (%s)", titles[i], r->currency);
		} else {
			snprintf(lab, sizeof(lab), "%s", titles[i]);
		}
		pdf_style ls = style(last ? 11 : 9, last, PDF_LEFT, last ? 0 : 0.3);
		pdf_style vs = style(last ? 11 : 9, last, PDF_RIGHT, 0);
		double h = pdf_text(r->d, x, r->y, w * 0.45, lab, &ls);
		pdf_text(r->d, x + w * 0.45, r->y, w * 0.55, text, &vs);
		r->y += h + 4;
	}
}

/* A titled paragraph (terms, notes) under the totals, when the quote has it. */
static void paragraph(render *r, const char *key, const char *title)
{
	const char *text = str(r->q, key);
	if (!text)
		return;
	r->y += 14;
	pdf_style lab = style(8.5, true, PDF_LEFT, 0.3);
	double need = pdf_text_height(r->d, WIDTH, title, &lab) + pdf_text_height(r->d, WIDTH, text, &S_BODY);
	if (r->y + need > BOTTOM && need < BOTTOM - MARGIN)
		new_page(r);
	r->y += pdf_text(r->d, MARGIN, r->y, WIDTH, title, &lab) + 3;
	r->y += pdf_text(r->d, MARGIN, r->y, WIDTH, text, &S_BODY);
}

/* One pass over the document; returns its page count, or -1. */
static int pass(render *r, buf *out, bool draw, const char *title)
{
	r->d = pdf_open(out, draw, title);
	if (!r->d)
		return -1;
	header(r);
	info(r);
	lines(r);
	totals(r);
	paragraph(r, "terms", r->L->terms);
	paragraph(r, "notes", r->L->notes);
	footer(r);
	int pages = pdf_page(r->d);
	return pdf_close(r->d) ? -1 : pages;
}

int quote_pdf_render(json_t *quote, json_t *customer, json_t *contact, json_t *company, const char *lang, buf *out)
{
	render r = { 0 };
	r.contact = contact;
	r.english = lang && !strncmp(lang, "en", 2);
	r.L = r.english ? &en : &zh;
	r.q = quote;
	r.customer = customer;
	r.company = company;
	r.currency = str(quote, "currency");
	if (!r.currency)
		r.currency = str(json_object_get(quote, "total"), "currency");
	if (!r.currency)
		r.currency = "CNY";
	char title[160];
	const char *number = str(quote, "number");
	snprintf(title, sizeof(title), "%s %s", r.L->title, number ? number : "");
	r.pages = pass(&r, NULL, false, title);
	if (r.pages < 0 || pass(&r, out, true, title) < 0) {
		log_error("quote pdf: rendering failed");
		return -1;
	}
	return 0;
}
