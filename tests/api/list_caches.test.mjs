// list_caches.test.mjs - the caches a list page is built from (src/core/name_cache.c,
// src/core/scope_cache.c) never answer with what this server has already changed: the names in
// `_labels` (a user renamed, a department renamed) and the scope (a user moved between
// departments, a department moved under another) are seen by the very next request, each change
// made right after the same list was answered (so a cache was filled).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { api, login, startServer } from './lib/server.mjs'
import { createDepartments, createUsers, loginUsers, must, setDepartmentManagers } from './lib/company.mjs'

const DEPTS = [
  { key: 'north', name: '华北大区' },
  { key: 'beijing', name: '北京组', parent: 'north' },
  { key: 'south', name: '华南大区' },
]
const USERS = [
  { key: 'mgrN', name: '钱经理', dept: 'north', roles: ['sales_manager'] },
  { key: 'n1', name: '吴北一', dept: 'north', manager: 'mgrN', roles: ['sales_rep'] },
  { key: 'b1', name: '冯京一', dept: 'beijing', roles: ['sales_rep'] },
  { key: 's1', name: '褚南一', dept: 'south', roles: ['sales_rep'] },
]

describe('list caches: names and scopes are never stale after this server\'s writes', () => {
  let server, admin
  let D = {}
  let U = {}
  let S = {}
  let seq = 0
  const adminCall = (method, path, body) => api(server, method, path, { session: admin, body })
  const list = async (key, query = '') => must(api(server, 'GET', `/api/customers?limit=500${query}`, { session: S[key] }), 200)
  const warm = async (key, query) => {
    for (let i = 0; i < 3; i++) await list(key, query)
  }
  const customer = async (owner, extra = {}) => {
    seq++
    return must(adminCall('POST', '/api/customers', { name: `缓存客户${seq}号`, owner_id: U[owner].id, ...extra }), 201)
  }
  const row = (page, id) => page.data.find((r) => r.id === id)
  const patchUser = async (key, body) => {
    U[key] = { ...U[key], ...(await must(adminCall('PATCH', `/api/users/${U[key].id}`, body), 200)) }
  }
  const patchDept = async (key, body) => {
    D[key] = await must(adminCall('PATCH', `/api/departments/${D[key].id}`, { version: D[key].version, ...body }), 200)
  }

  before(async () => {
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '86400' } })
    admin = await login(server)
    D = await createDepartments(server, admin, DEPTS)
    U = await createUsers(server, admin, D, USERS)
    await setDepartmentManagers(server, admin, D, U, { north: 'mgrN' })
    S = await loginUsers(server, U)
  })

  after(async () => {
    await server?.stop()
  })

  it('an owner renamed: the next page, and the next record, carry the new name', async () => {
    const c = await customer('n1')
    await warm('n1')
    await warm('mgrN')
    assert.equal(row(await list('n1'), c.id)._labels.owner_id, '吴北一')
    await patchUser('n1', { name: '吴北一改' })
    assert.equal(row(await list('n1'), c.id)._labels.owner_id, '吴北一改')
    assert.equal(row(await list('mgrN'), c.id)._labels.owner_id, '吴北一改')
    const one = await must(api(server, 'GET', `/api/customers/${c.id}`, { session: S.n1 }), 200)
    assert.equal(one._labels.owner_id, '吴北一改')
    // and back, with the cache filled again in between
    await warm('n1')
    await patchUser('n1', { name: '吴北一' })
    assert.equal(row(await list('n1'), c.id)._labels.owner_id, '吴北一')
  })

  it('a pool department renamed: the pooled customer\'s label follows at once', async () => {
    const c = await customer('n1')
    await must(api(server, 'POST', `/api/customers/${c.id}/release`, { session: S.n1 }), 200)
    await warm('n1')
    const before = row(await list('n1'), c.id)
    assert.equal(before.pool_department_id, D.north.id)
    assert.equal(before._labels.pool_department_id, '华北大区')
    await patchDept('north', { name: '华北大区二部' })
    assert.equal(row(await list('n1'), c.id)._labels.pool_department_id, '华北大区二部')
    assert.equal(row(await list('mgrN'), c.id)._labels.pool_department_id, '华北大区二部')
    await patchDept('north', { name: '华北大区' })
    assert.equal(row(await list('n1'), c.id)._labels.pool_department_id, '华北大区')
  })

  it('a user moved into a manager\'s department: the manager\'s next page has their customers, and loses them when moved out', async () => {
    const c = await customer('s1')
    await warm('mgrN')
    assert.equal(row(await list('mgrN'), c.id), undefined)
    await patchUser('s1', { department_id: D.north.id })
    assert.ok(row(await list('mgrN'), c.id), 'seen once s1 is in north')
    assert.ok(row(await list('mgrN', '&sort=name'), c.id))
    await warm('mgrN')
    await patchUser('s1', { department_id: D.south.id })
    assert.equal(row(await list('mgrN'), c.id), undefined)
  })

  it('a department moved out from under a manager: its people\'s customers leave the manager\'s page at once', async () => {
    const c = await customer('b1')
    await warm('mgrN')
    assert.ok(row(await list('mgrN'), c.id))
    await patchDept('beijing', { parent_id: D.south.id })
    assert.equal(row(await list('mgrN'), c.id), undefined)
    await warm('mgrN')
    await patchDept('beijing', { parent_id: D.north.id })
    assert.ok(row(await list('mgrN'), c.id))
  })

  it('a rep moved to another department sees that department\'s pool, not the old one', async () => {
    const c = await customer('s1')
    await must(api(server, 'POST', `/api/customers/${c.id}/release`, { session: S.s1 }), 200)
    await warm('b1', '&filter[owner_id][null]=true')
    assert.equal(row(await list('b1', '&filter[owner_id][null]=true'), c.id), undefined)
    await patchUser('b1', { department_id: D.south.id })
    assert.ok(row(await list('b1', '&filter[owner_id][null]=true'), c.id), 'the south pool is b1\'s now')
    await patchUser('b1', { department_id: D.beijing.id })
    assert.equal(row(await list('b1', '&filter[owner_id][null]=true'), c.id), undefined)
  })
})
