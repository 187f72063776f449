// dump.test.mjs - `rapport dump` and `rapport load` (src/core/dump.h): a round trip SQLite →
// PostgreSQL → SQLite (SQLite → SQLite when RAPPORT_TEST_PG_URL is unset) that keeps every record
// and field, the users (their passwords log in), departments, shares, history, option lists and
// settings; the loaded database serves search, and new records get new ids. Load refuses a database
// that is not empty, a truncated or damaged file and a foreign file, with a one-line message, and
// leaves the target as it was.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'

import { ADMIN_PASSWORD, api, assertError, login, runCli, sanitizerReports, startServer, tempDataDir } from './lib/server.mjs'
import { PG_URL, createDatabase } from './lib/postgres.mjs'
import { createRecord, getRecord, listAll, listRecords, patchRecord } from './lib/records.mjs'

const ENTITIES = ['departments', 'customers', 'contacts', 'leads', 'opportunities', 'activities', 'products']
const REP = { username: 'rep.north', password: 'north-pass-123' }
const SQLITE = { RAPPORT_DATABASE_URL: undefined } // the environment of a command on a SQLite folder
const pgEnv = (db) => ({ RAPPORT_DATABASE_URL: db.url })

const cleanups = []
async function tempDir() {
  const dir = await tempDataDir('rapport-dump-')
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}
async function tempDatabase() {
  const db = await createDatabase()
  cleanups.push(() => db.drop())
  return db
}

/** Runs a CLI command that must succeed; returns its result. */
async function ok(args, env) {
  const r = await runCli(args, { env })
  assert.equal(r.code, 0, `rapport ${args.join(' ')}: exit ${r.code ?? r.signal}\n${r.stderr}`)
  return r
}

/** A refusal: non-zero exit, nothing on stdout, one "rapport: …" line on stderr matching re (besides log lines). */
function assertRefused(r, re, what, { prefix = true } = {}) {
  const shown = `${what}: exit ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`
  assert.equal(r.signal, null, shown)
  assert.notEqual(r.code, 0, shown)
  assert.equal(r.stdout, '', shown)
  // a load into a new folder first creates its schema, which logs "… info schema: …" lines
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !/^\d{4}-\d\d-\d\dT\S+Z info /.test(l))
  assert.equal(lines.length, 1, `one message line: ${shown}`)
  if (prefix) assert.match(lines[0], /^rapport: /, shown)
  assert.match(lines[0], re, shown)
}

/** A dump file as { head, tables: {name: {columns, rows (sorted JSON texts)}}, end }. */
async function parseDump(file) {
  const lines = (await readFile(file, 'utf8')).split('\n')
  assert.equal(lines.pop(), '', `${file} ends with a newline`)
  const head = JSON.parse(lines[0])
  const tables = {}
  let current = null
  let end = null
  for (const line of lines.slice(1)) {
    assert.equal(end, null, `${file}: nothing after the end line`)
    const j = JSON.parse(line)
    if (Array.isArray(j)) {
      assert.equal(j.length, current.columns.length, `${file}: a row of ${current.name}`)
      current.rows.push(line)
    } else if (j.end) {
      end = j
    } else {
      current = tables[j.table] = { name: j.table, columns: j.columns, rows: [] }
    }
  }
  assert.ok(end, `${file} has its end line`)
  for (const t of Object.values(tables)) {
    t.rows.sort()
    assert.equal(end.rows[t.name], t.rows.length, `${file}: the end line counts ${t.name}`)
    delete t.name
  }
  return { head, tables, end }
}

/** Asserts two dumps hold the same tables, columns and rows (the order of rows aside). */
function assertSameData(a, b, what) {
  assert.deepEqual(Object.keys(b.tables), Object.keys(a.tables), `${what}: the tables`)
  for (const [name, t] of Object.entries(a.tables)) {
    assert.deepEqual(b.tables[name].columns, t.columns, `${what}: the columns of ${name}`)
    assert.equal(b.tables[name].rows.length, t.rows.length, `${what}: the number of rows of ${name}`)
    for (let i = 0; i < t.rows.length; i++) assert.equal(b.tables[name].rows[i], t.rows[i], `${what}: ${name}, row ${i}`)
  }
  assert.deepEqual(b.end, a.end, `${what}: the end line`)
}

