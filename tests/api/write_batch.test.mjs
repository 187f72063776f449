// Group commit (src/http/write_batch.c, SQLite): the generic create/update/delete routes run in
// batches sharing one COMMIT. Concurrent writes are all there and each is answered only after its
// COMMIT (a read right after the answer finds it); a request that fails inside a batch changes
// nothing and does not touch its neighbours; a full write queue refuses with 503 at once; the
// setting RAPPORT_WRITE_BATCH=0 turns it off. On PostgreSQL the batcher is off and the same
// behaviour holds through one transaction per request.

import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, test } from 'node:test'

import { BACKEND, api, assertError, login, startServer } from './lib/server.mjs'

const ENV = { RAPPORT_JOBS_INTERVAL: '86400' }

/** "write batches: C commits of R requests" lines of a server's log, summed. */
function batchTotals(stderr) {
  let commits = 0
  let requests = 0
  for (const m of stderr.matchAll(/write batches: (\d+) commits of (\d+) requests/g)) {
    commits += Number(m[1])
    requests += Number(m[2])
  }
  return { commits, requests }
}

/** One POST on its own connection (no keep-alive pool): { status, json, text }. */
function postAlone(server, path, session, body) {
  return new Promise((resolve) => {
    const payload = JSON.stringify(body)
    const req = http.request(
      server.url(path),
      {
        method: 'POST',
        agent: false,
        headers: {
          cookie: session.cookie,
          'x-csrf-token': session.csrf,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          let json = null
          try {
            json = JSON.parse(text)
          } catch {}
          resolve({
            status: res.statusCode,
            json,
            text,
            retryAfter: res.headers['retry-after'],
            headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
          })
        })
      },
    )
    req.on('error', (error) => resolve({ status: 0, text: error.message }))
    req.end(payload)
  })
}

