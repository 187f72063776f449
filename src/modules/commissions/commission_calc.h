/*
 * commission_calc.h - the arithmetic of one commission line, without the
 * database: tiers by cumulative amount, rates per product category, a cap per
 * contract, fee deductions.  Rates are in money.h's PCT_SCALE (1/10000 of a
 * percent point); amounts in minor units.  Every figure is summed exactly in
 * 128 bits and rounded once, half away from zero (money_div_round).
 *
 *   base    the payment (basis "payments") or the contract amount (basis
 *           "contract_amount", with the contract's first payment)
 *   gross   sum over the base's portions of portion x rate: a portion of a
 *           product category with a rate of its own at that rate; the rest by
 *           the tiers (marginal: the part of the period's cumulative base that
 *           falls in a tier earns that tier's rate) or, without tiers, the plan's rate
 *   capped  gross limited so that the contract's commission never exceeds the cap
 *   each fee  round(capped x fee rate / 100), summed into deductions
 *   amount  capped - deductions
 */
#ifndef RAPPORT_COMMISSION_CALC_H
#define RAPPORT_COMMISSION_CALC_H

#include <stdint.h>

#define COMM_MAX_TIERS 16
#define COMM_MAX_PARTS 32
#define COMM_MAX_FEES 16

typedef struct comm_tier {
	int64_t from;          /* cumulative base where the tier starts (the first is 0) */
	int64_t rate_pct;
} comm_tier;

typedef struct comm_plan {
	int64_t rate_pct;
	comm_tier tiers[COMM_MAX_TIERS]; /* ascending from; ntiers 0: the plan's rate throughout */
	int ntiers;
	int64_t cap;           /* most commission per contract; 0: no cap */
} comm_plan;

typedef struct comm_input {
	int64_t base;
	int64_t period_before; /* cumulative base of the owner's earlier lines in the tier period */
	int64_t contract_before; /* commission (capped gross) already earned on the contract */
	/* portions of the base at rates of their own (product categories); their sum <= base */
	int64_t part_amount[COMM_MAX_PARTS];
	int64_t part_rate_pct[COMM_MAX_PARTS];
	int nparts;
	int64_t fee_pct[COMM_MAX_FEES];
	int nfees;
} comm_input;

typedef struct comm_result {
	int64_t gross;         /* after the cap */
	int64_t deductions;
	int64_t amount;
	int64_t fee_amount[COMM_MAX_FEES];
	int64_t rate_pct;      /* the effective rate (gross / base), rounded to PCT_SCALE */
	int capped;            /* 1 when the cap cut the line */
} comm_result;

/* Computes r from plan and in; -1 when an input is out of range (negative,
 * beyond MONEY_MAX), else 0. */
int comm_compute(const comm_plan *plan, const comm_input *in, comm_result *r);

/* The rate of the tier holding cumulative amount x. */
int64_t comm_tier_rate(const comm_plan *plan, int64_t x);

/* Splits total into parts proportional to weights (largest remainder, so
 * the parts add up exactly); n <= COMM_MAX_PARTS. */
void comm_split(int64_t total, const int64_t *weights, int n, int64_t *out);

#endif
