// backup.test.mjs - `rapport backup` / `rapport restore` and the admin backup API (src/core/backup.h):
// a backup taken while a write load runs restores into a fresh folder (or database) with every
// record written before it started and a database that passes PRAGMA integrity_check; a damaged
// (truncated, one byte flipped) or foreign file is refused with one clear line and changes nothing;
// admins list, run, download and schedule backups (others get 403); the daily job runs at the set
// time and keeps N daily and M weekly backups.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'

import { BACKEND, api, assertError, login, runCli, startServer, tempDataDir } from './lib/server.mjs'
import { PG_URL, createDatabase } from './lib/postgres.mjs'
import { must, runJobs } from './lib/company.mjs'
import { createRecord, listAll } from './lib/records.mjs'

const run = promisify(execFile)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const SQLITE = { RAPPORT_DATABASE_URL: undefined }
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex')
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')

const cleanups = []
async function tempDir() {
  const dir = await tempDataDir('rapport-backup-')
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}
/** The environment of a command on a fresh target of this run's kind (a new PostgreSQL database, or none). */
async function freshEnv(kind = BACKEND) {
  if (kind !== 'postgres') return SQLITE
  const db = await createDatabase()
  cleanups.push(() => db.drop())
  return { RAPPORT_DATABASE_URL: db.url }
}

async function ok(args, env) {
  const r = await runCli(args, { env })
  assert.equal(r.code, 0, `rapport ${args.join(' ')}: exit ${r.code ?? r.signal}\n${r.stderr}${r.stdout}`)
  return r
}

/** Everything in a data folder's database, as `rapport dump` writes it (without its dated first line). */
async function state(dir, env) {
  const out = path.join(await tempDir(), 'state.jsonl')
  await ok(['dump', '--data', dir, out], env)
  return (await readFile(out, 'utf8')).split('\n').slice(1).join('\n')
}

async function integrity(dbFile) {
  const { stdout } = await run('sqlite3', [dbFile, 'PRAGMA integrity_check'])
  return stdout.trim()
}

