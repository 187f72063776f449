// A file sent as the request body itself (no multipart), with upload progress: the shape of every
// ROUTE_UPLOAD route (attachments, imports). fetch() reports no upload progress, hence
// XMLHttpRequest; answers and errors are read exactly as http.ts reads them.

import { currentLocale } from '@/i18n'
import { ApiError, apiUrl, currentCsrfToken, type Query } from './http'
import type { ApiErrorBody } from './types'

export interface UploadHandle<T> {
  promise: Promise<T>
  abort: () => void
}

/** POSTs file to path?query; onProgress gets 0…1. Rejects with ApiError like every other call. */
export function uploadFile<T>(path: string, query: Query, file: Blob, contentType: string,
  onProgress?: (ratio: number) => void): UploadHandle<T> {
  const xhr = new XMLHttpRequest()
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open('POST', apiUrl(path, query))
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('Accept-Language', currentLocale.value)
    xhr.setRequestHeader('Content-Type', contentType)
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
        resolve(payload as T)
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
