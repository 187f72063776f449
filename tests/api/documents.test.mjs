// documents.test.mjs - issue 7, from quote to cash, on SQLite and PostgreSQL: opportunity -> quote
// (two versions) -> accepted -> order -> contract -> three instalments -> partial and full payments ->
// invoices; the money rule of docs/api.md recomputed here with BigInt; and the refusals (bad status
// moves, a plan that does not add up, over-payment, over-invoicing, another rep's contract, bad
// input), each answered with a 4xx and changing nothing.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { api, assertError, login, startServer } from './lib/server.mjs'
import { createDepartments, createUsers, loginUsers, must, runJobs } from './lib/company.mjs'

let server
let admin
let s // sessions: rep1, rep2, fin, mgr
let users
const fx = {}

// ---- the rule of docs/api.md, independently: exact decimals as BigInt -----------------------

/** "12.345" -> 12345n at `decimals` places (test inputs are well-formed). */
function scaled(text, decimals) {
  const [whole, frac = ''] = String(text).split('.')
  return BigInt(whole || '0') * 10n ** BigInt(decimals) + BigInt((frac + '0'.repeat(decimals)).slice(0, decimals) || '0')
}
/** num / den rounded half away from zero. */
function divRound(num, den) {
  const neg = num < 0n
  const a = neg ? -num : num
  let q = a / den
  if (2n * (a % den) >= den) q += 1n
  return neg ? -q : q
}
function lineFigures({ quantity, unit_price, discount_percent = '0', tax_rate_percent = '0' }) {
  const amount = divRound(scaled(quantity, 3) * BigInt(unit_price), 1000n)
  const discount = divRound(amount * scaled(discount_percent, 4), 1000000n)
  const tax = divRound((amount - discount) * scaled(tax_rate_percent, 4), 1000000n)
  return { amount, discount, tax, total: amount - discount + tax }
}
const cny = (amount) => ({ amount: Number(amount), currency: 'CNY' })

function checkFigures(doc, specs) {
  const sum = { amount: 0n, discount: 0n, tax: 0n, total: 0n }
  assert.equal(doc.lines.length, specs.length)
  specs.forEach((spec, i) => {
    const f = lineFigures(spec)
    const line = doc.lines[i]
    assert.deepEqual(line.amount, cny(f.amount), `line ${i} amount`)
    assert.deepEqual(line.discount_amount, cny(f.discount), `line ${i} discount`)
    assert.deepEqual(line.tax_amount, cny(f.tax), `line ${i} tax`)
    assert.deepEqual(line.total, cny(f.total), `line ${i} total`)
    assert.equal(line.position, i + 1)
    for (const k of Object.keys(sum)) sum[k] += f[k]
  })
  assert.deepEqual(doc.subtotal, cny(sum.amount))
  assert.deepEqual(doc.discount, cny(sum.discount))
  assert.deepEqual(doc.tax, cny(sum.tax))
  assert.deepEqual(doc.total, cny(sum.total))
}

const call = (session, method, path, body) => api(server, method, path, { session, body })
const get = async (session, path) => must(call(session, 'GET', path), 200, `GET ${path}`)

/** Asserts a 4xx with `code` and, when given, the per-field codes; returns the error. */
function refused(res, status, code, fields) {
  assertError(res, status, code)
  if (fields) for (const [k, v] of Object.entries(fields)) assert.equal(res.json.error.fields?.[k], v, `${k}: ${res.text}`)
  return res.json.error
}

before(async () => {
  server = await startServer()
  admin = await login(server)
  const depts = await createDepartments(server, admin, [{ key: 'sales', name: '销售一部' }, { key: 'fin', name: '财务部' }])
  users = await createUsers(server, admin, depts, [
    { key: 'rep1', name: '王伟', dept: 'sales', roles: ['sales_rep'] },
    { key: 'rep2', name: '李娜', dept: 'sales', roles: ['sales_rep'] },
    { key: 'fin', name: '赵敏', dept: 'fin', roles: ['finance'] },
  ])
  s = await loginUsers(server, users)
  fx.product = await must(call(admin, 'POST', '/api/products', { code: 'CNC-1', name: '数控机床', unit: '台', list_price: cny(123456) }), 201)
  fx.customer = await must(call(s.rep1, 'POST', '/api/customers', { name: '北京华夏机械有限公司' }), 201)
  fx.opportunity = await must(call(s.rep1, 'POST', '/api/opportunities', { customer_id: fx.customer.id, name: '机床项目', stage: 'proposal' }), 201)
})

after(async () => {
  await server?.stop()
})

