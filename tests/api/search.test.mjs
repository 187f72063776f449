// search.test.mjs - q= on the lists and GET /api/search: substrings of the searchable fields, with
// two-character Chinese, case-insensitive Latin, phone numbers by their digits, several words, FTS
// syntax taken as text, updates/deletes/restores reflected at once, and the grouped global search.
// The whole file runs on SQLite and on PostgreSQL (make test-api-pg), which must answer alike.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { api, assertError, login, startServer } from './lib/server.mjs'
import { createRecord, getRecord, listRecords, patchRecord } from './lib/records.mjs'

let server
let admin
const r = {} // the records by a short name

/** The ids (sorted) an entity's list finds for q (and more query). */
async function found(entity, q, query = {}) {
  const page = await listRecords(server, admin, entity, { q, limit: '500', ...query })
  assert.equal(page.total, page.data.length, `total of ${entity}?q=${q}`)
  return page.data.map((x) => x.id).sort((a, b) => a - b)
}
const ids = (...recs) => recs.map((x) => x.id).sort((a, b) => a - b)

before(async () => {
  server = await startServer()
  admin = await login(server)
  const c = (key, b) => createRecord(server, admin, 'customers', b).then((x) => (r[key] = x))
  await c('huaxia', { name: '北京华夏机械有限公司', short_name: '华夏机械', phone: '010-6234 5678', city: '北京' })
  await c('dongfang', { name: '上海东方重工有限公司', phone: '021-5098 7766', city: '上海' })
  await c('huawei', { name: '深圳华为技术服务中心', city: '深圳' }) // 华 without 夏: 华夏 must not find it
  await c('xiahua', { name: '夏华贸易商行', city: '天津' }) // 夏华: only q=夏华 finds it
  await c('atlas', { name: 'Atlas Machinery Ltd', phone: '+86 21 5555 0101', city: '上海' })
  await c('hooli', { name: 'Smith (Hooli) Trading', city: '广州' })
  await c('percent', { name: '百分%之百有限公司', city: '天津' })
  await c('tianjin', { name: '滨海新区物流', city: '天津', address: '天津市滨海新区', notes: '不可搜索的备注 ZQXW' })
  r.smith = await createRecord(server, admin, 'contacts', { customer_id: r.atlas.id, name: 'John Smith', email: 'john.smith@atlas.example', mobile: '13812345678' })
  r.wang = await createRecord(server, admin, 'contacts', { customer_id: r.huaxia.id, name: '王伟', mobile: '139-1234-0000', wechat: 'wangwei_hx' })
  r.lead = await createRecord(server, admin, 'leads', { name: '李娜', company: '深圳华夏电子股份有限公司', mobile: '15012340000' })
  r.opp = await createRecord(server, admin, 'opportunities', { customer_id: r.huaxia.id, name: '华夏 数控车床 CK6150 采购项目' })
  r.act = await createRecord(server, admin, 'activities', { customer_id: r.huaxia.id, subject: '拜访华夏机械', content: 'Discussed the CK6150 lathe' })
  r.product = await createRecord(server, admin, 'products', { code: 'CK6150', name: '数控车床 CK6150', category: '机床' })
  r.dept = await createRecord(server, admin, 'departments', { name: '华夏事业部' })
})

after(async () => {
  await server?.stop()
})

