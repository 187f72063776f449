/* test_arena.c - the request arena: alignment and zeroing, growth across blocks, large allocations, strdup and printf. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "../../src/util/arena.h"
#include "../../src/util/log.h"

static void quiet(void)
{
	log_verbose = 0;
}

TestSuite(arena, .init = quiet);

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

Test(arena, allocations_are_aligned_and_zeroed)
{
	arena a = ARENA_INIT;
	for (size_t n = 1; n < 200; n++) {
		unsigned char *p = arena_alloc(&a, n);
		cr_assert_not_null(p);
		cr_assert_eq((uintptr_t)p % 16, 0, "size %zu not aligned", n);
		cr_assert(all_zero(p, n));
		memset(p, 0xab, n); /* dirty it: the next allocation must still come zeroed */
	}
	arena_free(&a);
	cr_assert_null(a.head);
}

Test(arena, allocations_do_not_overlap)
{
	arena a = ARENA_INIT;
	enum { N = 3000 };
	static unsigned char *ptrs[N];
	for (int i = 0; i < N; i++) {
		ptrs[i] = arena_alloc(&a, 24);
		memset(ptrs[i], i & 0xff, 24);
	}
	for (int i = 0; i < N; i++)
		for (int k = 0; k < 24; k++)
			cr_assert_eq(ptrs[i][k], (unsigned char)(i & 0xff), "block %d byte %d overwritten", i, k);
	arena_free(&a);
}

Test(arena, grows_past_one_block)
{
	arena a = ARENA_INIT;
	/* 100 allocations of 1 KiB span many 8 KiB blocks */
	char *first = arena_alloc(&a, 1024);
	memset(first, 'f', 1024);
	for (int i = 0; i < 100; i++) {
		char *p = arena_alloc(&a, 1024);
		cr_assert(all_zero((unsigned char *)p, 1024));
		memset(p, 'x', 1024);
	}
	for (int i = 0; i < 1024; i++)
		cr_assert_eq(first[i], 'f');
	arena_free(&a);
}

Test(arena, large_allocations_get_their_own_block)
{
	arena a = ARENA_INIT;
	char *small1 = arena_alloc(&a, 100);
	memset(small1, 's', 100);
	size_t big = 5 * 1024 * 1024;
	unsigned char *p = arena_alloc(&a, big);
	cr_assert_not_null(p);
	cr_assert_eq((uintptr_t)p % 16, 0);
	cr_assert(all_zero(p, big));
	memset(p, 0xee, big);
	/* the current block still serves small requests after a big one */
	char *small2 = arena_alloc(&a, 100);
	cr_assert(all_zero((unsigned char *)small2, 100));
	cr_assert(small2 < (char *)p || small2 >= (char *)p + big, "small allocation inside the big one");
	for (int i = 0; i < 100; i++)
		cr_assert_eq(small1[i], 's');
	/* exactly one block's worth, and just over */
	unsigned char *q = arena_alloc(&a, 8192);
	cr_assert(all_zero(q, 8192));
	unsigned char *r = arena_alloc(&a, 8193);
	cr_assert(all_zero(r, 8193));
	memset(q, 1, 8192);
	memset(r, 2, 8193);
	cr_assert_eq(q[8191], 1);
	cr_assert_eq(r[8192], 2);
	arena_free(&a);
}

Test(arena, zero_bytes)
{
	arena a = ARENA_INIT;
	void *p = arena_alloc(&a, 0);
	(void)p; /* may be any pointer: it must not crash or corrupt */
	char *s = arena_strdup(&a, "after");
	cr_assert_str_eq(s, "after");
	arena_free(&a);
}

Test(arena, strdup_and_strndup)
{
	arena a = ARENA_INIT;
	char src[] = "hello, world";
	char *d = arena_strdup(&a, src);
	cr_assert_str_eq(d, "hello, world");
	cr_assert_neq(d, src);
	src[0] = 'J';
	cr_assert_str_eq(d, "hello, world");
	char *n = arena_strndup(&a, "abcdef", 3);
	cr_assert_str_eq(n, "abc");
	char *e = arena_strdup(&a, "");
	cr_assert_str_eq(e, "");
	char *cjk = arena_strdup(&a, "北京华夏机械有限公司");
	cr_assert_str_eq(cjk, "北京华夏机械有限公司");
	arena_free(&a);
}

Test(arena, printf_of_any_length)
{
	arena a = ARENA_INIT;
	char *s = arena_printf(&a, "%s=%d", "x", 7);
	cr_assert_str_eq(s, "x=7");
	char *e = arena_printf(&a, "%s", "");
	cr_assert_str_eq(e, "");
	/* longer than a block */
	char word[20000];
	memset(word, 'k', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	char *big = arena_printf(&a, "<%s>", word);
	cr_assert_eq(strlen(big), sizeof(word) - 1 + 2);
	cr_assert_eq(big[0], '<');
	cr_assert_eq(big[strlen(big) - 1], '>');
	cr_assert_str_eq(s, "x=7", "earlier strings survive");
	arena_free(&a);
}

Test(arena, free_then_reuse)
{
	arena a = ARENA_INIT;
	arena_free(&a); /* freeing an empty arena is fine */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 50; i++)
			arena_printf(&a, "round %d item %d", round, i);
		arena_alloc(&a, 100000);
		arena_free(&a);
		cr_assert_null(a.head);
	}
}
