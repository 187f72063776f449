// entities.test.mjs - the generic record routes of API.md for every sales and org entity
// (customers, contacts, leads, opportunities, activities, products, departments): list, create, get,
// patch with optimistic locking, delete / recycle bin / restore, history, related lists and /api/meta;
// bad input of every field type (refused with a 422 naming the field, and changing nothing); query
// parameters; and the engine's and the hooks' behaviour (trimming, defaults, duplicates, unique codes,
// probabilities, follow-ups, lead conversion, department cycles, option lists, aggregates).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { api, assertError as assertErrorFull, login, startServer } from './lib/server.mjs'
import { createRecord, getRecord, history, listAll, listRecords, patchRecord, snapshot } from './lib/records.mjs'

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const ENTITIES = ['customers', 'contacts', 'leads', 'opportunities', 'activities', 'products', 'departments']
const OWNED = new Set(['customers', 'contacts', 'leads', 'opportunities', 'activities'])

let seq = 0
/** A number unique within this file, for names that must not repeat (duplicate and unique checks). */
const next = () => ++seq

let server
let admin
/** Records the specs hang their references on: fx.customer, fx.contact, fx.lead, fx.opportunity, fx.department. */
const fx = {}

/**
 * Per entity: a valid body (fresh unique values each call), a change for PATCH, and the types of its
 * declared fields as /api/meta must report them (from src/modules/sales/*.c and org/departments.c).
 */
const SPECS = {
  customers: {
    body: (n) => ({ name: `测试客户${n}有限公司`, phone: `010-7000 ${String(n).padStart(4, '0')}`, city: '北京' }),
    patch: { grade: 'A', city: '上海' },
    types: {
      name: 'text', short_name: 'text', industry: 'enum', grade: 'enum', status: 'enum', source: 'enum', province: 'text',
      city: 'text', address: 'text', phone: 'phone', website: 'url', credit_rating: 'enum', tags: 'tags',
      last_contacted_at: 'datetime', next_follow_up_at: 'datetime', notes: 'longtext', owned_since: 'datetime',
      pool_department_id: 'reference',
    },
    readOnly: ['last_contacted_at', 'next_follow_up_at', 'owned_since', 'pool_department_id'],
    label: { 'zh-CN': '客户', en: 'Customers' },
  },
  contacts: {
    body: (n) => ({ customer_id: fx.customer.id, name: `联系人${n}`, email: `contact${n}@example.com`, mobile: '13800138000' }),
    patch: { title: '采购经理', email: 'changed@example.com' },
    types: {
      customer_id: 'reference', name: 'text', title: 'text', department: 'text', mobile: 'phone', phone: 'phone',
      email: 'email', wechat: 'text', birthday: 'date', is_primary: 'boolean', notes: 'longtext',
    },
    readOnly: [],
    label: { 'zh-CN': '联系人', en: 'Contacts' },
  },
  leads: {
    body: (n) => ({ name: `线索人${n}`, company: `线索公司${n}`, source: 'website' }),
    patch: { status: 'contacted', title: '总经理' },
    types: {
      name: 'text', company: 'text', title: 'text', mobile: 'phone', email: 'email', source: 'enum', status: 'enum',
      notes: 'longtext', customer_id: 'reference', contact_id: 'reference', opportunity_id: 'reference', converted_at: 'datetime',
    },
    readOnly: ['customer_id', 'contact_id', 'opportunity_id', 'converted_at'],
    label: { 'zh-CN': '线索', en: 'Leads' },
  },
  opportunities: {
    body: (n) => ({ customer_id: fx.customer.id, name: `商机${n}`, amount: { amount: 1_000_000, currency: 'CNY' } }),
    patch: { stage: 'proposal', expected_close_on: '2027-03-31' },
    types: {
      customer_id: 'reference', name: 'text', amount: 'money', stage: 'enum', expected_close_on: 'date', probability: 'integer',
      competitors: 'text', lost_reason: 'text', notes: 'longtext',
    },
    readOnly: [],
    label: { 'zh-CN': '商机', en: 'Opportunities' },
  },
  activities: {
    body: (n) => ({ customer_id: fx.customer.id, subject: `跟进${n}`, type: 'visit', occurred_at: '2026-01-05T08:00:00.000Z' }),
    patch: { content: '谈了价格和交期', next_step: '发报价' },
    types: {
      type: 'enum', subject: 'text', content: 'longtext', occurred_at: 'datetime', next_step: 'text', next_follow_up_at: 'datetime',
      customer_id: 'reference', contact_id: 'reference', lead_id: 'reference', opportunity_id: 'reference',
    },
    readOnly: [],
    label: { 'zh-CN': '跟进记录', en: 'Follow-ups' },
  },
  products: {
    body: (n) => ({ code: `P-${n}`, name: `产品${n}`, list_price: { amount: 990000, currency: 'CNY' } }),
    patch: { category: '机床', active: false },
    types: {
      code: 'text', name: 'text', category: 'text', unit: 'text', list_price: 'money', cost_price: 'money',
      specification: 'longtext', active: 'boolean',
    },
    readOnly: [],
    label: { 'zh-CN': '产品', en: 'Products' },
  },
  departments: {
    body: (n) => ({ name: `部门${n}` }),
    patch: { sort_order: 5, parent_id: null },
    types: { name: 'text', parent_id: 'reference', manager_id: 'reference', sort_order: 'integer' },
    readOnly: [],
    label: { 'zh-CN': '部门', en: 'Departments' },
  },
}

const body = (entity) => SPECS[entity].body(next())

/** assertError with the answer shortened in failure messages (some lists hold 20000-character notes). */
function assertError(res, status, code, what) {
  const text = res.text.length > 800 ? `${res.text.slice(0, 800)}…` : res.text
  return assertErrorFull({ ...res, text }, status, code, what)
}

/** Asserts a 422 validation_failed whose fields name `field` with `code`; returns the error. */
function assertFieldError(res, field, code, what) {
  const e = assertError(res, 422, 'validation_failed', what)
  assert.ok(e.fields && typeof e.fields === 'object', `${what}: no fields in ${res.text}`)
  assert.equal(e.fields[field], code, `${what}: ${res.text}`)
  return e
}

before(async () => {
  server = await startServer()
  admin = await login(server)
  fx.customer = await createRecord(server, admin, 'customers', { name: '基准客户（夹具）', phone: '010-0000 0001' })
  fx.contact = await createRecord(server, admin, 'contacts', { customer_id: fx.customer.id, name: '基准联系人' })
  fx.lead = await createRecord(server, admin, 'leads', { name: '基准线索' })
  fx.opportunity = await createRecord(server, admin, 'opportunities', { customer_id: fx.customer.id, name: '基准商机' })
  fx.department = await createRecord(server, admin, 'departments', { name: '基准部门' })
})

after(async () => {
  await server?.stop()
})

// ---------------------------------------------------------------------------------------------
// Every route of every entity
// ---------------------------------------------------------------------------------------------