describe('quotes', () => {
  const specs = [
    { product_id: 0, quantity: '3', unit_price: 123456, discount_percent: '10', tax_rate_percent: '13' },
    { description: '安装调试', quantity: 1.5, unit_price: 1 },
    { description: '备件', quantity: '2.125', unit_price: 399, discount_percent: 12.5, tax_rate_percent: 6 },
  ]
  const body = () => ({
    opportunity_id: fx.opportunity.id,
    currency: 'CNY',
    title: '数控机床报价',
    lines: specs.map(({ product_id, unit_price, ...l }) =>
      product_id === 0 ? { product_id: fx.product.id, ...l } : { ...l, unit_price: cny(unit_price) }),
  })

  it('prices the lines on the server by the one rule and numbers the quote', async () => {
    const q = await must(call(s.rep1, 'POST', '/api/quotes', body()), 201)
    assert.equal(q.customer_id, fx.customer.id, 'the customer comes from the opportunity')
    assert.equal(q.status, 'draft')
    assert.equal(q.revision, 1)
    assert.match(q.number, /^BJ-\d{4}-\d{4}$/)
    assert.equal(q.lines[0].description, '数控机床', 'a product fills in its name')
    assert.equal(q.lines[0].unit, '台')
    assert.deepEqual(q.lines[0].unit_price, cny(123456), 'and its list price')
    checkFigures(q, specs)
    // 3 x 1234.56 = 3703.68; 10% = 370.368 -> 370.37; 13% of 3333.31 = 433.33
    assert.deepEqual(q.lines[0].discount_amount, cny(37037))
    assert.deepEqual(q.lines[0].tax_amount, cny(43333))
    assert.deepEqual(q.lines[1].amount, cny(2), '1.5 x 0.01 = 0.015 rounds half away from zero')
    assert.deepEqual(await get(s.rep1, `/api/quotes/${q.id}`), q, 'GET answers what POST did')
    fx.quote = q
  })

  it('keeps half-cents, large amounts and many lines exact', async () => {
    const lines = [
      { description: 'half', quantity: '0.5', unit_price: cny(1), discount_percent: '50' },
      { description: 'big', quantity: '999999.999', unit_price: cny(999999999) },
      ...Array.from({ length: 200 }, (_, i) => ({ description: `件${i}`, quantity: '0.333', unit_price: cny(1 + i), tax_rate_percent: '13' })),
    ]
    const q = await must(call(s.rep1, 'POST', '/api/quotes', { customer_id: fx.customer.id, lines }), 201)
    checkFigures(q, lines.map((l) => ({ ...l, unit_price: l.unit_price.amount })))
    assert.deepEqual(q.lines[0].amount, cny(1))
    assert.deepEqual(q.lines[0].total, cny(0), 'a discount of half a cent rounds to a cent')
    assert.deepEqual(q.lines[1].amount, cny(999999998000000))
    const huge = await call(s.rep1, 'POST', '/api/quotes', { customer_id: fx.customer.id, lines: [{ description: 'x', quantity: '999999999', unit_price: cny(999999999999) }] })
    refused(huge, 422, 'validation_failed', { 'lines.0.quantity': 'out_of_range' })
    await must(call(s.rep1, 'DELETE', `/api/quotes/${q.id}`), 204)
  })

  it('refuses bad lines with the item named, and changes nothing', async () => {
    const before = await get(s.rep1, `/api/quotes?filter[customer_id]=${fx.customer.id}`)
    const cases = [
      [{ lines: 'x' }, { lines: 'invalid_type' }],
      [{ lines: [{ description: 'a', quantity: '1.2345', unit_price: 1 }] }, { 'lines.0.quantity': 'too_many_decimals' }],
      [{ lines: [{ description: 'a', quantity: '-1', unit_price: 1 }] }, { 'lines.0.quantity': 'out_of_range' }],
      [{ lines: [{ description: 'a', quantity: 'abc', unit_price: 1 }] }, { 'lines.0.quantity': 'invalid_number' }],
      [{ lines: [{ description: 'a', unit_price: 1 }] }, { 'lines.0.quantity': 'required' }],
      [{ lines: [{ quantity: 1, unit_price: 1 }] }, { 'lines.0.description': 'required' }],
      [{ lines: [{ description: 'a', quantity: 1, unit_price: { amount: 1, currency: 'USD' } }] }, { 'lines.0.unit_price': 'currency_mismatch' }],
      [{ lines: [{ description: 'a', quantity: 1, unit_price: 1.5 }] }, { 'lines.0.unit_price': 'invalid_amount' }],
      [{ lines: [{ description: 'a', quantity: 1, unit_price: 1, discount_percent: '101' }] }, { 'lines.0.discount_percent': 'out_of_range' }],
      [{ lines: [{ description: 'a', quantity: 1, unit_price: 1, colour: 'red' }] }, { 'lines.0.colour': 'unknown_field' }],
      [{ lines: [{ description: 'a', quantity: 1, unit_price: 1 }, 7] }, { 'lines.1': 'invalid_type' }],
      [{ currency: 'cny' }, { currency: 'invalid_currency' }],
      [{ status: 'sent' }, { status: 'invalid_transition' }],
      [{ subtotal: cny(1) }, { subtotal: 'read_only' }],
      [{ number: 'X-1' }, { number: 'read_only' }],
    ]
    for (const [extra, fields] of cases) {
      const res = await call(s.rep1, 'POST', '/api/quotes', { customer_id: fx.customer.id, ...extra })
      refused(res, 422, 'validation_failed', fields)
    }
    const other = await must(call(admin, 'POST', '/api/customers', { name: '上海别家有限公司' }), 201)
    const mismatch = await call(admin, 'POST', '/api/quotes', { customer_id: other.id, opportunity_id: fx.opportunity.id })
    refused(mismatch, 422, 'validation_failed', { opportunity_id: 'customer_mismatch' })
    const draft = await must(call(admin, 'POST', '/api/quotes', { customer_id: fx.customer.id, opportunity_id: fx.opportunity.id }), 201)
    refused(await call(admin, 'PATCH', `/api/quotes/${draft.id}`, { version: draft.version, customer_id: other.id }), 422, 'validation_failed', { opportunity_id: 'customer_mismatch' })
    await must(call(admin, 'DELETE', `/api/quotes/${draft.id}`), 204)
    const afterList = await get(s.rep1, `/api/quotes?filter[customer_id]=${fx.customer.id}`)
    assert.equal(afterList.total, before.total, 'nothing was added')
  })

  it('moves draft -> sent -> accepted only, keeps a sent quote read-only, and revises it', async () => {
    const q = fx.quote
    refused(await call(s.rep1, 'PATCH', `/api/quotes/${q.id}`, { version: q.version, status: 'accepted' }), 422, 'validation_failed', { status: 'invalid_transition' })
    const bad = await call(s.rep1, 'PATCH', `/api/quotes/${q.id}`, { version: q.version, lines: [{ description: 'x', quantity: '1.0001', unit_price: 1 }] })
    refused(bad, 422, 'validation_failed', { 'lines.0.quantity': 'too_many_decimals' })
    assert.deepEqual(await get(s.rep1, `/api/quotes/${q.id}`), q, 'nothing changed')
    const sent = await must(call(s.rep1, 'PATCH', `/api/quotes/${q.id}`, { version: q.version, status: 'sent' }), 200)
    refused(await call(s.rep1, 'PATCH', `/api/quotes/${q.id}`, { version: sent.version, title: '改' }), 422, 'validation_failed', { title: 'read_only' })
    refused(await call(s.rep1, 'PATCH', `/api/quotes/${q.id}`, { version: sent.version, lines: [] }), 422, 'validation_failed', { lines: 'read_only' })

    // version 2: the same number, one more line, the old one superseded and still readable
    const lines = [...sent.lines.map(({ id, ...l }) => l), { description: '培训', quantity: 2, unit_price: cny(50000), tax_rate_percent: '6' }]
    const v2 = await must(call(s.rep1, 'POST', `/api/quotes/${q.id}/revise`, { lines, valid_until: '2027-03-31' }), 201)
    assert.equal(v2.number, q.number)
    assert.equal(v2.revision, 2)
    assert.equal(v2.previous_id, q.id)
    assert.equal(v2.status, 'draft')
    assert.equal(v2.lines.length, 4)
    checkFigures(v2, [...specs, { quantity: '2', unit_price: 50000, tax_rate_percent: '6' }])
    const old = await get(s.rep1, `/api/quotes/${q.id}`)
    assert.equal(old.status, 'superseded')
    assert.equal(old.superseded_by_id, v2.id)
    assert.deepEqual(old.lines, sent.lines, 'the old version keeps its lines')
    refused(await call(s.rep1, 'PATCH', `/api/quotes/${q.id}`, { version: old.version, status: 'accepted' }), 422, 'validation_failed', { status: 'invalid_transition' })
    refused(await call(s.rep1, 'POST', `/api/quotes/${v2.id}/revise`), 422, 'validation_failed', { status: 'invalid_transition' })

    // lines of a draft are replaced as a set; kept ids stay; history records the change
    const edited = await must(call(s.rep1, 'PATCH', `/api/quotes/${v2.id}`, { version: v2.version, lines: v2.lines.slice(0, 3) }), 200)
    assert.deepEqual(edited.lines.map((l) => l.id), v2.lines.slice(0, 3).map((l) => l.id))
    const hist = await get(s.rep1, `/api/quotes/${v2.id}/history`)
    const change = hist.data[0].changes.find((c) => c.field === 'lines')
    assert.equal(change.old.length, 4)
    assert.equal(change.new.length, 3)
    // a removed line's id is gone: naming it again is refused; without the id it is a new line
    refused(await call(s.rep1, 'PATCH', `/api/quotes/${v2.id}`, { version: edited.version, lines: v2.lines }), 422, 'validation_failed', { 'lines.3.id': 'not_found' })
    const readded = v2.lines.map(({ id, ...l }, i) => (i === 3 ? l : { id, ...l }))
    const again = await must(call(s.rep1, 'PATCH', `/api/quotes/${v2.id}`, { version: edited.version, lines: readded }), 200)
    checkFigures(again, [...specs, { quantity: '2', unit_price: 50000, tax_rate_percent: '6' }])
    const sent2 = await must(call(s.rep1, 'PATCH', `/api/quotes/${v2.id}`, { version: again.version, status: 'sent' }), 200)
    fx.quote2 = await must(call(s.rep1, 'PATCH', `/api/quotes/${v2.id}`, { version: sent2.version, status: 'accepted' }), 200)
    fx.quote1 = old
  })

  it('expire once sent and past their valid-until date (daily job)', async () => {
    const q = await must(call(s.rep1, 'POST', '/api/quotes', { customer_id: fx.customer.id, valid_until: '2026-01-31', lines: [{ description: '旧报价', quantity: 1, unit_price: 100 }] }), 201)
    const draft = await must(call(s.rep1, 'POST', '/api/quotes', { customer_id: fx.customer.id, valid_until: '2026-01-31' }), 201)
    await must(call(s.rep1, 'PATCH', `/api/quotes/${q.id}`, { version: q.version, status: 'sent' }), 200)
    const report = await runJobs(server, null, { force: true })
    assert.ok(report.jobs.quotes_expire.expired >= 1, JSON.stringify(report))
    const expired = await get(s.rep1, `/api/quotes/${q.id}`)
    assert.equal(expired.status, 'expired')
    assert.equal((await get(s.rep1, `/api/quotes/${q.id}/history`)).data[0].action, 'expire')
    assert.equal((await get(s.rep1, `/api/quotes/${draft.id}`)).status, 'draft', 'a draft does not expire')
    await must(call(s.rep1, 'DELETE', `/api/quotes/${draft.id}`), 204)
    await must(call(s.rep1, 'DELETE', `/api/quotes/${q.id}`), 204)
  })

  it('has no routes for lines, and describes them in the parent', async () => {
    assertError(await call(admin, 'GET', '/api/quote_lines'), 404, 'not_found')
    assertError(await call(admin, 'GET', `/api/quote_lines/${fx.quote2.lines[0].id}`), 404, 'not_found')
    assertError(await call(admin, 'POST', '/api/quote_lines', { description: 'x' }), 404, 'not_found')
    const meta = await get(s.rep1, '/api/meta')
    assert.ok(!meta.entities.some((e) => e.name === 'quote_lines'))
    const quotes = meta.entities.find((e) => e.name === 'quotes')
    const lines = quotes.children.find((c) => c.name === 'lines')
    assert.ok(lines.fields.some((f) => f.name === 'quantity' && f.type === 'decimal' && f.scale === 3))
    assert.ok(lines.fields.find((f) => f.name === 'total').read_only)
  })
})

