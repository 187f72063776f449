// attachments.test.mjs - files attached to records: upload (raw body, ?name=), list, download,
// delete; the size limit (admin setting, 413), the allow-list by extension and by content (415),
// permissions through the parent record (another rep's customer is 404 for everything), nothing
// stored on a refusal (no row, no file, no temporary file), UTF-8 names in Content-Disposition,
// the parent's history, and a 20 MB upload that the server streams instead of holding.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'

import { api, assertError, login, startServer } from './lib/server.mjs'
import { createDepartments, createUsers, loginUsers, must } from './lib/company.mjs'

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64, 7)])
const DOCX = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(200, 1)])
const XLS = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512, 0)])
const GBK_CSV = Buffer.from('c3fbb3c62cb5e7bbb00d0ab1b1bea9bbaacfc42c3031302d38383838383838380d0a', 'hex') // 名称,电话 / 北京华夏,010-...

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex')

/** Every file under dir (recursively), as paths relative to it; [] when dir is missing. */
async function filesUnder(dir) {
  const out = []
  async function walk(d) {
    let entries
    try {
      entries = await readdir(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else out.push(path.relative(dir, p))
    }
  }
  await walk(dir)
  return out.sort()
}

/** Peak resident memory of a process in KiB (VmHWM), or null off Linux. */
async function peakRssKiB(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    return Number(/VmHWM:\s+(\d+)/.exec(status)[1])
  } catch {
    return null
  }
}

