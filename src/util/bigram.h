/*
 * bigram.h - the text form search works on: every character that is not part
 * of a word is dropped, case and full-width forms are folded, and the rest is
 * cut into overlapping pairs.  "北京华夏机械" -> 北京 京华 华夏 夏机 机械;
 * "010-6234 5678" -> 01 10 06 62 23 34 45 56 67 78.  A query is a substring of
 * a field exactly when its normalized form is a substring of the field's.
 * Used by SQLite's FTS5 tokenizer and by the PostgreSQL search columns.
 */
#ifndef RAPPORT_BIGRAM_H
#define RAPPORT_BIGRAM_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct bigram_iter {
	const unsigned char *p;
	size_t len, i;
	char prev[4];
	size_t prev_len, prev_start;
} bigram_iter;

void bigram_init(bigram_iter *it, const char *s, size_t n);
/* The next pair (up to 8 bytes, not NUL-terminated) and the byte span it
 * covers in the original text; false at the end. */
bool bigram_next(bigram_iter *it, char tok[8], size_t *tok_len, size_t *start, size_t *end);
/* Appends the folded word characters of s to out. */
void bigram_normalize(const char *s, size_t n, buf *out);

#endif
