// Browser tests of the generic record pages on customers: the create form with the
// server's 422 codes and the 409 duplicate, a contact added from the customer's page,
// a follow-up logged from its timeline, the list's search and bulk delete, and the
// header's global search. One server (demo data) and one login for the whole file.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { byTestId, chooseOption, eventually, pathOf, startSession, submitRecordForm, textOf } from './session.mjs'

let session
const stamp = Date.now().toString(36)
const customerName = `E2E 测试机械有限公司 ${stamp}`
/** The customer the first test creates; the later tests work on it. */
let customerId

before(async () => {
  session = await startSession()
})

after(async () => {
  await session?.close()
})

const formItem = (name) => session.page.locator(`${byTestId('record-form-dialog')} ${byTestId(`form-item-${name}`)}`)
const formError = (name) => formItem(name).locator('.el-form-item__error')

test('create a customer through the form: 422 codes beside the fields first, then saved', { timeout: 30_000 }, async () => {
  const { page, api } = session
  await page.goto('/customers')
  await page.locator(byTestId('list-table')).waitFor()
  await page.click(byTestId('list-new'))
  const dialog = page.locator(byTestId('record-form-dialog'))
  await dialog.waitFor()

  await formItem('name').locator('input').fill(customerName)
  await formItem('phone').locator('input').fill('not a phone')
  await formItem('website').locator('input').fill('not a url')
  await chooseOption(page, formItem('grade').locator('.el-select'), 'A')
  await page.click(byTestId('form-submit'))

  // The server's codes, translated, beside each field; nothing was created.
  await formError('phone').waitFor()
  assert.equal(await textOf(formError('phone')), '电话号码格式不正确')
  assert.equal(await textOf(formError('website')), '网址格式不正确')
  assert.equal(await formError('name').count(), 0)
  const none = await api.get(`/customers?q=${encodeURIComponent(stamp)}`)
  assert.equal(none.total, 0)

  await formItem('phone').locator('input').fill('010-6234 5678')
  await formItem('website').locator('input').fill('https://example.com')
  await page.click(byTestId('form-submit'))

  // Saved: the app opens the new customer.
  await page.waitForURL(/\/customers\/\d+$/)
  customerId = Number(pathOf(page).split('/').pop())
  assert.equal(await textOf(page.locator(byTestId('detail-title'))), customerName)
  const saved = await api.get(`/customers/${customerId}`)
  assert.equal(saved.name, customerName)
  assert.equal(saved.phone, '010-6234 5678')
  assert.equal(saved.website, 'https://example.com')
  assert.equal(saved.grade, 'A')
  assert.equal(await textOf(page.locator(byTestId('field-grade'))), 'A 类')
})

test('a duplicate name offers the existing customer, and "create anyway" creates a second one', { timeout: 30_000 }, async () => {
  const { page, api } = session
  assert.ok(customerId, 'the first test created the customer')
  await page.goto('/customers')
  await page.click(byTestId('list-new'))
  await formItem('name').locator('input').fill(customerName)
  await page.click(byTestId('form-submit'))

  const notice = page.locator(byTestId('form-duplicate'))
  await notice.waitFor()
  assert.match(await textOf(notice), new RegExp(`#${customerId}`))
  await page.click(byTestId('form-create-anyway'))
  await page.waitForURL((url) => /\/customers\/\d+$/.test(url.pathname) && url.pathname !== `/customers/${customerId}`)
  const twins = await api.get(`/customers?q=${encodeURIComponent(stamp)}`)
  assert.equal(twins.total, 2)
})