describe('orders', () => {
  it('come from an accepted quote and move only along the allowed statuses', async () => {
    refused(await call(s.rep1, 'POST', '/api/orders', { quote_id: fx.quote1.id }), 422, 'validation_failed', { quote_id: 'not_accepted' })
    const o = await must(call(s.rep1, 'POST', '/api/orders', { quote_id: fx.quote2.id }), 201)
    assert.equal(o.customer_id, fx.customer.id)
    assert.equal(o.opportunity_id, fx.opportunity.id)
    assert.equal(o.status, 'pending')
    assert.match(o.number, /^DD-\d{4}-\d{4}$/)
    assert.deepEqual(o.total, fx.quote2.total)
    assert.equal(o.lines.length, fx.quote2.lines.length)
    assert.equal(o.payment_status, 'unpaid')
    refused(await call(s.rep1, 'PATCH', `/api/orders/${o.id}`, { version: o.version, status: 'shipped' }), 422, 'validation_failed', { status: 'invalid_transition' })
    const c1 = await must(call(s.rep1, 'PATCH', `/api/orders/${o.id}`, { version: o.version, status: 'confirmed' }), 200)
    refused(await call(s.rep1, 'PATCH', `/api/orders/${o.id}`, { version: c1.version, lines: [] }), 422, 'validation_failed', { lines: 'read_only' })
    const c2 = await must(call(s.rep1, 'PATCH', `/api/orders/${o.id}`, { version: c1.version, status: 'shipped' }), 200)
    refused(await call(s.rep1, 'PATCH', `/api/orders/${o.id}`, { version: c2.version, status: 'cancelled' }), 422, 'validation_failed', { status: 'invalid_transition' })
    fx.order = await must(call(s.rep1, 'PATCH', `/api/orders/${o.id}`, { version: c2.version, status: 'completed' }), 200)
    // a direct order, cancelled
    const d = await must(call(s.rep1, 'POST', '/api/orders', { customer_id: fx.customer.id, lines: [{ description: '配件', quantity: 1, unit_price: 100 }] }), 201)
    const x = await must(call(s.rep1, 'PATCH', `/api/orders/${d.id}`, { version: d.version, status: 'cancelled' }), 200)
    refused(await call(s.rep1, 'PATCH', `/api/orders/${d.id}`, { version: x.version, status: 'pending' }), 422, 'validation_failed', { status: 'invalid_transition' })
  })
})

