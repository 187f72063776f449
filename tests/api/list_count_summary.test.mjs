// list_count_summary.test.mjs - a customer list's total read from the count summary
// (src/core/count_summary.c: rows per owner, pool department and status kept by triggers).
// For reps, a manager, the director and the admin, with filters the summary answers (status,
// status in, no owner) and one it does not (grade), every total must equal the number of records
// the list holds and the total counted from the records (a no-op filter, id > 0, takes that path),
// after creates, status changes, transfers, pool releases and claims, the recycle bin and back,
// edits of other fields, hard deletes and an import; past the cap the answer is capped exactly as
// before. Changing a summary row by hand changes a rep's total (so the summary is what is read),
// `rapport check` reports it and a start (rapport migrate) recomputes it. Runs on SQLite and
// PostgreSQL (where the delta rows are folded on nearly every read).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { api, login, runCli, startServer } from './lib/server.mjs'
import { createDepartments, createUsers, loginUsers, must, setDepartmentManagers } from './lib/company.mjs'
import { listAll } from './lib/records.mjs'

const DEPTS = [
  { key: 'east', name: '计数华东' },
  { key: 'west', name: '计数华西' },
]
const USERS = [
  { key: 'mgr', username: 'cnt_mgr', name: '计数经理', dept: 'east', roles: ['sales_manager'] },
  { key: 'a', username: 'cnt_a', name: '计数甲', dept: 'east', manager: 'mgr', roles: ['sales_rep'] },
  { key: 'b', username: 'cnt_b', name: '计数乙', dept: 'east', manager: 'mgr', roles: ['sales_rep'] },
  { key: 'w', username: 'cnt_w', name: '计数西', dept: 'west', roles: ['sales_rep'] },
  { key: 'boss', username: 'cnt_boss', name: '计数总监', dept: 'east', roles: ['sales_director'] },
]
const STATUSES = ['potential', 'intent', 'deal', 'intent', 'lost']
const QUERIES = [
  {},
  { 'filter[status]': 'intent' },
  { 'filter[status][in]': 'intent,deal' },
  { 'filter[owner_id][null]': 'true' },
  { 'filter[status]': 'lost', 'filter[owner_id][null]': 'true' },
  { 'filter[grade]': 'B' },
]

/**
 * Runs SQL on the server's database (sqlite3 or psql); resolves with its output. The sqlite3 shell
 * lacks the server's bigram tokenizer, so the customers' search triggers go first (no test here
 * searches).
 */
