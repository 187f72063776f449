/* bigram.c - see bigram.h. */
#include "bigram.h"
#include "utf8.h"

#include <string.h>

void bigram_init(bigram_iter *it, const char *s, size_t n)
{
	memset(it, 0, sizeof(*it));
	it->p = (const unsigned char *)s;
	it->len = n;
}

bool bigram_next(bigram_iter *it, char tok[8], size_t *tok_len, size_t *start, size_t *end)
{
	while (it->i < it->len) {
		uint32_t cp;
		size_t at = it->i;
		size_t cl = utf8_decode(it->p + at, it->len - at, &cp);
		it->i += cl;
		if (!utf8_is_word(cp))
			continue;
		char cur[4];
		size_t cur_len = utf8_encode(utf8_fold(cp), cur);
		bool have = it->prev_len > 0;
		if (have) {
			memcpy(tok, it->prev, it->prev_len);
			memcpy(tok + it->prev_len, cur, cur_len);
			*tok_len = it->prev_len + cur_len;
			*start = it->prev_start;
			*end = at + cl;
		}
		memcpy(it->prev, cur, cur_len);
		it->prev_len = cur_len;
		it->prev_start = at;
		if (have)
			return true;
	}
	return false;
}

void bigram_normalize(const char *s, size_t n, buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		i += utf8_decode(p + i, n - i, &cp);
		if (utf8_is_word(cp)) {
			char enc[4];
			buf_add(out, enc, utf8_encode(utf8_fold(cp), enc));
		}
	}
}
