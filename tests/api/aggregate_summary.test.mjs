// The opportunity aggregate over everything (the director's dashboard) is answered from summary
// rows kept by triggers (src/core/agg_summary.c). After every kind of write, its answers must
// equal the same aggregate read from the table (a no-op filter, id > 0, takes that path) and a
// recomputation from the list; a rep's aggregate still counts only what the rep may see.
// `rapport check` compares the summary with the table too. Runs on SQLite and PostgreSQL (where
// the delta rows are folded on nearly every read).

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { api, login, runCli, startServer } from './lib/server.mjs'
import { createUsers, loginUsers, must } from './lib/company.mjs'
import { createRecord, listAll, patchRecord } from './lib/records.mjs'

const SHAPES = [
  { group: 'stage', sum: 'amount' },
  { group: 'expected_close_on:month', sum: 'amount' },
  { group: 'expected_close_on:year', sum: 'amount' },
  { group: 'stage' },
  { sum: 'amount' },
  {},
]

describe('opportunity aggregate from the summary rows', () => {
  let server, admin, rep, users, custA, custR
  before(async () => {
    // PostgreSQL keeps delta rows and a reader folds them past a limit: here, on nearly every read
    server = await startServer({ env: { RAPPORT_SUMS_FOLD_ROWS: '3' } })
    admin = await login(server)
    users = await createUsers(server, admin, {}, [{ key: 'rep', name: '汇总销售', roles: ['sales_rep'] }])
    rep = (await loginUsers(server, users)).rep
    custA = await createRecord(server, admin, 'customers', { name: '汇总客户甲', status: 'potential' })
    custR = await createRecord(server, rep, 'customers', { name: '汇总客户乙', status: 'potential' })
  })
  after(async () => {
    await server?.stop()
  })

  const aggregate = async (session, query) =>
    must(api(server, 'GET', '/api/opportunities/aggregate', { session, query }), 200, JSON.stringify(query))

  /** The aggregate recomputed from the live opportunities the session lists. */
  function recompute(rows, { group, sum }) {
    const keyOf = (o) => {
      if (!group) return null
      if (group === 'stage') return o.stage ?? null
      const d = o.expected_close_on
      return d ? d.slice(0, group.endsWith(':month') ? 7 : 4) : null
    }
    const groups = new Map()
    for (const o of rows) {
      const k = keyOf(o)
      const g = groups.get(k) ?? { key: k, count: 0, sum: 0, cur: new Set() }
      g.count++
      if (o.amount) {
        g.sum += o.amount.amount
        g.cur.add(o.amount.currency)
      }
      groups.set(k, g)
    }
    const out = { count: rows.length, groups: [] }
    if (sum) out.sum = 0
    for (const g of groups.values()) {
      const row = { key: g.key, count: g.count }
      if (sum) {
        row.sum = g.sum
        out.sum += g.sum
        if (g.cur.size) row.currency = g.cur.size > 1 ? 'mixed' : [...g.cur][0]
      }
      out.groups.push(row)
    }
    if (sum) {
      const all = new Set(rows.flatMap((o) => (o.amount ? [o.amount.currency] : [])))
      if (all.size) out.currency = all.size > 1 ? 'mixed' : [...all][0]
    }
    return out
  }
  const sorted = (agg) => ({ ...agg, groups: [...agg.groups].sort((a, b) => String(a.key).localeCompare(String(b.key))) })

  /** Every shape, as the admin (summary), equals the table's answer and the recomputation. */
  async function same(what) {
    const rows = await listAll(server, admin, 'opportunities')
    for (const q of SHAPES) {
      const fromSummary = await aggregate(admin, q)
      const fromTable = await aggregate(admin, { ...q, 'filter[id][gt]': '0' })
      assert.deepEqual(fromSummary, fromTable, `${what}: ${JSON.stringify(q)} summary vs table`)
      assert.deepEqual(sorted(fromSummary), sorted(recompute(rows, q)), `${what}: ${JSON.stringify(q)} vs the list`)
    }
  }

  const mk = (session, customer, name, stage, amount, currency, date) =>
    createRecord(server, session, 'opportunities', {
      customer_id: customer.id, name, stage,
      ...(amount === undefined ? {} : { amount: { amount, currency } }),
      ...(date ? { expected_close_on: date } : {}),
    })
  const patch = async (session, o, body) => {
    const cur = await must(api(server, 'GET', `/api/opportunities/${o.id}`, { session }), 200)
    return patchRecord(server, session, 'opportunities', o.id, cur.version, body)
  }

  it('after creates, every kind of update, delete and restore, the summary equals a recomputation', async () => {
    await same('empty')
    const a = await mk(admin, custA, '汇总1', 'initial', 100, 'CNY', '2027-01-10')
    const b = await mk(admin, custA, '汇总2', 'proposal', 250, 'CNY', '2027-02-10')
    const c = await mk(rep, custR, '汇总3', 'initial', 40, 'USD', '2026-12-31')
    const d = await mk(admin, custA, '汇总无金额', 'won') // no amount, no date
    await same('created')
    await patch(admin, a, { stage: 'proposal' })
    await same('stage changed')
    await patch(admin, a, { amount: { amount: 777, currency: 'CNY' } })
    await same('amount changed')
    await patch(admin, b, { amount: { amount: 250, currency: 'USD' } })
    await same('currency changed')
    await patch(admin, b, { expected_close_on: '2028-03-01' })
    await same('month changed')
    await patch(admin, b, { expected_close_on: null })
    await same('date cleared')
    await patch(admin, d, { amount: { amount: 5, currency: 'EUR' }, expected_close_on: '2027-01-01' })
    await same('amount and date set')
    await patch(admin, c, { owner_id: admin.user.id })
    await same('owner changed')
    await patch(admin, a, { name: '汇总1（改名）' })
    await same('a field outside the summary changed')
    assert.equal((await api(server, 'DELETE', `/api/opportunities/${a.id}`, { session: admin })).status, 204)
    await same('deleted')
    await must(api(server, 'POST', `/api/opportunities/${a.id}/restore`, { session: admin }), 200, 'restore')
    await same('restored')
    assert.equal((await api(server, 'DELETE', `/api/opportunities/${c.id}`, { session: admin })).status, 204)
    await same('deleted again')
  })

  it('after an import from the command line and a recomputation at start, the summary still agrees', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rapport-aggsum-'))
    const file = path.join(dir, 'opps.csv')
    await writeFile(file, '商机名称,客户,预计金额,销售阶段,预计成交日期\r\n导入1,汇总客户甲,1200,initial,2027-05-05\r\n导入2,汇总客户甲,300,won,2027-05-20\r\n')
    const r = await runCli(['import', '--data', server.dataDir, 'opportunities', file], { env: server.env })
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.match(r.stdout, /2 created/)
    await same('imported')
    const check = await runCli(['check', '--data', server.dataDir], { env: server.env })
    assert.equal(check.code, 0, check.stderr)
    assert.match(check.stdout, /opportunity sums: ok/)
    await rm(dir, { recursive: true, force: true })
  })

  it('a rep\'s aggregate counts only the opportunities the rep may see', async () => {
    const other = await mk(admin, custA, '汇总别人的', 'initial', 999, 'CNY', '2027-01-05')
    await mk(rep, custR, '汇总自己的', 'proposal', 60, 'CNY', '2027-01-06')
    await mk(rep, custR, '汇总自己的美元', 'proposal', 7, 'USD')
    const mine = await listAll(server, rep, 'opportunities')
    assert.ok(mine.length >= 1 && !mine.some((o) => o.id === other.id))
    for (const q of SHAPES) {
      const agg = await aggregate(rep, q)
      assert.deepEqual(sorted(agg), sorted(recompute(mine, q)), `rep ${JSON.stringify(q)}`)
    }
    const all = await aggregate(admin, {})
    assert.ok((await aggregate(rep, {})).count < all.count)
    await same('with the rep\'s')
  })
})
