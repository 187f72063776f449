// quote_pdf.test.mjs - the printed quote: GET /api/quotes/{id}/pdf in Chinese and English opens
// as a PDF whose text (pdftotext, poppler-utils) has the company header, the customer's Chinese
// name, the contact, the lines and the total; headers (type, UTF-8 file name, inline or
// attachment, security headers); many lines make several pages; a superseded version says so;
// permissions (another rep's quote 404, anonymous 401); the company settings (admin only).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { api, assertError, login, startServer } from './lib/server.mjs'
import { createDepartments, createUsers, loginUsers, must } from './lib/company.mjs'

const COMPANY = {
  name: '上海睿博精密机械有限公司',
  name_en: 'Shanghai Rapport Precision Machinery Co., Ltd.',
  address: '上海市闵行区春东路 508 号',
  address_en: '508 Chundong Rd, Minhang, Shanghai',
  phone: '021-5555 0101',
  tax_number: '91310112MA1GBXXXXX',
}

/** "1,234,567.89" for minor units of a two-decimal currency, as the PDF prints amounts. */
const amountText = (minor) => {
  const sign = minor < 0 ? '-' : ''
  const v = Math.abs(minor)
  return `${sign}${Math.floor(v / 100).toLocaleString('en-US')}.${String(v % 100).padStart(2, '0')}`
}

let tmp
/** The text of PDF bytes, by pdftotext. */
async function pdfText(bytes) {
  const file = path.join(tmp, `q-${Math.random().toString(36).slice(2)}.pdf`)
  await writeFile(file, bytes)
  return new Promise((resolve, reject) =>
    execFile('pdftotext', ['-enc', 'UTF-8', file, '-'], (err, stdout, stderr) =>
      err ? reject(new Error(`pdftotext: ${err.message} ${stderr}`)) : resolve(stdout),
    ),
  )
}

