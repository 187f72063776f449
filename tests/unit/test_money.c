/* test_money.c - document arithmetic: parsing quantities and percents, the
 * per-line rounding rule (half away from zero), sums of many lines, and large
 * amounts that must be refused instead of wrapping. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../src/util/money.h"

TestSuite(money);

static int64_t qty(const char *s)
{
	int64_t v = -1;
	cr_assert_eq(money_parse_scaled(s, QTY_DECIMALS, false, MONEY_MAX, &v), MONEY_OK, "%s", s);
	return v;
}

static int64_t pct(const char *s)
{
	int64_t v = -1;
	cr_assert_eq(money_parse_scaled(s, PCT_DECIMALS, false, 100 * PCT_SCALE, &v), MONEY_OK, "%s", s);
	return v;
}

Test(money, parse_quantities)
{
	cr_assert_eq(qty("1"), 1000);
	cr_assert_eq(qty("1.5"), 1500);
	cr_assert_eq(qty("0.001"), 1);
	cr_assert_eq(qty("12.345"), 12345);
	cr_assert_eq(qty(".5"), 500);
	cr_assert_eq(qty("2."), 2000);
	cr_assert_eq(qty("1.5000"), 1500, "zeros past the scale are harmless");
	int64_t v;
	cr_assert_eq(money_parse_scaled("1.2345", 3, false, MONEY_MAX, &v), MONEY_TOO_MANY_DECIMALS);
	cr_assert_eq(money_parse_scaled("1.0001", 3, false, MONEY_MAX, &v), MONEY_TOO_MANY_DECIMALS);
	cr_assert_eq(money_parse_scaled("", 3, false, MONEY_MAX, &v), MONEY_INVALID);
	cr_assert_eq(money_parse_scaled(".", 3, false, MONEY_MAX, &v), MONEY_INVALID);
	cr_assert_eq(money_parse_scaled("1e3", 3, false, MONEY_MAX, &v), MONEY_INVALID);
	cr_assert_eq(money_parse_scaled(" 1", 3, false, MONEY_MAX, &v), MONEY_INVALID);
	cr_assert_eq(money_parse_scaled("1,5", 3, false, MONEY_MAX, &v), MONEY_INVALID);
	cr_assert_eq(money_parse_scaled("-1", 3, false, MONEY_MAX, &v), MONEY_OUT_OF_RANGE);
	cr_assert_eq(money_parse_scaled("-0", 3, false, MONEY_MAX, &v), MONEY_OK);
	cr_assert_eq(money_parse_scaled("-1.5", 3, true, MONEY_MAX, &v), MONEY_OK);
	cr_assert_eq(v, -1500);
	cr_assert_eq(money_parse_scaled("99999999999999999999999999999", 3, false, MONEY_MAX, &v), MONEY_OUT_OF_RANGE);
	cr_assert_eq(money_parse_scaled("1000000000000001", 0, false, MONEY_MAX, &v), MONEY_OUT_OF_RANGE);
}

Test(money, parse_percents)
{
	cr_assert_eq(pct("13"), 130000);
	cr_assert_eq(pct("12.5"), 125000);
	cr_assert_eq(pct("0.0001"), 1);
	cr_assert_eq(pct("100"), 1000000);
	int64_t v;
	cr_assert_eq(money_parse_scaled("100.01", PCT_DECIMALS, false, 100 * PCT_SCALE, &v), MONEY_OUT_OF_RANGE);
	cr_assert_eq(money_parse_scaled("1.00001", PCT_DECIMALS, false, 100 * PCT_SCALE, &v), MONEY_TOO_MANY_DECIMALS);
}

Test(money, round_half_away_from_zero)
{
	cr_assert(money_div_round(5, 10) == 1);
	cr_assert(money_div_round(15, 10) == 2);
	cr_assert(money_div_round(25, 10) == 3, "not banker's rounding");
	cr_assert(money_div_round(-5, 10) == -1);
	cr_assert(money_div_round(-15, 10) == -2);
	cr_assert(money_div_round(-25, 10) == -3);
	cr_assert(money_div_round(4, 10) == 0);
	cr_assert(money_div_round(-4, 10) == 0);
	cr_assert(money_div_round(14999, 10000) == 1);
	cr_assert(money_div_round(-14999, 10000) == -1);
	cr_assert(money_div_round(0, 7) == 0);
}

static money_line line(const char *q, int64_t price, const char *disc, const char *tax)
{
	money_line l = { .quantity = qty(q), .unit_price = price, .discount_pct = pct(disc), .tax_pct = pct(tax) };
	cr_assert_eq(money_line_compute(&l), MONEY_OK);
	return l;
}

Test(money, line_rule)
{
	/* 3 x 1234.56 = 3703.68; 10% off = 370.368 -> 370.37; 13% of 3333.31 = 433.3303 -> 433.33 */
	money_line l = line("3", 123456, "10", "13");
	cr_assert_eq(l.amount, 370368);
	cr_assert_eq(l.discount, 37037);
	cr_assert_eq(l.tax, 43333);
	cr_assert_eq(l.total, 370368 - 37037 + 43333);
	/* a half cent on the amount: 1.5 x 0.01 = 0.015 -> 0.02 */
	l = line("1.5", 1, "0", "0");
	cr_assert_eq(l.amount, 2);
	/* 0.5 x 0.01 = 0.005 -> 0.01 (half away from zero) */
	l = line("0.5", 1, "0", "0");
	cr_assert_eq(l.amount, 1);
	/* 0.499 x 0.01 -> 0 */
	l = line("0.499", 1, "0", "0");
	cr_assert_eq(l.amount, 0);
	/* discount of exactly half a cent: 5 cents x 10% = 0.5 -> 1 */
	l = line("1", 5, "10", "0");
	cr_assert_eq(l.discount, 1);
	cr_assert_eq(l.total, 4);
	/* tax on the discounted amount: (5 - 1) x 12.5% = 0.5 -> 1 */
	l = line("1", 5, "10", "12.5");
	cr_assert_eq(l.tax, 1);
	cr_assert_eq(l.total, 5);
	/* a fractional quantity with three decimals: 2.125 kg x 3.99 = 8.47875 -> 8.48 */
	l = line("2.125", 399, "0", "0");
	cr_assert_eq(l.amount, 848);
	/* 100% discount leaves nothing to tax */
	l = line("7", 1000, "100", "13");
	cr_assert_eq(l.discount, 7000);
	cr_assert_eq(l.tax, 0);
	cr_assert_eq(l.total, 0);
	/* zero quantity */
	l = line("0", 99999, "5", "13");
	cr_assert_eq(l.total, 0);
}

