// export.test.mjs - GET /api/{entity}/export?format=csv|xlsx and `rapport export` (src/core/export.h):
// an export holds exactly the rows the same list shows the caller (data scope, filters, search,
// sort) and never a hidden field; CSV is UTF-8 with a BOM and RFC 4180 quoting (commas, quotes,
// line breaks, Chinese); .xlsx is a workbook whose sheet holds the same cells; headers follow the
// language; a role without the export action gets 403.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'

import { api, assertError, login, runCli, startServer, tempDataDir } from './lib/server.mjs'
import { must } from './lib/company.mjs'
import { createRecord, listAll } from './lib/records.mjs'

const run = promisify(execFile)
const BOM = '\uFEFF'

/** RFC 4180: rows of fields; quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text) {
  const rows = []
  let row = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"' && field === '') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else {
      assert.ok(ch !== '\n' && ch !== '"', `bare ${JSON.stringify(ch)} at ${i} outside quotes`)
      field += ch
    }
  }
  assert.equal(field, '', 'the file ends with CRLF')
  assert.equal(row.length, 0)
  return rows
}

async function exportCsv(server, session, entity, query = {}) {
  const qs = new URLSearchParams({ format: 'csv', ...query }).toString()
  const res = await fetch(server.url(`/api/${entity}/export?${qs}`), { headers: { cookie: session.cookie } })
  const bytes = Buffer.from(await res.arrayBuffer())
  assert.equal(res.status, 200, bytes.toString())
  assert.match(res.headers.get('content-type'), /^text\/csv/)
  assert.match(res.headers.get('content-disposition'), /attachment; filename=".+\.csv"/)
  // fetch's text() drops a BOM: look at the bytes
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM')
  const [header, ...rows] = parseCsv(bytes.subarray(3).toString('utf8'))
  for (const r of rows) assert.equal(r.length, header.length, `a row as wide as the header: ${JSON.stringify(r)}`)
  return { header, rows, objects: rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))) }
}

const TRICKY = ['逗号, 公司', '引号 "华夏" 机械', '单引号\'s 与反斜杠\\\\', '北京华夏机械有限公司', '=SUM(A1:A2)']

describe('export', () => {
  let server, admin, reps, work

  before(async () => {
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '3600' } })
    admin = await login(server)
    work = await tempDataDir('rapport-export-')
    // reps see only their own customers, and not the phone field
    await must(api(server, 'PUT', '/api/roles/sales_rep', { session: admin, body: { field_rules: { 'customers.phone': 'hidden', 'products.cost_price': 'hidden' } } }), 200)
    reps = {}
    for (const name of ['rep.a', 'rep.b']) {
      const u = await must(api(server, 'POST', '/api/users', { session: admin, body: { username: name, password: 'rep-pass-12345', name, roles: ['sales_rep'] } }), 201)
      reps[name] = { user: u, session: await login(server, name, 'rep-pass-12345') }
    }
    for (let i = 0; i < 12; i++) {
      const owner = i % 3 === 0 ? admin.user.id : i % 3 === 1 ? reps['rep.a'].user.id : reps['rep.b'].user.id
      await createRecord(server, admin, 'customers', {
        owner_id: owner,
        name: i < TRICKY.length ? TRICKY[i] : `客户 ${i}`,
        phone: `010-6234 ${5600 + i}`,
        status: i % 2 ? 'intent' : 'potential',
        notes: i === 4 ? '多行\r\n备注, 带 "引号"' : undefined,
      })
    }
    const mine = await listAll(server, reps['rep.a'].session, 'customers')
    await createRecord(server, reps['rep.a'].session, 'opportunities', { customer_id: mine[0].id, name: '大单', amount: { amount: 12345678, currency: 'CNY' } })
  })
  after(async () => {
    await server?.stop()
    await rm(work, { recursive: true, force: true })
  })

  it("a rep's export holds exactly their records and no hidden field", async () => {
    for (const [name, rep] of Object.entries(reps)) {
      const { header, objects, rows } = await exportCsv(server, rep.session, 'customers')
      const listed = await listAll(server, rep.session, 'customers')
      assert.deepEqual(objects.map((o) => Number(o.ID)).sort((a, b) => a - b), listed.map((c) => c.id), `${name}: the rows of the list`)
      assert.ok(listed.length > 0 && listed.every((c) => c.owner_id === rep.user.id))
      assert.ok(!header.includes('电话') && !header.some((h) => /phone/i.test(h)), `${name}: no phone column: ${header}`)
      assert.ok(!rows.flat().some((v) => v.includes('6234')), `${name}: no phone value anywhere`)
      const en = await exportCsv(server, rep.session, 'customers', { lang: 'en' })
      assert.ok(en.header.includes('Name') && !en.header.includes('Phone'), en.header.join())
    }
    // the admin sees everything, phone included
    const all = await exportCsv(server, admin, 'customers')
    assert.equal(all.rows.length, 12)
    assert.ok(all.header.includes('电话'))
  })

  it('CSV quotes commas, quotes and line breaks, and keeps Chinese', async () => {
    const { objects } = await exportCsv(server, admin, 'customers', { sort: 'id' })
    const names = objects.map((o) => o['客户名称'])
    for (const t of TRICKY.slice(0, 4)) assert.ok(names.includes(t), `${JSON.stringify(t)} round-trips: ${JSON.stringify(names)}`)
    // a formula-looking cell stays text
    assert.ok(names.includes("'=SUM(A1:A2)"), JSON.stringify(names))
    const notes = objects.map((o) => o['备注']).find((n) => n.startsWith('多行'))
    assert.equal(notes, '多行\r\n备注, 带 "引号"')
    // option labels, owner names, ids
    const first = objects[0]
    assert.ok(['潜在客户', '意向客户', 'potential', 'intent'].includes(first['客户状态']) || first['客户状态'].length > 0)
    assert.equal(first['负责人 ID'], String(admin.user.id))
  })

  it('filters, search and sort apply as in the list', async () => {
    for (const query of [{ 'filter[status]': 'intent' }, { q: '华夏' }, { sort: 'name' }, { sort: '-id', 'filter[status][ne]': 'intent' }]) {
      const { objects } = await exportCsv(server, admin, 'customers', query)
      const res = await api(server, 'GET', '/api/customers', { session: admin, query: { ...query, limit: '500' } })
      assert.deepEqual(objects.map((o) => Number(o.ID)), res.json.data.map((c) => c.id), JSON.stringify(query))
    }
    assertError(await api(server, 'GET', '/api/customers/export', { session: admin, query: { format: 'pdf' } }), 400, 'bad_request')
    assertError(await api(server, 'GET', '/api/customers/export', { session: admin, query: { format: 'csv', 'filter[nope]': '1' } }), 400, 'bad_request')
    assertError(await api(server, 'GET', '/api/nothing/export', { session: admin }), 404, 'not_found')
  })

  it('money is a decimal and a currency; references show their title and id', async () => {
    const { objects } = await exportCsv(server, reps['rep.a'].session, 'opportunities', { lang: 'en' })
    assert.equal(objects.length, 1)
    const o = objects[0]
    const amountCol = Object.keys(o).find((k) => /amount/i.test(k) && !/currency/i.test(k))
    assert.equal(o[amountCol], '123456.78')
    assert.equal(o[`${amountCol} (currency)`], 'CNY')
    const mine = await listAll(server, reps['rep.a'].session, 'customers')
    assert.equal(o.Customer ?? o['Customer'], mine[0].name)
    assert.equal(o['Customer ID'], String(mine[0].id))
  })

  it('xlsx is a workbook with the same cells', async () => {
    const res = await fetch(server.url('/api/customers/export?format=xlsx&lang=en&sort=id'), { headers: { cookie: reps['rep.a'].session.cookie } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    const file = path.join(work, 'c.xlsx')
    await writeFile(file, Buffer.from(await res.arrayBuffer()))
    const { stdout: list } = await run('unzip', ['-l', file])
    assert.match(list, /xl\/worksheets\/sheet1\.xml/)
    assert.match(list, /xl\/workbook\.xml/)
    const { stdout: sheet } = await run('unzip', ['-p', file, 'xl/worksheets/sheet1.xml'], { maxBuffer: 1 << 26 })
    const listed = await listAll(server, reps['rep.a'].session, 'customers')
    assert.equal((sheet.match(/<row /g) ?? []).length, listed.length + 1, 'a header row and one row per record')
    const text = sheet.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
    for (const c of listed) assert.ok(text.includes(`<t>${c.name}</t>`) || text.includes(`<t xml:space="preserve">${c.name}</t>`), c.name)
    assert.ok(sheet.includes('>Name<') && !sheet.includes('Phone') && !sheet.includes('6234'))
  })

  it('a role without the export action gets 403; so does the recycle bin without delete', async () => {
    const u = await must(api(server, 'POST', '/api/users', { session: admin, body: { username: 'svc', password: 'svc-pass-12345', name: 'svc', roles: ['service'] } }), 201)
    const svc = await login(server, u.username, 'svc-pass-12345')
    assert.equal((await api(server, 'GET', '/api/customers', { session: svc })).status, 200)
    assertError(await api(server, 'GET', '/api/customers/export', { session: svc, query: { format: 'csv' } }), 403, 'forbidden')
    assertError(await api(server, 'GET', '/api/customers/export', { query: { format: 'csv' } }), 401, 'unauthenticated')
  })

  it('rapport export writes CSV and xlsx from the command line', async () => {
    const csv = path.join(work, 'all.csv')
    const r = await runCli(['export', '--data', server.dataDir, 'customers', csv], { env: server.env })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^exported 12 customers to .*all\.csv/)
    const text = await readFile(csv, 'utf8')
    assert.ok(text.startsWith(BOM), 'readFile keeps the BOM')
    assert.equal(parseCsv(text.slice(1)).length, 13)
    const xlsx = path.join(work, 'all.xlsx')
    assert.equal((await runCli(['export', '--data', server.dataDir, 'customers', xlsx, '--lang', 'en'], { env: server.env })).code, 0)
    assert.match((await run('unzip', ['-l', xlsx])).stdout, /sheet1\.xml/)
    const bad = await runCli(['export', '--data', server.dataDir, 'customers', path.join(work, 'x.pdf')], { env: server.env })
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /must end with \.csv or \.xlsx/)
    const unknown = await runCli(['export', '--data', server.dataDir, 'nothing', csv], { env: server.env })
    assert.notEqual(unknown.code, 0)
    assert.match(unknown.stderr, /no such entity/)
  })
})
