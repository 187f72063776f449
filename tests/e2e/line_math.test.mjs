// Unit tests of the web app's line arithmetic (web/src/utils/lineMath.ts): the live totals
// of the line-item editor must follow the server's rule exactly (integer minor units,
// per line, half away from zero). No browser: the module is compiled with the project's
// TypeScript and imported from a data: URL.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { importWebModule } from './webmodule.mjs'

const math = await importWebModule('web/src/utils/lineMath.ts')

test('roundDiv rounds halves away from zero', () => {
  const cases = [[5n, 2n, 3n], [-5n, 2n, -3n], [4n, 3n, 1n], [-4n, 3n, -1n], [5n, -2n, -3n], [1n, 2n, 1n], [-1n, 2n, -1n], [1n, 3n, 0n], [0n, 7n, 0n]]
  for (const [n, d, expected] of cases) assert.equal(math.roundDiv(n, d), expected, `${n}/${d}`)
})

test('parseDecimal takes up to the allowed decimals, exactly', () => {
  assert.deepEqual(math.parseDecimal('1.500', 3), { value: 15n, scale: 1 })
  assert.deepEqual(math.parseDecimal('0.125', 3), { value: 125n, scale: 3 })
  assert.deepEqual(math.parseDecimal(2, 3), { value: 2n, scale: 0 })
  assert.deepEqual(math.parseDecimal('.5', 3), { value: 5n, scale: 1 })
  assert.equal(math.parseDecimal('0.1234', 3), null)
  assert.equal(math.parseDecimal('1e3', 3), null)
  assert.equal(math.parseDecimal('', 3), null)
  assert.equal(math.parseDecimal('abc', 3), null)
})

test('a line: amount, discount on the amount, tax on what is left', () => {
  // 3 × ¥12.35 = 3705 fen; 10% of it = 370.5 → 371; 13% of 3334 = 433.42 → 433
  assert.deepEqual(math.lineFigures({ quantity: '3', unitPrice: 1235, discountPercent: '10', taxRatePercent: '13' }), {
    amount: 3705, discount: 371, tax: 433, total: 3767,
  })
  // 1.5 × 333 = 499.5 → 500; 2.5% of 500 = 12.5 → 13; 6% of 487 = 29.22 → 29
  assert.deepEqual(math.lineFigures({ quantity: '1.5', unitPrice: 333, discountPercent: '2.5', taxRatePercent: 6 }), {
    amount: 500, discount: 13, tax: 29, total: 516,
  })
  // Negative prices (credits) round away from zero too: 1.5 × −333 = −499.5 → −500
  assert.equal(math.lineFigures({ quantity: '1.5', unitPrice: -333 }).amount, -500)
  // No discount or tax given: zero.
  assert.deepEqual(math.lineFigures({ quantity: '0.001', unitPrice: 500 }), { amount: 1, discount: 0, tax: 0, total: 1 })
  assert.equal(math.lineFigures({ quantity: '0.001', unitPrice: 499 }).amount, 0)
  // Incomplete or invalid lines have no figures.
  assert.equal(math.lineFigures({ quantity: '', unitPrice: 100 }), null)
  assert.equal(math.lineFigures({ quantity: '1', unitPrice: null }), null)
  assert.equal(math.lineFigures({ quantity: '1.0001', unitPrice: 100 }), null)
  assert.equal(math.lineFigures({ quantity: '1', unitPrice: 100, taxRatePercent: 'x' }), null)
})

test('a document: sums of its lines, per-line rounding (not rounding of the sum)', () => {
  // Each line 0.5 fen of tax rounds up to 1: three lines → 3, not round(1.5) = 2.
  const line = { quantity: '1', unitPrice: 5, taxRatePercent: '10' }
  assert.deepEqual(math.documentFigures([line, line, line]), { subtotal: 15, discount: 0, tax: 3, total: 18 })
  assert.deepEqual(math.documentFigures([]), { subtotal: 0, discount: 0, tax: 0, total: 0 })
})

test('large amounts and many lines stay exact', () => {
  // 999,999.999 × ¥99,999,999.99 would overflow doubles' exact range in the product.
  const big = math.lineFigures({ quantity: '999.999', unitPrice: 9_999_999_999, discountPercent: '0.01', taxRatePercent: '13' })
  const amount = (999_999n * 9_999_999_999n + 500n) / 1000n
  assert.equal(big.amount, Number(amount))
  const lines = Array.from({ length: 1000 }, (_, i) => ({ quantity: '1.001', unitPrice: 100 + i, taxRatePercent: '6' }))
  const figures = math.documentFigures(lines)
  let subtotal = 0
  let tax = 0
  for (const l of lines) {
    const f = math.lineFigures(l)
    subtotal += f.amount
    tax += f.tax
  }
  assert.deepEqual(figures, { subtotal, discount: 0, tax, total: subtotal + tax })
})

test('major units as typed become exact minor units', () => {
  assert.equal(math.majorToMinor('1280.5', 2), 128050)
  assert.equal(math.majorToMinor('0.07', 2), 7)
  assert.equal(math.majorToMinor(19.99, 2), 1999)
  assert.equal(math.majorToMinor('1.005', 2), null)
  assert.equal(math.majorToMinor('100', 0), 100)
  assert.equal(math.sumMinor([100, 250, null, 50]), 400)
})
