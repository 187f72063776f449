// list_scope.test.mjs - the shapes of a scoped list (src/core/list.c, acl.c acl_scope_branches):
// a rep who sees the pools of three departments (one branch per pool department), a rep who sees
// ten (over eight: one branch for all of them), and a manager over 23 people (a wide scope: the
// page tests each row, the total is counted by branches). For each, every page of several
// filters and sorts must hold exactly the records in scope - own, pooled, shared, each once,
// including shares of records already in scope - in the order the admin's list has them, with
// the right total on every page.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { api, login, startServer } from './lib/server.mjs'
import { createDepartments, createUsers, listAll, loginUsers, must, setDepartmentManagers } from './lib/company.mjs'

const NINE = Array.from({ length: 9 }, (_, i) => `d${i + 1}`)
const WIDE_REPS = Array.from({ length: 22 }, (_, i) => `w${i + 1}`)

const DEPTS = [
  { key: 'hq', name: '总部销售' },
  ...NINE.map((k) => ({ key: k, name: `分部${k}`, parent: 'hq' })),
  { key: 'wide', name: '大区' },
  { key: 'wide2', name: '大区二组', parent: 'wide' },
  { key: 'other', name: '别部' },
]
const USERS = [
  { key: 'chief', name: '总部组长', dept: 'hq', roles: ['sales_rep'] }, // manages hq: pools of hq and d1..d9
  { key: 'lead3', name: '三部组长', dept: 'd1', roles: ['sales_rep'] }, // manages d2, d3: pools of d1, d2, d3
  ...NINE.map((k) => ({ key: `r${k}`, name: `代表${k}`, dept: k, roles: ['sales_rep'] })),
  { key: 'mgr', name: '大区经理', dept: 'wide', roles: ['sales_manager'] },
  ...WIDE_REPS.map((k) => ({ key: k, name: `大区代表${k}`, dept: 'wide', roles: ['sales_rep'] })),
  { key: 'w2rep', name: '二组代表', dept: 'wide2', roles: ['sales_rep'] },
  { key: 'out', name: '别部代表', dept: 'other', roles: ['sales_rep'] },
]
const MANAGERS = { hq: 'chief', d2: 'lead3', d3: 'lead3', wide: 'mgr' }
const STATUSES = ['potential', 'intent', 'deal', 'intent', 'lost']

const QUERIES = [
  {},
  { 'filter[status]': 'intent', sort: '-updated_at' },
  { 'filter[status]': 'intent', sort: 'name' },
  { 'filter[grade]': 'B', sort: '-updated_at' },
  { sort: '-grade,name' },
  { 'filter[status][in]': 'intent,deal', sort: 'updated_at' },
]