/** Everything the API shows of a database, for comparing a source with its copy. */
async function captureState(server, session, marks) {
  const state = { entities: {}, history: {} }
  for (const entity of ENTITIES) {
    state.entities[entity] = { live: await listAll(server, session, entity), deleted: await listAll(server, session, entity, { deleted: 'true' }) }
  }
  const users = await api(server, 'GET', '/api/users', { session, query: { limit: '500' } })
  assert.equal(users.status, 200, users.text)
  state.users = users.json
  for (const name of ['opportunity_stages', 'sources']) state[name] = (await api(server, 'GET', `/api/option-lists/${name}`, { session })).json
  state.roles = (await api(server, 'GET', '/api/roles', { session })).json
  state.pool = (await api(server, 'GET', '/api/settings/pool', { session })).json
  state.shares = (await api(server, 'GET', `/api/customers/${marks.shared}/shares`, { session })).json
  for (const [entity, id] of marks.histories) {
    const h = await api(server, 'GET', `/api/${entity}/${id}/history`, { session, query: { limit: '500' } })
    assert.equal(h.status, 200, h.text)
    state.history[`${entity}/${id}`] = h.json.data
  }
  const search = await api(server, 'GET', '/api/search', { session, query: { q: '华夏' } })
  state.search = search.json.results.map((g) => [g.entity, g.total, g.data.map((x) => x.id)])
  return state
}

