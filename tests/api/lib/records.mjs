// Record helpers for the API tests on top of client.mjs: create/get/patch that assert success, and
// whole-entity snapshots for "a refused request changed nothing" checks.
//
//   const c = await createRecord(server, admin, 'customers', { name: '华夏' })   // asserts 201
//   const before = await snapshot(server, admin, 'customers')                   // live + recycle bin
//   ... a request that must be refused ...
//   assert.deepEqual(await snapshot(server, admin, 'customers'), before)

import assert from 'node:assert/strict'

import { api } from './client.mjs'

/** POST /api/{entity}: asserts 201 and returns the record. */
export async function createRecord(server, session, entity, body) {
  const res = await api(server, 'POST', `/api/${entity}`, { session, body })
  assert.equal(res.status, 201, `create ${entity} ${JSON.stringify(body)}: ${res.status} ${res.text}`)
  return res.json
}

/** GET /api/{entity}/{id}: asserts 200 and returns the record. */
export async function getRecord(server, session, entity, id) {
  const res = await api(server, 'GET', `/api/${entity}/${id}`, { session })
  assert.equal(res.status, 200, `get ${entity}/${id}: ${res.status} ${res.text}`)
  return res.json
}

/** PATCH /api/{entity}/{id} with the given version: asserts 200 and returns the record. */
export async function patchRecord(server, session, entity, id, version, body) {
  const res = await api(server, 'PATCH', `/api/${entity}/${id}`, { session, body: { ...body, version } })
  assert.equal(res.status, 200, `patch ${entity}/${id} ${JSON.stringify(body)}: ${res.status} ${res.text}`)
  return res.json
}

/** GET /api/{entity} with a query: asserts 200 and returns the page. */
export async function listRecords(server, session, entity, query = {}) {
  const res = await api(server, 'GET', `/api/${entity}`, { session, query })
  assert.equal(res.status, 200, `list ${entity} ${JSON.stringify(query)}: ${res.status} ${res.text}`)
  return res.json
}

/** Every record of a list (paged by 500), sorted by id. query: extra filters (e.g. { deleted: 'true' }). */
export async function listAll(server, session, entity, query = {}) {
  const out = []
  for (let offset = 0; ; offset += 500) {
    const page = await listRecords(server, session, entity, { ...query, limit: '500', offset: String(offset), sort: 'id' })
    out.push(...page.data)
    if (page.data.length < 500) {
      assert.equal(out.length, page.total, `${entity}: total ${page.total} but ${out.length} rows`)
      return out
    }
  }
}

/** The whole state of an entity the caller sees: { live, deleted }, each sorted by id. */
export async function snapshot(server, session, entity) {
  return {
    live: await listAll(server, session, entity),
    deleted: await listAll(server, session, entity, { deleted: 'true' }),
  }
}

/** GET /api/{entity}/{id}/history: asserts 200 and returns the entries (newest first). */
export async function history(server, session, entity, id) {
  const res = await api(server, 'GET', `/api/${entity}/${id}/history`, { session })
  assert.equal(res.status, 200, `history ${entity}/${id}: ${res.status} ${res.text}`)
  return res.json.data
}
