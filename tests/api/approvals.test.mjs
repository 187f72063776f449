// approvals.test.mjs - the approval engine through expenses (docs/api.md "Approvals" and
// "Expenses"): the built-in flow (below 1,000 approved at once; from 1,000 the department's
// manager; from 20,000 also the manager of the department above), the inbox, 404 for a
// non-approver, delegation while away, reject needs a comment, withdraw and resubmit keep the
// history, an approved document is not asked again unless its amount changed, 加签, flows with
// versions, finance pays only approved reimbursements, per-diem lines, cost of sale, reminders and
// escalation with `rapport jobs run --at`, one-click mail links (used once, expired refused).
// The approval cycle times seen (submitted -> decided) are printed as a diagnostic.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { api, assertError, freePort, login, startServer } from './lib/server.mjs'
import { createDepartments, createUsers, loginUsers, must, runJobs, setDepartmentManagers } from './lib/company.mjs'
import { startSmtp } from './lib/smtp.mjs'

const LINK_TTL_S = 8

const DEPTS = [
  { key: 'sales', name: '销售部' },
  { key: 'north', name: '华北大区', parent: 'sales' },
  { key: 'other', name: '华南大区', parent: 'sales' },
]
const USERS = [
  { key: 'boss', name: '赵总监', dept: 'sales', roles: ['sales_director'], email: 'boss@example.com' },
  { key: 'mgr', name: '钱经理', dept: 'north', roles: ['sales_manager'], email: 'mgr@example.com' },
  { key: 'peer', name: '孙经理', dept: 'other', roles: ['sales_manager'], email: 'peer@example.com' },
  { key: 'rep', name: '李销售', dept: 'north', roles: ['sales_rep'], email: 'rep@example.com' },
  { key: 'rep2', name: '周销售', dept: 'north', roles: ['sales_rep'] },
  { key: 'fin', name: '吴会计', roles: ['finance'] },
]

const cny = (yuan) => ({ amount: Math.round(yuan * 100), currency: 'CNY' })
const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)
const dayAfter = (n) => new Date(Date.now() + 8 * 3600_000 + n * 86_400_000).toISOString().slice(0, 10)

