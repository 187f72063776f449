// Imports a self-contained TypeScript module of the web app (no imports of its own) into a
// Node test: compiled with the project's TypeScript, loaded from a data: URL.

import { readFile } from 'node:fs/promises'
import path from 'node:path'
import ts from 'typescript'
import { REPO_ROOT } from './server.mjs'

export async function importWebModule(relativePath) {
  const source = await readFile(path.join(REPO_ROOT, relativePath), 'utf8')
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  })
  return import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`)
}
