// imports.test.mjs - imports from spreadsheets (docs/api.md "Imports"): files as Excel writes them
// (UTF-8 with BOM, GBK, quoted fields with line breaks, CRLF, .xlsx), the mapping suggested from
// Chinese and English headers, a dry run that reports every bad row by its row number and writes
// nothing, the run (duplicates skipped, updated or created anyway), the error report, an undo that
// removes exactly the imported records, permissions, bad files, 100,000 rows (timed), and the
// command line `rapport import`.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { BACKEND, api, assertError, login, runCli, startServer } from './lib/server.mjs'
import { createUsers, loginUsers, must } from './lib/company.mjs'

const BOM = Buffer.from([0xef, 0xbb, 0xbf])
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** GBK bytes of a string, from the platform's own GBK decoder read backwards. */
let gbkTable = null
function gbk(text) {
  if (!gbkTable) {
    gbkTable = new Map()
    const dec = new TextDecoder('gbk')
    for (let a = 0x81; a <= 0xfe; a++)
      for (let b = 0x40; b <= 0xfe; b++) {
        if (b === 0x7f) continue
        const ch = dec.decode(Uint8Array.from([a, b]))
        if (ch.length === 1 && ch !== '\ufffd' && !gbkTable.has(ch)) gbkTable.set(ch, [a, b])
      }
  }
  const out = []
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) out.push(ch.charCodeAt(0))
    else {
      const code = gbkTable.get(ch)
      assert.ok(code, `no GBK code for ${ch}`)
      out.push(...code)
    }
  }
  return Buffer.from(out)
}

