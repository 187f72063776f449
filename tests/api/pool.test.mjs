// pool.test.mjs - the customer pool (公海), transfers, sharing and the daily recycle job.
// Release and claim (history, which pools whom sees), the holding limit and the cool-down, the
// pool settings, transfers of one or many customers with what belongs to them, shares with read
// and edit access, and `rapport jobs run --at` moving time forward for the recycle job: reminders
// once a day, recycling by "no follow-up" and "not won" per grade, notifications, deals kept.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { api, assertError, login, runCli, startServer } from './lib/server.mjs'
import {
  createDepartments,
  createUsers,
  daysFromNow,
  listAll,
  loginUsers,
  must,
  runJobs,
  setDepartmentManagers,
  sortedIds,
} from './lib/company.mjs'

const DEPTS = [
  { key: 'sales', name: '销售部' },
  { key: 'north', name: '华北大区', parent: 'sales' },
  { key: 'south', name: '华南大区', parent: 'sales' },
  { key: 'beijing', name: '北京组', parent: 'north' },
  { key: 'finance', name: '财务部' },
]
const USERS = [
  { key: 'mgrN', name: '钱经理', dept: 'north', roles: ['sales_manager'] },
  { key: 'mgrS', name: '孙经理', dept: 'south', roles: ['sales_manager'] },
  { key: 'n1', name: '吴北一', dept: 'north', manager: 'mgrN', roles: ['sales_rep'] },
  { key: 'n2', name: '郑北二', dept: 'north', roles: ['sales_rep'] },
  { key: 'n3', name: '王北三', dept: 'north', manager: 'mgrN', roles: ['sales_rep'] },
  { key: 'b1', name: '冯京一', dept: 'beijing', roles: ['sales_rep'] },
  { key: 's1', name: '褚南一', dept: 'south', manager: 'mgrS', roles: ['sales_rep'] },
  { key: 's2', name: '卫南二', dept: 'south', roles: ['sales_rep'] },
  { key: 'fin', name: '沈会计', dept: 'finance', roles: ['finance'] },
]

const ids = (records) => sortedIds(records.map((r) => r.id))