test('add a contact from the customer page (with the 422 for a bad email first)', { timeout: 30_000 }, async () => {
  const { page, api } = session
  await page.goto(`/customers/${customerId}`)
  const related = page.locator(byTestId('related-contacts'))
  await related.waitFor()
  await page.click(byTestId('related-new-contacts'))
  await page.locator(byTestId('record-form-dialog')).waitFor()

  // The customer is filled in and fixed.
  assert.match(await textOf(formItem('customer_id')), new RegExp(stamp))
  await formItem('name').locator('input').fill('李测试')
  await formItem('title').locator('input').fill('采购经理')
  await formItem('email').locator('input').fill('li.test-at-example.com')
  await page.click(byTestId('form-submit'))
  await formError('email').waitFor()
  assert.equal(await textOf(formError('email')), '邮箱格式不正确')

  await formItem('email').locator('input').fill('li.test@example.com')
  await submitRecordForm(page)
  await related.getByText('李测试').waitFor()
  assert.equal(pathOf(page), `/customers/${customerId}`)

  const contacts = await api.get(`/customers/${customerId}/contacts`)
  assert.equal(contacts.total, 1)
  assert.equal(contacts.data[0].name, '李测试')
  assert.equal(contacts.data[0].email, 'li.test@example.com')
})

test('log a follow-up from the timeline: it appears, and "last contacted" moves (not the customer\'s version or history)', { timeout: 30_000 }, async () => {
  const { page, api } = session
  const before = await api.get(`/customers/${customerId}`)
  await page.goto(`/customers/${customerId}`)
  const lastContacted = page.locator(byTestId('field-last_contacted_at'))
  await lastContacted.waitFor()
  assert.equal(await textOf(lastContacted), '—')
  const timeline = page.locator(byTestId('followups'))
  await timeline.getByText('还没有跟进记录').waitFor()

  await chooseOption(page, page.locator(byTestId('followup-type')), '拜访')
  await page.fill(`${byTestId('followup-subject')}`, '上门演示设备')
  await page.fill(`${byTestId('followup-content')} textarea, textarea${byTestId('followup-content')}`, '客户对 VMC850 感兴趣')
  await page.click(byTestId('followup-submit'))

  const item = timeline.locator(byTestId('followup-item')).first()
  await item.getByText('上门演示设备').waitFor()
  assert.match(await textOf(item), /拜访/)
  await eventually(async () => (await textOf(lastContacted)) !== '—', { message: 'last contacted shown' })
  assert.match(await textOf(lastContacted), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/)

  const customer = await api.get(`/customers/${customerId}`)
  assert.ok(customer.last_contacted_at, 'the server moved last_contacted_at')
  const activities = await api.get(`/customers/${customerId}/activities`)
  assert.equal(activities.total, 1)
  assert.equal(activities.data[0].subject, '上门演示设备')
  assert.equal(activities.data[0].type, 'visit')
  assert.equal(activities.data[0].customer_id, customerId)

  // Moving "last contacted" is not an edit of the customer (the follow-up is on the timeline
  // with its own history): same version and updated_at, and the history tab shows the
  // customer's own entries only.
  assert.equal(customer.version, before.version)
  assert.equal(customer.updated_at, before.updated_at)
  const entries = (await api.get(`/customers/${customerId}/history`)).data
  await page.locator(`${byTestId('detail-tabs')} .el-tabs__item`, { hasText: '变更历史' }).click()
  await eventually(async () => (await page.locator(byTestId('history-entry')).count()) === entries.length, { message: 'history entries shown' })
  assert.equal(await page.locator(`${byTestId('history-change')}[data-field="last_contacted_at"]`).count(), 0)
})

test('edit sends only the changed fields with the version; a stale edit offers to reload', { timeout: 30_000 }, async () => {
  const { page, api } = session
  await page.goto(`/customers/${customerId}`)
  await page.click(byTestId('detail-edit'))
  await page.locator(byTestId('record-form-dialog')).waitFor()

  // Someone else changes the customer while the dialog is open.
  const current = await api.get(`/customers/${customerId}`)
  await api.patch(`/customers/${customerId}`, { version: current.version, city: '苏州' })

  const patches = []
  const onRequest = (request) => {
    if (request.method() === 'PATCH') patches.push(request.postDataJSON())
  }
  page.on('request', onRequest)
  try {
    await formItem('city').locator('input').fill('无锡')
    await page.click(byTestId('form-submit'))
    await page.locator(byTestId('form-conflict')).waitFor()
    assert.deepEqual(patches[0], { city: '无锡', version: current.version })

    // Reloading shows the other person's value; saving again works.
    await page.click(byTestId('form-reload'))
    await eventually(async () => (await formItem('city').locator('input').inputValue()) === '苏州', { message: 'reloaded value' })
    await formItem('address').locator('input').fill('工业园区 1 号')
    await submitRecordForm(page)
    assert.deepEqual(patches[1], { address: '工业园区 1 号', version: current.version + 1 })
  } finally {
    page.off('request', onRequest)
  }
  await eventually(async () => (await textOf(page.locator(byTestId('field-address')))) === '工业园区 1 号', { message: 'address shown' })
  const saved = await api.get(`/customers/${customerId}`)
  assert.equal(saved.city, '苏州')
  assert.equal(saved.address, '工业园区 1 号')
})

