// Files attached to a record: GET/POST /api/{entity}/{id}/attachments, GET and DELETE
// /api/attachments/{id} (docs/api.md "Attachments"). Uploads send the file itself as the body
// (no multipart) with its name in the query; XMLHttpRequest reports the progress. The server
// decides the type from the name and the content (415 otherwise) and the size (413).

import { currentLocale } from '@/i18n'
import { ApiError, apiUrl, currentCsrfToken, http } from './http'
import type { ApiErrorBody } from './types'

export interface Attachment {
  id: number
  entity?: string
  record_id?: number
  name: string
  content_type?: string
  size: number
  sha256?: string
  created_at?: string
  created_by?: { id: number; name: string } | null
  url?: string
}

const listPath = (entity: string, id: number) => `/${encodeURIComponent(entity)}/${id}/attachments`

export function listAttachments(entity: string, id: number): Promise<{ data: Attachment[]; total?: number }> {
  return http.get<{ data: Attachment[]; total?: number }>(listPath(entity, id))
}

/** The administrator's upload limit (GET /api/settings/attachments). */
export function fetchAttachmentSettings(): Promise<{ max_size_mb: number }> {
  return http.get<{ max_size_mb: number }>('/settings/attachments')
}

export function deleteAttachment(id: number): Promise<void> {
  return http.delete(`/attachments/${id}`)
}

/** The file's address: shown inline (images, PDFs) or, with download, saved. */
export function attachmentUrl(id: number, download = false): string {
  return apiUrl(`/attachments/${id}`, { download: download ? 1 : undefined })
}

export interface UploadHandle {
  promise: Promise<Attachment>
  abort: () => void
}

/** Uploads one file; onProgress gets 0…1. Rejects with ApiError like every other call. */
export function uploadAttachment(entity: string, id: number, file: File, onProgress?: (ratio: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest()
  const promise = new Promise<Attachment>((resolve, reject) => {
    xhr.open('POST', apiUrl(listPath(entity, id), { name: file.name }))
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('Accept-Language', currentLocale.value)
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream')
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
        resolve(payload as Attachment)
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
    // A body far over the limit may be cut off with the 413 before it is all sent.
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'network error'))
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'))
    xhr.send(file)
  })
  return { promise, abort: () => xhr.abort() }
}
