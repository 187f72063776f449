/* commission_calc.c - see commission_calc.h. */
#include "commission_calc.h"
#include "../../util/money.h"

int64_t comm_tier_rate(const comm_plan *plan, int64_t x)
{
	int64_t rate = plan->rate_pct;
	for (int i = 0; i < plan->ntiers; i++)
		if (x >= plan->tiers[i].from)
			rate = plan->tiers[i].rate_pct;
	return rate;
}

/* sum of portion x rate for [start, start + amount) across the tiers */
static __int128 tiered(const comm_plan *plan, int64_t start, int64_t amount)
{
	if (!plan->ntiers)
		return (__int128)amount * plan->rate_pct;
	__int128 sum = 0;
	int64_t x = start, end = start + amount;
	while (x < end) {
		int64_t next = end;
		for (int i = 0; i < plan->ntiers; i++)
			if (plan->tiers[i].from > x && plan->tiers[i].from < next)
				next = plan->tiers[i].from;
		sum += (__int128)(next - x) * comm_tier_rate(plan, x);
		x = next;
	}
	return sum;
}

int comm_compute(const comm_plan *plan, const comm_input *in, comm_result *r)
{
	*r = (comm_result){ 0 };
	if (in->base < 0 || in->base > MONEY_MAX || in->period_before < 0 || in->period_before > MONEY_MAX ||
	    in->contract_before < 0 || plan->cap < 0 || in->nparts > COMM_MAX_PARTS || in->nfees > COMM_MAX_FEES)
		return -1;
	__int128 num = 0;
	int64_t rest = in->base;
	for (int i = 0; i < in->nparts; i++) {
		if (in->part_amount[i] < 0 || in->part_amount[i] > rest || in->part_rate_pct[i] < 0)
			return -1;
		num += (__int128)in->part_amount[i] * in->part_rate_pct[i];
		rest -= in->part_amount[i];
	}
	/* the category portions count towards the period's cumulative base first */
	num += tiered(plan, in->period_before + (in->base - rest), rest);
	int64_t gross = (int64_t)money_div_round(num, (__int128)100 * PCT_SCALE);
	if (plan->cap > 0) {
		int64_t room = plan->cap - in->contract_before;
		if (room < 0)
			room = 0;
		if (gross > room) {
			gross = room;
			r->capped = 1;
		}
	}
	r->gross = gross;
	for (int i = 0; i < in->nfees; i++) {
		if (in->fee_pct[i] < 0 || in->fee_pct[i] > 100 * PCT_SCALE)
			return -1;
		r->fee_amount[i] = (int64_t)money_div_round((__int128)gross * in->fee_pct[i], (__int128)100 * PCT_SCALE);
		r->deductions += r->fee_amount[i];
	}
	if (r->deductions > gross)
		r->deductions = gross;
	r->amount = gross - r->deductions;
	r->rate_pct = in->base ? (int64_t)money_div_round((__int128)gross * 100 * PCT_SCALE, in->base) : plan->rate_pct;
	if (!r->capped && in->base && num == (__int128)in->base * plan->rate_pct)
		r->rate_pct = plan->rate_pct; /* exactly the plan's rate: say it as written */
	return 0;
}

void comm_split(int64_t total, const int64_t *weights, int n, int64_t *out)
{
	__int128 sum = 0;
	for (int i = 0; i < n; i++)
		sum += weights[i] > 0 ? weights[i] : 0;
	if (sum == 0) {
		for (int i = 0; i < n; i++)
			out[i] = 0;
		return;
	}
	int64_t given = 0;
	__int128 rem[COMM_MAX_PARTS];
	for (int i = 0; i < n; i++) {
		__int128 w = weights[i] > 0 ? weights[i] : 0;
		out[i] = (int64_t)((__int128)total * w / sum);
		rem[i] = (__int128)total * w % sum;
		given += out[i];
	}
	/* hand out what is left, one unit each, to the largest remainders */
	for (int64_t left = total - given; left > 0; left--) {
		int best = 0;
		for (int i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		out[best]++;
		rem[best] = -1;
	}
}
