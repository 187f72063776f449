// Imports from spreadsheets (docs/api.md "Imports"): the file is uploaded as the request body
// (POST /api/imports?entity=…&filename=…), then a dry run, a run and an undo each start work on
// the server that the page follows by polling GET /api/imports/{id}.

import { apiUrl, http } from './http'
import { uploadFile } from './upload'

export type ImportStatus = 'uploaded' | 'checking' | 'checked' | 'running' | 'done' | 'undoing' | 'undone' | 'failed'
export type DuplicateMode = 'skip' | 'update' | 'create'

export interface ImportProblem {
  row: number
  fields?: Record<string, string>
  message?: string
  skipped?: boolean
  existing_id?: number
  duplicate_of_row?: number
}

export interface ImportJob {
  id: number
  entity: string
  filename: string
  encoding: string
  status: ImportStatus
  dry_run: boolean
  mapping: (string | null)[] | null
  duplicates: DuplicateMode
  total: number
  processed: number
  created: number
  updated: number
  skipped: number
  failed: number
  message: string | null
  columns: string[]
  sample: string[][]
  suggested_mapping: (string | null)[]
  errors: ImportProblem[]
  error_count: number
}

/** The entities that take imports. */
export const IMPORTABLE = ['customers', 'contacts', 'leads', 'products', 'opportunities', 'activities']

export const BUSY: ImportStatus[] = ['checking', 'running', 'undoing']

export function fetchImport(id: number): Promise<ImportJob> {
  return http.get<ImportJob>(`/imports/${id}`)
}

function start(id: number, kind: 'dry-run' | 'run' | 'undo', body: object = {}): Promise<ImportJob> {
  return http.post<ImportJob>(`/imports/${id}/${kind}`, body)
}

export const dryRunImport = (id: number, mapping: (string | null)[], duplicates: DuplicateMode) =>
  start(id, 'dry-run', { mapping, duplicates })
export const runImport = (id: number, mapping: (string | null)[], duplicates: DuplicateMode) =>
  start(id, 'run', { mapping, duplicates })
export const undoImport = (id: number) => start(id, 'undo')

export function importErrorsUrl(id: number): string {
  return apiUrl(`/imports/${id}/errors.csv`)
}

/** Uploads the file; onProgress gets 0…1. Rejects with ApiError like every other call. */
export function uploadImport(entity: string, file: File, onProgress?: (ratio: number) => void): Promise<ImportJob> {
  return uploadFile<ImportJob>('/imports', { entity, filename: file.name }, file, 'application/octet-stream', onProgress).promise
}
