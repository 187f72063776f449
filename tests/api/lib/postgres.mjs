// PostgreSQL for the API tests. `make test` starts a throwaway cluster (scripts/pg-cluster.sh) and
// sets RAPPORT_TEST_PG_URL to its maintenance database; each test server then gets a database of
// its own, created here and dropped when the server stops.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'

export const PG_URL = process.env.RAPPORT_TEST_PG_URL || null

function psql(url, sql) {
  return new Promise((resolve, reject) => {
    execFile('psql', ['-q', '-v', 'ON_ERROR_STOP=1', url, '-c', sql], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`psql: ${stderr || error.message}`))
      else resolve(stdout)
    })
  })
}

/** A new empty database: { url, drop() }. */
export async function createDatabase() {
  if (!PG_URL) throw new Error('RAPPORT_TEST_PG_URL is not set')
  const name = 'rapport_test_' + randomBytes(6).toString('hex')
  await psql(PG_URL, `CREATE DATABASE ${name}`)
  const url = PG_URL.replace(/\/[^/]*$/, '/' + name)
  return { url, name, drop: () => psql(PG_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}
