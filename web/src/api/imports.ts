// Imports from spreadsheets (docs/api.md "Imports"): the file is uploaded as the request body
// (POST /api/imports?entity=…&filename=…), then a dry run, a run and an undo each start work on
// the server that the page follows by polling GET /api/imports/{id}.

import { currentLocale } from '@/i18n'
import { ApiError, apiUrl, currentCsrfToken, http } from './http'
import type { ApiErrorBody } from './types'

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
  const xhr = new XMLHttpRequest()
  return new Promise<ImportJob>((resolve, reject) => {
    xhr.open('POST', apiUrl('/imports', { entity, filename: file.name }))
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('Accept-Language', currentLocale.value)
    xhr.setRequestHeader('Content-Type', 'application/octet-stream')
    const token = currentCsrfToken()
    if (token) xhr.setRequestHeader('X-CSRF-Token', token)
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total)
    }
    xhr.onload = () => {
      let payload: unknown
      try {
        payload = xhr.responseText ? JSON.parse(xhr.responseText) : undefined
      } catch {
        payload = undefined
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(payload as ImportJob)
        return
      }
      const error = (payload as ApiErrorBody | undefined)?.error
      if (error && typeof error.message === 'string') {
        const { code, message, fields, ...details } = error
        reject(new ApiError(xhr.status, code, message, fields, details))
      } else {
        reject(new ApiError(xhr.status, xhr.status === 413 ? 'payload_too_large' : 'http_error', xhr.statusText || `HTTP ${xhr.status}`))
      }
    }
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'network error'))
    xhr.send(file)
  })
}
