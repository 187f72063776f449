/* jsonw.c - see jsonw.h. */
#include "jsonw.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Jansson's escapes: \" \\ \b \f \n \r \t, other control characters as \u00XX
 * (upper-case hex); everything else, UTF-8 included, as it is. */
static void add_escape(buf *b, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	switch (c) {
	case '"': buf_add(b, "\\\"", 2); break;
	case '\\': buf_add(b, "\\\\", 2); break;
	case '\b': buf_add(b, "\\b", 2); break;
	case '\f': buf_add(b, "\\f", 2); break;
	case '\n': buf_add(b, "\\n", 2); break;
	case '\r': buf_add(b, "\\r", 2); break;
	case '\t': buf_add(b, "\\t", 2); break;
	default: {
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
		buf_add(b, esc, 6);
	}
	}
}

/* A JSON string of s (see add_escape). */
void jsonw_string(buf *b, const char *s, size_t len)
{
	buf_grow(b, len + 2);
	b->ptr[b->len++] = '"';
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (i > run)
			buf_add(b, s + run, i - run);
		run = i + 1;
		add_escape(b, c);
	}
	if (len > run)
		buf_add(b, s + run, len - run);
	jsonw_char(b, '"');
}

void jsonw_key(buf *b, const char *key)
{
	jsonw_string(b, key, strlen(key));
	jsonw_char(b, ':');
}

void jsonw_int(buf *b, int64_t v)
{
	char tmp[24];
	int n = sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		tmp[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--n] = '-';
	buf_add(b, tmp + n, sizeof(tmp) - (size_t)n);
}

/* %.15g, ".0" when it would read as an integer, no '+' and no leading zeros
 * in the exponent. */
void jsonw_real(buf *b, double v)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof(tmp) - 3, "%.15g", v);
	if (n < 0 || n >= (int)sizeof(tmp) - 3)
		return;
	for (char *p = tmp; *p; p++)
		if (*p == ',')
			*p = '.'; /* a locale's decimal comma */
	if (!strchr(tmp, '.') && !strchr(tmp, 'e')) {
		memcpy(tmp + n, ".0", 3);
		n += 2;
	}
	char *e = strchr(tmp, 'e');
	if (e) {
		char *start = e + 1, *end = e + 2;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, (size_t)(n - (end - tmp)) + 1);
			n -= (int)(end - start);
		}
	}
	buf_add(b, tmp, (size_t)n);
}

void jsonw_value(buf *b, const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		jsonw_char(b, '{');
		bool first = true;
		for (void *it = json_object_iter((json_t *)j); it; it = json_object_iter_next((json_t *)j, it)) {
			if (!first)
				jsonw_char(b, ',');
			first = false;
			jsonw_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
			jsonw_char(b, ':');
			jsonw_value(b, json_object_iter_value(it));
		}
		jsonw_char(b, '}');
		break;
	}
	case JSON_ARRAY: {
		jsonw_char(b, '[');
		size_t n = json_array_size(j);
		for (size_t i = 0; i < n; i++) {
			if (i)
				jsonw_char(b, ',');
			jsonw_value(b, json_array_get(j, i));
		}
		jsonw_char(b, ']');
		break;
	}
	case JSON_STRING:
		jsonw_string(b, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		jsonw_int(b, json_integer_value(j));
		break;
	case JSON_REAL:
		jsonw_real(b, json_real_value(j));
		break;
	case JSON_TRUE:
		buf_add(b, "true", 4);
		break;
	case JSON_FALSE:
		buf_add(b, "false", 5);
		break;
	default:
		buf_add(b, "null", 4);
	}
}