describe('the customer pool, transfers, shares and the recycle job', () => {
  let server
  let admin
  let D = {}
  let U = {}
  let S = {}
  let seq = 0

  const uid = (key) => U[key].id
  const call = (key, method, path, opts = {}) => api(server, method, path, { session: key === 'admin' ? admin : S[key], ...opts })
  const adminCall = (method, path, body) => api(server, method, path, { session: admin, body })
  const get = async (id) => must(adminCall('GET', `/api/customers/${id}`), 200, `customer ${id}`)
  const history = async (entity, id) => (await must(adminCall('GET', `/api/${entity}/${id}/history`), 200)).data
  const poolIds = async (key) => ids((await listAll(server, S[key], '/api/customers', { 'filter[owner_id][null]': 'true' }, 100)).records)
  const putSettings = (body) => must(adminCall('PUT', '/api/settings/pool', body), 200, `settings ${JSON.stringify(body)}`)

  /** A customer owned by `owner` (created by the admin), no grade unless given: never due for the job. */
  async function customer(owner, extra = {}) {
    seq++
    return must(adminCall('POST', '/api/customers', { name: `公海测试客户${seq}号`, owner_id: uid(owner), ...extra }), 201)
  }

  before(async () => {
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '86400' } })
    admin = await login(server)
    D = await createDepartments(server, admin, DEPTS)
    U = await createUsers(server, admin, D, USERS)
    await setDepartmentManagers(server, admin, D, U, { north: 'mgrN', south: 'mgrS' })
    S = await loginUsers(server, U)
    // rules that leave every customer without a grade alone: only the job tests use grades
    await putSettings({
      rules: {
        A: { no_follow_up_days: 3650, not_won_days: 3650 },
        B: { no_follow_up_days: 3650, not_won_days: 20 },
        C: { no_follow_up_days: 3650, not_won_days: 3650 },
        D: { no_follow_up_days: 10, not_won_days: 3650 },
        default: { no_follow_up_days: 3650, not_won_days: 3650 },
      },
    })
  })

  after(async () => {
    await server?.stop()
  })

  describe('release and claim', () => {
    it('a rep releases their customer into their department pool; history says release', async () => {
      const c = await customer('n1')
      const res = await must(call('n1', 'POST', `/api/customers/${c.id}/release`), 200)
      assert.equal(res.owner_id, null)
      assert.equal(res.pool_department_id, D.north.id)
      assert.equal(res.owned_since, null)
      const [last] = await history('customers', c.id)
      assert.equal(last.action, 'release')
      assert.equal(last.user.id, uid('n1'))
      assert.deepEqual(last.changes.find((x) => x.field === 'owner_id'), { field: 'owner_id', old: uid('n1'), new: null })
      // the pool of 华北: its members and its manager see it; 北京组 (below) and 华南 do not
      for (const key of ['n1', 'n2', 'n3', 'mgrN', 'fin']) {
        assert.ok((await poolIds(key)).includes(c.id), `${key} sees it in the pool`)
        await must(call(key, 'GET', `/api/customers/${c.id}`), 200, key)
      }
      for (const key of ['b1', 's1', 'mgrS']) {
        assert.ok(!(await poolIds(key)).includes(c.id), `${key} does not see it`)
        assertError(await call(key, 'GET', `/api/customers/${c.id}`), 404, 'not_found', key)
      }
      // a pool customer cannot be edited before it is claimed
      assertError(await call('n2', 'PATCH', `/api/customers/${c.id}`, { body: { version: res.version, notes: 'x' } }), 404, 'not_found')
      // nor released again
      assertError(await adminCall('POST', `/api/customers/${c.id}/release`), 409, 'conflict')
      assertError(await call('n2', 'POST', `/api/customers/${c.id}/release`), 404, 'not_found')
    })

    it('managers see the pools of the departments below theirs; members of a sub-department only their own', async () => {
      const c = await customer('b1')
      const res = await must(call('b1', 'POST', `/api/customers/${c.id}/release`), 200)
      assert.equal(res.pool_department_id, D.beijing.id)
      assert.ok((await poolIds('mgrN')).includes(c.id), 'the manager of 华北 sees the pool of 北京组')
      assert.ok((await poolIds('b1')).includes(c.id))
      for (const key of ['n1', 'mgrS', 's1']) assert.ok(!(await poolIds(key)).includes(c.id), key)
      // the manager claims it
      const claimed = await must(call('mgrN', 'POST', `/api/customers/${c.id}/claim`), 200)
      assert.equal(claimed.owner_id, uid('mgrN'))
    })

    it('a rep cannot release a colleague\'s customer; a manager can release one of their team\'s (into the manager\'s pool)', async () => {
      const c = await customer('n1')
      assertError(await call('n2', 'POST', `/api/customers/${c.id}/release`), 404, 'not_found')
      assertError(await call('s1', 'POST', `/api/customers/${c.id}/release`), 404, 'not_found')
      assertError(await call('fin', 'POST', `/api/customers/${c.id}/release`), 404, 'not_found')
      assert.equal((await get(c.id)).owner_id, uid('n1'))
      const res = await must(call('mgrN', 'POST', `/api/customers/${c.id}/release`), 200)
      assert.equal(res.pool_department_id, D.north.id)
      // the cool-down is the previous owner's, not the manager's
      assertError(await call('n1', 'POST', `/api/customers/${c.id}/claim`), 409, 'cooldown')
      const claimed = await must(call('mgrN', 'POST', `/api/customers/${c.id}/claim`), 200)
      assert.equal(claimed.owner_id, uid('mgrN'))
    })

    it('claim: the customer becomes the claimer\'s (history claim); the old owner loses sight of it', async () => {
      const c = await customer('n1')
      const contact = await must(adminCall('POST', '/api/contacts', { customer_id: c.id, name: '公海联系人', owner_id: uid('n1') }), 201)
      await must(call('n1', 'POST', `/api/customers/${c.id}/release`), 200)
      // pool customers' contacts are visible to the pool's members, not editable
      await must(call('n2', 'GET', `/api/contacts/${contact.id}`), 200)
      assertError(await call('n2', 'PATCH', `/api/contacts/${contact.id}`, { body: { version: contact.version, title: 'x' } }), 404, 'not_found')
      // out of reach: 404; not allowed to claim: 404
      assertError(await call('s1', 'POST', `/api/customers/${c.id}/claim`), 404, 'not_found')
      assertError(await call('b1', 'POST', `/api/customers/${c.id}/claim`), 404, 'not_found')
      assertError(await call('fin', 'POST', `/api/customers/${c.id}/claim`), 404, 'not_found')
      const t0 = Date.now()
      const claimed = await must(call('n2', 'POST', `/api/customers/${c.id}/claim`), 200)
      assert.equal(claimed.owner_id, uid('n2'))
      assert.equal(claimed.pool_department_id, null)
      assert.ok(Date.parse(claimed.owned_since) >= t0 - 2000, claimed.owned_since)
      const [last] = await history('customers', c.id)
      assert.equal(last.action, 'claim')
      assert.equal(last.user.id, uid('n2'))
      assert.deepEqual(last.changes.find((x) => x.field === 'owner_id'), { field: 'owner_id', old: null, new: uid('n2') })
      assertError(await call('n1', 'GET', `/api/customers/${c.id}`), 404, 'not_found')
      assertError(await call('n1', 'GET', `/api/contacts/${contact.id}`), 404, 'not_found')
      await must(call('n2', 'GET', `/api/contacts/${contact.id}`), 200)
      // no longer in the pool: claiming again is a conflict for whoever can see it
      assertError(await call('n2', 'POST', `/api/customers/${c.id}/claim`), 409, 'conflict')
      assertError(await adminCall('POST', `/api/customers/${c.id}/claim`), 409, 'conflict')
      assert.ok(!(await poolIds('n3')).includes(c.id))
    })

    it('cool-down: who released a customer cannot claim it back within cooldown_days (409 cooldown); with 0 days they can', async () => {
      const c = await customer('n3')
      await must(call('n3', 'POST', `/api/customers/${c.id}/release`), 200)
      const e = assertError(await call('n3', 'POST', `/api/customers/${c.id}/claim`), 409, 'cooldown')
      assert.match(e.message, /30/)
      assert.equal((await get(c.id)).owner_id, null)
      try {
        await putSettings({ cooldown_days: 0 })
        const claimed = await must(call('n3', 'POST', `/api/customers/${c.id}/claim`), 200)
        assert.equal(claimed.owner_id, uid('n3'))
      } finally {
        await putSettings({ cooldown_days: 30 })
      }
    })

    it('holding limit: past max_customers a claim answers 409 limit_reached', async () => {
      const held = (await must(adminCall('GET', `/api/customers?filter[owner_id]=${uid('n2')}&limit=1`), 200)).total
      const p1 = await customer('n1')
      const p2 = await customer('n1')
      for (const c of [p1, p2]) await must(call('n1', 'POST', `/api/customers/${c.id}/release`), 200)
      try {
        await putSettings({ max_customers: held + 1 })
        assert.equal((await must(call('n2', 'GET', '/api/settings/pool'), 200)).max_customers, held + 1)
        await must(call('n2', 'POST', `/api/customers/${p1.id}/claim`), 200)
        const e = assertError(await call('n2', 'POST', `/api/customers/${p2.id}/claim`), 409, 'limit_reached')
        assert.match(e.message, new RegExp(String(held + 1)))
        assert.equal((await get(p2.id)).owner_id, null, 'still in the pool')
        // another rep below the limit can still claim it
        const other = await must(adminCall('GET', `/api/customers?filter[owner_id]=${uid('n3')}&limit=1`), 200)
        assert.ok(other.total < held + 1)
        await must(call('n3', 'POST', `/api/customers/${p2.id}/claim`), 200)
      } finally {
        await putSettings({ max_customers: 200 })
      }
    })
  })

  describe('pool settings', () => {
    it('anyone reads them; only admins change them (403)', async () => {
      const s = await must(call('n1', 'GET', '/api/settings/pool'), 200)
      assert.deepEqual(Object.keys(s).sort(), ['cooldown_days', 'enabled', 'max_customers', 'reminder_days', 'rules'])
      assert.deepEqual(Object.keys(s.rules).sort(), ['A', 'B', 'C', 'D', 'default'])
      for (const key of ['n1', 'mgrN', 'fin']) assertError(await call(key, 'PUT', '/api/settings/pool', { body: { max_customers: 1 } }), 403, 'forbidden', key)
      assert.deepEqual(await must(call('n1', 'GET', '/api/settings/pool'), 200), s)
    })

    it('bad values are refused with 422 naming the field, and nothing changes', async () => {
      const initial = await must(adminCall('GET', '/api/settings/pool'), 200)
      const cases = [
        [{ max_customers: -1 }, 'max_customers'],
        [{ max_customers: 100001 }, 'max_customers'],
        [{ max_customers: '5' }, 'max_customers'],
        [{ max_customers: 2.5 }, 'max_customers'],
        [{ cooldown_days: -1 }, 'cooldown_days'],
        [{ cooldown_days: 3651 }, 'cooldown_days'],
        [{ cooldown_days: null }, 'cooldown_days'],
        [{ reminder_days: '3' }, 'reminder_days'],
        [{ enabled: 'yes' }, 'enabled'],
        [{ enabled: 1 }, 'enabled'],
        [{ rules: 'strict' }, 'rules'],
        [{ rules: { E: { no_follow_up_days: 1, not_won_days: 1 } } }, 'rules'],
        [{ rules: { A: { no_follow_up_days: 10 } } }, 'rules'],
        [{ rules: { A: { no_follow_up_days: 10, not_won_days: -5 } } }, 'rules'],
        [{ rules: { A: { no_follow_up_days: 10, not_won_days: 20, extra: 1 } } }, 'rules'],
        [{ max_customers: 10, surprise: true }, 'surprise'],
      ]
      for (const [body, field] of cases) {
        const e = assertError(await adminCall('PUT', '/api/settings/pool', body), 422, 'validation_failed', JSON.stringify(body))
        assert.ok(e.fields && field in e.fields, `${JSON.stringify(body)}: ${JSON.stringify(e)}`)
      }
      assert.deepEqual(await must(adminCall('GET', '/api/settings/pool'), 200), initial)
    })

    it('a partial update changes only what it names (rules merge by grade)', async () => {
      const initial = await must(adminCall('GET', '/api/settings/pool'), 200)
      try {
        const changed = await putSettings({ reminder_days: 5, rules: { C: { no_follow_up_days: 100, not_won_days: 200 } } })
        assert.equal(changed.reminder_days, 5)
        assert.deepEqual(changed.rules.C, { no_follow_up_days: 100, not_won_days: 200 })
        assert.deepEqual({ ...changed, reminder_days: initial.reminder_days, rules: { ...changed.rules, C: initial.rules.C } }, initial)
        assert.deepEqual(await must(adminCall('GET', '/api/settings/pool'), 200), changed)
      } finally {
        await putSettings({ reminder_days: initial.reminder_days, rules: { C: initial.rules.C } })
      }
      assert.deepEqual(await must(adminCall('GET', '/api/settings/pool'), 200), initial)
    })
  })

  describe('transfer', () => {
    /** A customer of n1 with two contacts, open and closed opportunities, past and planned follow-ups. */
    async function stocked() {
      const c = await customer('n1')
      const body = (extra) => ({ customer_id: c.id, owner_id: uid('n1'), ...extra })
      const contacts = [
        await must(adminCall('POST', '/api/contacts', body({ name: '转移联系人甲' })), 201),
        await must(adminCall('POST', '/api/contacts', body({ name: '转移联系人乙', owner_id: uid('n3') })), 201),
      ]
      const opps = {}
      for (const stage of ['initial', 'proposal', 'won', 'lost']) {
        opps[stage] = await must(adminCall('POST', '/api/opportunities', body({ name: `转移商机${stage}`, stage, amount: 100000 })), 201)
      }
      const acts = {
        done: await must(adminCall('POST', '/api/activities', body({ type: 'call', subject: '已完成的跟进', occurred_at: daysFromNow(-3) })), 201),
        overdue: await must(
          adminCall('POST', '/api/activities', body({ type: 'call', subject: '过期的计划', occurred_at: daysFromNow(-10), next_follow_up_at: daysFromNow(-2) })),
          201,
        ),
        planned: await must(
          adminCall('POST', '/api/activities', body({ type: 'visit', subject: '计划中的拜访', occurred_at: daysFromNow(-1), next_follow_up_at: daysFromNow(7) })),
          201,
        ),
      }
      return { c, contacts, opps, acts }
    }
    const owner = async (entity, id) => (await must(adminCall('GET', `/api/${entity}/${id}`), 200)).owner_id

    it('takes the contacts, open opportunities and planned follow-ups along, each with a transfer entry; leaves the closed and past ones', async () => {
      const { c, contacts, opps, acts } = await stocked()
      const res = await must(call('mgrN', 'POST', `/api/customers/${c.id}/transfer`, { body: { owner_id: uid('n2') } }), 200)
      assert.equal(res.id, c.id)
      assert.equal(res.owner_id, uid('n2'))
      for (const x of contacts) assert.equal(await owner('contacts', x.id), uid('n2'))
      assert.equal(await owner('opportunities', opps.initial.id), uid('n2'))
      assert.equal(await owner('opportunities', opps.proposal.id), uid('n2'))
      assert.equal(await owner('opportunities', opps.won.id), uid('n1'))
      assert.equal(await owner('opportunities', opps.lost.id), uid('n1'))
      assert.equal(await owner('activities', acts.planned.id), uid('n2'))
      assert.equal(await owner('activities', acts.done.id), uid('n1'))
      assert.equal(await owner('activities', acts.overdue.id), uid('n1'))
      const transferred = async (entity, id) => (await history(entity, id)).filter((h) => h.action === 'transfer')
      const [ch] = await transferred('customers', c.id)
      assert.equal(ch.user.id, uid('mgrN'))
      assert.deepEqual(ch.changes.find((x) => x.field === 'owner_id'), { field: 'owner_id', old: uid('n1'), new: uid('n2') })
      for (const x of contacts) assert.equal((await transferred('contacts', x.id)).length, 1)
      assert.equal((await transferred('opportunities', opps.proposal.id)).length, 1)
      assert.equal((await transferred('activities', acts.planned.id)).length, 1)
      assert.equal((await transferred('opportunities', opps.won.id)).length, 0)
      assert.equal((await transferred('activities', acts.done.id)).length, 0)
      // the previous rep sees none of it any more, the new one all of it
      assertError(await call('n1', 'GET', `/api/customers/${c.id}`), 404, 'not_found')
      for (const x of contacts) assertError(await call('n1', 'GET', `/api/contacts/${x.id}`), 404, 'not_found')
      assertError(await call('n1', 'GET', `/api/opportunities/${opps.won.id}`), 404, 'not_found')
      assertError(await call('n1', 'GET', `/api/activities/${acts.done.id}`), 404, 'not_found')
      const list = await must(call('n1', 'GET', '/api/contacts', { query: { limit: '500' } }), 200)
      assert.ok(!list.data.some((x) => x.customer_id === c.id))
      await must(call('n2', 'GET', `/api/customers/${c.id}`), 200)
      const theirs = await must(call('n2', 'GET', `/api/customers/${c.id}/opportunities`), 200)
      assert.deepEqual(ids(theirs.data), ids(Object.values(opps)))
    })

    it('a rep cannot give customers away (422 out_of_scope); a manager only within their team', async () => {
      const c = await customer('n1')
      let e = assertError(await call('n1', 'POST', `/api/customers/${c.id}/transfer`, { body: { owner_id: uid('n2') } }), 422, 'validation_failed')
      assert.deepEqual(e.fields, { owner_id: 'out_of_scope' })
      e = assertError(await call('n2', 'POST', `/api/customers/${c.id}/transfer`, { body: { owner_id: uid('n3') } }), 422, 'validation_failed')
      assert.deepEqual(e.fields, { owner_id: 'out_of_scope' })
      e = assertError(await call('mgrN', 'POST', `/api/customers/${c.id}/transfer`, { body: { owner_id: uid('s1') } }), 422, 'validation_failed')
      assert.deepEqual(e.fields, { owner_id: 'out_of_scope' })
      assertError(await call('mgrS', 'POST', `/api/customers/${c.id}/transfer`, { body: { owner_id: uid('s1') } }), 404, 'not_found')
      assertError(await call('fin', 'POST', `/api/customers/${c.id}/transfer`, { body: { owner_id: uid('fin') } }), 404, 'not_found')
      assert.equal(await owner('customers', c.id), uid('n1'))
      // a manager within their department tree: to 北京组 below
      const res = await must(call('mgrN', 'POST', `/api/customers/${c.id}/transfer`, { body: { owner_id: uid('b1') } }), 200)
      assert.equal(res.owner_id, uid('b1'))
    })

    it('bad owners: 422 (required, not a user, disabled)', async () => {
      const c = await customer('n1')
      for (const [body, code] of [[{}, 'required'], [{ owner_id: 'n2' }, 'invalid_type'], [{ owner_id: 0 }, 'invalid_type'], [{ owner_id: 99999 }, 'not_found']]) {
        const e = assertError(await adminCall('POST', `/api/customers/${c.id}/transfer`, body), 422, 'validation_failed', JSON.stringify(body))
        assert.equal(e.fields.owner_id, code, JSON.stringify(e))
      }
      const gone = await must(
        adminCall('POST', '/api/users', { username: 'leaver', password: 'leaver-pass-1', name: '离职员工', department_id: D.north.id, roles: ['sales_rep'] }),
        201,
      )
      await must(adminCall('PATCH', `/api/users/${gone.id}`, { disabled: true }), 200)
      const e = assertError(await adminCall('POST', `/api/customers/${c.id}/transfer`, { owner_id: gone.id }), 422, 'validation_failed')
      assert.equal(e.fields.owner_id, 'not_found')
      assertError(await adminCall('POST', '/api/customers/999999/transfer', { owner_id: uid('n2') }), 404, 'not_found')
      assert.equal(await owner('customers', c.id), uid('n1'))
    })

    it('bulk transfer is all or nothing: one customer out of reach moves none', async () => {
      const a = await stocked()
      const b = await customer('n2')
      const south = await customer('s1')
      const owners = await Promise.all([a.c.id, b.id, south.id].map((id) => owner('customers', id)))
      for (const bad of [south.id, 999999]) {
        const res = await call('mgrN', 'POST', '/api/customers/transfer', { body: { ids: [a.c.id, b.id, bad], owner_id: uid('n3') } })
        assertError(res, 404, 'not_found', `with ${bad}`)
        assert.deepEqual(await Promise.all([a.c.id, b.id, south.id].map((id) => owner('customers', id))), owners, 'nothing moved')
        for (const x of a.contacts) assert.equal(await owner('contacts', x.id), uid(x.name.endsWith('乙') ? 'n3' : 'n1'))
        assert.equal(await owner('opportunities', a.opps.proposal.id), uid('n1'))
        assert.equal((await history('customers', a.c.id)).filter((h) => h.action === 'transfer').length, 0)
      }
      for (const body of [{ ids: [], owner_id: uid('n3') }, { ids: 'all', owner_id: uid('n3') }, { ids: [a.c.id, 'x'], owner_id: uid('n3') }, { ids: [a.c.id] }]) {
        assertError(await call('mgrN', 'POST', '/api/customers/transfer', { body }), 422, 'validation_failed', JSON.stringify(body))
      }
      assert.equal(await owner('customers', a.c.id), uid('n1'))
      // a rep's bulk transfer of their own customers to a colleague: out of scope, nothing moves
      assertError(await call('n2', 'POST', '/api/customers/transfer', { body: { ids: [b.id], owner_id: uid('n1') } }), 422, 'validation_failed')
      assert.equal(await owner('customers', b.id), uid('n2'))

      const res = await must(call('mgrN', 'POST', '/api/customers/transfer', { body: { ids: [a.c.id, b.id], owner_id: uid('n3') } }), 200)
      assert.deepEqual(res, { transferred: [a.c.id, b.id], owner_id: uid('n3') })
      assert.equal(await owner('customers', a.c.id), uid('n3'))
      assert.equal(await owner('customers', b.id), uid('n3'))
      for (const x of a.contacts) assert.equal(await owner('contacts', x.id), uid('n3'))
      assert.equal(await owner('opportunities', a.opps.proposal.id), uid('n3'))
      assert.equal(await owner('opportunities', a.opps.won.id), uid('n1'))
      assert.equal(await owner('customers', south.id), uid('s1'))
    })
  })

  describe('sharing', () => {
    it('read shares let a colleague see (not edit); edit shares let them edit; unsharing ends it', async () => {
      const c = await customer('n1')
      const contact = await must(adminCall('POST', '/api/contacts', { customer_id: c.id, name: '共享联系人', owner_id: uid('n1') }), 201)
      assertError(await call('s1', 'GET', `/api/customers/${c.id}`), 404, 'not_found')

      let shares = await must(call('n1', 'POST', `/api/customers/${c.id}/shares`, { body: { user_id: uid('s1'), access: 'read' } }), 200)
      assert.deepEqual(shares.data.map((s) => [s.user_id, s.access, s.name]), [[uid('s1'), 'read', U.s1.name]])
      const seen = await must(call('s1', 'GET', `/api/customers/${c.id}`), 200)
      await must(call('s1', 'GET', `/api/contacts/${contact.id}`), 200)
      assert.ok((await must(call('s1', 'GET', '/api/customers', { query: { limit: '500' } }), 200)).data.some((x) => x.id === c.id))
      assertError(await call('s1', 'PATCH', `/api/customers/${c.id}`, { body: { version: seen.version, notes: '只读' } }), 404, 'not_found')
      assertError(await call('s1', 'PATCH', `/api/contacts/${contact.id}`, { body: { version: contact.version, title: '只读' } }), 404, 'not_found')
      assertError(await call('s1', 'DELETE', `/api/customers/${c.id}`), 404, 'not_found')
      // sharing needs edit rights on the record
      assertError(await call('s1', 'POST', `/api/customers/${c.id}/shares`, { body: { user_id: uid('s2'), access: 'read' } }), 404, 'not_found')
      assertError(await call('n2', 'POST', `/api/customers/${c.id}/shares`, { body: { user_id: uid('n2'), access: 'edit' } }), 404, 'not_found')
      assertError(await call('fin', 'POST', `/api/customers/${c.id}/shares`, { body: { user_id: uid('s2'), access: 'read' } }), 404, 'not_found')
      assertError(await call('s1', 'DELETE', `/api/customers/${c.id}/shares/${uid('s1')}`), 404, 'not_found')
      assertError(await call('s2', 'GET', `/api/customers/${c.id}`), 404, 'not_found')

      shares = await must(call('n1', 'POST', `/api/customers/${c.id}/shares`, { body: { user_id: uid('s2'), access: 'edit' } }), 200)
      assert.equal(shares.data.length, 2)
      const edited = await must(call('s2', 'PATCH', `/api/customers/${c.id}`, { body: { version: seen.version, notes: '共享编辑' } }), 200)
      assert.equal(edited.notes, '共享编辑')
      assert.equal(edited.owner_id, uid('n1'), 'still n1\'s')
      await must(call('s2', 'PATCH', `/api/contacts/${contact.id}`, { body: { version: contact.version, title: '共享编辑' } }), 200)
      // an edit share may pass a read share on
      await must(call('s2', 'POST', `/api/customers/${c.id}/shares`, { body: { user_id: uid('mgrS'), access: 'read' } }), 200)
      await must(call('mgrS', 'GET', `/api/customers/${c.id}`), 200)
      // the share list is visible to those who see the record
      await must(call('s1', 'GET', `/api/customers/${c.id}/shares`), 200)
      assertError(await call('n2', 'GET', `/api/customers/${c.id}/shares`), 404, 'not_found')

      // unshare: access ends at once
      assert.equal((await call('n1', 'DELETE', `/api/customers/${c.id}/shares/${uid('s1')}`)).status, 204)
      assertError(await call('s1', 'GET', `/api/customers/${c.id}`), 404, 'not_found')
      assertError(await call('s1', 'GET', `/api/contacts/${contact.id}`), 404, 'not_found')
      assertError(await call('n1', 'DELETE', `/api/customers/${c.id}/shares/${uid('s1')}`), 404, 'not_found')
      // changing a share's access in place: edit -> read
      await must(call('n1', 'POST', `/api/customers/${c.id}/shares`, { body: { user_id: uid('s2'), access: 'read' } }), 200)
      const now = await get(c.id)
      assertError(await call('s2', 'PATCH', `/api/customers/${c.id}`, { body: { version: now.version, notes: '不能改了' } }), 404, 'not_found')
      shares = await must(call('n1', 'GET', `/api/customers/${c.id}/shares`), 200)
      assert.deepEqual(shares.data.map((s) => [s.user_id, s.access]).sort(), [[uid('mgrS'), 'read'], [uid('s2'), 'read']].sort())

      const actions = (await history('customers', c.id)).map((h) => h.action)
      assert.ok(actions.includes('share') && actions.includes('unshare'), actions.join())
    })

    it('shares end when the customer goes to the pool; the next owner starts without them', async () => {
      const c = await customer('n1')
      await must(call('n1', 'POST', `/api/customers/${c.id}/shares`, { body: { user_id: uid('s1'), access: 'edit' } }), 200)
      await must(call('s1', 'GET', `/api/customers/${c.id}`), 200)
      await must(call('n1', 'POST', `/api/customers/${c.id}/release`), 200)
      assertError(await call('s1', 'GET', `/api/customers/${c.id}`), 404, 'not_found')
      assert.deepEqual((await must(adminCall('GET', `/api/customers/${c.id}/shares`), 200)).data, [])
      await must(call('n2', 'POST', `/api/customers/${c.id}/claim`), 200)
      assertError(await call('s1', 'GET', `/api/customers/${c.id}`), 404, 'not_found')
      assertError(await call('n1', 'GET', `/api/customers/${c.id}`), 404, 'not_found')
    })

    it('bad shares: 422 for an unknown or disabled user or access', async () => {
      const c = await customer('n1')
      for (const [body, field, code] of [
        [{ access: 'read' }, 'user_id', 'required'],
        [{ user_id: 'x', access: 'read' }, 'user_id', 'invalid_type'],
        [{ user_id: uid('s1'), access: 'admin' }, 'access', 'invalid_option'],
        [{ user_id: 999999, access: 'read' }, 'user_id', 'not_found'],
        [{ user_id: uid('n1'), access: 'edit' }, 'user_id', 'owner'],
      ]) {
        const e = assertError(await call('n1', 'POST', `/api/customers/${c.id}/shares`, { body }), 422, 'validation_failed', JSON.stringify(body))
        assert.equal(e.fields[field], code, JSON.stringify(e))
      }
      assert.deepEqual((await must(call('n1', 'GET', `/api/customers/${c.id}/shares`), 200)).data, [])
    })
  })

  describe('the daily recycle job (time moved with jobs run --at)', () => {
    // Rules (set in before()): D - recycled after 10 days without a follow-up; B - after 20 days
    // owned without being won; no grade - never. Reminders 3 days ahead.
    let T0 = Date.now() // set again when the job tests start; every moment below is T0 + days
    const at = (days) => new Date(T0 + days * 86_400_000).toISOString()
    const J = {}
    let recycleEntry = null
    let recycledRecord = null
    const notes = async (key) => (await must(call(key, 'GET', '/api/notifications'), 200)).data
    const notesAbout = async (key, kind, id) => (await notes(key)).filter((n) => n.kind === kind && n.record_id === id)
    /** An activity on the customer at a chosen moment: moves its last_contacted_at there. */
    const followUp = (c, days, owner) =>
      must(adminCall('POST', '/api/activities', { type: 'call', subject: `跟进${c.name}`, customer_id: c.id, occurred_at: at(days), owner_id: uid(owner) }), 201)

    before(async () => {
      T0 = Date.now()
      J.neverD = await customer('n1', { grade: 'D' }) // due at T0+10 (owned since T0, never followed up)
      J.recentD = await customer('n2', { grade: 'D' }) // followed up at T0+5: due at T0+15
      await followUp(J.recentD, 5, 'n2')
      J.dealD = await customer('n1', { grade: 'D', status: 'deal' }) // never
      J.soonD = await customer('n3', { grade: 'D' }) // followed up at T0+2: due at T0+12
      await followUp(J.soonD, 2, 'n3')
      J.oldB = await customer('s1', { grade: 'B' }) // followed up at T0+15; owned since T0: not won by T0+20
      await followUp(J.oldB, 15, 's1')
      J.dealB = await customer('s2', { grade: 'B', status: 'deal' }) // never
      for (const c of Object.values(J)) assert.ok(Math.abs(Date.parse((await get(c.id)).owned_since) - T0) < 3_600_000, 'owned since T0')
    })

    it('a customer claimed from the pool starts a new clock: the previous owner\'s old follow-up does not recycle it days later', async () => {
      // s1 followed it up 20 days ago, released it; s2 claims it now and has 10 days
      const c = await customer('s1', { grade: 'D' })
      await followUp(c, -20, 's1')
      await must(call('s1', 'POST', `/api/customers/${c.id}/release`), 200)
      await must(call('s2', 'POST', `/api/customers/${c.id}/claim`), 200)
      try {
        const r = await runJobs(server, at(5))
        assert.equal(typeof r.jobs.pool_recycle, 'object', JSON.stringify(r))
        const now = await get(c.id)
        assert.equal(now.owner_id, uid('s2'), `claimed by s2 5 days before the job (rule: 10 days), yet recycled: ${JSON.stringify(r)}`)
        assert.deepEqual(await notesAbout('s2', 'pool_recycled', c.id), [])
      } finally {
        // out of the way of the tests below whatever happened: deals are never due
        const cur = await get(c.id)
        await must(adminCall('PATCH', `/api/customers/${c.id}`, { version: cur.version, status: 'deal' }), 200)
      }
    })

    it('a few days before: the owner gets one reminder a day (a forced second run the same day adds none); a second run is skipped', async () => {
      const first = await runJobs(server, at(8.5))
      assert.equal(first.day, at(8.5 + 8 / 24).slice(0, 10), 'the company day (Asia/Shanghai)')
      assert.equal(first.jobs.pool_recycle.recycled, 0, JSON.stringify(first))
      assert.equal(first.jobs.pool_recycle.reminded, 1, JSON.stringify(first))
      const [note] = await notesAbout('n1', 'pool_reminder', J.neverD.id)
      assert.ok(note, JSON.stringify(await notes('n1')))
      assert.equal(note.entity, 'customers')
      assert.match(note.title, new RegExp(J.neverD.name))
      assert.equal(note.read_at, null)
      assert.equal((await get(J.neverD.id)).owner_id, uid('n1'), 'a reminder only')
      for (const key of ['n2', 'n3', 's1', 's2']) assert.deepEqual((await notes(key)).filter((n) => n.kind === 'pool_reminder'), [], key)

      const again = await runJobs(server, at(8.5))
      assert.equal(again.jobs.pool_recycle, 'skipped', JSON.stringify(again))
      const forced = await runJobs(server, at(8.5), { force: true })
      assert.equal(typeof forced.jobs.pool_recycle, 'object', JSON.stringify(forced))
      assert.equal((await notesAbout('n1', 'pool_reminder', J.neverD.id)).length, 1, 'still one reminder that day')
      // the next day: another one
      await runJobs(server, at(9.5))
      assert.equal((await notesAbout('n1', 'pool_reminder', J.neverD.id)).length, 2)
      // notifications can be read
      const unread = await must(call('n1', 'GET', '/api/notifications', { query: { unread: 'true' } }), 200)
      assert.equal(unread.unread, 2)
      assert.equal((await call('n1', 'POST', `/api/notifications/${note.id}/read`)).status, 204)
      assert.equal((await must(call('n1', 'GET', '/api/notifications'), 200)).unread, 1)
      assertError(await call('n2', 'POST', `/api/notifications/${note.id}/read`), 404, 'not_found')
    })

    it('no follow-up for N days: back to the owner\'s department pool, the owner notified, claims by them cooling down', async () => {
      const r = await runJobs(server, at(11))
      assert.equal(r.jobs.pool_recycle.recycled, 1, JSON.stringify(r))
      const c = await get(J.neverD.id)
      assert.equal(c.owner_id, null)
      assert.equal(c.pool_department_id, D.north.id)
      const [h] = await history('customers', c.id)
      assert.equal(h.action, 'recycle')
      recycleEntry = h
      recycledRecord = c
      const [note] = await notesAbout('n1', 'pool_recycled', c.id)
      assert.ok(note, JSON.stringify(await notes('n1')))
      assert.match(note.title, new RegExp(c.name))
      assert.deepEqual(await notesAbout('n2', 'pool_recycled', c.id), [])
      // the others are not due yet; soonD gets its reminder
      for (const k of ['recentD', 'dealD', 'soonD', 'oldB', 'dealB']) assert.notEqual((await get(J[k].id)).owner_id, null, k)
      assert.equal((await notesAbout('n3', 'pool_reminder', J.soonD.id)).length, 2, 'one on day 9.5, one today')
      // in 华北's pool: n2 sees it, 北京组 does not; n1 may not take it back yet
      assert.ok((await poolIds('n2')).includes(c.id))
      assert.ok(!(await poolIds('b1')).includes(c.id))
      assertError(await call('n1', 'POST', `/api/customers/${c.id}/claim`), 409, 'cooldown')
      const claimed = await must(call('n2', 'POST', `/api/customers/${c.id}/claim`), 200)
      assert.equal(claimed.owner_id, uid('n2'))
    })

    it('what the job changed is the system\'s: no made-up user (id 0) in the history or in updated_by', async () => {
      assert.ok(recycleEntry && recycledRecord, 'the test before recycled a customer')
      const real = new Set((await listAll(server, admin, '/api/users', {}, 500)).records.map((u) => u.id))
      // either no user (null) or a real one; not {"id":0,"name":null}
      assert.ok(recycleEntry.user === null || real.has(recycleEntry.user.id), `the history names user ${JSON.stringify(recycleEntry.user)}`)
      assert.ok(recycledRecord.updated_by === null || real.has(recycledRecord.updated_by), `updated_by is ${recycledRecord.updated_by}`)
    })

    it('later: overdue follow-ups and customers not won within M days go back; deals never do', async () => {
      const r = await runJobs(server, at(21))
      const now = {}
      for (const [k, c] of Object.entries(J)) now[k] = await get(c.id)
      // no follow-up within 10 days (D)
      assert.equal(now.neverD.owner_id, null, 'claimed by n2 at T0, never followed up')
      assert.equal(now.recentD.owner_id, null, 'last followed up at T0+5')
      assert.equal(now.soonD.owner_id, null, 'last followed up at T0+2')
      // owned 20 days without being won (B), though followed up recently
      assert.equal(now.oldB.owner_id, null)
      assert.equal(now.oldB.pool_department_id, D.south.id)
      // deals stay
      assert.equal(now.dealD.owner_id, uid('n1'))
      assert.equal(now.dealB.owner_id, uid('s2'))
      assert.equal(r.jobs.pool_recycle.recycled, 4, JSON.stringify(r))
      for (const [key, k] of [['n2', 'neverD'], ['n2', 'recentD'], ['n3', 'soonD'], ['s1', 'oldB']]) {
        assert.equal((await notesAbout(key, 'pool_recycled', J[k].id)).length, 1, `${key} told about ${k}`)
      }
      for (const [key, k] of [['n1', 'dealD'], ['s2', 'dealB']]) {
        assert.deepEqual((await notes(key)).filter((n) => n.record_id === J[k].id), [], `${key}: nothing about the deal ${k}`)
      }
      const ranAgain = await runJobs(server, at(21))
      assert.equal(ranAgain.jobs.pool_recycle, 'skipped')
    })

    it('jobs run refuses a bad --at', async () => {
      const r = await runCli(['jobs', 'run', '--data', server.dataDir, '--at', 'next tuesday'], { env: server.env })
      assert.notEqual(r.code, 0)
      assert.match(r.stderr, /--at/)
    })
  })
})
