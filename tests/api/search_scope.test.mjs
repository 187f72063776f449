// search_scope.test.mjs - a search never reaches past the caller's scope, and finds everything in it.
// On SQLite a rep's search is narrowed to the ids they may see before the list runs (core/query.c
// fts_narrowed, acl.c acl_visible_ids: own, pooled and shared customers from their indexes; for
// contacts, follow-ups and opportunities, fts_narrowed_via: matches whose customer they may see);
// the list still applies the scope.  For three reps of two departments - own customers, a department
// pool, another department's pool, shares (also of records already in scope), a deleted customer -
// every search's pages, totals, aggregates and the global search must hold exactly the visible
// matches in the admin's order; and a rep's opportunity aggregates (the dashboard) must equal a
// recomputation from the opportunities they may see.  Runs on SQLite and PostgreSQL.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { api, startServer } from './lib/server.mjs'
import { login } from './lib/client.mjs'
import { createDepartments, createUsers, listAll, loginUsers, must } from './lib/company.mjs'

const DEPTS = [
  { key: 'a', name: '华东一部' },
  { key: 'b', name: '华南二部' },
]
const USERS = [
  { key: 'r1', name: '甲代表', dept: 'a', roles: ['sales_rep'] },
  { key: 'r2', name: '乙代表', dept: 'a', roles: ['sales_rep'] },
  { key: 'r3', name: '丙代表', dept: 'b', roles: ['sales_rep'] },
]
// customers: [key, owner, name]; names with and without the words searched below
const CUSTOMERS = [
  ['c1', 'r1', '北京华夏机械有限公司'],
  ['c2', 'r1', '天津华夏重工有限公司'], // deleted below
  ['c3', 'r1', '上海东方贸易有限公司'],
  ['c4', 'r2', '南京华夏机械制造厂'],
  ['c5', 'r2', '苏州华夏物流有限公司'], // released into pool a
  ['c6', 'r3', '广州华夏科技有限公司'], // shared with r1
  ['c7', 'r3', '深圳华夏电子有限公司'], // released into pool b
  ['c8', 'r3', '厦门华夏机械配件厂'],
  ['c9', 'r2', '杭州东方华夏贸易公司'], // shared with r1 and released into pool a: in scope twice
  ['c10', 'r1', '合肥华夏机械研究所'], // shared with r2
]
const WORDS = ['华夏', '华夏机械', '华夏 有限', '东方', '夏', '有限公司', '无此公司']

