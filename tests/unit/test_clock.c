/* test_clock.c - ISO 8601 parse/format round trips, invalid and leap dates, the fixed clock. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../src/util/clock.h"
#include "../../src/util/log.h"

static void setup(void)
{
	log_verbose = 0;
	clock_set_fixed(0);
}

TestSuite(clock, .init = setup);

static int64_t parse(const char *s)
{
	int64_t ms = -42;
	cr_assert_eq(clock_parse_iso(s, &ms), 0, "%s should parse", s);
	return ms;
}

static void refuse(const char *s)
{
	int64_t ms = 0;
	cr_assert_eq(clock_parse_iso(s, &ms), -1, "%s should be refused", s);
}

Test(clock, known_moments)
{
	cr_assert_eq(parse("1970-01-01T00:00:00Z"), 0);
	cr_assert_eq(parse("1970-01-01T00:00:00.001Z"), 1);
	cr_assert_eq(parse("2000-03-01T00:00:00Z"), 951868800000LL);
	cr_assert_eq(parse("2026-11-29T05:03:38.123Z"), 1795928618123LL);
	cr_assert_eq(parse("2038-01-19T03:14:08Z"), 2147483648000LL); /* past 32-bit time_t */
}

Test(clock, zone_forms_and_fractions)
{
	int64_t z = parse("2026-05-17T08:30:00Z");
	cr_assert_eq(parse("2026-05-17T08:30:00+00:00"), z);
	cr_assert_eq(parse("2026-05-17T08:30:00"), z, "no zone means UTC");
	cr_assert_eq(parse("2026-05-17 08:30:00Z"), z, "a space instead of T");
	cr_assert_eq(parse("2026-05-17T08:30:00.5Z"), z + 500);
	cr_assert_eq(parse("2026-05-17T08:30:00.05Z"), z + 50);
	cr_assert_eq(parse("2026-05-17T08:30:00.123456Z"), z + 123, "digits past milliseconds are dropped");
	cr_assert_eq(parse("2026-05-17"), z - (8 * 3600 + 30 * 60) * 1000LL, "a date alone is its midnight");
}

Test(clock, format_then_parse_round_trips)
{
	const int64_t moments[] = { 0, 1, 999, 1000, 86399999, 951782400000LL, 1795928618123LL,
				    4102444799999LL /* 2099-12-31T23:59:59.999 */, 253402300799999LL };
	for (size_t i = 0; i < sizeof(moments) / sizeof(moments[0]); i++) {
		char out[32];
		clock_format_iso(moments[i], out, sizeof(out));
		cr_assert_eq(strlen(out), 24, "%s", out);
		cr_assert_eq(parse(out), moments[i], "%s", out);
	}
	char out[32];
	clock_format_iso(1795928618123LL, out, sizeof(out));
	cr_assert_str_eq(out, "2026-11-29T05:03:38.123Z");
	clock_format_iso(0, out, sizeof(out));
	cr_assert_str_eq(out, "1970-01-01T00:00:00.000Z");
}

Test(clock, parse_then_format_round_trips)
{
	const char *texts[] = { "2024-02-29T23:59:59.999Z", "2000-02-29T12:00:00.000Z", "1999-12-31T23:59:59.000Z",
				"2026-01-01T00:00:00.000Z", "2026-12-31T00:00:00.010Z" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char out[32];
		clock_format_iso(parse(texts[i]), out, sizeof(out));
		cr_assert_str_eq(out, texts[i]);
	}
}

Test(clock, moments_before_1970_round_trip)
{
	/* 1969-12-31T23:59:59.500Z is -500 ms */
	cr_assert_eq(parse("1969-12-31T23:59:59.500Z"), -500);
	cr_assert_eq(parse("1969-07-20T20:17:40Z"), -14182940000LL);
	char out[32];
	clock_format_iso(-14182940000LL, out, sizeof(out));
	cr_assert_str_eq(out, "1969-07-20T20:17:40.000Z");
	clock_format_iso(-500, out, sizeof(out));
	cr_assert_str_eq(out, "1969-12-31T23:59:59.500Z");
}