describe('q= on a list: substrings of the searchable fields', () => {
  it('two Chinese characters: q=华夏 finds 北京华夏机械有限公司 (and not 华为 or 夏华)', async () => {
    assert.deepEqual(await found('customers', '华夏'), ids(r.huaxia))
    assert.deepEqual(await found('customers', '华夏机械'), ids(r.huaxia))
    assert.deepEqual(await found('customers', '夏华'), ids(r.xiahua), '夏华 is not a substring of 北京华夏…')
    assert.deepEqual(await found('customers', '夏机'), ids(r.huaxia))
    assert.deepEqual(await found('customers', '机夏'), [])
    assert.deepEqual(await found('customers', '华为'), ids(r.huawei))
  })

  it('four and more characters; the whole name; the short name', async () => {
    assert.deepEqual(await found('customers', '机械有限'), ids(r.huaxia))
    assert.deepEqual(await found('customers', '有限公司'), ids(r.huaxia, r.dongfang, r.percent))
    assert.deepEqual(await found('customers', '北京华夏机械有限公司'), ids(r.huaxia))
    assert.deepEqual(await found('customers', '北京华夏机械有限公司X'), [])
    assert.deepEqual(await found('customers', '东方重工'), ids(r.dongfang))
  })

  it('one character scans: q=京 and q=夏; q=% is a plain character', async () => {
    assert.deepEqual(await found('customers', '京'), ids(r.huaxia))
    assert.deepEqual(await found('customers', '夏'), ids(r.huaxia, r.xiahua))
    assert.deepEqual(await found('customers', '%'), ids(r.percent))
    assert.deepEqual(await found('customers', '_'), [])
    assert.deepEqual(await found('customers', ' 京 '), ids(r.huaxia), 'spaces around are ignored')
  })

  it('Latin ignores case, also in one-character scans; full-width letters and digits fold', async () => {
    for (const q of ['atlas', 'ATLAS', 'Atlas', 'aTlAs', 'machinery', 'MACHINERY LTD']) {
      assert.deepEqual(await found('customers', q), ids(r.atlas), q)
    }
    assert.deepEqual(await found('customers', 'A'), await found('customers', 'a'), 'one letter, either case')
    assert.ok((await found('customers', 'a')).includes(r.atlas.id))
    assert.ok((await found('customers', 'H')).includes(r.hooli.id), 'H scans case-insensitively')
    assert.deepEqual(await found('products', 'ck6150'), ids(r.product))
    assert.deepEqual(await found('products', 'ＣＫ６１５０'), ids(r.product), 'full-width forms')
    assert.deepEqual(await found('contacts', 'SMITH'), ids(r.smith))
  })

  it('phone numbers by their digits: 62345678, 6234-5678 and 010-6234 5678 find 010-6234 5678', async () => {
    for (const q of ['62345678', '6234-5678', '6234 5678', '010-6234 5678', '01062345678', '(010) 6234-5678', '2345']) {
      assert.deepEqual(await found('customers', q), ids(r.huaxia), q)
    }
    assert.deepEqual(await found('customers', '62345679'), [])
    assert.deepEqual(await found('customers', '862155550101'), ids(r.atlas), '+86 21 5555 0101 by its digits')
    assert.deepEqual(await found('contacts', '1234-0000'), ids(r.wang))
    assert.deepEqual(await found('contacts', '13812345678'), ids(r.smith))
    assert.deepEqual(await found('leads', '1501234'), ids(r.lead))
  })

  it('several words must all match (in any searchable field)', async () => {
    assert.deepEqual(await found('customers', '华夏 机械'), ids(r.huaxia))
    assert.deepEqual(await found('customers', '机械 华夏'), ids(r.huaxia))
    assert.deepEqual(await found('customers', '华夏 重工'), [])
    assert.deepEqual(await found('customers', 'atlas 5555'), ids(r.atlas), 'name and phone')
    assert.deepEqual(await found('contacts', 'john atlas'), ids(r.smith), 'name and email')
    assert.deepEqual(await found('contacts', 'john hooli'), [])
    assert.deepEqual(await found('customers', '  华夏    机械  '), ids(r.huaxia))
  })

  it('a one-character word among several is still required', async () => {
    // docs/api.md: "Several words must all match". A word of one character cannot use the index, but
    // it must not be dropped: "华夏 Z" should find nothing (no customer has a Z), and "华 夏" (two
    // words of one character each) should find the customers holding both characters.
    assert.deepEqual(await found('customers', '华夏 Z'), [], 'q=华夏 Z')
    assert.deepEqual(await found('customers', 'atlas 9'), [], 'q=atlas 9')
    assert.deepEqual(await found('customers', '华 夏'), ids(r.huaxia, r.xiahua), 'q=华 夏')
  })

  it('only searchable fields match; every searchable field does', async () => {
    assert.deepEqual(await found('customers', 'ZQXW'), [], 'notes are not searchable')
    assert.deepEqual(await found('customers', '滨海新区'), ids(r.tianjin), 'the name is')
    assert.deepEqual(await found('customers', '天津市'), [], 'the address is not')
    assert.deepEqual(await found('contacts', 'wangwei'), ids(r.wang), 'wechat')
    assert.deepEqual(await found('contacts', 'atlas.example'), ids(r.smith), 'email')
    assert.deepEqual(await found('leads', '华夏电子'), ids(r.lead), 'company')
    assert.deepEqual(await found('leads', '李娜'), ids(r.lead), 'name')
    assert.deepEqual(await found('opportunities', 'CK6150'), ids(r.opp))
    assert.deepEqual(await found('activities', 'lathe'), ids(r.act), 'content')
    assert.deepEqual(await found('activities', '拜访'), ids(r.act), 'subject')
    assert.deepEqual(await found('products', '数控'), ids(r.product))
    assert.deepEqual(await found('departments', '事业部'), ids(r.dept))
  })

  it('quotes and FTS syntax in q are plain text: never an error', async () => {
    assert.deepEqual(await found('customers', 'Smith (Hooli'), ids(r.hooli))
    assert.deepEqual(await found('customers', '(Hooli)'), ids(r.hooli))
    assert.deepEqual(await found('customers', '"华夏"'), ids(r.huaxia))
    assert.deepEqual(await found('customers', '"华夏'), ids(r.huaxia))
    const odd = [
      'a"b', '"', '""', '*', '**', 'atl*', 'NEAR', 'NEAR(a b)', 'NEAR/2', 'AND', 'OR', 'NOT', 'a OR b', 'a AND NOT b',
      '-', '+', '^', '^华夏', 'name:华夏', '{name}: 华夏', '{name phone}: x', '(', ')', '()', '[', ']', ':', "'", "''",
      '\\', '%_%', '\u00a0', '😀😀', '華夏', 'x'.repeat(200), "'; DROP TABLE customers; --",
    ]
    for (const q of odd) {
      for (const entity of ['customers', 'contacts', 'products']) {
        const res = await api(server, 'GET', `/api/${entity}`, { session: admin, query: { q } })
        assert.equal(res.status, 200, `${entity}?q=${q}: ${res.text.slice(0, 300)}`)
        assert.ok(Array.isArray(res.json.data))
      }
      const all = await api(server, 'GET', '/api/search', { session: admin, query: { q } })
      assert.equal(all.status, 200, `/api/search?q=${q}: ${all.text.slice(0, 300)}`)
    }
    assert.deepEqual(await found('customers', 'NEAR'), [])
    assert.deepEqual(await found('customers', 'atl*'), await found('customers', 'atl'), '* is punctuation, ignored like the rest')
    assert.deepEqual(await found('customers', 'atl*'), ids(r.atlas))
    assert.ok((await listRecords(server, admin, 'customers')).total >= 8, 'the table is intact')
  })

  it('follows updates, deletes and restores at once', async () => {
    const c = await createRecord(server, admin, 'customers', { name: '旧名称甲乙丙', phone: '0755-1111 2222' })
    assert.deepEqual(await found('customers', '甲乙'), ids(c))
    const renamed = await patchRecord(server, admin, 'customers', c.id, c.version, { name: '新名称丁戊己', phone: '0755-3333 4444' })
    assert.deepEqual(await found('customers', '甲乙'), [], 'the old name is gone')
    assert.deepEqual(await found('customers', '丁戊'), ids(c))
    assert.deepEqual(await found('customers', '11112222'), [], 'the old phone is gone')
    assert.deepEqual(await found('customers', '33334444'), ids(c))
    const cleared = await patchRecord(server, admin, 'customers', c.id, renamed.version, { phone: null })
    assert.deepEqual(await found('customers', '33334444'), [], 'a cleared field is gone')

    assert.equal((await api(server, 'DELETE', `/api/customers/${c.id}`, { session: admin })).status, 204)
    assert.deepEqual(await found('customers', '丁戊'), [], 'deleted records are not found')
    const all = await api(server, 'GET', '/api/search', { session: admin, query: { q: '丁戊' } })
    assert.deepEqual(all.json.results, [])
    assert.deepEqual(await found('customers', '丁戊', { deleted: 'true' }), ids(c), 'but the recycle bin can be searched')
    assert.equal((await api(server, 'POST', `/api/customers/${c.id}/restore`, { session: admin })).status, 200)
    assert.deepEqual(await found('customers', '丁戊'), ids(c), 'restored records are found again')
    assert.equal((await getRecord(server, admin, 'customers', c.id)).version, cleared.version + 2)
  })

  it('follows changes made by hooks and actions (a converted lead, a follow-up)', async () => {
    const lead = await createRecord(server, admin, 'leads', { name: '转化搜索人', company: '转化搜索科技有限公司' })
    const res = await api(server, 'POST', `/api/leads/${lead.id}/convert`, { session: admin })
    assert.equal(res.status, 200, res.text)
    assert.deepEqual(await found('leads', '转化搜索'), ids(lead))
    assert.deepEqual(await found('customers', '转化搜索'), ids(res.json.customer))
    assert.deepEqual(await found('contacts', '转化搜索'), ids(res.json.contact))
  })

  it('combines with filters, sort and paging', async () => {
    assert.deepEqual(await found('customers', '有限公司', { 'filter[city]': '北京' }), ids(r.huaxia))
    assert.deepEqual(await found('customers', '有限公司', { 'filter[city][in]': '上海,天津,广州' }), ids(r.dongfang, r.percent))
    assert.deepEqual(await found('customers', '华夏', { 'filter[city]': '上海' }), [])
    const sorted = await listRecords(server, admin, 'customers', { q: '有限公司', sort: '-name', 'filter[city][null]': 'false' })
    assert.equal(sorted.total, 3)
    const names = sorted.data.map((x) => x.name)
    assert.deepEqual(names, [...names].sort().reverse())
    const page = await listRecords(server, admin, 'customers', { q: '有限公司', sort: 'id', limit: '1', offset: '1', 'filter[city][null]': 'false' })
    assert.equal(page.total, 3)
    assert.deepEqual(page.data.map((x) => x.id), [r.dongfang.id])
    const rel = await api(server, 'GET', `/api/customers/${r.huaxia.id}/contacts`, { session: admin, query: { q: '王伟' } })
    assert.deepEqual(rel.json.data.map((x) => x.id), [r.wang.id], 'related lists search too')
    const none = await api(server, 'GET', `/api/customers/${r.huaxia.id}/contacts`, { session: admin, query: { q: 'smith' } })
    assert.deepEqual(none.json.data, [])
  })

  it('q longer than 200 bytes: 400; an empty q lists everything', async () => {
    assertError(await api(server, 'GET', '/api/customers', { session: admin, query: { q: 'x'.repeat(201) } }), 400, 'bad_request')
    assertError(await api(server, 'GET', '/api/customers', { session: admin, query: { q: '华'.repeat(67) } }), 400, 'bad_request')
    const all = await listRecords(server, admin, 'customers')
    assert.equal((await listRecords(server, admin, 'customers', { q: '' })).total, all.total)
  })
})