describe('contracts, payment plans, payments, invoices', () => {
  const AMOUNT = 1_000_000 // 10,000.00 yuan

  it('numbers a signed contract and offers to win the opportunity', async () => {
    refused(await call(s.rep1, 'POST', '/api/contracts', { customer_id: fx.customer.id, status: 'signed', amount: cny(AMOUNT) }), 422, 'validation_failed', { signed_on: 'required' })
    refused(await call(s.rep1, 'POST', '/api/contracts', { customer_id: fx.customer.id, amount: cny(AMOUNT), start_on: '2027-01-01', end_on: '2026-01-01' }), 422, 'validation_failed', { end_on: 'before_start' })
    refused(await call(s.rep1, 'POST', '/api/contracts', { quote_id: fx.quote1.id }), 422, 'validation_failed', { quote_id: 'not_accepted' })
    refused(await call(s.rep1, 'POST', '/api/contracts', { customer_id: fx.customer.id, amount: cny(0) }), 422, 'validation_failed', { amount: 'invalid_amount' })
    refused(await call(s.rep1, 'POST', '/api/contracts', { customer_id: fx.customer.id }), 422, 'validation_failed', { amount: 'required' })
    const c = await must(call(s.rep1, 'POST', '/api/contracts', {
      customer_id: fx.customer.id, opportunity_id: fx.opportunity.id, quote_id: fx.quote2.id, order_id: fx.order.id,
      amount: cny(AMOUNT), signed_on: '2026-11-01', start_on: '2026-11-01', end_on: '2027-12-31',
      our_signatory_id: users.rep1.id, customer_signatory: '张总',
    }), 201)
    assert.match(c.number, /^HT-\d{4}-\d{4}$/)
    assert.equal(c.status, 'signed')
    assert.deepEqual(c.received, cny(0))
    assert.deepEqual(c.outstanding, cny(AMOUNT))
    assert.equal(c.offer_win_opportunity, true)
    assert.deepEqual(c.installments, [])
    // winning it, on its own request, with the opportunity's history
    const won = await must(call(s.rep1, 'PATCH', `/api/contracts/${c.id}`, { version: c.version, win_opportunity: true }), 200)
    assert.equal(won.offer_win_opportunity, false)
    const opp = await get(s.rep1, `/api/opportunities/${fx.opportunity.id}`)
    assert.equal(opp.stage, 'won')
    assert.equal(opp.probability, 100)
    const h = await get(s.rep1, `/api/opportunities/${fx.opportunity.id}/history`)
    assert.equal(h.data[0].action, 'won')
    fx.contract = won
  })

  it('hides another rep\'s contract (404) everywhere', async () => {
    const id = fx.contract.id
    assertError(await call(s.rep2, 'GET', `/api/contracts/${id}`), 404, 'not_found')
    assertError(await call(s.rep2, 'PATCH', `/api/contracts/${id}`, { version: fx.contract.version, name: 'x' }), 404, 'not_found')
    assertError(await call(s.rep2, 'PUT', `/api/contracts/${id}/payment_plan`, { installments: [] }), 404, 'not_found')
    assertError(await call(s.rep2, 'GET', `/api/contracts/${id}/history`), 404, 'not_found')
    assertError(await call(s.rep2, 'GET', `/api/customers/${fx.customer.id}/summary`), 404, 'not_found')
    // refused as missing, never with a hint about its balance
    for (const amount of [cny(1), cny(999_999_999), { amount: 1, currency: 'USD' }]) {
      const p = refused(await call(s.rep2, 'POST', '/api/payments', { contract_id: id, amount, received_on: '2026-11-02' }), 422, 'validation_failed', { contract_id: 'not_found' })
      assert.equal(p.fields.amount, undefined)
      assert.equal(p.outstanding, undefined)
      const i = refused(await call(s.rep2, 'POST', '/api/invoices', { contract_id: id, amount, buyer_title: 'x' }), 422, 'validation_failed', { contract_id: 'not_found' })
      assert.equal(i.fields.amount, undefined)
    }
    refused(await call(s.rep2, 'POST', '/api/quotes', { opportunity_id: fx.opportunity.id }), 422, 'validation_failed', { opportunity_id: 'not_found' })
    refused(await call(s.rep2, 'POST', '/api/orders', { quote_id: fx.quote2.id }), 422, 'validation_failed', { quote_id: 'not_found' })
    refused(await call(s.rep2, 'POST', '/api/contracts', { quote_id: fx.quote2.id }), 422, 'validation_failed', { quote_id: 'not_found' })
    const list = await get(s.rep2, '/api/contracts')
    assert.ok(!list.data.some((c) => c.id === id))
    assert.equal((await get(s.fin, `/api/contracts/${id}`)).id, id, 'finance sees every contract')
  })

  it('takes a payment plan that adds up to the amount, and nothing else', async () => {
    const id = fx.contract.id
    const plan = [
      { due_on: '2026-01-15', amount: cny(300_000) }, // already due: overdue until paid
      { due_on: '2027-03-15', amount: cny(300_000) },
      { due_on: '2027-09-15', amount: cny(400_000), note: '验收款' },
    ]
    const short = await call(s.rep1, 'PUT', `/api/contracts/${id}/payment_plan`, { installments: [...plan.slice(0, 2), { due_on: '2027-09-15', amount: cny(399_999) }] })
    const err = refused(short, 422, 'validation_failed', { installments: 'sum_mismatch' })
    assert.deepEqual(err.planned, cny(999_999))
    refused(await call(s.rep1, 'PUT', `/api/contracts/${id}/payment_plan`, { installments: [{ due_on: '2027-01-01', amount: { amount: AMOUNT, currency: 'USD' } }] }), 422, 'validation_failed', { 'installments.0.amount': 'currency_mismatch' })
    refused(await call(s.rep1, 'PUT', `/api/contracts/${id}/payment_plan`, { installments: [{ due_on: '2027-02-30', amount: cny(AMOUNT) }] }), 422, 'validation_failed', { 'installments.0.due_on': 'invalid_date' })
    refused(await call(s.rep1, 'PUT', `/api/contracts/${id}/payment_plan`, { installments: 'x' }), 422, 'validation_failed', { installments: 'invalid_type' })
    refused(await call(s.rep1, 'PUT', `/api/contracts/${id}/payment_plan`, { plan }), 422, 'validation_failed', { plan: 'unknown_field' })
    assert.deepEqual(await get(s.rep1, `/api/contracts/${id}`), fx.contract, 'nothing changed')
    const c = await must(call(s.fin, 'PUT', `/api/contracts/${id}/payment_plan`, { installments: plan }), 200)
    assert.equal(c.installments.length, 3)
    assert.deepEqual(c.installments.map((i) => i.status), ['overdue', 'due', 'due'])
    assert.deepEqual(c.overdue, cny(300_000))
    assert.deepEqual(c.outstanding, cny(AMOUNT))
    const h = await get(s.rep1, `/api/contracts/${id}/history`)
    assert.ok(h.data[0].changes.some((x) => x.field === 'installments' && x.new.length === 3))
    refused(await call(s.rep1, 'PATCH', `/api/contracts/${id}`, { version: c.version, amount: cny(AMOUNT + 1) }), 422, 'validation_failed', { installments: 'sum_mismatch' })
    fx.contract = c
  })

  it('records partial and full payments against the instalments, and refuses over-payment', async () => {
    const id = fx.contract.id
    const [i1, i2, i3] = fx.contract.installments.map((i) => i.id)
    const p1 = await must(call(s.rep1, 'POST', '/api/payments', { contract_id: id, installment_id: i1, amount: cny(100_000), received_on: '2026-11-05', method: 'bank_transfer', payer: '北京华夏机械有限公司' }), 201)
    assert.equal(p1.customer_id, fx.customer.id)
    assert.deepEqual(p1.allocations.map(({ installment_id, amount }) => ({ installment_id, amount })), [{ installment_id: i1, amount: cny(100_000) }])
    let c = await get(s.rep1, `/api/contracts/${id}`)
    assert.deepEqual(c.received, cny(100_000))
    assert.deepEqual(c.outstanding, cny(900_000))
    assert.deepEqual(c.overdue, cny(200_000))
    assert.equal(c.installments[0].status, 'overdue')

    // spread over several: the rest of the first, then the second
    const p2 = await must(call(s.fin, 'POST', '/api/payments', { contract_id: id, amount: cny(500_000), received_on: '2026-11-20', method: 'acceptance_bill' }), 201)
    assert.deepEqual(p2.allocations.map(({ installment_id, amount }) => ({ installment_id, amount })),
      [{ installment_id: i1, amount: cny(200_000) }, { installment_id: i2, amount: cny(300_000) }])
    c = await get(s.rep1, `/api/contracts/${id}`)
    assert.deepEqual(c.installments.map((i) => i.status), ['paid', 'paid', 'due'])
    assert.deepEqual(c.overdue, cny(0))

    // more than is outstanding: refused, nothing recorded
    const before = await get(s.fin, `/api/payments?filter[contract_id]=${id}`)
    const over = await call(s.rep1, 'POST', '/api/payments', { contract_id: id, installment_id: i3, amount: cny(400_001), received_on: '2026-11-21' })
    const err = refused(over, 422, 'validation_failed', { amount: 'over_payment' })
    assert.deepEqual(err.outstanding, cny(400_000))
    refused(await call(s.rep1, 'POST', '/api/payments', { contract_id: id, amount: cny(0), received_on: '2026-11-21' }), 422, 'validation_failed', { amount: 'invalid_amount' })
    refused(await call(s.rep1, 'POST', '/api/payments', { contract_id: id, amount: { amount: 1, currency: 'USD' }, received_on: '2026-11-21' }), 422, 'validation_failed', { amount: 'currency_mismatch' })
    refused(await call(s.rep1, 'POST', '/api/payments', { contract_id: id, installment_id: 999999, amount: cny(1), received_on: '2026-11-21' }), 422, 'validation_failed', { installment_id: 'not_found' })
    refused(await call(s.rep1, 'POST', '/api/payments', { contract_id: id, amount: cny(1) }), 422, 'validation_failed', { received_on: 'required' })
    refused(await call(s.rep1, 'POST', '/api/payments', { contract_id: id, amount: cny(1), received_on: '2026-11-21', method: 'bitcoin' }), 422, 'validation_failed', { method: 'invalid_option' })
    assert.equal((await get(s.fin, `/api/payments?filter[contract_id]=${id}`)).total, before.total, 'nothing recorded')

    // the last instalment in full
    const p3 = await must(call(s.rep1, 'POST', '/api/payments', { contract_id: id, installment_id: i3, amount: cny(400_000), received_on: '2026-11-25' }), 201)
    c = await get(s.rep1, `/api/contracts/${id}`)
    assert.deepEqual(c.received, cny(AMOUNT))
    assert.deepEqual(c.outstanding, cny(0))
    assert.deepEqual(c.installments.map((i) => i.status), ['paid', 'paid', 'paid'])

    // a prepayment beyond the amount is allowed when marked; deleting it takes it back out
    refused(await call(s.rep1, 'POST', '/api/payments', { contract_id: id, amount: cny(1), received_on: '2026-11-26' }), 422, 'validation_failed', { amount: 'over_payment' })
    const pre = await must(call(s.fin, 'POST', '/api/payments', { contract_id: id, amount: cny(5_000), received_on: '2026-11-26', prepayment: true }), 201)
    assert.deepEqual(pre.allocations, [])
    assert.deepEqual((await get(s.rep1, `/api/contracts/${id}`)).received, cny(AMOUNT + 5_000))
    await must(call(s.fin, 'DELETE', `/api/payments/${pre.id}`), 204)
    assert.deepEqual((await get(s.rep1, `/api/contracts/${id}`)).received, cny(AMOUNT))
    await must(call(s.fin, 'POST', `/api/payments/${pre.id}/restore`), 200)
    await must(call(s.fin, 'DELETE', `/api/payments/${pre.id}`), 204)

    // a payment deleted and entered again cannot come back from the recycle bin on top of it
    await must(call(s.fin, 'DELETE', `/api/payments/${p3.id}`), 204)
    assert.deepEqual((await get(s.rep1, `/api/contracts/${id}`)).outstanding, cny(400_000))
    await must(call(s.fin, 'POST', '/api/payments', { contract_id: id, amount: cny(400_000), received_on: '2026-11-25', reference: '重录' }), 201)
    assertError(await call(s.fin, 'POST', `/api/payments/${p3.id}/restore`), 409, 'conflict')
    assert.deepEqual((await get(s.rep1, `/api/contracts/${id}`)).received, cny(AMOUNT), 'nothing changed')

    // a recorded payment's figures do not change; a paid instalment cannot go
    refused(await call(s.fin, 'PATCH', `/api/payments/${p1.id}`, { version: p1.version, amount: cny(1) }), 422, 'validation_failed', { amount: 'read_only' })
    await must(call(s.fin, 'PATCH', `/api/payments/${p1.id}`, { version: p1.version, reference: 'BANK-001' }), 200)
    refused(await call(s.fin, 'PUT', `/api/contracts/${id}/payment_plan`, { installments: [{ due_on: '2027-01-01', amount: cny(AMOUNT) }] }), 422, 'validation_failed', { installments: 'has_payments' })
    assertError(await call(s.rep1, 'DELETE', `/api/contracts/${id}`), 409, 'conflict')
    fx.contract = await get(s.rep1, `/api/contracts/${id}`)
    fx.payment = p1
  })

  it('issues invoices up to the contract amount, beyond it only with a recorded override', async () => {
    const id = fx.contract.id
    refused(await call(s.rep1, 'POST', '/api/invoices', { contract_id: id, type: 'vat_special', amount: cny(600_000), buyer_title: '北京华夏机械有限公司' }), 422, 'validation_failed', { buyer_tax_number: 'required' })
    const inv = await must(call(s.rep1, 'POST', '/api/invoices', {
      contract_id: id, payment_id: fx.payment.id, type: 'vat_special', amount: cny(600_000), tax_rate_percent: '13',
      buyer_title: '北京华夏机械有限公司', buyer_tax_number: '91110000123456789X',
    }), 201)
    assert.equal(inv.status, 'requested')
    assert.equal(inv.customer_id, fx.customer.id)
    assert.deepEqual(inv.tax, cny(Number(divRound(600_000n * 130000n, 1130000n))), 'tax included: amount x 13 / 113')
    refused(await call(s.rep1, 'POST', '/api/invoices', { contract_id: id, amount: cny(100), tax: cny(101), buyer_title: 'x' }), 422, 'validation_failed', { tax: 'invalid_amount' })
    refused(await call(s.rep1, 'POST', '/api/invoices', { contract_id: id, amount: cny(100), buyer_title: 'x', type: 'paper' }), 422, 'validation_failed', { type: 'invalid_option' })
    refused(await call(s.rep1, 'POST', '/api/invoices', { contract_id: id, amount: cny(100) }), 422, 'validation_failed', { buyer_title: 'required' })
    const over = await call(s.rep1, 'POST', '/api/invoices', { contract_id: id, amount: cny(400_001), buyer_title: '北京华夏机械有限公司' })
    const err = refused(over, 422, 'validation_failed', { amount: 'over_invoicing' })
    assert.deepEqual(err.invoiced, cny(600_000))
    const forced = await must(call(s.fin, 'POST', '/api/invoices', { contract_id: id, amount: cny(400_001), buyer_title: '北京华夏机械有限公司', override: true }), 201)
    const h = await get(s.fin, `/api/invoices/${forced.id}/history`)
    assert.ok(h.data[0].changes.some((c) => c.field === 'override' && c.new === true), 'the override is in the history')

    // requested -> issued (finance; a number is needed) -> void; nothing else
    assertError(await call(s.rep1, 'PATCH', `/api/invoices/${inv.id}`, { version: inv.version, status: 'issued', number: '04412345' }), 404, 'not_found')
    refused(await call(s.fin, 'PATCH', `/api/invoices/${inv.id}`, { version: inv.version, status: 'issued' }), 422, 'validation_failed', { number: 'required' })
    const issued = await must(call(s.fin, 'PATCH', `/api/invoices/${inv.id}`, { version: inv.version, status: 'issued', number: '04412345' }), 200)
    assert.match(issued.issued_on, /^\d{4}-\d\d-\d\d$/)
    refused(await call(s.fin, 'PATCH', `/api/invoices/${inv.id}`, { version: issued.version, status: 'requested' }), 422, 'validation_failed', { status: 'invalid_transition' })
    refused(await call(s.fin, 'PATCH', `/api/invoices/${inv.id}`, { version: issued.version, amount: cny(1) }), 422, 'validation_failed', { amount: 'read_only' })
    await must(call(s.fin, 'PATCH', `/api/invoices/${forced.id}`, { version: forced.version, status: 'void', void_reason: '超额' }), 200)
    // a deleted invoice comes back only while it fits
    const small = await must(call(s.rep1, 'POST', '/api/invoices', { contract_id: id, amount: cny(300_000), buyer_title: '北京华夏机械有限公司' }), 201)
    await must(call(s.fin, 'DELETE', `/api/invoices/${small.id}`), 204)
    const fill = await must(call(s.rep1, 'POST', '/api/invoices', { contract_id: id, amount: cny(400_000), buyer_title: '北京华夏机械有限公司' }), 201)
    assertError(await call(s.fin, 'POST', `/api/invoices/${small.id}/restore`), 409, 'conflict')
    await must(call(s.fin, 'DELETE', `/api/invoices/${fill.id}`), 204)
    await must(call(s.fin, 'POST', `/api/invoices/${small.id}/restore`), 200)
    await must(call(s.fin, 'DELETE', `/api/invoices/${small.id}`), 204)
    const c = await get(s.rep1, `/api/contracts/${id}`)
    assert.deepEqual(c.invoiced, cny(600_000), 'void invoices do not count')
    const ok = await must(call(s.rep1, 'POST', '/api/invoices', { contract_id: id, amount: cny(400_000), buyer_title: '北京华夏机械有限公司' }), 201)
    assert.equal(ok.override, false)
  })

  it('sums the documents of the customer and the opportunity', async () => {
    const cs = await get(s.rep1, `/api/customers/${fx.customer.id}/summary`)
    assert.deepEqual(cs.lifetime_value, cny(AMOUNT))
    assert.deepEqual(cs.received, cny(AMOUNT))
    assert.deepEqual(cs.outstanding, cny(0))
    assert.deepEqual(cs.invoiced, cny(1_000_000))
    assert.equal(cs.contracts.count, 1)
    assert.equal(cs.quotes.count, 1, 'the superseded version is not counted')
    assert.deepEqual(cs.quotes.total, fx.quote2.total)
    assert.equal(cs.orders.count, 1, 'the cancelled order is not counted')
    const os = await get(s.rep1, `/api/opportunities/${fx.opportunity.id}/summary`)
    assert.deepEqual(os.lifetime_value, cny(AMOUNT))
    const rel = await get(s.rep1, `/api/customers/${fx.customer.id}/payments`)
    assert.equal(rel.total, 3)
    assert.equal((await get(s.rep1, `/api/opportunities/${fx.opportunity.id}/payments`)).total, 3)
    assert.equal((await get(s.rep1, `/api/opportunities/${fx.opportunity.id}/invoices`)).total, 3)
    const qrel = await get(s.rep1, `/api/opportunities/${fx.opportunity.id}/quotes`)
    assert.equal(qrel.total, 2, 'both versions are listed')
  })
})

