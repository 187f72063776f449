/* jsonw.c - see jsonw.h. */
#include "jsonw.h"

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

bool jsonw_string_utf8(buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t mark = b->len;
	buf_grow(b, len + 2);
	b->ptr[b->len++] = '"';
	size_t run = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t n = utf8_seq(p + i, len - i);
			if (!n) {
				b->len = mark;
				b->ptr[mark] = '\0';
				return false;
			}
			i += n;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (i > run)
			buf_add(b, s + run, i - run);
		run = i + 1;
		add_escape(b, c);
		i++;
	}
	if (len > run)
		buf_add(b, s + run, len - run);
	jsonw_char(b, '"');
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
