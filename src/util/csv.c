/* csv.c - see csv.h. */
#include "csv.h"
#include "utf8.h"
#include "xalloc.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *csv_encoding_name(enum csv_encoding e)
{
	switch (e) {
	case CSV_UTF8_BOM: return "utf-8-bom";
	case CSV_UTF16: return "utf-16";
	case CSV_GB18030: return "gb18030";
	default: return "utf-8";
	}
}

/* iconv from `from` to UTF-8; NULL when the input is not valid in it. */
static char *convert(const char *from, const char *data, size_t len, size_t *out_len)
{
	iconv_t cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = len * 2 + 16, used = 0;
	char *out = xmalloc(cap);
	char *in = (char *)data;
	size_t left = len;
	bool ok = true;
	while (left) {
		char *o = out + used;
		size_t room = cap - used - 1;
		size_t rc = iconv(cd, &in, &left, &o, &room);
		used = (size_t)(o - out);
		if (rc != (size_t)-1)
			continue;
		if (errno == E2BIG) {
			cap *= 2;
			out = xrealloc(out, cap);
			continue;
		}
		ok = false; /* EILSEQ or EINVAL: not this encoding, or cut in the middle */
		break;
	}
	iconv_close(cd);
	if (!ok) {
		free(out);
		return NULL;
	}
	out[used] = '\0';
	*out_len = used;
	return out;
}

char *csv_to_utf8(const char *data, size_t len, size_t *out_len, enum csv_encoding *enc, char *err,
		  size_t errlen)
{
	const unsigned char *u = (const unsigned char *)data;
	char *text = NULL;
	size_t n = 0;
	if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
		*enc = CSV_UTF16;
		text = convert("UTF-16", data, len, &n);
		/* iconv keeps no mark for UTF-16 with one, but be sure */
		if (text && n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
			memmove(text, text + 3, n - 2);
			n -= 3;
		}
	} else if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
		*enc = CSV_UTF8_BOM;
		if (utf8_valid(data + 3, len - 3)) {
			n = len - 3;
			text = xmalloc(n + 1);
			memcpy(text, data + 3, n);
			text[n] = '\0';
		}
	} else if (utf8_valid(data, len)) {
		*enc = CSV_UTF8;
		text = xmalloc(len + 1);
		memcpy(text, data, len);
		text[len] = '\0';
		n = len;
	} else {
		*enc = CSV_GB18030;
		text = convert("GB18030", data, len, &n);
	}
	if (!text) {
		snprintf(err, errlen, "the file is not text in UTF-8, GBK/GB18030 or UTF-16");
		return NULL;
	}
	if (memchr(text, '\0', n)) {
		free(text);
		snprintf(err, errlen, "the file is not text (it holds NUL bytes)");
		return NULL;
	}
	*out_len = n;
	return text;
}

void csv_init(csv_reader *r, const char *text, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->p = text;
	r->end = text + len;
	r->max_field = CSV_MAX_FIELD_DEFAULT;
	r->max_fields = CSV_MAX_FIELDS_DEFAULT;
	/* the separator: what the first line uses (outside quotes) */
	int commas = 0, tabs = 0, semis = 0;
	bool q = false;
	for (const char *p = text; p < r->end && (q || (*p != '\n' && *p != '\r')); p++) {
		if (*p == '"')
			q = !q;
		else if (!q)
			commas += *p == ',', tabs += *p == '\t', semis += *p == ';';
	}
	r->sep = commas || (!tabs && !semis) ? ',' : tabs >= semis ? '\t' : ';';
}

static int end_field(csv_reader *r, size_t start)
{
	if (r->nfields >= r->max_fields) {
		snprintf(r->err, sizeof(r->err), "record %lld has more than %d fields", (long long)r->record,
			 r->max_fields);
		return -1;
	}
	if (r->nfields == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->off = xrealloc(r->off, (size_t)r->cap * sizeof(*r->off));
		r->len = xrealloc(r->len, (size_t)r->cap * sizeof(*r->len));
	}
	r->off[r->nfields] = start;
	r->len[r->nfields] = r->data.len - start;
	r->nfields++;
	buf_addc(&r->data, '\0');
	return 0;
}

static int too_long(csv_reader *r)
{
	snprintf(r->err, sizeof(r->err), "record %lld has a field longer than %zu bytes", (long long)r->record,
		 r->max_field);
	return -1;
}

int csv_next(csv_reader *r)
{
	r->nfields = 0;
	buf_reset(&r->data);
	if (r->p >= r->end)
		return 0;
	r->record++;
	const char *p = r->p, *end = r->end;
	for (;;) {
		size_t start = r->data.len;
		if (p < end && *p == '"') {
			/* quoted: up to the lone closing quote; "" is one quote */
			p++;
			for (;;) {
				const char *q = memchr(p, '"', (size_t)(end - p));
				if (!q) {
					snprintf(r->err, sizeof(r->err), "record %lld has a quoted field without its closing quote",
						 (long long)r->record);
					r->p = end;
					return -1;
				}
				if (r->data.len - start + (size_t)(q - p) > r->max_field) {
					r->p = end;
					return too_long(r);
				}
				buf_add(&r->data, p, (size_t)(q - p));
				p = q + 1;
				if (p < end && *p == '"') {
					buf_addc(&r->data, '"');
					p++;
					continue;
				}
				break;
			}
			/* text after the closing quote (`"a"b`): kept, as Excel does */
			while (p < end && *p != r->sep && *p != '\n' && *p != '\r')
				buf_addc(&r->data, *p++);
		} else {
			const char *q = p;
			while (q < end && *q != r->sep && *q != '\n' && *q != '\r')
				q++;
			buf_add(&r->data, p, (size_t)(q - p));
			p = q;
		}
		if (r->data.len - start > r->max_field) {
			r->p = end;
			return too_long(r);
		}
		if (end_field(r, start)) {
			r->p = end;
			return -1;
		}
		if (p < end && *p == r->sep) {
			p++;
			continue;
		}
		/* end of the record: LF, CRLF, CR or the end of the text */
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p == '\n')
			p++;
		r->p = p;
		return 1;
	}
}

const char *csv_field(const csv_reader *r, int i, size_t *len)
{
	if (i < 0 || i >= r->nfields) {
		if (len)
			*len = 0;
		return "";
	}
	if (len)
		*len = r->len[i];
	return r->data.ptr + r->off[i];
}

bool csv_blank(const csv_reader *r)
{
	for (int i = 0; i < r->nfields; i++)
		if (r->len[i])
			return false;
	return true;
}

void csv_free(csv_reader *r)
{
	buf_free(&r->data);
	free(r->off);
	free(r->len);
	memset(r, 0, sizeof(*r));
}

void csv_write_field(buf *b, const char *s, size_t n)
{
	bool quote = n && (s[0] == ' ' || s[n - 1] == ' ');
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote) {
		buf_add(b, s, n);
		return;
	}
	buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_addc(b, '"');
		buf_addc(b, s[i]);
	}
	buf_addc(b, '"');
}