describe('scoped lists: pool branches, many pools, a wide scope', () => {
  let server
  let admin
  let D = {}
  let U = {}
  const S = {}
  const owned = {} // customer ids by owner key
  const pooled = {} // customer ids by department key
  const shared = {} // customer ids shared with a user key
  const call = (key, method, path, opts = {}) => api(server, method, path, { session: S[key], ...opts })
  const adminCall = (method, path, body) => api(server, method, path, { session: admin, body })

  before(async () => {
    // every search here is broad and dense (query.c FTS_BROAD, FTS_DENSE): the list's order drives
    // and probes the index, and the total counts from the index's matches (list.c)
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '86400', RAPPORT_FTS_BROAD_MIN: '1', RAPPORT_FTS_DENSE_MIN: '2' } })
    admin = await login(server)
    D = await createDepartments(server, admin, DEPTS)
    U = await createUsers(server, admin, D, USERS)
    await setDepartmentManagers(server, admin, D, U, MANAGERS)
    Object.assign(S, await loginUsers(server, U))
    let n = 0
    for (const u of USERS) {
      owned[u.key] = []
      const count = u.key.startsWith('w') && u.key !== 'w2rep' ? 2 : 4
      for (let i = 0; i < count; i++, n++) {
        const c = await must(
          adminCall('POST', '/api/customers', {
            name: `范围客户${u.key}号${i}`,
            owner_id: U[u.key].id,
            grade: 'ABCD'[n % 4],
            status: STATUSES[n % STATUSES.length],
            phone: `021-6600${String(n).padStart(4, '0')}`,
          }),
          201,
        )
        owned[u.key].push(c.id)
      }
    }
    // pools: the reps of d1..d9, wide and wide2 release customers into their departments' pools
    const release = async (owner, count, dept) => {
      pooled[dept] ??= []
      for (let i = 0; i < count; i++) {
        const id = owned[owner].shift()
        const c = await must(call(owner, 'POST', `/api/customers/${id}/release`), 200, `release ${owner}`)
        assert.equal(c.pool_department_id, D[dept].id)
        pooled[dept].push(id)
      }
    }
    for (const k of NINE) await release(`r${k}`, k === 'd2' ? 3 : 2, k)
    await release('chief', 2, 'hq')
    await release('w1', 1, 'wide')
    await release('w2', 1, 'wide')
    await release('w2rep', 2, 'wide2')
    await release('out', 1, 'other')
    // shares: outside the scope, and of records already in it (they must not count twice)
    const share = async (id, key, access = 'read') => {
      await must(adminCall('POST', `/api/customers/${id}/shares`, { user_id: U[key].id, access }), 200, `share ${id}`)
      ;(shared[key] ??= []).push(id)
    }
    await share(owned.out[0], 'chief')
    await share(pooled.d3[0], 'chief') // in chief's pools already
    await share(owned.rd4[0], 'chief', 'edit')
    await share(owned.rd5[0], 'lead3')
    await share(pooled.d2[1], 'lead3') // in lead3's pools already
    await share(owned.out[1], 'mgr')
    await share(owned.w5[0], 'mgr') // owned within the scope
    await share(pooled.other[0], 'mgr') // another department's pool
    await share(pooled.wide2[0], 'mgr') // a pool within the scope
  })

  after(async () => {
    await server?.stop()
  })

  const expected = {
    chief: () => [...owned.chief, ...['hq', ...NINE].flatMap((k) => pooled[k]), ...shared.chief],
    lead3: () => [...owned.lead3, ...pooled.d1, ...pooled.d2, ...pooled.d3, ...shared.lead3],
    mgr: () => [
      ...owned.mgr, ...WIDE_REPS.flatMap((k) => owned[k]), ...owned.w2rep,
      ...pooled.wide, ...pooled.wide2, ...shared.mgr,
    ],
  }

  for (const who of ['chief', 'lead3', 'mgr']) {
    it(`${who}: every page of each list holds exactly the records in scope, in the admin's order, with the right total`, async () => {
      const want = new Set(expected[who]())
      const problems = []
      for (const query of QUERIES) {
        const all = await listAll(server, admin, '/api/customers', query, 500)
        assert.equal(all.status, 200, all.text)
        const match = (r) => Object.entries(query).every(([k, v]) => {
          if (k === 'filter[status]') return r.status === v
          if (k === 'filter[grade]') return r.grade === v
          if (k === 'filter[status][in]') return v.split(',').includes(r.status)
          return true
        })
        const order = all.records.filter((r) => want.has(r.id) && match(r)).map((r) => r.id)
        assert.ok(order.length > 0, `${JSON.stringify(query)}: the case has records`)
        for (const pageSize of [3, 7, 500]) {
          const got = await listAll(server, S[who], '/api/customers', query, pageSize)
          assert.equal(got.status, 200, got.text)
          const ids = got.records.map((r) => r.id)
          const what = `${who} ${JSON.stringify(query)} by ${pageSize}`
          if (JSON.stringify(ids) !== JSON.stringify(order)) problems.push(`${what}: got ${ids} want ${order}`)
          for (const t of got.totals) if (t !== order.length) problems.push(`${what}: total ${t}, want ${order.length}`)
        }
        // a page past the end, and one that starts in the middle
        const past = await must(call(who, 'GET', '/api/customers', { query: { ...query, offset: String(order.length + 5) } }), 200)
        if (past.data.length !== 0 || past.total !== order.length) problems.push(`${who} past the end: ${past.data.length} rows, total ${past.total}`)
        const mid = await must(call(who, 'GET', '/api/customers', { query: { ...query, offset: '2', limit: '4' } }), 200)
        if (JSON.stringify(mid.data.map((r) => r.id)) !== JSON.stringify(order.slice(2, 6)) || mid.total !== order.length)
          problems.push(`${who} offset 2 limit 4: got ${mid.data.map((r) => r.id)} (total ${mid.total}) want ${order.slice(2, 6)}`)
      }
      assert.deepEqual(problems, [])
    })
  }

  // Follow-ups are read through their customer (scope_via).  The manager's scope is wide, so the
  // page walks the list's index in order and tests each row's customer (acl.c ACL_IN_ORDER):
  // exactly the follow-ups of the customers they see, plus those without a customer (on a lead)
  // owned within the scope, whatever the filter, sort and page size.
  // the follow-ups of the tests below: one on every customer, and four on leads alone
  const orphans = {}
  let followUps
  const createFollowUps = async () => {
    const types = ['call', 'visit', 'meeting']
    const all = Object.values(owned).flat().concat(Object.values(pooled).flat())
    let n = 0
    for (const id of all) {
      await must(adminCall('POST', '/api/activities', {
        customer_id: id, subject: `范围跟进${n}`, type: types[n % 3],
        occurred_at: new Date(Date.UTC(2026, 0, 1, 8, n)).toISOString(),
      }), 201, `follow-up on ${id}`)
      n++
    }
    for (const key of ['w3', 'mgr', 'out', 'chief']) {
      const lead = await must(call(key, 'POST', '/api/leads', { body: { name: `范围线索${key}` } }), 201, `lead of ${key}`)
      const a = await must(call(key, 'POST', '/api/activities', { body: {
        lead_id: lead.id, subject: `线索跟进${key}`, type: 'visit',
        occurred_at: new Date(Date.UTC(2026, 0, 2, 8, n++)).toISOString(),
      } }), 201, `lead follow-up of ${key}`)
      assert.equal(a.customer_id, null)
      orphans[key] = a.id
    }
  }
  const ensureFollowUps = () => (followUps ??= createFollowUps())
  // the follow-ups who may see: of the customers in their scope, and the lead-only ones they own
  const visibleFollowUp = (who) => {
    const customers = new Set(expected[who]())
    const own = { mgr: [orphans.w3, orphans.mgr], chief: [orphans.chief] }[who] ?? []
    return (r) => (r.customer_id === null ? own.includes(r.id) : customers.has(r.customer_id))
  }

  // mgr's scope is wide: the page walks the list's index in order and tests each row's customer
  // (acl.c ACL_IN_ORDER); chief's and lead3's are narrow: one branch per part of their customers'
  // scope joined to the follow-ups, and the follow-ups without a customer (list.c via_branches)
  for (const who of ['mgr', 'chief', 'lead3']) it(`${who}: every page of the follow-ups holds exactly those of the customers in scope, and the lead-only ones of the scope`, async () => {
    await ensureFollowUps()
    const visible = visibleFollowUp(who)
    const problems = []
    for (const query of [{}, { 'filter[type]': 'visit' }, { sort: 'occurred_at' }, { 'filter[type]': 'call', sort: 'occurred_at' }]) {
      const every = await listAll(server, admin, '/api/activities', query, 500)
      assert.equal(every.status, 200, every.text)
      const order = every.records.filter(visible).map((r) => r.id)
      assert.ok(order.length > 0 && order.length < every.records.length, `${JSON.stringify(query)}: the case has records on both sides`)
      for (const pageSize of [4, 500]) {
        const got = await listAll(server, S[who], '/api/activities', query, pageSize)
        assert.equal(got.status, 200, got.text)
        const ids = got.records.map((r) => r.id)
        const what = `${who} follow-ups ${JSON.stringify(query)} by ${pageSize}`
        if (JSON.stringify(ids) !== JSON.stringify(order)) problems.push(`${what}: got ${ids} want ${order}`)
        for (const t of got.totals) if (t !== order.length) problems.push(`${what}: total ${t}, want ${order.length}`)
      }
    }
    assert.deepEqual(problems, [])
  })

  // A word in most rows (all of them here, with the thresholds lowered above): the page walks the
  // list's order and probes the index, the total counts from the index's matches; for a narrow
  // scope through the customer (chief, lead3) the total comes from their customers' follow-ups.
  for (const who of ['mgr', 'chief', 'lead3']) {
    it(`${who}: a search for a common word holds exactly the visible matches, in the admin's order, on every page`, async () => {
      await ensureFollowUps()
      const customers = new Set(expected[who]())
      const cases = [
        ['/api/customers', { q: '范围客户' }, (r) => customers.has(r.id)],
        ['/api/customers', { q: '范围客户', sort: 'name', 'filter[status]': 'intent' }, (r) => customers.has(r.id)],
        ['/api/customers', { q: '无此客户' }, (r) => customers.has(r.id)],
        ['/api/activities', { q: '跟进' }, visibleFollowUp(who)],
        ['/api/activities', { q: '范围跟进', 'filter[type]': 'visit', sort: 'occurred_at' }, visibleFollowUp(who)],
      ]
      const problems = []
      for (const [path, query, visible] of cases) {
        const every = await listAll(server, admin, path, query, 500)
        assert.equal(every.status, 200, every.text)
        const order = every.records.filter(visible).map((r) => r.id)
        if (query.q !== '无此客户')
          assert.ok(order.length > 0 && order.length < every.records.length, `${path} ${JSON.stringify(query)}: the case has records on both sides`)
        for (const pageSize of [5, 500]) {
          const got = await listAll(server, S[who], path, query, pageSize)
          assert.equal(got.status, 200, got.text)
          const ids = got.records.map((r) => r.id)
          const what = `${who} ${path} ${JSON.stringify(query)} by ${pageSize}`
          if (JSON.stringify(ids) !== JSON.stringify(order)) problems.push(`${what}: got ${ids} want ${order}`)
          for (const t of got.totals) if (t !== order.length) problems.push(`${what}: total ${t}, want ${order.length}`)
        }
      }
      assert.deepEqual(problems, [])
    })
  }

  it('a record released into a pool joins the pool\'s viewers\' totals at once, and stays once in its old owner\'s', async () => {
    const before = await must(call('lead3', 'GET', '/api/customers', { query: { limit: '1' } }), 200)
    const mine = await must(call('rd3', 'GET', '/api/customers', { query: { limit: '1' } }), 200)
    const id = owned.rd3[0]
    await must(call('rd3', 'POST', `/api/customers/${id}/release`), 200)
    const after1 = await must(call('lead3', 'GET', '/api/customers', { query: { limit: '1' } }), 200)
    const mine1 = await must(call('rd3', 'GET', '/api/customers', { query: { limit: '1' } }), 200)
    assert.equal(after1.total, before.total + 1)
    assert.equal(mine1.total, mine.total, 'from own to the pool of their own department: still one record')
    const found = await listAll(server, S.lead3, '/api/customers', {}, 500)
    assert.ok(found.records.some((r) => r.id === id))
  })
})
