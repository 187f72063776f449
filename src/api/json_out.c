/* json_out.c - see json_out.h. */
#include "json_out.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Jansson's escapes: \" \\ \b \f \n \r \t, other control characters as \u00XX
 * (upper-case hex); everything else, UTF-8 included, as it is. */
static void out_string(buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	buf_grow(b, len + 2);
	buf_addc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (i > run)
			buf_add(b, s + run, i - run);
		run = i + 1;
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
	if (len > run)
		buf_add(b, s + run, len - run);
	buf_addc(b, '"');
}

static void out_integer(buf *b, json_int_t v)
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

/* As jansson's jsonp_dtostr with precision 15: %.15g, ".0" when it would
 * read as an integer, no '+' and no leading zeros in the exponent. */
static void out_real(buf *b, double v)
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

void json_out(buf *b, const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		buf_addc(b, '{');
		bool first = true;
		for (void *it = json_object_iter((json_t *)j); it; it = json_object_iter_next((json_t *)j, it)) {
			if (!first)
				buf_addc(b, ',');
			first = false;
			out_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
			buf_addc(b, ':');
			json_out(b, json_object_iter_value(it));
		}
		buf_addc(b, '}');
		break;
	}
	case JSON_ARRAY: {
		buf_addc(b, '[');
		size_t n = json_array_size(j);
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addc(b, ',');
			json_out(b, json_array_get(j, i));
		}
		buf_addc(b, ']');
		break;
	}
	case JSON_STRING:
		out_string(b, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		out_integer(b, json_integer_value(j));
		break;
	case JSON_REAL:
		out_real(b, json_real_value(j));
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
