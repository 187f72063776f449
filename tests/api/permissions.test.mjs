// permissions.test.mjs - the permission matrix. A company is built through the API (departments
// three levels deep, managers, reps with and without a manager, finance, service, custom roles
// with the subordinates and department scopes, a user with two roles), customers with contacts,
// opportunities and follow-ups, leads, pools and shares. Then every user calls every access path
// on every record - lists (all pages), get, patch, history, related lists, search, the global
// search, the pipeline board, aggregates, delete - and what they see must equal what
// lib/acl-model.mjs computes from the rules of docs/api.md. Also: /api/me and /api/meta, the
// hidden cost price, finance and service being read-only on sales, owners within scope, editing
// roles and custom roles.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { api, assertError, login, startServer } from './lib/server.mjs'
import { AclModel, ENTITIES } from './lib/acl-model.mjs'
import {
  USER_PASSWORD,
  createDepartments,
  createUsers,
  listAll,
  loginUsers,
  mapLimit,
  must,
  setDepartmentManagers,
  sortedIds,
} from './lib/company.mjs'

const PARALLEL = 8
const SALES = ['customers', 'contacts', 'opportunities', 'activities', 'leads']
const STAGES = ['initial', 'needs_analysis', 'proposal', 'negotiation', 'won', 'lost']
const ALL_ACTIONS = ['read', 'create', 'update', 'delete', 'export']

const DEPTS = [
  { key: 'sales', name: '销售部' },
  { key: 'north', name: '华北大区', parent: 'sales' },
  { key: 'south', name: '华南大区', parent: 'sales' },
  { key: 'beijing', name: '北京组', parent: 'north' },
  { key: 'finance', name: '财务部' },
  { key: 'service', name: '售后部' },
]

// Managers come before their reports.
const USERS = [
  { key: 'director', name: '赵总监', dept: 'sales', roles: ['sales_director'] },
  { key: 'mgrN', name: '钱经理', dept: 'north', manager: 'director', roles: ['sales_manager'] },
  { key: 'mgrS', name: '孙经理', dept: 'south', roles: ['sales_manager'] },
  { key: 'asstN', name: '李助理', dept: 'north', manager: 'mgrN', roles: ['dept_sales'] },
  { key: 'lead', name: '周组长', dept: 'beijing', manager: 'mgrN', roles: ['team_lead'] },
  { key: 'n1', name: '吴北一', dept: 'north', manager: 'mgrN', roles: ['sales_rep'] },
  { key: 'n2', name: '郑北二', dept: 'north', roles: ['sales_rep'] }, // no manager_id: 华北's manager is the superior
  { key: 'b1', name: '王京一', dept: 'beijing', roles: ['sales_rep'] }, // no manager_id: 北京组's manager (lead)
  { key: 'b2', name: '冯京二', dept: 'beijing', manager: 'lead', roles: ['sales_rep'] },
  { key: 'b3', name: '陈京三', dept: 'beijing', manager: 'b2', roles: ['sales_rep'] }, // two steps below lead
  { key: 's1', name: '褚南一', dept: 'south', manager: 'mgrS', roles: ['sales_rep'] },
  { key: 's2', name: '卫南二', dept: 'south', roles: ['sales_rep'] },
  { key: 's3', name: '蒋南三', dept: 'south', manager: 'lead', roles: ['sales_rep'] }, // reports across departments
  { key: 'fin', name: '沈会计', dept: 'finance', roles: ['finance'] },
  { key: 'svc', name: '韩客服', dept: 'service', roles: ['service'] },
  { key: 'multi', name: '杨双岗', dept: 'south', manager: 'mgrS', roles: ['sales_rep', 'finance'] },
]
const MANAGERS = { sales: 'director', north: 'mgrN', south: 'mgrS', beijing: 'lead' }
const MATRIX_USERS = ['admin', ...USERS.map((u) => u.key)]

const REGION = {
  admin: '总部', director: '总部',
  mgrN: '北方', asstN: '北方', lead: '北方', n1: '北方', n2: '北方', b1: '北方', b2: '北方', b3: '北方',
  mgrS: '南方', s1: '南方', s2: '南方', s3: '南方', multi: '南方',
}
const CUSTOMER_OWNERS = ['admin', 'director', 'mgrN', 'mgrS', 'asstN', 'lead', 'n1', 'n2', 'b1', 'b2', 'b3', 's1', 's2', 's3', 'multi']
const ONE_CUSTOMER = ['admin', 'director', 'mgrN', 'mgrS', 'asstN', 'lead'] // the others own two
const LEAD_OWNERS = ['director', 'mgrN', 'mgrS', 'asstN', 'lead', 'n1', 'n2', 'b1', 'b2', 'b3', 's1', 's2', 's3', 'multi']

// [owner, customer index, releaser]: released into the releaser's department pool
const POOLED = [['n2', 1], ['b1', 1], ['s2', 1], ['admin', 0]]
// [entity, owner, index, shared with, access]
const SHARES = [
  ['customers', 's1', 0, 'n1', 'read'],
  ['customers', 'n2', 0, 's2', 'edit'],
  ['customers', 'mgrS', 0, 'lead', 'edit'],
  ['customers', 'b3', 1, 'svc', 'read'],
  ['customers', 'b1', 0, 'multi', 'edit'],
  ['customers', 'b2', 0, 'asstN', 'read'],
  ['leads', 'n1', 0, 's1', 'read'],
  ['leads', 'b2', 0, 'n2', 'edit'],
]

// Searchable fields (see the entity declarations) - the model decides matches from these.
const SEARCHABLE = {
  customers: ['name', 'short_name', 'phone'],
  contacts: ['name', 'mobile', 'phone', 'email', 'wechat'],
  opportunities: ['name'],
  activities: ['subject', 'content'],
  leads: ['name', 'company', 'mobile', 'email'],
  products: ['code', 'name'],
  departments: ['name'],
}
const RELATIONS = {
  customers: [['contacts', 'contacts', 'customer_id'], ['opportunities', 'opportunities', 'customer_id'], ['activities', 'activities', 'customer_id']],
  contacts: [['activities', 'activities', 'contact_id']],
  opportunities: [['activities', 'activities', 'opportunity_id']],
  leads: [['activities', 'activities', 'lead_id']],
  departments: [['children', 'departments', 'parent_id']],
}

const COST_A = 7301234
const COST_A2 = 7301299
const COST_B = 6402345

function customRoleGrants(scope) {
  const grants = {}
  for (const e of SALES) grants[e] = { actions: ALL_ACTIONS, scope }
  grants.products = { actions: ['read'], scope: 'all' }
  grants.departments = { actions: ['read'], scope: 'all' }
  return grants
}

const CUSTOM_ROLES = [
  { name: 'team_lead', label: { 'zh-CN': '组长', en: 'Team lead' }, grants: customRoleGrants('subordinates'), field_rules: {} },
  {
    name: 'dept_sales',
    label: { 'zh-CN': '部门销售', en: 'Department sales' },
    grants: customRoleGrants('department'),
    field_rules: { 'products.cost_price': 'hidden' },
  },
]

