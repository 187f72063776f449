// Outgoing mail and one-click action links (docs/api.md "Mail" and "Action links"): the admin's
// SMTP settings, a test mail queued by the API, delivered by the mail job (`rapport jobs run`)
// to a real SMTP server on loopback (python3-aiosmtpd), its link followed once; a dead SMTP
// server leaves the mail queued with its error and it is retried later.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { createUsers, loginUsers, runJobs } from './lib/company.mjs'
import { api, assertError, freePort, login, startServer } from './lib/server.mjs'
import { startSmtp } from './lib/smtp.mjs'

describe('mail outbox and action links', () => {
  let server, admin, rep, smtpPort, smtp

  before(async () => {
    // the scheduler stays out of the way: the tests run the mail job themselves
    server = await startServer({ env: { RAPPORT_JOBS_INTERVAL: '3600' } })
    admin = await login(server)
    const users = await createUsers(server, admin, {}, [{ key: 'rep', name: '王销售', roles: ['sales_rep'] }])
    ;({ rep } = await loginUsers(server, users))
    smtpPort = await freePort()
  })
  after(async () => {
    await smtp?.stop()
    await server?.stop()
  })

  test('the mail settings: admins only, validated, the password never returned', async () => {
    assertError(await api(server, 'GET', '/api/settings/mail', { session: rep }), 403, 'forbidden')
    assertError(await api(server, 'PUT', '/api/settings/mail', { session: rep, body: { host: 'x' } }), 403, 'forbidden')
    const before = await api(server, 'GET', '/api/settings/mail', { session: admin })
    assert.equal(before.status, 200)
    assert.equal(before.json.security, 'none')
    for (const body of [{ port: 0 }, { security: 'ssl' }, { from: 'not an address' }, { host: 'a\r\nb' },
      { base_url: 'ftp://x' }, { colour: 'red' }, { port: '25' }]) {
      const e = assertError(await api(server, 'PUT', '/api/settings/mail', { session: admin, body }), 422, 'validation_failed', JSON.stringify(body))
      assert.equal(Object.keys(e.fields).length, 1)
    }
    assert.deepEqual((await api(server, 'GET', '/api/settings/mail', { session: admin })).json, before.json, 'nothing changed')
    const put = await api(server, 'PUT', '/api/settings/mail', {
      session: admin,
      body: { host: '127.0.0.1', port: smtpPort, security: 'none', username: '', password: 'secret', from: 'crm@example.com', base_url: 'http://crm.example.com/' },
    })
    assert.equal(put.status, 200, put.text)
    assert.equal(put.json.password, undefined)
    assert.equal(put.json.has_password, true)
    assert.equal(put.json.base_url, 'http://crm.example.com')
    assert.ok(!JSON.stringify((await api(server, 'GET', '/api/settings/mail', { session: admin })).json).includes('secret'))
    // no SMTP authentication against the test server
    await api(server, 'PUT', '/api/settings/mail', { session: admin, body: { password: '' } })
  })

  test('a test mail: admins only, a valid address', async () => {
    assertError(await api(server, 'POST', '/api/settings/mail/test', { session: rep, body: { to: 'a@b.cn' } }), 403, 'forbidden')
    assertError(await api(server, 'POST', '/api/settings/mail/test', { session: admin, body: {} }), 422, 'validation_failed')
    assertError(await api(server, 'POST', '/api/settings/mail/test', { session: admin, body: { to: 'a@b.cn\r\nBcc: x@y.z' } }), 422, 'validation_failed')
    assertError(await api(server, 'GET', '/api/mail/outbox', { session: rep }), 403, 'forbidden')
    assert.equal((await api(server, 'GET', '/api/mail/outbox', { session: admin })).json.data.length, 0)
  })

  test('a dead SMTP server: the mail stays queued with its error, is retried later and delivered', async () => {
    const q = await api(server, 'POST', '/api/settings/mail/test', { session: admin, body: { to: 'boss@example.com' } })
    assert.equal(q.status, 202, q.text)
    // nothing listens on smtpPort yet
    const first = await runJobs(server)
    assert.equal(first.jobs.mail.retry, 1, JSON.stringify(first))
    let box = (await api(server, 'GET', '/api/mail/outbox', { session: admin })).json.data
    assert.equal(box.length, 1)
    assert.equal(box[0].status, 'queued')
    assert.equal(box[0].attempts, 1)
    assert.ok(box[0].last_error, 'the error is recorded')
    assert.ok(Date.parse(box[0].next_attempt_at) > Date.now() + 30_000, 'retried after a pause')

    smtp = await startSmtp(smtpPort)
    // still paused: the job leaves it alone
    const early = await runJobs(server)
    assert.equal(early.jobs.mail.sent, undefined, JSON.stringify(early))
    const later = await runJobs(server, new Date(Date.now() + 5 * 60_000))
    assert.equal(later.jobs.mail.sent, 1, JSON.stringify(later))
    box = (await api(server, 'GET', '/api/mail/outbox', { session: admin })).json.data
    assert.equal(box[0].status, 'sent')
    assert.equal(box[0].attempts, 2)
    assert.equal(box[0].last_error, null)

    const m = await smtp.next()
    assert.deepEqual(m.to, ['boss@example.com'])
    assert.equal(m.from, 'crm@example.com')
    assert.match(m.subject, /Rapport/)
    const link = /http:\/\/crm\.example\.com\/l\/([0-9a-f]{64})/.exec(m.text)
    assert.ok(link, m.text)
    const token = link[1]

    // what the link will do, without a session
    const desc = await api(server, 'GET', `/api/links/${token}`)
    assert.equal(desc.status, 200, desc.text)
    assert.equal(desc.json.action, 'mail_test')
    assert.equal(desc.json.user.name, admin.user.name)
    assert.ok(Date.parse(desc.json.expires_at) > Date.now())

    // followed once, as its user, without a session
    const done = await api(server, 'POST', `/api/links/${token}`, { body: {} })
    assert.equal(done.status, 200, done.text)
    assert.equal(done.json.done, true)
    const notes = (await api(server, 'GET', '/api/notifications', { session: admin })).json
    assert.ok(notes.data.some((n) => n.kind === 'mail_test'), JSON.stringify(notes))

    // single use
    assertError(await api(server, 'POST', `/api/links/${token}`, { body: {} }), 410, 'gone')
    assertError(await api(server, 'GET', `/api/links/${token}`), 410, 'gone')
    // unknown and malformed tokens
    assertError(await api(server, 'GET', `/api/links/${'0'.repeat(64)}`), 404, 'not_found')
    assertError(await api(server, 'POST', `/api/links/${'a'.repeat(64)}`), 404, 'not_found')
    assertError(await api(server, 'POST', '/api/links/short'), 404, 'not_found')
    assertError(await api(server, 'POST', `/api/links/${token.toUpperCase()}`), 404, 'not_found')
  })

  test('nothing sent twice', async () => {
    const again = await runJobs(server, new Date(Date.now() + 60 * 60_000))
    assert.equal(again.jobs.mail.sent, undefined, JSON.stringify(again))
    assert.equal(smtp.pending(), 0)
  })

  test('a server that never answers: retried with growing pauses, given up after 8 attempts with the error kept', async () => {
    const dead = await freePort()
    assert.equal((await api(server, 'PUT', '/api/settings/mail', { session: admin, body: { port: dead } })).status, 200)
    assert.equal((await api(server, 'POST', '/api/settings/mail/test', { session: admin, body: { to: 'nobody@example.com' } })).status, 202)
    const start = Date.now() + 2 * 3600_000 // past the pause of the mail of the tests before
    let last
    for (let i = 1; i <= 8; i++) {
      last = await runJobs(server, new Date(start + i * 7 * 3600_000))
      if (i < 8) assert.equal(last.jobs.mail.retry, 1, `attempt ${i}: ${JSON.stringify(last)}`)
    }
    assert.equal(last.jobs.mail.gave_up, 1, JSON.stringify(last))
    const failed = (await api(server, 'GET', '/api/mail/outbox', { session: admin, query: { status: 'failed' } })).json.data
    assert.equal(failed.length, 1)
    assert.equal(failed[0].to, 'nobody@example.com')
    assert.equal(failed[0].attempts, 8)
    assert.ok(failed[0].last_error)
    // given up: never tried again
    const afterwards = await runJobs(server, new Date(start + 100 * 7 * 3600_000))
    assert.equal(afterwards.jobs.mail.sent, undefined, JSON.stringify(afterwards))
    assertError(await api(server, 'GET', '/api/mail/outbox', { session: admin, query: { status: 'lost' } }), 422, 'validation_failed')
  })
})