describe('GET /api/search', () => {
  it('groups the matches by entity: only entities with matches, with labels and totals', async () => {
    const res = await api(server, 'GET', '/api/search', { session: admin, query: { q: '华夏' } })
    assert.equal(res.status, 200, res.text)
    assert.equal(res.json.query, '华夏')
    const groups = Object.fromEntries(res.json.results.map((g) => [g.entity, g]))
    assert.deepEqual(Object.keys(groups).sort(), ['activities', 'customers', 'departments', 'leads', 'opportunities'])
    assert.deepEqual(groups.customers.label, { 'zh-CN': '客户', en: 'Customers' })
    assert.equal(groups.customers.total, 1)
    assert.deepEqual(groups.customers.data.map((x) => x.id), [r.huaxia.id])
    assert.equal(groups.customers.data[0].name, '北京华夏机械有限公司')
    assert.deepEqual(groups.leads.data.map((x) => x.id), [r.lead.id])
    assert.deepEqual(groups.opportunities.data.map((x) => x.id), [r.opp.id])
    assert.deepEqual(groups.activities.data.map((x) => x.id), [r.act.id])
    assert.deepEqual(groups.departments.data.map((x) => x.id), [r.dept.id])
    for (const g of res.json.results) {
      assert.deepEqual(Object.keys(g).sort(), ['data', 'entity', 'label', 'total'])
      assert.equal(g.total, g.data.length)
    }
  })

  it('the same matching as the lists: digits of phones, Latin case, one character', async () => {
    const phone = await api(server, 'GET', '/api/search', { session: admin, query: { q: '6234-5678' } })
    assert.deepEqual(phone.json.results.map((g) => [g.entity, g.data.map((x) => x.id)]), [['customers', [r.huaxia.id]]])
    const ck = await api(server, 'GET', '/api/search', { session: admin, query: { q: 'ck6150' } })
    assert.deepEqual(ck.json.results.map((g) => g.entity).sort(), ['activities', 'opportunities', 'products'])
    const one = await api(server, 'GET', '/api/search', { session: admin, query: { q: '京' } })
    assert.deepEqual(one.json.results.map((g) => g.entity), ['customers'])
    const none = await api(server, 'GET', '/api/search', { session: admin, query: { q: '不存在的东西' } })
    assert.deepEqual(none.json, { query: '不存在的东西', results: [] })
  })

  it('at most 10 records per entity, with the full total', async () => {
    for (let i = 0; i < 12; i++) await createRecord(server, admin, 'customers', { name: `批量搜索客户${String(i).padStart(2, '0')}` })
    await createRecord(server, admin, 'products', { code: 'PL-1', name: '批量搜索产品' })
    const res = await api(server, 'GET', '/api/search', { session: admin, query: { q: '批量搜索' } })
    assert.equal(res.status, 200, res.text)
    const groups = Object.fromEntries(res.json.results.map((g) => [g.entity, g]))
    assert.deepEqual(Object.keys(groups).sort(), ['customers', 'products'])
    assert.equal(groups.customers.total, 12)
    assert.equal(groups.customers.data.length, 10)
    assert.equal(new Set(groups.customers.data.map((x) => x.id)).size, 10)
    assert.equal(groups.products.total, 1)
    assert.equal(groups.products.data.length, 1)
  })

  it('q missing, empty or longer than 200 bytes: 400; login needed', async () => {
    assertError(await api(server, 'GET', '/api/search', { session: admin }), 400, 'bad_request')
    assertError(await api(server, 'GET', '/api/search', { session: admin, query: { q: '' } }), 400, 'bad_request')
    assertError(await api(server, 'GET', '/api/search', { session: admin, query: { q: 'x'.repeat(201) } }), 400, 'bad_request')
    const max = await api(server, 'GET', '/api/search', { session: admin, query: { q: 'x'.repeat(200) } })
    assert.equal(max.status, 200, max.text)
    assertError(await api(server, 'GET', '/api/search', { query: { q: '华夏' } }), 401, 'unauthenticated')
  })
})
