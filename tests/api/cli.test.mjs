// cli.test.mjs - the command line of build/rapport: --help/--version, one-line errors for bad
// usage, init refusing to run twice, idempotent migrate, and a graceful stop on SIGTERM.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import path from 'node:path'

import { ADMIN_PASSWORD, api, login, rawSocket, runCli, startServer, tempDataDir } from './lib/server.mjs'

/** A failure: non-zero exit, nothing on stdout, exactly one line on stderr matching re. */
function assertUsageError(result, re, what) {
  const shown = `${what}: exit ${result.code ?? result.signal}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`
  assert.equal(result.signal, null, shown)
  assert.notEqual(result.code, 0, shown)
  assert.equal(result.stdout, '', shown)
  const lines = result.stderr.split('\n').filter((l) => l !== '')
  assert.equal(lines.length, 1, `one line on stderr: ${shown}`)
  assert.ok(result.stderr.endsWith('\n'), shown)
  assert.match(lines[0], /^rapport: /, shown)
  if (re) assert.match(lines[0], re, shown)
}

describe('rapport --help and --version', () => {
  it('--version prints the version and exits 0', async () => {
    const r = await runCli(['--version'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^rapport \d+\.\d+\.\d+\S*\n$/)
    assert.equal(r.stderr, '')
  })

  it('--help lists every command and exits 0', async () => {
    for (const args of [['--help'], ['-h'], ['serve', '--help']]) {
      const r = await runCli(args)
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stdout, /^usage: rapport /)
      for (const cmd of ['init', 'serve', 'migrate']) assert.match(r.stdout, new RegExp(`^\\s+${cmd}\\s`, 'm'), cmd)
      assert.match(r.stdout, /RAPPORT_ADMIN_PASSWORD/)
      assert.equal(r.stderr, '')
    }
  })
})