describe('imports', () => {
  let server, admin, rep, users
  before(async () => {
    server = await startServer()
    admin = await login(server)
    users = await createUsers(server, admin, {}, [
      { key: 'rep', name: '李销售', roles: ['sales_rep'] },
      { key: 'mgr', name: '王经理', roles: ['sales_manager'] },
    ])
    const sessions = await loginUsers(server, users)
    rep = sessions.rep
    users.sessions = sessions
  })
  after(async () => {
    await server?.stop()
  })

  const upload = (session, entity, body, filename = 'data.csv') =>
    api(server, 'POST', '/api/imports', { session, raw: true, body, query: { entity, filename } })
  const job = (session, id) => api(server, 'GET', `/api/imports/${id}`, { session })
  async function wait(session, id, timeoutMs = 600_000) {
    const t0 = Date.now()
    for (;;) {
      const j = await must(job(session, id), 200, 'poll')
      if (!['checking', 'running', 'undoing'].includes(j.status)) return j
      assert.ok(Date.now() - t0 < timeoutMs, `import ${id} still ${j.status}`)
      await sleep(100)
    }
  }
  const step = async (session, id, kind, body = {}) => {
    const started = await must(api(server, 'POST', `/api/imports/${id}/${kind}`, { session, body }), 202, kind)
    assert.ok(['checking', 'running', 'undoing'].includes(started.status), started.status)
    return wait(session, id)
  }
  // a list's total stops at 10,000 (docs/api.md); the aggregate counts them all
  const count = async (entity, query = {}) =>
    query.deleted
      ? (await must(api(server, 'GET', `/api/${entity}`, { session: admin, query: { limit: 1, ...query } }), 200)).total
      : (await must(api(server, 'GET', `/api/${entity}/aggregate`, { session: admin, query }), 200)).count

  it('suggests the mapping from Chinese headers and reads UTF-8 with a BOM', async () => {
    const csv = '客户名称 ,电话,客户等级（必填）,行业,负责人,备注,无关列\r\n北京华夏机械有限公司,010-62345678,A,制造业,admin,x,y\r\n'
    const j = await must(upload(admin, 'customers', Buffer.concat([BOM, Buffer.from(csv)])), 201)
    assert.equal(j.encoding, 'utf-8-bom')
    assert.equal(j.status, 'uploaded')
    assert.equal(j.total, 1)
    assert.deepEqual(j.columns, ['客户名称 ', '电话', '客户等级（必填）', '行业', '负责人', '备注', '无关列'])
    assert.deepEqual(j.suggested_mapping, ['name', 'phone', 'grade', 'industry', 'owner_id', 'notes', null])
    assert.deepEqual(j.sample[0].slice(0, 2), ['北京华夏机械有限公司', '010-62345678'])
  })

  it('suggests the mapping from English headers, ignoring case, spaces and full-width forms', async () => {
    const csv = 'NAME,Ｐｈｏｎｅ,short name,Owner,Website\n甲,010-1111111,x,admin,example.com\n'
    const j = await must(upload(admin, 'customers', Buffer.from(csv)), 201)
    assert.equal(j.encoding, 'utf-8')
    assert.deepEqual(j.suggested_mapping, ['name', 'phone', 'short_name', 'owner_id', 'website'])
  })

  it('a dry run reports every bad row by its row number and writes nothing; the run then imports; undo removes exactly those', async () => {
    await must(api(server, 'POST', '/api/customers', { session: admin, body: { name: '已有客户有限公司', phone: '021-55550000' } }), 201)
    const mine = await must(api(server, 'POST', '/api/customers', { session: admin, body: { name: '别人的客户' } }), 201)
    const before = await count('customers')
    const csv = [
      '客户名称,电话,客户等级,行业,城市,标签,备注',
      '甲乙丙有限公司,010-12345678,A,制造业,北京,"重点,华北","第一行\n第二行"', // row 2: fine, notes with a line break
      '坏等级公司,010-22222222,Z,,=1+1,,', // row 3: grade not an option (and a formula-looking city)
      ',010-33333333,B,,,,', // row 4: name missing
      '甲乙丙有限公司,010-44444444,C,,,,', // row 5: same name as row 2
      '已有客户有限公司,,D,,,,', // row 6: same name as an existing customer
      '丁戊有限公司,not a phone,B,能源,上海,,', // row 7: phone invalid
      '',
      '己庚有限公司,,b,信息技术,深圳,,', // row 9 (a blank line before it): fine, grade in lower case
    ].join('\r\n') + '\r\n'
    const up = await must(upload(admin, 'customers', Buffer.from(csv)), 201)
    assert.equal(up.total, 7, 'blank lines are no rows')

    const dry = await step(admin, up.id, 'dry-run', { mapping: up.suggested_mapping, duplicates: 'skip' })
    assert.equal(dry.status, 'checked', dry.message)
    assert.equal(dry.dry_run, true)
    assert.equal(await count('customers'), before, 'a dry run writes nothing')
    const byRow = Object.fromEntries(dry.errors.map((e) => [e.row, e]))
    assert.deepEqual(Object.keys(byRow).map(Number), [3, 4, 5, 6, 7])
    assert.equal(byRow[3].fields.grade, 'invalid_option')
    assert.equal(byRow[4].fields.name, 'required')
    assert.equal(byRow[5].fields.name, 'duplicate')
    assert.equal(byRow[5].duplicate_of_row, 2)
    assert.equal(byRow[5].skipped, true)
    assert.equal(byRow[6].fields.name, 'duplicate')
    assert.equal(byRow[6].skipped, true)
    assert.equal(byRow[7].fields.phone, 'invalid_phone')
    assert.deepEqual([dry.created, dry.skipped, dry.failed, dry.processed], [2, 2, 3, 7])

    const done = await step(admin, up.id, 'run', {})
    assert.equal(done.status, 'done', done.message)
    assert.deepEqual([done.created, done.skipped, done.failed, done.processed], [2, 2, 3, 7])
    assert.equal(await count('customers'), before + 2)
    const jyb = (await must(api(server, 'GET', '/api/customers', { session: admin, query: { 'filter[name]': '甲乙丙有限公司' } }), 200)).data
    assert.equal(jyb.length, 1)
    assert.equal(jyb[0].notes, '第一行\n第二行')
    assert.deepEqual(jyb[0].tags, ['重点', '华北'])
    assert.equal(jyb[0].industry, 'manufacturing', 'an option given by its Chinese label')
    assert.equal(jyb[0].owner_id, admin.user.id, 'imported records belong to the importer')
    const jg = (await must(api(server, 'GET', '/api/customers', { session: admin, query: { 'filter[name]': '己庚有限公司' } }), 200)).data
    assert.equal(jg[0].grade, 'B')
    assert.equal(jg[0].industry, 'it')

    // the error report: row numbers and problems, then the row itself
    const report = await api(server, 'GET', `/api/imports/${up.id}/errors.csv`, { session: admin })
    assert.equal(report.status, 200)
    assert.match(report.headers.get('content-type'), /text\/csv/)
    const lines = report.text.replace(/^\ufeff/, '').split('\r\n').filter(Boolean)
    assert.match(lines[0], /^行号 Row,问题 Problems,客户名称/)
    assert.deepEqual(lines.slice(1).map((l) => Number(l.split(',')[0])), [3, 4, 5, 6, 7])
    assert.match(lines[1], /grade: invalid_option/)
    assert.ok(lines[1].includes(",'=1+1,"), `a cell that looks like a formula stays text: ${lines[1]}`)
    assert.match(lines.find((l) => l.startsWith('5,')), /row 2/)

    // a second run of the same job is refused; a colleague's record is untouched by undo
    assertError(await api(server, 'POST', `/api/imports/${up.id}/run`, { session: admin, body: {} }), 409, 'conflict')
    const undone = await step(admin, up.id, 'undo')
    assert.equal(undone.status, 'undone', undone.message)
    assert.equal(await count('customers'), before, 'undo removes exactly the imported records')
    await must(api(server, 'GET', `/api/customers/${mine.id}`, { session: admin }), 200)
    assert.equal(await count('customers', { deleted: 'true' }), 2, 'the undone records are in the recycle bin')
    assertError(await api(server, 'POST', `/api/imports/${up.id}/undo`, { session: admin, body: {} }), 409, 'conflict')
  })

  it('reads GBK as Chinese Excel saves it; references by name; dates as typed and as Excel serials', async () => {
    const cust = await must(api(server, 'POST', '/api/customers', { session: admin, body: { name: '华夏重工股份有限公司' } }), 201)
    const csv = '所属客户,姓名,手机,邮箱,生日,主要联系人\r\n' +
      '华夏重工股份有限公司,张伟,13800138000,zhang@example.com,1985/3/7,是\r\n' +
      '华夏重工股份有限公司,李娜,13900139000,,45292,否\r\n' +
      '不存在的公司,王芳,13700137000,,,\r\n' +
      '华夏重工股份有限公司,赵敏,,not-an-email,1990年12月1日,\r\n'
    const up = await must(upload(admin, 'contacts', gbk(csv)), 201)
    assert.equal(up.encoding, 'gb18030')
    assert.deepEqual(up.columns, ['所属客户', '姓名', '手机', '邮箱', '生日', '主要联系人'])
    assert.deepEqual(up.suggested_mapping, ['customer_id', 'name', 'mobile', 'email', 'birthday', 'is_primary'])
    const done = await step(admin, up.id, 'run', { mapping: up.suggested_mapping })
    assert.equal(done.status, 'done', done.message)
    assert.equal(done.created, 2)
    const byRow = Object.fromEntries(done.errors.map((e) => [e.row, e]))
    assert.deepEqual(Object.keys(byRow).map(Number), [4, 5])
    assert.equal(byRow[4].fields.customer_id, 'not_found', 'an unknown customer is reported')
    assert.equal(byRow[5].fields.email, 'invalid_email')
    const contacts = (await must(api(server, 'GET', `/api/customers/${cust.id}/contacts`, { session: admin, query: { sort: 'name' } }), 200)).data
    const byName = Object.fromEntries(contacts.map((c) => [c.name, c]))
    assert.equal(byName['张伟'].birthday, '1985-03-07')
    assert.equal(byName['张伟'].is_primary, true)
    assert.equal(byName['李娜'].birthday, '2024-01-01', 'Excel serial 45292')
    assert.equal(byName['李娜'].is_primary, false)
  })

  it('duplicates: skip, update the existing record, or create anyway', async () => {
    const old = await must(api(server, 'POST', '/api/customers', { session: admin, body: { name: '重复测试公司', city: '北京' } }), 201)
    const csv = '客户名称,城市\n重复测试公司,广州\n'
    const skip = await must(upload(admin, 'customers', Buffer.from(csv)), 201)
    const s = await step(admin, skip.id, 'run', { duplicates: 'skip' })
    assert.deepEqual([s.created, s.updated, s.skipped], [0, 0, 1])
    assert.equal(s.errors[0].existing_id, old.id)

    const upd = await must(upload(admin, 'customers', Buffer.from(csv)), 201)
    const u = await step(admin, upd.id, 'run', { duplicates: 'update' })
    assert.deepEqual([u.created, u.updated, u.skipped, u.failed], [0, 1, 0, 0], JSON.stringify(u.errors))
    const now = await must(api(server, 'GET', `/api/customers/${old.id}`, { session: admin }), 200)
    assert.equal(now.city, '广州')
    assert.equal(now.version, old.version + 1)

    const cre = await must(upload(admin, 'customers', Buffer.from(csv)), 201)
    const c = await step(admin, cre.id, 'run', { duplicates: 'create' })
    assert.deepEqual([c.created, c.updated, c.skipped], [1, 0, 0])
    assert.equal(await count('customers', { 'filter[name]': '重复测试公司' }), 2)

    // undo of the "update" import removes nothing (it created nothing)
    assertError(await api(server, 'POST', `/api/imports/${upd.id}/undo`, { session: admin, body: {} }), 409, 'conflict')
    assertError(await api(server, 'POST', `/api/imports/${upd.id}/run`, { session: admin, body: { duplicates: 'merge' } }), 409)
    const bad = await must(upload(admin, 'customers', Buffer.from(csv)), 201)
    const r = assertError(await api(server, 'POST', `/api/imports/${bad.id}/run`, { session: admin, body: { duplicates: 'merge' } }), 422, 'validation_failed')
    void r
  })

  it('a mapping that misses a required field or names unknown fields is refused before anything runs', async () => {
    const up = await must(upload(admin, 'customers', Buffer.from('a,b\n1,2\n')), 201)
    assert.deepEqual(up.suggested_mapping, [null, null])
    let res = await api(server, 'POST', `/api/imports/${up.id}/dry-run`, { session: admin, body: { mapping: [null, 'city'] } })
    assertError(res, 422, 'validation_failed')
    assert.equal(res.json.error.fields.name, 'required')
    res = await api(server, 'POST', `/api/imports/${up.id}/dry-run`, { session: admin, body: { mapping: ['name', 'nope'] } })
    assert.equal(res.json.error.fields.nope, 'unknown_field')
    res = await api(server, 'POST', `/api/imports/${up.id}/dry-run`, { session: admin, body: { mapping: ['name', 'last_contacted_at'] } })
    assert.equal(res.status, 422)
    res = await api(server, 'POST', `/api/imports/${up.id}/dry-run`, { session: admin, body: { mapping: ['name', 'name'] } })
    assert.equal(res.json.error.fields.name, 'duplicate')
    assert.equal((await must(job(admin, up.id), 200)).status, 'uploaded')
  })

  it('reads .xlsx: shared strings, numbers, booleans, prices and Excel dates', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rapport-xlsx-'))
    const file = path.join(dir, 'p.xlsx')
    const py = `
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)
z.writestr('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
z.writestr('xl/workbook.xml', '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="产品" sheetId="1" r:id="rId1"/></sheets></workbook>')
z.writestr('xl/_rels/workbook.xml.rels', '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="x" Target="worksheets/sheet1.xml"/></Relationships>')
z.writestr('xl/sharedStrings.xml', '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>产品编码</t></si><si><t>产品名称</t></si><si><t>标准价</t></si><si><t>在售</t></si><si><t>P-001</t></si><si><t>数控机床</t></si></sst>')
z.writestr('xl/worksheets/sheet1.xml', '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
  '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
  '<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c><c r="C2"><v>125000.5</v></c><c r="D2" t="b"><v>0</v></c></row>'
  '<row r="3"><c r="A3" t="inlineStr"><is><t>P-002</t></is></c><c r="B3" t="inlineStr"><is><t>激光切割机</t></is></c><c r="C3" t="str"><v>¥1,234.00</v></c></row>'
  '<row r="5"><c r="A5" t="inlineStr"><is><t>P-003</t></is></c></row>'
  '</sheetData></worksheet>')
z.close()
`
    execFileSync('python3', ['-c', py, file])
    const { readFile } = await import('node:fs/promises')
    const up = await must(upload(admin, 'products', await readFile(file), 'p.xlsx'), 201)
    await rm(dir, { recursive: true, force: true })
    assert.equal(up.encoding, 'xlsx')
    assert.deepEqual(up.columns, ['产品编码', '产品名称', '标准价', '在售'])
    assert.deepEqual(up.suggested_mapping, ['code', 'name', 'list_price', 'active'])
    const done = await step(admin, up.id, 'run', {})
    assert.equal(done.created, 2, JSON.stringify(done.errors))
    assert.deepEqual(done.errors.map((e) => [e.row, e.fields]), [[5, { name: 'required' }]], 'row numbers are the sheet\'s rows')
    const p = (await must(api(server, 'GET', '/api/products', { session: admin, query: { sort: 'code' } }), 200)).data
    assert.deepEqual(p[0].list_price, { amount: 12500050, currency: 'CNY' })
    assert.equal(p[0].active, false)
    assert.deepEqual(p[1].list_price, { amount: 123400, currency: 'CNY' })
    assert.equal(p[1].active, true, 'the default')
  })

  it('permissions: the import permission is needed, and a job is its owner\'s', async () => {
    assertError(await upload(rep, 'customers', Buffer.from('客户名称\n甲\n')), 403, 'forbidden')
    const up = await must(upload(admin, 'customers', Buffer.from('客户名称\n权限测试\n')), 201)
    assertError(await job(rep, up.id), 404, 'not_found')
    assertError(await api(server, 'POST', `/api/imports/${up.id}/run`, { session: rep, body: {} }), 404, 'not_found')
    assertError(await api(server, 'GET', `/api/imports/${up.id}/errors.csv`, { session: rep }), 404, 'not_found')
    const list = await must(api(server, 'GET', '/api/imports', { session: rep }), 200)
    assert.deepEqual(list.data, [])
    // a manager imports: the records are theirs
    const mgr = users.sessions.mgr
    const m = await must(upload(mgr, 'customers', Buffer.from('客户名称\n经理导入的客户\n')), 201)
    const done = await step(mgr, m.id, 'run', {})
    assert.equal(done.created, 1, JSON.stringify(done.errors))
    const rec = (await must(api(server, 'GET', '/api/customers', { session: admin, query: { 'filter[name]': '经理导入的客户' } }), 200)).data[0]
    assert.equal(rec.owner_id, users.mgr.id)
  })

  it('bad files are refused with a clear 400 and no job', async () => {
    const before = (await must(api(server, 'GET', '/api/imports', { session: admin }), 200)).data.length
    assertError(await upload(admin, 'customers', Buffer.from('a,b\0c\n')), 400, 'bad_request')
    assertError(await upload(admin, 'customers', Buffer.from('PK\x03\x04 not really a zip')), 400, 'bad_request')
    assertError(await upload(admin, 'customers', Buffer.from('a,"b\n1,2\n')), 400, 'bad_request')
    assertError(await upload(admin, 'customers', Buffer.from('\n\n')), 400, 'bad_request')
    assertError(await api(server, 'POST', '/api/imports', { session: admin, query: { entity: 'customers' } }), 400, 'bad_request')
    assertError(await upload(admin, 'users', Buffer.from('name\nx\n')), 400, 'bad_request')
    assertError(await job(admin, 999999), 404, 'not_found')
    assert.equal((await must(api(server, 'GET', '/api/imports', { session: admin }), 200)).data.length, before)
  })

  // 100,000 rows on SQLite; PostgreSQL pays a round trip per statement (about a dozen per row),
  // so its run takes 20,000 unless RAPPORT_TEST_IMPORT_ROWS says otherwise
  const BIG = Number(process.env.RAPPORT_TEST_IMPORT_ROWS) || (BACKEND === 'postgres' ? 20_000 : 100_000)

  it(`${BIG.toLocaleString('en')} customers: dry run and run, timed`, async () => {
    const rows = ['客户名称,电话,客户等级,城市']
    for (let i = 0; i < BIG; i++) rows.push(`批量客户${String(i).padStart(6, '0')}有限公司,010-${60000000 + i},${'ABCD'[i % 4]},北京`)
    const body = Buffer.from(rows.join('\n') + '\n')
    const before = await count('customers')
    const up = await must(upload(admin, 'customers', body, 'big.csv'), 201)
    assert.equal(up.total, BIG)
    let t0 = Date.now()
    const dry = await step(admin, up.id, 'dry-run', {})
    const dryS = (Date.now() - t0) / 1000
    assert.equal(dry.status, 'checked', dry.message)
    assert.equal(dry.failed, 0)
    assert.equal(await count('customers'), before)
    t0 = Date.now()
    const done = await step(admin, up.id, 'run', {})
    const runS = (Date.now() - t0) / 1000
    assert.equal(done.status, 'done', done.message)
    assert.equal(done.created, BIG)
    assert.equal(await count('customers'), before + BIG)
    console.log(`# import of ${BIG} customers (${server.backend}): dry run ${dryS.toFixed(1)} s, run ${runS.toFixed(1)} s = ${Math.round(BIG / runS)} rows/s`)
    t0 = Date.now()
    const undone = await step(admin, up.id, 'undo')
    assert.equal(undone.status, 'undone')
    assert.equal(await count('customers'), before)
    console.log(`# undo of ${BIG}: ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  })

  it('rapport import: the same from the command line, with a progress line', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rapport-imp-'))
    const file = path.join(dir, '线索.csv')
    await writeFile(file, gbk('联系人姓名,公司名称,手机,线索来源\r\n陈晨,晨光科技,13600136000,\r\n,无名,,\r\n'))
    const env = server.env
    const r = await runCli(['import', '--data', server.dataDir, 'leads', file], { env })
    assert.equal(r.code, 1, r.stderr) // one bad row
    assert.match(r.stderr, /import: .*gb18030/)
    assert.match(r.stderr, /import: 2\/2 rows \(100%\)/)
    assert.match(r.stdout, /1 created, 0 updated, 0 skipped, 1 failed/)
    assert.match(r.stdout, /row 3: .*"name":"required"/)
    const dry = await runCli(['import', '--data', server.dataDir, 'leads', file, '--dry-run', '--duplicates', 'create'], { env })
    assert.match(dry.stdout, /dry run: nothing written/)
    const bad = await runCli(['import', '--data', server.dataDir, 'leads', file, '--duplicates', 'merge'], { env })
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /^rapport: --duplicates/)
    const none = await runCli(['import', '--data', server.dataDir, 'users', file], { env })
    assert.match(none.stderr, /cannot be imported/)
    assert.equal(await count('leads', { 'filter[name]': '陈晨' }), 1)
    await rm(dir, { recursive: true, force: true })
  })
})