function sql(server, text) {
  const fts = 'DROP TRIGGER IF EXISTS customers_fts_ai; DROP TRIGGER IF EXISTS customers_fts_ad; ' +
    'DROP TRIGGER IF EXISTS customers_fts_au; '
  const [cmd, args] = server.backend === 'postgres'
    ? ['psql', ['-qAt', '-v', 'ON_ERROR_STOP=1', server.env.RAPPORT_DATABASE_URL, '-c', text]]
    : ['sqlite3', ['-bail', '-cmd', '.timeout 10000', path.join(server.dataDir, 'rapport.db'), fts + text]]
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd}: ${stderr || error.message}`))
      else resolve(stdout.trim())
    })
  })
}

describe('list totals from the count summary', () => {
  let server, admin
  let D = {}
  let U = {}
  let S = {}
  let seq = 0
  const who = () => ({ admin, ...S })
  const call = (key, method, p, opts = {}) => api(server, method, p, { session: who()[key], ...opts })

  async function customer(owner, status, extra = {}) {
    seq++
    return must(call('admin', 'POST', '/api/customers', {
      body: { name: `计数客户${seq}号`, owner_id: U[owner].id, status, grade: 'ABCD'[seq % 4], ...extra },
    }), 201, 'create')
  }
  const total = async (key, query) => {
    const page = await must(call(key, 'GET', '/api/customers', { query: { ...query, limit: '1' } }), 200,
      `${key} ${JSON.stringify(query)}`)
    return { total: page.total, capped: page.total_capped ?? false }
  }

  /** Every session and query: the summary's total = the records' count = the list's length. */
  async function same(what) {
    for (const key of Object.keys(who())) {
      for (const q of QUERIES) {
        const rows = await listAll(server, who()[key], 'customers', q)
        const fromSummary = await total(key, q)
        const fromRecords = await total(key, { ...q, 'filter[id][gt]': '0' })
        const ctx = `${what}: ${key} ${JSON.stringify(q)}`
        assert.deepEqual(fromSummary, { total: rows.length, capped: false }, ctx)
        assert.deepEqual(fromRecords, fromSummary, `${ctx} (counted from the records)`)
      }
    }
    if (server.backend === 'postgres') {
      // the readers folded the delta rows: at most 3 (RAPPORT_SUMS_FOLD_ROWS) past one per key
      const surplus = await sql(server, 'SELECT count(*) - (SELECT count(*) FROM (SELECT 1 FROM customers_counts ' +
        'GROUP BY owner_id, pool_department_id, status) k) FROM customers_counts')
      assert.ok(Number(surplus) <= 3, `${what}: ${surplus} delta rows past the keys`)
    }
  }

  before(async () => {
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '86400', RAPPORT_SUMS_FOLD_ROWS: '3' } })
    admin = await login(server)
    D = await createDepartments(server, admin, DEPTS)
    U = await createUsers(server, admin, D, USERS)
    await setDepartmentManagers(server, admin, D, U, { east: 'mgr' })
    S = await loginUsers(server, U)
  })
  after(async () => {
    await server?.stop()
  })

  it('agrees with the records after every kind of write', async () => {
    await same('empty')
    const c = {}
    for (const [owner, n] of [['a', 6], ['b', 4], ['mgr', 2], ['w', 3]]) {
      c[owner] = []
      for (let i = 0; i < n; i++) c[owner].push(await customer(owner, STATUSES[(seq + i) % STATUSES.length]))
    }
    await same('created')

    const patch = async (key, rec, body) => {
      const cur = await must(call('admin', 'GET', `/api/customers/${rec.id}`), 200)
      return must(call(key, 'PATCH', `/api/customers/${rec.id}`, { body: { ...body, version: cur.version } }), 200, 'patch')
    }
    await patch('a', c.a[0], { status: 'deal' })
    await patch('a', c.a[1], { status: 'intent' })
    await same('status changed')
    await patch('a', c.a[2], { name: '计数客户改名', grade: 'B' })
    await same('other fields changed')

    await must(call('admin', 'POST', `/api/customers/${c.a[3].id}/transfer`, { body: { owner_id: U.b.id } }), 200, 'transfer')
    await must(call('admin', 'POST', '/api/customers/transfer', { body: { ids: [c.w[0].id, c.b[0].id], owner_id: U.a.id } }), 200)
    await same('transferred')

    const released = await must(call('a', 'POST', `/api/customers/${c.a[4].id}/release`), 200, 'release')
    assert.equal(released.pool_department_id, D.east.id)
    await must(call('w', 'POST', `/api/customers/${c.w[1].id}/release`), 200, 'release west')
    await must(call('b', 'POST', `/api/customers/${c.b[1].id}/release`), 200, 'release b')
    await same('released to the pools')
    await must(call('b', 'POST', `/api/customers/${c.a[4].id}/claim`), 200, 'claim')
    await same('claimed')

    assert.equal((await call('admin', 'DELETE', `/api/customers/${c.a[5].id}`)).status, 204)
    assert.equal((await call('admin', 'DELETE', `/api/customers/${c.b[1].id}`)).status, 204) // a pooled one
    await same('in the recycle bin')
    // the recycle bin's total is counted from the records
    const bin = await must(call('admin', 'GET', '/api/customers', { query: { deleted: 'true', limit: '1' } }), 200)
    assert.equal(bin.total, 2)
    // a status change in the recycle bin counts nothing
    await sql(server, `UPDATE customers SET status = 'deal' WHERE id = ${c.a[5].id}`)
    await same('changed in the recycle bin')
    await must(call('admin', 'POST', `/api/customers/${c.a[5].id}/restore`), 200, 'restore')
    await must(call('admin', 'POST', `/api/customers/${c.b[1].id}/restore`), 200, 'restore pooled')
    await same('restored')

    // straight SQL: an owner moved with the status, then a hard delete of a live and a deleted one
    await sql(server, `UPDATE customers SET owner_id = ${U.w.id}, status = 'lost' WHERE id = ${c.mgr[0].id}`)
    await same('owner and status moved by SQL')
    assert.equal((await call('admin', 'DELETE', `/api/customers/${c.mgr[1].id}`)).status, 204)
    await sql(server, `DELETE FROM customers WHERE id IN (${c.b[2].id}, ${c.mgr[1].id})`)
    await same('hard deleted')
  })

  it('agrees after an import from the command line; rapport check compares the summary', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rapport-countsum-'))
    const file = path.join(dir, 'customers.csv')
    await writeFile(file, '客户名称,客户状态\r\n计数导入一,intent\r\n计数导入二,deal\r\n计数导入三,intent\r\n')
    const r = await runCli(['import', '--data', server.dataDir, 'customers', file], { env: server.env })
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.match(r.stdout, /3 created/)
    await same('imported')
    const check = await runCli(['check', '--data', server.dataDir], { env: server.env })
    assert.equal(check.code, 0, check.stderr)
    assert.match(check.stdout, /count summaries: ok/)
    await rm(dir, { recursive: true, force: true })
  })

  it('the total is read from the summary; check reports a wrong row and a start recomputes it', async () => {
    const before = await total('a', { 'filter[status]': 'intent' })
    assert.ok(before.total > 0)
    // one more row for the key (on PostgreSQL, as a delta row would be)
    await sql(server, `INSERT INTO customers_counts(owner_id, pool_department_id, status, n) VALUES (${U.a.id}, NULL, 'intent', 7)`)
    assert.deepEqual(await total('a', { 'filter[status]': 'intent' }), { total: before.total + 7, capped: false })
    assert.deepEqual(await total('a', { 'filter[status]': 'intent', 'filter[id][gt]': '0' }), before)
    const check = await runCli(['check', '--data', server.dataDir], { env: server.env })
    assert.equal(check.code, 1, check.stdout)
    assert.match(check.stderr, /count summaries/)
    const migrate = await runCli(['migrate', '--data', server.dataDir], { env: server.env })
    assert.equal(migrate.code, 0, migrate.stderr)
    assert.deepEqual(await total('a', { 'filter[status]': 'intent' }), before)
    await same('recomputed')
  })

  it('past the cap the total is capped as before, for the summary and the records alike', async () => {
    const n = 10_050
    await sql(server, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) ` +
      `INSERT INTO customers(created_at, updated_at, name, status, owner_id) ` +
      `SELECT '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'bulk' || i, 'lost', ${U.b.id} FROM s`)
    for (const key of ['b', 'mgr', 'boss', 'admin']) {
      for (const q of [{ 'filter[status]': 'lost' }, {}]) {
        const ctx = `${key} ${JSON.stringify(q)}`
        assert.deepEqual(await total(key, q), { total: 10_000, capped: true }, ctx)
        assert.deepEqual(await total(key, { ...q, 'filter[id][gt]': '0' }), { total: 10_000, capped: true }, ctx)
      }
      // offset + limit past the cap raise it: the exact number when below that
      const page = await must(call(key, 'GET', '/api/customers', { query: { 'filter[status]': 'lost', offset: '9990', limit: '500' } }), 200)
      const exact = (await listAll(server, who()[key], 'customers', { 'filter[status]': 'lost' })).length
      assert.equal(page.total, exact, key)
      assert.equal(page.total_capped, undefined, key)
    }
    await sql(server, `DELETE FROM customers WHERE name LIKE 'bulk%'`)
    await same('bulk rows hard deleted')
  })
})
