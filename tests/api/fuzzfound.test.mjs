// Regressions for what the fuzz targets (tests/fuzz) found, through the real server: each input
// once made the server fail (500 or a crash) where it should have answered with a clear 4xx.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { assertError, login, startServer } from './lib/server.mjs'

describe('inputs found by fuzzing', () => {
  let server
  let admin
  before(async () => {
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '86400' } })
    admin = await login(server)
  })
  after(() => server?.stop())

  const raw = (path) => fetch(server.url(path), { headers: { cookie: admin.cookie } })
  const settle = async (res) => {
    const text = await res.text()
    return { status: res.status, headers: res.headers, text, json: JSON.parse(text) }
  }

  test('a query string that is not UTF-8 is a 400, not a 500 (search echoed it into JSON)', async () => {
    for (const path of ["/api/search?q=%E5'8D%8E%E5%A4%8F", '/api/customers?q=%FF%FE', '/api/customers?%C0=1']) {
      assertError(await settle(await raw(path)), 400, 'bad_request', path)
    }
    const ok = await settle(await raw('/api/search?q=%E5%8D%8E%E5%A4%8F'))
    assert.equal(ok.status, 200, ok.text)
  })
})
