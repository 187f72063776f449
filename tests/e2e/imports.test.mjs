// Browser test of the import wizard on the customer list: an administrator uploads a CSV with
// Chinese headers, sees the suggested mapping, runs a dry run (a bad row is listed by its row
// number, nothing is written), imports with a progress bar to the end, downloads the problem
// report, and undoes the import (the imported customers are gone again).

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { startServer } from './server.mjs'
import { launchBrowser } from './browser.mjs'
import { apiSession, byTestId, eventually, loginPage } from './session.mjs'

let server
let browser
let api
let session
let dir

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  api = await apiSession(server.baseUrl)
  session = await loginPage(browser, server.baseUrl)
  dir = await mkdtemp(path.join(os.tmpdir(), 'rapport-e2e-import-'))
})

after(async () => {
  await session?.context.close().catch(() => {})
  await browser?.close()
  await server?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const countOf = async (name) => (await api.get(`/customers/aggregate?filter[name][like]=${encodeURIComponent(name)}`)).count

test('import customers from a CSV: mapping, dry run, import, report, undo', { timeout: 90_000 }, async () => {
  const { page, problems } = session
  const file = path.join(dir, '客户.csv')
  await writeFile(file, '\ufeff客户名称,电话,客户等级\r\n导入一号有限公司,010-11112222,A\r\n导入二号有限公司,010-33334444,Z\r\n导入三号有限公司,,B\r\n')

  await page.goto('/customers')
  await page.locator(byTestId('list-import')).click()
  const dialog = page.locator(byTestId('import-dialog'))
  await page.locator(byTestId('import-file')).setInputFiles(file)
  await dialog.locator(byTestId('import-mapping')).waitFor()
  const summary = await dialog.locator(byTestId('import-summary')).textContent()
  assert.match(summary, /客户\.csv：3 行/)
  // the suggestion: 客户名称 → 客户名称 (name), 电话 → 电话, 客户等级 → 客户等级
  const shown = await dialog.locator(byTestId('import-mapping')).evaluate((el) =>
    [...el.querySelectorAll('.el-select')].map((s) => s.textContent.trim() || s.querySelector('input')?.value || ''))
  assert.deepEqual(shown, ['客户名称 *', '电话', '客户等级'])

  await dialog.locator(byTestId('import-dry-run')).click()
  await eventually(async () => (await dialog.locator(byTestId('import-status')).textContent()).includes('检查完成'), {
    timeout: 20_000,
    message: 'the dry run ends',
  })
  const problemsTable = dialog.locator(byTestId('import-problems'))
  assert.match(await problemsTable.textContent(), /3.*客户等级/)
  assert.equal(await countOf('导入'), 0, 'a dry run writes nothing')

  await dialog.locator(byTestId('import-run')).click()
  await eventually(async () => (await dialog.locator(byTestId('import-status')).textContent()).includes('导入完成'), {
    timeout: 20_000,
    message: 'the import ends',
  })
  assert.equal(await countOf('导入'), 2)
  const [download] = await Promise.all([page.waitForEvent('download'), dialog.locator(byTestId('import-report')).click()])
  const report = (await readFile(await download.path())).toString('utf8')
  assert.match(report, /^\ufeff行号 Row,问题 Problems,客户名称/)
  assert.match(report, /\r\n3,grade: invalid_option,导入二号有限公司/)

  await dialog.locator(byTestId('import-undo')).click()
  await eventually(async () => (await dialog.locator(byTestId('import-status')).textContent()).includes('已撤销'), {
    timeout: 20_000,
    message: 'the undo ends',
  })
  assert.equal(await countOf('导入'), 0, 'undo removes the imported customers')
  assert.deepEqual(problems.splice(0), [], 'no page errors')
})