describe('write batch: many writes, one COMMIT', () => {
  let server
  let admin
  let customer

  before(async () => {
    server = await startServer({ env: ENV })
    admin = await login(server)
    const res = await api(server, 'POST', '/api/customers', { session: admin, body: { name: '批量提交客户' } })
    assert.equal(res.status, 201, res.text)
    customer = res.json
  })
  after(() => server?.stop())

  test('64 concurrent follow-ups: all 201, each readable as soon as it is answered', async () => {
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        api(server, 'POST', '/api/activities', {
          session: admin,
          body: { customer_id: customer.id, type: 'call', subject: `批量 ${i}` },
        }).then(async (res) => {
          // read at once, on another connection: a write answered before its COMMIT is not there
          const seen = res.status === 201 ? await api(server, 'GET', `/api/activities/${res.json.id}`, { session: admin }) : null
          return { res, seen }
        }),
      ),
    )
    for (const [i, { res, seen }] of results.entries()) {
      assert.equal(res.status, 201, res.text)
      assert.equal(res.json.subject, `批量 ${i}`)
      assert.equal(seen.status, 200, `follow-up ${res.json.id} answered but not readable: ${seen.text}`)
    }
    const ids = new Set(results.map(({ res }) => res.json.id))
    assert.equal(ids.size, 64)
    const list = await api(server, 'GET', '/api/activities', { session: admin, query: { 'filter[customer_id]': customer.id, limit: 200 } })
    assert.equal(list.status, 200, list.text)
    assert.equal(list.json.total, 64)
  })

  test('failing requests inside a batch change nothing and do not touch their neighbours', async () => {
    const before = await api(server, 'GET', '/api/products', { session: admin, query: { limit: 200 } })
    assert.equal(before.status, 200, before.text)
    const code = `WB-${Date.now()}`
    const jobs = []
    for (let i = 0; i < 40; i++) {
      const kind = i % 5
      if (kind === 0) {
        // the same unique code: one wins, the rest conflict (they see the batch's own earlier insert)
        jobs.push(['dup', api(server, 'POST', '/api/products', { session: admin, body: { code, name: `重复 ${i}` } })])
      } else if (kind === 1) {
        jobs.push(['bad', api(server, 'POST', '/api/products', { session: admin, body: { name: `无编码 ${i}` } })])
      } else if (kind === 2) {
        jobs.push(['bad', api(server, 'POST', '/api/activities', { session: admin, body: { customer_id: 999999999, type: 'call', subject: 'x' } })])
      } else if (kind === 3) {
        jobs.push(['bad', api(server, 'POST', '/api/products', { session: admin, body: '{"code": ', raw: true, headers: { 'content-type': 'application/json' } })])
      } else {
        jobs.push(['ok', api(server, 'POST', '/api/products', { session: admin, body: { code: `${code}-${i}`, name: `好 ${i}` } })])
      }
    }
    const done = await Promise.all(jobs.map(async ([kind, p]) => [kind, await p]))
    const dups = done.filter(([k]) => k === 'dup').map(([, r]) => r)
    assert.equal(dups.filter((r) => r.status === 201).length, 1, dups.map((r) => r.status).join(' '))
    for (const r of dups.filter((x) => x.status !== 201)) assertError(r, 409, 'conflict')
    for (const [k, r] of done) {
      if (k === 'bad') assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`)
      if (k === 'ok') assert.equal(r.status, 201, r.text)
    }
    const afterList = await api(server, 'GET', '/api/products', { session: admin, query: { limit: 200 } })
    assert.equal(afterList.json.total, before.json.total + 8 + 1, 'the 8 good products and one of the duplicates, nothing else')
    const mine = afterList.json.data.filter((p) => p.code?.startsWith(code))
    assert.equal(mine.length, 9)
    assert.deepEqual(
      mine.map((p) => p.code).sort(),
      [code, ...[4, 9, 14, 19, 24, 29, 34, 39].map((i) => `${code}-${i}`)].sort(),
    )
  })

  test('updates and deletes in batches: stale versions refused, the rest applied once', async () => {
    const made = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api(server, 'POST', '/api/customers', { session: admin, body: { name: `批量更新 ${i}` } }),
      ),
    )
    for (const r of made) assert.equal(r.status, 201, r.text)
    // each record: one PATCH with the right version and one with a stale one, at the same time
    const patches = await Promise.all(
      made.flatMap(({ json: c }) => [
        api(server, 'PATCH', `/api/customers/${c.id}`, { session: admin, body: { version: c.version, name: `${c.name} 改` } }),
        api(server, 'PATCH', `/api/customers/${c.id}`, { session: admin, body: { version: c.version + 5, name: 'stale' } }),
      ]),
    )
    for (let i = 0; i < patches.length; i += 2) {
      assert.equal(patches[i].status, 200, patches[i].text)
      assertError(patches[i + 1], 409, 'conflict')
    }
    const gone = await Promise.all(made.slice(0, 5).map(({ json: c }) => api(server, 'DELETE', `/api/customers/${c.id}`, { session: admin })))
    for (const r of gone) assert.ok(r.status === 200 || r.status === 204, r.text)
    for (const [i, { json: c }] of made.entries()) {
      const r = await api(server, 'GET', `/api/customers/${c.id}`, { session: admin })
      if (i < 5) {
        assertError(r, 404, 'not_found')
      } else {
        assert.equal(r.status, 200, r.text)
        assert.equal(r.json.name, `批量更新 ${i} 改`)
        assert.equal(r.json.version, c.version + 1)
      }
    }
  })

  test('the log counts fewer COMMITs than requests (SQLite)', { skip: BACKEND === 'postgres' && 'no batches on PostgreSQL' }, async () => {
    const { stderr } = await server.stop()
    const { commits, requests } = batchTotals(stderr)
    assert.ok(requests >= 64 + 40 + 30, `batched requests: ${requests}\n${stderr.slice(-2000)}`)
    assert.ok(commits < requests, `${commits} commits for ${requests} requests`)
  })
})

describe('write batch: a full queue refuses at once', { skip: BACKEND === 'postgres' && 'no batches on PostgreSQL' }, () => {
  let server
  let admin
  let customer

  before(async () => {
    server = await startServer({ env: { ...ENV, RAPPORT_WRITE_QUEUE_MAX: '2', RAPPORT_WRITE_BATCH_MAX: '1' } })
    admin = await login(server)
    const res = await api(server, 'POST', '/api/customers', { session: admin, body: { name: '排队客户' } })
    assert.equal(res.status, 201, res.text)
    customer = res.json
  })
  after(() => server?.stop())

  test('200 writes at once on their own connections: some 503 unavailable, every 201 is there, no 503 is', { timeout: 60_000 }, async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        postAlone(server, '/api/activities', admin, { customer_id: customer.id, type: 'call', subject: `排队 ${i}` }),
      ),
    )
    const ok = results.filter((r) => r.status === 201)
    const refused = results.filter((r) => r.status === 503)
    assert.equal(ok.length + refused.length, 200, results.filter((r) => r.status !== 201 && r.status !== 503).map((r) => `${r.status} ${r.text}`).join('\n'))
    assert.ok(refused.length > 0, 'nothing was refused with a queue of 2')
    assert.ok(ok.length > 0, 'nothing was served')
    for (const r of refused) {
      assertError(r, 503, 'unavailable')
      assert.equal(r.retryAfter, '1')
    }
    const list = await api(server, 'GET', '/api/activities', { session: admin, query: { 'filter[customer_id]': customer.id, limit: 200 } })
    assert.equal(list.json.total, ok.length)
    const subjects = new Set(list.json.data.map((a) => a.subject))
    for (const r of ok) assert.ok(subjects.has(r.json.subject))
    // and it recovers
    const again = await api(server, 'POST', '/api/activities', { session: admin, body: { customer_id: customer.id, type: 'call', subject: '之后' } })
    assert.equal(again.status, 201, again.text)
  })
})

describe('write batch: RAPPORT_WRITE_BATCH=0 turns it off', () => {
  test('writes go one transaction per request, no batches in the log', async () => {
    const server = await startServer({ env: { ...ENV, RAPPORT_WRITE_BATCH: '0' } })
    try {
      const admin = await login(server)
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => api(server, 'POST', '/api/customers', { session: admin, body: { name: `不批量 ${i}` } })),
      )
      for (const r of results) assert.equal(r.status, 201, r.text)
    } finally {
      const { stderr } = await server.stop()
      assert.equal(batchTotals(stderr).requests, 0)
    }
  })
})