const ids = (records) => sortedIds(records.map((r) => r.id))

function matches(entity, rec, term) {
  const t = term.toLowerCase()
  return SEARCHABLE[entity].some((f) => typeof rec[f] === 'string' && rec[f].toLowerCase().includes(t))
}

/** Fails with every mismatch at once (the first 40), so one run shows the whole picture. */
function noMismatches(list, what) {
  assert.ok(list.length === 0, `${what}: ${list.length} mismatches\n  ${list.slice(0, 40).join('\n  ')}`)
}

describe('permissions', () => {
  let server
  let admin
  let model
  const S = {} // sessions by user key
  let U = {} // users by key (admin included)
  let D = {} // departments by key
  const C = {} // customers by `${owner}#${i}`
  const L = {} // leads by owner
  const P = {} // products by code
  let rolesAtStart = {}

  const uid = (key) => U[key].id
  const call = (key, method, path, opts = {}) => api(server, method, path, { session: S[key], ...opts })
  const adminCall = (method, path, body) => api(server, method, path, { session: admin, body })

  /** Refreshes the model's copy of every record from the admin's lists (versions move with follow-ups). */
  async function syncModel() {
    for (const e of Object.keys(ENTITIES)) {
      const r = await listAll(server, admin, `/api/${e}`, {}, 500)
      assert.equal(r.status, 200, r.text)
      const seen = new Set(r.records.map((x) => x.id))
      for (const rec of r.records) model.add(e, rec)
      for (const rec of model.all(e)) if (!seen.has(rec.id)) model.remove(e, rec.id)
    }
  }

  before(async () => {
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '86400' } })
    admin = await login(server)
    S.admin = admin

    for (const role of CUSTOM_ROLES) await must(adminCall('POST', '/api/roles', role), 201, `role ${role.name}`)
    D = await createDepartments(server, admin, DEPTS)
    U = await createUsers(server, admin, D, USERS)
    await setDepartmentManagers(server, admin, D, U, MANAGERS)
    Object.assign(S, await loginUsers(server, U))
    U.admin = { ...admin.user, key: 'admin' }

    // customers, each with a contact, one or two opportunities and a follow-up
    let n = 0
    const others = USERS.map((u) => u.key)
    for (const owner of CUSTOMER_OWNERS) {
      const count = ONE_CUSTOMER.includes(owner) ? 1 : 2
      for (let i = 0; i < count; i++, n++) {
        const c = await must(
          adminCall('POST', '/api/customers', {
            name: `矩阵客户${REGION[owner]}${owner}号${i}`,
            owner_id: uid(owner),
            grade: 'ABCD'[n % 4],
            status: n % 5 === 4 ? 'deal' : 'potential',
            phone: `010-8800${String(n).padStart(4, '0')}`,
          }),
          201,
        )
        C[`${owner}#${i}`] = c
        // every third contact is owned by someone else: contacts follow their customer, not their owner
        const contactOwner = n % 3 === 2 ? others[(n + 5) % others.length] : owner
        const contact = await must(
          adminCall('POST', '/api/contacts', {
            customer_id: c.id,
            name: `矩阵联系人${owner}${i}`,
            mobile: `1380000${String(n).padStart(4, '0')}`,
            owner_id: uid(contactOwner),
          }),
          201,
        )
        const opps = []
        for (let j = 0; j < 1 + (n % 2); j++) {
          opps.push(
            await must(
              adminCall('POST', '/api/opportunities', {
                customer_id: c.id,
                name: `矩阵商机${owner}${i}-${j}`,
                stage: STAGES[(n + j) % STAGES.length],
                amount: { amount: 100_000 * (n + 1) + j, currency: 'CNY' },
                owner_id: uid(n % 4 === 1 ? others[(n + 3) % others.length] : owner),
              }),
              201,
            ),
          )
        }
        const act = { type: 'call', subject: `矩阵跟进${owner}${i}`, customer_id: c.id, owner_id: uid(n % 4 === 3 ? others[(n + 7) % others.length] : owner) }
        if (n % 2 === 0) act.contact_id = contact.id
        if (n % 3 === 0) act.opportunity_id = opps[0].id
        await must(adminCall('POST', '/api/activities', act), 201)
      }
    }
    // leads, two of them with a follow-up of their own (no customer: it falls back to its owner)
    let m = 0
    for (const owner of LEAD_OWNERS) {
      L[owner] = await must(
        adminCall('POST', '/api/leads', { name: `矩阵线索${owner}`, company: `矩阵公司${owner}`, mobile: `1390000${String(m++).padStart(4, '0')}`, owner_id: uid(owner) }),
        201,
      )
    }
    for (const owner of ['n1', 'b2']) {
      await must(adminCall('POST', '/api/activities', { type: 'note', subject: `矩阵线索跟进${owner}`, lead_id: L[owner].id, owner_id: uid(owner) }), 201)
    }
    // products, one with a changed cost price (so its history holds cost prices)
    P.a = await must(adminCall('POST', '/api/products', { code: 'MX-001', name: '矩阵产品甲', list_price: 9_900_000, cost_price: COST_A }), 201)
    P.b = await must(adminCall('POST', '/api/products', { code: 'MX-002', name: '矩阵产品乙', list_price: 8_800_000, cost_price: COST_B }), 201)
    P.a = await must(adminCall('PATCH', `/api/products/${P.a.id}`, { version: P.a.version, cost_price: COST_A2 }), 200)

    // pools: released by their owners into their departments' pools; the admin's has no department
    for (const [owner, i] of POOLED) {
      const c = C[`${owner}#${i}`]
      const released = await must(call(owner, 'POST', `/api/customers/${c.id}/release`), 200, `release ${owner}#${i}`)
      assert.equal(released.owner_id, null)
      assert.equal(released.pool_department_id, owner === 'admin' ? null : U[owner].department_id)
    }

    // the model: roles, users and departments as the server has them, then every record
    const roles = (await must(adminCall('GET', '/api/roles'), 200)).data
    rolesAtStart = Object.fromEntries(roles.map((r) => [r.name, r]))
    const users = (await listAll(server, admin, '/api/users', {}, 500)).records
    const departments = (await listAll(server, admin, '/api/departments', {}, 500)).records
    model = new AclModel({ roles, users, departments })
    for (const [entity, owner, i, withKey, access] of SHARES) {
      const rec = entity === 'customers' ? C[`${owner}#${i}`] : L[owner]
      await must(adminCall('POST', `/api/${entity}/${rec.id}/shares`, { user_id: uid(withKey), access }), 200, `share ${entity} ${rec.id}`)
      model.share(entity, rec.id, uid(withKey), access)
    }
    await syncModel()
  })

  after(async () => {
    await server?.stop()
  })

  it('the company is as planned (a sanity check of the model itself)', () => {
    assert.equal(model.all('customers').length, CUSTOMER_OWNERS.length * 2 - ONE_CUSTOMER.length)
    assert.equal(model.all('customers').filter((c) => c.owner_id == null).length, POOLED.length)
    // the scopes differ from each other on this data
    const count = (key) => model.visibleRecords(uid(key), 'customers').length
    assert.ok(count('n1') < count('asstN') && count('asstN') < count('mgrN') && count('mgrN') < count('director'))
    assert.deepEqual(
      [...model.owners(uid('lead'), 'subordinates')].sort((a, b) => a - b),
      ['lead', 'b1', 'b2', 'b3', 's3'].map(uid).sort((a, b) => a - b),
    )
    assert.ok(model.owners(uid('mgrN'), 'subordinates').has(uid('n2')), 'a department manager is the superior of members without a manager')
    assert.deepEqual([...model.pools(uid('mgrN'))].sort(), [D.north.id, D.beijing.id].sort())
    // a few users' customers spelled out by hand, so the model is checked by something other than itself
    const cust = (...keys) => sortedIds(keys.map((k) => C[k].id))
    const sees = (key) => ids(model.visibleRecords(uid(key), 'customers'))
    assert.deepEqual(sees('n1'), cust('n1#0', 'n1#1', 's1#0', 'n2#1')) // own, read share, 华北 pool
    assert.deepEqual(sees('s2'), cust('s2#0', 's2#1', 'n2#0')) // own, its own release in 华南's pool, edit share
    assert.deepEqual(sees('b1'), cust('b1#0', 'b1#1')) // 北京组's pool, not 华北's
    // subordinates: b1 (北京组 without a manager), b2, b3 (via b2), s3 (another department); an edit share; 北京组's pool
    assert.deepEqual(sees('lead'), cust('lead#0', 'b1#0', 'b1#1', 'b2#0', 'b2#1', 'b3#0', 'b3#1', 's3#0', 's3#1', 'mgrS#0'))
    // department: 华北's members only (not 北京组 below), a read share, 华北's pool
    assert.deepEqual(sees('asstN'), cust('asstN#0', 'mgrN#0', 'n1#0', 'n1#1', 'n2#0', 'n2#1', 'b2#0'))
    assert.equal(sees('svc').length, model.all('customers').length)
    assert.ok(!model.writable(uid('n1'), 'customers', C['s1#0']), 'a read share')
    assert.ok(model.writable(uid('s2'), 'customers', C['n2#0']), 'an edit share')
    assert.ok(!model.writable(uid('n1'), 'customers', model.get('customers', C['n2#1'].id)), 'the pool is not editable')
  })

  describe('every user, every record', () => {
    for (const key of MATRIX_USERS) {
      describe(key, () => {
        it('lists: exactly the records in scope, on every page, with the right totals', async () => {
          const me = uid(key)
          const problems = []
          for (const e of Object.keys(ENTITIES)) {
            const r = await listAll(server, S[key], `/api/${e}`, {}, 7)
            if (!model.can(me, e)) {
              if (r.status !== 403 || r.error?.error?.code !== 'forbidden') problems.push(`${e}: want 403 forbidden, got ${r.status} ${r.text ?? ''}`)
              continue
            }
            if (r.status !== 200) {
              problems.push(`${e}: ${r.status} ${r.text}`)
              continue
            }
            const want = ids(model.visibleRecords(me, e))
            const got = ids(r.records)
            if (new Set(got).size !== got.length) problems.push(`${e}: a record on two pages`)
            if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${e}: got ${got} want ${want}`)
            for (const t of r.totals) if (t !== want.length) problems.push(`${e}: total ${t}, want ${want.length}`)
          }
          // the pool list
          if (model.can(me, 'customers')) {
            const r = await listAll(server, S[key], '/api/customers', { 'filter[owner_id][null]': 'true' }, 50)
            const want = ids(model.visibleRecords(me, 'customers').filter((c) => c.owner_id == null))
            assert.equal(r.status, 200, r.text)
            if (JSON.stringify(ids(r.records)) !== JSON.stringify(want)) problems.push(`pool: got ${ids(r.records)} want ${want}`)
          }
          noMismatches(problems, `${key} lists`)
        })

        it('get: 200 in scope, 404 (exactly like a missing record) otherwise', async () => {
          const me = uid(key)
          const jobs = Object.keys(ENTITIES).flatMap((e) => model.all(e).map((rec) => [e, rec]))
          const problems = []
          const missing = {}
          for (const e of Object.keys(ENTITIES)) missing[e] = (await call(key, 'GET', `/api/${e}/999999`)).text
          await mapLimit(jobs, PARALLEL, async ([e, rec]) => {
            const res = await call(key, 'GET', `/api/${e}/${rec.id}`)
            const want = model.visible(me, e, rec) ? 200 : 404
            if (res.status !== want) problems.push(`${e} ${rec.id} (owner ${rec.owner_id}): ${res.status}, want ${want}`)
            else if (want === 200 && res.json.id !== rec.id) problems.push(`${e} ${rec.id}: wrong record`)
            else if (want === 404 && res.text !== missing[e]) problems.push(`${e} ${rec.id}: the 404 differs from a missing record's: ${res.text} vs ${missing[e]}`)
          })
          noMismatches(problems, `${key} get`)
        })

        it('patch: allowed within the write scope (own, team, edit shares), 404 otherwise', async () => {
          const me = uid(key)
          const jobs = Object.keys(ENTITIES).flatMap((e) => model.all(e).map((rec) => [e, rec]))
          const problems = []
          await mapLimit(jobs, PARALLEL, async ([e, rec]) => {
            const title = ENTITIES[e].title
            // a PATCH that changes nothing: checked like any other, and leaves the data as it is
            const res = await call(key, 'PATCH', `/api/${e}/${rec.id}`, { body: { version: rec.version, [title]: rec[title] } })
            const allowed = model.writable(me, e, rec, 'update')
            if (allowed && res.status !== 200) problems.push(`${e} ${rec.id} (owner ${rec.owner_id}): ${res.status} ${res.text}, want 200`)
            if (!allowed) {
              const ok = model.can(me, e, 'update') ? [404] : [403, 404]
              if (!ok.includes(res.status)) problems.push(`${e} ${rec.id} (owner ${rec.owner_id}): ${res.status}, want ${ok.join('/')}`)
            }
            if (res.status === 200 && res.json.version !== rec.version) problems.push(`${e} ${rec.id}: a no-op PATCH moved the version`)
          })
          noMismatches(problems, `${key} patch`)
        })

        it('history: 200 in scope, 404 otherwise', async () => {
          const me = uid(key)
          const jobs = Object.keys(ENTITIES).flatMap((e) => model.all(e).map((rec) => [e, rec]))
          const problems = []
          await mapLimit(jobs, PARALLEL, async ([e, rec]) => {
            const res = await call(key, 'GET', `/api/${e}/${rec.id}/history`)
            const want = model.visible(me, e, rec) ? 200 : 404
            if (res.status !== want) problems.push(`${e} ${rec.id}: ${res.status}, want ${want}`)
            else if (want === 200 && !(Array.isArray(res.json.data) && res.json.data.some((h) => h.action === 'create')))
              problems.push(`${e} ${rec.id}: no create entry in ${res.text}`)
          })
          noMismatches(problems, `${key} history`)
        })

        it('related lists: only children in scope; 404 for a parent out of scope, 403 for a child entity without read', async () => {
          const me = uid(key)
          const jobs = []
          for (const [e, rels] of Object.entries(RELATIONS)) for (const rec of model.all(e)) for (const rel of rels) jobs.push([e, rec, ...rel])
          const problems = []
          await mapLimit(jobs, PARALLEL, async ([e, rec, rel, target, field]) => {
            const res = await call(key, 'GET', `/api/${e}/${rec.id}/${rel}`, { query: { limit: '500' } })
            const path = `${e}/${rec.id}/${rel}`
            if (!model.visible(me, e, rec)) {
              if (res.status !== 404) problems.push(`${path}: ${res.status}, want 404`)
              return
            }
            if (!model.can(me, target)) {
              if (res.status !== 403) problems.push(`${path}: ${res.status}, want 403`)
              return
            }
            const want = ids(model.all(target).filter((x) => x[field] === rec.id && model.visible(me, target, x)))
            if (res.status !== 200) problems.push(`${path}: ${res.status} ${res.text}`)
            else if (JSON.stringify(ids(res.json.data)) !== JSON.stringify(want) || res.json.total !== want.length)
              problems.push(`${path}: got ${ids(res.json.data)} (total ${res.json.total}) want ${want}`)
          })
          noMismatches(problems, `${key} related`)
        })

        it('search (q=) and the global search find only records in scope', async () => {
          const me = uid(key)
          const problems = []
          for (const term of ['矩阵', '北方', '南方']) {
            for (const e of Object.keys(ENTITIES)) {
              const r = await listAll(server, S[key], `/api/${e}`, { q: term }, 50)
              if (!model.can(me, e)) {
                if (r.status !== 403) problems.push(`${e}?q=${term}: ${r.status}, want 403`)
                continue
              }
              const want = ids(model.visibleRecords(me, e).filter((x) => matches(e, x, term)))
              if (r.status !== 200) problems.push(`${e}?q=${term}: ${r.status} ${r.text}`)
              else if (JSON.stringify(ids(r.records)) !== JSON.stringify(want) || r.totals[0] !== want.length)
                problems.push(`${e}?q=${term}: got ${ids(r.records)} (total ${r.totals[0]}) want ${want}`)
            }
            const res = await call(key, 'GET', '/api/search', { query: { q: term } })
            if (res.status !== 200) {
              problems.push(`/api/search?q=${term}: ${res.status} ${res.text}`)
              continue
            }
            const got = Object.fromEntries(res.json.results.map((g) => [g.entity, g]))
            for (const e of Object.keys(ENTITIES)) {
              const want = model.can(me, e) ? model.visibleRecords(me, e).filter((x) => matches(e, x, term)) : []
              const g = got[e]
              if (!want.length) {
                if (g) problems.push(`/api/search?q=${term}: ${e} present (${g.total}), want absent`)
                continue
              }
              if (!g) {
                problems.push(`/api/search?q=${term}: ${e} absent, want ${want.length}`)
                continue
              }
              const wantIds = new Set(want.map((x) => x.id))
              if (g.total !== want.length) problems.push(`/api/search?q=${term}: ${e} total ${g.total}, want ${want.length}`)
              if (g.data.length !== Math.min(10, want.length)) problems.push(`/api/search?q=${term}: ${e} ${g.data.length} shown`)
              for (const x of g.data) if (!wantIds.has(x.id)) problems.push(`/api/search?q=${term}: ${e} ${x.id} is out of scope`)
            }
            for (const e of Object.keys(got)) if (!ENTITIES[e]) problems.push(`/api/search?q=${term}: unexpected entity ${e}`)
          }
          noMismatches(problems, `${key} search`)
        })

        it('the pipeline board and the aggregates count only records in scope', async () => {
          const me = uid(key)
          const problems = []
          if (!model.can(me, 'opportunities')) {
            assertError(await call(key, 'GET', '/api/opportunities/aggregate', { query: { group: 'stage' } }), 403, 'forbidden')
            assertError(await call(key, 'GET', '/api/opportunities', { query: { 'filter[stage]': 'won' } }), 403, 'forbidden')
          } else {
            const opps = model.visibleRecords(me, 'opportunities')
            for (const stage of STAGES) {
              const r = await listAll(server, S[key], '/api/opportunities', { 'filter[stage]': stage }, 50)
              const want = ids(opps.filter((o) => o.stage === stage))
              if (JSON.stringify(ids(r.records)) !== JSON.stringify(want)) problems.push(`board ${stage}: got ${ids(r.records)} want ${want}`)
            }
            const agg = await must(call(key, 'GET', '/api/opportunities/aggregate', { query: { group: 'stage', sum: 'amount' } }), 200)
            const want = {}
            for (const o of opps) {
              want[o.stage] ??= { count: 0, sum: 0 }
              want[o.stage].count++
              want[o.stage].sum += o.amount.amount
            }
            const got = Object.fromEntries(agg.groups.map((g) => [g.key, { count: g.count, sum: g.sum }]))
            if (JSON.stringify(Object.entries(got).sort()) !== JSON.stringify(Object.entries(want).sort()))
              problems.push(`aggregate by stage: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`)
            if (agg.count !== opps.length) problems.push(`aggregate count ${agg.count}, want ${opps.length}`)
            if (agg.sum !== opps.reduce((s, o) => s + o.amount.amount, 0)) problems.push(`aggregate sum ${agg.sum}`)
          }
          if (model.can(me, 'customers')) {
            const agg = await must(call(key, 'GET', '/api/customers/aggregate', { query: { group: 'owner_id' } }), 200)
            const want = {}
            for (const c of model.visibleRecords(me, 'customers')) want[c.owner_id] = (want[c.owner_id] ?? 0) + 1
            const got = Object.fromEntries(agg.groups.map((g) => [g.key, g.count]))
            if (JSON.stringify(Object.entries(got).sort()) !== JSON.stringify(Object.entries(want).sort()))
              problems.push(`customers by owner: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`)
          }
          if (model.can(me, 'activities')) {
            const agg = await must(call(key, 'GET', '/api/activities/aggregate', { query: { group: 'customer_id' } }), 200)
            const acts = model.visibleRecords(me, 'activities')
            if (agg.count !== acts.length) problems.push(`activities aggregate count ${agg.count}, want ${acts.length}`)
          }
          noMismatches(problems, `${key} board and aggregates`)
        })
      })
    }
  })

  describe('/api/me and /api/meta', () => {
    it('/api/me: the permissions of each user are those of their roles (widest grant per entity)', async () => {
      const names = Object.keys(rolesAtStart.admin.grants)
      for (const key of MATRIX_USERS) {
        const me = await must(call(key, 'GET', '/api/me'), 200)
        assert.equal(me.user.id, uid(key))
        assert.deepEqual(me.permissions, model.permissions(uid(key), names), key)
        if (key !== 'admin') assert.deepEqual(me.user.roles, U[key].roles)
        assert.equal(me.user.department_id ?? null, U[key].department_id ?? null)
      }
    })

    it('/api/meta: exactly the readable entities, with the actions each user has', async () => {
      for (const key of MATRIX_USERS) {
        const meta = await must(call(key, 'GET', '/api/meta'), 200)
        const me = uid(key)
        const names = meta.entities.map((e) => e.name)
        const readable = Object.keys(rolesAtStart.admin.grants).filter((e) => model.can(me, e))
        assert.deepEqual([...names].sort(), [...readable].sort(), key)
        for (const ent of meta.entities) {
          assert.deepEqual(
            ent.permissions,
            { create: model.can(me, ent.name, 'create'), update: model.can(me, ent.name, 'update'), delete: model.can(me, ent.name, 'delete'), export: model.can(me, ent.name, 'export') },
            `${key} ${ent.name}`,
          )
          for (const r of ent.relations) assert.ok(names.includes(r.entity), `${key}: relation ${ent.name}.${r.name} to an unreadable entity`)
        }
      }
    })

    it('entities a role has no grant for: list 403, get 404, absent from meta and the global search', async () => {
      for (const [key, missing] of [['fin', ['leads', 'activities']], ['svc', ['leads', 'activities', 'opportunities']]]) {
        const meta = await must(call(key, 'GET', '/api/meta'), 200)
        for (const e of missing) {
          assertError(await call(key, 'GET', `/api/${e}`), 403, 'forbidden', `${key} ${e}`)
          assertError(await call(key, 'GET', `/api/${e}/aggregate`), 403, 'forbidden', `${key} ${e}`)
          assertError(await call(key, 'POST', `/api/${e}`, { body: { name: 'x' } }), 403, 'forbidden', `${key} ${e}`)
          assertError(await call(key, 'GET', `/api/${e}/${model.all(e)[0].id}`), 404, 'not_found', `${key} ${e}`)
          assert.ok(!meta.entities.some((x) => x.name === e), `${key}: ${e} in meta`)
        }
        const found = await must(call(key, 'GET', '/api/search', { query: { q: '矩阵' } }), 200)
        for (const e of missing) assert.ok(!found.results.some((g) => g.entity === e), `${key}: ${e} in search`)
      }
    })
  })

  describe('the product cost price', () => {
    const hiddenFor = ['n1', 's1', 'svc', 'asstN']
    const shownFor = ['admin', 'director', 'mgrN', 'fin', 'multi', 'lead']

    it('follows the field rules: hidden where every role granting products hides it', () => {
      for (const key of hiddenFor) assert.ok(model.hidden(uid(key), 'products', 'cost_price'), key)
      for (const key of shownFor) assert.ok(!model.hidden(uid(key), 'products', 'cost_price'), key)
    })

    it('never appears for sales reps and service: list, get, history, search, aggregate, meta', async () => {
      const secrets = [COST_A, COST_A2, COST_B].map(String)
      const leaks = (text) => secrets.filter((s) => text.includes(s))
      for (const key of hiddenFor) {
        const answers = [
          await call(key, 'GET', '/api/products'),
          await call(key, 'GET', `/api/products/${P.a.id}`),
          await call(key, 'GET', `/api/products/${P.a.id}/history`),
          await call(key, 'GET', `/api/products/${P.b.id}/history`),
          await call(key, 'GET', '/api/products', { query: { q: '矩阵产品' } }),
          await call(key, 'GET', '/api/search', { query: { q: '矩阵产品' } }),
          await call(key, 'GET', '/api/products/aggregate', { query: { group: 'active', sum: 'list_price' } }),
          await call(key, 'GET', '/api/meta'),
        ]
        for (const res of answers) {
          assert.equal(res.status, 200, `${key}: ${res.text}`)
          assert.deepEqual(leaks(res.text), [], `${key}: cost price in ${res.text.slice(0, 300)}`)
          assert.ok(!res.text.includes('cost_price'), `${key}: the field cost_price shows in ${res.text.slice(0, 300)}`)
        }
        const list = answers[0].json.data
        assert.equal(list.length, 2)
        for (const p of list) assert.ok(!('cost_price' in p) && 'list_price' in p, key)
        const history = answers[2].json.data
        assert.ok(history.length >= 2, 'the create and the update are listed')
        for (const h of history) for (const c of h.changes) assert.notEqual(c.field, 'cost_price')
      }
      // others see it
      for (const key of shownFor) {
        const p = await must(call(key, 'GET', `/api/products/${P.a.id}`), 200)
        assert.deepEqual(p.cost_price, { amount: COST_A2, currency: 'CNY' }, key)
        const meta = await must(call(key, 'GET', '/api/meta'), 200)
        assert.ok(meta.entities.find((e) => e.name === 'products').fields.some((f) => f.name === 'cost_price'), key)
      }
    })

    it('cannot be filtered, sorted, grouped or summed by those who may not see it (400)', async () => {
      for (const key of hiddenFor) {
        for (const query of [
          { 'filter[cost_price]': String(COST_B) },
          { 'filter[cost_price][gt]': '0' },
          { 'filter[cost_price][null]': 'false' },
          { sort: 'cost_price' },
          { sort: '-cost_price' },
        ]) {
          assertError(await call(key, 'GET', '/api/products', { query }), 400, 'bad_request', `${key} ${JSON.stringify(query)}`)
        }
        assertError(await call(key, 'GET', '/api/products/aggregate', { query: { sum: 'cost_price' } }), 400, 'bad_request', key)
        assertError(await call(key, 'GET', '/api/products/aggregate', { query: { group: 'cost_price' } }), 400, 'bad_request', key)
      }
      // a user who sees it may filter and sum by it
      const r = await must(call('fin', 'GET', '/api/products', { query: { 'filter[cost_price]': String(COST_B) } }), 200)
      assert.deepEqual(ids(r.data), [P.b.id])
      const agg = await must(call('fin', 'GET', '/api/products/aggregate', { query: { sum: 'cost_price' } }), 200)
      assert.equal(agg.sum, COST_A2 + COST_B)
    })

    it('a search for a cost value finds nothing', async () => {
      for (const key of [...hiddenFor, 'admin']) {
        for (const q of [String(COST_B), String(COST_A2).slice(0, 5)]) {
          const r = await must(call(key, 'GET', '/api/products', { query: { q } }), 200)
          assert.equal(r.total, 0, `${key} q=${q}`)
          const all = await must(call(key, 'GET', '/api/search', { query: { q } }), 200)
          assert.ok(!all.results.some((g) => g.entity === 'products'), `${key} q=${q}`)
        }
      }
    })

    it('cannot be written by whom it is hidden from, even with update rights (422 read_only)', async () => {
      // give dept_sales (cost price hidden) update rights on products for the length of the test
      const role = rolesAtStart.dept_sales
      const grants = { ...role.grants, products: { actions: ['read', 'update'], scope: 'all' } }
      await must(adminCall('PUT', '/api/roles/dept_sales', { grants }), 200)
      try {
        const p = await must(call('asstN', 'GET', `/api/products/${P.b.id}`), 200)
        const e = assertError(await call('asstN', 'PATCH', `/api/products/${P.b.id}`, { body: { version: p.version, cost_price: 1 } }), 422, 'validation_failed')
        assert.equal(e.fields.cost_price, 'read_only')
        const ok = await must(call('asstN', 'PATCH', `/api/products/${P.b.id}`, { body: { version: p.version, name: p.name } }), 200)
        assert.ok(!('cost_price' in ok))
      } finally {
        await must(adminCall('PUT', '/api/roles/dept_sales', { grants: role.grants }), 200)
      }
      const still = await must(adminCall('GET', `/api/products/${P.b.id}`), 200)
      assert.equal(still.cost_price.amount, COST_B)
    })
  })

  describe('finance and service read sales records but do not edit them', () => {
    it('finance: reads every customer, contact and opportunity; PATCH, DELETE and POST are refused', async () => {
      const c = model.get('customers', C['n1#0'].id)
      const got = await must(call('fin', 'GET', `/api/customers/${c.id}`), 200)
      assert.equal(got.name, c.name)
      const patch = await call('fin', 'PATCH', `/api/customers/${c.id}`, { body: { version: c.version, notes: '财务改的' } })
      assert.ok([403, 404].includes(patch.status), patch.text)
      assertError(patch, patch.status)
      const opp = model.all('opportunities').find((o) => o.customer_id === c.id)
      const p2 = await call('fin', 'PATCH', `/api/opportunities/${opp.id}`, { body: { version: opp.version, stage: 'won' } })
      assert.ok([403, 404].includes(p2.status), p2.text)
      const del = await call('fin', 'DELETE', `/api/customers/${c.id}`)
      assert.ok([403, 404].includes(del.status), del.text)
      assertError(await call('fin', 'POST', '/api/customers', { body: { name: '财务新建的客户' } }), 403, 'forbidden')
      assertError(await call('fin', 'POST', `/api/customers/${c.id}/release`), 404, 'not_found')
      const after = await must(adminCall('GET', `/api/customers/${c.id}`), 200)
      assert.equal(after.version, c.version, 'nothing changed')
    })

    it('service: reads customers and contacts only; no writes', async () => {
      const c = model.get('customers', C['s1#1'].id)
      await must(call('svc', 'GET', `/api/customers/${c.id}`), 200)
      const patch = await call('svc', 'PATCH', `/api/customers/${c.id}`, { body: { version: c.version, notes: '客服改的' } })
      assert.ok([403, 404].includes(patch.status), patch.text)
      const contact = model.all('contacts').find((x) => x.customer_id === c.id)
      const p2 = await call('svc', 'PATCH', `/api/contacts/${contact.id}`, { body: { version: contact.version, title: '经理' } })
      assert.ok([403, 404].includes(p2.status), p2.text)
      assertError(await call('svc', 'POST', '/api/customers', { body: { name: '客服新建的客户' } }), 403, 'forbidden')
      assertError(await call('svc', 'POST', '/api/contacts', { body: { name: '客服新建的联系人', customer_id: c.id } }), 403, 'forbidden')
      assertError(await call('svc', 'GET', `/api/customers/${c.id}/opportunities`), 403, 'forbidden')
      const meta = await must(call('svc', 'GET', '/api/meta'), 200)
      const customers = meta.entities.find((e) => e.name === 'customers')
      assert.deepEqual(customers.permissions, { create: false, update: false, delete: false, export: false })
    })
  })

  describe('owners within scope', () => {
    /** POST a customer as `key` for `ownerKey`: 201 when the model allows it, else 422 out_of_scope. */
    async function createFor(key, ownerKey) {
      const name = `矩阵新客户${key}给${ownerKey}`
      const body = { name }
      if (ownerKey) body.owner_id = uid(ownerKey)
      const res = await call(key, 'POST', '/api/customers', { body })
      const want = model.mayAssign(uid(key), 'customers', ownerKey ? uid(ownerKey) : uid(key))
      if (want) {
        assert.equal(res.status, 201, `${key} for ${ownerKey}: ${res.text}`)
        assert.equal(res.json.owner_id, ownerKey ? uid(ownerKey) : uid(key))
        model.add('customers', res.json)
      } else {
        const e = assertError(res, 422, 'validation_failed', `${key} for ${ownerKey}`)
        assert.deepEqual(e.fields, { owner_id: 'out_of_scope' })
        const none = await must(api(server, 'GET', '/api/customers', { session: admin, query: { 'filter[name]': name } }), 200)
        assert.equal(none.total, 0, 'nothing was created')
      }
      return res
    }

    it('a rep creates records for themselves only', async () => {
      assert.equal((await createFor('n1', null)).status, 201)
      assert.equal((await createFor('n1', 'n1')).status, 201)
      assert.equal((await createFor('n1', 'n2')).status, 422)
      assert.equal((await createFor('s2', 'mgrS')).status, 422)
    })

    it('a manager creates records for their team (department and below), not for other teams', async () => {
      assert.equal((await createFor('mgrN', 'n2')).status, 201)
      assert.equal((await createFor('mgrN', 'b3')).status, 201)
      assert.equal((await createFor('mgrN', 's1')).status, 422)
      assert.equal((await createFor('mgrS', 'n1')).status, 422)
      assert.equal((await createFor('mgrS', 'multi')).status, 201)
    })

    it('subordinates and department scopes bound the owners the same way', async () => {
      assert.equal((await createFor('lead', 'b3')).status, 201)
      assert.equal((await createFor('lead', 's3')).status, 201) // reports to lead from another department
      assert.equal((await createFor('lead', 'n1')).status, 422)
      assert.equal((await createFor('asstN', 'n1')).status, 201)
      assert.equal((await createFor('asstN', 'b1')).status, 422) // 北京组 is below 华北, not in it
      assert.equal((await createFor('director', 's3')).status, 201)
    })

    it('a read-only role does not widen whom one may give records to (sales_rep + finance)', async () => {
      // finance reads every customer but creates none; as a rep, multi creates for themselves only
      assert.equal((await createFor('multi', 'multi')).status, 201)
      assert.equal((await createFor('multi', 's1')).status, 422)
    })

    it('a child record needs a customer in scope (422 not_found otherwise)', async () => {
      const other = C['s1#1']
      const e = assertError(await call('n1', 'POST', '/api/contacts', { body: { name: '越权联系人', customer_id: other.id } }), 422, 'validation_failed')
      assert.equal(e.fields.customer_id, 'not_found')
      const mine = C['n1#1']
      const ok = await must(call('n1', 'POST', '/api/contacts', { body: { name: '矩阵联系人新', customer_id: mine.id } }), 201)
      model.add('contacts', ok)
    })

    it('the model follows the new records', async () => {
      await syncModel()
    })
  })

  describe('editing roles takes effect on the next request', () => {
    it('widening sales_rep to department scope: reps see their departments at once; narrowing it back undoes it', async () => {
      const original = rolesAtStart.sales_rep
      const grants = structuredClone(original.grants)
      for (const e of SALES) grants[e].scope = 'department'
      const initial = await must(call('n1', 'GET', '/api/customers', { query: { limit: '500' } }), 200)
      assert.deepEqual(ids(initial.data), ids(model.visibleRecords(uid('n1'), 'customers')))
      try {
        const saved = await must(adminCall('PUT', '/api/roles/sales_rep', { grants }), 200)
        assert.equal(saved.grants.customers.scope, 'department')
        model.setRole(saved)
        for (const key of ['n1', 'b2', 's2']) {
          const r = await must(call(key, 'GET', '/api/customers', { query: { limit: '500' } }), 200)
          assert.deepEqual(ids(r.data), ids(model.visibleRecords(uid(key), 'customers')), key)
          const me = await must(call(key, 'GET', '/api/me'), 200)
          assert.equal(me.permissions.entities.customers.scope, 'department')
        }
        assert.ok(ids(model.visibleRecords(uid('n1'), 'customers')).length > initial.data.length)
      } finally {
        const restored = await must(adminCall('PUT', '/api/roles/sales_rep', { grants: original.grants }), 200)
        model.setRole(restored)
      }
      const again = await must(call('n1', 'GET', '/api/customers', { query: { limit: '500' } }), 200)
      assert.deepEqual(ids(again.data), ids(initial.data))
    })

    it('field rules: hidden (answers, filters, search) and read_only (422) apply on the next request', async () => {
      const original = rolesAtStart.sales_rep
      const c = model.get('customers', C['n1#0'].id)
      const fresh = await must(call('n1', 'GET', `/api/customers/${c.id}`), 200)
      assert.equal(fresh.phone, c.phone)
      try {
        await must(
          adminCall('PUT', '/api/roles/sales_rep', {
            field_rules: { ...original.field_rules, 'customers.phone': 'hidden', 'customers.industry': 'read_only' },
          }),
          200,
        )
        const got = await must(call('n1', 'GET', `/api/customers/${c.id}`), 200)
        assert.ok(!('phone' in got), JSON.stringify(got))
        assert.ok(!(await call('n1', 'GET', '/api/customers')).text.includes(c.phone))
        assertError(await call('n1', 'GET', '/api/customers', { query: { 'filter[phone]': c.phone } }), 400, 'bad_request')
        const digits = c.phone.replace(/\D/g, '').slice(-8)
        const found = await must(call('n1', 'GET', '/api/customers', { query: { q: digits } }), 200)
        assert.equal(found.total, 0, 'a hidden field is no search match')
        const hist = await must(call('n1', 'GET', `/api/customers/${c.id}/history`), 200)
        assert.ok(!JSON.stringify(hist).includes(c.phone))
        const meta = await must(call('n1', 'GET', '/api/meta'), 200)
        const fields = meta.entities.find((e) => e.name === 'customers').fields
        assert.ok(!fields.some((f) => f.name === 'phone'))
        assert.equal(fields.find((f) => f.name === 'industry').read_only, true)
        const e = assertError(await call('n1', 'PATCH', `/api/customers/${c.id}`, { body: { version: got.version, industry: 'energy' } }), 422, 'validation_failed')
        assert.equal(e.fields.industry, 'read_only')
        const e2 = assertError(await call('n1', 'PATCH', `/api/customers/${c.id}`, { body: { version: got.version, phone: '010-1234' } }), 422, 'validation_failed')
        assert.equal(e2.fields.phone, 'read_only')
        // a manager (another role) still sees and changes both
        const m = await must(call('mgrN', 'GET', `/api/customers/${c.id}`), 200)
        assert.equal(m.phone, c.phone)
        const byDigits = await must(call('mgrN', 'GET', '/api/customers', { query: { q: digits } }), 200)
        assert.deepEqual(ids(byDigits.data), [c.id])
      } finally {
        await must(adminCall('PUT', '/api/roles/sales_rep', { field_rules: original.field_rules }), 200)
      }
      const back = await must(call('n1', 'GET', `/api/customers/${c.id}`), 200)
      assert.equal(back.phone, c.phone)
      const roles = (await must(adminCall('GET', '/api/roles'), 200)).data
      const rep = roles.find((r) => r.name === 'sales_rep')
      assert.deepEqual(rep.grants, original.grants)
      assert.deepEqual(rep.field_rules, original.field_rules)
    })
  })

  describe('custom roles', () => {
    it('create, assign, use; delete refused while in use (409), allowed after', async () => {
      const role = {
        name: 'auditor',
        label: { 'zh-CN': '审计', en: 'Auditor' },
        grants: { customers: { actions: ['read'], scope: 'all' }, products: { actions: ['read'], scope: 'all' } },
        field_rules: { 'products.cost_price': 'hidden' },
      }
      const created = await must(adminCall('POST', '/api/roles', role), 201)
      assert.equal(created.name, 'auditor')
      assert.equal(created.builtin, false)
      assert.equal(created.is_admin, false)
      assert.deepEqual(created.grants, role.grants)
      assertError(await adminCall('POST', '/api/roles', role), 409, 'conflict')

      const user = await must(
        adminCall('POST', '/api/users', { username: 'auditor1', password: USER_PASSWORD, name: '审计员', department_id: D.finance.id, roles: ['auditor'] }),
        201,
      )
      model.setUser(user)
      model.setRole(created)
      const s = await login(server, 'auditor1', USER_PASSWORD)
      const me = await must(api(server, 'GET', '/api/me', { session: s }), 200)
      assert.deepEqual(me.permissions, { admin: false, entities: { customers: { actions: ['read'], scope: 'all' }, products: { actions: ['read'], scope: 'all' } } })
      const list = await listAll(server, s, '/api/customers', {}, 500)
      assert.deepEqual(ids(list.records), ids(model.visibleRecords(user.id, 'customers')))
      assertError(await api(server, 'GET', '/api/contacts', { session: s }), 403, 'forbidden')
      assertError(await api(server, 'GET', '/api/departments', { session: s }), 403, 'forbidden')
      const meta = await must(api(server, 'GET', '/api/meta', { session: s }), 200)
      assert.deepEqual(meta.entities.map((e) => e.name).sort(), ['customers', 'products'])
      assert.deepEqual(meta.entities.find((e) => e.name === 'customers').relations, [], 'no relations to unreadable entities')
      const c = model.get('customers', C['b2#1'].id)
      const patch = await api(server, 'PATCH', `/api/customers/${c.id}`, { session: s, body: { version: c.version, notes: 'x' } })
      assert.ok([403, 404].includes(patch.status), patch.text)

      const inUse = assertError(await adminCall('DELETE', '/api/roles/auditor'), 409, 'conflict')
      assert.match(inUse.message, /1/)
      // giving the user another role ends their sessions; then the role can go
      await must(adminCall('PATCH', `/api/users/${user.id}`, { roles: ['service'] }), 200)
      assertError(await api(server, 'GET', '/api/me', { session: s }), 401, 'unauthenticated')
      model.setUser({ ...user, roles: ['service'] })
      const del = await adminCall('DELETE', '/api/roles/auditor')
      assert.equal(del.status, 204, del.text)
      const roles = (await must(adminCall('GET', '/api/roles'), 200)).data
      assert.ok(!roles.some((r) => r.name === 'auditor'))
      assertError(await adminCall('DELETE', '/api/roles/auditor'), 404, 'not_found')
      const e = assertError(await adminCall('PATCH', `/api/users/${user.id}`, { roles: ['auditor'] }), 422, 'validation_failed')
      assert.equal(e.fields.roles, 'invalid_option')
    })

    it('built-in roles can be edited but not deleted; non-admins may not touch roles', async () => {
      for (const name of ['admin', 'sales_rep', 'finance']) assertError(await adminCall('DELETE', `/api/roles/${name}`), 409, 'conflict', name)
      for (const key of ['director', 'n1', 'fin']) {
        assertError(await call(key, 'POST', '/api/roles', { body: { name: 'sneaky', label: { 'zh-CN': '偷', en: 'Sneaky' }, grants: {} } }), 403, 'forbidden')
        assertError(await call(key, 'PUT', '/api/roles/sales_rep', { body: { grants: { customers: { actions: ['read'], scope: 'all' } } } }), 403, 'forbidden')
        assertError(await call(key, 'DELETE', '/api/roles/team_lead'), 403, 'forbidden')
      }
      const roles = (await must(adminCall('GET', '/api/roles'), 200)).data
      assert.deepEqual(roles.find((r) => r.name === 'sales_rep').grants, rolesAtStart.sales_rep.grants)
      assert.ok(!roles.some((r) => r.name === 'sneaky'))
    })

  })

  describe('delete (last: it moves versions)', () => {
    for (const key of MATRIX_USERS) {
      it(`${key} deletes exactly what they may change; the rest answers 404 and stays`, async () => {
        const problems = []
        const me = uid(key)
        const jobs = Object.keys(ENTITIES).flatMap((e) => model.all(e).map((rec) => [e, rec]))
        await mapLimit(jobs, PARALLEL, async ([e, rec]) => {
          const allowed = model.writable(me, e, rec, 'delete')
          const res = await call(key, 'DELETE', `/api/${e}/${rec.id}`)
          if (!allowed) {
            const ok = model.can(me, e, 'delete') ? [404] : [403, 404]
            if (!ok.includes(res.status)) problems.push(`${e} ${rec.id} (owner ${rec.owner_id}): ${res.status}, want ${ok.join('/')}`)
            if (res.status === 204) await must(adminCall('POST', `/api/${e}/${rec.id}/restore`), 200) // undo, for the next user
            return
          }
          // a department with people or sub-departments stays (409) - all of this company's have some
          const inUse =
            e === 'departments' &&
            ([...model.users.values()].some((u) => u.department_id === rec.id) || [...model.departments.values()].some((d) => d.parent_id === rec.id))
          if (inUse) {
            if (res.status !== 409 || res.json?.error?.code !== 'conflict') problems.push(`${e} ${rec.id} (in use): ${res.status} ${res.text}, want 409`)
            if (res.status === 204) await must(adminCall('POST', `/api/${e}/${rec.id}/restore`), 200)
            return
          }
          if (res.status !== 204) {
            problems.push(`${e} ${rec.id} (owner ${rec.owner_id}): ${res.status} ${res.text}, want 204`)
            return
          }
          const gone = await call(key, 'GET', `/api/${e}/${rec.id}`)
          if (gone.status !== 404) problems.push(`${e} ${rec.id}: ${gone.status} after delete`)
          const back = await call(key, 'POST', `/api/${e}/${rec.id}/restore`)
          if (back.status !== 200) problems.push(`${e} ${rec.id}: restore ${back.status} ${back.text}`)
        })
        noMismatches(problems, `${key} delete`)
      })
    }

    it('nothing is left in the recycle bin', async () => {
      for (const e of Object.keys(ENTITIES)) {
        const bin = await must(adminCall('GET', `/api/${e}?deleted=true`), 200)
        assert.equal(bin.total, 0, `${e}: ${bin.total} left in the recycle bin`)
      }
    })
  })
})

