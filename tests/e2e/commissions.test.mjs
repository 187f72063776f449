// Browser test of commissions and one-click links: a rep whose contract was signed under plan v1
// (5 %) reads this month's statement from the header's link after plan v2 (3 %) and a fee rule
// came in - the line says v1, 5 %, no deduction; the quote's page previews the commission under
// today's plan. An admin's test mail, delivered to a real SMTP server on loopback, carries a link
// whose page performs its action with one button, without logging in, and refuses it the second time.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import path from 'node:path'
import { startServer, freePort, REPO_ROOT } from './server.mjs'
import { launchBrowser } from './browser.mjs'
import { apiSession, byTestId, eventually, loginPage } from './session.mjs'
import { startSmtp } from '../api/lib/smtp.mjs'

const PASSWORD = 'user-pass-123'
const CNY = (amount) => ({ amount, currency: 'CNY' })
const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)
let server, browser, admin, smtp, smtpPort
const sessions = []

before(async () => {
  server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '3600' } })
  browser = await launchBrowser()
  admin = await apiSession(server.baseUrl)
  await admin.post('/users', { username: 'rep', name: '李销售', password: PASSWORD, roles: ['sales_rep'] })
  smtpPort = await freePort()
  smtp = await startSmtp(smtpPort)
})

after(async () => {
  for (const s of sessions) await s.context.close().catch(() => {})
  await browser?.close()
  await smtp?.stop()
  await server?.stop()
})

test('the rep reads the statement: v1 at 5 %, no deduction; the quote previews today\'s plan', { timeout: 120_000 }, async () => {
  await admin.post('/commission_plans', { name: '标准提成', effective_from: '2026-01-01', basis: 'payments', rate_percent: 5 })
  const repApi = await apiSession(server.baseUrl, { username: 'rep', password: PASSWORD })
  const customer = await repApi.post('/customers', { name: '北京华夏机械有限公司' })
  const contract = await repApi.post('/contracts', { customer_id: customer.id, amount: CNY(50_000_000), signed_on: today })
  await admin.post('/commission_plans', { name: '标准提成', effective_from: '2026-01-01', basis: 'payments', rate_percent: 3 })
  await admin.post('/commission_fee_rules', { name: '平台服务费', effective_from: '2026-01-01', rate_percent: 10, reason: '新增内部费用' })
  await admin.post('/payments', { contract_id: contract.id, amount: CNY(10_000_000), received_on: today, method: 'bank_transfer' })
  const quote = await repApi.post('/quotes', { customer_id: customer.id, currency: 'CNY', lines: [{ description: '设备', quantity: 1, unit_price: CNY(1_000_000) }] })

  const s = await loginPage(browser, server.baseUrl, { username: 'rep', password: PASSWORD })
  sessions.push(s)
  await s.page.locator(byTestId('header-commissions')).click()
  await s.page.locator(byTestId('commission-lines')).waitFor()
  await eventually(async () => (await s.page.locator(byTestId('commission-lines')).textContent()).includes('标准提成 v1'), {
    message: 'the line under v1',
  })
  const table = await s.page.locator(byTestId('commission-lines')).textContent()
  assert.match(table, /5 %/)
  assert.match(table, /5,000\.00/)
  assert.doesNotMatch(table, /平台服务费/)
  assert.match(await s.page.locator(byTestId('commission-total')).textContent(), /5,000\.00/)

  // the quote's page: 10,000.00 under v2 at 3 % less the 10 % fee = 270.00
  await s.page.goto(`/quotes/${quote.id}`)
  await eventually(async () => (await s.page.locator(byTestId('commission-preview')).textContent().catch(() => '')).includes('v2'), {
    message: 'the preview on the quote',
  })
  assert.match(await s.page.locator(byTestId('commission-preview')).textContent(), /270\.00/)

  // while a new opportunity is typed in, the form previews the commission on its amount
  await s.page.goto('/opportunities/board')
  await s.page.click(byTestId('board-new'))
  const dialog = s.page.locator(byTestId('record-form-dialog'))
  await dialog.waitFor()
  await dialog.locator(`${byTestId('form-item-amount')} ${byTestId('money-amount')} input`).fill('20000')
  await eventually(async () => (await dialog.locator(byTestId('commission-preview')).textContent().catch(() => '')).includes('540.00'), {
    message: 'the preview in the form',
  })
})

test('a link from a mail: its page does the action with one button, once', { timeout: 120_000 }, async () => {
  const put = await admin.call('PUT', '/settings/mail', { host: '127.0.0.1', port: smtpPort, security: 'none', from: 'crm@example.com', base_url: server.baseUrl })
  assert.equal(put.status, 200, JSON.stringify(put.body))
  await admin.post('/settings/mail/test', { to: 'boss@example.com' })
  const bin = path.resolve(process.env.RAPPORT_BIN ?? path.join(REPO_ROOT, 'build', 'rapport'))
  await promisify(execFile)(bin, ['jobs', 'run', '--data', server.dataDir], { timeout: 60_000 })
  const mail = await smtp.next()
  const url = new RegExp(`${server.baseUrl.replace(/[.:/]/g, '\\$&')}/l/[0-9a-f]{64}`).exec(mail.text)?.[0]
  assert.ok(url, mail.text)

  const context = await browser.newContext({ locale: 'zh-CN' })
  sessions.push({ context })
  const page = await context.newPage()
  await page.goto(url)
  await page.locator(byTestId('link-action')).waitFor()
  assert.match(await page.locator(byTestId('link-action')).textContent(), /确认测试邮件/)
  await page.locator(byTestId('link-confirm')).click()
  await page.locator(byTestId('link-done')).waitFor()
  await page.goto(url)
  await page.locator(byTestId('link-gone')).waitFor()

  // the admin's page shows the server (never the password) and the mail as sent
  const a = await loginPage(browser, server.baseUrl)
  sessions.push(a)
  await a.page.goto('/settings/mail')
  await a.page.locator(byTestId('mail-settings')).waitFor()
  assert.equal(await a.page.locator(byTestId('mail-host')).inputValue(), '127.0.0.1')
  await eventually(async () => (await a.page.locator(byTestId('mail-settings')).textContent()).includes('boss@example.com'), {
    message: 'the outbox lists the mail',
  })
  assert.match(await a.page.locator(byTestId('mail-settings')).textContent(), /已发送/)
})
