// skeleton.test.mjs - the walking skeleton over HTTP: health, login/logout/me, CSRF, body limits,
// routing errors (404/405), path traversal, security headers and the error shape of API.md.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import {
  ADMIN_PASSWORD,
  BACKEND,
  api,
  assertError,
  cookieValue,
  login,
  rawRequest,
  rawSocket,
  setCookieLine,
  startServer,
} from './lib/server.mjs'

const MAX_BODY = 1024 * 1024

/** The security headers every answer carries, API or static, success or error. */
function assertSecurityHeaders(res, what) {
  const csp = res.headers.get('content-security-policy') ?? ''
  assert.match(csp, /frame-ancestors 'none'/, `CSP of ${what}: ${csp}`)
  assert.match(csp, /default-src 'self'/, `CSP of ${what}: ${csp}`)
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what)
  assert.ok(res.headers.get('referrer-policy'), `Referrer-Policy of ${what}`)
}

/** A JSON body of exactly n bytes: {"username":"","password":"x","pad":"   ..."} */
function loginBodyOfSize(n) {
  const head = '{"username":"","password":"x","pad":"'
  const tail = '"}'
  return head + ' '.repeat(n - head.length - tail.length) + tail
}

describe('the skeleton', () => {
  let server
  let admin

  before(async () => {
    server = await startServer()
    admin = await login(server)
  })
  after(async () => {
    await server?.stop()
  })

  describe('GET /api/health', () => {
    it('answers without login, with status, database and version', async () => {
      const res = await api(server, 'GET', '/api/health')
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type'), /^application\/json/)
      assert.deepEqual(Object.keys(res.json).sort(), ['database', 'status', 'version'])
      assert.equal(res.json.status, 'ok')
      assert.equal(res.json.database, server.backend)
      assert.equal(server.backend, BACKEND, 'the server runs on the backend this run asked for')
      assert.match(res.json.version, /^\d+\.\d+\.\d+/)
      assert.equal(res.headers.get('set-cookie'), null)
      assert.equal(res.headers.get('cache-control'), 'no-store')
    })

    it('ignores a bad session cookie (still public)', async () => {
      const res = await api(server, 'GET', '/api/health', { session: { cookie: 'rapport_session=' + 'f'.repeat(64) } })
      assert.equal(res.status, 200)
    })
  })

  describe('POST /api/auth/login', () => {
    it('with the right password: 200, the user, a CSRF token and a HttpOnly SameSite=Lax cookie', async () => {
      const res = await api(server, 'POST', '/api/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } })
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(Object.keys(res.json).sort(), ['csrf_token', 'user'])
      const { user, csrf_token: csrf } = res.json
      assert.equal(user.username, 'admin')
      assert.equal(typeof user.id, 'number')
      assert.equal(typeof user.name, 'string')
      assert.ok(Array.isArray(user.roles), 'roles is an array')
      assert.ok(user.roles.includes('admin'))
      for (const secret of ['password', 'password_hash', 'token', 'token_hash']) assert.ok(!(secret in user), `user has ${secret}`)
      assert.match(csrf, /^[0-9a-f]{64}$/)

      const line = setCookieLine(res.headers, 'rapport_session')
      assert.ok(line, 'a rapport_session cookie is set')
      const token = cookieValue(res.headers, 'rapport_session')
      assert.match(token, /^[0-9a-f]{64}$/)
      assert.notEqual(token, csrf)
      const attrs = line.split(';').slice(1).map((a) => a.trim().toLowerCase())
      assert.ok(attrs.includes('httponly'), line)
      assert.ok(attrs.includes('samesite=lax'), line)
      assert.ok(attrs.includes('path=/'), line)
      assert.ok(!attrs.includes('secure'), `no Secure over plain HTTP: ${line}`)
      assert.ok(!token.includes(csrf) && !line.includes(csrf), 'the CSRF token is not in the cookie')
    })

    it('sets Secure on the cookie behind a local TLS proxy (X-Forwarded-Proto: https)', async () => {
      const res = await api(server, 'POST', '/api/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
        headers: { 'x-forwarded-proto': 'https' },
      })
      assert.equal(res.status, 200, res.text)
      const line = setCookieLine(res.headers, 'rapport_session')
      assert.ok(line.split(';').map((a) => a.trim().toLowerCase()).includes('secure'), line)
    })

    // Only two wrong logins in this server: five from one address within a minute lock the
    // address out (see the rate-limit suite, which has a server of its own).
    let wrongPasswordMessage
    it('with a wrong password: 401 and no cookie', async () => {
      const res = await api(server, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'not-the-password' } })
      wrongPasswordMessage = assertError(res, 401, 'unauthenticated').message
      assert.equal(setCookieLine(res.headers, 'rapport_session'), null)
    })

    it('with an unknown user: 401 with the same message as a wrong password', async () => {
      const res = await api(server, 'POST', '/api/auth/login', { body: { username: 'nobody-here', password: 'whatever' } })
      const e = assertError(res, 401, 'unauthenticated')
      assert.equal(e.message, wrongPasswordMessage)
    })

    it('with missing fields: 422 naming each field', async () => {
      let res = await api(server, 'POST', '/api/auth/login', { body: {} })
      let e = assertError(res, 422, 'validation_failed')
      assert.deepEqual(e.fields, { username: 'required', password: 'required' })

      res = await api(server, 'POST', '/api/auth/login', { body: { username: 'admin' } })
      e = assertError(res, 422, 'validation_failed')
      assert.deepEqual(e.fields, { password: 'required' })

      res = await api(server, 'POST', '/api/auth/login', { body: { password: 'x' } })
      e = assertError(res, 422, 'validation_failed')
      assert.deepEqual(e.fields, { username: 'required' })

      res = await api(server, 'POST', '/api/auth/login', { body: { username: '', password: 'x' } })
      e = assertError(res, 422, 'validation_failed')
      assert.equal(e.fields.username, 'required')

      res = await api(server, 'POST', '/api/auth/login', { body: { username: 7, password: ['x'] } })
      e = assertError(res, 422, 'validation_failed')
      assert.ok(e.fields.username && e.fields.password, JSON.stringify(e))
    })

    it('with fields that are too long: 422', async () => {
      const res = await api(server, 'POST', '/api/auth/login', { body: { username: 'a'.repeat(65), password: 'x' } })
      const e = assertError(res, 422, 'validation_failed')
      assert.equal(e.fields.username, 'too_long')
      const res2 = await api(server, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'p'.repeat(257) } })
      assert.equal(assertError(res2, 422, 'validation_failed').fields.password, 'too_long')
    })

    it('with a body that is not a JSON object: 400', async () => {
      const bodies = [
        ['username=admin&password=x', 'application/x-www-form-urlencoded'],
        ['not json at all', 'application/json'],
        ['{"username":"admin","password":', 'application/json'],
        ['["admin","x"]', 'application/json'],
        ['"admin"', 'application/json'],
        ['null', 'application/json'],
        ['', 'application/json'],
        ['{"username":"admin","username":"root","password":"x"}', 'application/json'],
        [Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 'application/json'],
      ]
      for (const [body, type] of bodies) {
        const res = await api(server, 'POST', '/api/auth/login', { body, raw: true, headers: { 'content-type': type } })
        assertError(res, 400, 'bad_request')
      }
    })
  })

  describe('sessions: /api/me, CSRF and logout', () => {
    it('GET /api/me without a session: 401', async () => {
      assertError(await api(server, 'GET', '/api/me'), 401, 'unauthenticated')
      assertError(await api(server, 'GET', '/api/me', { session: { cookie: 'rapport_session=nonsense' } }), 401, 'unauthenticated')
      assertError(await api(server, 'GET', '/api/me', { session: { cookie: 'rapport_session=' + '0'.repeat(64) } }), 401, 'unauthenticated')
      assertError(await api(server, 'GET', '/api/me', { session: { cookie: `rapport_session=${admin.csrf}` } }), 401, 'unauthenticated')
    })

    it('an unknown API token: 401', async () => {
      assertError(await api(server, 'GET', '/api/me', { token: 'f'.repeat(64) }), 401, 'unauthenticated')
    })

    it('GET /api/me: the user, roles, department and permissions (no CSRF header needed to read)', async () => {
      const res = await api(server, 'GET', '/api/me', { session: { cookie: admin.cookie } })
      assert.equal(res.status, 200, res.text)
      const { user, csrf_token: csrf, permissions } = res.json
      assert.equal(user.id, admin.user.id)
      assert.equal(user.username, 'admin')
      assert.deepEqual(user.roles, ['admin'])
      assert.ok('department_id' in user, 'department_id is there (null when none)')
      assert.equal(typeof user.locale, 'string')
      assert.equal(csrf, admin.csrf)
      assert.equal(typeof permissions, 'object')
      assert.equal(permissions.admin, true)
      assert.equal(typeof permissions.entities, 'object')
      assert.ok(Array.isArray(permissions.entities.customers?.actions), JSON.stringify(permissions))
      assert.equal(res.headers.get('cache-control'), 'no-store')
    })

    it('a state change with the cookie needs the right X-CSRF-Token; logout then ends the session', async () => {
      const s = await login(server)
      const other = await login(server)

      assertError(await api(server, 'POST', '/api/auth/logout', { session: { cookie: s.cookie } }), 403, 'forbidden')
      assertError(await api(server, 'POST', '/api/auth/logout', { session: { cookie: s.cookie, csrf: 'wrong' } }), 403, 'forbidden')
      assertError(await api(server, 'POST', '/api/auth/logout', { session: { cookie: s.cookie, csrf: s.csrf.slice(0, 63) } }), 403, 'forbidden')
      assertError(await api(server, 'POST', '/api/auth/logout', { session: { cookie: s.cookie, csrf: other.csrf } }), 403, 'forbidden')
      assertError(await api(server, 'POST', '/api/auth/logout', { session: { cookie: s.cookie, csrf: s.csrf.toUpperCase() } }), 403, 'forbidden')
      assertError(await api(server, 'POST', '/api/auth/logout', { session: { cookie: s.cookie }, headers: { 'x-csrf-token': '' } }), 403, 'forbidden')
      // the refused logouts changed nothing
      assert.equal((await api(server, 'GET', '/api/me', { session: s })).status, 200)

      const res = await api(server, 'POST', '/api/auth/logout', { session: s })
      assert.equal(res.status, 204, res.text)
      assert.equal(res.text, '')
      const line = setCookieLine(res.headers, 'rapport_session')
      assert.ok(line, 'the cookie is cleared')
      assert.equal(cookieValue(res.headers, 'rapport_session'), '')
      assert.match(line, /Max-Age=0/i)

      assertError(await api(server, 'GET', '/api/me', { session: s }), 401, 'unauthenticated')
      assertError(await api(server, 'POST', '/api/auth/logout', { session: s }), 401, 'unauthenticated')
      // the other session lives on
      assert.equal((await api(server, 'GET', '/api/me', { session: other })).status, 200)
      assert.equal((await api(server, 'POST', '/api/auth/logout', { session: other })).status, 204)
    })

    it('a POST with the CSRF header but no cookie is simply unauthenticated', async () => {
      assertError(await api(server, 'POST', '/api/auth/logout', { headers: { 'x-csrf-token': admin.csrf } }), 401, 'unauthenticated')
    })
  })

  describe('bad input', () => {
    it('malformed JSON on an authenticated route: 400', async () => {
      const res = await api(server, 'POST', '/api/customers', {
        session: admin,
        body: '{"name": "华夏", ',
        raw: true,
        headers: { 'content-type': 'application/json' },
      })
      assertError(res, 400, 'bad_request')
    })

    it('a body of exactly 1 MiB is read; one byte more is 413 and the server carries on', async () => {
      const exact = loginBodyOfSize(MAX_BODY)
      assert.equal(Buffer.byteLength(exact), MAX_BODY)
      const ok = await api(server, 'POST', '/api/auth/login', { body: exact, raw: true, headers: { 'content-type': 'application/json' } })
      assertError(ok, 422, 'validation_failed')

      const over = loginBodyOfSize(MAX_BODY + 1)
      const res = await api(server, 'POST', '/api/auth/login', { body: over, raw: true, headers: { 'content-type': 'application/json' } })
      assertError(res, 413, 'payload_too_large')
      assertSecurityHeaders(res, '413')

      const big = await api(server, 'POST', '/api/customers', {
        session: admin,
        body: JSON.stringify({ name: 'x'.repeat(3 * MAX_BODY) }),
        raw: true,
        headers: { 'content-type': 'application/json' },
      })
      assertError(big, 413, 'payload_too_large')
      assert.equal((await api(server, 'GET', '/api/health')).status, 200)
    })

    it('a chunked body over 1 MiB (no Content-Length): 413', async () => {
      const chunk = new Uint8Array(64 * 1024).fill(0x20)
      let sent = 0
      const stream = new ReadableStream({
        pull(controller) {
          if (sent >= 2 * MAX_BODY) return controller.close()
          sent += chunk.length
          controller.enqueue(chunk)
        },
      })
      const res = await api(server, 'POST', '/api/auth/login', { body: stream, raw: true, headers: { 'content-type': 'application/json' } })
      assertError(res, 413, 'payload_too_large')
      assert.equal((await api(server, 'GET', '/api/health')).status, 200)
    })

    it('an announced body of 100 MB is refused at once, without reading it', async () => {
      const reply = await rawSocket(server, [
        'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100000000\r\n\r\n{"username":',
      ])
      assert.match(reply, /^HTTP\/1\.1 413 /, reply.slice(0, 200))
      assert.match(reply, /"code":"payload_too_large"/)
      assert.equal((await api(server, 'GET', '/api/health')).status, 200)
    })

    it('oversized request lines and headers, and bytes that are not HTTP, are refused; the server carries on', async () => {
      // (libmicrohttpd answers 414/431 itself, in HTML: outside what the server can shape)
      const longUrl = await rawSocket(server, [`GET /api/${'a'.repeat(40_000)} HTTP/1.1\r\nHost: x\r\n\r\n`])
      assert.match(longUrl, /^HTTP\/1\.1 (414|431|400) /, longUrl.slice(0, 100))
      const bigHeader = await rawSocket(server, [`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`])
      assert.match(bigHeader, /^HTTP\/1\.1 (431|400|413) /, bigHeader.slice(0, 100))
      const garbage = await rawSocket(server, ['\x00\x01\x02 GARBAGE \xff\r\n\r\n'], { timeoutMs: 500 })
      assert.doesNotMatch(garbage, /^HTTP\/1\.1 2/, 'no success for garbage')
      const halfHeaders = await rawSocket(server, ['POST /api/auth/login HTTP/1.1\r\nContent-Len'], { timeoutMs: 300 })
      assert.equal(halfHeaders, '')
      assert.equal((await api(server, 'GET', '/api/health')).status, 200)
    })

    it('an unknown /api route: 404, with or without a session', async () => {
      for (const path of ['/api/a/b/c/d/e/f', '/api/a/b/c/d/e/f/g/h/i/j/k/l/m/n', '/api', '/api/', '/api/health/', '/api//health']) {
        assertError(await api(server, 'GET', path), 404, 'not_found')
        assertError(await api(server, 'GET', path, { session: admin }), 404, 'not_found')
      }
      assertError(await api(server, 'GET', '/api/no_such_entity', { session: admin }), 404, 'not_found')
      assertError(await api(server, 'GET', '/api/no_such_entity/1', { session: admin }), 404, 'not_found')
    })

    it('a wrong method: 405 with Allow', async () => {
      const cases = [
        ['DELETE', '/api/health', 'GET'],
        ['POST', '/api/health', 'GET'],
        ['PUT', '/api/auth/login', 'POST'],
        ['GET', '/api/auth/login', 'POST'],
        ['GET', '/api/auth/logout', 'POST'],
        ['PATCH', '/api/me', 'GET'],
      ]
      for (const [method, path, allow] of cases) {
        const res = await api(server, method, path, { session: admin })
        assertError(res, 405)
        assert.equal(res.headers.get('allow'), allow, `${method} ${path}`)
        assertSecurityHeaders(res, `${method} ${path}`)
      }
      const put = await api(server, 'PUT', '/api/customers/1', { session: admin, body: {} })
      assertError(put, 405)
      const allowed = put.headers.get('allow').split(/,\s*/).sort()
      assert.deepEqual(allowed, ['DELETE', 'GET', 'PATCH'])
      // the web app's paths are read-only
      const post = await api(server, 'POST', '/', { body: {} })
      assertError(post, 405)
      assert.equal(post.headers.get('allow'), 'GET')
    })

    it('a method the server does not know (OPTIONS): 405 with the right Allow', async () => {
      const res = await api(server, 'OPTIONS', '/api/health')
      assertError(res, 405)
      assert.equal(res.headers.get('allow'), 'GET')
    })

    it('an error about a path or query that is not UTF-8 is still a JSON error', async () => {
      const headers = { cookie: admin.cookie, 'x-csrf-token': admin.csrf }
      assertError(await rawRequest(server, { path: '/api/%ff/a/b/c/d/e' }), 404, 'not_found')
      assertError(await rawRequest(server, { path: '/api/%ff%fe', headers }), 404, 'not_found')
      assertError(await rawRequest(server, { method: 'DELETE', path: '/api/%ff%fe', headers }), 405)
      assertError(await rawRequest(server, { path: '/api/customers?sort=%ff', headers }), 400, 'bad_request')
      assertError(await rawRequest(server, { method: 'POST', path: '/%ff' }), 405)
    })

    it('an id in a path is a plain positive integer: no spaces, signs or leading zeros', async () => {
      const created = await api(server, 'POST', '/api/customers', { session: admin, body: { name: '路径编号测试' } })
      assert.equal(created.status, 201, created.text)
      const id = created.json.id
      assert.equal((await api(server, 'GET', `/api/customers/${id}`, { session: admin })).status, 200)
      for (const bad of [`0${id}`, `+${id}`, `%20${id}`, `%09${id}`, `${id}%20`, `${id}.0`, `${id}e0`, '0', '-1', '99999999999999999999']) {
        const path = `/api/customers/${bad}`
        assertError(await rawRequest(server, { path, headers: { cookie: admin.cookie } }), 404, 'not_found', path)
      }
    })
  })

  describe('paths never leave the web app', () => {
    const attacks = [
      '/../etc/passwd',
      '/../../../../../../etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E/%2E%2E/etc/passwd',
      '/.%2e/.%2e/etc/passwd',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/assets/../../../etc/passwd',
      '/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%2f..%2f..%2fetc%2fpasswd',
      '/assets/..%5c..%5c..%5cetc%5cpasswd',
      '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
      '/etc/passwd',
      '//etc/passwd',
      '/api/../../etc/passwd',
      '/api/%2e%2e/%2e%2e/etc/passwd',
      '/index.html/../../etc/passwd',
      '/%00/etc/passwd',
      '/../rapport.db',
      '/../../proc/self/environ',
    ]

    it('answers 404 JSON or the HTML shell, never a file outside the asset table', async () => {
      const shell = await rawRequest(server, { path: '/' })
      for (const path of attacks) {
        const res = await rawRequest(server, { path })
        assert.doesNotMatch(res.text, /root:.*:0:0:/, path)
        assert.doesNotMatch(res.text, /SQLite format/, path)
        assert.doesNotMatch(res.text, /RAPPORT_ADMIN_PASSWORD|admin-pass-123/, path)
        if (res.status === 200) {
          assert.equal(shell.status, 200, `${path}: 200 without a web app`)
          assert.match(res.headers.get('content-type'), /^text\/html/, path)
          assert.equal(res.text, shell.text, `${path} is not the shell`)
        } else {
          assert.ok([400, 401, 404].includes(res.status), `${path}: ${res.status}`)
          assertError(res, res.status)
        }
      }
    })
  })

  describe('security headers', () => {
    it('on API answers, successes and errors alike', async () => {
      assertSecurityHeaders(await api(server, 'GET', '/api/health'), 'health')
      assertSecurityHeaders(await api(server, 'GET', '/api/me', { session: admin }), '/api/me')
      assertSecurityHeaders(await api(server, 'GET', '/api/me'), '401')
      assertSecurityHeaders(await api(server, 'POST', '/api/auth/logout', { session: { cookie: admin.cookie } }), '403')
      assertSecurityHeaders(await api(server, 'GET', '/api/a/b/c/d/e/f'), '404')
      assertSecurityHeaders(await api(server, 'POST', '/api/auth/login', { body: 'x', raw: true }), '400')
      assertSecurityHeaders(await api(server, 'POST', '/api/auth/login', { body: {} }), '422')
    })

    it('on the web app: the shell, a client route, an asset, a missing asset, a 304', async () => {
      const shell = await api(server, 'GET', '/')
      assertSecurityHeaders(shell, '/')
      assertSecurityHeaders(await api(server, 'GET', '/customers/7'), 'a client route')
      assertSecurityHeaders(await api(server, 'GET', '/assets/no-such-file.js'), 'a missing asset')
      const missing = await api(server, 'GET', '/assets/no-such-file.js')
      assertError(missing, 404, 'not_found')
      if (shell.status !== 200) return // the binary was built without the web app
      assert.match(shell.headers.get('content-type'), /^text\/html/)
      const etag = shell.headers.get('etag')
      assert.ok(etag, 'the shell has an ETag')
      const again = await api(server, 'GET', '/', { headers: { 'if-none-match': etag } })
      assert.equal(again.status, 304)
      assertSecurityHeaders(again, '304')
      const asset = shell.text.match(/(?:src|href)="(\/assets\/[^"]+)"/)?.[1]
      if (asset) {
        const res = await api(server, 'GET', asset)
        assert.equal(res.status, 200, asset)
        assertSecurityHeaders(res, asset)
        assert.match(res.headers.get('cache-control'), /immutable/, asset)
      }
    })
  })

  it('still answers /api/health after all of the above', async () => {
    assert.ok(server.running(), 'the server is still running')
    const res = await api(server, 'GET', '/api/health')
    assert.equal(res.status, 200)
    assert.equal(res.json.status, 'ok')
  })
})

describe('the login rate limit (a server of its own)', () => {
  let server
  before(async () => {
    server = await startServer()
  })
  after(async () => {
    await server?.stop()
  })

  it('the sixth failure within a minute is 429, and the limit holds even for the right password', async () => {
    for (let i = 1; i <= 5; i++) {
      const res = await api(server, 'POST', '/api/auth/login', { body: { username: 'rl-user', password: `wrong-${i}` } })
      assertError(res, 401, 'unauthenticated')
    }
    const sixth = await api(server, 'POST', '/api/auth/login', { body: { username: 'rl-user', password: 'wrong-6' } })
    assertError(sixth, 429, 'rate_limited')
    assertSecurityHeaders(sixth, '429')
    // the limit is per username and per address: from this address even admin waits now
    const admin = await api(server, 'POST', '/api/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } })
    assertError(admin, 429, 'rate_limited')
    assert.equal(setCookieLine(admin.headers, 'rapport_session'), null)
    assert.equal((await api(server, 'GET', '/api/health')).status, 200)
  })
})
