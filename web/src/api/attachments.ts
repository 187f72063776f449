// Files attached to a record: GET/POST /api/{entity}/{id}/attachments, GET and DELETE
// /api/attachments/{id} (docs/api.md "Attachments"). Uploads send the file itself as the body
// (no multipart) with its name in the query; XMLHttpRequest reports the progress. The server
// decides the type from the name and the content (415 otherwise) and the size (413).

import { apiUrl, http } from './http'
import { uploadFile, type UploadHandle as UploadHandleOf } from './upload'

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

export type UploadHandle = UploadHandleOf<Attachment>

/** Uploads one file; onProgress gets 0…1. Rejects with ApiError like every other call. */
export function uploadAttachment(entity: string, id: number, file: File, onProgress?: (ratio: number) => void): UploadHandle {
  return uploadFile<Attachment>(listPath(entity, id), { name: file.name }, file, file.type || 'application/octet-stream', onProgress)
}
