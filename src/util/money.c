/* money.c - see money.h. */
#include "money.h"

#include <stdio.h>

static int64_t pow10_64(int n)
{
	int64_t p = 1;
	while (n-- > 0)
		p *= 10;
	return p;
}

enum money_err money_parse_scaled(const char *s, int decimals, bool allow_negative, int64_t max, int64_t *out)
{
	if (!s)
		return MONEY_INVALID;
	const char *p = s;
	bool neg = false;
	if (*p == '-') {
		neg = true;
		p++;
	} else if (*p == '+') {
		p++;
	}
	__int128 whole = 0;
	int64_t frac = 0;
	int nd = 0, nf = 0;
	while (*p >= '0' && *p <= '9') {
		whole = whole * 10 + (*p++ - '0');
		if (whole > (__int128)max)
			return MONEY_OUT_OF_RANGE;
		nd++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nf == decimals) {
				/* trailing zeros beyond the scale are harmless ("1.5000") */
				const char *z = p;
				while (*z == '0')
					z++;
				if (*z >= '1' && *z <= '9')
					return MONEY_TOO_MANY_DECIMALS;
				p = z;
				break;
			}
			frac = frac * 10 + (*p++ - '0');
			nf++;
		}
	}
	if (*p || (nd == 0 && nf == 0))
		return MONEY_INVALID;
	__int128 v = whole * pow10_64(decimals) + (__int128)frac * pow10_64(decimals - nf);
	if (v > (__int128)max)
		return MONEY_OUT_OF_RANGE;
	if (neg && v && !allow_negative)
		return MONEY_OUT_OF_RANGE;
	*out = (int64_t)(neg ? -v : v);
	return MONEY_OK;
}

__int128 money_div_round(__int128 num, __int128 den)
{
	bool neg = num < 0;
	__int128 a = neg ? -num : num;
	__int128 q = a / den, r = a % den;
	if (2 * r >= den)
		q++;
	return neg ? -q : q;
}

static bool fits(__int128 v)
{
	return v <= (__int128)MONEY_MAX && v >= -(__int128)MONEY_MAX;
}

enum money_err money_line_compute(money_line *l)
{
	if (l->quantity < 0 || l->unit_price < 0 || l->discount_pct < 0 || l->discount_pct > 100 * PCT_SCALE ||
	    l->tax_pct < 0)
		return MONEY_OUT_OF_RANGE;
	__int128 amount = money_div_round((__int128)l->quantity * l->unit_price, QTY_SCALE);
	if (!fits(amount))
		return MONEY_OUT_OF_RANGE;
	__int128 discount = money_div_round(amount * l->discount_pct, (__int128)100 * PCT_SCALE);
	__int128 tax = money_div_round((amount - discount) * l->tax_pct, (__int128)100 * PCT_SCALE);
	__int128 total = amount - discount + tax;
	if (!fits(tax) || !fits(total))
		return MONEY_OUT_OF_RANGE;
	l->amount = (int64_t)amount;
	l->discount = (int64_t)discount;
	l->tax = (int64_t)tax;
	l->total = (int64_t)total;
	return MONEY_OK;
}

bool money_add(int64_t a, int64_t b, int64_t *out)
{
	__int128 s = (__int128)a + b;
	if (!fits(s))
		return false;
	*out = (int64_t)s;
	return true;
}

enum money_err money_totals_add(money_totals *t, const money_line *l)
{
	money_totals n;
	if (!money_add(t->subtotal, l->amount, &n.subtotal) || !money_add(t->discount, l->discount, &n.discount) ||
	    !money_add(t->tax, l->tax, &n.tax) || !money_add(t->total, l->total, &n.total))
		return MONEY_OUT_OF_RANGE;
	*t = n;
	return MONEY_OK;
}

void money_format_scaled(int64_t v, int decimals, char out[32])
{
	int64_t p = pow10_64(decimals);
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t whole = a / (uint64_t)p, frac = a % (uint64_t)p;
	int n = snprintf(out, 32, "%s%llu", v < 0 ? "-" : "", (unsigned long long)whole);
	if (frac && decimals > 0 && decimals < 19) {
		char f[24];
		snprintf(f, sizeof(f), "%0*llu", decimals & 31, (unsigned long long)frac);
		int k = decimals;
		while (k > 0 && f[k - 1] == '0')
			f[--k] = '\0';
		snprintf(out + n, (size_t)(32 - n), ".%s", f);
	}
}
