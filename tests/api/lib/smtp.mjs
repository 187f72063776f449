// A real SMTP server on loopback (smtp_sink.py, Debian's python3-aiosmtpd) for the mail tests.
//
//   const smtp = await startSmtp(port)        // listens on 127.0.0.1:port
//   const msg = await smtp.next()             // { from, to, data, subject, text } of the next mail
//   await smtp.stop()
//
// text is the decoded plain-text body (Rapport sends base64 UTF-8), subject the decoded subject.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const SINK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'smtp_sink.py')
// Debian's interpreter, which has python3-aiosmtpd (a python3 earlier in PATH may not)
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'

/** Decodes the parts of a message Rapport sends: =?UTF-8?B?..?= subject, base64 body. */
export function decodeMail(data) {
  const [head, ...rest] = data.split(/\r?\n\r?\n/)
  const body = rest.join('\n\n')
  const subjectLine = /^Subject: (.*)$/m.exec(head)?.[1] ?? ''
  const subject = subjectLine.replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, b) => Buffer.from(b, 'base64').toString('utf8'))
  const text = /Content-Transfer-Encoding: base64/i.test(head) ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body
  return { head, subject, text }
}

export function startSmtp(port) {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SINK, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] })
    const messages = []
    const waiting = []
    let buffered = ''
    let stderr = ''
    let ready = false
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (c) => (stderr += c))
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk) => {
      buffered += chunk
      let nl
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        if (line === 'ready') {
          ready = true
          resolve(smtp)
          continue
        }
        const m = JSON.parse(line)
        Object.assign(m, decodeMail(m.data))
        if (waiting.length) waiting.shift()(m)
        else messages.push(m)
      }
    })
    child.once('exit', (code) => {
      if (!ready) reject(new Error(`smtp sink exited ${code}: ${stderr}`))
    })
    const exited = new Promise((r) => child.once('exit', r))
    const smtp = {
      port,
      /** The next message (already received or the next to arrive), or an error after ms. */
      next(ms = 10_000) {
        if (messages.length) return Promise.resolve(messages.shift())
        return new Promise((res, rej) => {
          const t = setTimeout(() => rej(new Error('no mail arrived')), ms)
          waiting.push((m) => {
            clearTimeout(t)
            res(m)
          })
        })
      },
      pending: () => messages.length,
      async stop() {
        child.stdin.end()
        const t = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(t)
      },
    }
  })
}