describe('approvals and expenses', () => {
  let server, admin, smtp, smtpPort
  let D = {}
  let U = {}
  let S = {}
  const cycles = []

  const call = (key, method, path, body) => api(server, method, path, { session: key === 'admin' ? admin : S[key], body })
  const expense = (key, body) => must(call(key, 'POST', '/api/expenses', { kind: 'request', ...body }), 201, 'create expense')
  const submit = (key, id) => must(call(key, 'POST', `/api/expenses/${id}/submit`), 200, `submit ${id}`)
  const inbox = async (key, status = 'pending') => (await must(call(key, 'GET', `/api/approvals?status=${status}`), 200)).data
  const taskFor = async (key, id) => (await inbox(key)).find((t) => t.entity === 'expenses' && t.record_id === id)
  const state = (key, id) => must(call(key, 'GET', `/api/expenses/${id}/approval`), 200)
  const get = (key, id) => must(call(key, 'GET', `/api/expenses/${id}`), 200)
  async function noteCycle(what, id) {
    const r = (await state('admin', id)).requests[0]
    cycles.push({ what, status: r.status, seconds: r.cycle_seconds })
  }

  before(async () => {
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '86400', RAPPORT_APPROVAL_LINK_TTL: String(LINK_TTL_S) } })
    admin = await login(server)
    D = await createDepartments(server, admin, DEPTS)
    U = await createUsers(server, admin, D, USERS)
    await setDepartmentManagers(server, admin, D, U, { sales: 'boss', north: 'mgr', other: 'peer' })
    S = await loginUsers(server, U)
  })
  after(async () => {
    if (cycles.length) console.log(`# approval cycle times (submitted -> decided): ${JSON.stringify(cycles)}`)
    await smtp?.stop()
    await server?.stop()
  })

  it('an expense request of 800 is approved at once, automatically, and says so', async () => {
    const e = await expense('rep', { title: '市内拜访交通', amount: cny(800) })
    assert.equal(e.approval_status, 'draft')
    const s = await submit('rep', e.id)
    assert.equal(s.approval_status, 'approved')
    assert.equal(s.approval.automatic, true)
    assert.match(s.approval.message, /1,000\.00 CNY/)
    const st = await state('rep', e.id)
    assert.equal(st.requests.length, 1)
    assert.equal(st.requests[0].automatic, true)
    assert.equal(st.requests[0].tasks.length, 0)
    assert.equal((await inbox('mgr')).length, 0, 'nobody is asked')
    const h = (await must(call('rep', 'GET', `/api/expenses/${e.id}/history`), 200)).data
    assert.ok(h.some((x) => x.action === 'auto_approve'), JSON.stringify(h))
    await noteCycle('800 CNY (automatic)', e.id)
  })

  it('one of 5,000 goes to the department manager; a non-approver gets 404', async () => {
    const e = await expense('rep', { title: '上海客户拜访', amount: cny(5000) })
    const s = await submit('rep', e.id)
    assert.equal(s.approval_status, 'pending')
    const t = await taskFor('mgr', e.id)
    assert.ok(t, 'in the manager inbox')
    for (const k of ['id', 'entity', 'record_id', 'submitted_by', 'submitted_at']) assert.ok(k in t, k)
    assert.equal(t.submitted_by, U.rep.id)
    assert.equal(t.title, '上海客户拜访')
    assert.deepEqual(t.amount, cny(5000))
    assert.equal(await taskFor('boss', e.id), undefined, 'not the director')
    // someone who is not its approver: 404, as for a step that does not exist
    for (const k of ['rep2', 'peer', 'rep', 'boss']) {
      assertError(await call(k, 'GET', `/api/approvals/${t.id}`), 404, 'not_found', k)
      assertError(await call(k, 'POST', `/api/approvals/${t.id}/approve`, {}), 404, 'not_found', k)
      assertError(await call(k, 'POST', `/api/approvals/${t.id}/reject`, { comment: 'no' }), 404, 'not_found', k)
    }
    assertError(await call('mgr', 'GET', '/api/approvals/999999'), 404, 'not_found')
    const detail = await must(call('mgr', 'GET', `/api/approvals/${t.id}`), 200)
    assert.equal(detail.record.title, '上海客户拜访')
    assert.equal(detail.request.status, 'pending')
    // while pending the expense does not change
    assertError(await call('rep', 'PATCH', `/api/expenses/${e.id}`, { version: (await get('rep', e.id)).version, title: 'x' }), 409, 'conflict')
    const done = await must(call('mgr', 'POST', `/api/approvals/${t.id}/approve`, {}), 200, 'approve')
    assert.equal(done.status, 'approved')
    assert.equal((await get('rep', e.id)).approval_status, 'approved')
    assertError(await call('mgr', 'POST', `/api/approvals/${t.id}/approve`, {}), 409, 'conflict')
    const notes = (await must(call('rep', 'GET', '/api/notifications'), 200)).data
    assert.ok(notes.some((n) => n.kind === 'approval_approved' && n.record_id === e.id), JSON.stringify(notes))
    await noteCycle('5,000 CNY (manager)', e.id)
  })

  it('one of 50,000 goes to the manager and then the director', async () => {
    const e = await expense('rep', { title: '展会差旅', amount: cny(50000) })
    await submit('rep', e.id)
    assert.equal(await taskFor('boss', e.id), undefined, 'the director waits for the manager')
    const t1 = await taskFor('mgr', e.id)
    await must(call('mgr', 'POST', `/api/approvals/${t1.id}/approve`, { comment: '同意' }), 200)
    assert.equal((await get('rep', e.id)).approval_status, 'pending')
    const t2 = await taskFor('boss', e.id)
    assert.ok(t2, 'now the director')
    assert.equal(t2.step, 2)
    await must(call('boss', 'POST', `/api/approvals/${t2.id}/approve`, {}), 200)
    const st = await state('rep', e.id)
    assert.equal(st.status, 'approved')
    assert.deepEqual(st.requests[0].tasks.map((x) => [x.approver_id, x.status]), [[U.mgr.id, 'approved'], [U.boss.id, 'approved']])
    assert.deepEqual(st.requests[0].events.map((x) => x.action), ['submit', 'approve', 'approve'])
    assert.equal(st.requests[0].events[1].comment, '同意')
    await noteCycle('50,000 CNY (manager, director)', e.id)
  })

  it('the manager is away: the delegate approves', async () => {
    const bad = [{}, { delegate_id: U.peer.id, from: today() }, { delegate_id: U.mgr.id, from: today(), to: today() },
      { delegate_id: U.peer.id, from: dayAfter(3), to: today() }, { delegate_id: U.peer.id, from: 'tomorrow', to: today() },
      { delegate_id: 99999, from: today(), to: today() }, { delegate_id: U.peer.id, from: today(), to: today(), colour: 1 }]
    for (const body of bad) assertError(await call('mgr', 'POST', '/api/delegations', body), 422, 'validation_failed', JSON.stringify(body))
    assertError(await call('rep', 'POST', '/api/delegations', { user_id: U.mgr.id, delegate_id: U.rep2.id, from: today(), to: today() }), 403, 'forbidden')
    assert.equal((await must(call('mgr', 'GET', '/api/delegations'), 200)).data.length, 0, 'nothing stored')
    const d = await must(call('mgr', 'POST', '/api/delegations', { delegate_id: U.peer.id, from: today(), to: dayAfter(3) }), 201)
    assert.equal(d.delegate_id, U.peer.id)
    const e = await expense('rep', { title: '北京培训', amount: cny(3000) })
    await submit('rep', e.id)
    assert.equal(await taskFor('mgr', e.id), undefined, 'not to the manager while away')
    const t = await taskFor('peer', e.id)
    assert.ok(t, 'to the delegate')
    assert.equal(t.assigned_from, U.mgr.id)
    await must(call('peer', 'POST', `/api/approvals/${t.id}/approve`, {}), 200)
    assert.equal((await get('rep', e.id)).approval_status, 'approved')
    await noteCycle('3,000 CNY (delegate)', e.id)
    await must(call('mgr', 'DELETE', `/api/delegations/${d.id}`), 204)
    assertError(await call('mgr', 'DELETE', `/api/delegations/${d.id}`), 404, 'not_found')
  })

  it('reject needs a comment; rejected, edited and resubmitted, withdrawn and resubmitted: the history is kept', async () => {
    const e = await expense('rep', { title: '广州调研', amount: cny(6000) })
    await submit('rep', e.id)
    const t = await taskFor('mgr', e.id)
    for (const body of [{}, { comment: '' }, { comment: '   ' }, { comment: 7 }])
      assertError(await call('mgr', 'POST', `/api/approvals/${t.id}/reject`, body), 422, 'validation_failed', JSON.stringify(body))
    assertError(await call('mgr', 'POST', `/api/approvals/${t.id}/approve`, { colour: 'red' }), 422, 'validation_failed')
    assert.equal((await taskFor('mgr', e.id))?.status, 'pending', 'nothing changed')
    assert.equal((await get('rep', e.id)).approval_status, 'pending')
    await must(call('mgr', 'POST', `/api/approvals/${t.id}/reject`, { comment: '预算过高，请压缩住宿' }), 200)
    let cur = await get('rep', e.id)
    assert.equal(cur.approval_status, 'rejected')
    const notes = (await must(call('rep', 'GET', '/api/notifications'), 200)).data
    assert.ok(notes.some((n) => n.kind === 'approval_rejected' && n.body === '预算过高，请压缩住宿'))
    await noteCycle('6,000 CNY (rejected)', e.id)
    cur = await must(call('rep', 'PATCH', `/api/expenses/${e.id}`, { version: cur.version, amount: cny(4500) }), 200)
    assert.equal((await submit('rep', e.id)).approval_status, 'pending')
    assertError(await call('rep', 'POST', `/api/expenses/${e.id}/submit`), 409, 'conflict')
    assertError(await call('rep2', 'POST', `/api/expenses/${e.id}/withdraw`), 404, 'not_found')
    const w = await must(call('rep', 'POST', `/api/expenses/${e.id}/withdraw`), 200)
    assert.equal(w.approval_status, 'withdrawn')
    assert.equal(await taskFor('mgr', e.id), undefined, 'gone from the inbox')
    assertError(await call('rep', 'POST', `/api/expenses/${e.id}/withdraw`), 409, 'conflict')
    await submit('rep', e.id)
    const t3 = await taskFor('mgr', e.id)
    await must(call('mgr', 'POST', `/api/approvals/${t3.id}/approve`, {}), 200)
    const st = await state('rep', e.id)
    assert.deepEqual(st.requests.map((r) => r.status), ['approved', 'withdrawn', 'rejected'])
    assert.deepEqual(st.requests.map((r) => r.amount.amount), [450000, 450000, 600000])
    assert.equal(st.requests[2].tasks[0].comment, '预算过高，请压缩住宿')
    const actions = (await must(call('rep', 'GET', `/api/expenses/${e.id}/history`), 200)).data.map((h) => h.action)
    for (const a of ['submit', 'reject', 'withdraw', 'approve']) assert.ok(actions.includes(a), `${a} in ${actions}`)
    await noteCycle('4,500 CNY (after withdraw)', e.id)

    // approved: not asked again for the same figures; asked again when the amount changed
    const again = await submit('rep', e.id)
    assert.equal(again.approval_status, 'approved')
    assert.equal((await state('rep', e.id)).requests.length, 3, 'no new request')
    cur = await get('rep', e.id)
    cur = await must(call('rep', 'PATCH', `/api/expenses/${e.id}`, { version: cur.version, notes: '补充说明' }), 200)
    assert.equal(cur.approval_status, 'approved', 'a note is no amount')
    cur = await must(call('rep', 'PATCH', `/api/expenses/${e.id}`, { version: cur.version, amount: cny(7000) }), 200)
    assert.equal(cur.approval_status, 'draft', 'a new amount must be approved again')
    assert.equal((await submit('rep', e.id)).approval_status, 'pending')
    const t4 = await taskFor('mgr', e.id)
    await must(call('mgr', 'POST', `/api/approvals/${t4.id}/approve`, {}), 200)
  })

  it('加签: a signer before or after oneself, for this document only', async () => {
    const e = await expense('rep', { title: '设备演示', amount: cny(2000) })
    await submit('rep', e.id)
    const t = await taskFor('mgr', e.id)
    assertError(await call('mgr', 'POST', `/api/approvals/${t.id}/add_signer`, { user_id: U.peer.id, position: 'beside' }), 422, 'validation_failed')
    assertError(await call('mgr', 'POST', `/api/approvals/${t.id}/add_signer`, { user_id: U.mgr.id }), 422, 'validation_failed')
    await must(call('mgr', 'POST', `/api/approvals/${t.id}/add_signer`, { user_id: U.peer.id, position: 'before', comment: '请先看技术方案' }), 200)
    assert.equal(await taskFor('mgr', e.id), undefined, 'the manager waits')
    const tp = await taskFor('peer', e.id)
    assert.ok(tp, 'the added signer first')
    await must(call('peer', 'POST', `/api/approvals/${tp.id}/approve`, {}), 200)
    const back = await taskFor('mgr', e.id)
    assert.equal(back?.id, t.id, 'back to the manager')
    await must(call('mgr', 'POST', `/api/approvals/${t.id}/add_signer`, { user_id: U.fin.id, position: 'after' }), 200)
    await must(call('mgr', 'POST', `/api/approvals/${t.id}/approve`, {}), 200)
    assert.equal((await get('rep', e.id)).approval_status, 'pending', 'the signer after still to come')
    const tf = await taskFor('fin', e.id)
    await must(call('fin', 'POST', `/api/approvals/${tf.id}/approve`, {}), 200)
    assert.equal((await get('rep', e.id)).approval_status, 'approved')
    await noteCycle('2,000 CNY (two signers added)', e.id)
  })

  it('flows have versions: a document in flight finishes on its own', async () => {
    assertError(await call('rep', 'GET', '/api/approval_flows'), 403, 'forbidden')
    const flow = await must(call('admin', 'GET', '/api/approval_flows/expenses'), 200)
    assert.equal(flow.version, 1)
    assert.equal(flow.builtin, true)
    assert.equal(flow.definition.auto_approve_below, 100000)
    const e = await expense('rep', { title: '版本测试', amount: cny(1500) })
    await submit('rep', e.id)
    for (const body of [{ steps: 'x' }, { steps: [{ approvers: { type: 'nobody' } }] }, { steps: [{ approvers: { type: 'role' } }] },
      { steps: [{ approvers: { type: 'users', user_ids: [99999] } }] }, { steps: [], colour: 1 }, { steps: [{ approvers: { type: 'manager' }, mode: 'some' }] }])
      assertError(await call('admin', 'PUT', '/api/approval_flows/expenses', body), 422, 'validation_failed', JSON.stringify(body))
    assertError(await call('rep', 'PUT', '/api/approval_flows/expenses', { steps: [] }), 403, 'forbidden')
    assertError(await call('admin', 'PUT', '/api/approval_flows/nothing', { steps: [] }), 404, 'not_found')
    // v2: everything from 1,000 goes to the finance role, all of them (会签)
    const v2 = await must(call('admin', 'PUT', '/api/approval_flows/expenses', {
      version: 1, auto_approve_below: 100000,
      steps: [{ name: { 'zh-CN': '财务审核', en: 'Finance' }, approvers: { type: 'role', role: 'finance' }, mode: 'all', time_limit_hours: 8 }],
    }), 200)
    assert.equal(v2.version, 2)
    assert.equal(v2.builtin, false)
    assertError(await call('admin', 'PUT', '/api/approval_flows/expenses', { version: 1, steps: [] }), 409, 'conflict')
    // the one in flight stays with the manager (v1)
    const t = await taskFor('mgr', e.id)
    assert.ok(t)
    await must(call('mgr', 'POST', `/api/approvals/${t.id}/approve`, {}), 200)
    assert.equal((await state('rep', e.id)).requests[0].flow_version, 1)
    const e2 = await expense('rep', { title: '新版本', amount: cny(1500) })
    await submit('rep', e2.id)
    assert.equal(await taskFor('mgr', e2.id), undefined)
    const tf = await taskFor('fin', e2.id)
    assert.ok(tf)
    assert.equal(tf.mode, 'all')
    await must(call('fin', 'POST', `/api/approvals/${tf.id}/approve`, {}), 200)
    assert.equal((await state('rep', e2.id)).requests[0].flow_version, 2)
    // back to the built-in steps for the rest (v3)
    await must(call('admin', 'PUT', '/api/approval_flows/expenses', builtinFlow()), 200)
  })

  it('reimbursements: lines, per diem, settling a request, paid by finance once approved, cost of sale', async () => {
    const customer = await must(call('rep', 'POST', '/api/customers', { name: '西安重工机械有限公司' }), 201)
    const req = await expense('rep', { title: '西安出差申请', amount: cny(3000), customer_id: customer.id, trip_start_on: '2027-03-01', trip_end_on: '2027-03-03', places: '西安', advance: cny(2000) })
    const rt = (await submit('rep', req.id)).approval_status
    assert.equal(rt, 'pending')
    await must(call('mgr', 'POST', `/api/approvals/${(await taskFor('mgr', req.id)).id}/approve`, {}), 200)
    assertError(await call('admin', 'PUT', '/api/settings/expenses', { per_diem_rate: -1 }), 422, 'validation_failed')
    assertError(await call('rep', 'PUT', '/api/settings/expenses', { per_diem_rate: 15000 }), 403, 'forbidden')
    await must(call('admin', 'PUT', '/api/settings/expenses', { per_diem_rate: cny(150) }), 200)
    const bad = [
      { kind: 'reimbursement', title: 'x', lines: [{ category: 'meals', amount: cny(-5) }] },
      { kind: 'reimbursement', title: 'x', lines: [{ category: 'caviar', amount: cny(5) }] },
      { kind: 'bogus', title: 'x', amount: cny(5) },
      { kind: 'reimbursement', title: 'x', amount: cny(5), advance: cny(1) },
      { kind: 'request', title: 'x', amount: cny(5), request_id: req.id },
      { kind: 'reimbursement', title: 'x', amount: cny(5), trip_start_on: '2027-03-05', trip_end_on: '2027-03-01' },
      { kind: 'reimbursement', title: 'x', amount: cny(0) },
      { kind: 'reimbursement', title: 'x', lines: [{ category: 'per_diem' }] },
    ]
    const before = (await must(call('admin', 'GET', '/api/expenses'), 200)).total
    for (const body of bad) assertError(await call('rep', 'POST', '/api/expenses', body), 422, 'validation_failed', JSON.stringify(body))
    assert.equal((await must(call('admin', 'GET', '/api/expenses'), 200)).total, before, 'nothing created')
    const r = await must(call('rep', 'POST', '/api/expenses', {
      kind: 'reimbursement', title: '西安出差报销', customer_id: customer.id, request_id: req.id,
      trip_start_on: '2027-03-01', trip_end_on: '2027-03-03',
      lines: [{ category: 'transport', spent_on: '2027-03-01', amount: cny(1200.5) }, { category: 'lodging', spent_on: '2027-03-02', amount: cny(900) },
        { category: 'per_diem', description: '出差补助' }],
    }), 201)
    assert.deepEqual(r.lines[2].amount, cny(450), '3 days × 150')
    assert.equal(r.lines[2].days, 3)
    assert.deepEqual(r.amount, cny(1200.5 + 900 + 450))
    assertError(await call('fin', 'POST', `/api/expenses/${r.id}/pay`), 422, 'validation_failed')
    await submit('rep', r.id)
    await must(call('mgr', 'POST', `/api/approvals/${(await taskFor('mgr', r.id)).id}/approve`, {}), 200)
    assertError(await call('rep', 'POST', `/api/expenses/${r.id}/pay`), 403, 'forbidden')
    assertError(await call('fin', 'POST', `/api/expenses/${req.id}/pay`), 422, 'validation_failed')
    const paid = await must(call('fin', 'POST', `/api/expenses/${r.id}/pay`), 200)
    assert.ok(paid.paid_at)
    assert.equal(paid.paid_by, U.fin.id)
    assertError(await call('fin', 'POST', `/api/expenses/${r.id}/pay`), 409, 'conflict')
    assert.equal((await get('rep', req.id)).advance_closed, true, 'the advance is settled')
    const v = (await get('rep', r.id)).version
    assertError(await call('rep', 'PATCH', `/api/expenses/${r.id}`, { version: v, title: 'x' }), 409, 'conflict')
    const sum = await must(call('rep', 'GET', `/api/customers/${customer.id}/summary`), 200)
    assert.deepEqual(sum.cost_of_sale, cny(2550.5))
    await noteCycle('reimbursement 2,550.50 CNY', r.id)
  })

  it('a quote whose discount passes the threshold cannot be sent before approval', async () => {
    await must(call('admin', 'PUT', '/api/approval_flows/quotes', {
      steps: [{ name: '折扣审批', when: { discount_gt: 10 }, approvers: { type: 'manager' }, time_limit_hours: 4 }],
    }), 200)
    const c = await must(call('rep', 'POST', '/api/customers', { name: '成都精密仪器有限公司' }), 201)
    const quote = (pct) => must(call('rep', 'POST', '/api/quotes', {
      customer_id: c.id, lines: [{ description: '数控机床', quantity: 2, unit_price: cny(50000), discount_percent: pct }],
    }), 201)
    const small = await quote(5)
    const sent = await must(call('rep', 'PATCH', `/api/quotes/${small.id}`, { version: small.version, status: 'sent' }), 200)
    assert.equal(sent.status, 'sent', 'a small discount needs nobody')
    let q = await quote(15)
    const e = assertError(await call('rep', 'PATCH', `/api/quotes/${q.id}`, { version: q.version, status: 'sent' }), 422, 'validation_failed')
    assert.equal(e.fields.status, 'approval_required')
    const s = await must(call('rep', 'POST', `/api/quotes/${q.id}/submit`), 200)
    assert.equal(s.approval_status, 'pending')
    const t = (await inbox('mgr')).find((x) => x.entity === 'quotes' && x.record_id === q.id)
    assert.ok(t, 'the manager decides the discount')
    assert.equal(t.time_limit_hours, 4)
    await must(call('mgr', 'POST', `/api/approvals/${t.id}/approve`, { comment: '战略客户' }), 200)
    q = await must(call('rep', 'GET', `/api/quotes/${q.id}`), 200)
    assert.equal((await must(call('rep', 'PATCH', `/api/quotes/${q.id}`, { version: q.version, status: 'sent' }), 200)).status, 'sent')
    assert.equal((await must(call('rep', 'GET', `/api/quotes/${q.id}/approval`), 200)).status, 'approved')
  })

  it('bad input: 4xx and nothing changed', async () => {
    assertError(await call('rep', 'GET', '/api/approvals?status=maybe'), 400, 'bad_request')
    assertError(await call('rep', 'POST', '/api/expenses/999999/submit'), 404, 'not_found')
    assertError(await call('rep', 'POST', '/api/nothings/1/submit'), 404, 'not_found')
    assertError(await call('rep', 'POST', '/api/customers/1/submit'), 409, 'conflict')
    const mine = await expense('rep2', { title: '别人的', amount: cny(5000) })
    assertError(await call('rep', 'POST', `/api/expenses/${mine.id}/submit`), 404, 'not_found')
    assert.equal((await get('rep2', mine.id)).approval_status, 'draft')
    const res = await api(server, 'POST', `/api/approvals/1/approve`, { session: S.mgr, body: '{', raw: true, headers: { 'content-type': 'application/json' } })
    assert.ok(res.status === 400 || res.status === 404, res.text)
  })

  it('a step past its time limit reminds the approver, then escalates to the next manager', async () => {
    const e = await expense('rep', { title: '超时测试', amount: cny(4000) })
    await submit('rep', e.id)
    const t = await taskFor('mgr', e.id)
    assert.equal(t.time_limit_hours, 24)
    assert.ok(t.due_at)
    const soon = await runJobs(server, new Date(Date.now() + 3600_000))
    assert.equal(soon.jobs.approval_time_limits.reminded, 0, JSON.stringify(soon.jobs))
    const r1 = await runJobs(server, new Date(Date.now() + 25 * 3600_000))
    assert.ok(r1.jobs.approval_time_limits.reminded >= 1, JSON.stringify(r1.jobs))
    const notes = (await must(call('mgr', 'GET', '/api/notifications'), 200)).data
    assert.ok(notes.some((n) => n.kind === 'approval_reminder' && n.record_id === e.id), 'reminded')
    assert.equal((await taskFor('mgr', e.id))?.id, t.id, 'still the manager')
    const r2 = await runJobs(server, new Date(Date.now() + 26 * 3600_000))
    assert.equal(r2.jobs.approval_time_limits.escalated, 0, 'not twice the limit yet')
    const r3 = await runJobs(server, new Date(Date.now() + 49 * 3600_000))
    assert.ok(r3.jobs.approval_time_limits.escalated >= 1, JSON.stringify(r3.jobs))
    assert.equal(await taskFor('mgr', e.id), undefined, 'taken from the manager')
    const tb = await taskFor('boss', e.id)
    assert.ok(tb, 'escalated to the director')
    assert.equal(tb.assigned_from, U.mgr.id)
    await must(call('boss', 'POST', `/api/approvals/${tb.id}/approve`, {}), 200)
    const st = await state('rep', e.id)
    assert.equal(st.status, 'approved')
    assert.deepEqual(st.requests[0].events.map((x) => x.action), ['submit', 'remind', 'escalate', 'approve'])
  })

  it('the mail carries one-click links: used once; an expired one is refused', async () => {
    smtpPort = await freePort()
    smtp = await startSmtp(smtpPort)
    await must(call('admin', 'PUT', '/api/settings/mail', { host: '127.0.0.1', port: smtpPort, security: 'none', from: 'crm@example.com', base_url: 'http://crm.example.com' }), 200)
    // the mails queued so far go out first; read them away
    const e = await expense('rep', { title: '邮件审批', amount: cny(2500) })
    await submit('rep', e.id)
    const sent = await runJobs(server)
    assert.ok(sent.jobs.mail.sent >= 1, JSON.stringify(sent.jobs))
    let m
    for (let i = 0; i < sent.jobs.mail.sent; i++) {
      const x = await smtp.next()
      if (x.to.includes('mgr@example.com') && x.subject.includes('邮件审批')) m = x
    }
    assert.ok(m, 'a mail to the manager')
    const links = [...m.text.matchAll(/http:\/\/crm\.example\.com\/l\/([0-9a-f]{64})/g)].map((x) => x[1])
    assert.equal(links.length, 2, m.text)
    const desc = await must(api(server, 'GET', `/api/links/${links[0]}`), 200)
    assert.equal(desc.action, 'approval.approve')
    await must(api(server, 'POST', `/api/links/${links[0]}`, { body: {} }), 200)
    assert.equal((await get('rep', e.id)).approval_status, 'approved')
    assertError(await api(server, 'POST', `/api/links/${links[0]}`, { body: {} }), 410, 'gone')
    // the reject link of a decided step does nothing
    const late = await api(server, 'POST', `/api/links/${links[1]}`, { body: { comment: '晚了' } })
    assert.ok(late.status === 409 || late.status === 410, late.text)
    assert.equal((await get('rep', e.id)).approval_status, 'approved')

    const e2 = await expense('rep', { title: '过期链接', amount: cny(2600) })
    await submit('rep', e2.id)
    const sent2 = await runJobs(server)
    let m2
    for (let i = 0; i < sent2.jobs.mail.sent; i++) {
      const x = await smtp.next()
      if (x.subject.includes('过期链接')) m2 = x
    }
    const token = /\/l\/([0-9a-f]{64})/.exec(m2.text)[1]
    await new Promise((resolve) => setTimeout(resolve, (LINK_TTL_S + 1) * 1000))
    assertError(await api(server, 'POST', `/api/links/${token}`, { body: {} }), 410, 'gone')
    assert.equal((await get('rep', e2.id)).approval_status, 'pending', 'nothing changed')
  })
})

function builtinFlow() {
  return {
    amount_field: 'amount', auto_approve_below: 100000,
    steps: [
      { name: { 'zh-CN': '部门经理', en: 'Department manager' }, when: { amount_gte: 100000 }, approvers: { type: 'department_manager' }, mode: 'any', time_limit_hours: 24 },
      { name: { 'zh-CN': '上级部门经理', en: 'Manager of the department above' }, when: { amount_gte: 2000000 }, approvers: { type: 'parent_department_manager' }, mode: 'any', time_limit_hours: 24 },
    ],
  }
}
