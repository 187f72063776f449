// Browser test of signing in and out, the application frame and the language switch,
// against a real server (see server.mjs) in Debian's Chromium.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { ADMIN_PASSWORD, ADMIN_USERNAME, startServer } from './server.mjs'
import { launchBrowser, watchPageProblems } from './browser.mjs'

const byTestId = (id) => `[data-testid="${id}"]`

let server
let browser

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

/** A fresh browser context (no cookies, empty localStorage) and page. */
async function openPage() {
  const context = await browser.newContext({ baseURL: server.baseUrl, locale: 'zh-CN' })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const problems = watchPageProblems(page)
  return { context, page, problems }
}

async function submitLogin(page, username, password) {
  await page.fill(byTestId('login-username'), username)
  await page.fill(byTestId('login-password'), password)
  await page.click(byTestId('login-submit'))
}

const pathOf = (page) => new URL(page.url()).pathname

test('log in, see the frame, switch language, reload, log out', { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage()
  try {
    await page.goto('/')
    await page.waitForURL((url) => url.pathname === '/login')
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN')

    await submitLogin(page, ADMIN_USERNAME, ADMIN_PASSWORD)
    await page.waitForURL((url) => url.pathname !== '/login')
    const sidebar = page.locator(byTestId('app-sidebar'))
    await sidebar.waitFor()

    // The header shows the display name the server gives for the user.
    const me = await page.evaluate(async () => (await fetch('/api/me')).json())
    const expectedName = me.user.name || me.user.username
    assert.ok(expectedName, 'GET /api/me returns a user with a name or username')
    assert.equal((await page.textContent(byTestId('header-username')))?.trim(), expectedName)

    // Chinese by default, English after the switch.
    await sidebar.getByText('客户', { exact: true }).waitFor()
    await page.locator(byTestId('lang-switch')).getByText('English', { exact: true }).click()
    await sidebar.getByText('Customers', { exact: true }).waitFor()
    assert.equal(await sidebar.getByText('客户', { exact: true }).count(), 0)
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')

    // The choice survives a reload, and so does the session.
    await page.reload()
    await sidebar.getByText('Customers', { exact: true }).waitFor()
    assert.equal(await page.locator('html').getAttribute('lang'), 'en')

    await page.click(byTestId('logout-button'))
    await page.waitForURL((url) => url.pathname === '/login')

    // The session is gone on the server too: the frame is out of reach again.
    await page.goto('/customers')
    await page.waitForURL((url) => url.pathname === '/login')

    assert.deepEqual(problems, [])
  } finally {
    await context.close()
  }
})

test('a wrong password shows the error; then signing in returns to the intended page', { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage()
  try {
    await page.goto('/customers')
    await page.waitForURL((url) => url.pathname === '/login')
    assert.equal(new URL(page.url()).searchParams.get('redirect'), '/customers')

    await submitLogin(page, ADMIN_USERNAME, 'not-the-password')
    const error = page.locator(byTestId('login-error'))
    await error.waitFor()
    assert.ok((await error.textContent())?.trim(), 'the error shows a message')
    assert.equal(pathOf(page), '/login')

    await submitLogin(page, ADMIN_USERNAME, ADMIN_PASSWORD)
    await page.waitForURL((url) => url.pathname === '/customers')
    await page.locator(byTestId('app-sidebar')).waitFor()

    assert.deepEqual(problems, [])
  } finally {
    await context.close()
  }
})

test('the login page loads at most 300 KB of gzipped JavaScript', { timeout: 60_000 }, async () => {
  const { context, page, problems } = await openPage()
  try {
    const scripts = new Map()
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.set(response.url(), response)
    })
    await page.goto('/login')
    await page.locator(byTestId('login-submit')).waitFor()
    await page.waitForLoadState('networkidle')

    let total = 0
    for (const response of scripts.values()) {
      // What goes over the wire: the server's gzip when it sends one, else gzip -9 of the body.
      const encoded = (await response.headerValue('content-encoding')) === 'gzip'
      const length = Number(await response.headerValue('content-length'))
      total += encoded && length > 0 ? length : gzipSync(await response.body(), { level: 9 }).length
    }
    assert.ok(scripts.size > 0, 'the page loaded scripts')
    assert.ok(total <= 300 * 1024, `login page JS is ${(total / 1024).toFixed(1)} KB gzipped (budget 300 KB)`)
    if (process.env.RAPPORT_E2E_LOG === '1') console.log(`login page JS: ${(total / 1024).toFixed(1)} KB gzipped, ${scripts.size} files`)
    assert.deepEqual(problems, [])
  } finally {
    await context.close()
  }
})
