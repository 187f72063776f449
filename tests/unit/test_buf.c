/* test_buf.c - the growable buffer: always NUL-terminated, growth, printf, JSON string escaping, detach. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/util/buf.h"
#include "../../src/util/log.h"

static void quiet(void)
{
	log_verbose = 0;
}

TestSuite(buf, .init = quiet);

Test(buf, a_zeroed_buf_is_empty_and_valid)
{
	buf b = BUF_INIT;
	cr_assert_str_eq(buf_str(&b), "");
	cr_assert_eq(b.len, 0);
	buf_reset(&b);
	buf_free(&b);
	buf_free(&b); /* twice is harmless */
	cr_assert_null(b.ptr);
}

Test(buf, appends_keep_a_nul_after_the_last_byte)
{
	buf b = BUF_INIT;
	buf_adds(&b, "abc");
	cr_assert_eq(b.len, 3);
	cr_assert_eq(b.ptr[3], '\0');
	buf_addc(&b, 'd');
	cr_assert_str_eq(b.ptr, "abcd");
	buf_add(&b, "efgh", 2);
	cr_assert_str_eq(b.ptr, "abcdef");
	buf_add(&b, NULL, 0);
	cr_assert_str_eq(b.ptr, "abcdef");
	cr_assert(b.cap > b.len);
	buf_free(&b);
}

Test(buf, an_empty_add_on_an_empty_buf_gives_a_string)
{
	buf b = BUF_INIT;
	buf_add(&b, "", 0);
	cr_assert_not_null(b.ptr);
	cr_assert_str_eq(b.ptr, "");
	buf_free(&b);
}

Test(buf, grows_through_many_sizes)
{
	buf b = BUF_INIT;
	for (int i = 0; i < 100000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	cr_assert_eq(b.len, 100000);
	cr_assert_eq(strlen(b.ptr), 100000);
	for (int i = 0; i < 100000; i += 997)
		cr_assert_eq(b.ptr[i], 'a' + i % 26);
	/* one large append */
	char *big = malloc(3 * 1024 * 1024);
	memset(big, 'z', 3 * 1024 * 1024);
	buf_add(&b, big, 3 * 1024 * 1024);
	cr_assert_eq(b.len, 100000 + 3 * 1024 * 1024);
	cr_assert_eq(b.ptr[b.len - 1], 'z');
	cr_assert_eq(b.ptr[b.len], '\0');
	free(big);
	buf_free(&b);
}

Test(buf, grow_reserves_room)
{
	buf b = BUF_INIT;
	buf_grow(&b, 1000);
	cr_assert(b.cap >= 1001);
	cr_assert_eq(b.len, 0);
	char *before = b.ptr;
	for (int i = 0; i < 1000; i++)
		buf_addc(&b, 'x');
	cr_assert_eq(b.ptr, before, "no reallocation within the reserved room");
	buf_free(&b);
}

Test(buf, printf_short_and_long)
{
	buf b = BUF_INIT;
	buf_addf(&b, "%d-%s", 42, "x");
	cr_assert_str_eq(b.ptr, "42-x");
	/* longer than the first guess of 64 bytes */
	char word[300];
	memset(word, 'w', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	buf_addf(&b, "[%s]", word);
	cr_assert_eq(b.len, 4 + 2 + 299);
	cr_assert_eq(b.ptr[5], 'w');
	cr_assert_eq(b.ptr[b.len - 1], ']');
	cr_assert_eq(b.ptr[b.len], '\0');
	buf_addf(&b, "%s", "");
	cr_assert_eq(b.len, 4 + 2 + 299);
	buf_free(&b);
}

Test(buf, printf_exactly_filling_the_room)
{
	/* a formatted string that ends exactly at the capacity must not lose its last byte */
	for (size_t fill = 0; fill < 200; fill++) {
		buf b = BUF_INIT;
		for (size_t i = 0; i < fill; i++)
			buf_addc(&b, '.');
		size_t room = b.cap ? b.cap - b.len - 1 : 63;
		char s[300];
		memset(s, 'q', room);
		s[room] = '\0';
		buf_addf(&b, "%s", s);
		cr_assert_eq(b.len, fill + room);
		cr_assert_eq(strlen(b.ptr), b.len);
		cr_assert_eq(b.ptr[b.len - 1], room ? 'q' : '.');
		buf_free(&b);
	}
}

Test(buf, reset_keeps_memory_empties_content)
{
	buf b = BUF_INIT;
	buf_adds(&b, "hello");
	size_t cap = b.cap;
	buf_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_str_eq(b.ptr, "");
	cr_assert_eq(b.cap, cap);
	buf_free(&b);
}

Test(buf, detach_hands_over_the_memory)
{
	buf b = BUF_INIT;
	char *empty = buf_detach(&b);
	cr_assert_not_null(empty);
	cr_assert_str_eq(empty, "");
	free(empty);

	buf_adds(&b, "owned");
	char *p = buf_detach(&b);
	cr_assert_str_eq(p, "owned");
	cr_assert_null(b.ptr);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	free(p);
	buf_adds(&b, "again");
	cr_assert_str_eq(b.ptr, "again");
	buf_free(&b);
}

Test(buf, json_strings_are_escaped)
{
	buf b = BUF_INIT;
	const char s[] = "a\"b\\c\nd\re\tf\x01g\x1f/h 华夏";
	buf_add_json_str(&b, s, sizeof(s) - 1);
	cr_assert_str_eq(b.ptr, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001f/h 华夏\"");
	/* and Jansson reads back exactly the input */
	json_error_t err;
	json_t *j = json_loads(b.ptr, JSON_DECODE_ANY, &err);
	cr_assert_not_null(j, "%s", err.text);
	cr_assert_str_eq(json_string_value(j), s);
	json_decref(j);
	buf_free(&b);
}

Test(buf, json_string_with_embedded_nul)
{
	buf b = BUF_INIT;
	buf_add_json_str(&b, "a\0b", 3);
	cr_assert_str_eq(b.ptr, "\"a\\u0000b\"");
	buf_reset(&b);
	buf_add_json_str(&b, "", 0);
	cr_assert_str_eq(b.ptr, "\"\"");
	buf_free(&b);
}

Test(buf, every_control_character_round_trips_through_jansson)
{
	char s[32];
	for (int i = 1; i < 32; i++)
		s[i - 1] = (char)i;
	s[31] = '\0';
	buf b = BUF_INIT;
	buf_add_json_str(&b, s, 31);
	json_error_t err;
	json_t *j = json_loads(b.ptr, JSON_DECODE_ANY, &err);
	cr_assert_not_null(j, "%s: %s", b.ptr, err.text);
	cr_assert_eq(json_string_length(j), 31);
	cr_assert_eq(memcmp(json_string_value(j), s, 31), 0);
	json_decref(j);
	buf_free(&b);
}
