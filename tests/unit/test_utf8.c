/* test_utf8.c - UTF-8 decoding (invalid sequences), encoding, word characters (CJK, punctuation), full-width folding, bigrams. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../src/util/bigram.h"
#include "../../src/util/log.h"
#include "../../src/util/utf8.h"

static void quiet(void)
{
	log_verbose = 0;
}

TestSuite(utf8, .init = quiet);

static uint32_t decode(const char *s, size_t n, size_t *len)
{
	uint32_t cp = 0x12345678;
	*len = utf8_decode((const unsigned char *)s, n, &cp);
	return cp;
}

static void expect_decode(const char *s, size_t n, uint32_t want, size_t want_len)
{
	size_t len;
	uint32_t cp = decode(s, n, &len);
	cr_assert_eq(cp, want, "U+%04X, want U+%04X", cp, want);
	cr_assert_eq(len, want_len, "length %zu, want %zu", len, want_len);
}

Test(utf8, decodes_valid_sequences)
{
	expect_decode("A", 1, 'A', 1);
	expect_decode("\xc3\xa9", 2, 0xe9, 2);           /* é */
	expect_decode("华", 3, 0x534e, 3);
	expect_decode("\xf0\x9f\x98\x80", 4, 0x1f600, 4); /* 😀 */
	expect_decode("\xef\xbf\xbd", 3, 0xfffd, 3);      /* U+FFFD itself */
	expect_decode("\xf4\x8f\xbf\xbf", 4, 0x10ffff, 4);
}

Test(utf8, invalid_sequences_decode_as_one_replacement_byte)
{
	expect_decode("\x80", 1, 0xfffd, 1);                 /* lone continuation */
	expect_decode("\xbf", 1, 0xfffd, 1);
	expect_decode("\xc0\x80", 2, 0xfffd, 1);             /* overlong NUL */
	expect_decode("\xc1\xbf", 2, 0xfffd, 1);             /* overlong */
	expect_decode("\xe0\x80\xaf", 3, 0xfffd, 1);         /* overlong '/' */
	expect_decode("\xf0\x80\x80\xaf", 4, 0xfffd, 1);     /* overlong '/' */
	expect_decode("\xed\xa0\x80", 3, 0xfffd, 1);         /* surrogate D800 */
	expect_decode("\xed\xbf\xbf", 3, 0xfffd, 1);         /* surrogate DFFF */
	expect_decode("\xf4\x90\x80\x80", 4, 0xfffd, 1);     /* above U+10FFFF */
	expect_decode("\xf8\x88\x80\x80\x80", 5, 0xfffd, 1); /* 5-byte form */
	expect_decode("\xfe", 1, 0xfffd, 1);
	expect_decode("\xff", 1, 0xfffd, 1);
	expect_decode("\xe5\x8d", 2, 0xfffd, 1);             /* truncated by the length */
	expect_decode("\xe5\x8d\x8e", 2, 0xfffd, 1);         /* the bytes are there, n says no */
	expect_decode("\xe5" "A" "\x8e", 3, 0xfffd, 1);      /* ASCII inside a sequence */
	expect_decode("\xc3", 1, 0xfffd, 1);
}

Test(utf8, decoding_never_reads_past_n)
{
	/* every prefix of a 4-byte sequence in a buffer of exactly that size */
	const char full[] = "\xf0\x9f\x98\x80";
	for (size_t n = 1; n < 4; n++) {
		char tight[4];
		memcpy(tight, full, n);
		size_t len;
		uint32_t cp = decode(tight, n, &len);
		cr_assert_eq(cp, 0xfffd);
		cr_assert_eq(len, 1);
	}
}

Test(utf8, encode_round_trips)
{
	const uint32_t cps[] = { 0, 'a', 0x7f, 0x80, 0x7ff, 0x800, 0x534e, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff };
	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		char out[4];
		size_t n = utf8_encode(cps[i], out);
		size_t len;
		uint32_t back = decode(out, n, &len);
		cr_assert_eq(len, n);
		cr_assert_eq(back, cps[i], "U+%04X", cps[i]);
	}
	char out[4];
	cr_assert_eq(utf8_encode(0x534e, out), 3);
	cr_assert_eq(memcmp(out, "华", 3), 0);
}

Test(utf8, word_characters)
{
	const uint32_t words[] = { 'a', 'Z', '0', '9', 0xe9 /* é */, 0x4e2d /* 中 */, 0x534e /* 华 */,
				   0x9fa5, 0x3400 /* CJK ext A */, 0x20000 /* CJK ext B */, 0x3042 /* あ */,
				   0xac00 /* 가 */, 0x0416 /* Ж */, 0xff21 /* Ａ */, 0xff41 /* ａ */, 0xff10 /* ０ */ };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		cr_assert(utf8_is_word(words[i]), "U+%04X should be a word character", words[i]);
}

Test(utf8, spaces_and_punctuation_are_not_words)
{
	const uint32_t not_words[] = { ' ', '\t', '\n', '-', '_', '.', ',', '&', '(', ')', '/', '@', '+', 0,
				       0xa0 /* nbsp */, 0xb7 /* · */, 0xd7 /* × */, 0xf7 /* ÷ */,
				       0x2014 /* — */, 0x2018 /* ‘ */, 0x201c /* “ */, 0x2026 /* … */,
				       0x3000 /* ideographic space */, 0x3001 /* 、 */, 0x3002 /* 。 */,
				       0x300a /* 《 */, 0x3010 /* 【 */, 0xff0c /* ， */, 0xff08 /* （ */,
				       0xff01 /* ！ */, 0xff1a /* ： */, 0xff0d /* － */, 0xffe5 /* ￥ */,
				       0xfffd };
	for (size_t i = 0; i < sizeof(not_words) / sizeof(not_words[0]); i++)
		cr_assert(!utf8_is_word(not_words[i]), "U+%04X should not be a word character", not_words[i]);
}