describe('a search stays within the scope (lists, totals, aggregates, global search)', () => {
  let server
  let admin
  let D = {}
  let U = {}
  const S = {}
  const C = {} // customer records by key
  const visible = {} // customer ids each rep may see
  const call = (key, method, path, opts = {}) => api(server, method, path, { session: S[key], ...opts })
  const adminCall = (method, path, body) => api(server, method, path, { session: admin, body })

  before(async () => {
    // RAPPORT_FTS_VIA_MIN=1: contacts and follow-ups are narrowed through their parents (query.c
    // fts_narrowed_via) from the first match, not from 200
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '86400', RAPPORT_FTS_VIA_MIN: '1' } })
    admin = await login(server)
    D = await createDepartments(server, admin, DEPTS)
    U = await createUsers(server, admin, D, USERS)
    Object.assign(S, await loginUsers(server, U))
    let n = 0
    for (const [key, owner, name] of CUSTOMERS) {
      C[key] = await must(adminCall('POST', '/api/customers', {
        name, owner_id: U[owner].id, status: ['intent', 'deal', 'potential'][n++ % 3],
      }), 201, key)
      for (let i = 0; i < 2; i++) {
        await must(adminCall('POST', '/api/opportunities', {
          customer_id: C[key].id, name: `${name}项目${i}`, amount: { amount: 1000 * (n + i), currency: 'CNY' },
          stage: ['initial', 'proposal', 'negotiation'][(n + i) % 3], expected_close_on: `2027-0${1 + ((n + i) % 3)}-15`,
        }), 201, `opportunity of ${key}`)
      }
      await must(adminCall('POST', '/api/contacts', { customer_id: C[key].id, name: '张伟', mobile: `1380000${String(n).padStart(4, '0')}` }), 201)
    }
    await must(adminCall('DELETE', `/api/customers/${C.c2.id}`), 204, 'delete c2')
    await must(call('r2', 'POST', `/api/customers/${C.c5.id}/release`), 200, 'release c5')
    await must(call('r3', 'POST', `/api/customers/${C.c7.id}/release`), 200, 'release c7')
    await must(adminCall('POST', `/api/customers/${C.c6.id}/shares`, { user_id: U.r1.id, access: 'read' }), 200)
    await must(adminCall('POST', `/api/customers/${C.c9.id}/shares`, { user_id: U.r1.id, access: 'read' }), 200)
    await must(adminCall('POST', `/api/customers/${C.c10.id}/shares`, { user_id: U.r2.id, access: 'edit' }), 200)
    await must(call('r2', 'POST', `/api/customers/${C.c9.id}/release`), 200, 'release c9')
    const ids = (...keys) => new Set(keys.map((k) => C[k].id))
    visible.r1 = ids('c1', 'c2', 'c3', 'c10', 'c5', 'c9', 'c6') // own (c2 deleted), pool a, shared
    visible.r2 = ids('c4', 'c5', 'c9', 'c10') // own c4, pool a (c5, c9), shared c10
    visible.r3 = ids('c6', 'c8', 'c7') // own, pool b
  })

  after(async () => {
    await server?.stop()
  })

  for (const who of ['r1', 'r2', 'r3']) {
    it(`${who}: every search's pages and totals hold exactly the visible matches, in the admin's order`, async () => {
      const problems = []
      for (const q of WORDS) {
        for (const query of [{ q }, { q, sort: 'name' }, { q, 'filter[status]': 'intent' }]) {
          const all = await listAll(server, admin, '/api/customers', query, 500)
          assert.equal(all.status, 200, all.text)
          const want = all.records.filter((r) => visible[who].has(r.id)).map((r) => r.id)
          for (const pageSize of [2, 500]) {
            const got = await listAll(server, S[who], '/api/customers', query, pageSize)
            assert.equal(got.status, 200, got.text)
            const what = `${who} ${JSON.stringify(query)} by ${pageSize}`
            const ids = got.records.map((r) => r.id)
            if (JSON.stringify(ids) !== JSON.stringify(want)) problems.push(`${what}: got ${ids} want ${want}`)
            for (const t of got.totals) if (t !== want.length) problems.push(`${what}: total ${t}, want ${want.length}`)
          }
        }
        // the same search counted by the aggregate, by status
        const all = await listAll(server, admin, '/api/customers', { q }, 500)
        const byStatus = {}
        for (const r of all.records) if (visible[who].has(r.id)) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1
        const agg = await must(call(who, 'GET', '/api/customers/aggregate', { query: { q, group: 'status' } }), 200)
        const gotAgg = Object.fromEntries(agg.groups.map((g) => [g.key, g.count]))
        if (JSON.stringify(Object.entries(gotAgg).sort()) !== JSON.stringify(Object.entries(byStatus).sort()))
          problems.push(`${who} aggregate q=${q}: got ${JSON.stringify(gotAgg)} want ${JSON.stringify(byStatus)}`)
      }
      assert.deepEqual(problems, [])
    })

    it(`${who}: the global search finds only visible customers, opportunities and contacts, with their totals`, async () => {
      // children of a deleted customer stay in scope through the customer's owner
      const liveOpps = (await listAll(server, admin, '/api/opportunities', {}, 500)).records
      const visOpps = new Set(liveOpps.filter((o) => visible[who].has(o.customer_id)).map((o) => o.id))
      assert.ok(visOpps.size > 0)
      for (const q of ['华夏', '华夏机械', '张伟']) {
        const res = await must(call(who, 'GET', '/api/search', { query: { q } }), 200)
        const group = (entity) => res.results.find((g) => g.entity === entity)
        const adminCust = (await listAll(server, admin, '/api/customers', { q }, 500)).records
        const wantCust = adminCust.filter((r) => visible[who].has(r.id))
        const cust = group('customers')
        assert.equal(cust?.total ?? 0, wantCust.length, `${who} q=${q}: customers total`)
        for (const r of cust?.data ?? []) assert.ok(visible[who].has(r.id), `${who} q=${q}: customer ${r.id} is not visible`)
        const opp = group('opportunities')
        for (const r of opp?.data ?? []) assert.ok(visOpps.has(r.id), `${who} q=${q}: opportunity ${r.id} is not visible`)
        const adminOpps = (await listAll(server, admin, '/api/opportunities', { q }, 500)).records
        assert.equal(opp?.total ?? 0, adminOpps.filter((r) => visOpps.has(r.id)).length, `${who} q=${q}: opportunities total`)
        const con = group('contacts')
        const adminCon = (await listAll(server, admin, '/api/contacts', { q }, 500)).records
        const wantCon = adminCon.filter((r) => visible[who].has(r.customer_id))
        assert.equal(con?.total ?? 0, wantCon.length, `${who} q=${q}: contacts total`)
        for (const r of con?.data ?? []) assert.ok(wantCon.some((x) => x.id === r.id), `${who} q=${q}: contact ${r.id} is not visible`)
      }
    })

    it(`${who}: the dashboard's opportunity aggregates equal a recomputation from the visible opportunities`, async () => {
      const all = (await listAll(server, admin, '/api/opportunities', {}, 500)).records
      // opportunities of a deleted customer stay in scope through the customer's owner
      const mine = all.filter((o) => visible[who].has(o.customer_id))
      assert.ok(mine.length > 0)
      for (const [group, keyOf] of [['stage', (o) => o.stage], ['expected_close_on:month', (o) => o.expected_close_on?.slice(0, 7) ?? null]]) {
        const want = {}
        for (const o of mine) {
          const g = (want[keyOf(o)] ??= { count: 0, sum: 0 })
          g.count++
          g.sum += o.amount?.amount ?? 0
        }
        const agg = await must(call(who, 'GET', '/api/opportunities/aggregate', { query: { group, sum: 'amount' } }), 200)
        const got = Object.fromEntries(agg.groups.map((g) => [g.key, { count: g.count, sum: g.sum }]))
        assert.deepEqual(got, want, `${who} by ${group}`)
        assert.equal(agg.count, mine.length)
        // with a search too (the opportunities' names carry their customer's)
        const s = await must(call(who, 'GET', '/api/opportunities/aggregate', { query: { group, sum: 'amount', q: '华夏机械' } }), 200)
        const wantS = mine.filter((o) => o.name.includes('华夏机械'))
        assert.equal(s.count, wantS.length, `${who} by ${group}, q=华夏机械`)
      }
    })
  }
})