describe('rapport dump and load', () => {
  let sourceDir
  let sourceFile
  let source // the parsed dump of the source
  let truth // captureState of the source
  let marks // ids the checks look at
  let staleSession // a session of the source, which must not outlive the move

  before(async () => {
    sourceDir = await tempDir()
    await ok(['init', '--data', sourceDir, '--demo'], { ...SQLITE, RAPPORT_ADMIN_PASSWORD: ADMIN_PASSWORD })
    // a year on, the daily jobs recycle idle customers to the pool: pool events, notifications, job runs
    const later = new Date(Date.now() + 400 * 86400_000).toISOString()
    await ok(['jobs', 'run', '--data', sourceDir, '--at', later], SQLITE)
    const server = await startServer({ dataDir: sourceDir, env: SQLITE })
    try {
      assert.equal(server.backend, 'sqlite')
      const admin = await login(server)
      marks = await populate(server, admin)
      truth = await captureState(server, admin, marks)
      staleSession = admin
    } finally {
      await server.stop()
    }
    sourceFile = path.join(await tempDir(), 'source.dump')
    const r = await ok(['dump', '--data', sourceDir, sourceFile], SQLITE)
    assert.equal(r.stdout, `wrote ${sourceFile}\n`)
    source = await parseDump(sourceFile)
  })

  after(async () => {
    for (const clean of cleanups.reverse()) await clean()
  })

  it('dump exits cleanly under the sanitizers (no leak report)', async () => {
    const file = path.join(await tempDir(), 'clean.dump')
    const r = await runCli(['dump', '--data', sourceDir, file], { env: SQLITE })
    assert.deepEqual(sanitizerReports(r.stderr), [], r.stderr.slice(0, 3000))
    assert.equal(r.code, 0, r.stderr.slice(0, 3000))
    assert.equal(r.stderr, '')
  })

  it('the dump: a versioned header, every table, and the end line counting the rows', () => {
    assert.equal(source.head.format, 'rapport-dump')
    assert.equal(source.head.version, 1)
    assert.equal(source.head.source, 'sqlite')
    assert.ok(Number.isInteger(source.head.schema_version) && source.head.schema_version > 0)
    for (const t of ['users', 'settings', 'option_lists', 'roles', 'audit_log', 'record_shares', 'pool_events', ...ENTITIES]) {
      assert.ok(source.tables[t], `${t} is in the dump`)
    }
    assert.ok(!source.tables.sessions, 'sessions are not moved')
    assert.equal(source.tables.users.rows.length, 3)
    assert.ok(source.tables.customers.rows.length > 300)
    assert.ok(source.tables.record_shares.rows.length >= 1)
    assert.ok(source.tables.pool_events.rows.length >= 2, 'a release and the recycled customers')
    assert.ok(source.tables.notifications.rows.length >= 1)
    assert.ok(source.tables.job_runs.rows.length >= 1)
    assert.equal(source.tables.roles.rows.length, 7, 'the built-in roles and the custom one')
    assert.ok(!source.tables.customers.columns.includes('search_text'), 'derived search columns stay behind')
    const users = source.tables.users
    const hash = users.columns.indexOf('password_hash')
    assert.ok(users.rows.every((row) => /^\$argon2id\$/.test(JSON.parse(row)[hash])), 'password hashes travel')
  })

  describe('SQLite → PostgreSQL → SQLite', { skip: !PG_URL && 'no PostgreSQL (RAPPORT_TEST_PG_URL)' }, () => {
    let db
    let pgFile
    it('loads into an empty PostgreSQL database; its dump holds the same rows', async () => {
      db = await tempDatabase()
      const dir = await tempDir()
      const r = await ok(['load', '--data', dir, sourceFile], pgEnv(db))
      assert.equal(r.stdout, `loaded ${sourceFile}\n`)
      pgFile = path.join(await tempDir(), 'pg.dump')
      await ok(['dump', '--data', dir, pgFile], pgEnv(db))
      const pg = await parseDump(pgFile)
      assert.equal(pg.head.source, 'postgres')
      assert.equal(pg.head.schema_version, source.head.schema_version)
      assertSameData(source, pg, 'PostgreSQL copy')
    })

    it('the PostgreSQL copy serves the same records, logins, search and new ids', async () => {
      const dir = await tempDir()
      const server = await startServer({ dataDir: dir, env: pgEnv(db) })
      try {
        assert.equal((await api(server, 'GET', '/api/health')).json.database, 'postgres')
        await checkLoaded(server, truth, marks, staleSession)
      } finally {
        await server.stop()
      }
    })

    it('refuses a second load into it, which stays as it was', async () => {
      const dir = await tempDir()
      const before = path.join(dir, 'before.dump')
      await ok(['dump', '--data', dir, before], pgEnv(db))
      assertRefused(await runCli(['load', '--data', dir, sourceFile], { env: pgEnv(db) }), /not empty/, 'load into a loaded database')
      const afterFile = path.join(dir, 'after.dump')
      await ok(['dump', '--data', dir, afterFile], pgEnv(db))
      assertSameData(await parseDump(before), await parseDump(afterFile), 'the refused database')
    })

    it('back into SQLite: the same rows again, and a working server', async () => {
      const dir = await tempDir()
      await ok(['load', '--data', dir, pgFile], SQLITE)
      const backFile = path.join(await tempDir(), 'back.dump')
      await ok(['dump', '--data', dir, backFile], SQLITE)
      const back = await parseDump(backFile)
      assert.equal(back.head.source, 'sqlite')
      assertSameData(source, back, 'SQLite copy of the PostgreSQL copy')
      const server = await startServer({ dataDir: dir, env: SQLITE })
      try {
        await checkLoaded(server, truth, marks, staleSession)
      } finally {
        await server.stop()
      }
    })

    it('a damaged or truncated file leaves an empty PostgreSQL database empty', async () => {
      const target = await tempDatabase()
      const dir = await tempDir()
      const text = await readFile(sourceFile, 'utf8')
      const truncated = path.join(dir, 'truncated.dump')
      await writeFile(truncated, text.slice(0, Math.floor(text.length * 0.9)))
      assertRefused(await runCli(['load', '--data', dir, truncated], { env: pgEnv(target) }), /damaged|ends early/, 'truncated into PostgreSQL')
      const damaged = path.join(dir, 'damaged.dump')
      await writeFile(damaged, flipInRow(text, 'activities'))
      assertRefused(await runCli(['load', '--data', dir, damaged], { env: pgEnv(target) }), /line \d+ is damaged/, 'damaged into PostgreSQL')
      await assertEmpty(dir, pgEnv(target))
      await ok(['load', '--data', dir, sourceFile], pgEnv(target))
    })
  })

  describe('SQLite → SQLite', () => {
    let dir
    it('loads into a new folder; its dump holds the same rows', async () => {
      dir = await tempDir()
      const r = await ok(['load', '--data', dir, sourceFile], SQLITE)
      assert.equal(r.stdout, `loaded ${sourceFile}\n`)
      const copyFile = path.join(await tempDir(), 'copy.dump')
      await ok(['dump', '--data', dir, copyFile], SQLITE)
      assertSameData(source, await parseDump(copyFile), 'SQLite copy')
    })

    it('the copy serves the same records, logins, search and new ids', async () => {
      const server = await startServer({ dataDir: dir, env: SQLITE })
      try {
        await checkLoaded(server, truth, marks, staleSession)
      } finally {
        await server.stop()
      }
    })
  })

  describe('load refuses, with a one-line message, and leaves the target as it was', () => {
    let text
    let work
    before(async () => {
      text = await readFile(sourceFile, 'utf8')
      work = await tempDir()
    })
    const file = async (name, content) => {
      const f = path.join(work, name)
      await writeFile(f, content)
      return f
    }

    it('a database that is not empty', async () => {
      const before = path.join(work, 'source-before.dump')
      await ok(['dump', '--data', sourceDir, before], SQLITE)
      assertRefused(await runCli(['load', '--data', sourceDir, sourceFile], { env: SQLITE }), /not empty/, 'load into the source')
      const afterFile = path.join(work, 'source-after.dump')
      await ok(['dump', '--data', sourceDir, afterFile], SQLITE)
      assertSameData(await parseDump(before), await parseDump(afterFile), 'the source after the refused load')
    })

    it('truncated, damaged and foreign files; the empty target stays empty and then loads', async () => {
      const target = await tempDir()
      const lines = text.split('\n')
      const endAt = lines.findIndex((l) => l.startsWith('{"end":'))
      const cases = [
        ['truncated in a row', text.slice(0, Math.floor(text.length / 2)), /damaged|ends early/],
        ['truncated at a line end (no end line)', lines.slice(0, endAt).join('\n') + '\n', /ends early/],
        ['the end line cut short', text.slice(0, text.length - 5), /damaged|ends early|incomplete/],
        ['a flipped byte in a row (broken JSON)', flipInRow(text, 'customers'), /line \d+ is damaged/],
        ['a flipped bit in Chinese text (not UTF-8)', flipInText(text, 'customers'), /line \d+ is damaged/],
        ['a row with a column too few', dropColumn(text, 'contacts'), /line \d+ is damaged/],
        ['a row missing (the counts differ)', dropRow(text, 'opportunities'), /incomplete|row counts/],
        ['an unknown table', text.replace('{"table":"products"', '{"table":"products; DROP TABLE users"'), /unknown table/],
        ['an unknown column', text.replace('"columns":["id","version"', '"columns":["id","version) --"'), /unknown table or column/],
        ['an empty file', '', /empty/],
        ['a CSV file', 'name,phone\n华夏,010-6234 5678\n', /not a Rapport dump/],
        ['JSON of another kind', '{"format":"other","version":1}\n[1,2]\n', /not a Rapport dump/],
        ['a newer format version', text.replace('"version":1', '"version":2'), /not a Rapport dump/],
        ['a dump from a newer schema', text.replace(/"schema_version":\d+/, '"schema_version":999999'), /newer/],
        ['binary bytes', Buffer.from([0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x00, 0xff, 0xfe, 0x0a, 0x01]), /not a Rapport dump/],
      ]
      for (const [what, content, re] of cases) {
        const f = await file(`${what.replace(/\W+/g, '-')}.dump`, content)
        assertRefused(await runCli(['load', '--data', target, f], { env: SQLITE }), re, what)
        await assertEmpty(target, SQLITE, what)
      }
      // (this one comes from perror: "FILE: No such file or directory", without the "rapport: " of the others)
      assertRefused(await runCli(['load', '--data', target, path.join(work, 'no-such-file.dump')], { env: SQLITE }), /no-such-file/, 'a missing file', { prefix: false })
      // the target is still a new, empty database: a good dump loads into it
      await ok(['load', '--data', target, sourceFile], SQLITE)
      const copy = path.join(work, 'target.dump')
      await ok(['dump', '--data', target, copy], SQLITE)
      assertSameData(source, await parseDump(copy), 'the target after the refusals')
    })

    it('the SQLite database file itself is a foreign file', async () => {
      const target = await tempDir()
      const r = await runCli(['load', '--data', target, path.join(sourceDir, 'rapport.db')], { env: SQLITE })
      assertRefused(r, /not a Rapport dump|empty|damaged/, 'rapport.db')
      await assertEmpty(target, SQLITE, 'after rapport.db')
    })
  })
})