for (const entity of ENTITIES) {
  const spec = SPECS[entity]

  describe(`${entity}: the record routes`, () => {
    let created
    let patched

    it('POST creates (201): id, version 1, times, created_by, owner, _labels; GET and the list show the same record', async () => {
      const sent = body(entity)
      const res = await api(server, 'POST', `/api/${entity}`, { session: admin, body: sent })
      assert.equal(res.status, 201, res.text)
      created = res.json
      assert.ok(Number.isInteger(created.id) && created.id > 0, res.text)
      assert.equal(created.version, 1)
      assert.match(created.created_at, ISO_MS)
      assert.equal(created.updated_at, created.created_at)
      assert.equal(created.created_by, admin.user.id)
      assert.equal(created.updated_by, admin.user.id)
      assert.ok(!('deleted_at' in created), 'a live record has no deleted_at')
      if (OWNED.has(entity)) {
        assert.equal(created.owner_id, admin.user.id)
        assert.equal(created._labels.owner_id, admin.user.name)
      } else {
        assert.ok(!('owner_id' in created), `${entity} is not owned`)
      }
      assert.equal(typeof created._labels, 'object')
      for (const [k, v] of Object.entries(sent)) assert.deepEqual(created[k], v, `${entity}.${k}`)
      for (const field of Object.keys(spec.types)) assert.ok(field in created, `${entity}.${field} is in the record`)
      if (sent.customer_id) assert.equal(created._labels.customer_id, fx.customer.name, 'the label of the reference')

      assert.deepEqual(await getRecord(server, admin, entity, created.id), created)

      const page = await listRecords(server, admin, entity, { 'filter[id]': String(created.id) })
      assert.equal(page.total, 1)
      assert.deepEqual(page.data, [created])

      const all = await listRecords(server, admin, entity)
      assert.deepEqual(Object.keys(all).sort(), ['data', 'limit', 'offset', 'total'])
      assert.equal(all.limit, 50)
      assert.equal(all.offset, 0)
      assert.ok(all.total >= 1 && all.data.some((r) => r.id === created.id), 'the new record is listed')
    })

    it('GET of a missing id and of malformed ids: 404', async () => {
      assertError(await api(server, 'GET', `/api/${entity}/99999999`, { session: admin }), 404, 'not_found')
      assertError(await api(server, 'GET', `/api/${entity}/abc`, { session: admin }), 404, 'not_found')
      assertError(await api(server, 'PATCH', `/api/${entity}/99999999`, { session: admin, body: { version: 1 } }), 404, 'not_found')
      assertError(await api(server, 'DELETE', `/api/${entity}/99999999`, { session: admin }), 404, 'not_found')
      assertError(await api(server, 'POST', `/api/${entity}/99999999/restore`, { session: admin }), 404, 'not_found')
      assertError(await api(server, 'GET', `/api/${entity}/99999999/history`, { session: admin }), 404, 'not_found')
    })

    it('PATCH with the version: 200 and version + 1; a stale version 409 with current_version; no version 422', async () => {
      const res = await api(server, 'PATCH', `/api/${entity}/${created.id}`, { session: admin, body: { ...spec.patch, version: 1 } })
      assert.equal(res.status, 200, res.text)
      patched = res.json
      assert.equal(patched.version, 2)
      for (const [k, v] of Object.entries(spec.patch)) assert.deepEqual(patched[k], v, `${entity}.${k}`)
      assert.ok(patched.updated_at >= created.updated_at)
      assert.equal(patched.created_at, created.created_at)
      assert.deepEqual(await getRecord(server, admin, entity, created.id), patched)

      const stale = await api(server, 'PATCH', `/api/${entity}/${created.id}`, { session: admin, body: { ...spec.patch, version: 1 } })
      const e = assertError(stale, 409, 'conflict')
      assert.equal(e.current_version, 2, stale.text)
      const ahead = await api(server, 'PATCH', `/api/${entity}/${created.id}`, { session: admin, body: { version: 7 } })
      assert.equal(assertError(ahead, 409, 'conflict').current_version, 2)

      const none = await api(server, 'PATCH', `/api/${entity}/${created.id}`, { session: admin, body: { ...spec.patch } })
      assert.equal(assertError(none, 422, 'validation_failed').fields?.version, 'required', none.text)
      const wrong = await api(server, 'PATCH', `/api/${entity}/${created.id}`, { session: admin, body: { ...spec.patch, version: '2' } })
      assert.equal(assertError(wrong, 422, 'validation_failed').fields?.version, 'invalid_type', wrong.text)

      assert.deepEqual(await getRecord(server, admin, entity, created.id), patched, 'the refused patches changed nothing')
    })

    it('DELETE (204) → 404 → in the recycle bin (?deleted=true) → restore (200) → GET works', async () => {
      const del = await api(server, 'DELETE', `/api/${entity}/${created.id}`, { session: admin })
      assert.equal(del.status, 204, del.text)
      assert.equal(del.text, '')
      assertError(await api(server, 'GET', `/api/${entity}/${created.id}`, { session: admin }), 404, 'not_found')
      assert.equal((await listRecords(server, admin, entity, { 'filter[id]': String(created.id) })).total, 0)
      const bin = await listRecords(server, admin, entity, { deleted: 'true', 'filter[id]': String(created.id) })
      assert.equal(bin.total, 1)
      assert.match(bin.data[0].deleted_at, ISO_MS)
      assert.equal(bin.data[0].version, patched.version + 1)

      // a deleted record can be neither deleted again nor changed
      assertError(await api(server, 'DELETE', `/api/${entity}/${created.id}`, { session: admin }), 404, 'not_found')
      assertError(
        await api(server, 'PATCH', `/api/${entity}/${created.id}`, { session: admin, body: { version: bin.data[0].version } }),
        404,
        'not_found',
      )

      const res = await api(server, 'POST', `/api/${entity}/${created.id}/restore`, { session: admin })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.json.id, created.id)
      assert.ok(!('deleted_at' in res.json))
      assert.equal(res.json.version, patched.version + 2)
      for (const [k, v] of Object.entries(spec.patch)) assert.deepEqual(res.json[k], v, `${entity}.${k} survives the bin`)
      assert.deepEqual(await getRecord(server, admin, entity, created.id), res.json)
      assert.equal((await listRecords(server, admin, entity, { deleted: 'true', 'filter[id]': String(created.id) })).total, 0)

      const again = await api(server, 'POST', `/api/${entity}/${created.id}/restore`, { session: admin })
      assertError(again, 409, 'conflict')
    })

    it('history: create, update, delete, restore, newest first, with the fields’ old and new values', async () => {
      const entries = await history(server, admin, entity, created.id)
      assert.deepEqual(entries.map((h) => h.action), ['restore', 'delete', 'update', 'create'])
      for (const h of entries) {
        assert.ok(Number.isInteger(h.id))
        assert.match(h.at, ISO_MS)
        assert.deepEqual(h.user, { id: admin.user.id, name: admin.user.name })
        assert.ok(Array.isArray(h.changes))
      }
      assert.ok(entries[0].id > entries[1].id && entries[1].id > entries[2].id && entries[2].id > entries[3].id, 'newest first')
      const update = entries[2].changes
      for (const [k, v] of Object.entries(spec.patch)) {
        const c = update.find((x) => x.field === k)
        if (created[k] === v || (created[k] === null && v === null)) {
          assert.equal(c, undefined, `${k} did not change, so it is not in the history`)
          continue
        }
        assert.ok(c, `${k} in ${JSON.stringify(update)}`)
        assert.deepEqual(c.old, created[k], `${k}.old`)
        assert.deepEqual(c.new, v, `${k}.new`)
      }
      const titleField = entity === 'activities' ? 'subject' : entity === 'products' ? 'code' : 'name'
      const made = entries[3].changes.find((x) => x.field === titleField)
      assert.deepEqual(made, { field: titleField, old: null, new: created[titleField] })

      // paging the history
      const res = await api(server, 'GET', `/api/${entity}/${created.id}/history`, { session: admin, query: { limit: '1', offset: '1' } })
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.json.data.map((h) => h.action), ['delete'])
      assertError(await api(server, 'GET', `/api/${entity}/${created.id}/history`, { session: admin, query: { bogus: '1' } }), 400, 'bad_request')
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Related lists
// ---------------------------------------------------------------------------------------------

describe('related lists', () => {
  const ids = (page) => page.data.map((r) => r.id).sort((a, b) => a - b)
  async function related(path, query) {
    const res = await api(server, 'GET', path, { session: admin, query })
    assert.equal(res.status, 200, `${path}: ${res.text}`)
    return res.json
  }

  it('customers/:id/contacts, /opportunities, /activities; contacts, leads and opportunities /:id/activities', async () => {
    const c = await createRecord(server, admin, 'customers', body('customers'))
    const other = await createRecord(server, admin, 'customers', body('customers'))
    const p1 = await createRecord(server, admin, 'contacts', { customer_id: c.id, name: '甲' })
    const p2 = await createRecord(server, admin, 'contacts', { customer_id: c.id, name: '乙' })
    const p3 = await createRecord(server, admin, 'contacts', { customer_id: c.id, name: '丙（将删除）' })
    await createRecord(server, admin, 'contacts', { customer_id: other.id, name: '别家的' })
    const o1 = await createRecord(server, admin, 'opportunities', { customer_id: c.id, name: '相关商机' })
    await createRecord(server, admin, 'opportunities', { customer_id: other.id, name: '别家的商机' })
    const lead = await createRecord(server, admin, 'leads', { name: '相关线索' })
    const a1 = await createRecord(server, admin, 'activities', { customer_id: c.id, subject: '只有客户' })
    const a2 = await createRecord(server, admin, 'activities', { contact_id: p1.id, subject: '联系人' })
    const a3 = await createRecord(server, admin, 'activities', { opportunity_id: o1.id, subject: '商机' })
    const a4 = await createRecord(server, admin, 'activities', { lead_id: lead.id, subject: '线索' })
    assert.equal((await api(server, 'DELETE', `/api/contacts/${p3.id}`, { session: admin })).status, 204)

    const contacts = await related(`/api/customers/${c.id}/contacts`)
    assert.deepEqual(ids(contacts), [p1.id, p2.id], 'the deleted contact and the other customer’s are not listed')
    assert.equal(contacts.total, 2)
    assert.deepEqual(ids(await related(`/api/customers/${c.id}/opportunities`)), [o1.id])
    assert.deepEqual(ids(await related(`/api/customers/${c.id}/activities`)), [a1.id, a2.id, a3.id])
    assert.deepEqual(ids(await related(`/api/contacts/${p1.id}/activities`)), [a2.id])
    assert.deepEqual(ids(await related(`/api/contacts/${p2.id}/activities`)), [])
    assert.deepEqual(ids(await related(`/api/opportunities/${o1.id}/activities`)), [a3.id])
    assert.deepEqual(ids(await related(`/api/leads/${lead.id}/activities`)), [a4.id])

    // related lists take the list's parameters
    const one = await related(`/api/customers/${c.id}/contacts`, { limit: '1', sort: 'name' })
    assert.equal(one.total, 2)
    assert.equal(one.data.length, 1)
    const named = await related(`/api/customers/${c.id}/contacts`, { 'filter[name]': '乙' })
    assert.deepEqual(ids(named), [p2.id])
    assertError(await api(server, 'GET', `/api/customers/${c.id}/contacts`, { session: admin, query: { 'filter[nope]': '1' } }), 400, 'bad_request')

    // a missing parent, a deleted parent, an unknown relation
    assertError(await api(server, 'GET', '/api/customers/99999999/contacts', { session: admin }), 404, 'not_found')
    assertError(await api(server, 'GET', `/api/contacts/${p3.id}/activities`, { session: admin }), 404, 'not_found')
    assertError(await api(server, 'GET', `/api/customers/${c.id}/nothing_like_this`, { session: admin }), 404, 'not_found')
    assertError(await api(server, 'GET', `/api/products/${fx.customer.id}/contacts`, { session: admin }), 404, 'not_found')
  })

  it('departments/:id/children: direct sub-departments only', async () => {
    const root = await createRecord(server, admin, 'departments', { name: '总部（关联）' })
    const a = await createRecord(server, admin, 'departments', { name: '华北区', parent_id: root.id, sort_order: 2 })
    const b = await createRecord(server, admin, 'departments', { name: '华南区', parent_id: root.id, sort_order: 1 })
    const grandchild = await createRecord(server, admin, 'departments', { name: '北京组', parent_id: a.id })
    const kids = await related(`/api/departments/${root.id}/children`)
    assert.deepEqual(kids.data.map((d) => d.id), [b.id, a.id], 'in the default order (sort_order, name)')
    assert.deepEqual(ids(await related(`/api/departments/${a.id}/children`)), [grandchild.id])
    assert.deepEqual(ids(await related(`/api/departments/${grandchild.id}/children`)), [])
    assert.equal(a._labels.parent_id, root.name)
  })
})

// ---------------------------------------------------------------------------------------------
// /api/meta
// ---------------------------------------------------------------------------------------------

describe('GET /api/meta', () => {
  let meta
  before(async () => {
    const res = await api(server, 'GET', '/api/meta', { session: admin })
    assert.equal(res.status, 200, res.text)
    meta = res.json
  })

  it('describes every entity: labels in zh-CN and en, module, owned, title field, permissions', () => {
    const byName = Object.fromEntries(meta.entities.map((e) => [e.name, e]))
    for (const entity of ENTITIES) {
      const e = byName[entity]
      assert.ok(e, `${entity} is in /api/meta`)
      assert.deepEqual(e.label, SPECS[entity].label, entity)
      assert.equal(e.owned, OWNED.has(entity), `${entity}.owned`)
      assert.equal(typeof e.module, 'string')
      assert.ok(e.fields.some((f) => f.name === e.title_field), `${entity}.title_field ${e.title_field}`)
      assert.deepEqual(e.permissions, { create: true, update: true, delete: true, export: true }, `${entity}: admin may do all`)
    }
    assert.equal(byName.products.module, 'products')
    assert.equal(byName.departments.module, 'org')
    assert.equal(byName.customers.module, 'sales')
  })

  it('lists every declared field with its type, bilingual label and flags', () => {
    const CJK = /[\u4e00-\u9fff]/
    for (const entity of ENTITIES) {
      const e = meta.entities.find((x) => x.name === entity)
      const types = Object.fromEntries(e.fields.map((f) => [f.name, f.type]))
      assert.deepEqual(types, SPECS[entity].types, `${entity}: field names and types`)
      for (const f of e.fields) {
        const what = `${entity}.${f.name}`
        assert.match(f.label['zh-CN'], CJK, `${what}: a Chinese label`)
        assert.match(f.label.en, /^[A-Z]/, `${what}: an English label`)
        for (const flag of ['required', 'unique', 'searchable', 'sortable', 'list', 'read_only']) assert.equal(typeof f[flag], 'boolean', `${what}.${flag}`)
        if (['text', 'longtext', 'email', 'phone', 'url'].includes(f.type)) assert.ok(Number.isInteger(f.max_length) && f.max_length > 0, what)
        if (f.type === 'enum') {
          assert.ok(Array.isArray(f.options) && f.options.length > 0, `${what}: options`)
          for (const o of f.options) {
            assert.equal(typeof o.value, 'string', what)
            assert.match(o.label['zh-CN'], CJK, `${what}=${o.value}`)
            assert.equal(typeof o.label.en, 'string', `${what}=${o.value}`)
          }
        }
        if (f.type === 'reference') assert.equal(typeof f.ref, 'string', what)
      }
      const readOnly = e.fields.filter((f) => f.read_only).map((f) => f.name)
      assert.deepEqual(readOnly, SPECS[entity].readOnly, `${entity}: read-only fields`)
    }
  })

  it('the details: lengths, references, option lists, defaults, relations', () => {
    const field = (entity, name) => meta.entities.find((x) => x.name === entity).fields.find((f) => f.name === name)
    assert.equal(field('customers', 'name').max_length, 200)
    assert.equal(field('customers', 'name').required, true)
    assert.equal(field('customers', 'name').searchable, true)
    assert.equal(field('customers', 'short_name').max_length, 50)
    assert.equal(field('contacts', 'name').max_length, 100)
    assert.equal(field('customers', 'notes').max_length, 20000)
    assert.equal(field('products', 'code').unique, true)
    assert.equal(field('contacts', 'customer_id').ref, 'customers')
    assert.equal(field('departments', 'manager_id').ref, 'users')
    assert.deepEqual(field('customers', 'status').options.map((o) => o.value), ['potential', 'intent', 'deal', 'lost'])
    assert.deepEqual(field('customers', 'status').options[0].label, { 'zh-CN': '潜在', en: 'Potential' })
    assert.deepEqual(field('customers', 'grade').options.map((o) => o.value), ['A', 'B', 'C', 'D'])
    assert.deepEqual(field('activities', 'type').options.map((o) => o.value), ['call', 'visit', 'meeting', 'email', 'note', 'task'])
    assert.equal(field('opportunities', 'stage').options_list, 'opportunity_stages')
    assert.deepEqual(field('opportunities', 'stage').options.map((o) => o.value), ['initial', 'needs_analysis', 'proposal', 'negotiation', 'won', 'lost'])
    assert.equal(field('opportunities', 'stage').options[2].probability, 50)
    assert.equal(field('customers', 'source').options_list, 'sources')
    assert.equal(field('customers', 'status').default, 'potential')
    assert.equal(field('products', 'active').default, true)
    assert.equal(field('opportunities', 'stage').default, 'initial')
    const rels = (entity) => meta.entities.find((x) => x.name === entity).relations.map((r) => `${r.name}:${r.entity}.${r.field}`)
    assert.deepEqual(rels('customers'), ['contacts:contacts.customer_id', 'opportunities:opportunities.customer_id', 'activities:activities.customer_id',
      'quotes:quotes.customer_id', 'orders:orders.customer_id', 'contracts:contracts.customer_id', 'payments:payments.customer_id',
      'invoices:invoices.customer_id'])
    assert.deepEqual(rels('contacts'), ['activities:activities.contact_id'])
    assert.deepEqual(rels('leads'), ['activities:activities.lead_id'])
    assert.deepEqual(rels('opportunities'), ['activities:activities.opportunity_id', 'quotes:quotes.opportunity_id', 'orders:orders.opportunity_id',
      'contracts:contracts.opportunity_id', 'payments:payments.opportunity_id', 'invoices:invoices.opportunity_id'])
    assert.deepEqual(rels('departments'), ['children:departments.parent_id'])
    assert.deepEqual(rels('products'), [])
    const rel = meta.entities.find((x) => x.name === 'customers').relations[0]
    assert.deepEqual(rel.label, { 'zh-CN': '联系人', en: 'Contacts' })
  })
})

// ---------------------------------------------------------------------------------------------
// Bad input: refused with a clear 422/400, and nothing changes
// ---------------------------------------------------------------------------------------------

/** Wrong values per field type, with the code the field must get. */
const BAD_VALUES = {
  text: [[123, 'invalid_type'], [{ a: 1 }, 'invalid_type'], [['x'], 'invalid_type'], [true, 'invalid_type']],
  longtext: [[123, 'invalid_type'], [{ a: 1 }, 'invalid_type'], [false, 'invalid_type']],
  integer: [['5', 'invalid_type'], [1.5, 'invalid_type'], [true, 'invalid_type'], [{}, 'invalid_type']],
  decimal: [['1.234', 'too_many_decimals'], [1.234, 'too_many_decimals'], ['abc', 'invalid_number'], [true, 'invalid_type']],
  money: [
    [{ currency: 'CNY' }, 'invalid_amount'],
    [{ amount: 1.5, currency: 'CNY' }, 'invalid_amount'],
    [{ amount: '100', currency: 'CNY' }, 'invalid_amount'],
    ['100', 'invalid_amount'],
    [12.5, 'invalid_amount'],
    [{ amount: 100, currency: 'cny' }, 'invalid_currency'],
    [{ amount: 100, currency: 'CN' }, 'invalid_currency'],
    [{ amount: 100, currency: 'CNYX' }, 'invalid_currency'],
    [{ amount: 100, currency: 5 }, 'invalid_currency'],
  ],
  date: [['2026-13-01', 'invalid_date'], ['2026-02-30', 'invalid_date'], ['2026-1-5', 'invalid_date'], ['2026-01-05T00:00:00Z', 'invalid_date'], ['明天', 'invalid_date'], [20260105, 'invalid_type']],
  datetime: [['not a time', 'invalid_datetime'], ['2026-01-05T25:00:00Z', 'invalid_datetime'], ['2026-02-30T10:00:00Z', 'invalid_datetime'], [1767600000000, 'invalid_type']],
  boolean: [['true', 'invalid_type'], [1, 'invalid_type'], [{}, 'invalid_type']],
  enum: [[{}, 'invalid_type'], [1, 'invalid_type'], [['a'], 'invalid_type'], ['no_such_option', 'invalid_option'], ['潜在', 'invalid_option']],
  tags: [['vip', 'invalid_type'], [[1], 'invalid_type'], [{}, 'invalid_type'], [Array.from({ length: 51 }, (_, i) => `t${i}`), 'too_many'], [['长'.repeat(51)], 'too_long']],
  reference: [['1', 'invalid_type'], [0, 'invalid_type'], [-3, 'invalid_type'], [1.5, 'invalid_type'], [{ id: 1 }, 'invalid_type'], [99999999, 'not_found']],
  email: [['not-an-email', 'invalid_email'], ['a@b', 'invalid_email'], ['a b@example.com', 'invalid_email'], ['@example.com', 'invalid_email'], [5, 'invalid_type']],
  phone: [['call me', 'invalid_phone'], ['12', 'invalid_phone'], ['010-6234-5678；', 'invalid_phone'], [62345678, 'invalid_type']],
  url: [['javascript:alert(1)', 'invalid_url'], ['ftp://example.com', 'invalid_url'], ['not a url', 'invalid_url'], [5, 'invalid_type']],
}

/** A valid value for a read-only field of this type (the refusal must be for writing it at all). */
function plausible(type) {
  return { datetime: '2026-01-05T08:00:00.000Z', reference: fx.customer.id }[type] ?? 'x'
}

describe('bad input is refused and changes nothing', () => {
  let meta
  before(async () => {
    meta = (await api(server, 'GET', '/api/meta', { session: admin })).json
  })
  const fieldsOf = (entity) => meta.entities.find((e) => e.name === entity).fields

  for (const entity of ENTITIES) {
    it(`${entity}: a wrong value of every field type, on POST and PATCH: 422 naming the field`, async () => {
      const target = await createRecord(server, admin, entity, body(entity))
      const before = await snapshot(server, admin, entity)
      const historyBefore = await history(server, admin, entity, target.id)
      let tried = 0
      for (const f of fieldsOf(entity)) {
        if (f.read_only) continue
        const bad = [...(BAD_VALUES[f.type] ?? assert.fail(`no bad values for type ${f.type}`))]
        if (f.max_length) bad.push(['字'.repeat(f.max_length + 1), 'too_long'])
        for (const [value, code] of bad) {
          const what = `${entity}.${f.name} = ${JSON.stringify(value).slice(0, 60)}`
          const post = await api(server, 'POST', `/api/${entity}`, { session: admin, body: { ...body(entity), [f.name]: value } })
          assertFieldError(post, f.name, code, `POST ${what}`)
          const patch = await api(server, 'PATCH', `/api/${entity}/${target.id}`, { session: admin, body: { version: target.version, [f.name]: value } })
          assertFieldError(patch, f.name, code, `PATCH ${what}`)
          tried++
        }
      }
      assert.ok(tried >= 10, `${tried} bad values tried`)
      assert.deepEqual(await snapshot(server, admin, entity), before, 'nothing was created or changed')
      assert.deepEqual(await history(server, admin, entity, target.id), historyBefore, 'no history was written')
    })

    it(`${entity}: unknown fields, read-only fields, missing and emptied required fields`, async () => {
      const target = await createRecord(server, admin, entity, body(entity))
      const before = await snapshot(server, admin, entity)

      const unknown = [['bogus', 'x'], ['Name', 'x'], ['deleted', true], ['search_text', 'x'], ['customer', {}]]
      if (!OWNED.has(entity)) unknown.push(['owner_id', admin.user.id])
      for (const [name, value] of unknown) {
        assertFieldError(await api(server, 'POST', `/api/${entity}`, { session: admin, body: { ...body(entity), [name]: value } }), name, 'unknown_field', `POST ${entity}.${name}`)
        assertFieldError(
          await api(server, 'PATCH', `/api/${entity}/${target.id}`, { session: admin, body: { version: target.version, [name]: value } }),
          name,
          'unknown_field',
          `PATCH ${entity}.${name}`,
        )
      }
      for (const f of fieldsOf(entity).filter((x) => x.read_only)) {
        const value = plausible(f.type)
        assertFieldError(await api(server, 'POST', `/api/${entity}`, { session: admin, body: { ...body(entity), [f.name]: value } }), f.name, 'read_only', `POST ${entity}.${f.name}`)
        assertFieldError(
          await api(server, 'PATCH', `/api/${entity}/${target.id}`, { session: admin, body: { version: target.version, [f.name]: value } }),
          f.name,
          'read_only',
          `PATCH ${entity}.${f.name}`,
        )
      }
      for (const f of fieldsOf(entity).filter((x) => x.required)) {
        const without = body(entity)
        delete without[f.name]
        if (f.default === undefined && !(entity === 'activities' && f.name === 'customer_id')) {
          assertFieldError(await api(server, 'POST', `/api/${entity}`, { session: admin, body: without }), f.name, 'required', `POST without ${entity}.${f.name}`)
        }
        for (const empty of [null, '', '   ']) {
          if (empty !== null && !['text', 'enum'].includes(f.type)) continue
          assertFieldError(
            await api(server, 'PATCH', `/api/${entity}/${target.id}`, { session: admin, body: { version: target.version, [f.name]: empty } }),
            f.name,
            'required',
            `PATCH ${entity}.${f.name} = ${JSON.stringify(empty)}`,
          )
        }
      }
      // several problems at once: each field named
      const many = await api(server, 'POST', `/api/${entity}`, { session: admin, body: { ...body(entity), bogus: 1, [fieldsOf(entity).find((f) => f.type === 'text').name]: 5 } })
      const e = assertError(many, 422, 'validation_failed')
      assert.ok(Object.keys(e.fields).length >= 2, many.text)

      assert.deepEqual(await snapshot(server, admin, entity), before, 'nothing was created or changed')
    })

    it(`${entity}: malformed JSON and bodies that are not objects: 400`, async () => {
      const target = await createRecord(server, admin, entity, body(entity))
      const before = await snapshot(server, admin, entity)
      const bodies = ['{"name": "x", ', 'not json', '[]', '[{"name":"x"}]', '"x"', '42', 'null', 'true', '', '{"name":"a","name":"b"}']
      for (const text of bodies) {
        const headers = { 'content-type': 'application/json' }
        assertError(await api(server, 'POST', `/api/${entity}`, { session: admin, body: text, raw: true, headers }), 400, 'bad_request', `POST ${text}`)
        assertError(await api(server, 'PATCH', `/api/${entity}/${target.id}`, { session: admin, body: text, raw: true, headers }), 400, 'bad_request', `PATCH ${text}`)
      }
      assertError(await api(server, 'POST', `/api/${entity}`, { session: admin }), 400, 'bad_request', 'POST without a body')
      assert.deepEqual(await snapshot(server, admin, entity), before)
    })
  }

  it('lengths count characters, not bytes: exactly max_length Chinese characters are accepted', async () => {
    const name = '华'.repeat(200) // 600 bytes
    const c = await createRecord(server, admin, 'customers', { name, short_name: '简'.repeat(50), notes: '记'.repeat(20000) })
    assert.equal(c.name, name)
    assert.equal(c.short_name.length, 50)
    assert.equal(c.notes.length, 20000)
    const p = await createRecord(server, admin, 'contacts', { customer_id: c.id, name: '名'.repeat(100), wechat: 'w'.repeat(50) })
    assert.equal(p.name.length, 100)
    const before = await snapshot(server, admin, 'customers')
    const long = await api(server, 'POST', '/api/customers', { session: admin, body: { name: '华'.repeat(201) } })
    assertFieldError(long, 'name', 'too_long', '201 characters')
    const emoji = await api(server, 'POST', '/api/customers', { session: admin, body: { name: '😀'.repeat(201) } })
    assertFieldError(emoji, 'name', 'too_long', '201 emoji')
    assert.deepEqual(await snapshot(server, admin, 'customers'), before)
    // the length is checked after trimming
    const padded = await createRecord(server, admin, 'customers', { name: `  ${'夏'.repeat(200)}  ` })
    assert.equal(padded.name, '夏'.repeat(200))
  })

  it('system members (id, version, times, _labels) are ignored on POST; a record read can be sent back as it is', async () => {
    const c = await createRecord(server, admin, 'customers', {
      ...body('customers'),
      id: 424242,
      version: 9,
      created_at: '2001-01-01T00:00:00.000Z',
      created_by: 999,
      _labels: { owner_id: 'someone' },
    })
    assert.notEqual(c.id, 424242)
    assert.equal(c.version, 1)
    assert.notEqual(c.created_at, '2001-01-01T00:00:00.000Z')
    assert.equal(c.created_by, admin.user.id)
    for (const entity of ['contacts', 'opportunities', 'activities', 'products', 'departments']) {
      const r = await createRecord(server, admin, entity, body(entity))
      const res = await api(server, 'PATCH', `/api/${entity}/${r.id}`, { session: admin, body: r })
      assert.equal(res.status, 200, `${entity}: ${res.text}`)
      assert.deepEqual(res.json, r, `${entity}: sending back what was read changes nothing`)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// List parameters
// ---------------------------------------------------------------------------------------------

describe('list parameters', () => {
  let names
  before(async () => {
    names = []
    for (const [n, grade] of [['参数甲', 'A'], ['参数乙', 'B'], ['参数丙', null], ['参数丁%_', 'A']]) {
      names.push(await createRecord(server, admin, 'customers', { name: n, grade, tags: ['参数'] }))
    }
  })

  it('filters: equality, ne, in, like (with % and _ taken literally), null, gte on dates; tags contain', async () => {
    const total = (q) => listRecords(server, admin, 'customers', { 'filter[tags]': '参数', ...q }).then((p) => p.total)
    assert.equal(await total({}), 4)
    assert.equal(await total({ 'filter[grade]': 'A' }), 2)
    assert.equal(await total({ 'filter[grade][ne]': 'A' }), 2, 'ne includes the empty ones')
    assert.equal(await total({ 'filter[grade][in]': 'A,B' }), 3)
    assert.equal(await total({ 'filter[grade][null]': 'true' }), 1)
    assert.equal(await total({ 'filter[grade][null]': 'false' }), 3)
    assert.equal(await total({ 'filter[name][like]': '参数' }), 4)
    assert.equal(await total({ 'filter[name][like]': '%' }), 1, '% is a plain character')
    assert.equal(await total({ 'filter[name][like]': '_' }), 1, '_ is a plain character')
    assert.equal(await total({ 'filter[created_at][gte]': '2000-01-01' }), 4)
    assert.equal(await total({ 'filter[created_at][lt]': '2000-01-01' }), 0)
    assert.equal(await total({ 'filter[id]': String(names[0].id) }), 1)
    assert.equal(await total({ 'filter[id][gt]': String(names[1].id) }), 2)
    assert.equal(await total({ _: '1700000000' }), 4, 'a cache buster is ignored')
  })

  it('sort: ascending, descending, several fields; limit and offset page', async () => {
    const page = await listRecords(server, admin, 'customers', { 'filter[tags]': '参数', sort: '-id' })
    assert.deepEqual(page.data.map((r) => r.id), names.map((r) => r.id).reverse())
    const byGrade = await listRecords(server, admin, 'customers', { 'filter[tags]': '参数', sort: 'grade,-id' })
    const grades = byGrade.data.map((r) => r.grade)
    assert.deepEqual(grades.filter((g) => g), ['A', 'A', 'B'])
    const p2 = await listRecords(server, admin, 'customers', { 'filter[tags]': '参数', sort: 'id', limit: '2', offset: '2' })
    assert.equal(p2.total, 4)
    assert.equal(p2.limit, 2)
    assert.equal(p2.offset, 2)
    assert.deepEqual(p2.data.map((r) => r.id), [names[2].id, names[3].id])
    const past = await listRecords(server, admin, 'customers', { offset: '100000' })
    assert.deepEqual(past.data, [])
  })

  it('limit above 500 is lowered to 500; limit 0, -1, abc, 1.5 and offset -1 are 400', async () => {
    const big = await listRecords(server, admin, 'customers', { limit: '100000' })
    assert.equal(big.limit, 500)
    assert.equal((await listRecords(server, admin, 'customers', { limit: '501' })).limit, 500)
    assert.equal((await listRecords(server, admin, 'customers', { limit: '500' })).limit, 500)
    for (const limit of ['0', '-1', 'abc', '1.5', '', ' 5', '99999999999999999999999']) {
      assertError(await api(server, 'GET', '/api/customers', { session: admin, query: { limit } }), 400, 'bad_request', `limit=${limit}`)
    }
    for (const offset of ['-1', 'x', '']) {
      assertError(await api(server, 'GET', '/api/customers', { session: admin, query: { offset } }), 400, 'bad_request', `offset=${offset}`)
    }
  })

  it('unknown filter fields, operators and parameters; unsortable fields; bad filter values: 400', async () => {
    const bad = [
      { 'filter[nope]': '1' },
      { 'filter[name][regex]': 'x' },
      { 'filter[name][]': 'x' },
      { 'filter[name': 'x' },
      { 'filter[]': 'x' },
      { 'filter[name][eq][x]': 'x' },
      { 'filter[grade][null]': 'maybe' },
      { 'filter[created_at][gte]': 'yesterday' },
      { 'filter[id]': 'abc' },
      { 'filter[grade][like]': 'A' },
      { 'filter[grade][in]': Array.from({ length: 101 }, () => 'A').join(',') },
      { 'filter[tags][ne]': 'x' },
      { sort: 'notes' },
      { sort: 'nope' },
      { sort: '-' },
      { sort: 'name,grade,status,id,created_at' },
      { deleted: 'yes' },
      { foo: 'bar' },
      { q: 'x'.repeat(201) },
    ]
    for (const query of bad) {
      assertError(await api(server, 'GET', '/api/customers', { session: admin, query }), 400, 'bad_request', JSON.stringify(query))
    }
  })

  it('every entity: unknown filter fields and operators, unsortable and SQL sorts are 400; SQL values match nothing', async () => {
    for (const entity of ENTITIES) {
      const title = { activities: 'subject', products: 'code' }[entity] ?? 'name'
      const before = await listRecords(server, admin, entity, { limit: '1' })
      for (const query of [
        { 'filter[nope]': '1' },
        { [`filter[${title}][regex]`]: 'x' },
        { [`filter[${title}][eq][x]`]: 'x' },
        { sort: 'nope' },
        { sort: `${title};DROP TABLE ${entity}` },
        { sort: `${title}) --` },
        { limit: '0' },
        { limit: 'abc' },
        { deleted: '1' },
        { unknown_parameter: '1' },
      ]) {
        assertError(await api(server, 'GET', `/api/${entity}`, { session: admin, query }), 400, 'bad_request', `${entity} ${JSON.stringify(query)}`)
      }
      for (const value of ["' OR 1=1 --", "x'); DROP TABLE " + entity + '; --']) {
        assert.equal((await listRecords(server, admin, entity, { [`filter[${title}]`]: value })).total, 0, `${entity}: ${value}`)
      }
      assert.equal((await listRecords(server, admin, entity, { limit: '9999' })).limit, 500)
      assert.equal((await listRecords(server, admin, entity, { limit: '1' })).total, before.total, `${entity} is intact`)
    }
  })

  it('SQL in sort, filter keys and filter values is refused or taken as a plain value; the table is intact', async () => {
    const before = await snapshot(server, admin, 'customers')
    for (const query of [
      { sort: 'name;DROP TABLE customers' },
      { sort: 'name DESC; DELETE FROM customers --' },
      { sort: '(SELECT 1)' },
      { 'filter[name) OR 1=1 --]': 'x' },
      { 'filter[name][eq) OR (1=1]': 'x' },
    ]) {
      assertError(await api(server, 'GET', '/api/customers', { session: admin, query }), 400, 'bad_request', JSON.stringify(query))
    }
    for (const value of ["' OR 1=1 --", "'; DROP TABLE customers; --", '" OR ""="', '1 OR 1=1']) {
      const page = await listRecords(server, admin, 'customers', { 'filter[name]': value })
      assert.equal(page.total, 0, `filter[name]=${value}`)
      const like = await listRecords(server, admin, 'customers', { 'filter[name][like]': value })
      assert.equal(like.total, 0, `filter[name][like]=${value}`)
      const inn = await listRecords(server, admin, 'customers', { 'filter[name][in]': `${value},${value}` })
      assert.equal(inn.total, 0, `filter[name][in]=${value}`)
      // an enum filter refuses a value that is no option (400) rather than matching nothing
      const grade = await api(server, 'GET', '/api/customers', { session: admin, query: { 'filter[grade]': value } })
      assertError(grade, 400, 'bad_request', `filter[grade]=${value}`)
    }
    // a value that looks like SQL is stored and found as it is
    const odd = await createRecord(server, admin, 'customers', { name: "Robert'); DROP TABLE customers;--" })
    const found = await listRecords(server, admin, 'customers', { 'filter[name]': odd.name })
    assert.deepEqual(found.data.map((r) => r.id), [odd.id])
    const after = await snapshot(server, admin, 'customers')
    assert.deepEqual(after.live.filter((r) => r.id !== odd.id), before.live)
    assert.deepEqual(after.deleted, before.deleted)
  })
})

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

describe('engine behaviour', () => {
  it('text is trimmed; an empty string clears an optional field', async () => {
    const c = await createRecord(server, admin, 'customers', {
      name: '  \t前后空格有限公司  ',
      short_name: ' 空格 ',
      city: '  ',
      phone: ' 010-8888 0000 ',
      website: ' www.example.com ',
    })
    assert.equal(c.name, '前后空格有限公司')
    assert.equal(c.short_name, '空格')
    assert.equal(c.city, null, 'blank is empty')
    assert.equal(c.phone, '010-8888 0000')
    assert.equal(c.website, 'www.example.com')
    const p = await createRecord(server, admin, 'contacts', { customer_id: c.id, name: ' 张三 ', email: ' zs@example.com ' })
    assert.equal(p.name, '张三')
    assert.equal(p.email, 'zs@example.com')

    const cleared = await patchRecord(server, admin, 'customers', c.id, c.version, { short_name: '', website: '', phone: '   ', grade: null })
    assert.equal(cleared.short_name, null)
    assert.equal(cleared.website, null)
    assert.equal(cleared.phone, null)
    const withGrade = await patchRecord(server, admin, 'customers', c.id, cleared.version, { grade: 'B', industry: 'energy', tags: ['a', ' a ', '', 'b'] })
    assert.deepEqual(withGrade.tags, ['a', 'b'], 'tags are trimmed, blank ones dropped, repeats merged')
    const noGrade = await patchRecord(server, admin, 'customers', c.id, withGrade.version, { grade: '', industry: '', tags: [] })
    assert.equal(noGrade.grade, null)
    assert.equal(noGrade.industry, null)
    assert.deepEqual(noGrade.tags, [])
    const pNone = await patchRecord(server, admin, 'contacts', p.id, p.version, { email: '', birthday: '' })
    assert.equal(pNone.email, null)
    assert.equal(pNone.birthday, null)
    const cleared2 = await getRecord(server, admin, 'customers', c.id)
    assert.equal((await listRecords(server, admin, 'customers', { 'filter[id]': String(c.id), 'filter[short_name][null]': 'true' })).total, 1)
    assert.equal(cleared2.short_name, null)
  })

  it('an empty string clears an optional long text too (notes back to null, found by filter[notes][null])', async () => {
    // docs/api.md: "an empty string clears an optional field". Long text is not trimmed (it may hold
    // layout), but "" is no layout: it must clear the field like it does every other type.
    const c = await createRecord(server, admin, 'customers', { ...body('customers'), notes: '要清除的备注' })
    const cleared = await patchRecord(server, admin, 'customers', c.id, c.version, { notes: '' })
    assert.equal(cleared.notes, null, 'PATCH notes ""')
    const page = await listRecords(server, admin, 'customers', { 'filter[id]': String(c.id), 'filter[notes][null]': 'true' })
    assert.equal(page.total, 1)
    const made = await createRecord(server, admin, 'products', { code: `LT-${next()}`, name: '空规格', specification: '' })
    assert.equal(made.specification, null, 'POST specification ""')
  })

  it('a URL needs a host: http:// alone is refused', async () => {
    const before = await snapshot(server, admin, 'customers')
    for (const website of ['http://', 'https://', 'https:///path', 'http://?q=1']) {
      assertFieldError(await api(server, 'POST', '/api/customers', { session: admin, body: { ...body('customers'), website } }), 'website', 'invalid_url', website)
    }
    assert.deepEqual(await snapshot(server, admin, 'customers'), before)
    for (const website of ['http://example.com', 'https://例子.中国/路径', 'www.example.com', 'example.com/a']) {
      const c = await createRecord(server, admin, 'customers', { ...body('customers'), website })
      assert.equal(c.website, website)
    }
  })

  it('defaults are applied when a field is not sent, and only then', async () => {
    const c = await createRecord(server, admin, 'customers', body('customers'))
    assert.equal(c.status, 'potential')
    assert.deepEqual(c.tags, [])
    assert.match(c.owned_since, ISO_MS)
    const c2 = await createRecord(server, admin, 'customers', { ...body('customers'), status: 'deal' })
    assert.equal(c2.status, 'deal')
    const p = await createRecord(server, admin, 'products', { code: `D-${next()}`, name: '默认值产品' })
    assert.equal(p.active, true)
    assert.equal(p.unit, '台')
    assert.equal(p.list_price, null)
    const p2 = await createRecord(server, admin, 'products', { code: `D-${next()}`, name: '停售产品', active: false, unit: '套' })
    assert.equal(p2.active, false)
    assert.equal(p2.unit, '套')
    const ct = await createRecord(server, admin, 'contacts', { customer_id: c.id, name: '默认' })
    assert.equal(ct.is_primary, false)
    const l = await createRecord(server, admin, 'leads', { name: '默认线索' })
    assert.equal(l.status, 'new')
    const o = await createRecord(server, admin, 'opportunities', { customer_id: c.id, name: '默认商机' })
    assert.equal(o.stage, 'initial')
    assert.equal(o.probability, 10)
    const a = await createRecord(server, admin, 'activities', { customer_id: c.id, subject: '默认跟进' })
    assert.equal(a.type, 'call')
    assert.match(a.occurred_at, ISO_MS, 'occurred_at defaults to now')
    const d = await createRecord(server, admin, 'departments', { name: `默认部门${next()}` })
    assert.equal(d.sort_order, 0)
  })

  it('values are normalised: datetimes to UTC with milliseconds; money as minor units; a bare integer is CNY', async () => {
    const a = await createRecord(server, admin, 'activities', { customer_id: fx.customer.id, subject: '时间', occurred_at: '2026-03-04T05:06:07Z' })
    assert.equal(a.occurred_at, '2026-03-04T05:06:07.000Z')
    const o = await createRecord(server, admin, 'opportunities', { customer_id: fx.customer.id, name: '金额', amount: 123456 })
    assert.deepEqual(o.amount, { amount: 123456, currency: 'CNY' })
    const usd = await patchRecord(server, admin, 'opportunities', o.id, o.version, { amount: { amount: -5, currency: 'USD' } })
    assert.deepEqual(usd.amount, { amount: -5, currency: 'USD' })
    const big = await patchRecord(server, admin, 'opportunities', o.id, usd.version, { amount: { amount: 900719925474099 } })
    assert.deepEqual(big.amount, { amount: 900719925474099, currency: 'CNY' })
    assert.equal((await api(server, 'DELETE', `/api/opportunities/${o.id}`, { session: admin })).status, 204)
  })

  it('customers: the same name or phone is 409 duplicate with existing_id; allow_duplicate creates it', async () => {
    const name = `重复检测${next()}有限公司`
    const phone = `021-5555 ${String(next()).padStart(4, '0')}`
    const first = await createRecord(server, admin, 'customers', { name, phone })
    const before = await snapshot(server, admin, 'customers')

    const byName = await api(server, 'POST', '/api/customers', { session: admin, body: { name } })
    let e = assertError(byName, 409, 'duplicate')
    assert.equal(e.existing_id, first.id)
    assert.equal(e.field, 'name')
    assert.deepEqual(e.fields, { name: 'duplicate' })
    e = assertError(await api(server, 'POST', '/api/customers', { session: admin, body: { name: `  ${name} ` } }), 409, 'duplicate')
    assert.equal(e.existing_id, first.id, 'compared after trimming')
    const byPhone = await api(server, 'POST', '/api/customers', { session: admin, body: { name: `${name}（分公司）`, phone } })
    e = assertError(byPhone, 409, 'duplicate')
    assert.equal(e.existing_id, first.id)
    assert.equal(e.field, 'phone')
    const falseFlag = await api(server, 'POST', '/api/customers', { session: admin, body: { name, allow_duplicate: false } })
    assertError(falseFlag, 409, 'duplicate')
    assert.deepEqual(await snapshot(server, admin, 'customers'), before, 'nothing was created')

    // a customer sending its own name and phone back is not its own duplicate
    const self = await patchRecord(server, admin, 'customers', first.id, first.version, { name, phone, notes: '自身' })
    assert.equal(self.notes, '自身')

    const second = await createRecord(server, admin, 'customers', { name, phone, allow_duplicate: true })
    assert.notEqual(second.id, first.id)
    assert.ok(!('allow_duplicate' in second))

    // renaming into a taken name
    const third = await createRecord(server, admin, 'customers', body('customers'))
    const rename = await api(server, 'PATCH', `/api/customers/${third.id}`, { session: admin, body: { version: third.version, name } })
    assert.ok([first.id, second.id].includes(assertError(rename, 409, 'duplicate').existing_id))
    assert.deepEqual(await getRecord(server, admin, 'customers', third.id), third)
    const renamed = await patchRecord(server, admin, 'customers', third.id, third.version, { name, allow_duplicate: true })
    assert.equal(renamed.name, name)

    // records in the recycle bin are no duplicates
    const gone = await createRecord(server, admin, 'customers', body('customers'))
    assert.equal((await api(server, 'DELETE', `/api/customers/${gone.id}`, { session: admin })).status, 204)
    const again = await createRecord(server, admin, 'customers', { name: gone.name, phone: gone.phone })
    assert.notEqual(again.id, gone.id)
  })

  it('customers: one created with allow_duplicate can be edited while its name and phone stay as they are', async () => {
    // The duplicate check is for "creating (or renaming)" (docs/api.md). A form that sends the whole
    // record back, unchanged name included, must not be refused once the user chose to keep the duplicate.
    const first = await createRecord(server, admin, 'customers', body('customers'))
    const twin = await createRecord(server, admin, 'customers', { name: first.name, phone: first.phone, allow_duplicate: true })
    const res = await api(server, 'PATCH', `/api/customers/${twin.id}`, {
      session: admin,
      body: { version: twin.version, name: twin.name, phone: twin.phone, city: '天津' },
    })
    assert.equal(res.status, 200, `editing the kept duplicate: ${res.text}`)
    assert.equal(res.json.city, '天津')
    const same = await api(server, 'PATCH', `/api/customers/${first.id}`, { session: admin, body: { version: first.version, name: first.name } })
    assert.equal(same.status, 200, `sending the original's own name back: ${same.text}`)
    assert.equal(same.json.version, first.version, 'nothing changed')
  })

  it('products: a code in use is 409 conflict with fields.code = unique; restore is refused while it is taken', async () => {
    const code = `UNQ-${next()}`
    const first = await createRecord(server, admin, 'products', { code, name: '唯一编码一' })
    const before = await snapshot(server, admin, 'products')
    let e = assertError(await api(server, 'POST', '/api/products', { session: admin, body: { code, name: '唯一编码二' } }), 409, 'conflict')
    assert.deepEqual(e.fields, { code: 'unique' })
    assertError(await api(server, 'POST', '/api/products', { session: admin, body: { code: ` ${code} `, name: '唯一编码二' } }), 409, 'conflict')
    assertError(await api(server, 'POST', '/api/products', { session: admin, body: { code, name: '唯一编码二', allow_duplicate: true } }), 409, 'conflict')
    const other = await createRecord(server, admin, 'products', { code: `${code}-B`, name: '唯一编码三' })
    e = assertError(await api(server, 'PATCH', `/api/products/${other.id}`, { session: admin, body: { version: other.version, code } }), 409, 'conflict')
    assert.deepEqual(e.fields, { code: 'unique' })
    assert.deepEqual(await getRecord(server, admin, 'products', other.id), other)
    const afterRefusals = await snapshot(server, admin, 'products')
    assert.deepEqual(afterRefusals.live.filter((p) => p.id !== other.id), before.live)

    // the code is free again once the product is in the recycle bin; restoring it then is 409
    assert.equal((await api(server, 'DELETE', `/api/products/${first.id}`, { session: admin })).status, 204)
    const reuse = await createRecord(server, admin, 'products', { code, name: '接手编码' })
    e = assertError(await api(server, 'POST', `/api/products/${first.id}/restore`, { session: admin }), 409, 'conflict')
    assert.deepEqual(e.fields, { code: 'unique' })
    assert.equal((await listRecords(server, admin, 'products', { deleted: 'true', 'filter[id]': String(first.id) })).total, 1, 'still in the bin')
    assert.equal((await api(server, 'DELETE', `/api/products/${reuse.id}`, { session: admin })).status, 204)
    assert.equal((await api(server, 'POST', `/api/products/${first.id}/restore`, { session: admin })).status, 200)
  })

  it('a PATCH that changes nothing keeps the version and writes no history', async () => {
    const c = await createRecord(server, admin, 'customers', { ...body('customers'), grade: 'C', tags: ['x'] })
    const h0 = await history(server, admin, 'customers', c.id)
    for (const same of [{}, { name: c.name }, { name: `  ${c.name} ` }, { grade: 'C', tags: ['x'] }, { short_name: null }, { short_name: '' }, { owner_id: admin.user.id }]) {
      const res = await api(server, 'PATCH', `/api/customers/${c.id}`, { session: admin, body: { version: c.version, ...same } })
      assert.equal(res.status, 200, res.text)
      assert.equal(res.json.version, c.version, `${JSON.stringify(same)} keeps the version`)
      assert.equal(res.json.updated_at, c.updated_at)
    }
    assert.deepEqual(await getRecord(server, admin, 'customers', c.id), c)
    assert.deepEqual(await history(server, admin, 'customers', c.id), h0)
    // and a real change after them still works with the same version
    const changed = await patchRecord(server, admin, 'customers', c.id, c.version, { grade: 'D' })
    assert.equal(changed.version, c.version + 1)
    const h1 = await history(server, admin, 'customers', c.id)
    assert.equal(h1.length, h0.length + 1)
    assert.deepEqual(h1[0].changes, [{ field: 'grade', old: 'C', new: 'D' }], 'only what changed is in the entry')
  })

  it('optimistic locking: of two edits from the same version, the second is 409 and the first one stays', async () => {
    const c = await createRecord(server, admin, 'customers', body('customers'))
    const [a, b] = await Promise.all([
      api(server, 'PATCH', `/api/customers/${c.id}`, { session: admin, body: { version: c.version, city: '广州' } }),
      api(server, 'PATCH', `/api/customers/${c.id}`, { session: admin, body: { version: c.version, city: '深圳' } }),
    ])
    const statuses = [a.status, b.status].sort()
    assert.deepEqual(statuses, [200, 409], `${a.text} / ${b.text}`)
    const [won, lost] = a.status === 200 ? [a, b] : [b, a]
    assertError(lost, 409, 'conflict')
    const now = await getRecord(server, admin, 'customers', c.id)
    assert.equal(now.city, won.json.city)
    assert.equal(now.version, c.version + 1)
    const retry = await patchRecord(server, admin, 'customers', c.id, now.version, { city: '珠海' })
    assert.equal(retry.version, c.version + 2)
  })

  it('concurrent edits: every 409 carries current_version, and exactly one edit per version wins', async () => {
    // On PostgreSQL two requests may both pass the version check before either writes; the loser
    // then fails in the UPDATE … WHERE version = ? and answered 409 without current_version.
    let c = await createRecord(server, admin, 'customers', body('customers'))
    const missing = []
    for (let round = 0; round < 15; round++) {
      const answers = await Promise.all(
        [1, 2, 3, 4].map((k) => api(server, 'PATCH', `/api/customers/${c.id}`, { session: admin, body: { version: c.version, city: `城${round}-${k}` } })),
      )
      assert.equal(answers.filter((x) => x.status === 200).length, 1, answers.map((x) => x.status).join(','))
      for (const x of answers.filter((y) => y.status !== 200)) {
        const e = assertError(x, 409, 'conflict')
        if (e.current_version !== c.version + 1) missing.push(x.text)
      }
      c = await getRecord(server, admin, 'customers', c.id)
    }
    assert.deepEqual(missing, [], `${missing.length} answers of 45 lacked the right current_version`)
  })

  it('opportunities: the probability follows the stage unless set; only 0..100', async () => {
    const o = await createRecord(server, admin, 'opportunities', { customer_id: fx.customer.id, name: '赢率', stage: 'proposal' })
    assert.equal(o.probability, 50)
    const neg = await patchRecord(server, admin, 'opportunities', o.id, o.version, { stage: 'negotiation' })
    assert.equal(neg.probability, 75)
    const own = await patchRecord(server, admin, 'opportunities', o.id, neg.version, { probability: 60 })
    assert.equal(own.probability, 60)
    assert.equal(own.stage, 'negotiation')
    const both = await patchRecord(server, admin, 'opportunities', o.id, own.version, { stage: 'won', probability: 90 })
    assert.equal(both.probability, 90, 'an explicit probability wins over the stage’s')
    const won = await patchRecord(server, admin, 'opportunities', o.id, both.version, { stage: 'lost' })
    assert.equal(won.probability, 0)
    const explicit = await createRecord(server, admin, 'opportunities', { customer_id: fx.customer.id, name: '自定赢率', stage: 'initial', probability: 33 })
    assert.equal(explicit.probability, 33)
    for (const p of [0, 100]) {
      const edge = await createRecord(server, admin, 'opportunities', { customer_id: fx.customer.id, name: `赢率${p}`, probability: p })
      assert.equal(edge.probability, p)
    }

    const before = await snapshot(server, admin, 'opportunities')
    for (const p of [101, -1, 1000]) {
      assertFieldError(
        await api(server, 'POST', '/api/opportunities', { session: admin, body: { customer_id: fx.customer.id, name: '越界', probability: p } }),
        'probability',
        'out_of_range',
        `POST probability ${p}`,
      )
      assertFieldError(
        await api(server, 'PATCH', `/api/opportunities/${o.id}`, { session: admin, body: { version: won.version, probability: p } }),
        'probability',
        'out_of_range',
        `PATCH probability ${p}`,
      )
      assertFieldError(
        await api(server, 'PATCH', `/api/opportunities/${o.id}`, { session: admin, body: { version: won.version, stage: 'proposal', probability: p } }),
        'probability',
        'out_of_range',
        `PATCH stage and probability ${p}`,
      )
    }
    assert.deepEqual(await snapshot(server, admin, 'opportunities'), before)
  })

  it('activities: the customer comes from the contact or the opportunity; without one a lead is needed', async () => {
    const c = await createRecord(server, admin, 'customers', body('customers'))
    const p = await createRecord(server, admin, 'contacts', { customer_id: c.id, name: '找客户' })
    const o = await createRecord(server, admin, 'opportunities', { customer_id: c.id, name: '找客户商机' })
    const l = await createRecord(server, admin, 'leads', { name: '只有线索' })
    const viaContact = await createRecord(server, admin, 'activities', { contact_id: p.id, subject: '经联系人' })
    assert.equal(viaContact.customer_id, c.id)
    assert.equal(viaContact._labels.customer_id, c.name)
    const viaOpp = await createRecord(server, admin, 'activities', { opportunity_id: o.id, subject: '经商机' })
    assert.equal(viaOpp.customer_id, c.id)
    const viaLead = await createRecord(server, admin, 'activities', { lead_id: l.id, subject: '经线索' })
    assert.equal(viaLead.customer_id, null)
    const explicit = await createRecord(server, admin, 'activities', { customer_id: fx.customer.id, contact_id: p.id, subject: '明确客户' })
    assert.equal(explicit.customer_id, fx.customer.id, 'a customer given is kept')

    const before = await snapshot(server, admin, 'activities')
    for (const b of [
      { subject: '无主' },
      { subject: '无主', customer_id: null },
      { subject: '无主', contact_id: 99999999 },
      { subject: '无主', opportunity_id: 99999999 },
      { subject: '无主', lead_id: '1' },
    ]) {
      assertFieldError(await api(server, 'POST', '/api/activities', { session: admin, body: b }), 'customer_id', 'required', JSON.stringify(b))
    }
    assertFieldError(
      await api(server, 'POST', '/api/activities', { session: admin, body: { subject: '坏线索', lead_id: 99999999 } }),
      'lead_id',
      'not_found',
      'a missing lead',
    )
    assert.deepEqual(await snapshot(server, admin, 'activities'), before)
  })

  it('activities: logging one moves the customer’s last_contacted_at forward (no new version, updated_at or history); a planned next follow-up is an edit (history: follow_up)', async () => {
    const c = await createRecord(server, admin, 'customers', body('customers'))
    assert.equal(c.last_contacted_at, null)
    assert.equal(c.next_follow_up_at, null)
    const created = await history(server, admin, 'customers', c.id)

    // a follow-up that plans nothing: only the derived last_contacted_at moves
    const a0 = await createRecord(server, admin, 'activities', { customer_id: c.id, subject: '第零次', occurred_at: '2026-01-20T09:00:00Z' })
    let now = await getRecord(server, admin, 'customers', c.id)
    assert.equal(now.last_contacted_at, '2026-01-20T09:00:00.000Z')
    assert.deepEqual({ ...now, last_contacted_at: null }, c, 'version, updated_at, updated_by and every other field as they were')
    assert.deepEqual(await history(server, admin, 'customers', c.id), created, 'no history entry on the customer')
    const ah = await history(server, admin, 'activities', a0.id)
    assert.deepEqual(ah.map((e) => e.action), ['create'], 'the activity has its own history')
    assert.equal(ah[0].changes.find((x) => x.field === 'customer_id').new, c.id)

    // one that plans the next follow-up: that is an edit of the customer's plan
    await createRecord(server, admin, 'activities', {
      customer_id: c.id,
      subject: '第一次',
      occurred_at: '2026-02-01T09:00:00Z',
      next_follow_up_at: '2026-02-10T09:00:00Z',
    })
    now = await getRecord(server, admin, 'customers', c.id)
    assert.equal(now.last_contacted_at, '2026-02-01T09:00:00.000Z')
    assert.equal(now.next_follow_up_at, '2026-02-10T09:00:00.000Z')
    assert.equal(now.version, c.version + 1)
    assert.ok(now.updated_at >= c.updated_at)
    let h = await history(server, admin, 'customers', c.id)
    assert.equal(h.length, created.length + 1)
    assert.equal(h[0].action, 'follow_up')
    assert.deepEqual(h[0].changes, [{ field: 'next_follow_up_at', old: null, new: '2026-02-10T09:00:00.000Z' }])

    // an older activity, logged late, does not move last_contacted_at back
    await createRecord(server, admin, 'activities', { customer_id: c.id, subject: '补录', occurred_at: '2026-01-15T09:00:00Z' })
    assert.deepEqual(await getRecord(server, admin, 'customers', c.id), now)
    assert.equal((await history(server, admin, 'customers', c.id)).length, h.length, 'no entry when nothing moved')

    // via a contact: the customer found from it moves too
    const p = await createRecord(server, admin, 'contacts', { customer_id: c.id, name: '跟进人' })
    await createRecord(server, admin, 'activities', {
      contact_id: p.id,
      subject: '第二次',
      occurred_at: '2026-03-01T09:00:00Z',
      next_follow_up_at: '2026-03-20T01:00:00Z',
    })
    const before = now
    now = await getRecord(server, admin, 'customers', c.id)
    assert.equal(now.last_contacted_at, '2026-03-01T09:00:00.000Z')
    assert.equal(now.next_follow_up_at, '2026-03-20T01:00:00.000Z')
    assert.equal(now.version, before.version + 1)
    h = await history(server, admin, 'customers', c.id)
    assert.equal(h[0].action, 'follow_up')
    assert.deepEqual(h[0].changes, [{ field: 'next_follow_up_at', old: '2026-02-10T09:00:00.000Z', new: '2026-03-20T01:00:00.000Z' }])
    assert.ok(h.every((e) => e.changes.every((x) => x.field !== 'last_contacted_at')), 'last_contacted_at is never in the history')

    // a later one without a plan: last_contacted_at moves, nothing else
    await createRecord(server, admin, 'activities', { customer_id: c.id, subject: '第三次', occurred_at: '2026-03-05T09:00:00Z' })
    const later = await getRecord(server, admin, 'customers', c.id)
    assert.deepEqual(later, { ...now, last_contacted_at: '2026-03-05T09:00:00.000Z' })
    assert.equal((await history(server, admin, 'customers', c.id)).length, h.length)
    now = later

    // a refused activity moves nothing
    const bad = await api(server, 'POST', '/api/activities', { session: admin, body: { customer_id: c.id, subject: '', occurred_at: '2027-01-01T00:00:00Z' } })
    assertFieldError(bad, 'subject', 'required', 'empty subject')
    assert.deepEqual(await getRecord(server, admin, 'customers', c.id), now)
  })

  it('activities: a follow-up on a customer in the recycle bin is refused and moves nothing', async () => {
    const c = await createRecord(server, admin, 'customers', body('customers'))
    const del = await api(server, 'DELETE', `/api/customers/${c.id}`, { session: admin })
    assert.equal(del.status, 204)
    const before = await snapshot(server, admin, 'activities')
    assertFieldError(
      await api(server, 'POST', '/api/activities', { session: admin, body: { customer_id: c.id, subject: '回收站', occurred_at: '2027-01-01T00:00:00Z' } }),
      'customer_id',
      'not_found',
      'a deleted customer',
    )
    assert.deepEqual(await snapshot(server, admin, 'activities'), before)
    const restored = await api(server, 'POST', `/api/customers/${c.id}/restore`, { session: admin })
    assert.equal(restored.status, 200)
    assert.equal(restored.json.last_contacted_at, null)
  })

  it('departments: a parent that would make a cycle is 422 cycle, and nothing changes', async () => {
    const a = await createRecord(server, admin, 'departments', { name: `环A${next()}` })
    const b = await createRecord(server, admin, 'departments', { name: `环B${next()}`, parent_id: a.id })
    const c = await createRecord(server, admin, 'departments', { name: `环C${next()}`, parent_id: b.id })
    const before = await snapshot(server, admin, 'departments')
    for (const [d, parent] of [[a, c], [a, b], [a, a], [b, c], [c, c]]) {
      const res = await api(server, 'PATCH', `/api/departments/${d.id}`, { session: admin, body: { version: d.version, parent_id: parent.id } })
      assertFieldError(res, 'parent_id', 'cycle', `${d.name} under ${parent.name}`)
    }
    assertFieldError(
      await api(server, 'PATCH', `/api/departments/${a.id}`, { session: admin, body: { version: a.version, parent_id: 99999999 } }),
      'parent_id',
      'not_found',
      'a missing parent',
    )
    assert.deepEqual(await snapshot(server, admin, 'departments'), before)
    // moving a branch elsewhere is fine
    const moved = await patchRecord(server, admin, 'departments', c.id, c.version, { parent_id: a.id })
    assert.equal(moved.parent_id, a.id)
    const top = await patchRecord(server, admin, 'departments', b.id, b.version, { parent_id: null })
    assert.equal(top.parent_id, null)
    const under = await patchRecord(server, admin, 'departments', a.id, a.version, { parent_id: b.id })
    assert.equal(under.parent_id, b.id)
  })
})

// ---------------------------------------------------------------------------------------------
// Leads: conversion
// ---------------------------------------------------------------------------------------------

describe('leads: POST /api/leads/:id/convert', () => {
  const counts = async () => ({
    customers: (await listRecords(server, admin, 'customers', { limit: '1' })).total,
    contacts: (await listRecords(server, admin, 'contacts', { limit: '1' })).total,
    opportunities: (await listRecords(server, admin, 'opportunities', { limit: '1' })).total,
  })

  it('creates customer, contact and opportunity in one go; the lead becomes converted and read-only', async () => {
    const lead = await createRecord(server, admin, 'leads', {
      name: '赵六',
      company: `转化测试${next()}有限公司`,
      title: '采购总监',
      mobile: '13912345678',
      email: 'zhao6@example.com',
      source: 'exhibition',
    })
    const before = await counts()
    const res = await api(server, 'POST', `/api/leads/${lead.id}/convert`, {
      session: admin,
      body: { opportunity: { name: '首单', amount: { amount: 50_000_000, currency: 'CNY' }, stage: 'proposal' } },
    })
    assert.equal(res.status, 200, res.text)
    const { customer, contact, opportunity } = res.json
    assert.equal(customer.name, lead.company)
    assert.equal(customer.source, 'exhibition')
    assert.equal(customer.owner_id, lead.owner_id)
    assert.equal(contact.customer_id, customer.id)
    assert.equal(contact.name, '赵六')
    assert.equal(contact.title, '采购总监')
    assert.equal(contact.mobile, '13912345678')
    assert.equal(contact.email, 'zhao6@example.com')
    assert.equal(opportunity.customer_id, customer.id)
    assert.equal(opportunity.name, '首单')
    assert.equal(opportunity.probability, 50)
    assert.deepEqual(await getRecord(server, admin, 'customers', customer.id), customer)
    assert.deepEqual(await getRecord(server, admin, 'contacts', contact.id), contact)
    assert.deepEqual(await getRecord(server, admin, 'opportunities', opportunity.id), opportunity)
    assert.deepEqual(await counts(), { customers: before.customers + 1, contacts: before.contacts + 1, opportunities: before.opportunities + 1 })

    const converted = await getRecord(server, admin, 'leads', lead.id)
    assert.equal(converted.status, 'converted')
    assert.equal(converted.customer_id, customer.id)
    assert.equal(converted.contact_id, contact.id)
    assert.equal(converted.opportunity_id, opportunity.id)
    assert.match(converted.converted_at, ISO_MS)
    assert.equal(converted._labels.customer_id, customer.name)
    const h = await history(server, admin, 'leads', lead.id)
    assert.equal(h[0].action, 'convert')
    assert.ok(h[0].changes.some((c) => c.field === 'status' && c.old === 'new' && c.new === 'converted'), JSON.stringify(h[0]))

    // read-only from now on; converting twice is 409; nothing changes
    const patch = await api(server, 'PATCH', `/api/leads/${lead.id}`, { session: admin, body: { version: converted.version, notes: '改不了' } })
    assertError(patch, 409, 'conflict')
    const twice = await api(server, 'POST', `/api/leads/${lead.id}/convert`, { session: admin, body: {} })
    assertError(twice, 409, 'conflict')
    const twiceNoBody = await api(server, 'POST', `/api/leads/${lead.id}/convert`, { session: admin })
    assertError(twiceNoBody, 409, 'conflict')
    assert.deepEqual(await getRecord(server, admin, 'leads', lead.id), converted)
    assert.deepEqual(await counts(), { customers: before.customers + 1, contacts: before.contacts + 1, opportunities: before.opportunities + 1 })
  })

  it('without a body: customer named after the company (or the person), a contact, no opportunity', async () => {
    const lead = await createRecord(server, admin, 'leads', { name: `无公司的人${next()}` })
    const before = await counts()
    const res = await api(server, 'POST', `/api/leads/${lead.id}/convert`, { session: admin })
    assert.equal(res.status, 200, res.text)
    assert.equal(res.json.customer.name, lead.name)
    assert.equal(res.json.opportunity, null)
    assert.deepEqual(await counts(), { ...before, customers: before.customers + 1, contacts: before.contacts + 1 })
    assert.equal((await getRecord(server, admin, 'leads', lead.id)).opportunity_id, null)
  })

  it('into an existing customer ("customer_id"): no new customer; overrides of the parts apply', async () => {
    const existing = await createRecord(server, admin, 'customers', body('customers'))
    const lead = await createRecord(server, admin, 'leads', { name: '并入者', company: existing.name })
    const before = await counts()
    const res = await api(server, 'POST', `/api/leads/${lead.id}/convert`, {
      session: admin,
      body: { customer_id: existing.id, contact: { title: '副总', is_primary: true } },
    })
    assert.equal(res.status, 200, res.text)
    assert.equal(res.json.customer.id, existing.id)
    assert.equal(res.json.contact.customer_id, existing.id)
    assert.equal(res.json.contact.title, '副总')
    assert.equal(res.json.contact.is_primary, true)
    assert.deepEqual(await counts(), { ...before, contacts: before.contacts + 1 })
    const contacts = await api(server, 'GET', `/api/customers/${existing.id}/contacts`, { session: admin })
    assert.deepEqual(contacts.json.data.map((c) => c.id), [res.json.contact.id])
  })

  it('a customer name already taken: 409 duplicate with existing_id, and nothing is created', async () => {
    const existing = await createRecord(server, admin, 'customers', body('customers'))
    const lead = await createRecord(server, admin, 'leads', { name: '撞名者', company: existing.name })
    const before = await counts()
    const res = await api(server, 'POST', `/api/leads/${lead.id}/convert`, { session: admin, body: { opportunity: { name: '不该有' } } })
    const e = assertError(res, 409, 'duplicate')
    assert.equal(e.existing_id, existing.id)
    assert.deepEqual(await counts(), before)
    assert.deepEqual(await getRecord(server, admin, 'leads', lead.id), lead, 'the lead is untouched')
    // the override of the customer's name resolves it
    const ok = await api(server, 'POST', `/api/leads/${lead.id}/convert`, { session: admin, body: { customer: { name: `${existing.name}（新）` } } })
    assert.equal(ok.status, 200, ok.text)
  })

  it('a failure in any part rolls back the whole conversion', async () => {
    const lead = await createRecord(server, admin, 'leads', { name: `回滚${next()}`, company: `回滚${next()}有限公司` })
    const before = await counts()
    const failures = [
      [{ contact: { email: 'not-an-email' } }, 422, 'validation_failed'],
      [{ opportunity: { stage: 'no_such_stage' } }, 422, 'validation_failed'],
      [{ opportunity: { probability: 200 } }, 422, 'validation_failed'],
      [{ customer: { grade: 'Z' } }, 422, 'validation_failed'],
      [{ customer: { bogus: 1 } }, 422, 'validation_failed'],
      [{ customer_id: 99999999 }, 404, 'not_found'],
      [{ customer_id: 'abc' }, 422, 'validation_failed'],
    ]
    for (const [b, status, code] of failures) {
      assertError(await api(server, 'POST', `/api/leads/${lead.id}/convert`, { session: admin, body: b }), status, code, JSON.stringify(b))
      assert.deepEqual(await counts(), before, `nothing created by ${JSON.stringify(b)}`)
    }
    assertError(
      await api(server, 'POST', `/api/leads/${lead.id}/convert`, { session: admin, body: '[1]', raw: true, headers: { 'content-type': 'application/json' } }),
      400,
      'bad_request',
    )
    assert.deepEqual(await getRecord(server, admin, 'leads', lead.id), lead)
    assertError(await api(server, 'POST', '/api/leads/99999999/convert', { session: admin }), 404, 'not_found')
    assert.equal((await api(server, 'DELETE', `/api/leads/${lead.id}`, { session: admin })).status, 204)
    assertError(await api(server, 'POST', `/api/leads/${lead.id}/convert`, { session: admin }), 404, 'not_found', 'a deleted lead')
    assert.deepEqual(await counts(), before)
  })

  it('status "converted" cannot be set by POST or PATCH (use_convert)', async () => {
    const before = await snapshot(server, admin, 'leads')
    assertFieldError(await api(server, 'POST', '/api/leads', { session: admin, body: { name: '假转化', status: 'converted' } }), 'status', 'use_convert', 'POST')
    const lead = fx.lead
    assertFieldError(
      await api(server, 'PATCH', `/api/leads/${lead.id}`, { session: admin, body: { version: lead.version, status: 'converted' } }),
      'status',
      'use_convert',
      'PATCH',
    )
    assert.deepEqual(await snapshot(server, admin, 'leads'), before)
  })
})

// ---------------------------------------------------------------------------------------------
// Option lists
// ---------------------------------------------------------------------------------------------

describe('option lists: /api/option-lists/:name', () => {
  let original
  let rep

  before(async () => {
    const res = await api(server, 'GET', '/api/option-lists/opportunity_stages', { session: admin })
    assert.equal(res.status, 200, res.text)
    original = res.json.options
    const user = await api(server, 'POST', '/api/users', {
      session: admin,
      body: { username: 'optrep', password: 'rep-pass-123', name: '选项销售', roles: ['sales_rep'] },
    })
    assert.equal(user.status, 201, user.text)
    rep = await login(server, 'optrep', 'rep-pass-123')
  })

  after(async () => {
    // leave the stages as they were for the rest of the file
    await api(server, 'PUT', '/api/option-lists/opportunity_stages', { session: admin, body: { options: original } })
  })

  it('GET: the stages in order with probability and closed; the sources; an unknown list is 404', async () => {
    assert.deepEqual(original.map((o) => [o.value, o.probability, o.closed ?? false]), [
      ['initial', 10, false],
      ['needs_analysis', 25, false],
      ['proposal', 50, false],
      ['negotiation', 75, false],
      ['won', 100, true],
      ['lost', 0, true],
    ])
    assert.deepEqual(original[0].label, { 'zh-CN': '初步接触', en: 'Initial contact' })
    const sources = await api(server, 'GET', '/api/option-lists/sources', { session: rep })
    assert.equal(sources.status, 200, sources.text)
    assert.equal(sources.json.name, 'sources')
    assert.ok(sources.json.options.some((o) => o.value === 'website'))
    assertError(await api(server, 'GET', '/api/option-lists/nope', { session: admin }), 404, 'not_found')
    assertError(await api(server, 'GET', '/api/option-lists/opportunity_stages'), 401, 'unauthenticated')
  })

  it('PUT: admins only (403 for a sales rep); bad items 422; nothing changes', async () => {
    const good = { options: [{ value: 'x', label: { 'zh-CN': '某', en: 'X' } }] }
    assertError(await api(server, 'PUT', '/api/option-lists/opportunity_stages', { session: rep, body: good }), 403, 'forbidden')
    const label = { 'zh-CN': '阶段', en: 'Stage' }
    const bad = [
      {},
      { options: [] },
      { options: 'initial' },
      { options: {} },
      { options: [{ label }] },
      { options: [{ value: '', label }] },
      { options: [{ value: 7, label }] },
      { options: [{ value: 'v'.repeat(51), label }] },
      { options: [{ value: 'a' }] },
      { options: [{ value: 'a', label: { 'zh-CN': '甲' } }] },
      { options: [{ value: 'a', label: { en: 'A' } }] },
      { options: [{ value: 'a', label: 'A' }] },
      { options: [{ value: 'a', label }, { value: 'a', label }] },
      { options: ['a'] },
      { options: Array.from({ length: 101 }, (_, i) => ({ value: `s${i}`, label })) },
    ]
    for (const b of bad) {
      const res = await api(server, 'PUT', '/api/option-lists/opportunity_stages', { session: admin, body: b })
      assertError(res, 422, 'validation_failed', JSON.stringify(b).slice(0, 80))
    }
    assertError(
      await api(server, 'PUT', '/api/option-lists/opportunity_stages', { session: admin, body: '[]', raw: true, headers: { 'content-type': 'application/json' } }),
      400,
      'bad_request',
    )
    assertError(await api(server, 'PUT', '/api/option-lists/nope', { session: admin, body: good }), 404, 'not_found')
    const now = await api(server, 'GET', '/api/option-lists/opportunity_stages', { session: admin })
    assert.deepEqual(now.json.options, original)
  })

  it('PUT: a stage’s probability must be a whole number 0..100 and closed a boolean (422), else opportunities break', async () => {
    // A stage with probability 150 is stored, and then every new opportunity in that stage is
    // refused with probability: out_of_range although the user sent no probability at all.
    const label = { 'zh-CN': '阶段', en: 'Stage' }
    for (const extra of [{ probability: 150 }, { probability: -5 }, { probability: 'high' }, { probability: 12.5 }, { closed: 'yes' }]) {
      const options = [{ value: 'initial', label, ...extra }, ...original.slice(1)]
      const res = await api(server, 'PUT', '/api/option-lists/opportunity_stages', { session: admin, body: { options } })
      const stored = res.status === 200
      if (stored) await api(server, 'PUT', '/api/option-lists/opportunity_stages', { session: admin, body: { options: original } })
      assertError(res, 422, 'validation_failed', JSON.stringify(extra))
    }
    assert.deepEqual((await api(server, 'GET', '/api/option-lists/opportunity_stages', { session: admin })).json.options, original)
  })

  it('the stages then drive validation, the probability and /api/meta', async () => {
    const kept = await createRecord(server, admin, 'opportunities', { customer_id: fx.customer.id, name: '旧阶段', stage: 'needs_analysis' })
    const stages = [
      ...original.filter((o) => o.value !== 'needs_analysis').slice(0, 1),
      { value: 'poc', label: { 'zh-CN': '样机测试', en: 'Proof of concept' }, probability: 40 },
      ...original.filter((o) => o.value !== 'needs_analysis').slice(1),
    ]
    const res = await api(server, 'PUT', '/api/option-lists/opportunity_stages', { session: admin, body: { options: stages } })
    assert.equal(res.status, 200, res.text)
    assert.deepEqual(res.json.options.map((o) => o.value), ['initial', 'poc', 'proposal', 'negotiation', 'won', 'lost'])
    assert.deepEqual((await api(server, 'GET', '/api/option-lists/opportunity_stages', { session: admin })).json.options, res.json.options)

    const meta = (await api(server, 'GET', '/api/meta', { session: admin })).json
    const stage = meta.entities.find((e) => e.name === 'opportunities').fields.find((f) => f.name === 'stage')
    assert.deepEqual(stage.options.map((o) => o.value), ['initial', 'poc', 'proposal', 'negotiation', 'won', 'lost'])

    const poc = await createRecord(server, admin, 'opportunities', { customer_id: fx.customer.id, name: '样机', stage: 'poc' })
    assert.equal(poc.probability, 40)
    assertFieldError(
      await api(server, 'POST', '/api/opportunities', { session: admin, body: { customer_id: fx.customer.id, name: '旧', stage: 'needs_analysis' } }),
      'stage',
      'invalid_option',
      'a removed stage',
    )
    // records already in a removed stage stay readable and editable in their other fields
    const still = await getRecord(server, admin, 'opportunities', kept.id)
    assert.equal(still.stage, 'needs_analysis')
    const edited = await patchRecord(server, admin, 'opportunities', kept.id, still.version, { notes: '阶段已下线' })
    assert.equal(edited.notes, '阶段已下线')
    const moved = await patchRecord(server, admin, 'opportunities', kept.id, edited.version, { stage: 'poc' })
    assert.equal(moved.probability, 40)
  })
})

// ---------------------------------------------------------------------------------------------
// Aggregates
// ---------------------------------------------------------------------------------------------

describe('GET /api/opportunities/aggregate', () => {
  let cust
  before(async () => {
    cust = await createRecord(server, admin, 'customers', body('customers'))
    const mk = (name, stage, amount, extra = {}) =>
      createRecord(server, admin, 'opportunities', { customer_id: cust.id, name, stage, amount: { amount, currency: 'CNY' }, ...extra })
    await mk('聚合1', 'initial', 100, { expected_close_on: '2027-01-10' })
    await mk('聚合2', 'initial', 200, { expected_close_on: '2027-01-20' })
    await mk('聚合3', 'initial', 300, { expected_close_on: '2027-02-01' })
    await mk('聚合4', 'won', 1000, { expected_close_on: '2027-02-15' })
    await mk('聚合5', 'proposal', 50)
    const gone = await mk('聚合（删除）', 'proposal', 7)
    assert.equal((await api(server, 'DELETE', `/api/opportunities/${gone.id}`, { session: admin })).status, 204)
    await createRecord(server, admin, 'opportunities', { customer_id: cust.id, name: '聚合无金额', stage: 'won' })
  })

  async function aggregate(query) {
    const res = await api(server, 'GET', '/api/opportunities/aggregate', { session: admin, query })
    assert.equal(res.status, 200, `${JSON.stringify(query)}: ${res.text}`)
    return res.json
  }

  it('group=stage&sum=amount: counts, sums and currency per stage', async () => {
    const agg = await aggregate({ group: 'stage', sum: 'amount', 'filter[customer_id]': String(cust.id) })
    assert.deepEqual(agg, {
      groups: [
        { key: 'initial', count: 3, sum: 600, currency: 'CNY' },
        { key: 'proposal', count: 1, sum: 50, currency: 'CNY' },
        { key: 'won', count: 2, sum: 1000, currency: 'CNY' },
      ],
      count: 6,
      sum: 1650,
      currency: 'CNY',
    })
  })

  it('over everything, the counts and sums match the list', async () => {
    const agg = await aggregate({ group: 'stage', sum: 'amount' })
    const all = await listAll(server, admin, 'opportunities')
    assert.equal(agg.count, all.length)
    for (const g of agg.groups) {
      const rows = all.filter((o) => o.stage === g.key)
      assert.equal(g.count, rows.length, `count of ${g.key}`)
      assert.equal(g.sum, rows.reduce((s, o) => s + (o.amount?.amount ?? 0), 0), `sum of ${g.key}`)
    }
    assert.equal(agg.sum, all.reduce((s, o) => s + (o.amount?.amount ?? 0), 0))
    assert.equal(new Set(all.map((o) => o.stage)).size, agg.groups.length)
    const plain = await aggregate({})
    assert.deepEqual(plain, { groups: [{ key: null, count: all.length }], count: all.length })
  })

  it('date buckets, references, filters and search; a second currency makes "mixed"', async () => {
    // (where the empty group goes is the next test's business)
    const byKey = (a, b) => String(a[0]).localeCompare(String(b[0]))
    const byMonth = await aggregate({ group: 'expected_close_on:month', sum: 'amount', 'filter[customer_id]': String(cust.id) })
    assert.deepEqual(byMonth.groups.map((g) => [g.key, g.count, g.sum]).sort(byKey), [['2027-01', 2, 300], ['2027-02', 2, 1300], [null, 2, 50]])
    const byYear = await aggregate({ group: 'expected_close_on:year', 'filter[customer_id]': String(cust.id) })
    assert.deepEqual(byYear.groups.map((g) => [g.key, g.count]).sort(byKey), [['2027', 4], [null, 2]])
    const byCustomer = await aggregate({ group: 'customer_id', 'filter[customer_id]': String(cust.id) })
    assert.deepEqual(byCustomer.groups, [{ key: cust.id, count: 6 }])
    const byOwner = await aggregate({ group: 'owner_id', 'filter[customer_id]': String(cust.id) })
    assert.deepEqual(byOwner.groups, [{ key: admin.user.id, count: 6 }])
    const filtered = await aggregate({ group: 'stage', sum: 'amount', 'filter[customer_id]': String(cust.id), 'filter[stage][ne]': 'won' })
    assert.equal(filtered.count, 4)
    const searched = await aggregate({ sum: 'amount', 'filter[customer_id]': String(cust.id), q: '聚合1' })
    assert.equal(searched.count, 1)
    assert.equal(searched.sum, 100)

    await createRecord(server, admin, 'opportunities', { customer_id: cust.id, name: '聚合美元', stage: 'initial', amount: { amount: 5, currency: 'USD' } })
    const mixed = await aggregate({ group: 'stage', sum: 'amount', 'filter[customer_id]': String(cust.id) })
    assert.equal(mixed.currency, 'mixed')
    assert.equal(mixed.groups.find((g) => g.key === 'initial').currency, 'mixed')
    assert.equal(mixed.groups.find((g) => g.key === 'won').currency, 'CNY')
    const customers = await api(server, 'GET', '/api/customers/aggregate', { session: admin, query: { group: 'status' } })
    assert.equal(customers.status, 200, customers.text)
    assert.equal(customers.json.count, (await listRecords(server, admin, 'customers', { limit: '1' })).total)
  })

  it('the empty group has the same place on SQLite and PostgreSQL, as have empty values in sorted lists', async () => {
    // ORDER BY puts NULL first on SQLite and last on PostgreSQL unless told; Rapport's rule
    // (docs/api.md) is that an empty value sorts as the smallest on both: first ascending,
    // last descending, and the empty group comes first.
    const byMonth = await aggregate({ group: 'expected_close_on:month', 'filter[customer_id]': String(cust.id) })
    assert.deepEqual(byMonth.groups.map((g) => g.key), [null, '2027-01', '2027-02'], 'aggregate groups')
    const list = await listRecords(server, admin, 'opportunities', { 'filter[customer_id]': String(cust.id), sort: 'expected_close_on' })
    const dates = list.data.map((o) => o.expected_close_on)
    assert.deepEqual(dates.slice(0, 2), [null, null], `sort=expected_close_on: ${JSON.stringify(dates)}`)
    const desc = await listRecords(server, admin, 'opportunities', { 'filter[customer_id]': String(cust.id), sort: '-expected_close_on' })
    const back = desc.data.map((o) => o.expected_close_on)
    assert.deepEqual(back.slice(-2), [null, null], `sort=-expected_close_on: ${JSON.stringify(back)}`)
  })

  it('deleted=true counts the recycle bin (or is refused), never the live records', async () => {
    const live = await aggregate({ 'filter[customer_id]': String(cust.id) })
    const bin = await listRecords(server, admin, 'opportunities', { deleted: 'true', 'filter[customer_id]': String(cust.id) })
    assert.ok(bin.total >= 1 && bin.total !== live.count)
    const res = await api(server, 'GET', '/api/opportunities/aggregate', { session: admin, query: { deleted: 'true', 'filter[customer_id]': String(cust.id) } })
    if (res.status === 400) return assertError(res, 400, 'bad_request')
    assert.equal(res.status, 200, res.text)
    assert.equal(res.json.count, bin.total, `aggregate?deleted=true: ${res.text}`)
  })

  it('a group or sum that is not allowed, and unknown parameters: 400', async () => {
    for (const query of [
      { group: 'nope' },
      { group: 'notes' },
      { group: 'stage:month' },
      { group: 'expected_close_on' },
      { group: 'expected_close_on:week' },
      { group: 'amount' },
      { group: 'stage;DROP TABLE opportunities' },
      { sum: 'name' },
      { sum: 'stage' },
      { sum: 'nope' },
      { sum: 'amount)); DROP TABLE opportunities; --' },
      { group: 'stage', 'filter[nope]': '1' },
      { group: 'stage', bogus: '1' },
    ]) {
      assertError(await api(server, 'GET', '/api/opportunities/aggregate', { session: admin, query }), 400, 'bad_request', JSON.stringify(query))
    }
    assertError(await api(server, 'GET', '/api/no_such_entity/aggregate', { session: admin }), 404, 'not_found')
    assert.ok((await listRecords(server, admin, 'opportunities', { limit: '1' })).total > 0, 'the table is still there')
  })
})
