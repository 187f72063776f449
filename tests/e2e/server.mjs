// Starts a real Rapport server for browser tests: a fresh data directory, `rapport init`
// with a known admin password, `rapport serve` on a free loopback port, and a wait for
// GET /api/health. The binary is build/rapport unless RAPPORT_BIN names another one.
// Set RAPPORT_E2E_LOG=1 to see the server's output as it runs.

import { spawn, execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const ADMIN_USERNAME = 'admin'
export const ADMIN_PASSWORD = 'admin-pass-123'

const HEALTH_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 5_000
const LOG_LINES_KEPT = 200

/** A free TCP port on 127.0.0.1 (the OS picks it; we release it right away). */
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

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function serverBinary() {
  const bin = path.resolve(process.env.RAPPORT_BIN ?? path.join(REPO_ROOT, 'build', 'rapport'))
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: build the server first (make)`)
  return bin
}

/** Keeps the last lines a child process printed, for error messages. */
function captureOutput(child, lines) {
  const echo = process.env.RAPPORT_E2E_LOG === '1'
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8')
    stream.on('data', (chunk) => {
      if (echo) process.stderr.write(chunk)
      lines.push(...chunk.split('\n').filter(Boolean))
      if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT)
    })
  }
}

async function waitForHealth(baseUrl, child, lines) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`rapport serve exited early (${child.exitCode ?? child.signalCode}):\n${lines.join('\n')}`)
    }
    try {
      const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(1_000) })
      if (response.status === 200) return
    } catch {
      // Not listening yet.
    }
    await sleep(100)
  }
  throw new Error(`GET /api/health did not answer 200 within ${HEALTH_TIMEOUT_MS} ms:\n${lines.join('\n')}`)
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

/**
 * Starts a server on a fresh database; with demo: true, `init --demo` fills it with the
 * demo company (300 customers with contacts, opportunities, follow-ups, leads, products).
 * Returns { baseUrl, dataDir, output, stop }; call stop() in after().
 */
export async function startServer({ env = {}, demo = false } = {}) {
  const bin = serverBinary()
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rapport-e2e-'))
  const childEnv = { ...process.env, RAPPORT_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env }

  try {
    await execFileAsync(bin, ['init', '--data', dataDir, ...(demo ? ['--demo'] : [])], { env: childEnv, timeout: 60_000 })
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true })
    throw new Error(`rapport init failed: ${error.stderr || error.message}`)
  }

  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const output = []
  const child = spawn(bin, ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  captureOutput(child, output)

  const stop = async () => {
    await stopChild(child)
    await rm(dataDir, { recursive: true, force: true })
  }

  try {
    await waitForHealth(baseUrl, child, output)
  } catch (error) {
    await stop()
    throw error
  }
  return { baseUrl, dataDir, output, stop }
}
