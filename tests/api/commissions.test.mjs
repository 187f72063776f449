// Commissions (docs/api.md "Commissions"): versioned plans and fee rules, the versions pinned to
// a contract when it is signed, statements from the payments received, closed months with
// adjustment lines, deductions the rep acknowledges, the preview, and who may read what.
//
// The story of issue 8: a rep signs a contract under plan v1 (5 %); an admin then adds plan v2
// (3 %, even dated back) and a new fee rule; a payment arrives; the rep's statement shows 5 %
// under v1 with no deduction.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { createDepartments, createUsers, loginUsers } from './lib/company.mjs'
import { api, assertError, login, startServer } from './lib/server.mjs'

const CNY = (amount) => ({ amount, currency: 'CNY' })

describe('commissions', () => {
  let server, admin, s, u, customer, c1, c2
  const thisMonth = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7)

  const post = (who, path, body) => api(server, 'POST', path, { session: who, body })
  const get = (who, path, query) => api(server, 'GET', path, { session: who, query })
  const must = async (p, status) => {
    const r = await p
    assert.equal(r.status, status, r.text)
    return r.json
  }
  const statement = (who, query) => must(get(who, '/api/commissions/statements', query), 200)

  before(async () => {
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '3600' } })
    admin = await login(server)
    const depts = await createDepartments(server, admin, [{ key: 'east', name: '华东' }, { key: 'west', name: '西部' }])
    u = await createUsers(server, admin, depts, [
      { key: 'mgr', name: '李经理', dept: 'east', roles: ['sales_manager'] },
      { key: 'rep', name: '王销售', dept: 'east', manager: 'mgr', roles: ['sales_rep'] },
      { key: 'rep2', name: '赵销售', dept: 'west', roles: ['sales_rep'] },
      { key: 'fin', name: '钱财务', dept: 'east', roles: ['finance'] },
    ])
    s = await loginUsers(server, u)
    customer = await must(post(s.rep, '/api/customers', { name: '北京华夏机械有限公司' }), 201)
  })
  after(() => server?.stop())

  test('plans: finance and admins create versions by name; bad input 422 and nothing changed', async () => {
    assertError(await post(s.rep, '/api/commission_plans', { name: 'x', effective_from: '2026-01-01', basis: 'payments', rate_percent: 5 }), 403, 'forbidden')
    const bad = [
      {},
      { effective_from: '2026-01-01', basis: 'payments', rate_percent: 5 },
      { name: 'Std', effective_from: '2026-02-30', basis: 'payments', rate_percent: 5 },
      { name: 'Std', effective_from: '2026-01-01', basis: 'profit', rate_percent: 5 },
      { name: 'Std', effective_from: '2026-01-01', basis: 'payments', rate_percent: 101 },
      { name: 'Std', effective_from: '2026-01-01', basis: 'payments', rate_percent: '5.12345' },
      { name: 'Std', effective_from: '2026-01-01', basis: 'payments', rate_percent: 5, colour: 'red' },
      { name: 'Std', effective_from: '2026-01-01', basis: 'payments', rate_percent: 5, tiers: [{ from: CNY(100), rate_percent: 6 }, { from: CNY(50), rate_percent: 7 }] },
      { name: 'Std', effective_from: '2026-01-01', basis: 'payments', rate_percent: 5, user_ids: [999999] },
      { name: 'Std', effective_from: '2026-01-01', basis: 'payments', rate_percent: 5, roles: ['nobody'] },
      { name: 'Std', effective_from: '2026-01-01', basis: 'payments', rate_percent: 5, cap: { amount: -1, currency: 'CNY' } },
    ]
    for (const body of bad) assertError(await post(admin, '/api/commission_plans', body), 422, 'validation_failed', JSON.stringify(body))
    assertError(await api(server, 'POST', '/api/commission_plans', { session: admin, body: '{', raw: true, headers: { 'content-type': 'application/json' } }), 400)
    assert.equal((await must(get(admin, '/api/commission_plans'), 200)).total, 0, 'nothing created')

    const v1 = await must(post(s.fin, '/api/commission_plans', { name: '标准提成', effective_from: '2026-01-01', basis: 'payments', rate_percent: 5 }), 201)
    assert.equal(v1.version, 1)
    assert.equal(v1.rate_percent, 5)
    assert.equal(v1.basis, 'payments')
    assert.deepEqual(v1.user_ids, [])
    // everyone may read the plans (a rep can always see how their commission is computed)
    const list = await must(get(s.rep, '/api/commission_plans'), 200)
    assert.equal(list.total, 1)
    assert.equal((await must(get(s.rep, `/api/commission_plans/${v1.id}`), 200)).name, '标准提成')
    assertError(await get(s.rep, '/api/commission_plans/999999'), 404, 'not_found')
  })

  test('the story: signed under v1 (5 %), then v2 (3 %) and a fee rule, the payment earns 5 % under v1, no deduction', async () => {
    c1 = await must(post(s.rep, '/api/contracts', { customer_id: customer.id, amount: CNY(50_000_000), signed_on: '2026-03-05' }), 201)
    assert.equal(c1.status, 'signed')
    assert.equal(c1.owner_id, u.rep.id)
    // afterwards: a new plan version at 3 %, dated back before the signing, and a new fee rule
    const v2 = await must(post(admin, '/api/commission_plans', { name: '标准提成', effective_from: '2026-01-01', basis: 'payments', rate_percent: 3 }), 201)
    assert.equal(v2.version, 2)
    const fee = await must(post(admin, '/api/commission_fee_rules', { name: '平台服务费', effective_from: '2026-01-01', rate_percent: 10, reason: '新增内部费用' }), 201)
    assert.equal(fee.version, 1)
    // a payment arrives
    const pay = await must(post(admin, '/api/payments', { contract_id: c1.id, amount: CNY(10_000_000), received_on: '2026-03-20', method: 'bank_transfer' }), 201)

    const st = await statement(s.rep, { user_id: u.rep.id, month: '2026-03' })
    assert.equal(st.lines.length, 1, JSON.stringify(st))
    const [line] = st.lines
    assert.equal(line.contract_id, c1.id)
    assert.equal(line.payment_id, pay.id)
    assert.equal(line.plan_version, 1)
    assert.equal(line.rate_percent, 5)
    assert.deepEqual(line.deductions, CNY(0))
    assert.deepEqual(line.amount, CNY(500_000))
    assert.deepEqual(line.fees, [])
    assert.deepEqual(st.total.amount, CNY(500_000))
    assert.equal(st.closed, false)
    // the contract's own view says which versions it was pinned to
    const cc = await must(get(s.rep, `/api/contracts/${c1.id}/commission`), 200)
    assert.equal(cc.plan.version, 1)
    assert.deepEqual(cc.fee_rules, [])
    assert.equal(cc.lines.length, 1)
  })

  test('a contract signed after v2 and the fee rule earns 3 % less the fee, shown with its reason', async () => {
    c2 = await must(post(s.rep, '/api/contracts', { customer_id: customer.id, amount: CNY(1_000_000), signed_on: '2026-04-02' }), 201)
    await must(post(admin, '/api/payments', { contract_id: c2.id, amount: CNY(333_333), received_on: '2026-04-10', method: 'bank_transfer' }), 201)
    const st = await statement(s.rep, { month: '2026-04' })
    assert.equal(st.user_id, u.rep.id)
    assert.equal(st.lines.length, 1)
    const [l] = st.lines
    assert.equal(l.plan_version, 2)
    assert.equal(l.rate_percent, 3)
    // 333333 x 3 % = 9999.99 -> 10000 (half away from zero); fee 10 % = 1000
    assert.deepEqual(l.gross, CNY(10_000))
    assert.deepEqual(l.deductions, CNY(1_000))
    assert.deepEqual(l.amount, CNY(9_000))
    assert.equal(l.fees[0].reason, '新增内部费用')
  })

  test('who reads a statement: the rep, their manager, finance; another rep is refused', async () => {
    assertError(await get(s.rep2, '/api/commissions/statements', { user_id: u.rep.id, month: '2026-03' }), 403, 'forbidden')
    const own = await statement(s.rep2, { month: '2026-03' })
    assert.deepEqual(own.lines, [])
    assert.deepEqual(own.total.amount, CNY(0))
    assert.equal((await statement(s.mgr, { user_id: u.rep.id, month: '2026-03' })).lines.length, 1)
    assert.equal((await statement(s.fin, { user_id: u.rep.id, month: '2026-03' })).lines.length, 1)
    assertError(await get(s.rep, '/api/commissions/statements', { month: '2026-13' }), 422, 'validation_failed')
    assertError(await get(s.rep, '/api/commissions/statements', { month: 'March' }), 422, 'validation_failed')
    assertError(await get(s.rep, '/api/commissions/statements', { user_id: 'x' }), 422, 'validation_failed')
    assertError(await get(s.fin, '/api/commissions/statements', { user_id: 999999 }), 404, 'not_found')
  })

  test('finance closes a month: it is locked, a late correction shows as an adjustment line', async () => {
    assertError(await post(s.rep, '/api/commissions/months/2026-03/close', {}), 403, 'forbidden')
    assertError(await post(s.fin, '/api/commissions/months/2026-3/close', {}), 422, 'validation_failed')
    assertError(await post(s.fin, '/api/commissions/months/2999-01/close', {}), 422, 'validation_failed')
    const closed = await must(post(s.fin, '/api/commissions/months/2026-03/close', {}), 200)
    assert.equal(closed.closed, true)
    assertError(await post(s.fin, '/api/commissions/months/2026-03/close', {}), 409, 'conflict')
    assert.equal((await must(get(s.rep, '/api/commissions/months'), 200)).data[0].month, '2026-03')

    // a payment of March recorded late: March stays as it was closed
    const late = await must(post(admin, '/api/payments', { contract_id: c1.id, amount: CNY(2_000_000), received_on: '2026-03-28', method: 'bank_transfer' }), 201)
    const march = await statement(s.rep, { month: '2026-03' })
    assert.equal(march.closed, true)
    assert.equal(march.lines.length, 1)
    assert.deepEqual(march.total.amount, CNY(500_000))
    // ...and April, the next open month, shows it as an adjustment of March at v1's 5 %
    const april = await statement(s.rep, { month: '2026-04' })
    const adj = april.lines.find((l) => l.kind === 'adjustment')
    assert.ok(adj, JSON.stringify(april))
    assert.equal(adj.for_month, '2026-03')
    assert.equal(adj.payment_id, late.id)
    assert.equal(adj.plan_version, 1)
    assert.deepEqual(adj.amount, CNY(100_000))
    assert.deepEqual(april.total.amount, CNY(109_000))

    // closing April freezes the adjustment; it is not repeated in May
    await must(post(admin, '/api/commissions/months/2026-04/close', {}), 200)
    const may = await statement(s.rep, { month: '2026-05' })
    assert.deepEqual(may.lines, [])
    assert.deepEqual((await statement(s.rep, { month: '2026-04' })).total.amount, CNY(109_000))
  })

  test('a deduction added to a signed contract waits for the rep, then shows as its own line with its reason', async () => {
    assertError(await post(s.rep, `/api/contracts/${c1.id}/commission_deductions`, { amount: CNY(10_000), reason: 'x' }), 403, 'forbidden')
    for (const body of [{ reason: '展会费分摊' }, { amount: CNY(0), reason: 'x' }, { amount: CNY(10_000) }, { amount: CNY(10_000), reason: 'x', extra: 1 },
      { amount: { amount: 10_000, currency: 'USD' }, reason: 'x' }]) {
      assertError(await post(s.fin, `/api/contracts/${c1.id}/commission_deductions`, body), 422, 'validation_failed', JSON.stringify(body))
    }
    assertError(await post(s.fin, '/api/contracts/999999/commission_deductions', { amount: CNY(10_000), reason: 'x' }), 404, 'not_found')
    const d = await must(post(s.fin, `/api/contracts/${c1.id}/commission_deductions`, { amount: CNY(10_000), reason: '展会费分摊' }), 201)
    assert.equal(d.status, 'pending')
    assert.equal(d.user_id, u.rep.id)

    let now = await statement(s.rep, { month: thisMonth })
    assert.equal(now.lines.filter((l) => l.kind === 'deduction').length, 0, 'not counted before the rep acknowledges it')
    assert.equal(now.pending_deductions.length, 1)
    assert.equal(now.pending_deductions[0].reason, '展会费分摊')

    assertError(await post(s.rep2, `/api/commissions/deductions/${d.id}/acknowledge`, {}), 404, 'not_found')
    const ack = await must(post(s.rep, `/api/commissions/deductions/${d.id}/acknowledge`, {}), 200)
    assert.equal(ack.status, 'acknowledged')
    assertError(await post(s.rep, `/api/commissions/deductions/${d.id}/acknowledge`, {}), 409, 'conflict')

    now = await statement(s.rep, { month: thisMonth })
    const line = now.lines.find((l) => l.kind === 'deduction')
    assert.ok(line, JSON.stringify(now))
    assert.equal(line.reason, '展会费分摊')
    assert.equal(line.contract_id, c1.id)
    assert.deepEqual(line.amount, CNY(-10_000))
    assert.equal(now.pending_deductions.length, 0)
    assert.equal((await must(get(s.rep, '/api/commissions/deductions'), 200)).total, 1)
    assert.equal((await must(get(s.rep2, '/api/commissions/deductions'), 200)).total, 0)
  })

  test('preview: what the caller would earn today under the plan and fee rules in force', async () => {
    const p = await must(get(s.rep, '/api/commissions/preview', { amount: 1_000_000, currency: 'CNY' }), 200)
    assert.equal(p.plan.version, 2)
    assert.equal(p.rate_percent, 3)
    assert.deepEqual(p.gross, CNY(30_000))
    assert.deepEqual(p.deductions, CNY(3_000))
    assert.deepEqual(p.amount, CNY(27_000))
    assertError(await get(s.rep, '/api/commissions/preview', {}), 422, 'validation_failed')
    assertError(await get(s.rep, '/api/commissions/preview', { amount: '12.5' }), 422, 'validation_failed')
    assertError(await get(s.rep, '/api/commissions/preview', { amount: 100, currency: 'cny' }), 422, 'validation_failed')
    const opp = await must(post(s.rep, '/api/opportunities', { customer_id: customer.id, name: '二期设备', amount: CNY(2_000_000) }), 201)
    const po = await must(get(s.rep, '/api/commissions/preview', { opportunity_id: opp.id }), 200)
    assert.deepEqual(po.amount, CNY(54_000))
    assertError(await get(s.rep2, '/api/commissions/preview', { opportunity_id: opp.id }), 404, 'not_found')
  })

  test('tiers, caps and a plan for named users; basis contract_amount accrues once', async () => {
    const users = await createUsers(server, admin, {}, [{ key: 'star', name: '孙明星', roles: ['sales_rep'] }])
    const star = await login(server, users.star.username, users.star.password)
    const plan = await must(post(admin, '/api/commission_plans', {
      name: '明星计划', effective_from: '2026-01-01', basis: 'payments', rate_percent: 2, user_ids: [users.star.id],
      tiers: [{ from: CNY(0), rate_percent: 2 }, { from: CNY(1_000_000), rate_percent: 4 }], cap: CNY(50_000),
    }), 201)
    assert.equal(plan.tiers.length, 2)
    const cust = await must(post(star, '/api/customers', { name: '上海明星贸易' }), 201)
    const k = await must(post(star, '/api/contracts', { customer_id: cust.id, amount: CNY(3_000_000), signed_on: '2026-06-01' }), 201)
    await must(post(admin, '/api/payments', { contract_id: k.id, amount: CNY(1_500_000), received_on: '2026-06-10', method: 'bank_transfer' }), 201)
    await must(post(admin, '/api/payments', { contract_id: k.id, amount: CNY(1_000_000), received_on: '2026-06-20', method: 'bank_transfer' }), 201)
    const st = await statement(star, { month: '2026-06' })
    // first: 1,000,000 x 2 % + 500,000 x 4 % = 40,000; second: 1,000,000 x 4 % = 40,000, capped at 50,000 - 40,000
    assert.deepEqual(st.lines.map((l) => l.gross.amount), [40_000, 10_000])
    assert.equal(st.lines[1].capped, true)
    // the named plan wins over the general one, and the fee rule applies to everyone
    assert.ok(st.lines.every((l) => l.plan_name === '明星计划'))
  })

  test('a draft signed later is pinned when it is signed; a payment of a closed month taken back is a negative adjustment', async () => {
    const draft = await must(post(s.rep, '/api/contracts', { customer_id: customer.id, amount: CNY(1_000_000) }), 201)
    assert.equal(draft.status, 'draft')
    // a version that comes into force before it is signed applies; one written afterwards does not
    await must(post(admin, '/api/commission_plans', { name: '标准提成', effective_from: '2026-05-01', basis: 'payments', rate_percent: 4 }), 201)
    const signed = await must(api(server, 'PATCH', `/api/contracts/${draft.id}`, { session: s.rep, body: { version: draft.version, status: 'signed', signed_on: '2026-05-03' } }), 200)
    await must(post(admin, '/api/commission_plans', { name: '标准提成', effective_from: '2026-05-01', basis: 'payments', rate_percent: 1 }), 201)
    await must(api(server, 'PATCH', `/api/contracts/${draft.id}`, { session: s.rep, body: { version: signed.version, notes: '改了备注' } }), 200)
    const pay = await must(post(admin, '/api/payments', { contract_id: draft.id, amount: CNY(100_000), received_on: '2026-05-20', method: 'bank_transfer' }), 201)
    let may = await statement(s.rep, { month: '2026-05' })
    assert.equal(may.lines.length, 1)
    assert.equal(may.lines[0].plan_version, 3)
    assert.equal(may.lines[0].rate_percent, 4)
    assert.deepEqual(may.lines[0].gross, CNY(4_000))
    assert.deepEqual(may.lines[0].amount, CNY(3_600), 'the fee rule in force on the signed date applies')

    await must(post(s.fin, '/api/commissions/months/2026-05/close', {}), 200)
    assert.equal((await api(server, 'DELETE', `/api/payments/${pay.id}`, { session: admin })).status, 204)
    may = await statement(s.rep, { month: '2026-05' })
    assert.deepEqual(may.total.amount, CNY(3_600), 'a closed month does not change')
    const june = await statement(s.rep, { month: '2026-06' })
    const back = june.lines.find((l) => l.kind === 'adjustment' && l.payment_id === pay.id)
    assert.ok(back, JSON.stringify(june))
    assert.equal(back.for_month, '2026-05')
    assert.deepEqual(back.amount, CNY(-3_600))
  })
})