describe('the quote PDF', () => {
  let server
  let admin
  let S = {}
  let customer
  let contact
  let quote

  const pdf = async (who, id, query = '') => {
    const res = await fetch(server.url(`/api/quotes/${id}/pdf${query}`), { headers: who ? { cookie: who.cookie } : {} })
    const bytes = Buffer.from(await res.arrayBuffer())
    return { res, bytes }
  }

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'rapport-pdf-'))
    server = await startServer()
    admin = await login(server)
    const D = await createDepartments(server, admin, [{ key: 'sales', name: '销售部' }])
    const U = await createUsers(server, admin, D, [
      { key: 'r1', name: '吴一', dept: 'sales', roles: ['sales_rep'] },
      { key: 'r2', name: '郑二', dept: 'sales', roles: ['sales_rep'] },
    ])
    S = await loginUsers(server, U)
    await must(api(server, 'PUT', '/api/settings/company', { session: admin, body: COMPANY }), 200)
    customer = await must(
      api(server, 'POST', '/api/customers', { session: S.r1, body: { name: '北京华夏机械有限公司', address: '北京市朝阳区建国路88号' } }),
      201,
    )
    contact = await must(
      api(server, 'POST', '/api/contacts', { session: S.r1, body: { customer_id: customer.id, name: '张伟', mobile: '13800138000' } }),
      201,
    )
    quote = await must(
      api(server, 'POST', '/api/quotes', {
        session: S.r1,
        body: {
          customer_id: customer.id,
          contact_id: contact.id,
          currency: 'CNY',
          title: '二期生产线设备',
          valid_until: '2027-01-31',
          terms: '付款方式：预付30%，发货前付60%，验收后付10%。',
          lines: [
            { description: '数控立式加工中心 VMC-850', quantity: '2', unit: '台', unit_price: { amount: 38500000, currency: 'CNY' }, discount_percent: '5', tax_rate_percent: '13' },
            { description: 'Spindle cooling unit, 3 kW', quantity: '1.5', unit: '套', unit_price: { amount: 1280000, currency: 'CNY' }, discount_percent: '0', tax_rate_percent: '13' },
            { description: '安装调试与培训', quantity: '5', unit: '人天', unit_price: { amount: 150000, currency: 'CNY' }, tax_rate_percent: '6' },
          ],
        },
      }),
      201,
    )
  })
  after(async () => {
    await server?.stop()
    if (tmp) await rm(tmp, { recursive: true, force: true })
  })

  it('in Chinese: opens, with the company, the customer, the contact, the lines and the total', async () => {
    const { res, bytes } = await pdf(S.r1, quote.id, '?lang=zh-CN')
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/pdf')
    assert.equal(res.headers.get('content-length'), String(bytes.length))
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-')
    const cd = res.headers.get('content-disposition')
    assert.match(cd, /^inline; filename="[\x20-\x7e]+"; filename\*=UTF-8''/)
    assert.equal(decodeURIComponent(cd.split("filename*=UTF-8''")[1]), `报价单-${quote.number}.pdf`)
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    // shown inline, the app may frame it for its preview; nobody else may
    assert.match(res.headers.get('content-security-policy'), /frame-ancestors 'self'/)
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN')
    assert.equal(res.headers.get('cache-control'), 'no-store')

    const text = await pdfText(bytes)
    for (const want of [
      '报价单',
      COMPANY.name,
      COMPANY.tax_number,
      customer.name,
      '张伟',
      quote.number,
      '2027-01-31',
      '二期生产线设备',
      '数控立式加工中心 VMC-850',
      'Spindle cooling unit, 3 kW',
      amountText(quote.subtotal.amount),
      amountText(quote.tax.amount),
      '合计 (CNY)',
      amountText(quote.total.amount),
      '付款方式',
      '草稿', // a draft says so
      '第 1 页，共 1 页',
    ])
      assert.ok(text.includes(want), `"${want}" is not in the PDF text:\n${text}`)
  })

  it('in English: the English header and labels; Chinese names stay as they are', async () => {
    const { res, bytes } = await pdf(S.r1, quote.id, '?lang=en&download=1')
    assert.equal(res.status, 200)
    const cd = res.headers.get('content-disposition')
    assert.match(cd, /^attachment; /)
    assert.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/)
    assert.equal(res.headers.get('x-frame-options'), 'DENY')
    assert.equal(decodeURIComponent(cd.split("filename*=UTF-8''")[1]), `Quote-${quote.number}.pdf`)
    const text = await pdfText(bytes)
    // (a long English name wraps: its first words are on one line)
    for (const want of ['QUOTATION', 'Shanghai Rapport Precision', customer.name, 'Valid until', 'Total (CNY)', amountText(quote.total.amount), 'Page 1 of 1'])
      assert.ok(text.includes(want), `"${want}" is not in the PDF text:\n${text}`)
    assert.ok(!text.includes(COMPANY.name), 'the English header replaces the Chinese one')
  })

  it("without lang, the caller's language (Chinese by default)", async () => {
    const { bytes } = await pdf(S.r1, quote.id)
    assert.ok((await pdfText(bytes)).includes('报价单'))
  })

  it('many lines: several pages, numbered, the total on the last', async () => {
    const line = { description: '备件包（含密封圈、轴承、滤芯）', quantity: '1', unit: '套', unit_price: { amount: 99900, currency: 'CNY' } }
    const big = await must(
      api(server, 'POST', '/api/quotes', { session: S.r1, body: { customer_id: customer.id, currency: 'CNY', lines: Array(70).fill(line) } }),
      201,
    )
    const { res, bytes } = await pdf(S.r1, big.id)
    assert.equal(res.status, 200)
    const text = await pdfText(bytes)
    const pages = Number(/第 1 页，共 (\d+) 页/.exec(text)?.[1])
    assert.ok(pages >= 2, text)
    assert.ok(text.includes(`第 ${pages} 页，共 ${pages} 页`))
    assert.ok(text.includes(amountText(big.total.amount)))
    assert.equal(amountText(big.total.amount), '69,930.00')
  })

  it('a revised quote: the old version prints as superseded, the new one with its revision', async () => {
    const q = await must(
      api(server, 'POST', '/api/quotes', {
        session: S.r1,
        body: { customer_id: customer.id, currency: 'CNY', lines: [{ description: '主机', quantity: '1', unit_price: { amount: 100000, currency: 'CNY' } }] },
      }),
      201,
    )
    const sent = await must(api(server, 'PATCH', `/api/quotes/${q.id}`, { session: S.r1, body: { version: q.version, status: 'sent' } }), 200)
    const v2 = await must(api(server, 'POST', `/api/quotes/${sent.id}/revise`, { session: S.r1, body: {} }), 201)
    assert.equal(v2.revision, 2)
    const oldText = await pdfText((await pdf(S.r1, q.id)).bytes)
    assert.ok(oldText.includes('已修订'), oldText)
    const newText = await pdfText((await pdf(S.r1, v2.id, '?lang=en')).bytes)
    assert.ok(newText.includes('Version') && newText.includes(q.number), newText)
  })

  it("another rep's quote and unknown ids are 404; anonymous is 401", async () => {
    assertError(await api(server, 'GET', `/api/quotes/${quote.id}/pdf`, { session: S.r2 }), 404, 'not_found')
    for (const id of ['999999', '0', 'abc'])
      assertError(await api(server, 'GET', `/api/quotes/${id}/pdf`, { session: S.r1 }), 404, 'not_found')
    assertError(await api(server, 'GET', `/api/quotes/${quote.id}/pdf`), 401, 'unauthenticated')
    assert.equal((await pdf(admin, quote.id)).res.status, 200)
  })

  it('company settings: everyone reads them, only an admin changes them, bad values are 422', async () => {
    assert.deepEqual(await must(api(server, 'GET', '/api/settings/company', { session: S.r1 }), 200), COMPANY)
    assertError(await api(server, 'PUT', '/api/settings/company', { session: S.r1, body: { name: 'X' } }), 403, 'forbidden')
    for (const bad of [{ nme: 'x' }, { name: 5 }, { phone: 'a\nb' }, { address: 'x'.repeat(201) }])
      assertError(await api(server, 'PUT', '/api/settings/company', { session: admin, body: bad }), 422, 'validation_failed')
    assert.deepEqual(await must(api(server, 'GET', '/api/settings/company', { session: admin }), 200), COMPANY)
    const changed = await must(api(server, 'PUT', '/api/settings/company', { session: admin, body: { phone: '021-6666 0202' } }), 200)
    assert.equal(changed.phone, '021-6666 0202')
    assert.equal(changed.name, COMPANY.name)
    assert.ok((await pdfText((await pdf(S.r1, quote.id)).bytes)).includes('021-6666 0202'))
  })
})
