// Browser test of Settings › 审批流程 (approval flows): an administrator opens the expense flow,
// raises the amount approved automatically to 2,000 and adds a step (the finance role, all of
// them, from 5,000), saves and sees version n+1 with its history; then, through the API, a new
// submission uses the new version: 1,500 is approved at once, 6,000 goes to the manager and then
// finance. The sidebar has the commission statement. The company is arranged through the API.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from './server.mjs'
import { launchBrowser } from './browser.mjs'
import { apiSession, byTestId, chooseOption, eventually, loginPage, textOf } from './session.mjs'

const PASSWORD = 'user-pass-123'
let server
let browser
let admin
let session
let fin

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  admin = await apiSession(server.baseUrl)
  const north = await admin.post('/departments', { name: '华北大区' })
  const user = (username, name, roles) => admin.post('/users', { username, name, password: PASSWORD, roles, department_id: north.id })
  const mgr = await user('mgr', '钱经理', ['sales_manager'])
  await user('rep', '李销售', ['sales_rep'])
  fin = await user('fin', '吴会计', ['finance'])
  await admin.patch(`/departments/${north.id}`, { version: north.version, manager_id: mgr.id })
  session = await loginPage(browser, server.baseUrl)
})

after(async () => {
  await session?.context.close().catch(() => {})
  await browser?.close()
  await server?.stop()
})

test('an administrator edits the expense flow and a new submission uses the new version', { timeout: 120_000 }, async () => {
  const { page, problems } = session
  const before = await admin.get('/approval_flows/expenses')
  const n = before.version

  // the sidebar links to the commission statement
  const sidebar = page.locator(byTestId('app-sidebar'))
  await sidebar.locator('[data-area="commissions"]').waitFor()
  assert.equal(await textOf(sidebar.locator('[data-area="commissions"]')), '提成')

  await page.goto('/settings/approvals')
  await page.locator(byTestId('settings-approvals')).waitFor()
  assert.ok(await page.locator('.el-tabs__item', { hasText: '审批流程' }).isVisible(), 'the tab is labelled in Chinese')
  await eventually(async () => (await textOf(page.locator(byTestId('approval-flow-version-expenses')))) === `v${n}`, { message: 'the current version listed' })
  await page.locator(byTestId('approval-flow-edit-expenses')).click()
  await page.locator(byTestId('approval-flow-editing')).waitFor()
  assert.match(await textOf(page.locator(byTestId('approval-flow-version-note'))), new RegExp(`v${n + 1}`), 'saving makes a new version, and the page says so')
  const count = before.definition.steps.length
  assert.equal(await page.locator('[data-testid^="approval-step-type-"]').count(), count, 'every step in the form')

  // threshold 1,000 -> 2,000
  const below = page.locator(`${byTestId('approval-flow-auto-below')} input`)
  assert.equal(await below.inputValue(), '1000.00')
  await below.fill('2000')
  await below.blur()

  // a new last step: the finance role, all of them, from 5,000, 8 hours
  await page.locator(byTestId('approval-step-add')).click()
  const i = count
  await page.locator(byTestId(`approval-step-name-zh-${i}`)).fill('财务复核')
  await page.locator(byTestId(`approval-step-name-en-${i}`)).fill('Finance review')
  await chooseOption(page, page.locator(byTestId(`approval-step-type-${i}`)), '指定角色')
  await chooseOption(page, page.locator(byTestId(`approval-step-role-${i}`)), '财务')
  await page.locator(`${byTestId(`approval-step-mode-${i}`)} label`, { hasText: '会签' }).click()
  const from = page.locator(`${byTestId(`approval-step-amount-from-${i}`)} input`)
  await from.fill('5000')
  await from.blur()
  const limit = page.locator(`${byTestId(`approval-step-time-limit-${i}`)} input`)
  await limit.fill('8')
  await limit.blur()
  await page.locator(byTestId('approval-flow-save')).click()

  await eventually(async () => (await textOf(page.locator(byTestId('approval-flow-version-expenses')))) === `v${n + 1}`, { message: 'version n+1 listed' })
  await eventually(async () => (await page.locator(`${byTestId('approval-flow-versions')} tbody tr`).count()) >= 1, { message: 'the history shows the new version' })
  assert.match(await textOf(page.locator(`${byTestId('approval-flow-versions')} tbody tr`).first()), new RegExp(`v${n + 1}`))

  const after = await admin.get('/approval_flows/expenses')
  assert.equal(after.version, n + 1)
  assert.equal(after.definition.auto_approve_below, 200000)
  assert.equal(after.definition.steps.length, count + 1)
  assert.deepEqual(after.definition.steps[count], {
    name: { 'zh-CN': '财务复核', en: 'Finance review' }, when: { amount_gte: 500000 },
    approvers: { type: 'role', role: 'finance' }, mode: 'all', time_limit_hours: 8,
  })
  assert.deepEqual(after.definition.steps.slice(0, count), before.definition.steps.map((s) => ({ mode: 'any', ...s })), 'the other steps kept')

  // a new submission uses it: 1,500 is now approved at once
  const rep = await apiSession(server.baseUrl, { username: 'rep', password: PASSWORD })
  const small = await rep.post('/expenses', { kind: 'request', title: '小额出差', amount: { amount: 150000, currency: 'CNY' } })
  const s = await rep.post(`/expenses/${small.id}/submit`)
  assert.equal(s.approval_status, 'approved')
  assert.equal(s.approval.automatic, true)
  assert.equal((await rep.get(`/expenses/${small.id}/approval`)).requests[0].flow_version, n + 1)
  // 6,000: the manager, then all of finance
  const big = await rep.post('/expenses', { kind: 'request', title: '大额出差', amount: { amount: 600000, currency: 'CNY' } })
  assert.equal((await rep.post(`/expenses/${big.id}/submit`)).approval_status, 'pending')
  const req = (await rep.get(`/expenses/${big.id}/approval`)).requests[0]
  assert.equal(req.flow_version, n + 1)
  assert.ok(req.tasks.some((t) => t.approver_id === fin.id && t.mode === 'all'), JSON.stringify(req.tasks))

  assert.deepEqual(problems.splice(0), [], 'no page errors')
})
