// Several servers on one PostgreSQL database: sessions made on one work on the other, a due job
// runs exactly once, and the same record edited from both gives one 409, not a lost update.
// Runs only when the test script provides PostgreSQL (RAPPORT_TEST_PG_URL).

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { execFile } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { REPO_ROOT, api, assertError, login, runCli, startServer } from './lib/server.mjs'
import { PG_URL, createDatabase } from './lib/postgres.mjs'

describe('two servers on one PostgreSQL database', { skip: !PG_URL && 'no PostgreSQL (RAPPORT_TEST_PG_URL)' }, () => {
  let database, a, b, session

  before(async () => {
    database = await createDatabase()
    const env = { RAPPORT_DATABASE_URL: database.url, RAPPORT_JOBS_INTERVAL: '3600' }
    a = await startServer({ env })
    b = await startServer({ env, dataDir: a.dataDir })
    session = await login(a)
  })

  after(async () => {
    await b?.stop()
    await a?.stop()
    await database?.drop()
  })

  test('both report PostgreSQL', async () => {
    for (const s of [a, b]) {
      const res = await api(s, 'GET', '/api/health')
      assert.equal(res.status, 200)
      assert.equal(res.json.database, 'postgres')
    }
  })

  test('a session made on one server works on the other', async () => {
    const me = await api(b, 'GET', '/api/me', { session })
    assert.equal(me.status, 200)
    assert.equal(me.json.user.username, 'admin')
    const created = await api(b, 'POST', '/api/customers', { session, body: { name: '两台服务器客户' } })
    assert.equal(created.status, 201, created.text)
    const seen = await api(a, 'GET', `/api/customers/${created.json.id}`, { session })
    assert.equal(seen.status, 200)
    assert.equal(seen.json.name, '两台服务器客户')
  })

  test('logging out on one server ends the session on both', async () => {
    const other = await login(b)
    assert.equal((await api(a, 'GET', '/api/me', { session: other })).status, 200)
    assert.equal((await api(a, 'POST', '/api/auth/logout', { session: other })).status, 204)
    assertError(await api(b, 'GET', '/api/me', { session: other }), 401, 'unauthenticated')
  })

  test('the same record edited from both servers: one succeeds, one gets 409', async () => {
    const c = await api(a, 'POST', '/api/customers', { session, body: { name: '并发编辑测试' } })
    const version = c.json.version
    const [ra, rb] = await Promise.all([
      api(a, 'PATCH', `/api/customers/${c.json.id}`, { session, body: { version, grade: 'A' } }),
      api(b, 'PATCH', `/api/customers/${c.json.id}`, { session, body: { version, grade: 'B' } }),
    ])
    const statuses = [ra.status, rb.status].sort()
    assert.deepEqual(statuses, [200, 409], `${ra.text} / ${rb.text}`)
    const winner = ra.status === 200 ? ra : rb
    const now = await api(b, 'GET', `/api/customers/${c.json.id}`, { session })
    assert.equal(now.json.grade, winner.json.grade, 'the stored value is the one that won')
    assert.equal(now.json.version, version + 1)
  })

  test('a due job runs exactly once when two processes run it at the same moment', async () => {
    const env = { RAPPORT_DATABASE_URL: database.url }
    const at = ['jobs', 'run', '--data', a.dataDir, '--at', '2031-05-01T03:00:00Z']
    const [r1, r2] = await Promise.all([runCli(at, { env }), runCli(at, { env })])
    assert.equal(r1.code, 0, r1.stderr)
    assert.equal(r2.code, 0, r2.stderr)
    const reports = [JSON.parse(r1.stdout), JSON.parse(r2.stdout)]
    const ran = reports.filter((r) => typeof r.jobs.pool_recycle === 'object')
    const skipped = reports.filter((r) => r.jobs.pool_recycle === 'skipped')
    assert.equal(ran.length, 1, r1.stdout + r2.stdout)
    assert.equal(skipped.length, 1)
  })
})

// The restart gets a cluster of its own: restarting the shared one would fail every other test
// file running at the same time.
function cluster(...args) {
  return new Promise((resolve, reject) => {
    execFile('scripts/pg-cluster.sh', args, { cwd: REPO_ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`pg-cluster.sh ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout.trim()))
  })
}

describe('the database restarts under load', { skip: !PG_URL && 'no PostgreSQL (RAPPORT_TEST_PG_URL)' }, () => {
  let dir, server, session

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rapport-pg-restart-'))
    const url = await cluster('start', dir)
    server = await startServer({ env: { RAPPORT_DATABASE_URL: url, RAPPORT_JOBS_INTERVAL: '3600' } })
    session = await login(server)
  })

  after(async () => {
    await server?.stop() // asserts a clean exit: the server never crashed
    if (dir) await cluster('stop', dir)
  })

  test('requests fail with 503 while it is down and recover by themselves', async () => {
    const created = await api(server, 'POST', '/api/customers', { session, body: { name: '重启测试客户' } })
    assert.equal(created.status, 201)
    const seen = new Set()
    let stop = false
    const load = (async () => {
      while (!stop) {
        const res = await api(server, 'GET', `/api/customers/${created.json.id}`, { session }).catch(() => null)
        if (res) {
          seen.add(res.status)
          if (res.status !== 200) assertError(res, 503, 'unavailable')
        }
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    await cluster('restart', dir, '2')
    // after the restart every request succeeds again, without restarting Rapport
    let ok = false
    for (let i = 0; i < 50 && !ok; i++) {
      ok = (await api(server, 'GET', `/api/customers/${created.json.id}`, { session })).status === 200
      if (!ok) await new Promise((r) => setTimeout(r, 100))
    }
    stop = true
    await load
    assert.ok(ok, 'requests recover after the restart')
    assert.ok(seen.has(503), `saw ${[...seen]} during the outage`)
    const write = await api(server, 'POST', '/api/customers', { session, body: { name: '重启后的新客户' } })
    assert.equal(write.status, 201, write.text)
  })
})
