/*
 * money.h - exact arithmetic for documents (quotes, orders, invoices):
 * amounts in integer minor units (fen, cents), quantities with up to 3
 * decimals, percents with up to 4 decimals, all parsed from text without
 * floating point.  Products are computed in 128 bits and rounded once, half
 * away from zero; a result that does not fit an int64 (or exceeds
 * MONEY_MAX) is reported, never wrapped.
 *
 * Rounding rule of a line (issue 7, docs/api.md):
 *   amount   = round(quantity x unit_price)
 *   discount = round(amount x discount_percent / 100)
 *   tax      = round((amount - discount) x tax_rate_percent / 100)
 * and a document's subtotal, discount, tax and total are sums of its lines.
 */
#ifndef RAPPORT_MONEY_H
#define RAPPORT_MONEY_H

#include <stdbool.h>
#include <stdint.h>

#define QTY_SCALE 1000           /* quantities: thousandths */
#define QTY_DECIMALS 3
#define PCT_SCALE 10000          /* percents: 1/10000 of a percent point (12.5% = 125000) */
#define PCT_DECIMALS 4
/* Largest amount any document figure may reach: 10^15 minor units (10 trillion yuan). */
#define MONEY_MAX INT64_C(1000000000000000)

enum money_err {
	MONEY_OK = 0,
	MONEY_INVALID,           /* not a number */
	MONEY_TOO_MANY_DECIMALS,
	MONEY_OUT_OF_RANGE,      /* too large, or negative where it may not be */
};

/* Parses "12.345" (digits, optional point and up to `decimals` digits, an
 * optional leading '-' when allow_negative) into an integer scaled by
 * 10^decimals.  Leading/trailing blanks are not accepted. */
enum money_err money_parse_scaled(const char *s, int decimals, bool allow_negative, int64_t max, int64_t *out);

/* Rounds num / den (den > 0) to the nearest integer, halves away from zero. */
__int128 money_div_round(__int128 num, __int128 den);

typedef struct money_line {
	int64_t quantity;        /* QTY_SCALE units, >= 0 */
	int64_t unit_price;      /* minor units, >= 0 */
	int64_t discount_pct;    /* PCT_SCALE units, 0..100% */
	int64_t tax_pct;         /* PCT_SCALE units, >= 0 */
	/* results */
	int64_t amount, discount, tax, total;
} money_line;

/* Computes one line's amounts by the rule above; MONEY_OUT_OF_RANGE when a
 * figure would exceed MONEY_MAX. */
enum money_err money_line_compute(money_line *l);

typedef struct money_totals {
	int64_t subtotal, discount, tax, total;
} money_totals;

/* Adds a computed line into t; MONEY_OUT_OF_RANGE past MONEY_MAX. */
enum money_err money_totals_add(money_totals *t, const money_line *l);

/* Checked a + b within +-MONEY_MAX; false on overflow. */
bool money_add(int64_t a, int64_t b, int64_t *out);

/* Formats a scaled integer as decimal text ("12.345", "0.5", "3"):
 * trailing zeros dropped. out needs 32 bytes. */
void money_format_scaled(int64_t v, int decimals, char out[32]);

#endif