describe('concurrent payments', () => {
  it('never add up to more than the contract amount', async () => {
    const c = await must(call(s.rep1, 'POST', '/api/contracts', { customer_id: fx.customer.id, amount: cny(1000), signed_on: '2026-11-01' }), 201)
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      call(i % 2 ? s.fin : s.rep1, 'POST', '/api/payments', { contract_id: c.id, amount: cny(300), received_on: '2026-11-28' })))
    const statuses = results.map((r) => r.status).sort()
    assert.deepEqual(statuses.filter((x) => x === 201).length, 3, statuses.join(','))
    for (const r of results) if (r.status !== 201) refused(r, 422, 'validation_failed', { amount: 'over_payment' })
    const after = await get(s.rep1, `/api/contracts/${c.id}`)
    assert.deepEqual(after.received, cny(900))
    assert.deepEqual(after.outstanding, cny(100))
  })
})

describe('numbering', () => {
  it('takes admin patterns and refuses bad ones', async () => {
    assertError(await call(s.rep1, 'PUT', '/api/settings/numbering', { contracts: 'X-{seq}' }), 403, 'forbidden')
    for (const bad of ['HT-{yyyy}', 'HT-{seq}-{seq}', 'HT {seq}', 'HT-{year}-{seq}', 'HT-{seq:0}']) {
      refused(await call(admin, 'PUT', '/api/settings/numbering', { contracts: bad }), 422, 'validation_failed', { contracts: 'invalid_pattern' })
    }
    refused(await call(admin, 'PUT', '/api/settings/numbering', { tickets: 'T-{seq}' }), 422, 'validation_failed', { tickets: 'unknown_field' })
    const set = await must(call(admin, 'PUT', '/api/settings/numbering', { contracts: 'SH{yy}{mm}-{seq:3}' }), 200)
    assert.equal(set.contracts, 'SH{yy}{mm}-{seq:3}')
    assert.equal(set.quotes, 'BJ-{yyyy}-{seq:4}')
    const c = await must(call(s.rep1, 'POST', '/api/contracts', { customer_id: fx.customer.id, amount: cny(100) }), 201)
    assert.match(c.number, /^SH\d{4}-001$/)
    assert.equal(c.status, 'draft')
    const c2 = await must(call(s.rep1, 'POST', '/api/contracts', { customer_id: fx.customer.id, amount: cny(100) }), 201)
    assert.match(c2.number, /^SH\d{4}-002$/)
  })
})