/* The length of the UTF-8 sequence at p[0] (lead byte >= 0x80) as Jansson's
 * utf8_check_first/utf8_check_full take it, or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned char u = p[0];
	size_t n;
	int32_t v;
	if (u >= 0xC2 && u <= 0xDF) {
		n = 2;
		v = u & 0x1F;
	} else if (u >= 0xE0 && u <= 0xEF) {
		n = 3;
		v = u & 0xF;
	} else if (u >= 0xF0 && u <= 0xF4) {
		n = 4;
		v = u & 0x7;
	} else {
		return 0; /* a continuation byte, C0/C1 (overlong) or past F4 */
	}
	if (n > avail)
		return 0;
	for (size_t k = 1; k < n; k++) {
		unsigned char c = p[k];
		if (c < 0x80 || c > 0xBF)
			return 0;
		v = (v << 6) + (c & 0x3F);
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
		return 0;
	return n;
}

/* Whether one of the 8 bytes of x needs a look: a control character, '"',
 * '\\' or a byte of a multi-byte sequence (may say yes for a byte after
 * one that does; never no for one that does). */
static inline bool word_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
	return (((x - ones * 0x20) | (q - ones) | (bs - ones) | x) & high) != 0;
}

/* The escape writer and the checks in one pass, straight into the buffer:
 * runs of plain ASCII 8 bytes a step, Chinese text (3-byte sequences) a
 * character a step (0.31M -> 0.25M instructions for a page of 50 customers). */
bool jsonw_string_utf8(buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t mark = b->len;
	size_t i = 0;
	size_t chunk = len < 256 ? len : 256;
	/* room for the quote and the first chunk at its worst (\u00XX for each byte) */
	if (b->len + chunk * 6 + 4 > b->cap)
		buf_grow(b, chunk * 6 + 3);
	b->ptr[b->len++] = '"';
	while (i < len) {
		chunk = len - i < 256 ? len - i : 256;
		if (b->len + chunk * 6 + 3 > b->cap)
			buf_grow(b, chunk * 6 + 2);
		char *o = b->ptr + b->len;
		size_t end = i + chunk;
		while (i < end) {
			if (i + 8 <= end) {
				uint64_t x;
				memcpy(&x, p + i, 8);
				if (!word_special(x)) {
					memcpy(o, &x, 8);
					o += 8;
					i += 8;
					continue;
				}
			}
			unsigned char c = p[i];
			if (c >= 0x80) {
				size_t n;
				/* E1-EC and EE-EF with two continuation bytes: never overlong
				 * nor a surrogate (E0 and ED go the long way) */
				if (c >= 0xE1 && c <= 0xEF && c != 0xED && i + 3 <= len && (p[i + 1] & 0xC0) == 0x80 &&
				    (p[i + 2] & 0xC0) == 0x80)
					n = 3;
				else
					n = utf8_seq(p + i, len - i);
				if (!n) {
					b->len = mark;
					b->ptr[mark] = '\0';
					return false;
				}
				if (i + n > end) {
					/* a sequence across the chunk's end: room for it */
					b->len = (size_t)(o - b->ptr);
					buf_grow(b, n + (len - i) * 6 + 2);
					o = b->ptr + b->len;
					end = i + n;
				}
				if (n == 3) {
					o[0] = (char)p[i];
					o[1] = (char)p[i + 1];
					o[2] = (char)p[i + 2];
				} else {
					memcpy(o, p + i, n);
				}
				o += n;
				i += n;
				continue;
			}
			if (c >= 0x20 && c != '"' && c != '\\') {
				*o++ = (char)c;
				i++;
				continue;
			}
			b->len = (size_t)(o - b->ptr);
			add_escape(b, c);
			o = b->ptr + b->len;
			i++;
		}
		b->len = (size_t)(o - b->ptr);
	}
	b->ptr[b->len++] = '"';
	b->ptr[b->len] = '\0';
	return true;
}

/* Jansson's utf8_check_string (utf8.c), which json_stringn applies. */
bool jsonw_utf8_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len; i++) {
		unsigned char u = p[i];
		if (u < 0x80)
			continue;
		size_t n = utf8_seq(p + i, len - i);
		if (!n)
			return false;
		i += n - 1;
	}
	return true;
}
