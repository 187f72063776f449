// Browser test of approvals (审批) and expenses: a rep submits a trip request from its page (5,000:
// it goes to the department's manager), the manager approves it from the approval inbox in one
// click, the rep sees it approved with its history; a small reimbursement settling the request is
// approved at once and says so; finance marks it paid from its page. The company (departments,
// users) is arranged through the API.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from './server.mjs'
import { launchBrowser } from './browser.mjs'
import { apiSession, byTestId, eventually, loginPage } from './session.mjs'

const PASSWORD = 'user-pass-123'
let server
let browser
let admin
const sessions = []

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  admin = await apiSession(server.baseUrl)
  const north = await admin.post('/departments', { name: '华北大区' })
  const user = (username, name, roles) => admin.post('/users', { username, name, password: PASSWORD, roles, department_id: north.id })
  const mgr = await user('mgr', '钱经理', ['sales_manager'])
  await user('rep', '李销售', ['sales_rep'])
  await user('fin', '吴会计', ['finance'])
  await admin.patch(`/departments/${north.id}`, { version: north.version, manager_id: mgr.id })
})

after(async () => {
  for (const s of sessions) await s.context.close().catch(() => {})
  await browser?.close()
  await server?.stop()
})

async function as(username) {
  const s = await loginPage(browser, server.baseUrl, { username, password: PASSWORD })
  sessions.push(s)
  return s
}

test('submit a trip request, approve it from the inbox, reimburse it, pay it', { timeout: 120_000 }, async () => {
  const repApi = await apiSession(server.baseUrl, { username: 'rep', password: PASSWORD })
  const req = await repApi.post('/expenses', {
    kind: 'request', title: '西安客户拜访出差', amount: { amount: 500000, currency: 'CNY' },
    trip_start_on: '2027-03-01', trip_end_on: '2027-03-03', places: '西安',
  })

  // the rep submits it from its page
  const rep = await as('rep')
  await rep.page.goto(`/expenses/${req.id}`)
  await rep.page.locator(byTestId('expense-panel')).waitFor()
  await rep.page.locator(byTestId('expense-submit')).click()
  await eventually(async () => (await rep.page.locator(byTestId('expense-approval-status')).textContent()).includes('审批中'), {
    message: 'pending on the page',
  })

  // the manager approves it from the inbox, in one click
  const mgr = await as('mgr')
  await mgr.page.goto('/approvals')
  const row = mgr.page.locator(`${byTestId('approval-inbox')} tr:has-text("西安客户拜访出差")`)
  await row.waitFor()
  await row.locator(byTestId('approval-approve')).click()
  await eventually(async () => (await repApi.get(`/expenses/${req.id}`)).approval_status === 'approved', { message: 'approved' })
  await eventually(async () => (await row.count()) === 0, { message: 'gone from the inbox' })

  await rep.page.reload()
  await eventually(async () => (await rep.page.locator(byTestId('expense-approval-status')).textContent()).includes('已通过'), {
    message: 'approved on the page',
  })
  await eventually(async () => (await rep.page.locator(byTestId('approval-request')).count()) >= 1, { message: 'the approval history is shown' })

  // a reimbursement under 1,000 settling it: approved at once, and it says so
  const r = await repApi.post('/expenses', {
    kind: 'reimbursement', title: '西安出差报销', request_id: req.id,
    lines: [{ category: 'transport', spent_on: '2027-03-01', amount: { amount: 56000, currency: 'CNY' } }],
  })
  await rep.page.goto(`/expenses/${r.id}`)
  await rep.page.locator(byTestId('expense-submit')).click()
  await eventually(async () => (await rep.page.locator(byTestId('expense-approval-message')).count()) === 1, { message: 'the automatic approval says so' })
  assert.match(await rep.page.locator(byTestId('expense-approval-message')).textContent(), /自动通过/)

  // finance pays it
  const fin = await as('fin')
  await fin.page.goto(`/expenses/${r.id}`)
  await fin.page.locator(byTestId('expense-pay')).click()
  await eventually(async () => !!(await repApi.get(`/expenses/${r.id}`)).paid_at, { message: 'paid' })
  assert.equal((await repApi.get(`/expenses/${req.id}`)).advance_closed, true)

  // a quote past the discount threshold of the admin's quote flow is submitted from its page
  await admin.call('PUT', '/approval_flows/quotes', { steps: [{ when: { discount_gt: 10 }, approvers: { type: 'department_manager' } }] })
  const customer = await repApi.post('/customers', { name: '西安重工机械有限公司' })
  const q = await repApi.post('/quotes', {
    customer_id: customer.id, lines: [{ description: '数控机床', quantity: 1, unit_price: { amount: 10000000, currency: 'CNY' }, discount_percent: 15 }],
  })
  await rep.page.goto(`/quotes/${q.id}`)
  await rep.page.locator(byTestId('approval-box-submit')).click()
  await eventually(async () => (await rep.page.locator(byTestId('approval-box-status')).textContent()).includes('审批中'), {
    message: 'the quote waits for approval',
  })
  const mgrApi = await apiSession(server.baseUrl, { username: 'mgr', password: PASSWORD })
  const waiting = (await mgrApi.get('/approvals?status=pending')).data
  assert.ok(waiting.some((x) => x.entity === 'quotes' && x.record_id === q.id), JSON.stringify(waiting))
  await mgr.page.goto('/approvals')
  const row2 = mgr.page.locator(`${byTestId('approval-inbox')} tr:has-text("${q.number}")`)
  await row2.waitFor()
  await eventually(async () => (await row2.textContent()).includes('报价'), { message: 'the document named by its entity label' })
  for (const s of [rep, mgr, fin]) assert.deepEqual(s.problems.splice(0), [], 'no page errors')
})