/** The line index of a row in the middle of a table's rows. */
function rowIndex(lines, table) {
  const start = lines.findIndex((l) => l.startsWith(`{"table":"${table}"`))
  assert.ok(start > 0, `${table} in the dump`)
  let end = start + 1
  while (lines[end].startsWith('[')) end++
  assert.ok(end - start > 2, `${table} has rows`)
  return start + 1 + Math.floor((end - start - 1) / 2)
}

/** The dump with one structural byte of a row flipped: the row's first '"' becomes '#'. */
function flipInRow(text, table) {
  const lines = text.split('\n')
  const i = rowIndex(lines, table)
  const q = lines[i].indexOf('"')
  lines[i] = lines[i].slice(0, q) + String.fromCharCode(lines[i].charCodeAt(q) ^ 0x01) + lines[i].slice(q + 1)
  return lines.join('\n')
}

/** The dump (as bytes) with the high bit of the first byte of a Chinese character in a row cleared. */
function flipInText(text, table) {
  const lines = text.split('\n')
  let i = rowIndex(lines, table)
  while (!/[\u4e00-\u9fff]/.test(lines[i])) i++
  const before = Buffer.from(lines.slice(0, i).join('\n') + '\n')
  const row = Buffer.from(lines[i])
  const at = row.findIndex((b) => b >= 0xe0)
  row[at] ^= 0x80
  return Buffer.concat([before, row, Buffer.from('\n' + lines.slice(i + 1).join('\n'))])
}

