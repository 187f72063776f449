// Browser tests of who sees what: a manager transfers a customer from one rep to another
// (the first one loses it, the second one gets it); an administrator creates a department
// and a user on the settings pages; a rep releases a customer to the pool (公海) and cannot
// claim it back during the cooldown, while a colleague can; the daily job returns neglected
// customers to the pool and the owner finds the notice under the bell. One server (no demo data),
// arranged through the API as the administrator; every user signs in through the form, in
// a browser context of their own.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { REPO_ROOT, startServer } from './server.mjs'
import { launchBrowser } from './browser.mjs'
import { apiSession, byTestId, pickRemoteOption, eventually, loginPage, textOf } from './session.mjs'

const PASSWORD = 'e2e-pass-123'

let server
let browser
let api
/** Users by key: { id, username, name }. */
const users = {}
let department
let otherDepartment

/** One browser context per user (own cookies), signed in through the form when first needed. */
const sessions = new Map()

async function signIn(key) {
  const user = users[key]
  sessions.set(key, await loginPage(browser, server.baseUrl, user ? { username: user.username, password: PASSWORD } : {}))
}

/** Runs fn({ page, problems }) as the user ('admin' or a key of users), then checks the page reported no errors. */
async function as(key, fn) {
  if (!sessions.has(key)) await signIn(key)
  const session = sessions.get(key)
  await fn(session)
  assert.deepEqual(session.problems.splice(0), [], `no page errors for ${key}`)
}

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  api = await apiSession(server.baseUrl)

  department = await api.post('/departments', { name: '华东销售部' })
  otherDepartment = await api.post('/departments', { name: '华北销售部' })
  const create = async (key, body) => {
    users[key] = await api.post('/users', { password: PASSWORD, ...body })
  }
  await create('manager', { username: 'wang.manager', name: '王经理', department_id: department.id, roles: ['sales_manager'] })
  const team = { department_id: department.id, manager_id: users.manager.id, roles: ['sales_rep'] }
  await create('repA', { username: 'zhang.rep', name: '张三', ...team })
  await create('repB', { username: 'li.rep', name: '李四', ...team })
  // In another department: out of the manager's reach.
  await create('repC', { username: 'zhao.rep', name: '赵六', department_id: otherDepartment.id, roles: ['sales_rep'] })
})

after(async () => {
  for (const session of sessions.values()) await session.context.close().catch(() => {})
  await browser?.close()
  await server?.stop()
})

const listTitles = async (page) =>
  (await page.locator(`${byTestId('list-table')} ${byTestId('list-title')}`).allTextContents()).map((text) => text.trim())

/** Waits for the list to have answered (rows or the empty text) and returns the titles. */
async function loadedList(page, path) {
  await page.goto(path)
  const table = page.locator(byTestId('list-table'))
  await table.waitFor()
  await eventually(async () => !(await table.locator('.el-loading-mask:visible').count()), { message: 'list loaded' })
  return listTitles(page)
}

