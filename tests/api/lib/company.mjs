// A company built through the API for the permission, pool and organisation suites:
// departments, users (logged in once each), records created by the admin on their owners'
// behalf, plus small helpers (a request bound to a session, paging through a list, a bounded
// parallel map, running the daily jobs at a chosen moment).
//
//   const admin = await login(server)
//   const depts = await createDepartments(server, admin, [{ key: 'sales', name: '销售部' },
//                                                         { key: 'north', name: '华北大区', parent: 'sales' }])
//   const users = await createUsers(server, admin, depts, [{ key: 'n1', name: '吴北一', dept: 'north', roles: ['sales_rep'] }])
//   await setDepartmentManagers(server, admin, depts, users, { north: 'n1' })
//   const sessions = await loginUsers(server, users)     // { n1: { cookie, csrf, ... } }
//   const c = await must(api(server, 'POST', '/api/customers', { session: admin, body: {...} }), 201)

import assert from 'node:assert/strict'

import { api, login } from './client.mjs'
import { runCli } from './server.mjs'

/** The password every generated user gets (8+ characters, as the server wants). */
export const USER_PASSWORD = 'user-pass-123'

/** Asserts the status of a response (awaiting it first) and returns its JSON. */
export async function must(resOrPromise, status, what = '') {
  const res = await resOrPromise
  assert.equal(res.status, status, `${what ? what + ': ' : ''}${res.status} ${res.text}`)
  return res.json
}

/** Runs fn over items with at most `limit` calls in flight; results in the items' order. */
export async function mapLimit(items, limit, fn) {
  const out = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/**
 * Every page of a list: GET path with query and limit=pageSize, offset 0, pageSize, ... until a
 * short page. Returns { status, error, records, totals } where totals are the `total` of every
 * page (they must all agree) - or the first failing response's status and body.
 */
export async function listAll(server, session, path, query = {}, pageSize = 50) {
  const records = []
  const totals = []
  for (let offset = 0; ; offset += pageSize) {
    const res = await api(server, 'GET', path, { session, query: { ...query, limit: String(pageSize), offset: String(offset) } })
    if (res.status !== 200) return { status: res.status, error: res.json, text: res.text, records, totals }
    assert.equal(res.json.limit, pageSize, `${path}: limit echoed`)
    assert.equal(res.json.offset, offset, `${path}: offset echoed`)
    records.push(...res.json.data)
    totals.push(res.json.total)
    if (res.json.data.length < pageSize) break
    if (offset > 100_000) throw new Error(`${path}: paging does not end`)
  }
  return { status: 200, records, totals }
}

/** Departments from [{ key, name, parent?: key }] in order; returns { key: record }. */
export async function createDepartments(server, admin, specs) {
  const out = {}
  for (const spec of specs) {
    const body = { name: spec.name }
    if (spec.parent) body.parent_id = out[spec.parent].id
    out[spec.key] = await must(api(server, 'POST', '/api/departments', { session: admin, body }), 201, `department ${spec.name}`)
  }
  return out
}

/** Sets departments.manager_id: managers is { deptKey: userKey }. Updates the records in depts. */
export async function setDepartmentManagers(server, admin, depts, users, managers) {
  for (const [deptKey, userKey] of Object.entries(managers)) {
    const d = depts[deptKey]
    depts[deptKey] = await must(
      api(server, 'PATCH', `/api/departments/${d.id}`, { session: admin, body: { version: d.version, manager_id: users[userKey].id } }),
      200,
      `manager of ${d.name}`,
    )
  }
}

/**
 * Users from [{ key, name, dept?: deptKey, manager?: userKey, roles, username? }] in order (a
 * manager must come before their reports). Usernames default to the key in lower case.
 * Returns { key: user record + { key, username, password } }.
 */
export async function createUsers(server, admin, depts, specs) {
  const out = {}
  for (const spec of specs) {
    const username = spec.username ?? spec.key.toLowerCase()
    const body = { username, password: USER_PASSWORD, name: spec.name, roles: spec.roles }
    if (spec.dept) body.department_id = depts[spec.dept].id
    if (spec.manager) body.manager_id = out[spec.manager].id
    if (spec.email) body.email = spec.email
    const user = await must(api(server, 'POST', '/api/users', { session: admin, body }), 201, `user ${username}`)
    out[spec.key] = { ...user, key: spec.key, username, password: USER_PASSWORD }
  }
  return out
}

/** Logs every user in (a few at a time); returns { key: session }. */
export async function loginUsers(server, users, parallel = 4) {
  const keys = Object.keys(users)
  const sessions = await mapLimit(keys, parallel, (k) => login(server, users[k].username, users[k].password))
  return Object.fromEntries(keys.map((k, i) => [k, sessions[i]]))
}

/**
 * `rapport jobs run --data DIR [--at ISO] [--force]` against a running test server's data (and
 * database). Returns the parsed report { day, jobs: { name: report | "skipped" } }.
 */
export async function runJobs(server, at, { force = false } = {}) {
  const args = ['jobs', 'run', '--data', server.dataDir]
  if (at) args.push('--at', at instanceof Date ? at.toISOString() : at)
  if (force) args.push('--force')
  const r = await runCli(args, { env: server.env })
  assert.equal(r.code, 0, `jobs run ${args.join(' ')}: exit ${r.code ?? r.signal}\n${r.stderr}${r.stdout}`)
  return JSON.parse(r.stdout)
}

/** An ISO moment `days` days from now (fractions allowed). */
export function daysFromNow(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString()
}

/** Sorted copy of a list of numbers. */
export function sortedIds(ids) {
  return [...ids].sort((a, b) => a - b)
}
