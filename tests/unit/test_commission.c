/* test_commission.c - the arithmetic of a commission line (commission_calc.h):
 * a flat rate, marginal tiers over the period's cumulative base, category
 * rates, the cap per contract, fees, rounding half away from zero, and the
 * exact split of an amount by weights. */
#include <criterion/criterion.h>

#include "../../src/modules/commissions/commission_calc.h"
#include "../../src/util/money.h"

TestSuite(commission);

#define PCT(x) ((int64_t)((x) * PCT_SCALE))

static comm_result run(const comm_plan *p, comm_input in)
{
	comm_result r;
	cr_assert_eq(comm_compute(p, &in, &r), 0);
	return r;
}

Test(commission, flat_rate_and_rounding)
{
	comm_plan p = { .rate_pct = PCT(5) };
	comm_result r = run(&p, (comm_input){ .base = 10000000 });
	cr_assert_eq(r.gross, 500000);
	cr_assert_eq(r.amount, 500000);
	cr_assert_eq(r.rate_pct, PCT(5));
	/* 333333 x 3 % = 9999.99 -> 10000; 10 x 5 % = 0.5 -> 1 (half away from zero); 9 x 5 % = 0.45 -> 0 */
	p.rate_pct = PCT(3);
	cr_assert_eq(run(&p, (comm_input){ .base = 333333 }).gross, 10000);
	p.rate_pct = PCT(5);
	cr_assert_eq(run(&p, (comm_input){ .base = 10 }).gross, 1);
	cr_assert_eq(run(&p, (comm_input){ .base = 9 }).gross, 0);
	/* 12.5 % of 1 = 0.125 -> 0; of 4 = 0.5 -> 1 */
	p.rate_pct = 125000;
	cr_assert_eq(run(&p, (comm_input){ .base = 1 }).gross, 0);
	cr_assert_eq(run(&p, (comm_input){ .base = 4 }).gross, 1);
	cr_assert_eq(run(&p, (comm_input){ .base = 0 }).gross, 0);
}

Test(commission, marginal_tiers_over_the_period)
{
	comm_plan p = { .rate_pct = PCT(2), .ntiers = 3,
			.tiers = { { 0, PCT(2) }, { 1000000, PCT(4) }, { 3000000, PCT(6) } } };
	/* all in the first tier */
	cr_assert_eq(run(&p, (comm_input){ .base = 500000 }).gross, 10000);
	/* crossing one boundary: 1,000,000 x 2 % + 500,000 x 4 % */
	comm_result r = run(&p, (comm_input){ .base = 1500000 });
	cr_assert_eq(r.gross, 40000);
	cr_assert_eq(r.rate_pct, money_div_round((__int128)40000 * 100 * PCT_SCALE, 1500000), "the effective rate");
	/* the period already stands at 900,000: 100,000 x 2 % + 2,000,000 x 4 % + 400,000 x 6 % */
	cr_assert_eq(run(&p, (comm_input){ .base = 2500000, .period_before = 900000 }).gross, 2000 + 80000 + 24000);
	/* entirely in the top tier */
	cr_assert_eq(run(&p, (comm_input){ .base = 100000, .period_before = 5000000 }).gross, 6000);
	cr_assert_eq(comm_tier_rate(&p, 999999), PCT(2));
	cr_assert_eq(comm_tier_rate(&p, 1000000), PCT(4));
	/* rounded once over the whole line, not per tier: 1 unit at 2 % and 25 at 4 % = 0.02 + 1 = 1.02 -> 1 */
	cr_assert_eq(run(&p, (comm_input){ .base = 26, .period_before = 999999 }).gross, 1);
}

Test(commission, cap_per_contract)
{
	comm_plan p = { .rate_pct = PCT(4), .cap = 50000 };
	comm_result r = run(&p, (comm_input){ .base = 1000000 });
	cr_assert_eq(r.gross, 40000);
	cr_assert_eq(r.capped, 0);
	r = run(&p, (comm_input){ .base = 1000000, .contract_before = 40000 });
	cr_assert_eq(r.gross, 10000);
	cr_assert_eq(r.capped, 1);
	r = run(&p, (comm_input){ .base = 1000000, .contract_before = 60000 });
	cr_assert_eq(r.gross, 0, "nothing past the cap, never negative");
}

Test(commission, category_rates_and_fees)
{
	comm_plan p = { .rate_pct = PCT(5) };
	/* 600,000 of the base is machinery at 8 %; the rest at the plan's 5 % */
	comm_input in = { .base = 1000000, .nparts = 1, .part_amount = { 600000 }, .part_rate_pct = { PCT(8) } };
	comm_result r = run(&p, in);
	cr_assert_eq(r.gross, 48000 + 20000);
	/* two fees of 10 % and 2.5 % */
	in.nfees = 2;
	in.fee_pct[0] = PCT(10);
	in.fee_pct[1] = 25000;
	r = run(&p, in);
	cr_assert_eq(r.fee_amount[0], 6800);
	cr_assert_eq(r.fee_amount[1], 1700);
	cr_assert_eq(r.deductions, 8500);
	cr_assert_eq(r.amount, 68000 - 8500);
}

Test(commission, bad_inputs_refused)
{
	comm_plan p = { .rate_pct = PCT(5) };
	comm_result r;
	cr_assert_eq(comm_compute(&p, &(comm_input){ .base = -1 }, &r), -1);
	cr_assert_eq(comm_compute(&p, &(comm_input){ .base = MONEY_MAX + 1 }, &r), -1);
	cr_assert_eq(comm_compute(&p, &(comm_input){ .base = 10, .nparts = 1, .part_amount = { 11 } }, &r), -1);
	cr_assert_eq(comm_compute(&p, &(comm_input){ .base = 10, .nfees = 1, .fee_pct = { PCT(101) } }, &r), -1);
	/* the largest amount at 100 % does not overflow */
	p.rate_pct = PCT(100);
	cr_assert_eq(comm_compute(&p, &(comm_input){ .base = MONEY_MAX }, &r), 0);
	cr_assert_eq(r.gross, MONEY_MAX);
}

Test(commission, split_adds_up_exactly)
{
	int64_t w[3] = { 1, 1, 1 }, out[3];
	comm_split(100, w, 3, out);
	cr_assert_eq(out[0] + out[1] + out[2], 100);
	cr_assert(out[0] >= 33 && out[0] <= 34);
	int64_t w2[2] = { 0, 0 };
	comm_split(100, w2, 2, out);
	cr_assert_eq(out[0] + out[1], 0, "no weights: nothing to split by");
	int64_t w3[2] = { 3, 1 };
	comm_split(1000001, w3, 2, out);
	cr_assert_eq(out[0] + out[1], 1000001);
	cr_assert_eq(out[0], 750001);
}
