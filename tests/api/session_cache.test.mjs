// The session and permission caches (src/core/session_cache.c, acl_load): a request is served
// from them only while nothing this server wrote could have changed the answer. Each change is
// made right after the cache was filled (the same session just answered), and the very next
// request must already see it: logout, another session's logout, password change, a user
// disabled, a user's department edited, a role's grants edited (both ways).

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { api, assertError, login, logout, startServer } from './lib/server.mjs'
import { USER_PASSWORD, must } from './lib/company.mjs'

describe('session and permission caches', () => {
  let server, admin
  const adminCall = (method, path, body) => api(server, method, path, { session: admin, body })

  // a few requests, so that whatever can be cached is
  const warm = async (s, path = '/api/me') => {
    for (let i = 0; i < 3; i++) await must(api(server, 'GET', path, { session: s }), 200)
  }

  let seq = 0
  const newUser = async (extra = {}) => {
    seq++
    const body = { username: `cache${seq}`, password: USER_PASSWORD, name: `缓存${seq}`, roles: ['sales_rep'], ...extra }
    return must(adminCall('POST', '/api/users', body), 201)
  }

  before(async () => {
    server = await startServer()
    admin = await login(server)
  })

  after(async () => {
    await server?.stop()
  })

  it('a logout ends the session at once; the user\'s other session stays', async () => {
    const u = await newUser()
    const a = await login(server, u.username, USER_PASSWORD)
    const b = await login(server, u.username, USER_PASSWORD)
    await warm(a)
    await warm(b)
    await logout(server, a)
    assertError(await api(server, 'GET', '/api/me', { session: a }), 401, 'unauthenticated')
    await must(api(server, 'GET', '/api/me', { session: b }), 200)
  })

  it('a password change ends the other sessions at once', async () => {
    const u = await newUser()
    const a = await login(server, u.username, USER_PASSWORD)
    const b = await login(server, u.username, USER_PASSWORD)
    await warm(a)
    await warm(b)
    const res = await api(server, 'POST', `/api/users/${u.id}/password`, {
      session: a,
      body: { current_password: USER_PASSWORD, password: 'another-pass-456' },
    })
    assert.ok(res.status === 200 || res.status === 204, res.text)
    assertError(await api(server, 'GET', '/api/me', { session: b }), 401, 'unauthenticated')
    await must(api(server, 'GET', '/api/me', { session: a }), 200)
  })

  it('a disabled user is refused on the next request', async () => {
    const u = await newUser()
    const s = await login(server, u.username, USER_PASSWORD)
    await warm(s)
    await must(adminCall('PATCH', `/api/users/${u.id}`, { disabled: true }), 200)
    assertError(await api(server, 'GET', '/api/me', { session: s }), 401, 'unauthenticated')
  })

  it('an edited user is seen as edited on the next request', async () => {
    const dept = await must(adminCall('POST', '/api/departments', { name: '缓存测试部' }), 201)
    const u = await newUser()
    const s = await login(server, u.username, USER_PASSWORD)
    await warm(s)
    assert.equal((await must(api(server, 'GET', '/api/me', { session: s }), 200)).user.name, u.name)
    await must(api(server, 'PATCH', `/api/users/${u.id}`, { session: s, body: { name: '改了名字' } }), 200)
    assert.equal((await must(api(server, 'GET', '/api/me', { session: s }), 200)).user.name, '改了名字')
    await must(adminCall('PATCH', `/api/users/${u.id}`, { department_id: dept.id }), 200)
    const me = await api(server, 'GET', '/api/me', { session: s })
    if (me.status === 200) assert.equal(me.json.user.department_id, dept.id)
    else assertError(me, 401, 'unauthenticated')
  })

  it('a role\'s grants edited by an admin apply to the next request, both ways', async () => {
    const role = {
      name: 'cache_role',
      label: { 'zh-CN': '缓存角色', en: 'Cache role' },
      grants: { customers: { actions: ['read', 'create'], scope: 'own' } },
      field_rules: {},
    }
    await must(adminCall('POST', '/api/roles', role), 201)
    const u = await newUser({ roles: ['cache_role'] })
    const s = await login(server, u.username, USER_PASSWORD)
    const c = await must(api(server, 'POST', '/api/customers', { session: s, body: { name: '缓存客户' } }), 201)
    await warm(s, `/api/customers/${c.id}`)

    await must(adminCall('PUT', '/api/roles/cache_role', { grants: { products: { actions: ['read'], scope: 'all' } } }), 200)
    const denied = await api(server, 'GET', `/api/customers/${c.id}`, { session: s })
    assert.ok([403, 404].includes(denied.status), `after the grant was removed: ${denied.status} ${denied.text}`)
    const me = await must(api(server, 'GET', '/api/me', { session: s }), 200)
    assert.deepEqual(me.permissions.entities, { products: { actions: ['read'], scope: 'all' } })

    await warm(s)
    await must(adminCall('PUT', '/api/roles/cache_role', { grants: role.grants }), 200)
    const back = await must(api(server, 'GET', `/api/customers/${c.id}`, { session: s }), 200)
    assert.equal(back.id, c.id)
  })

  it('a field rule added to a role hides the field on the next request', async () => {
    const role = {
      name: 'cache_fields',
      label: { 'zh-CN': '字段缓存', en: 'Field cache' },
      grants: { customers: { actions: ['read', 'create'], scope: 'own' } },
      field_rules: {},
    }
    await must(adminCall('POST', '/api/roles', role), 201)
    const u = await newUser({ roles: ['cache_fields'] })
    const s = await login(server, u.username, USER_PASSWORD)
    const c = await must(api(server, 'POST', '/api/customers', { session: s, body: { name: '字段客户', notes: '机密' } }), 201)
    await warm(s, `/api/customers/${c.id}`)
    assert.equal((await must(api(server, 'GET', `/api/customers/${c.id}`, { session: s }), 200)).notes, '机密')
    await must(adminCall('PUT', '/api/roles/cache_fields', { field_rules: { 'customers.notes': 'hidden' } }), 200)
    const got = await must(api(server, 'GET', `/api/customers/${c.id}`, { session: s }), 200)
    assert.ok(!('notes' in got), JSON.stringify(got))
  })
})
