/*
 * utf8.h - the few Unicode facts search needs: decoding, which characters
 * make up words, and folding (ASCII and full-width forms to lower-case ASCII).
 */
#ifndef RAPPORT_UTF8_H
#define RAPPORT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one code point at s (n bytes left); returns its byte length (>=1).
 * Invalid bytes decode as U+FFFD of length 1. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Encodes cp into out (4 bytes room); returns the length. */
size_t utf8_encode(uint32_t cp, char *out);
/* True for letters, digits and ideographs; false for spaces and punctuation. */
bool utf8_is_word(uint32_t cp);
/* Lower-cases ASCII, maps full-width ASCII forms to ASCII. */
uint32_t utf8_fold(uint32_t cp);
/* True when s is valid UTF-8 without NUL bytes. */
bool utf8_valid(const char *s, size_t n);
/* Replaces every byte that is not part of valid UTF-8 (and NUL-free) with '?', in place. */
void utf8_sanitize(char *s);
/* Number of code points (invalid bytes count one each). */
size_t utf8_length(const char *s, size_t n);
/* Number of word characters in s: search needs two or more for its index. */
size_t utf8_word_chars(const char *s, size_t n);

#endif