// Refused and minimal role bodies on a server of their own: under the sanitizers, a leak on these
// paths is reported by the last test here instead of failing the whole permission suite.
describe('roles: refused and minimal bodies (a server of its own)', () => {
  let server
  let admin
  const adminCall = (method, path, body) => api(server, method, path, { session: admin, body })

  before(async () => {
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '86400' } })
    admin = await login(server)
  })
  after(async () => {
    await server?.stop().catch(() => {}) // reported by the last test
  })

  it('bad roles are refused with 422 naming the problem', async () => {
    const label = { 'zh-CN': '测试', en: 'Test' }
    const cases = [
      [{ name: 'X', label }, 'name'],
      [{ name: 'a', label }, 'name'],
      [{ name: 'has space', label }, 'name'],
      [{ name: 'nolabel' }, 'label'],
      [{ name: 'badent', label, grants: { planets: { actions: ['read'], scope: 'all' } } }, 'grants'],
      [{ name: 'badscope', label, grants: { customers: { actions: ['read'], scope: 'galaxy' } } }, 'grants'],
      [{ name: 'badaction', label, grants: { customers: { actions: ['fly'], scope: 'all' } } }, 'grants'],
      [{ name: 'noscope', label, grants: { customers: { actions: ['read'] } } }, 'grants'],
      [{ name: 'badrule', label, field_rules: { 'customers.phone': 'invisible' } }, 'field_rules'],
      [{ name: 'badfield', label, field_rules: { 'customers.nothing': 'hidden' } }, 'field_rules'],
    ]
    for (const [body, field] of cases) {
      const e = assertError(await adminCall('POST', '/api/roles', body), 422, 'validation_failed', JSON.stringify(body))
      assert.ok(e.fields && field in e.fields, `${JSON.stringify(body)}: ${JSON.stringify(e)}`)
    }
    assertError(await adminCall('PUT', '/api/roles/nobody_has_this', { grants: {} }), 404, 'not_found')
    const roles = (await must(adminCall('GET', '/api/roles'), 200)).data
    assert.deepEqual(roles.map((r) => r.name).sort(), ['admin', 'finance', 'sales_director', 'sales_manager', 'sales_rep', 'service'])
  })

  it('a role created without grants grants nothing; it can be deleted', async () => {
    const role = await must(adminCall('POST', '/api/roles', { name: 'nogrants', label: { 'zh-CN': '空', en: 'Empty' } }), 201)
    assert.deepEqual(role.grants, {})
    assert.deepEqual(role.field_rules, {})
    assert.equal((await adminCall('DELETE', '/api/roles/nogrants')).status, 204)
  })

  it('the server exits cleanly afterwards (no sanitizer report, e.g. a leak on these paths)', async () => {
    await server.stop()
  })
})