describe('rapport: bad usage gives a one-line error and a non-zero exit', () => {
  let dir
  before(async () => {
    dir = await tempDataDir('rapport-cli-')
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('no command', async () => {
    assertUsageError(await runCli([]), /missing command/, 'no arguments')
  })

  it('an unknown command', async () => {
    assertUsageError(await runCli(['frobnicate', '--data', dir]), /unknown command.*frobnicate/, 'frobnicate')
    assertUsageError(await runCli(['--frobnicate']), /unknown command/, '--frobnicate')
  })

  it('an unknown flag', async () => {
    assertUsageError(await runCli(['init', '--data', dir, '--bogus']), /unknown option.*--bogus/, '--bogus')
    assertUsageError(await runCli(['serve', '--data', dir, '-x']), /unknown option.*-x/, '-x')
  })

  it('missing --data', async () => {
    for (const cmd of ['init', 'serve', 'migrate']) assertUsageError(await runCli([cmd]), /--data/, cmd)
  })

  it('a flag without its value', async () => {
    assertUsageError(await runCli(['init', '--data']), /missing value.*--data/, 'init --data')
    assertUsageError(await runCli(['init', '--data', '']), /missing value.*--data/, "init --data ''")
    assertUsageError(await runCli(['serve', '--data', dir, '--listen']), /missing value.*--listen/, 'serve --listen')
  })

  it('an unexpected argument', async () => {
    assertUsageError(await runCli(['migrate', '--data', dir, 'extra']), /unexpected argument.*extra/, 'migrate extra')
  })

  it('a bad --listen', async () => {
    for (const listen of ['nonsense', ':8080', '127.0.0.1:', '127.0.0.1:99999', '127.0.0.1:80x', 'localhost:8080']) {
      assertUsageError(await runCli(['serve', '--data', dir, '--listen', listen]), null, `--listen ${listen}`)
    }
  })

  it('serve or migrate where there is no database', async () => {
    assertUsageError(await runCli(['serve', '--data', dir, '--listen', '127.0.0.1:0']), /no database|rapport init/, 'serve on an empty folder')
    assertUsageError(await runCli(['migrate', '--data', dir]), /no database|rapport init/, 'migrate on an empty folder')
    assertUsageError(await runCli(['migrate', '--data', path.join(dir, 'missing')]), /missing/, 'migrate on a missing folder')
  })

  it('a data folder that is a file', async () => {
    const file = path.join(dir, 'a-file')
    await writeFile(file, 'not a folder')
    assertUsageError(await runCli(['init', '--data', file]), /not a folder/, 'init on a file')
  })
})

describe('rapport init and migrate', () => {
  let dir
  before(async () => {
    dir = await tempDataDir('rapport-cli-')
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('init creates a database; a second init on it fails and changes nothing', async () => {
    const data = path.join(dir, 'twice')
    const env = { RAPPORT_ADMIN_PASSWORD: ADMIN_PASSWORD }
    const first = await runCli(['init', '--data', data], { env })
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /created a new Rapport database/)
    assert.doesNotMatch(first.stdout, /admin password/, 'no password printed when it was given')

    const second = await runCli(['init', '--data', data], { env: { RAPPORT_ADMIN_PASSWORD: 'another-password' } })
    assertUsageError(second, /already/, 'init twice')

    // the first password still logs in
    const server = await startServer({ dataDir: data })
    try {
      await login(server, 'admin', ADMIN_PASSWORD)
    } finally {
      await server.stop()
    }
  })

  it('migrate twice: both exit 0 at the same version', async () => {
    const data = path.join(dir, 'migrate')
    assert.equal((await runCli(['init', '--data', data], { env: { RAPPORT_ADMIN_PASSWORD: ADMIN_PASSWORD } })).code, 0)
    const one = await runCli(['migrate', '--data', data])
    const two = await runCli(['migrate', '--data', data])
    assert.equal(one.code, 0, one.stderr)
    assert.equal(two.code, 0, two.stderr)
    const version = one.stdout.match(/version (\d+)/)?.[1]
    assert.ok(version && Number(version) > 0, one.stdout)
    assert.equal(two.stdout, one.stdout)
  })

  it('init without RAPPORT_ADMIN_PASSWORD prints a random password once, and it logs in', async () => {
    const data = path.join(dir, 'random')
    const r = await runCli(['init', '--data', data], { env: { RAPPORT_ADMIN_PASSWORD: undefined } })
    assert.equal(r.code, 0, r.stderr)
    const password = r.stdout.match(/admin password: (\S+)/)?.[1]
    assert.ok(password && password.length >= 12, r.stdout)
    const server = await startServer({ dataDir: data })
    try {
      const s = await login(server, 'admin', password)
      assert.equal(s.user.username, 'admin')
    } finally {
      await server.stop()
    }
  })
})

describe('rapport serve stops gracefully on SIGTERM', () => {
  it('a login in flight when SIGTERM arrives still finishes with 200; the exit status is 0', async () => {
    const server = await startServer()
    try {
      const body = JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD })
      const head =
        'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`
      // One keep-alive connection: a health check first (so the server has surely accepted the
      // connection), then the login's headers and half its body; SIGTERM while the server waits
      // for the rest; the rest afterwards, so the whole login (argon2) runs during the stop.
      const text = await rawSocket(
        server,
        [
          'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
          { waitFor: /"status":"ok"/ },
          head + body.slice(0, 10),
          200,
          { run: () => server.child.kill('SIGTERM') },
          300,
          body.slice(10),
        ],
        { timeoutMs: 20_000 },
      )
      const answers = text.split(/(?=HTTP\/1\.1 )/)
      assert.equal(answers.length, 2, text)
      assert.match(answers[0], /^HTTP\/1\.1 200 /)
      assert.match(answers[1], /^HTTP\/1\.1 200 /, answers[1].slice(0, 300))
      assert.match(answers[1], /"csrf_token":"[0-9a-f]{64}"/)
      const { code } = await server.stop() // asserts exit 0 and no sanitizer report
      assert.equal(code, 0)
      // the order in the log proves the login was answered after the signal came
      const log = server.stderr()
      const stopping = log.search(/stopping on signal/)
      const answered = log.search(/POST \/api\/auth\/login 200/)
      assert.ok(stopping >= 0 && answered > stopping, `signal, then the answer:\n${log}`)
    } finally {
      await server.stop()
    }
  })

  it('concurrent logins in flight all finish', async () => {
    const server = await startServer()
    try {
      const requests = Array.from({ length: 4 }, () =>
        api(server, 'POST', '/api/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } }),
      )
      await new Promise((r) => setTimeout(r, 200))
      server.child.kill('SIGTERM')
      const results = await Promise.allSettled(requests)
      for (const r of results) {
        // a connection the server had not accepted yet may be refused; one it took must finish
        if (r.status === 'fulfilled') assert.equal(r.value.status, 200, r.value.text)
      }
      assert.ok(results.some((r) => r.status === 'fulfilled'), 'at least the first login was in flight')
      await server.stop()
    } finally {
      await server.stop()
    }
  })

  it('a server with nothing to do exits 0 at once', async () => {
    const server = await startServer()
    const t0 = Date.now()
    await server.stop()
    assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`)
  })
})
