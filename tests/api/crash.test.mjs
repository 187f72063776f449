// Crash safety: a write load from several clients, SIGKILL of the server at a random moment,
// restart. Each cycle then checks that `rapport check` finds the database intact (SQLite:
// PRAGMA integrity_check and the search indexes; PostgreSQL: a sanity check) and that every write
// answered 2xx is there with its content. A few cycles on the same data, under ~20 s in all.

import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'

import { ADMIN_PASSWORD, BACKEND, api, login, runCli, sanitizerReports, startServer, tempDataDir } from './lib/server.mjs'

const CYCLES = 5
const CLIENTS = 6
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

describe('crash safety: SIGKILL under a write load', () => {
  let dataDir
  let env
  let database = null

  before(async () => {
    dataDir = await tempDataDir('rapport-crash-')
    env = { RAPPORT_ADMIN_PASSWORD: ADMIN_PASSWORD, RAPPORT_JOBS_INTERVAL: '86400' }
    if (BACKEND === 'postgres') {
      const { createDatabase } = await import('./lib/postgres.mjs')
      database = await createDatabase()
      env.RAPPORT_DATABASE_URL = database.url
    }
    const init = await runCli(['init', '--data', dataDir], { env })
    assert.equal(init.code, 0, init.stderr)
  })

  after(async () => {
    await rm(dataDir, { recursive: true, force: true })
    await database?.drop()
  })

  test(`${CYCLES} cycles of load, kill -9, check, restart: every acknowledged write survives`, { timeout: 60_000 }, async (t) => {
    const acked = [] // { entity, id, body }
    let customerIds = []
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const server = await startServer({ dataDir, env })
      const admin = await login(server)
      // what the previous cycles acknowledged is all here, with its content
      await verify(server, admin, acked)
      if (!customerIds.length) {
        for (let i = 0; i < 3; i++) {
          const res = await api(server, 'POST', '/api/customers', { session: admin, body: { name: `崩溃测试 base ${i}` } })
          assert.equal(res.status, 201, res.text)
          customerIds.push(res.json.id)
          acked.push({ entity: 'customers', id: res.json.id, body: { name: `崩溃测试 base ${i}` } })
        }
      }

      let stop = false
      let attempted = 0
      const failures = []
      const client = async (k) => {
        for (let n = 0; !stop; n++) {
          const tag = `c${cycle}-k${k}-n${n}`
          const [entity, body] =
            n % 3 === 2
              ? ['customers', { name: `崩溃客户 ${tag}`, phone: `13${cycle}${k}${String(n).padStart(7, '0')}` }]
              : ['activities', { customer_id: customerIds[n % customerIds.length], type: 'call', subject: `跟进 ${tag}` }]
          attempted++
          let res
          try {
            res = await api(server, 'POST', `/api/${entity}`, { session: admin, body })
          } catch {
            return // the server is gone
          }
          if (res.status >= 200 && res.status < 300) {
            acked.push({ entity, id: res.json.id, body })
          } else if (!stop && res.status !== 503) {
            // 503 under contention is allowed; anything else is a bug
            failures.push(`${entity} ${JSON.stringify(body)}: ${res.status} ${res.text}`)
          }
        }
      }
      const before = acked.length
      const clients = Array.from({ length: CLIENTS }, (_, k) => client(k))
      await sleep(500 + Math.floor(Math.random() * 1200))
      const reports = sanitizerReports(server.stderr())
      server.child.kill('SIGKILL')
      await new Promise((resolve) => (server.running() ? server.child.once('exit', resolve) : resolve()))
      stop = true
      await Promise.all(clients)
      assert.deepEqual(reports, [], server.stderr())
      assert.deepEqual(failures, [])
      assert.ok(acked.length > before, `cycle ${cycle}: no write was acknowledged (${attempted} attempted)`)

      const check = await runCli(['check', '--data', dataDir], { env })
      assert.equal(check.code, 0, `rapport check after the kill of cycle ${cycle}:\n${check.stdout}${check.stderr}`)
    }
    // and once more after the last kill
    const server = await startServer({ dataDir, env })
    try {
      await verify(server, await login(server), acked)
      t.diagnostic(`${acked.length} acknowledged writes checked after ${CYCLES} kills`)
    } finally {
      await server.stop()
    }
  })
})

async function verify(server, session, acked) {
  for (const { entity, id, body } of acked) {
    const res = await api(server, 'GET', `/api/${entity}/${id}`, { session })
    assert.equal(res.status, 200, `${entity}/${id} was acknowledged but is ${res.status} after the restart: ${res.text}`)
    for (const [key, value] of Object.entries(body)) {
      const got = res.json[key]
      const actual = got !== null && typeof got === 'object' && 'id' in got ? got.id : got
      assert.deepEqual(actual, value, `${entity}/${id}.${key}`)
    }
  }
}
