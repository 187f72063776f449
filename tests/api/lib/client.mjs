// A small HTTP client for the API tests, generic over routes and entities:
//   api(server, method, path, { body, session, token, headers, raw })  -> { status, headers, json, text }
//   login(server, username, password)                                  -> { cookie, csrf, token, user }
//   rawRequest / rawSocket for what fetch refuses to send (dot segments, false lengths).
//   assertError(res, status, code) checks the error shape of API.md.

import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'

export const ADMIN_USERNAME = 'admin'
export const ADMIN_PASSWORD = 'admin-pass-123'

/** Turns a fetch Response into { status, headers, text, json } (json null unless JSON). */
async function settle(response) {
  const text = await response.text()
  let json = null
  if ((response.headers.get('content-type') ?? '').includes('application/json') && text !== '') {
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined // announced as JSON, but is not: tests see `undefined`
    }
  }
  return { status: response.status, headers: response.headers, text, json, response }
}

/**
 * One API request.
 *   body     an object/array/number -> sent as JSON; with raw: true, a string/Buffer/stream sent as is
 *   session  { cookie, csrf } from login(): sends the cookie, and X-CSRF-Token when csrf is set
 *   token    an API token: Authorization: Bearer <token>
 *   headers  extra headers (they win over the ones above)
 *   query    an object of query arguments, appended to path
 */
export async function api(server, method, path, { body, session, token, headers = {}, raw = false, query } = {}) {
  const h = {}
  let payload
  if (body !== undefined) {
    if (raw) {
      payload = body
    } else {
      payload = JSON.stringify(body)
      h['content-type'] = 'application/json'
    }
  }
  if (session?.cookie) h.cookie = session.cookie
  if (session?.csrf) h['x-csrf-token'] = session.csrf
  if (token) h.authorization = `Bearer ${token}`
  Object.assign(h, headers)
  let url = server.baseUrl + path
  if (query) {
    const qs = new URLSearchParams(query).toString()
    if (qs) url += (path.includes('?') ? '&' : '?') + qs
  }
  const init = { method, headers: h, redirect: 'manual' }
  if (payload !== undefined) {
    init.body = payload
    if (typeof payload?.getReader === 'function' || typeof payload?.[Symbol.asyncIterator] === 'function') init.duplex = 'half'
  }
  return settle(await fetch(url, init))
}

/** The value of one cookie from a response's Set-Cookie headers, or null. */
export function cookieValue(headers, name) {
  for (const line of headers.getSetCookie?.() ?? []) {
    const [pair] = line.split(';')
    const eq = pair.indexOf('=')
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim()
  }
  return null
}

/** The Set-Cookie line of one cookie, or null. */
export function setCookieLine(headers, name) {
  return (headers.getSetCookie?.() ?? []).find((line) => line.split('=')[0].trim() === name) ?? null
}

/**
 * Logs in (admin by default) and returns { cookie, csrf, token, user } for api(..., { session }).
 * Throws unless the answer is 200: for failures, call api() on /api/auth/login directly.
 */
export async function login(server, username = ADMIN_USERNAME, password = ADMIN_PASSWORD) {
  const res = await api(server, 'POST', '/api/auth/login', { body: { username, password } })
  if (res.status !== 200) throw new Error(`login as ${username}: ${res.status} ${res.text}`)
  const token = cookieValue(res.headers, 'rapport_session')
  if (!token) throw new Error(`login as ${username}: no rapport_session cookie`)
  return { cookie: `rapport_session=${token}`, csrf: res.json.csrf_token, token, user: res.json.user }
}

/** Logs a session out (204 expected). */
export async function logout(server, session) {
  const res = await api(server, 'POST', '/api/auth/logout', { session })
  assert.equal(res.status, 204, res.text)
  return res
}

/**
 * Asserts the error shape of API.md: the status, {"error":{"code","message"[,"fields"]}} and
 * nothing else at the top level. Returns the error object. `context` (e.g. the request) is
 * put in front of the failure message.
 */
export function assertError(res, status, code, context = '') {
  const what = `${context ? context + ': ' : ''}${res.status} ${res.text}`
  assert.equal(res.status, status, what)
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `content type of ${what}`)
  assert.ok(res.json && typeof res.json === 'object' && !Array.isArray(res.json), `not a JSON object: ${what}`)
  assert.deepEqual(Object.keys(res.json), ['error'], what)
  const e = res.json.error
  assert.equal(typeof e, 'object', what)
  if (code !== undefined) assert.equal(e.code, code, what)
  assert.equal(typeof e.code, 'string', what)
  assert.match(e.code, /^[a-z_]+$/, what)
  assert.equal(typeof e.message, 'string', what)
  assert.ok(e.message.length > 0, what)
  if ('fields' in e) assert.equal(typeof e.fields, 'object', what)
  return e
}

/**
 * A request with node:http, which sends the path exactly as given (no dot-segment removal or
 * re-encoding, unlike fetch). Returns { status, headers, text, json }.
 */
export function rawRequest(server, { method = 'GET', path, headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method, path, headers, agent: false },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json = null
          if ((res.headers['content-type'] ?? '').includes('application/json') && text) {
            try {
              json = JSON.parse(text)
            } catch {
              json = undefined
            }
          }
          resolve({ status: res.statusCode, headers: new Headers(Object.entries(res.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))), text, json })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

/**
 * Writes bytes to a fresh TCP connection and collects everything the server sends until it
 * closes the connection (or timeoutMs passes); resolves to that text. For requests no client
 * library will send (false lengths, half-sent bodies). `steps` run in order:
 *   'text' or a Buffer   written to the socket
 *   a number             a pause of that many ms
 *   { waitFor: /re/ }    waits until what came back so far matches
 *   { run: fn }          calls fn() (e.g. to signal the server at an exact moment)
 */
export function rawSocket(server, steps, { timeoutMs = 5_000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1')
    const chunks = []
    let done = false
    let wake = null
    const received = () => Buffer.concat(chunks).toString('utf8')
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      wake?.()
      resolve(received())
    }
    const timer = setTimeout(finish, timeoutMs)
    socket.on('data', (c) => {
      chunks.push(c)
      wake?.()
    })
    socket.on('end', finish)
    socket.on('close', finish)
    socket.on('error', (error) => {
      if (chunks.length) return finish() // a reset after the answer: keep what came
      if (done) return
      done = true
      clearTimeout(timer)
      reject(error)
    })
    socket.on('connect', async () => {
      for (const step of Array.isArray(steps) ? steps : [steps]) {
        if (done) return
        if (typeof step === 'number') await new Promise((r) => setTimeout(r, step))
        else if (step?.waitFor) {
          while (!done && !step.waitFor.test(received())) await new Promise((r) => (wake = r))
          wake = null
        } else if (step?.run) step.run()
        else socket.write(step)
      }
    })
  })
}