/** The dump with the last value of one row removed (valid JSON, one column short). */
function dropColumn(text, table) {
  const lines = text.split('\n')
  const i = rowIndex(lines, table)
  const row = JSON.parse(lines[i])
  lines[i] = JSON.stringify(row.slice(0, -1))
  return lines.join('\n')
}

/** The dump with one row of a table left out (the end line still counts it). */
function dropRow(text, table) {
  const lines = text.split('\n')
  lines.splice(rowIndex(lines, table), 1)
  return lines.join('\n')
}

/** Asserts the database of dir (env) holds no users and no records (a new database as load left it). */
async function assertEmpty(dir, env, what = '') {
  const file = path.join(dir, `empty-check-${Date.now()}.dump`)
  await ok(['dump', '--data', dir, file], env)
  const d = await parseDump(file)
  await rm(file)
  for (const t of ['users', 'audit_log', 'record_shares', 'pool_events', 'notifications', ...ENTITIES]) {
    assert.equal(d.tables[t].rows.length, 0, `${what}: ${t} is still empty`)
  }
}

/** Creates what the demo lacks through the API: departments, users, shares, history, pool events. */
async function populate(server, admin) {
  const sales = await createRecord(server, admin, 'departments', { name: '销售部', sort_order: 1 })
  const north = await createRecord(server, admin, 'departments', { name: '华北组', parent_id: sales.id })
  const mgr = await api(server, 'POST', '/api/users', {
    session: admin,
    body: { username: 'mgr.sales', password: 'mgr-pass-1234', name: '销售经理', email: 'mgr@example.com', department_id: sales.id, roles: ['sales_manager'] },
  })
  assert.equal(mgr.status, 201, mgr.text)
  const rep = await api(server, 'POST', '/api/users', {
    session: admin,
    body: { ...REP, name: '北区销售', department_id: north.id, manager_id: mgr.json.id, roles: ['sales_rep'] },
  })
  assert.equal(rep.status, 201, rep.text)
  await patchRecord(server, admin, 'departments', sales.id, sales.version, { manager_id: mgr.json.id })
  const role = await api(server, 'POST', '/api/roles', {
    session: admin,
    body: {
      name: 'auditor',
      label: { 'zh-CN': '审计', en: 'Auditor' },
      grants: { customers: { actions: ['read', 'export'], scope: 'all' }, products: { actions: ['read'], scope: 'all' } },
      field_rules: { 'products.cost_price': 'hidden', 'customers.phone': 'read_only' },
    },
  })
  assert.equal(role.status, 201, role.text)

  // a record full of characters that need escaping, and values of every kind
  const special = await createRecord(server, admin, 'customers', {
    name: 'Dump "引号" \\ 反斜杠 \'单引号\' 😀 华夏',
    short_name: 'Tab\there',
    notes: '第一行\n第二行\r\n\t缩进 \u2028 \u00e9\u0301 "quoted" \\n',
    tags: ['重点', 'VIP', 'a,b'],
    website: 'https://example.com/a?b=c&d=e#f',
    grade: 'A',
    industry: 'energy',
    source: 'referral',
    phone: '+86 (10) 6234-0000',
  })
  const product = await createRecord(server, admin, 'products', {
    code: 'DUMP-1',
    name: '导出专用产品',
    list_price: { amount: 123456789, currency: 'USD' },
    cost_price: { amount: 1, currency: 'CNY' },
    active: false,
    specification: '规格\n多行',
  })
  const opp = await createRecord(server, admin, 'opportunities', {
    customer_id: special.id,
    name: '导出商机',
    amount: { amount: 987654321, currency: 'EUR' },
    stage: 'proposal',
    probability: 55,
    expected_close_on: '2027-12-31',
  })
  await createRecord(server, admin, 'activities', {
    customer_id: special.id,
    subject: '导出跟进',
    occurred_at: '2026-10-01T08:30:00.123Z',
    next_follow_up_at: '2026-12-01T01:00:00Z',
  })

  // history on demo records: updates, a record left in the bin, one deleted and restored
  const customers = (await listRecords(server, admin, 'customers', { 'filter[owner_id]': String(admin.user.id), sort: 'id', limit: '3' })).data
  assert.equal(customers.length, 3, 'the admin still owns customers after the jobs ran')
  let c0 = await patchRecord(server, admin, 'customers', customers[0].id, customers[0].version, { grade: 'A', notes: '改过一次' })
  c0 = await patchRecord(server, admin, 'customers', c0.id, c0.version, { notes: '改过两次', tags: ['迁移'] })
  const contact = (await listRecords(server, admin, 'contacts', { sort: 'id', limit: '1' })).data[0]
  assert.equal((await api(server, 'DELETE', `/api/contacts/${contact.id}`, { session: admin })).status, 204)
  const demoOpp = (await listRecords(server, admin, 'opportunities', { sort: 'id', limit: '1' })).data[0]
  assert.equal((await api(server, 'DELETE', `/api/opportunities/${demoOpp.id}`, { session: admin })).status, 204)
  assert.equal((await api(server, 'POST', `/api/opportunities/${demoOpp.id}/restore`, { session: admin })).status, 200)
  const lead = (await listRecords(server, admin, 'leads', { 'filter[status]': 'new', sort: 'id', limit: '1' })).data[0]
  const conv = await api(server, 'POST', `/api/leads/${lead.id}/convert`, {
    session: admin,
    body: { customer: { name: `迁移转化${lead.id}有限公司` }, opportunity: { name: '迁移转化商机' } },
  })
  assert.equal(conv.status, 200, conv.text)

  // a share, a transfer to the rep, a release to the pool
  const share = await api(server, 'POST', `/api/customers/${special.id}/shares`, { session: admin, body: { user_id: rep.json.id, access: 'edit' } })
  assert.equal(share.status, 200, share.text)
  const moved = await api(server, 'POST', `/api/customers/${customers[1].id}/transfer`, { session: admin, body: { owner_id: rep.json.id } })
  assert.equal(moved.status, 200, moved.text)
  const released = await api(server, 'POST', `/api/customers/${customers[2].id}/release`, { session: admin })
  assert.equal(released.status, 200, released.text)

  // settings and option lists
  const sources = (await api(server, 'GET', '/api/option-lists/sources', { session: admin })).json.options
  const put = await api(server, 'PUT', '/api/option-lists/sources', {
    session: admin,
    body: { options: [...sources, { value: 'wechat', label: { 'zh-CN': '微信', en: 'WeChat' } }] },
  })
  assert.equal(put.status, 200, put.text)
  const pool = (await api(server, 'GET', '/api/settings/pool', { session: admin })).json
  const savePool = await api(server, 'PUT', '/api/settings/pool', { session: admin, body: { ...pool, max_customers: 123, cooldown_days: 9 } })
  assert.equal(savePool.status, 200, savePool.text)

  return {
    shared: special.id,
    special: special.id,
    product: product.id,
    huaxiaPhone: (await listRecords(server, admin, 'customers', { q: '华夏', sort: 'id', limit: '1' })).data[0],
    histories: [
      ['customers', c0.id],
      ['customers', special.id],
      ['customers', customers[1].id],
      ['customers', customers[2].id],
      ['contacts', contact.id],
      ['opportunities', demoOpp.id],
      ['opportunities', opp.id],
      ['leads', lead.id],
      ['departments', sales.id],
    ],
  }
}