test('a manager transfers a customer: the rep who lost it no longer sees it, the new owner does', { timeout: 60_000 }, async () => {
  const name = '东方精工机械有限公司'
  const customer = await api.post('/customers', { name, owner_id: users.repA.id })

  // Rep A has it before.
  await as('repA', async ({ page }) => {
    assert.deepEqual(await loadedList(page, '/customers'), [name])
  })

  await as('manager', async ({ page }) => {
    await page.goto(`/customers/${customer.id}`)
    await page.locator(byTestId('detail-title')).waitFor()
    assert.equal(await textOf(page.locator(byTestId('field-owner_id'))), '张三')
    await page.click(byTestId('detail-transfer'))
    const dialog = page.locator(byTestId('transfer-dialog'))
    await dialog.waitFor()
    assert.match(await textOf(dialog), /东方精工机械有限公司.*张三/)

    // Someone outside the manager's departments: refused, and said so beside the field.
    await pickRemoteOption(page, page.locator(byTestId('transfer-owner')), '赵六')
    await page.click(byTestId('transfer-submit'))
    const fieldError = page.locator(`${byTestId('transfer-owner-item')} .el-form-item__error`)
    await fieldError.waitFor()
    assert.equal(await textOf(fieldError), '您不能把客户交给这个人（超出您的数据权限范围）')

    await pickRemoteOption(page, page.locator(byTestId('transfer-owner')), '李四')
    await page.click(byTestId('transfer-submit'))
    await page.locator('.el-message--success', { hasText: '已将 1 个客户转移给 李四' }).waitFor()
    await dialog.waitFor({ state: 'hidden' })
    await eventually(async () => (await textOf(page.locator(byTestId('field-owner_id')))) === '李四', { message: 'new owner shown' })
  })
  assert.equal((await api.get(`/customers/${customer.id}`)).owner_id, users.repB.id)

  await as('repA', async ({ page }) => {
    assert.deepEqual(await loadedList(page, '/customers'), [])
    await page.goto(`/customers/${customer.id}`)
    await page.locator(byTestId('detail-not-found')).waitFor()
    assert.equal(await page.locator(byTestId('detail-title')).count(), 0)
  })

  await as('repB', async ({ page }) => {
    assert.deepEqual(await loadedList(page, '/customers'), [name])
    await page.goto(`/customers/${customer.id}`)
    assert.equal(await textOf(page.locator(byTestId('detail-title'))), name)
    // A rep (scope "own") cannot give customers away, nor open the settings.
    await page.locator(byTestId('detail-share')).waitFor()
    assert.equal(await page.locator(byTestId('detail-transfer')).count(), 0)
    assert.equal(await page.locator(`${byTestId('app-sidebar')} [data-area="settings"]`).count(), 0)
    await page.goto('/settings/users')
    await page.locator(byTestId('forbidden')).waitFor()
  })
})

test('settings as the administrator: add a department, create a user and see it listed', { timeout: 60_000 }, async () => {
  await as('admin', async ({ page }) => {
    // Departments: a sub-department of the selected one.
    await page.goto('/settings/departments')
    const tree = page.locator(byTestId('department-tree'))
    await tree.getByText('华东销售部', { exact: true }).click()
    await page.click(byTestId('department-add-child'))
    await page.fill(byTestId('department-create-name'), '上海组')
    await page.click(byTestId('department-create-submit'))
    await tree.getByText('上海组', { exact: true }).waitFor()
    const created = (await api.get('/departments?q=%E4%B8%8A%E6%B5%B7%E7%BB%84')).data
    assert.equal(created.length, 1)
    assert.equal(created[0].parent_id, department.id)

    // Users: a too-short password first (the server's 422 code, translated), then saved.
    await page.click(`${byTestId('settings-tabs')} #tab-users`)
    await page.waitForURL((url) => url.pathname === '/settings/users')
    await page.locator(`${byTestId('users-table')} ${byTestId('users-username')}`, { hasText: 'wang.manager' }).waitFor()
    await page.click(byTestId('users-new'))
    const dialog = page.locator(byTestId('user-form-dialog'))
    await dialog.waitFor()
    await page.fill(byTestId('user-username'), 'sun.rep')
    await page.fill(byTestId('user-password'), 'short')
    await page.fill(byTestId('user-name'), '孙七')
    await page.fill(byTestId('user-email'), 'sun@example.com')
    await page.click(byTestId('user-submit'))
    const passwordError = page.locator(`${byTestId('user-item-password')} .el-form-item__error`)
    await passwordError.waitFor()
    assert.equal(await textOf(passwordError), '太短（密码至少 8 个字符）')

    await page.fill(byTestId('user-password'), 'sun-pass-123')
    await page.click(byTestId('user-submit'))
    await dialog.waitFor({ state: 'hidden' })
    const row = page.locator(`${byTestId('users-table')} tbody tr`, { hasText: 'sun.rep' })
    await row.waitFor()
    assert.match(await textOf(row), /孙七.*sun@example\.com.*销售代表.*启用/)

    const found = (await api.get('/users?q=sun.rep')).data
    assert.equal(found.length, 1)
    assert.deepEqual(found[0].roles, ['sales_rep'])
  })
})

