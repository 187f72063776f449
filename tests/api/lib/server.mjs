// A real Rapport server for the API tests: a fresh data folder, `rapport init` with a known admin
// password, `rapport serve` on a free loopback port, a wait for GET /api/health; stop() sends
// SIGTERM and checks that the process exited 0 without sanitizer reports, then removes the folder.
//
//   const server = await startServer()          // in before()
//   const admin = await login(server)           // { cookie, csrf, user, token }
//   const res = await api(server, 'GET', '/api/me', { session: admin })
//   await server.stop()                          // in after()
//
// The binary is build/rapport unless RAPPORT_BIN names another (make test-api-asan uses the
// sanitizer build). RAPPORT_TEST_LOG=1 echoes the server's output while the tests run.

import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export * from './client.mjs'
import { ADMIN_PASSWORD } from './client.mjs'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

const HEALTH_TIMEOUT_MS = 15_000
const STOP_TIMEOUT_MS = 15_000
const SANITIZER_PATTERNS = [/AddressSanitizer/, /LeakSanitizer/, /runtime error/, /ThreadSanitizer/, /UndefinedBehaviorSanitizer/]

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** The server binary: $RAPPORT_BIN, else build/rapport (relative names are from the repo root). */
export function serverBinary() {
  const bin = path.resolve(REPO_ROOT, process.env.RAPPORT_BIN ?? 'build/rapport')
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: build the server first (make)`)
  return bin
}

/** Sanitizer reports found in a process's output (empty when clean). */
export function sanitizerReports(text) {
  return SANITIZER_PATTERNS.filter((re) => re.test(text)).map((re) => re.source)
}

/**
 * Runs `rapport ARGS...` to completion: { code, signal, stdout, stderr }. Never throws for a
 * non-zero exit (tests assert on it); env is added to the test's environment (a key set to
 * undefined is removed from it).
 */
export function runCli(args, { env = {}, timeout = 60_000 } = {}) {
  return new Promise((resolve) => {
    const merged = { ...process.env, ...env }
    for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key]
    execFile(serverBinary(), args, { env: merged, timeout, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
      resolve({ code, signal: error?.signal ?? null, stdout, stderr })
    })
  })
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; it is released at once, so bind may still race). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/** A fresh, empty data folder under the system's temporary folder. */
export function tempDataDir(prefix = 'rapport-api-') {
  return mkdtemp(path.join(os.tmpdir(), prefix))
}

/**
 * Which database the servers of this run use: 'postgres' when RAPPORT_TEST_BACKEND=postgres
 * (make test-api-pg; each server then gets a database of its own on the cluster named by
 * RAPPORT_TEST_PG_URL, dropped when it stops), else 'sqlite' (a file in the data folder).
 */
export const BACKEND = process.env.RAPPORT_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite'

/**
 * Starts a server. Options:
 *   env      extra environment for init and serve (e.g. { RAPPORT_JOBS_INTERVAL: '3600' });
 *            with RAPPORT_DATABASE_URL in it, that database is used as it is
 *   demo     true: `init --demo` (the bilingual demo company; slower)
 *   dataDir  an existing data folder to serve as it is (no init; not removed by stop())
 * Returns { baseUrl, port, dataDir, env, backend, database, child, stderr(), stdout(), url(path),
 * running(), stop() }; `env` is what init and serve ran with (for runCli on the same data).
 */
export async function startServer({ env = {}, demo = false, dataDir = null } = {}) {
  const bin = serverBinary()
  const childEnv = { ...process.env, RAPPORT_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env }
  const ownDir = !dataDir
  const dir = dataDir ?? (await tempDataDir())
  let database = null
  const cleanUp = async () => {
    if (ownDir) await rm(dir, { recursive: true, force: true })
    await database?.drop()
  }
  try {
    if (ownDir && BACKEND === 'postgres' && !childEnv.RAPPORT_DATABASE_URL) {
      const { createDatabase } = await import('./postgres.mjs')
      database = await createDatabase()
      childEnv.RAPPORT_DATABASE_URL = database.url
    }
    if (ownDir) {
      const init = await runCli(['init', '--data', dir, ...(demo ? ['--demo'] : [])], { env: childEnv })
      if (init.code !== 0) throw new Error(`rapport init failed (${init.code ?? init.signal}):\n${init.stderr}${init.stdout}`)
    }
  } catch (error) {
    await cleanUp()
    throw error
  }
  // The port is free when chosen but another process may take it before serve binds: retry.
  let lastError
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    try {
      return await spawnServer(bin, dir, port, childEnv, cleanUp, database)
    } catch (error) {
      lastError = error
      if (!error.bindFailed) break
    }
  }
  await cleanUp()
  throw lastError
}

async function spawnServer(bin, dataDir, port, env, cleanUp, database) {
  const baseUrl = `http://127.0.0.1:${port}`
  const child = spawn(bin, ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  let stdout = ''
  const echo = process.env.RAPPORT_TEST_LOG === '1'
  child.stderr.setEncoding('utf8')
  child.stdout.setEncoding('utf8')
  child.stderr.on('data', (chunk) => {
    stderr += chunk
    if (echo) process.stderr.write(chunk)
  })
  child.stdout.on('data', (chunk) => {
    stdout += chunk
    if (echo) process.stdout.write(chunk)
  })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  // the streams may still hold output when 'exit' fires; 'close' comes after them
  const closed = new Promise((resolve) => child.once('close', resolve))

  let stopping = null
  const server = {
    baseUrl,
    port,
    dataDir,
    env,
    backend: env.RAPPORT_DATABASE_URL ? 'postgres' : 'sqlite',
    database: database ? { url: database.url, name: database.name } : null,
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    url: (p) => baseUrl + p,
    /** Is the process still running? */
    running: () => child.exitCode === null && child.signalCode === null,
    /**
     * SIGTERM, wait for the exit, then check: exit code 0, no sanitizer report on stderr.
     * Removes the data folder (and drops the test's PostgreSQL database) either way. Safe to
     * call twice. Returns { code, signal, stderr }.
     */
    stop: () => (stopping ??= stopServer()),
  }

  async function stopServer() {
    try {
      if (server.running()) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      const { code, signal } = await exited
      clearTimeout(timer)
      await closed
      const problems = []
      if (code !== 0) problems.push(`exit ${code ?? signal} (want 0)`)
      const reports = sanitizerReports(stderr)
      if (reports.length) problems.push(`sanitizer reports: ${reports.join(', ')}`)
      if (problems.length) {
        throw new Error(`rapport serve on port ${port}: ${problems.join('; ')}\n--- stderr ---\n${stderr}--- end ---`)
      }
      return { code, signal, stderr }
    } finally {
      await cleanUp()
    }
  }

  // wait for /api/health
  const deadline = Date.now() + HEALTH_TIMEOUT_MS
  for (;;) {
    if (!server.running()) {
      await closed
      const error = new Error(`rapport serve exited early (${child.exitCode ?? child.signalCode}):\n${stderr}`)
      error.bindFailed = /cannot listen/.test(stderr)
      throw error
    }
    try {
      const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(1_000) })
      await res.arrayBuffer()
      if (res.status === 200) return server
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      await closed
      throw new Error(`GET /api/health did not answer 200 within ${HEALTH_TIMEOUT_MS} ms:\n${stderr}`)
    }
    await sleep(50)
  }
}
