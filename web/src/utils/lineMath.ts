// The money arithmetic of document lines (quotes, orders), exactly as the server does it
// (issue 7, API.md "quotes"), so the line-item editor shows live totals that match what
// the server answers after saving — which stays the truth:
//
//   line amount   = round(quantity × unit price)
//   line discount = round(line amount × discount %)
//   line tax      = round((line amount − line discount) × tax rate %)
//   line total    = amount − discount + tax
//   document figures = sums of the lines' figures
//
// in integer minor units (fen, cents), rounding half away from zero. BigInt keeps it exact
// for any amount; results come back as numbers (safe up to 2^53 minor units).
// No imports: the module is unit-tested on its own (tests/e2e/line_math.test.mjs).

/** Digits after the point a quantity may have. */
export const QUANTITY_SCALE = 3
/** Digits after the point a discount or tax percentage may have. */
export const PERCENT_SCALE = 4

/** An exact decimal: value / 10^scale. */
export interface Decimal {
  value: bigint
  scale: number
}

/**
 * Parses "12", "-1.5", "0.125" or a number into an exact decimal with at most maxScale
 * digits after the point; null for anything else (empty, "1e3", too many decimals).
 */
export function parseDecimal(input: string | number | null | undefined, maxScale: number): Decimal | null {
  if (input === null || input === undefined) return null
  const text = typeof input === 'number' ? (Number.isFinite(input) ? numberText(input) : '') : input.trim()
  const match = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text) ?? /^([+-]?)()\.(\d+)$/.exec(text)
  if (!match) return null
  const [, sign, whole, fraction = ''] = match
  const digits = fraction.replace(/0+$/, '')
  if (digits.length > maxScale) return null
  const magnitude = BigInt((whole || '0') + digits)
  return { value: sign === '-' ? -magnitude : magnitude, scale: digits.length }
}

/** A number's plain decimal text, without exponent (1e-7 → "0.0000001"). */
function numberText(value: number): string {
  const text = String(value)
  if (!/e/i.test(text)) return text
  return value.toFixed(20).replace(/\.?0+$/, '')
}

/** n / d rounded to the nearest integer, halves away from zero (d ≠ 0). */
export function roundDiv(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('division by zero')
  if (d < 0n) {
    n = -n
    d = -d
  }
  const q = n / d // truncates toward zero
  const r = n % d // same sign as n
  const twice = (r < 0n ? -r : r) * 2n
  if (twice >= d) return n < 0n ? q - 1n : q + 1n
  return q
}

const pow10 = (scale: number): bigint => 10n ** BigInt(scale)

/** What one line needs: quantity and percentages as typed, the unit price in minor units. */
export interface LineInput {
  quantity: string | number | null | undefined
  /** Minor units (fen). */
  unitPrice: number | null | undefined
  discountPercent?: string | number | null
  taxRatePercent?: string | number | null
}

/** One line's figures, in minor units. */
export interface LineFigures {
  amount: number
  discount: number
  tax: number
  total: number
}

/** The document's figures: sums of its lines'. */
export interface DocumentFigures {
  subtotal: number
  discount: number
  tax: number
  total: number
}

interface ExactLine {
  amount: bigint
  discount: bigint
  tax: bigint
}

function exactLine(line: LineInput): ExactLine | null {
  const quantity = parseDecimal(line.quantity, QUANTITY_SCALE)
  if (!quantity || line.unitPrice === null || line.unitPrice === undefined || !Number.isInteger(line.unitPrice)) return null
  const emptyPercent = (value: string | number | null | undefined) => value === null || value === undefined || value === ''
  const discountRate = emptyPercent(line.discountPercent) ? { value: 0n, scale: 0 } : parseDecimal(line.discountPercent, PERCENT_SCALE)
  const taxRate = emptyPercent(line.taxRatePercent) ? { value: 0n, scale: 0 } : parseDecimal(line.taxRatePercent, PERCENT_SCALE)
  if (!discountRate || !taxRate) return null
  const amount = roundDiv(quantity.value * BigInt(line.unitPrice), pow10(quantity.scale))
  const discount = roundDiv(amount * discountRate.value, 100n * pow10(discountRate.scale))
  const tax = roundDiv((amount - discount) * taxRate.value, 100n * pow10(taxRate.scale))
  return { amount, discount, tax }
}

/** One line's amount, discount, tax and total; null while the line is incomplete or invalid. */
export function lineFigures(line: LineInput): LineFigures | null {
  const exact = exactLine(line)
  if (!exact) return null
  return {
    amount: Number(exact.amount),
    discount: Number(exact.discount),
    tax: Number(exact.tax),
    total: Number(exact.amount - exact.discount + exact.tax),
  }
}

/** The document's subtotal, discount, tax and total; incomplete lines count as zero. */
export function documentFigures(lines: readonly LineInput[]): DocumentFigures {
  let subtotal = 0n
  let discount = 0n
  let tax = 0n
  for (const line of lines) {
    const exact = exactLine(line)
    if (!exact) continue
    subtotal += exact.amount
    discount += exact.discount
    tax += exact.tax
  }
  return {
    subtotal: Number(subtotal),
    discount: Number(discount),
    tax: Number(tax),
    total: Number(subtotal - discount + tax),
  }
}

/** Major units as typed (yuan, "1280.5") → integer minor units, exactly; null if not a valid amount. */
export function majorToMinor(input: string | number | null | undefined, digits: number): number | null {
  const parsed = parseDecimal(input, digits)
  if (!parsed) return null
  return Number(parsed.value * pow10(digits - parsed.scale))
}

/** Sum of integer minor amounts (payment plans: what is left to allocate). */
export function sumMinor(amounts: readonly (number | null | undefined)[]): number {
  let total = 0n
  for (const amount of amounts) if (typeof amount === 'number' && Number.isInteger(amount)) total += BigInt(amount)
  return Number(total)
}

/** Integer minor units → exact major-unit text (128050, 2 → "1280.50"); for inputs. */
export function minorToMajorText(amount: number, digits: number): string {
  const negative = amount < 0
  const text = BigInt(Math.abs(Math.trunc(amount))).toString().padStart(digits + 1, '0')
  const major = digits > 0 ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text
  return negative ? `-${major}` : major
}
