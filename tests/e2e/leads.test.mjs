// Browser tests of lead conversion: convert with an opportunity and land on the new
// customer; convert into an existing customer after the 409 duplicate; a converted lead
// is read-only and links to what it became.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { byTestId, pathOf, startSession, textOf } from './session.mjs'

let session
const stamp = Date.now().toString(36)

before(async () => {
  session = await startSession()
})

after(async () => {
  await session?.close()
})

test('convert a lead with an opportunity and land on the new customer', { timeout: 30_000 }, async () => {
  const { page, api } = session
  const company = `E2E 转化测试有限公司 ${stamp}`
  const lead = await api.post('/leads', { name: '周测试', company, mobile: '13800138000', email: 'zhou@example.com' })

  await page.goto(`/leads/${lead.id}`)
  await page.click(byTestId('detail-convert'))
  const dialog = page.locator(byTestId('convert-dialog'))
  await dialog.waitFor()
  assert.equal(await page.inputValue(`${byTestId('convert-customer-name')}`), company)
  assert.match(await textOf(page.locator(byTestId('convert-contact'))), /周测试 · 13800138000 · zhou@example.com/)

  await page.click(`${byTestId('convert-with-opportunity')}`)
  await page.fill(byTestId('convert-opportunity-name'), 'E2E 首单')
  await page.fill(`${byTestId('convert-opportunity-amount')} ${byTestId('money-amount')} input`, '128000')
  await page.click(byTestId('convert-submit'))

  await page.waitForURL(/\/customers\/\d+$/)
  const customerId = Number(pathOf(page).split('/').pop())
  assert.equal(await textOf(page.locator(byTestId('detail-title'))), company)

  const converted = await api.get(`/leads/${lead.id}`)
  assert.equal(converted.status, 'converted')
  assert.equal(converted.customer_id, customerId)
  const opportunity = await api.get(`/opportunities/${converted.opportunity_id}`)
  assert.equal(opportunity.name, 'E2E 首单')
  assert.deepEqual(opportunity.amount, { amount: 12_800_000, currency: 'CNY' })
  assert.equal(opportunity.customer_id, customerId)
  // The new customer's page lists the contact made from the lead.
  await page.locator(byTestId('related-contacts')).getByText('周测试').waitFor()

  // The converted lead is read-only and links to the customer.
  await page.goto(`/leads/${lead.id}`)
  await page.locator(byTestId('lead-converted')).waitFor()
  assert.equal(await page.locator(byTestId('detail-edit')).count(), 0)
  assert.equal(await page.locator(byTestId('detail-convert')).count(), 0)
  await page.click(byTestId('lead-converted-customer_id'))
  await page.waitForURL((url) => url.pathname === `/customers/${customerId}`)
})

test('a taken customer name offers to convert into the existing customer', { timeout: 30_000 }, async () => {
  const { page, api } = session
  const existing = await api.post('/customers', { name: `E2E 已有客户 ${stamp}` })
  const lead = await api.post('/leads', { name: '吴测试', company: existing.name, mobile: '13900139000' })

  await page.goto('/leads')
  await page.fill(byTestId('list-search'), '吴测试')
  const row = page.locator(`${byTestId('list-table')} tbody tr`, { hasText: '吴测试' }).first()
  await row.waitFor()
  await row.locator(byTestId('list-convert')).click()
  await page.locator(byTestId('convert-dialog')).waitFor()
  await page.click(byTestId('convert-submit'))

  await page.locator(byTestId('convert-duplicate')).waitFor()
  await page.click(byTestId('convert-attach'))
  await page.waitForURL((url) => url.pathname === `/customers/${existing.id}`)

  const converted = await api.get(`/leads/${lead.id}`)
  assert.equal(converted.status, 'converted')
  assert.equal(converted.customer_id, existing.id)
  const customers = await api.get(`/customers?q=${encodeURIComponent(existing.name)}`)
  assert.equal(customers.total, 1, 'no second customer was made')

  assert.deepEqual(session.problems, [])
})