/** The checks on a server of a loaded database. */
async function checkLoaded(server, truth, marks, staleSession) {
  // sessions do not move: the source's session is unknown here
  assertError(await api(server, 'GET', '/api/me', { session: staleSession }), 401, 'unauthenticated')
  // password hashes moved: both users log in with their passwords, and only with them
  const admin = await login(server)
  const rep = await login(server, REP.username, REP.password)
  assert.equal(rep.user.username, REP.username)
  assertError(await api(server, 'POST', '/api/auth/login', { body: { username: REP.username, password: 'wrong-password' } }), 401, 'unauthenticated')

  // every record and field, the users, lists, settings, shares and history as they were
  const state = await captureState(server, admin, marks)
  for (const entity of ENTITIES) {
    assert.deepEqual(state.entities[entity].live, truth.entities[entity].live, `${entity}: the live records`)
    assert.deepEqual(state.entities[entity].deleted, truth.entities[entity].deleted, `${entity}: the recycle bin`)
  }
  for (const key of ['users', 'opportunity_stages', 'sources', 'roles', 'pool', 'shares', 'history', 'search']) {
    assert.deepEqual(state[key], truth[key], key)
  }
  assert.ok(state.sources.options.some((o) => o.value === 'wechat'))
  assert.equal(state.pool.max_customers, 123)
  assert.ok(state.search.length > 0 && state.search[0][1] > 0, 'q=华夏 finds the demo customers')

  // search works on the copy: the special record, phone digits, one character
  const byName = await listRecords(server, admin, 'customers', { q: '反斜杠 引号' })
  assert.deepEqual(byName.data.map((c) => c.id), [marks.special])
  const digits = marks.huaxiaPhone.phone.replace(/\D/g, '')
  const byPhone = await listRecords(server, admin, 'customers', { q: digits })
  assert.ok(byPhone.data.some((c) => c.id === marks.huaxiaPhone.id), `q=${digits}`)
  assert.deepEqual((await listRecords(server, admin, 'products', { q: '导出专用' })).data.map((p) => p.id), [marks.product])
  assert.ok((await listRecords(server, admin, 'customers', { q: '😀' })).data.some((c) => c.id === marks.special), 'a one-character scan')

  // the rep sees what the scope and the share give, and may edit the shared customer
  const shared = await getRecord(server, rep, 'customers', marks.shared)
  const edited = await api(server, 'PATCH', `/api/customers/${marks.shared}`, { session: rep, body: { version: shared.version, city: '迁移后' } })
  assert.equal(edited.status, 200, edited.text)

  // new records get new ids (sequences are past the loaded rows), and their history follows on
  const maxAudit = Math.max(...Object.values(truth.history).flat().map((h) => h.id))
  for (const entity of ENTITIES) {
    const all = [...truth.entities[entity].live, ...truth.entities[entity].deleted]
    const maxId = Math.max(0, ...all.map((x) => x.id))
    const fresh = await createRecord(server, admin, entity, freshBody(entity, truth))
    assert.ok(fresh.id > maxId, `${entity}: new id ${fresh.id} after ${maxId}`)
    const h = await api(server, 'GET', `/api/${entity}/${fresh.id}/history`, { session: admin })
    assert.deepEqual(h.json.data.map((x) => x.action), ['create'], `${entity}: a fresh history, not an old record's`)
    assert.ok(h.json.data[0].id > maxAudit, `${entity}: audit id ${h.json.data[0].id} after ${maxAudit}`)
  }
  const user = await api(server, 'POST', '/api/users', { session: admin, body: { username: `new.${Date.now()}`, password: 'new-pass-1234', name: '新用户' } })
  assert.equal(user.status, 201, user.text)
  assert.ok(user.json.id > Math.max(...truth.users.data.map((u) => u.id)), 'a new user id')
  assert.deepEqual(
    (await listRecords(server, admin, 'customers', { q: '迁移后新建' })).total,
    1,
    'a record created after the load is found by search',
  )
}

function freshBody(entity, truth) {
  const customer = truth.entities.customers.live[0].id
  return {
    departments: { name: '迁移后新部门' },
    customers: { name: '迁移后新建客户' },
    contacts: { customer_id: customer, name: '迁移后联系人' },
    leads: { name: '迁移后线索' },
    opportunities: { customer_id: customer, name: '迁移后商机' },
    activities: { customer_id: customer, subject: '迁移后跟进' },
    products: { code: 'AFTER-LOAD', name: '迁移后产品' },
  }[entity]
}
