// org.test.mjs - users and departments: creating users (validation, duplicates, admins only),
// what others see of a user, who may change what (self vs admin), manager and department cycles,
// disabling (sessions end at once, no login, not assignable), password resets and changes, and
// the audit history of users and departments.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { api, assertError, login, startServer } from './lib/server.mjs'
import { USER_PASSWORD, createDepartments, createUsers, listAll, loginUsers, must, sortedIds } from './lib/company.mjs'

const DEPTS = [
  { key: 'sales', name: '销售部' },
  { key: 'north', name: '华北大区', parent: 'sales' },
  { key: 'beijing', name: '北京组', parent: 'north' },
  { key: 'south', name: '华南大区', parent: 'sales' },
  { key: 'finance', name: '财务部' },
]
const USERS = [
  { key: 'mgr', name: '钱经理', dept: 'north', roles: ['sales_manager'], email: 'qian@example.com' },
  { key: 'rep', name: '吴北一', dept: 'north', manager: 'mgr', roles: ['sales_rep'], email: 'wu@example.com' },
  { key: 'rep2', name: '郑北二', dept: 'north', manager: 'mgr', roles: ['sales_rep'], email: 'zheng@example.com' },
  { key: 'rep3', name: '王京三', dept: 'beijing', manager: 'rep2', roles: ['sales_rep'] },
  { key: 'fin', name: '沈会计', dept: 'finance', roles: ['finance'], email: 'shen@example.com' },
]

