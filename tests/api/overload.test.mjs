// Overload: with far more connections than the server can serve, requests are refused at once
// with 503 {"error":{"code":"unavailable"}} and Retry-After (and their connection closed) rather
// than queued without bound; when the load drops, everything is served again. The queue budget is
// set small (RAPPORT_QUEUE_MS=300) so that a few hundred list requests overload the test server.

import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, test } from 'node:test'

import { api, assertError, login, startServer } from './lib/server.mjs'

const CONNECTIONS = 400
const BUDGET_MS = 300

/** One GET on its own connection: { status, ms, retryAfter, body }. */
function get(server, path, session) {
  return new Promise((resolve) => {
    const started = performance.now()
    const req = http.request(server.url(path), { agent: false, headers: { cookie: session.cookie } }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          ms: performance.now() - started,
          retryAfter: res.headers['retry-after'],
          headers: res.headers,
          text: Buffer.concat(chunks).toString(),
        }),
      )
    })
    req.on('error', (error) => resolve({ status: 0, ms: performance.now() - started, error: error.message }))
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')))
    req.end()
  })
}

describe('overload: 503 at once instead of an unbounded queue', () => {
  let server
  let admin

  before(async () => {
    server = await startServer({
      demo: true,
      env: { RAPPORT_QUEUE_MS: String(BUDGET_MS), RAPPORT_SLOW_QUEUE_MAX: '4', RAPPORT_JOBS_INTERVAL: '86400' },
    })
    admin = await login(server)
  })
  after(() => server?.stop())

  test(`${CONNECTIONS} connections at once: some served, the rest refused quickly; then it recovers`, { timeout: 120_000 }, async (t) => {
    // a page of 200 customers with search: several ms of work each, so 400 at once is seconds of queue
    const path = '/api/customers?limit=200&sort=-updated_at&q=%E5%85%AC%E5%8F%B8'
    const one = await get(server, path, admin)
    assert.equal(one.status, 200, one.text)

    const results = await Promise.all(Array.from({ length: CONNECTIONS }, () => get(server, path, admin)))
    const ok = results.filter((r) => r.status === 200)
    const refused = results.filter((r) => r.status === 503)
    const other = results.filter((r) => r.status !== 200 && r.status !== 503)
    const slowest = (list) => Math.round(Math.max(0, ...list.map((r) => r.ms)))
    t.diagnostic(
      `${ok.length} served (slowest ${slowest(ok)} ms, queue budget ${BUDGET_MS} ms), ` +
        `${refused.length} refused with 503 (slowest ${slowest(refused)} ms), ${other.length} other`,
    )
    assert.deepEqual(other.map((r) => r.status + ' ' + (r.error ?? r.text)), [], 'only 200 and 503 answers')
    assert.ok(ok.length > 0, 'some requests are served')
    assert.ok(refused.length > 0, 'the excess is refused')
    for (const r of refused) {
      assert.equal(r.retryAfter, '1', 'Retry-After on a 503')
      assertError({ status: r.status, headers: new Headers(r.headers), json: JSON.parse(r.text), text: r.text }, 503, 'unavailable')
    }
    // nothing waited without bound: the whole burst is over in a few budgets' time, not the
    // seconds that CONNECTIONS x the request's cost would take
    const serial = one.ms * CONNECTIONS
    t.diagnostic(`one request alone: ${Math.round(one.ms)} ms; all of them in a row would take ~${Math.round(serial)} ms`)
    assert.ok(slowest(refused) < 10_000, `the slowest 503 took ${slowest(refused)} ms`)

    // the load is gone: every request is served again
    for (let i = 0; i < 20; i++) {
      const r = await get(server, path, admin)
      assert.equal(r.status, 200, `after the burst, request ${i}: ${r.status} ${r.text}`)
    }
    const health = await api(server, 'GET', '/api/health')
    assert.equal(health.status, 200)
  })

  test('password hashing: past the queue cap, logins are refused at once and succeed afterwards', { timeout: 60_000 }, async () => {
    const body = JSON.stringify({ username: 'admin', password: 'wrong-password-x' })
    const attempt = () =>
      fetch(server.url('/api/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
        async (res) => ({ status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() }),
      )
    const results = await Promise.all(Array.from({ length: 40 }, attempt))
    const statuses = results.map((r) => r.status)
    assert.ok(statuses.includes(503), `statuses: ${statuses}`)
    assert.ok(statuses.every((s) => s === 401 || s === 503 || s === 429), `statuses: ${statuses}`)
    for (const r of results.filter((x) => x.status === 503)) {
      assert.equal(r.retryAfter, '1')
      assert.equal(JSON.parse(r.text).error.code, 'unavailable')
    }
    // the queue drained: a real login works (a fresh session; the rate limit counts by username)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const res = await api(server, 'GET', '/api/me', { session: admin })
    assert.equal(res.status, 200)
  })
})
