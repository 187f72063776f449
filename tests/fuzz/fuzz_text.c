/*
 * fuzz_text.c - the Unicode and search-text functions on any bytes: UTF-8
 * decoding and validation, sanitizing, the bigram normalisation and the
 * tokenizer's pairs, checking what each promises.
 */
#include "fuzz.h"
#include "../../src/util/bigram.h"
#include "../../src/util/buf.h"
#include "../../src/util/utf8.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	bool valid = utf8_valid(s, size);
	size_t chars = utf8_length(s, size);
	if (chars > size || utf8_word_chars(s, size) > chars)
		abort();

	/* decoding walks every byte exactly once */
	size_t at = 0;
	while (at < size) {
		uint32_t cp;
		size_t n = utf8_decode(data + at, size - at, &cp);
		if (n < 1 || n > 4 || n > size - at)
			abort();
		char enc[4];
		if (utf8_encode(utf8_fold(cp), enc) > 4)
			abort();
		at += n;
	}

	/* sanitize leaves valid UTF-8 of the same length, and keeps valid text as it was */
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	size_t clen = strlen(copy);
	utf8_sanitize(copy);
	if (strlen(copy) != clen || !utf8_valid(copy, clen))
		abort();
	if (valid && memcmp(copy, data, size))
		abort();
	free(copy);

	buf norm = { 0 };
	bigram_normalize(s, size, &norm);
	if (norm.len && !utf8_valid(norm.ptr, norm.len))
		abort();
	buf_free(&norm);

	bigram_iter it;
	bigram_init(&it, s, size);
	char tok[8];
	size_t tlen, start, end, last_start = 0;
	while (bigram_next(&it, tok, &tlen, &start, &end)) {
		if (tlen < 1 || tlen > 8 || start > end || end > size || start < last_start)
			abort();
		last_start = start;
	}
	return 0;
}
