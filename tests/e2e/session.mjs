// Shared set-up for browser tests that work on records: one server and one browser per
// test file, one login per file (through the real login form), and a small API client
// that arranges data and checks what the UI did against the server's own answers.

import assert from 'node:assert/strict'
import { ADMIN_PASSWORD, ADMIN_USERNAME, startServer } from './server.mjs'
import { launchBrowser, watchPageProblems } from './browser.mjs'

export const byTestId = (id) => `[data-testid="${id}"]`

/**
 * A logged-in API client for arranging and verifying (cookie + CSRF header, like the app);
 * the administrator unless other credentials are given.
 */
export async function apiSession(baseUrl, { username = ADMIN_USERNAME, password = ADMIN_PASSWORD } = {}) {
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  assert.equal(login.status, 200, 'API login')
  const { csrf_token: csrf } = await login.json()
  const cookie = login.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ')

  async function call(method, path, body) {
    const response = await fetch(`${baseUrl}/api${path}`, {
      method,
      headers: {
        cookie,
        'X-CSRF-Token': csrf,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : undefined }
  }

  /** Like call() but fails the test unless the answer is 2xx; returns the body. */
  async function ok(method, path, body) {
    const result = await call(method, path, body)
    assert.ok(result.status >= 200 && result.status < 300, `${method} ${path} → ${result.status} ${JSON.stringify(result.body)}`)
    return result.body
  }

  return {
    call,
    get: (path) => ok('GET', path),
    post: (path, body) => ok('POST', path, body),
    patch: (path, body) => ok('PATCH', path, body),
  }
}

/**
 * A fresh browser context (own cookies and storage) signed in through the login form.
 * Returns { context, page, problems }; close the context when done.
 */
export async function loginPage(browser, baseUrl, { username = ADMIN_USERNAME, password = ADMIN_PASSWORD, locale = 'zh-CN' } = {}) {
  const context = await browser.newContext({ baseURL: baseUrl, locale, viewport: { width: 1440, height: 900 } })
  try {
    context.setDefaultTimeout(10_000)
    // The UI language is remembered in localStorage; start every page in the one asked for.
    await context.addInitScript((value) => {
      try {
        if (!window.localStorage.getItem('rapport.locale')) window.localStorage.setItem('rapport.locale', value)
      } catch {
        // storage disabled
      }
    }, locale)
    const page = await context.newPage()
    const problems = watchPageProblems(page)

    await page.goto('/login')
    await page.fill(byTestId('login-username'), username)
    await page.fill(byTestId('login-password'), password)
    await page.click(byTestId('login-submit'))
    await page.waitForURL((url) => url.pathname !== '/login')
    await page.locator(byTestId('app-sidebar')).waitFor()
    return { context, page, problems }
  } catch (error) {
    await context.close().catch(() => {})
    throw error
  }
}

/**
 * Starts the server (with the demo data unless demo: false) and Chromium, and logs in
 * once through the login form. Returns { server, browser, context, page, problems, api, close }.
 * The context keeps the session cookie; tests open their pages with page.goto().
 */
export async function startSession({ demo = true, locale = 'zh-CN' } = {}) {
  const server = await startServer({ demo })
  let browser
  try {
    browser = await launchBrowser()
    const { context, page, problems } = await loginPage(browser, server.baseUrl, { locale })

    const api = await apiSession(server.baseUrl)
    const close = async () => {
      await context.close().catch(() => {})
      await browser.close().catch(() => {})
      await server.stop()
    }
    return { server, browser, context, page, problems, api, close }
  } catch (error) {
    await browser?.close().catch(() => {})
    await server.stop()
    throw error
  }
}

/** Picks an option of an Element Plus select (the dropdown lives at the end of <body>). */
export async function chooseOption(page, selectLocator, optionText) {
  await selectLocator.click()
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: optionText }).first()
  await option.click()
}

/**
 * Submits a RecordFormDialog and waits for it to close. When it stays open, the test fails
 * with what the dialog says (field errors, alerts, messages) instead of a bare timeout.
 */
export async function submitRecordForm(page, dialog = page.locator(byTestId('record-form-dialog'))) {
  await dialog.locator(byTestId('form-submit')).click()
  try {
    await dialog.waitFor({ state: 'hidden' })
  } catch (error) {
    const said = async (locator) => (await locator.allTextContents()).map((text) => text.trim()).filter(Boolean)
    const fields = await dialog.locator('.el-form-item').evaluateAll((items) =>
      items
        .map((item) => [item.dataset.testid, item.querySelector('.el-form-item__error')?.textContent?.trim()])
        .filter(([, text]) => text)
        .map(([name, text]) => `${name}: ${text}`),
    )
    const alerts = await said(dialog.locator('.el-alert'))
    const messages = await said(page.locator('.el-message'))
    assert.fail(`the form stayed open (${error.message.split('\n')[0]}); fields ${JSON.stringify(fields)}, ` +
      `alerts ${JSON.stringify(alerts)}, messages ${JSON.stringify(messages)}`)
  }
}

/** Polls fn() until it returns a truthy value (or the time is up) and returns that value. */
export async function eventually(fn, { timeout = 5_000, interval = 100, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout
  let last
  while (Date.now() < deadline) {
    last = await fn()
    if (last) return last
    await new Promise((resolve) => setTimeout(resolve, interval))
  }
  assert.fail(`${message} did not hold within ${timeout} ms (last value: ${JSON.stringify(last)})`)
}

/**
 * Picks an option of a select that searches the server as one types (ReferenceSelect,
 * UserSelect, ProductSelect): types `typed`, waits for the server's answer to exactly that
 * search, clicks the option showing `optionText` and checks the select now shows it.
 * Clicking before the answer raced the list being replaced (the click landed on the
 * "loading" row and nothing was chosen).
 */
export async function pickRemoteOption(page, selectLocator, typed, optionText = typed) {
  const answered = page.waitForResponse((response) => {
    const url = new URL(response.url())
    return url.pathname.startsWith('/api/') && url.searchParams.get('q') === typed.trim()
  })
  await selectLocator.click()
  await page.keyboard.type(typed)
  await answered
  await page.locator('.el-select-dropdown__item:visible', { hasText: optionText }).first().click()
  await eventually(async () => (await textOf(selectLocator)).includes(optionText), { message: `the select shows ${optionText}` })
}

/**
 * Drags source onto target with the browser's own drag and drop (HTML5 events). Playwright
 * tells a drag from a plain mouse move by whether "dragstart" fired before a zero-delay
 * timer; on a loaded machine it can miss it, and then no drop is delivered at all. So
 * the page counts the drops it receives, and a gesture that delivered none is repeated
 * (at most three times: an app that never takes the drop still fails here).
 */
export async function dragAndDrop(page, source, target) {
  await page.evaluate(() => {
    window.__rapportDrops = 0
    window.addEventListener('drop', () => window.__rapportDrops++, { capture: true })
  })
  for (let attempt = 1; attempt <= 3; attempt++) {
    await source.dragTo(target, { steps: 4 })
    if (await page.evaluate(() => window.__rapportDrops > 0)) return
  }
  assert.fail('three drags delivered no drop event')
}

/** The text of the element, trimmed. */
export async function textOf(locator) {
  return ((await locator.textContent()) ?? '').trim()
}

export const pathOf = (page) => new URL(page.url()).pathname
