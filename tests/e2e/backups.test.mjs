// Browser tests of Settings › 备份 (Backups) and of the list's Export button: an administrator
// backs up now, sees the new file in the list with its size and checksum, downloads it (the
// bytes match the listed SHA-256), changes the schedule, and reads how to restore; on the
// customer list, Export › CSV downloads the rows of the current search, with a BOM and the
// Chinese names intact. One server (no demo data), one administrator signed in through the form.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
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
  for (const name of ['北京华夏机械有限公司', '上海华夏, "引号" 贸易', '广州远方电子']) await api.post('/customers', { name })
  session = await loginPage(browser, server.baseUrl)
})

after(async () => {
  await session?.context.close().catch(() => {})
  await browser?.close()
  await server?.stop()
})

test('an administrator backs up now, downloads the file and sets the schedule', { timeout: 60_000 }, async () => {
  const { page, problems } = session
  await page.goto('/settings/backups')
  const root = page.locator(byTestId('settings-backups'))
  await root.waitFor()
  await page.locator(byTestId('backup-run')).click()
  // the manual backup appears with its checksum
  await eventually(async () => (await page.locator(`${byTestId('backup-table')} .el-tag:has-text("手动")`).count()) === 1, {
    timeout: 15_000,
    message: 'the manual backup is listed',
  })
  const listed = (await api.get('/backups')).data.find((b) => b.kind === 'manual')
  assert.ok(listed, 'the API lists it too')
  const row = page.locator(`${byTestId('backup-table')} tr:has-text("${listed.name}")`)
  assert.equal((await row.locator(byTestId('backup-sha')).textContent()).trim(), `${listed.sha256.slice(0, 16)}…`)

  // the download link gives the very file
  const link = row.locator(byTestId('backup-download'))
  assert.equal(await link.getAttribute('href'), `/api/backups/${listed.name}/download`)
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
  const bytes = await readFile(await download.path())
  assert.equal(bytes.length, listed.size)
  assert.equal(createHash('sha256').update(bytes).digest('hex'), listed.sha256)

  // the schedule
  const keep = page.locator(`${byTestId('backup-keep-daily')} input`)
  await keep.fill('3')
  await keep.blur()
  await page.locator(byTestId('backup-save')).click()
  await eventually(async () => (await api.get('/settings/backup')).keep_daily === 3, { message: 'keep_daily saved' })

  // how to restore
  const help = await page.locator(byTestId('backup-restore-help')).textContent()
  assert.match(help, /build\/rapport restore --data DIR .*rapport-\d{8}-\d{6}-(manual|auto)\.rbk/)
  assert.match(help, /损坏/)
  assert.deepEqual(problems.splice(0), [], 'no page errors')
})

test('Export on the customer list downloads the rows of the current search as CSV', { timeout: 60_000 }, async () => {
  const { page, problems } = session
  await page.goto('/customers?q=' + encodeURIComponent('华夏'))
  await page.locator(byTestId('list-table')).waitFor()
  await page.locator(byTestId('list-export-button')).click()
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(byTestId('list-export-csv')).click()])
  assert.equal(download.suggestedFilename(), 'customers.csv')
  const bytes = await readFile(await download.path())
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM for Excel')
  const text = bytes.subarray(3).toString('utf8')
  assert.match(text, /^ID,客户名称,/)
  assert.ok(text.includes('北京华夏机械有限公司'))
  assert.ok(text.includes('"上海华夏, ""引号"" 贸易"'), text)
  assert.ok(!text.includes('广州远方电子'), 'only the rows of the search')
  assert.deepEqual(problems.splice(0), [], 'no page errors')
})