test('the pool: a rep releases a customer, cannot claim it back during the cooldown; a colleague claims it', { timeout: 60_000 }, async () => {
  const name = '西部重工有限公司'
  const customer = await api.post('/customers', { name, owner_id: users.repA.id })

  await as('repA', async ({ page }) => {
    await page.goto(`/customers/${customer.id}`)
    await page.click(byTestId('detail-release'))
    await page.locator('.el-message-box').getByRole('button', { name: '放入公海' }).click()
    await page.locator(byTestId('detail-pooled')).waitFor()
    assert.match(await textOf(page.locator(byTestId('detail-pooled'))), /华东销售部/)

    await page.goto('/customers/pool')
    const row = page.locator(`${byTestId('pool-table')} tbody tr`, { hasText: name })
    await row.locator(byTestId('pool-claim')).click()
    await page.locator('.el-message--error', { hasText: '您在 30 天内放弃过这个客户' }).waitFor()
  })
  assert.equal((await api.get(`/customers/${customer.id}`)).owner_id, null)

  await as('repB', async ({ page }) => {
    await page.goto('/customers/pool')
    const row = page.locator(`${byTestId('pool-table')} tbody tr`, { hasText: name })
    await row.locator(byTestId('pool-claim')).click()
    await page.locator('.el-message--success', { hasText: `已领取“${name}”` }).waitFor()
    await row.waitFor({ state: 'detached' })
    assert.deepEqual((await loadedList(page, '/customers')).sort(), ['东方精工机械有限公司', name].sort())
  })
  assert.equal((await api.get(`/customers/${customer.id}`)).owner_id, users.repB.id)
})

test('notifications: the daily job recycles neglected customers; the bell counts them and opens one', { timeout: 60_000 }, async () => {
  // The job as if run 40 days from now: rep B's customers have had no follow-up for longer
  // than the default 30 days.
  const bin = path.resolve(process.env.RAPPORT_BIN ?? path.join(REPO_ROOT, 'build', 'rapport'))
  const at = new Date(Date.now() + 40 * 86_400_000).toISOString()
  await promisify(execFile)(bin, ['jobs', 'run', '--data', server.dataDir, '--force', '--at', at], { timeout: 30_000 })
  const recycled = (await api.get('/customers?q=%E8%A5%BF%E9%83%A8%E9%87%8D%E5%B7%A5')).data[0]
  assert.equal(recycled.owner_id, null, 'the job put the customer back into the pool')

  await as('repB', async ({ page }) => {
    await page.goto('/dashboard')
    const badge = page.locator(`${byTestId('notifications-badge')} .el-badge__content`)
    await eventually(async () => (await textOf(badge)) === '2', { message: 'two unread' })
    await page.click(byTestId('notifications-button'))
    const item = page.locator(byTestId('notification-item'), { hasText: '客户“西部重工有限公司”已回收到公海' })
    await item.click()
    await page.waitForURL((url) => url.pathname === `/customers/${recycled.id}`)
    await page.locator(byTestId('detail-pooled')).waitFor()
    await eventually(async () => (await textOf(badge)) === '1', { message: 'one unread left' })

    await page.click(byTestId('notifications-button'))
    await page.click(byTestId('notifications-read-all'))
    await badge.waitFor({ state: 'hidden' })
  })
  const left = await apiSession(server.baseUrl, { username: users.repB.username, password: PASSWORD })
  assert.equal((await left.get('/notifications?unread=true')).unread, 0)
})