Test(clock, invalid_calendar_dates)
{
	refuse("2026-02-30");
	refuse("2026-02-29"); /* not a leap year */
	refuse("2100-02-29"); /* divisible by 100, not by 400 */
	refuse("2026-04-31");
	refuse("2026-13-01");
	refuse("2026-00-10");
	refuse("2026-01-00");
	refuse("2026-01-32");
	refuse("0000-01-01");
	refuse("2026-02-30T00:00:00Z");
}

Test(clock, leap_years)
{
	cr_assert_eq(parse("2024-03-01T00:00:00Z") - parse("2024-02-28T00:00:00Z"), 2 * 86400000LL);
	cr_assert_eq(parse("2026-03-01T00:00:00Z") - parse("2026-02-28T00:00:00Z"), 1 * 86400000LL);
	cr_assert_eq(parse("2000-03-01T00:00:00Z") - parse("2000-02-28T00:00:00Z"), 2 * 86400000LL);
	cr_assert_eq(parse("1900-03-01T00:00:00Z") - parse("1900-02-28T00:00:00Z"), 1 * 86400000LL);
	cr_assert_eq(parse("2025-01-01T00:00:00Z") - parse("2024-01-01T00:00:00Z"), 366 * 86400000LL);
	int y, m, d;
	cr_assert_eq(clock_parse_date("2024-02-29", &y, &m, &d), 0);
	cr_assert_eq(y, 2024);
	cr_assert_eq(m, 2);
	cr_assert_eq(d, 29);
	cr_assert_eq(clock_parse_date("2000-02-29", &y, &m, &d), 0);
	cr_assert_eq(clock_parse_date("1900-02-29", &y, &m, &d), -1);
	cr_assert_eq(clock_parse_date("2023-02-29", &y, &m, &d), -1);
}

Test(clock, malformed_text)
{
	const char *bad[] = { "", "2026", "2026-1-01", "2026-01-1", "26-01-01", "2026/01/01", "2026-01-01T",
			      "2026-01-01T10", "2026-01-01T10:00", "2026-01-01T24:00:00Z", "2026-01-01T10:60:00Z",
			      "2026-01-01T10:00:61Z", "2026-01-01T10:00:00.Z", "2026-01-01T10:00:00ZZ",
			      "2026-01-01T10:00:00+08:00", "2026-01-01T10:00:00 Z", "2026-01-01x",
			      "2026-01-01T1a:00:00Z", "+026-01-01", "2026-01-01T10:00:00Zjunk", " 2026-01-01",
			      "２０２６-01-01", "2026-01-01T10:00:00.123\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuse(bad[i]);
}

Test(clock, a_calendar_date_needs_all_ten_characters)
{
	/* clock_parse_date reads the "YYYY-MM-DD" prefix (clock_parse_iso goes on after it);
	 * callers that want a date alone check the length themselves, as value.c does */
	int y, m, d;
	cr_assert_eq(clock_parse_date("2026-05-17", &y, &m, &d), 0);
	cr_assert_eq(y * 10000 + m * 100 + d, 20260517);
	cr_assert_eq(clock_parse_date("2026-05-1", &y, &m, &d), -1);
	cr_assert_eq(clock_parse_date("2026-5-17", &y, &m, &d), -1);
	cr_assert_eq(clock_parse_date("", &y, &m, &d), -1);
	cr_assert_eq(clock_parse_date("2026-05-1x", &y, &m, &d), -1);
}

Test(clock, the_fixed_clock)
{
	int64_t before = clock_now_ms();
	cr_assert(before > parse("2020-01-01T00:00:00Z"), "the real clock is plausible");
	clock_set_fixed(1795928618123LL);
	cr_assert_eq(clock_now_ms(), 1795928618123LL);
	cr_assert_eq(clock_now_ms(), 1795928618123LL);
	clock_set_fixed(0);
	int64_t after = clock_now_ms();
	cr_assert(after >= before && after - before < 60000);
	int64_t m1 = clock_monotonic_us();
	int64_t m2 = clock_monotonic_us();
	cr_assert(m2 >= m1);
}