describe('attachments', () => {
  let server
  let admin
  let S = {}
  let mine // r1's customer
  let theirs // r2's customer
  let opp // r1's opportunity

  const upload = (who, entity, id, name, body, headers = {}) =>
    api(server, 'POST', `/api/${entity}/${id}/attachments`, {
      session: who,
      body,
      raw: true,
      headers: { 'content-type': 'application/octet-stream', ...headers },
      query: name === undefined ? undefined : { name },
    })
  const list = (who, entity, id) => api(server, 'GET', `/api/${entity}/${id}/attachments`, { session: who })
  const uploads = () => filesUnder(path.join(server.dataDir, 'uploads'))
  const temps = () => filesUnder(path.join(server.dataDir, 'tmp'))

  /** The temporary file of a request is removed when it completes, just after the answer. */
  async function noTemporaryFiles() {
    for (let i = 0; i < 50 && (await temps()).length; i++) await new Promise((r) => setTimeout(r, 20))
    assert.deepEqual(await temps(), [], 'temporary upload files left behind')
  }

  /** A refusal: the status and code, and no new row, file or temporary file. */
  async function refused(resPromise, status, code, entity = 'customers', id = mine.id) {
    const before = { rows: (await must(list(admin, entity, id), 200)).total, files: await uploads() }
    const res = await resPromise
    assertError(res, status, code)
    assert.equal((await must(list(admin, entity, id), 200)).total, before.rows, 'no attachment row')
    assert.deepEqual(await uploads(), before.files, 'no stored file')
    await noTemporaryFiles()
    return res.json.error
  }

  before(async () => {
    server = await startServer()
    admin = await login(server)
    const D = await createDepartments(server, admin, [{ key: 'sales', name: '销售部' }])
    const U = await createUsers(server, admin, D, [
      { key: 'r1', name: '吴一', dept: 'sales', roles: ['sales_rep'] },
      { key: 'r2', name: '郑二', dept: 'sales', roles: ['sales_rep'] },
    ])
    S = await loginUsers(server, U)
    mine = await must(api(server, 'POST', '/api/customers', { session: S.r1, body: { name: '北京华夏机械有限公司' } }), 201)
    theirs = await must(api(server, 'POST', '/api/customers', { session: S.r2, body: { name: '上海东方重工' } }), 201)
    opp = await must(
      api(server, 'POST', '/api/opportunities', { session: S.r1, body: { name: '二期设备', customer_id: mine.id } }),
      201,
    )
  })
  after(() => server?.stop())

  it('meta says which entities take attachments', async () => {
    const meta = await must(api(server, 'GET', '/api/meta', { session: admin }), 200)
    const flag = Object.fromEntries(meta.entities.map((e) => [e.name, e.attachments]))
    assert.equal(flag.customers, true)
    assert.equal(flag.opportunities, true)
    assert.equal(flag.contracts, true)
    assert.equal(flag.products, false)
  })

  it('upload, list, download with a Chinese file name, history of the parent', async () => {
    const name = '报价单 2026（终版）.pdf'
    const a = await must(upload(S.r1, 'customers', mine.id, name, PDF), 201)
    assert.equal(a.name, name)
    assert.equal(a.entity, 'customers')
    assert.equal(a.record_id, mine.id)
    assert.equal(a.content_type, 'application/pdf')
    assert.equal(a.size, PDF.length)
    assert.equal(a.sha256, sha256(PDF))
    assert.equal(a.url, `/api/attachments/${a.id}`)
    assert.equal(a.created_by.name, '吴一')
    assert.match(a.created_at, /^\d{4}-\d\d-\d\dT/)
    // stored by content
    const h = a.sha256
    assert.ok((await uploads()).includes(path.join(h.slice(0, 2), h.slice(2, 4), h)))
    await noTemporaryFiles()

    const l = await must(list(S.r1, 'customers', mine.id), 200)
    assert.equal(l.total, 1)
    assert.deepEqual(l.data[0], a)

    const res = await fetch(server.url(a.url), { headers: { cookie: S.r1.cookie } })
    assert.equal(res.status, 200)
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PDF)
    assert.equal(res.headers.get('content-type'), 'application/pdf')
    assert.equal(res.headers.get('content-length'), String(PDF.length))
    const cd = res.headers.get('content-disposition')
    assert.match(cd, /^inline; filename="[\x20-\x7e]+"; filename\*=UTF-8''/)
    assert.equal(decodeURIComponent(cd.split("filename*=UTF-8''")[1]), name)
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    // shown inline, only the app itself may frame it (its preview)
    assert.match(res.headers.get('content-security-policy'), /frame-ancestors 'self'/)
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN')
    // ?download=1 asks the browser to save it; nothing may frame that
    const dl = await fetch(server.url(`${a.url}?download=1`), { headers: { cookie: S.r1.cookie } })
    assert.match(dl.headers.get('content-disposition'), /^attachment; /)
    assert.match(dl.headers.get('content-security-policy'), /frame-ancestors 'none'/)
    assert.equal(dl.headers.get('x-frame-options'), 'DENY')
    await dl.arrayBuffer()

    const hist = await must(api(server, 'GET', `/api/customers/${mine.id}/history`, { session: S.r1 }), 200)
    const entry = hist.data.find((e) => e.action === 'attachment_add')
    assert.ok(entry, JSON.stringify(hist.data))
    assert.deepEqual(entry.changes, [{ field: 'attachments', old: null, new: name }])
  })

  it('every allowed type with its content: png, docx, xls, GBK csv, txt; on opportunities too', async () => {
    const cases = [
      ['图.PNG', PNG, 'image/png'],
      ['方案.docx', DOCX, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      ['旧表.xls', XLS, 'application/vnd.ms-excel'],
      ['客户.csv', GBK_CSV, 'text/csv'],
      ['备注.txt', Buffer.from('第一行\n第二行\n'), 'text/plain'],
    ]
    for (const [name, body, type] of cases) {
      const a = await must(upload(S.r1, 'opportunities', opp.id, name, body), 201, name)
      assert.equal(a.content_type, type, name)
      const res = await api(server, 'GET', a.url, { session: S.r1 })
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), type)
      assert.match(res.headers.get('content-disposition'), type.startsWith('image/') ? /^inline/ : /^attachment/)
    }
    assert.equal((await must(list(S.r1, 'opportunities', opp.id), 200)).total, cases.length)
  })

  it('a path in the name keeps its last part; the same content twice is one file', async () => {
    const before = await uploads()
    const a = await must(upload(S.r1, 'customers', mine.id, 'C:\\Users\\吴\\副本.pdf', PDF), 201)
    assert.equal(a.name, '副本.pdf')
    assert.deepEqual(await uploads(), before, 'content already stored')
  })

  it('a body sent in chunks without Content-Length (3 MB) is streamed and stored whole', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x41)
    const whole = Buffer.concat([Buffer.from('%PDF-1.7\n'), chunk, chunk, chunk])
    async function* parts() {
      for (let i = 0; i < whole.length; i += 256 * 1024) yield whole.subarray(i, i + 256 * 1024)
    }
    const a = await must(upload(S.r1, 'customers', mine.id, 'big.pdf', parts()), 201)
    assert.equal(a.size, whole.length)
    assert.equal(a.sha256, sha256(whole))
    await noTemporaryFiles()
  })

  it('a 20 MB upload does not grow the server by 20 MB', async () => {
    const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(20 * 1024 * 1024 - 16, 0x42)])
    // warm up the path once (allocator, page tables), then measure the peak
    await must(upload(S.r1, 'customers', mine.id, 'warm.pdf', Buffer.concat([body.subarray(0, 1 << 20)])), 201)
    const peak0 = await peakRssKiB(server.child.pid)
    const a = await must(upload(S.r1, 'customers', mine.id, '二十兆.pdf', body), 201)
    assert.equal(a.size, body.length)
    const peak1 = await peakRssKiB(server.child.pid)
    if (peak0 !== null) assert.ok(peak1 - peak0 < 8 * 1024, `peak RSS grew by ${peak1 - peak0} KiB for a 20 MB upload`)
    const res = await fetch(server.url(a.url), { headers: { cookie: S.r1.cookie } })
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), a.sha256)
    const peak2 = await peakRssKiB(server.child.pid)
    if (peak0 !== null) assert.ok(peak2 - peak0 < 8 * 1024, `peak RSS grew by ${peak2 - peak0} KiB for a 20 MB download`)
  })

  it('too big: over the default 20 MB, then over an admin limit of 1 MB -> 413, nothing stored', async () => {
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(20 * 1024 * 1024, 0x43)])
    const e = await refused(upload(S.r1, 'customers', mine.id, 'big.pdf', big), 413, 'payload_too_large')
    assert.match(e.message, /20 MB/)

    const s = await must(api(server, 'GET', '/api/settings/attachments', { session: S.r1 }), 200)
    assert.deepEqual(s, { max_size_mb: 20 })
    assertError(await api(server, 'PUT', '/api/settings/attachments', { session: S.r1, body: { max_size_mb: 50 } }), 403, 'forbidden')
    for (const bad of [{ max_size_mb: 0 }, { max_size_mb: 101 }, { max_size_mb: '5' }, { max_mb: 5 }])
      assertError(await api(server, 'PUT', '/api/settings/attachments', { session: admin, body: bad }), 422, 'validation_failed')
    assert.deepEqual(await must(api(server, 'PUT', '/api/settings/attachments', { session: admin, body: { max_size_mb: 1 } }), 200), {
      max_size_mb: 1,
    })
    const mb = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(1024 * 1024, 0x44)])
    await refused(upload(S.r1, 'customers', mine.id, 'mb.pdf', mb), 413, 'payload_too_large')
    await must(upload(S.r1, 'customers', mine.id, 'small.pdf', mb.subarray(0, 1000 * 1000)), 201)
    await must(api(server, 'PUT', '/api/settings/attachments', { session: admin, body: { max_size_mb: 20 } }), 200)
    // the route itself reads at most 100 MiB: more is refused while streaming
    await refused(
      upload(S.r1, 'customers', mine.id, 'huge.pdf', Buffer.alloc(100 * 1024 * 1024 + 1, 0x25)),
      413,
      'payload_too_large',
    )
  })

  it('forbidden types and contents that do not match their extension -> 415, nothing stored', async () => {
    for (const name of ['setup.exe', 'page.html', 'page.htm', 'image.svg', 'script.js', 'noextension', 'archive.zip', 'dot.'])
      await refused(upload(S.r1, 'customers', mine.id, name, PDF), 415, 'unsupported_media_type')
    const mismatches = [
      ['fake.pdf', Buffer.from('<html><script>alert(1)</script></html>')],
      ['fake.png', PDF],
      ['fake.jpg', PNG],
      ['fake.docx', PDF],
      ['fake.doc', DOCX],
      ['fake.gif', Buffer.from('GIF80a......')],
      ['fake.webp', Buffer.from('RIFF\0\0\0\0WAVEfmt ')],
      ['binary.txt', Buffer.from('abc\0def')],
      ['exe.csv', Buffer.from('MZ\x90\0\x03')],
      ['pdf.txt', PDF],
    ]
    for (const [name, body] of mismatches) {
      const e = await refused(upload(S.r1, 'customers', mine.id, name, body), 415, 'unsupported_media_type')
      assert.match(e.message, /content/, name)
    }
  })

  it('bad requests: no name, an empty body, control characters, an entity without attachments', async () => {
    await refused(upload(S.r1, 'customers', mine.id, undefined, PDF), 400, 'bad_request')
    await refused(upload(S.r1, 'customers', mine.id, '', PDF), 400, 'bad_request')
    await refused(upload(S.r1, 'customers', mine.id, 'empty.pdf', Buffer.alloc(0)), 400, 'bad_request')
    await refused(upload(S.r1, 'customers', mine.id, 'a\nb.pdf', PDF), 400, 'bad_request')
    await refused(upload(S.r1, 'customers', mine.id, 'x'.repeat(300) + '.pdf', PDF), 400, 'bad_request')
    const product = await must(api(server, 'POST', '/api/products', { session: admin, body: { code: 'P-1', name: '泵' } }), 201)
    assertError(await upload(admin, 'products', product.id, 'a.pdf', PDF), 404, 'not_found')
    assertError(await list(admin, 'products', product.id), 404, 'not_found')
    assertError(await upload(admin, 'nonsense', 1, 'a.pdf', PDF), 404, 'not_found')
    assertError(await upload(S.r1, 'customers', 999999, 'a.pdf', PDF), 404, 'not_found')
    // state changes with the session cookie need the CSRF header
    assertError(await upload({ cookie: S.r1.cookie }, 'customers', mine.id, 'a.pdf', PDF), 403, 'forbidden')
    assertError(await api(server, 'POST', `/api/customers/${mine.id}/attachments?name=a.pdf`, { body: PDF, raw: true }), 401, 'unauthenticated')
  })

  it("another rep's record: upload, list, download and delete are all 404; nothing stored", async () => {
    const a = await must(upload(S.r2, 'customers', theirs.id, '合同.pdf', PDF), 201)
    await refused(upload(S.r1, 'customers', theirs.id, 'x.pdf', PNG.subarray(0, 0)), 404, 'not_found', 'customers', theirs.id)
    await refused(upload(S.r1, 'customers', theirs.id, 'x.pdf', PDF), 404, 'not_found', 'customers', theirs.id)
    assertError(await list(S.r1, 'customers', theirs.id), 404, 'not_found')
    assertError(await api(server, 'GET', a.url, { session: S.r1 }), 404, 'not_found')
    assertError(await api(server, 'DELETE', a.url, { session: S.r1 }), 404, 'not_found')
    assert.equal((await must(list(S.r2, 'customers', theirs.id), 200)).total, 1)
    // the admin sees everything
    assert.equal((await api(server, 'GET', a.url, { session: admin })).status, 200)
    // an attachment of a customer in the recycle bin is gone with it
    await must(api(server, 'DELETE', `/api/customers/${theirs.id}`, { session: S.r2 }), 204)
    assertError(await api(server, 'GET', a.url, { session: S.r2 }), 404, 'not_found')
    await must(api(server, 'POST', `/api/customers/${theirs.id}/restore`, { session: S.r2 }), 200)
    assert.equal((await api(server, 'GET', a.url, { session: S.r2 })).status, 200)
  })

  it("contracts take attachments (the signed scan); another rep's contract is 404", async () => {
    const contract = await must(
      api(server, 'POST', '/api/contracts', {
        session: S.r1,
        body: { customer_id: mine.id, amount: { amount: 100000000, currency: 'CNY' }, signed_on: '2026-11-20' },
      }),
      201,
    )
    const a = await must(upload(S.r1, 'contracts', contract.id, '合同扫描件.pdf', PDF), 201)
    assert.equal(a.entity, 'contracts')
    assert.equal((await must(list(S.r1, 'contracts', contract.id), 200)).total, 1)
    assertError(await list(S.r2, 'contracts', contract.id), 404, 'not_found')
    assertError(await api(server, 'GET', a.url, { session: S.r2 }), 404, 'not_found')
    await refused(upload(S.r2, 'contracts', contract.id, 'x.pdf', PDF), 404, 'not_found', 'contracts', contract.id)
    await refused(upload(S.r1, 'contracts', contract.id, '合同.exe', PDF), 415, 'unsupported_media_type', 'contracts', contract.id)
  })

  it('delete: 204, then gone from the list and the download; in the history; unknown ids 404', async () => {
    const a = await must(upload(S.r1, 'customers', mine.id, '作废.txt', Buffer.from('作废\n')), 201)
    const n = (await must(list(S.r1, 'customers', mine.id), 200)).total
    assert.equal((await api(server, 'DELETE', a.url, { session: S.r1 })).status, 204)
    assert.equal((await must(list(S.r1, 'customers', mine.id), 200)).total, n - 1)
    assertError(await api(server, 'GET', a.url, { session: S.r1 }), 404, 'not_found')
    assertError(await api(server, 'DELETE', a.url, { session: S.r1 }), 404, 'not_found')
    const hist = await must(api(server, 'GET', `/api/customers/${mine.id}/history`, { session: S.r1 }), 200)
    const entry = hist.data.find((e) => e.action === 'attachment_delete')
    assert.deepEqual(entry.changes, [{ field: 'attachments', old: '作废.txt', new: null }])
    for (const id of ['0', '-1', 'abc', '99999999'])
      assertError(await api(server, 'GET', `/api/attachments/${id}`, { session: S.r1 }), 404, 'not_found')
  })
})