Test(money, negative_halves)
{
	/* the rounding is symmetric: -0.5 rounds to -1, as +0.5 rounds to +1 */
	cr_assert(money_div_round(-(__int128)15, 1000 / 100) == -2);
	cr_assert(money_div_round(-(__int128)1005, 10) == -101);
	cr_assert(money_div_round((__int128)1005, 10) == 101);
}

Test(money, refuses_bad_lines)
{
	money_line l = { .quantity = 1000, .unit_price = 100, .discount_pct = 101 * PCT_SCALE };
	cr_assert_eq(money_line_compute(&l), MONEY_OUT_OF_RANGE);
	l = (money_line){ .quantity = -1000, .unit_price = 100 };
	cr_assert_eq(money_line_compute(&l), MONEY_OUT_OF_RANGE);
	l = (money_line){ .quantity = 1000, .unit_price = -1 };
	cr_assert_eq(money_line_compute(&l), MONEY_OUT_OF_RANGE);
}

Test(money, large_amounts)
{
	/* the largest allowed figure exactly */
	money_line l = { .quantity = 1000, .unit_price = MONEY_MAX };
	cr_assert_eq(money_line_compute(&l), MONEY_OK);
	cr_assert_eq(l.amount, MONEY_MAX);
	/* a product far beyond int64 is refused, never wrapped */
	l = (money_line){ .quantity = INT64_MAX / 2, .unit_price = INT64_MAX / 2 };
	cr_assert_eq(money_line_compute(&l), MONEY_OUT_OF_RANGE);
	/* within range before tax, beyond it with tax */
	l = (money_line){ .quantity = 1000, .unit_price = MONEY_MAX, .tax_pct = 13 * PCT_SCALE };
	cr_assert_eq(money_line_compute(&l), MONEY_OUT_OF_RANGE);
	/* big but fine: 999,999.999 units at 9,999,999.99 yuan = 9,999,999,980,000.00 yuan, exact */
	l = (money_line){ .quantity = 999999999, .unit_price = 999999999 };
	cr_assert_eq(money_line_compute(&l), MONEY_OK);
	cr_assert_eq(l.amount, INT64_C(999999998000000));
	/* ten times that price passes the cap */
	l = (money_line){ .quantity = 999999999, .unit_price = INT64_C(9999999999) };
	cr_assert_eq(money_line_compute(&l), MONEY_OUT_OF_RANGE);
	/* 1,000 units at 1,000,000,000.00 = 10^14 minor units: fine, exact */
	l = (money_line){ .quantity = 1000 * 1000, .unit_price = INT64_C(100000000000), .tax_pct = 13 * PCT_SCALE };
	cr_assert_eq(money_line_compute(&l), MONEY_OK);
	cr_assert_eq(l.amount, INT64_C(100000000000000));
	cr_assert_eq(l.tax, INT64_C(13000000000000));
	int64_t s;
	cr_assert(!money_add(MONEY_MAX, 1, &s));
	cr_assert(money_add(MONEY_MAX, -1, &s));
	cr_assert(!money_add(INT64_MAX, INT64_MAX, &s));
}