Test(utf8, folding)
{
	cr_assert_eq(utf8_fold('A'), 'a');
	cr_assert_eq(utf8_fold('Z'), 'z');
	cr_assert_eq(utf8_fold('a'), 'a');
	cr_assert_eq(utf8_fold('5'), '5');
	cr_assert_eq(utf8_fold(0xff21), 'a'); /* Ａ */
	cr_assert_eq(utf8_fold(0xff3a), 'z'); /* Ｚ */
	cr_assert_eq(utf8_fold(0xff41), 'a'); /* ａ */
	cr_assert_eq(utf8_fold(0xff10), '0'); /* ０ */
	cr_assert_eq(utf8_fold(0xff01), '!'); /* ！ */
	cr_assert_eq(utf8_fold(0xff5e), '~');
	cr_assert_eq(utf8_fold(0xff5f), 0xff5f);
	cr_assert_eq(utf8_fold(0x534e), 0x534e);
	cr_assert_eq(utf8_fold('@'), '@');
	cr_assert_eq(utf8_fold('['), '[');
}

Test(utf8, validity)
{
	cr_assert(utf8_valid("", 0));
	cr_assert(utf8_valid("plain", 5));
	cr_assert(utf8_valid("北京华夏", strlen("北京华夏")));
	cr_assert(utf8_valid("\xef\xbf\xbd", 3), "a real U+FFFD is valid");
	cr_assert(!utf8_valid("a\0b", 3), "NUL bytes are refused");
	cr_assert(!utf8_valid("\xc3", 1));
	cr_assert(!utf8_valid("ab\xff", 3));
	cr_assert(!utf8_valid("\xed\xa0\x80", 3));
	cr_assert(!utf8_valid("\xc0\x80", 2));
	cr_assert(!utf8_valid("华", 2), "cut in the middle");
}

Test(utf8, lengths_and_word_counts)
{
	cr_assert_eq(utf8_length("", 0), 0);
	cr_assert_eq(utf8_length("abc", 3), 3);
	cr_assert_eq(utf8_length("华夏", 6), 2);
	cr_assert_eq(utf8_length("a\xff华", 5), 3, "an invalid byte counts one");
	cr_assert_eq(utf8_word_chars("华夏", 6), 2);
	cr_assert_eq(utf8_word_chars("华，夏", strlen("华，夏")), 2);
	cr_assert_eq(utf8_word_chars("-- . --", 7), 0);
	cr_assert_eq(utf8_word_chars("010-6234 5678", 13), 11);
	cr_assert_eq(utf8_word_chars("Ａｂ１", strlen("Ａｂ１")), 3);
}

static void expect_normalized(const char *in, const char *want)
{
	buf b = BUF_INIT;
	bigram_normalize(in, strlen(in), &b);
	cr_assert_str_eq(buf_str(&b), want, "normalize(%s)", in);
	buf_free(&b);
}

Test(utf8, bigram_normalize_drops_separators_and_folds)
{
	expect_normalized("北京华夏机械有限公司", "北京华夏机械有限公司");
	expect_normalized("Smith & Sons Ltd.", "smithsonsltd");
	expect_normalized("010-6234 5678", "01062345678");
	expect_normalized("ＡＢＣ－１２３", "abc123");
	expect_normalized("华夏（北京）", "华夏北京");
	expect_normalized("a\xff" "b", "ab");
	expect_normalized("", "");
}

Test(utf8, bigram_pairs_and_spans)
{
	const char *s = "北京 华夏";
	bigram_iter it;
	bigram_init(&it, s, strlen(s));
	const char *want[] = { "北京", "京华", "华夏" };
	const size_t want_start[] = { 0, 3, 7 };
	const size_t want_end[] = { 6, 10, 13 };
	char tok[8];
	size_t len, start, end;
	for (int i = 0; i < 3; i++) {
		cr_assert(bigram_next(&it, tok, &len, &start, &end), "pair %d", i);
		cr_assert_eq(len, strlen(want[i]));
		cr_assert_eq(memcmp(tok, want[i], len), 0, "pair %d", i);
		cr_assert_eq(start, want_start[i], "pair %d start %zu", i, start);
		cr_assert_eq(end, want_end[i], "pair %d end %zu", i, end);
	}
	cr_assert(!bigram_next(&it, tok, &len, &start, &end));

	/* one word character gives no pair; none gives none */
	bigram_init(&it, "华", 3);
	cr_assert(!bigram_next(&it, tok, &len, &start, &end));
	bigram_init(&it, "- -", 3);
	cr_assert(!bigram_next(&it, tok, &len, &start, &end));
	/* case and full width folded in the pairs */
	bigram_init(&it, "ＡB", strlen("ＡB"));
	cr_assert(bigram_next(&it, tok, &len, &start, &end));
	cr_assert_eq(len, 2);
	cr_assert_eq(memcmp(tok, "ab", 2), 0);
}