describe('backup and restore', () => {
  let server, admin, work, good
  const written = [] // customers whose create answered before the backup started

  before(async () => {
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '3600' } })
    admin = await login(server)
    work = await tempDir()
  })
  after(async () => {
    await server?.stop()
    for (const c of cleanups.reverse()) await c()
  })

  it('a backup taken under a write load restores into a fresh folder with everything written before it', async () => {
    // a stored file: its row in the database and its bytes under DATA/uploads travel together
    const holder = await createRecord(server, admin, 'customers', { name: '带附件的客户' })
    await must(api(server, 'POST', `/api/customers/${holder.id}/attachments`, { session: admin, body: PDF, raw: true, headers: { 'content-type': 'application/octet-stream' }, query: { name: '合同.pdf' } }), 201)
    written.push(holder.id)
    for (let i = 0; i < 40; i++) written.push((await createRecord(server, admin, 'customers', { name: `备份客户 ${i}`, phone: `010-6000 ${1000 + i}` })).id)
    let stop = false
    const during = []
    const writer = async (w) => {
      for (let i = 0; !stop; i++) {
        const r = await api(server, 'POST', '/api/customers', { session: admin, body: { name: `load ${w}-${i}` } })
        assert.ok(r.status === 201 || r.status === 503, `${r.status} ${r.text}`)
        if (r.status === 201) during.push(r.json.id)
      }
    }
    const writers = [0, 1, 2].map(writer)
    await sleep(300)
    written.push(...during) // answered before the backup starts
    good = path.join(work, 'under-load.rbk')
    const r = await runCli(['backup', '--data', server.dataDir, good], { env: server.env })
    await sleep(200)
    stop = true
    await Promise.all(writers)
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^wrote .*under-load\.rbk: \d+ bytes, (sqlite|postgres), sha256 [0-9a-f]{64}/)
    assert.ok(during.length > 0, 'the write load ran')

    // an ordinary tar: RAPPORT-BACKUP first, then the database, the manifest and the checksum
    const { stdout: list } = await run('tar', ['-tf', good])
    const names = list.trim().split('\n')
    assert.equal(names[0], 'RAPPORT-BACKUP')
    assert.ok(names.includes(BACKEND === 'postgres' ? 'database/dump.jsonl' : 'database/rapport.db'), list)
    assert.deepEqual(names.slice(-2), ['manifest.json', 'SHA256'])
    const { stdout: mtxt } = await run('tar', ['-xOf', good, 'manifest.json'])
    const manifest = JSON.parse(mtxt)
    assert.equal(manifest.format, 'rapport-backup')
    assert.equal(manifest.format_version, 1)
    assert.equal(manifest.backend, BACKEND)
    assert.ok(manifest.schema_version > 0 && manifest.created_at && manifest.parts.length >= 1)

    const fresh = await tempDir()
    const env = await freshEnv()
    const rr = await ok(['restore', '--data', fresh, good], env)
    assert.match(rr.stdout, /restored .*under-load\.rbk/)
    if (BACKEND === 'sqlite') assert.equal(await integrity(path.join(fresh, 'rapport.db')), 'ok')
    const restored = await startServer({ dataDir: fresh, env })
    try {
      const s = await login(restored)
      const ids = new Set((await listAll(restored, s, 'customers')).map((c) => c.id))
      for (const id of written) assert.ok(ids.has(id), `customer ${id}, written before the backup, is restored`)
      // the attachment: listed on its customer and downloadable byte for byte
      const files = await must(api(restored, 'GET', `/api/customers/${written[0]}/attachments`, { session: s }), 200)
      assert.equal(files.data.length, 1, JSON.stringify(files))
      const bytes = Buffer.from(await (await fetch(restored.url(`/api/attachments/${files.data[0].id}`), { headers: { cookie: s.cookie } })).arrayBuffer())
      assert.deepEqual(bytes, PDF)
      // the restored server takes new writes
      await createRecord(restored, s, 'customers', { name: '恢复之后的新客户' })
    } finally {
      await restored.stop()
    }
  })

  it('a backup restores into the other kind of database', { skip: !PG_URL && 'needs RAPPORT_TEST_PG_URL' }, async () => {
    const other = BACKEND === 'postgres' ? 'sqlite' : 'postgres'
    const fresh = await tempDir()
    const env = await freshEnv(other)
    await ok(['restore', '--data', fresh, good], env)
    if (other === 'sqlite') assert.equal(await integrity(path.join(fresh, 'rapport.db')), 'ok')
    const restored = await startServer({ dataDir: fresh, env })
    try {
      const ids = new Set((await listAll(restored, await login(restored), 'customers')).map((c) => c.id))
      for (const id of written) assert.ok(ids.has(id), `customer ${id} restored into ${other}`)
    } finally {
      await restored.stop()
    }
  })

  it('refuses a damaged or foreign file with one clear line and changes nothing', async () => {
    // the target: a folder restored from the good backup (its server stopped)
    const target = await tempDir()
    const env = await freshEnv()
    await ok(['restore', '--data', target, good], env)
    const before = await state(target, env)
    const listing = (await readdir(target)).sort()
    const bytes = await readFile(good)
    const flip = (at) => {
      const b = Buffer.from(bytes)
      b[at] ^= 0x01
      return b
    }
    const manifestAt = bytes.indexOf(Buffer.from('"format": "rapport-backup"'))
    assert.ok(manifestAt > 0)
    const cases = {
      'truncated to half': bytes.subarray(0, Math.floor(bytes.length / 2)),
      'missing its last 700 bytes': bytes.subarray(0, bytes.length - 700),
      'one byte flipped in the database': flip(4096 + 100),
      'one byte flipped in the middle': flip(Math.floor(bytes.length / 2) + 3),
      'one byte flipped in the manifest': flip(manifestAt + 12),
      'one byte flipped in a header': flip(0),
      'one byte flipped in the checksum': flip(bytes.length - 1024 - 512 + 10),
      'a foreign text file': Buffer.from('name,phone\n华夏,010\n'),
      'a JSON file': Buffer.from('{"format":"rapport-backup"}\n'),
      'an empty file': Buffer.alloc(0),
      'a tar of something else': await run('tar', ['-cf', '-', '-C', path.dirname(good), path.basename(good)], { encoding: 'buffer', maxBuffer: 1 << 30 }).then((r) => r.stdout),
    }
    for (const [what, content] of Object.entries(cases)) {
      const bad = path.join(work, 'bad.rbk')
      await writeFile(bad, content)
      const r = await runCli(['restore', '--data', target, bad], { env })
      const shown = `${what}: exit ${r.code}\n${r.stderr}${r.stdout}`
      assert.notEqual(r.code, 0, shown)
      assert.equal(r.stdout, '', shown)
      const lines = r.stderr.split('\n').filter(Boolean)
      assert.equal(lines.length, 1, shown)
      assert.match(lines[0], /^rapport: cannot restore .*bad\.rbk: (the backup file is damaged|not a Rapport backup).*; nothing was changed$/, shown)
      assert.deepEqual((await readdir(target)).sort(), listing, `${what}: the folder is as it was`)
    }
    assert.equal(await state(target, env), before, 'the data is as it was')
    if (BACKEND === 'sqlite') assert.equal(await integrity(path.join(target, 'rapport.db')), 'ok')
    // a good file over existing data: done, and on SQLite the previous files are kept aside
    await ok(['restore', '--data', target, good], env)
    assert.equal(await state(target, env), before)
    if (BACKEND === 'sqlite') {
      const kept = (await readdir(target)).filter((f) => f.startsWith('restore-previous-'))
      assert.equal(kept.length, 1)
      assert.equal(await integrity(path.join(target, kept[0], 'rapport.db')), 'ok')
    }
  })

  it('refuses to restore a SQLite folder while its server runs', { skip: BACKEND !== 'sqlite' && 'SQLite only' }, async () => {
    const before = await listAll(server, admin, 'customers')
    const r = await runCli(['restore', '--data', server.dataDir, good], { env: server.env })
    assert.notEqual(r.code, 0, r.stdout)
    assert.match(r.stderr, /^rapport: cannot restore: the current database is in use \(is rapport serve running on this folder\? stop it first\); nothing was changed\n$/m)
    assert.equal(r.stdout, '')
    assert.deepEqual(await listAll(server, admin, 'customers'), before)
    assert.ok(!(await readdir(server.dataDir)).some((f) => f.startsWith('restore-previous') || f.startsWith('.restore')))
  })

  it('admins list, run, download and schedule backups; others get 403', async () => {
    const rep = await must(api(server, 'POST', '/api/users', { session: admin, body: { username: 'rep.backup', password: 'rep-pass-12345', name: '备份代表', roles: ['sales_rep'] } }), 201)
    const repSession = await login(server, rep.username, 'rep-pass-12345')
    for (const [method, p, body] of [['GET', '/api/backups'], ['POST', '/api/backups'], ['GET', '/api/settings/backup'], ['PUT', '/api/settings/backup', { time: '04:00' }], ['GET', '/api/backups/x.rbk/download']])
      assertError(await api(server, method, p, { session: repSession, body }), 403, 'forbidden', `${method} ${p} as a rep`)

    const started = await api(server, 'POST', '/api/backups', { session: admin })
    assert.equal(started.status, 202, started.text)
    let listed
    for (let i = 0; i < 200; i++) {
      listed = await must(api(server, 'GET', '/api/backups', { session: admin }), 200)
      if (!listed.running) break
      await sleep(100)
    }
    assert.equal(listed.running, false)
    assert.equal(listed.last_error, null, JSON.stringify(listed))
    const manual = listed.data.filter((b) => b.kind === 'manual')
    assert.equal(manual.length, 1, JSON.stringify(listed))
    const b = manual[0]
    assert.match(b.name, /^rapport-\d{8}-\d{6}-manual\.rbk$/)
    assert.match(b.sha256, /^[0-9a-f]{64}$/)
    assert.ok(b.size > 0 && b.created_at && b.backend === BACKEND, JSON.stringify(b))

    const dl = await api(server, 'GET', `/api/backups/${b.name}/download`, { session: admin })
    assert.equal(dl.status, 200)
    assert.equal(dl.headers.get('content-type'), 'application/octet-stream')
    assert.match(dl.headers.get('content-disposition'), new RegExp(`attachment; filename="${b.name}"`))
    const body = Buffer.from(await (await fetch(server.url(`/api/backups/${b.name}/download`), { headers: { cookie: admin.cookie } })).arrayBuffer())
    assert.equal(body.length, b.size)
    assert.equal(sha256(body), b.sha256, 'the download is the file the list describes')
    for (const name of ['nope.rbk', '..%2Frapport.db', 'rapport.db', `${b.name}.json`])
      assertError(await api(server, 'GET', `/api/backups/${name}/download`, { session: admin }), 404, 'not_found', name)

    assert.deepEqual(await must(api(server, 'GET', '/api/settings/backup', { session: admin }), 200), { enabled: true, time: '02:00', keep_daily: 7, keep_weekly: 4 })
    for (const body of [{ time: '24:00' }, { time: '3:00' }, { keep_daily: -1 }, { keep_weekly: 'x' }, { enabled: 'yes' }, { color: 'red' }, { keep_daily: 0, keep_weekly: 0 }]) {
      const e = assertError(await api(server, 'PUT', '/api/settings/backup', { session: admin, body }), 422, 'validation_failed', JSON.stringify(body))
      assert.ok(e.fields && Object.keys(e.fields).length === 1, JSON.stringify(e))
    }
    const saved = await must(api(server, 'PUT', '/api/settings/backup', { session: admin, body: { time: '03:00', keep_daily: 2, keep_weekly: 1 } }), 200)
    assert.deepEqual(saved, { enabled: true, time: '03:00', keep_daily: 2, keep_weekly: 1 })
    assert.deepEqual(await must(api(server, 'GET', '/api/settings/backup', { session: admin }), 200), saved)
  })

  it('the daily job runs at the set time and keeps N daily and M weekly backups', async () => {
    // company time is UTC+8: 2027-01-01T18:30Z is 02:30 on 2 January, before the 03:00 set above
    const early = await runJobs(server, '2027-01-01T18:30:00Z')
    assert.equal(early.jobs.backup, 'waiting')
    for (const at of ['2027-01-01T19:30:00Z', '2027-01-02T19:30:00Z', '2027-01-09T19:30:00Z', '2027-01-10T19:30:00Z', '2027-01-11T19:30:00Z']) {
      const r = await runJobs(server, at)
      assert.match(r.jobs.backup.file, /-auto\.rbk$/, JSON.stringify(r))
      assert.match(r.jobs.backup.sha256, /^[0-9a-f]{64}$/)
    }
    const again = await runJobs(server, '2027-01-11T20:30:00Z')
    assert.equal(again.jobs.backup, 'skipped', 'once a day')
    const listed = await must(api(server, 'GET', '/api/backups', { session: admin }), 200)
    // keep 2 daily (11 and 10 January, UTC names) and 1 weekly (the newest of an older week: 2 January)
    const auto = listed.data.filter((b) => b.kind === 'auto').map((b) => b.name.slice(8, 16))
    assert.deepEqual(auto, ['20270111', '20270110', '20270102'], JSON.stringify(listed.data))
    assert.equal(listed.data.filter((b) => b.kind === 'manual').length, 1, 'manual backups are not pruned')
    const files = (await readdir(path.join(server.dataDir, 'backups'))).filter((f) => f.endsWith('.rbk'))
    assert.equal(files.length, 4, files.join(' '))
  })
})