Test(money, many_lines_sum)
{
	/* 10,000 lines of 0.333 x 0.01 with 13% tax: each line rounds on its own (0.00333 -> 0),
	 * so the document is the sum of rounded lines, not the rounded sum */
	money_totals t = { 0 };
	for (int i = 0; i < 10000; i++) {
		money_line l = { .quantity = 333, .unit_price = 1, .tax_pct = 13 * PCT_SCALE };
		cr_assert_eq(money_line_compute(&l), MONEY_OK);
		cr_assert_eq(money_totals_add(&t, &l), MONEY_OK);
	}
	cr_assert_eq(t.subtotal, 0);
	cr_assert_eq(t.total, 0);
	/* 500 lines of 1.5 x 0.01 (-> 0.02 each) with 10% off (0.002 -> 0) and 13% tax (0.0026 -> 0) */
	t = (money_totals){ 0 };
	for (int i = 0; i < 500; i++) {
		money_line l = { .quantity = 1500, .unit_price = 1, .discount_pct = 10 * PCT_SCALE, .tax_pct = 13 * PCT_SCALE };
		cr_assert_eq(money_line_compute(&l), MONEY_OK);
		cr_assert_eq(money_totals_add(&t, &l), MONEY_OK);
	}
	cr_assert_eq(t.subtotal, 1000);
	cr_assert_eq(t.discount, 0);
	cr_assert_eq(t.tax, 0);
	cr_assert_eq(t.total, 1000);
	/* many large lines: the sum passing the cap is refused */
	t = (money_totals){ 0 };
	int refused = -1;
	for (int i = 0; i < 1000; i++) {
		money_line l = { .quantity = 1000, .unit_price = MONEY_MAX / 100 };
		cr_assert_eq(money_line_compute(&l), MONEY_OK);
		if (money_totals_add(&t, &l) != MONEY_OK) {
			refused = i;
			break;
		}
	}
	cr_assert_eq(refused, 100);
	cr_assert_eq(t.subtotal, MONEY_MAX);
}

Test(money, format)
{
	char out[32];
	money_format_scaled(12345, 3, out);
	cr_assert_str_eq(out, "12.345");
	money_format_scaled(1500, 3, out);
	cr_assert_str_eq(out, "1.5");
	money_format_scaled(3000, 3, out);
	cr_assert_str_eq(out, "3");
	money_format_scaled(-1, 3, out);
	cr_assert_str_eq(out, "-0.001");
	money_format_scaled(125000, 4, out);
	cr_assert_str_eq(out, "12.5");
	money_format_scaled(INT64_MIN, 0, out);
	cr_assert_str_eq(out, "-9223372036854775808");
}