describe('users and departments', () => {
  let server
  let admin
  let D = {}
  let U = {}
  let S = {}

  const uid = (key) => U[key].id
  const call = (key, method, path, opts = {}) => api(server, method, path, { session: key === 'admin' ? admin : S[key], ...opts })
  const adminCall = (method, path, body) => api(server, method, path, { session: admin, body })
  const fresh = (key) => login(server, U[key].username, U[key].password)

  before(async () => {
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '86400' } })
    admin = await login(server)
    D = await createDepartments(server, admin, DEPTS)
    U = await createUsers(server, admin, D, USERS)
    S = await loginUsers(server, U)
  })

  after(async () => {
    await server?.stop()
  })

  describe('POST /api/users', () => {
    const good = { username: 'new.user-1', password: 'long-enough-1', name: '新来的同事' }

    it('creates a user (sales_rep by default) who can log in', async () => {
      const u = await must(adminCall('POST', '/api/users', { ...good, email: 'new@example.com', department_id: D.south.id, manager_id: uid('rep2') }), 201)
      assert.equal(u.username, good.username)
      assert.deepEqual(u.roles, ['sales_rep'])
      assert.equal(u.department_id, D.south.id)
      assert.equal(u.manager_id, uid('rep2'))
      assert.equal(u.disabled, false)
      assert.deepEqual(u._labels, { department_id: '华南大区', manager_id: '郑北二' })
      for (const secret of ['password', 'password_hash']) assert.ok(!(secret in u))
      const s = await login(server, good.username, good.password)
      assert.equal(s.user.id, u.id)
    })

    it('validates the username, password, name, roles and references (422 per field)', async () => {
      const base = { username: 'case-user', password: 'long-enough-1', name: '新同事' }
      const cases = [
        [{ username: undefined }, 'username', 'required'],
        [{ username: 'A' }, 'username', 'invalid'],
        [{ username: 'a' }, 'username', 'invalid'],
        [{ username: 'UPPER' }, 'username', 'invalid'],
        [{ username: 'has space' }, 'username', 'invalid'],
        [{ username: '张三' }, 'username', 'invalid'],
        [{ username: 'x'.repeat(33) }, 'username', 'invalid'],
        [{ username: 'semi;colon' }, 'username', 'invalid'],
        [{ password: undefined }, 'password', 'required'],
        [{ password: 'short' }, 'password', 'too_short'],
        [{ password: '1234567' }, 'password', 'too_short'],
        [{ name: undefined }, 'name', 'required'],
        [{ name: '' }, 'name', 'required'],
        [{ name: 'n'.repeat(101) }, 'name', 'too_long'],
        [{ roles: ['ghost'] }, 'roles', 'invalid_option'],
        [{ roles: [] }, 'roles', 'invalid_option'],
        [{ roles: 'sales_rep' }, 'roles', 'invalid_option'],
        [{ roles: ['sales_rep', 42] }, 'roles', 'invalid_option'],
        [{ email: 'not-an-email' }, 'email', 'invalid_email'],
        [{ department_id: 99999 }, 'department_id', 'not_found'],
        [{ manager_id: 99999 }, 'manager_id', 'not_found'],
        [{ locale: 'fr' }, 'locale', 'invalid_option'],
        [{ disabled: true }, 'disabled', 'unknown_field'],
        [{ is_admin: true }, 'is_admin', 'unknown_field'],
        [{ password_hash: 'x' }, 'password_hash', 'unknown_field'],
      ]
      for (const [change, field, code] of cases) {
        const body = JSON.parse(JSON.stringify({ ...base, ...change })) // undefined members drop out
        const e = assertError(await adminCall('POST', '/api/users', body), 422, 'validation_failed', JSON.stringify(body))
        assert.equal(e.fields?.[field], code, `${JSON.stringify(body)}: ${JSON.stringify(e)}`)
      }
      const all = await listAll(server, admin, '/api/users', {}, 500)
      assert.ok(!all.records.some((u) => u.username === 'case-user'), 'none was created')
      assert.ok(!all.records.some((u) => u.name === '新同事'), 'none was created')
    })

    it('a password longer than 256 characters is refused as too long', async () => {
      const e = assertError(await adminCall('POST', '/api/users', { ...good, username: 'longpass', password: 'p'.repeat(257) }), 422, 'validation_failed')
      assert.equal(e.fields.password, 'too_long')
    })

    it('a taken username: 409 conflict', async () => {
      const e = assertError(await adminCall('POST', '/api/users', { ...good, username: U.rep.username }), 409, 'conflict')
      assert.equal(e.fields.username, 'unique')
      assertError(await adminCall('POST', '/api/users', { ...good, username: 'admin' }), 409, 'conflict')
    })

    it('only admins create users (403)', async () => {
      for (const key of ['mgr', 'rep', 'fin']) {
        assertError(await call(key, 'POST', '/api/users', { body: { ...good, username: `by-${key}` } }), 403, 'forbidden', key)
      }
      const all = await listAll(server, admin, '/api/users', {}, 500)
      assert.ok(!all.records.some((u) => u.username.startsWith('by-')))
    })
  })

  describe('GET /api/users', () => {
    it('everyone sees everyone, but roles and email only of themselves', async () => {
      const list = await listAll(server, S.rep, '/api/users', {}, 3)
      assert.equal(list.status, 200)
      const all = await listAll(server, admin, '/api/users', {}, 500)
      assert.deepEqual(sortedIds(list.records.map((u) => u.id)), sortedIds(all.records.map((u) => u.id)))
      for (const t of list.totals) assert.equal(t, all.records.length)
      for (const u of list.records) {
        assert.equal(typeof u.name, 'string')
        assert.ok('department_id' in u && 'manager_id' in u && 'disabled' in u)
        for (const secret of ['password', 'password_hash']) assert.ok(!(secret in u))
        if (u.id === uid('rep')) {
          assert.deepEqual(u.roles, ['sales_rep'])
          assert.equal(u.email, 'wu@example.com')
        } else {
          assert.ok(!('roles' in u) && !('email' in u), `rep sees ${JSON.stringify(u)}`)
        }
      }
      const other = await must(call('rep', 'GET', `/api/users/${uid('fin')}`), 200)
      assert.ok(!('roles' in other) && !('email' in other), JSON.stringify(other))
      assert.equal(other.name, '沈会计')
      const self = await must(call('rep', 'GET', `/api/users/${uid('rep')}`), 200)
      assert.equal(self.email, 'wu@example.com')
      const byAdmin = await must(adminCall('GET', `/api/users/${uid('fin')}`), 200)
      assert.deepEqual(byAdmin.roles, ['finance'])
      assert.equal(byAdmin.email, 'shen@example.com')
      assertError(await call('rep', 'GET', '/api/users/99999'), 404, 'not_found')
    })

    it('q= and filters narrow the list', async () => {
      const byDept = await must(call('rep', 'GET', '/api/users', { query: { 'filter[department_id]': String(D.north.id) } }), 200)
      assert.deepEqual(sortedIds(byDept.data.map((u) => u.id)), sortedIds(['mgr', 'rep', 'rep2'].map(uid)))
      const byManager = await must(call('rep', 'GET', '/api/users', { query: { 'filter[manager_id]': String(uid('mgr')) } }), 200)
      assert.deepEqual(sortedIds(byManager.data.map((u) => u.id)), sortedIds(['rep', 'rep2'].map(uid)))
      const byName = await must(call('rep', 'GET', '/api/users', { query: { q: '沈' } }), 200)
      assert.deepEqual(byName.data.map((u) => u.id), [uid('fin')])
      const byUsername = await must(call('rep', 'GET', '/api/users', { query: { q: U.rep2.username } }), 200)
      assert.deepEqual(byUsername.data.map((u) => u.id), [uid('rep2')])
      assertError(await call('rep', 'GET', '/api/users', { query: { 'filter[email]': 'x' } }), 400, 'bad_request')
      assertError(await call('rep', 'GET', '/api/users', { query: { sort: 'name' } }), 400, 'bad_request')
    })

    it('the total of a filtered list counts the matching users, not all users', async () => {
      const byDept = await must(call('rep', 'GET', '/api/users', { query: { 'filter[department_id]': String(D.north.id) } }), 200)
      assert.equal(byDept.total, byDept.data.length, JSON.stringify({ total: byDept.total, shown: byDept.data.length }))
      const byName = await must(call('rep', 'GET', '/api/users', { query: { q: '沈' } }), 200)
      assert.equal(byName.total, 1)
    })
  })

  describe('PATCH /api/users/:id', () => {
    it('users change their own name, email and locale', async () => {
      const u = await must(call('rep', 'PATCH', `/api/users/${uid('rep')}`, { body: { name: '吴北一（改）', email: 'wu2@example.com', locale: 'en' } }), 200)
      assert.equal(u.name, '吴北一（改）')
      assert.equal(u.email, 'wu2@example.com')
      assert.equal(u.locale, 'en')
      const me = await must(call('rep', 'GET', '/api/me'), 200)
      assert.equal(me.user.name, '吴北一（改）')
      assert.equal(me.user.locale, 'en')
      // the username stays what it is
      const again = await call('rep', 'PATCH', `/api/users/${uid('rep')}`, { body: { username: 'renamed' } })
      assert.ok([200, 422].includes(again.status), again.text)
      assert.equal((await must(adminCall('GET', `/api/users/${uid('rep')}`), 200)).username, U.rep.username)
      const e = assertError(await call('rep', 'PATCH', `/api/users/${uid('rep')}`, { body: { name: '' } }), 422, 'validation_failed')
      assert.equal(e.fields.name, 'required')
      assertError(await call('rep', 'PATCH', `/api/users/${uid('rep')}`, { body: { nickname: 'x' } }), 422, 'validation_failed')
    })

    it('not their roles, department, manager or disabled flag (422 read_only), and nobody else\'s record (403)', async () => {
      for (const body of [{ roles: ['admin'] }, { department_id: D.finance.id }, { manager_id: null }, { disabled: false }]) {
        const e = assertError(await call('rep', 'PATCH', `/api/users/${uid('rep')}`, { body }), 422, 'validation_failed', JSON.stringify(body))
        assert.equal(e.fields[Object.keys(body)[0]], 'read_only')
      }
      const me = await must(adminCall('GET', `/api/users/${uid('rep')}`), 200)
      assert.deepEqual(me.roles, ['sales_rep'])
      assert.equal(me.department_id, D.north.id)
      assert.equal(me.manager_id, uid('mgr'))
      assertError(await call('rep', 'PATCH', `/api/users/${uid('rep2')}`, { body: { name: '被改名' } }), 403, 'forbidden')
      assertError(await call('mgr', 'PATCH', `/api/users/${uid('rep')}`, { body: { name: '经理改名' } }), 403, 'forbidden')
      assertError(await call('mgr', 'PATCH', `/api/users/${uid('rep')}`, { body: { disabled: true } }), 403, 'forbidden')
      assertError(await call('rep', 'PATCH', '/api/users/99999', { body: { name: 'x' } }), 404, 'not_found')
      assert.equal((await must(adminCall('GET', `/api/users/${uid('rep2')}`), 200)).name, '郑北二')
    })

    it('admins change department, manager and roles; a manager chain that comes back is refused (422 cycle)', async () => {
      // rep3 -> rep2 -> mgr: making mgr report to rep3 (or anyone to themselves) is a cycle
      let e = assertError(await adminCall('PATCH', `/api/users/${uid('mgr')}`, { manager_id: uid('rep3') }), 422, 'validation_failed')
      assert.equal(e.fields.manager_id, 'cycle')
      e = assertError(await adminCall('PATCH', `/api/users/${uid('rep2')}`, { manager_id: uid('rep2') }), 422, 'validation_failed')
      assert.ok(['self', 'cycle'].includes(e.fields.manager_id), JSON.stringify(e))
      e = assertError(await adminCall('PATCH', `/api/users/${uid('rep2')}`, { manager_id: uid('rep3') }), 422, 'validation_failed')
      assert.equal(e.fields.manager_id, 'cycle')
      assert.equal((await must(adminCall('GET', `/api/users/${uid('mgr')}`), 200)).manager_id, null)
      // a legal move
      const moved = await must(adminCall('PATCH', `/api/users/${uid('rep3')}`, { manager_id: uid('mgr'), department_id: D.north.id }), 200)
      assert.equal(moved.manager_id, uid('mgr'))
      assert.equal(moved.department_id, D.north.id)
      const me = await must(call('rep3', 'GET', '/api/me'), 200)
      assert.equal(me.user.department_id, D.north.id, 'a department change applies to a live session')
      e = assertError(await adminCall('PATCH', `/api/users/${uid('rep3')}`, { department_id: 99999, manager_id: 99999 }), 422, 'validation_failed')
      assert.deepEqual(e.fields, { department_id: 'not_found', manager_id: 'not_found' })
      e = assertError(await adminCall('PATCH', `/api/users/${uid('rep3')}`, { roles: ['ghost'] }), 422, 'validation_failed')
      assert.equal(e.fields.roles, 'invalid_option')
    })

    it('changing a user\'s roles ends their sessions; the new roles apply at the next login', async () => {
      const s = await fresh('rep2')
      assert.equal((await must(api(server, 'GET', '/api/me', { session: s }), 200)).permissions.entities.customers.scope, 'own')
      await must(adminCall('PATCH', `/api/users/${uid('rep2')}`, { roles: ['sales_manager'] }), 200)
      assertError(await api(server, 'GET', '/api/me', { session: s }), 401, 'unauthenticated')
      assertError(await call('rep2', 'GET', '/api/me'), 401, 'unauthenticated')
      S.rep2 = await fresh('rep2')
      const me = await must(call('rep2', 'GET', '/api/me'), 200)
      assert.deepEqual(me.user.roles, ['sales_manager'])
      assert.equal(me.permissions.entities.customers.scope, 'department_tree')
      // a PATCH that leaves roles alone keeps the sessions
      await must(adminCall('PATCH', `/api/users/${uid('rep2')}`, { name: '郑北二' }), 200)
      await must(call('rep2', 'GET', '/api/me'), 200)
    })

    it('an admin cannot disable themselves (422)', async () => {
      const e = assertError(await adminCall('PATCH', `/api/users/${admin.user.id}`, { disabled: true }), 422, 'validation_failed')
      assert.ok(e.fields.disabled, JSON.stringify(e))
      await must(adminCall('GET', '/api/me'), 200)
      const e2 = assertError(await adminCall('PATCH', `/api/users/${uid('rep')}`, { disabled: 'yes' }), 422, 'validation_failed')
      assert.equal(e2.fields.disabled, 'invalid_type')
    })
  })

  describe('disabling', () => {
    it('ends every session at once; the user cannot log in, is listed as disabled and cannot be given records', async () => {
      const u = await must(
        adminCall('POST', '/api/users', { username: 'leaving', password: USER_PASSWORD, name: '要离职的', department_id: D.north.id, roles: ['sales_rep'] }),
        201,
      )
      const s1 = await login(server, 'leaving', USER_PASSWORD)
      const s2 = await login(server, 'leaving', USER_PASSWORD)
      await must(api(server, 'GET', '/api/me', { session: s1 }), 200)
      const off = await must(adminCall('PATCH', `/api/users/${u.id}`, { disabled: true }), 200)
      assert.equal(off.disabled, true)
      for (const s of [s1, s2]) {
        assertError(await api(server, 'GET', '/api/me', { session: s }), 401, 'unauthenticated')
        assertError(await api(server, 'GET', '/api/customers', { session: s }), 401, 'unauthenticated')
      }
      const wrong = await api(server, 'POST', '/api/auth/login', { body: { username: 'nobody-at-all', password: USER_PASSWORD } })
      const refused = await api(server, 'POST', '/api/auth/login', { body: { username: 'leaving', password: USER_PASSWORD } })
      assertError(refused, 401, 'unauthenticated')
      assert.equal(refused.json.error.message, wrong.json.error.message, 'no hint that the account exists')
      const disabled = await must(adminCall('GET', '/api/users?filter[disabled]=true'), 200)
      assert.deepEqual(disabled.data.map((x) => x.id), [u.id])
      const active = await must(adminCall('GET', '/api/users?filter[disabled]=false&limit=500'), 200)
      assert.ok(!active.data.some((x) => x.id === u.id))
      // not a possible owner or manager any more
      let e = assertError(await adminCall('POST', '/api/customers', { name: '给离职员工的客户', owner_id: u.id }), 422, 'validation_failed')
      assert.equal(e.fields.owner_id, 'not_found')
      e = assertError(await adminCall('PATCH', `/api/users/${uid('rep3')}`, { manager_id: u.id }), 422, 'validation_failed')
      assert.equal(e.fields.manager_id, 'not_found')

      // re-enabled: logs in again
      const on = await must(adminCall('PATCH', `/api/users/${u.id}`, { disabled: false }), 200)
      assert.equal(on.disabled, false)
      const s3 = await login(server, 'leaving', USER_PASSWORD)
      await must(api(server, 'GET', '/api/me', { session: s3 }), 200)
      assertError(await api(server, 'GET', '/api/me', { session: s1 }), 401, 'unauthenticated', 'old sessions stay ended')
    })
  })

  describe('passwords', () => {
    it('an admin reset ends the user\'s sessions; the old password stops working', async () => {
      const s1 = await fresh('fin')
      const s2 = await fresh('fin')
      assert.equal((await api(server, 'POST', `/api/users/${uid('fin')}/password`, { session: admin, body: { password: 'reset-pass-123' } })).status, 204)
      for (const s of [s1, s2, S.fin]) assertError(await api(server, 'GET', '/api/me', { session: s }), 401, 'unauthenticated')
      assertError(await api(server, 'POST', '/api/auth/login', { body: { username: U.fin.username, password: U.fin.password } }), 401, 'unauthenticated')
      S.fin = await login(server, U.fin.username, 'reset-pass-123')
      U.fin.password = 'reset-pass-123'
      await must(adminCall('GET', '/api/me'), 200)
      const e = assertError(await adminCall('POST', `/api/users/${uid('fin')}/password`, { password: 'short' }), 422, 'validation_failed')
      assert.equal(e.fields.password, 'too_short')
      assertError(await adminCall('POST', '/api/users/99999/password', { password: 'long-enough-1' }), 404, 'not_found')
    })

    it('changing one\'s own password needs the current one; other sessions end, this one stays', async () => {
      const other = await fresh('mgr')
      let e = assertError(await call('mgr', 'POST', `/api/users/${uid('mgr')}/password`, { body: { password: 'brand-new-pass-1' } }), 422, 'validation_failed')
      assert.equal(e.fields.current_password, 'wrong')
      e = assertError(
        await call('mgr', 'POST', `/api/users/${uid('mgr')}/password`, { body: { current_password: 'not-it-at-all', password: 'brand-new-pass-1' } }),
        422,
        'validation_failed',
      )
      assert.equal(e.fields.current_password, 'wrong')
      await must(api(server, 'GET', '/api/me', { session: other }), 200, 'nothing changed yet')
      const ok = await call('mgr', 'POST', `/api/users/${uid('mgr')}/password`, { body: { current_password: U.mgr.password, password: 'brand-new-pass-1' } })
      assert.equal(ok.status, 204, ok.text)
      await must(call('mgr', 'GET', '/api/me'), 200, 'the session that changed it lives on')
      assertError(await api(server, 'GET', '/api/me', { session: other }), 401, 'unauthenticated')
      const s = await login(server, U.mgr.username, 'brand-new-pass-1')
      await must(api(server, 'GET', '/api/me', { session: s }), 200)
      U.mgr.password = 'brand-new-pass-1'
    })

    it('nobody else changes a user\'s password (403)', async () => {
      for (const [key, target] of [['rep', 'rep2'], ['mgr', 'rep'], ['fin', 'mgr']]) {
        assertError(await call(key, 'POST', `/api/users/${uid(target)}/password`, { body: { password: 'hijacked-pass-1' } }), 403, 'forbidden', key)
        assertError(
          await call(key, 'POST', `/api/users/${uid(target)}/password`, { body: { current_password: 'guess-123', password: 'hijacked-pass-1' } }),
          403,
          'forbidden',
          key,
        )
      }
      await must(call('rep2', 'GET', '/api/me'), 200)
      assertError(await api(server, 'POST', '/api/auth/login', { body: { username: U.rep2.username, password: 'hijacked-pass-1' } }), 401, 'unauthenticated')
    })
  })

  describe('departments', () => {
    it('a parent that would make a cycle is refused (422 cycle)', async () => {
      // sales > north > beijing
      for (const [dept, parent] of [['sales', 'beijing'], ['sales', 'north'], ['north', 'north'], ['beijing', 'beijing'], ['north', 'beijing']]) {
        const d = await must(adminCall('GET', `/api/departments/${D[dept].id}`), 200)
        const e = assertError(await adminCall('PATCH', `/api/departments/${d.id}`, { version: d.version, parent_id: D[parent].id }), 422, 'validation_failed', `${dept} under ${parent}`)
        assert.equal(e.fields.parent_id, 'cycle')
      }
      assert.equal((await must(adminCall('GET', `/api/departments/${D.sales.id}`), 200)).parent_id, null)
      // a legal move: 北京组 straight under 销售部, and back
      let b = await must(adminCall('GET', `/api/departments/${D.beijing.id}`), 200)
      b = await must(adminCall('PATCH', `/api/departments/${b.id}`, { version: b.version, parent_id: D.sales.id }), 200)
      assert.equal(b.parent_id, D.sales.id)
      b = await must(adminCall('PATCH', `/api/departments/${b.id}`, { version: b.version, parent_id: D.north.id }), 200)
      const e = assertError(await adminCall('PATCH', `/api/departments/${b.id}`, { version: b.version, parent_id: 99999 }), 422, 'validation_failed')
      assert.equal(e.fields.parent_id, 'not_found')
      const kids = await must(adminCall('GET', `/api/departments/${D.north.id}/children`), 200)
      assert.deepEqual(kids.data.map((d) => d.id), [D.beijing.id])
    })

    it('everyone reads departments; only admins change them', async () => {
      for (const key of ['rep', 'mgr', 'fin']) {
        const list = await must(call(key, 'GET', '/api/departments', { query: { limit: '500' } }), 200)
        assert.equal(list.total, DEPTS.length)
        assertError(await call(key, 'POST', '/api/departments', { body: { name: `${key}的部门` } }), 403, 'forbidden', key)
        const d = await must(call(key, 'GET', `/api/departments/${D.north.id}`), 200)
        const res = await call(key, 'PATCH', `/api/departments/${d.id}`, { body: { version: d.version, name: '改名' } })
        assert.ok([403, 404].includes(res.status), res.text)
      }
      assert.equal((await must(adminCall('GET', `/api/departments/${D.north.id}`), 200)).name, '华北大区')
    })
  })

  describe('history', () => {
    it('departments: the changes are in their history', async () => {
      const h = await must(adminCall('GET', `/api/departments/${D.beijing.id}/history`), 200)
      const actions = h.data.map((x) => x.action)
      assert.equal(actions.at(-1), 'create')
      assert.ok(actions.filter((a) => a === 'update').length >= 2, actions.join())
      await must(call('rep', 'GET', `/api/departments/${D.beijing.id}/history`), 200)
    })

    it('users: creation, changes, disabling and password resets are in the user\'s history', async () => {
      const res = await adminCall('GET', `/api/users/${uid('fin')}/history`)
      assert.equal(res.status, 200, `GET /api/users/:id/history: ${res.status} ${res.text}`)
      const actions = res.json.data.map((x) => x.action)
      assert.equal(actions.at(-1), 'create')
      assert.ok(actions.includes('password'), actions.join())
      const rep = await must(adminCall('GET', `/api/users/${uid('rep')}/history`), 200)
      const change = rep.data.find((x) => x.action === 'update' && x.changes.some((c) => c.field === 'name'))
      assert.ok(change, JSON.stringify(rep.data))
      assert.equal(change.user.id, uid('rep'))
    })
  })
})
