/* test_log.c - the log line's timestamp: formatted in full once a second per thread, the
 * milliseconds each time; the same text as clock_format_iso either way. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <string.h>

#include "../../src/util/clock.h"
#include "../../src/util/log.h"

static void setup(void)
{
	log_verbose = 1;
	cr_redirect_stderr();
}

static void teardown(void)
{
	clock_set_fixed(0);
}

TestSuite(log, .init = setup, .fini = teardown);

Test(log, lines_carry_the_clock_to_the_millisecond)
{
	const int64_t t[] = { 1795928618000LL, 1795928618007LL, 1795928618999LL, 1795928619000LL,
			      1795928619050LL, 1795928618500LL, -500LL, 0LL, 1795928619001LL };
	char expect[4096] = "";
	size_t n = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		clock_set_fixed(t[i] ? t[i] : 1); /* 0 would mean "the real clock" */
		char ts[32];
		clock_format_iso(t[i] ? t[i] : 1, ts, sizeof(ts));
		log_info("line %zu %d.%dms", i, 12, 3);
		n += (size_t)snprintf(expect + n, sizeof(expect) - n, "%s info line %zu 12.3ms\n", ts, i);
	}
	log_error("the end");
	char ts[32];
	clock_format_iso(1795928619001LL, ts, sizeof(ts));
	snprintf(expect + n, sizeof(expect) - n, "%s error the end\n", ts);
	fflush(stderr);
	cr_assert_stderr_eq_str(expect);
}