test('list: search, filter, sort, then bulk delete to the recycle bin', { timeout: 30_000 }, async () => {
  const { page, api } = session
  const prefix = `批量删除 ${stamp}`
  for (const suffix of ['甲', '乙', '丙']) await api.post('/customers', { name: `${prefix} ${suffix}`, status: suffix === '丙' ? 'deal' : 'potential' })

  await page.goto('/customers')
  await page.fill(byTestId('list-search'), prefix)
  await page.waitForURL((url) => url.searchParams.get('q') === prefix)
  const rows = page.locator(`${byTestId('list-table')} .el-table__body-wrapper tbody tr`)
  await eventually(async () => (await rows.count()) === 3, { message: 'three rows' })

  await chooseOption(page, page.locator(byTestId('list-filter-status')), '潜在')
  await page.waitForURL((url) => url.searchParams.get('f_status') === 'potential')
  await eventually(async () => (await rows.count()) === 2, { message: 'two potential customers' })

  // Sorting is the server's: the table shows its order, both ways.
  const sorted = async (sort) =>
    (await api.get(`/customers?q=${encodeURIComponent(prefix)}&filter%5Bstatus%5D=potential&sort=${sort}`)).data.map((c) => c.name)
  const shown = async () => (await rows.locator('td:nth-child(2)').allTextContents()).map((text) => text.trim())
  const nameHeader = page.locator(`${byTestId('list-table')} th`, { hasText: '客户名称' })
  await nameHeader.locator('.sort-caret.descending').click()
  await page.waitForURL((url) => url.searchParams.get('sort') === '-name')
  const descending = await sorted('-name')
  await eventually(async () => JSON.stringify(await shown()) === JSON.stringify(descending), { message: 'sorted descending' })
  await nameHeader.locator('.sort-caret.ascending').click()
  await page.waitForURL((url) => url.searchParams.get('sort') === 'name')
  await eventually(async () => JSON.stringify(await shown()) === JSON.stringify([...descending].reverse()), { message: 'sorted ascending' })

  await page.locator(`${byTestId('list-table')} .el-table__header .el-checkbox`).click()
  await page.click(byTestId('list-bulk-delete'))
  await page.locator('.el-message-box').getByRole('button', { name: '删除' }).click()
  await eventually(async () => (await rows.count()) === 0, { message: 'rows gone' })

  const left = await api.get(`/customers?q=${encodeURIComponent(prefix)}`)
  assert.equal(left.total, 1, 'only the deal customer is left')
  const bin = await api.get(`/customers?deleted=true&q=${encodeURIComponent(prefix)}`)
  assert.equal(bin.total, 2, 'two are in the recycle bin')
})

test('global search finds the customer and opens it', { timeout: 30_000 }, async () => {
  const { page, problems } = session
  await page.goto('/dashboard')
  await page.fill(`${byTestId('global-search')}`, stamp)
  const group = page.locator(byTestId('global-search-group-customers'))
  await group.waitFor()
  await group.locator(byTestId('global-search-item')).filter({ hasText: customerName }).first().click()
  await page.waitForURL(/\/customers\/\d+$/)
  assert.equal(await textOf(page.locator(byTestId('detail-title'))), customerName)

  assert.deepEqual(problems, [])
})
