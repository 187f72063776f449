// A tiny fetch client for /api: JSON in and out, the CSRF header on every
// state-changing request, and one error type (ApiError) for every failure.

import { currentLocale } from '@/i18n'
import type { ApiErrorBody } from './types'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export type QueryValue = string | number | boolean | null | undefined
export type Query = Record<string, QueryValue | QueryValue[]>

export interface RequestOptions {
  query?: Query
  body?: unknown
  signal?: AbortSignal
  /** Do not call the unauthorized handler on 401 (used by login and the session probe). */
  ignoreUnauthorized?: boolean
}

/** Error thrown for a non-2xx answer (status > 0) or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: Record<string, string>
  /** Everything else the server put in the error object (e.g. existing_id, current_version). */
  readonly details: Record<string, unknown>

  constructor(
    status: number,
    code: string,
    message: string,
    fields: Record<string, string> = {},
    details: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields
    this.details = details
  }

  /** A numeric detail such as existing_id or current_version, if the server sent one. */
  detailNumber(key: string): number | undefined {
    const value = this.details[key]
    return typeof value === 'number' ? value : undefined
  }
}

const UNSAFE_METHODS: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

let csrfTokenProvider: () => string | null = () => null
let unauthorizedHandler: () => void = () => {}

/** The session store tells the client where the current CSRF token lives. */
export function setCsrfTokenProvider(provider: () => string | null): void {
  csrfTokenProvider = provider
}

/** The current CSRF token, for requests made outside request() (uploads with progress). */
export function currentCsrfToken(): string | null {
  return csrfTokenProvider()
}

/** Called when any request answers 401 (the session has expired or was revoked). */
export function setUnauthorizedHandler(handler: () => void): void {
  unauthorizedHandler = handler
}

/** Builds "/api/path?a=1&b=2"; arrays repeat the key, null/undefined are left out. */
export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== null && item !== undefined) params.append(key, String(item))
    }
  }
  const search = params.toString()
  return `/api${path}${search ? `?${search}` : ''}`
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  const error = (value as ApiErrorBody | null)?.error
  return typeof error === 'object' && error !== null && typeof error.message === 'string'
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text()
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Sends one request to /api and returns the parsed JSON (undefined for 204). */
export async function request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
  // Accept-Language lets the server word its messages in the UI language.
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': currentLocale.value }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (UNSAFE_METHODS.has(method)) {
    const token = csrfTokenProvider()
    if (token) headers['X-CSRF-Token'] = token
  }

  let response: Response
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    })
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : String(cause))
  }

  const payload = await readJson(response)
  if (response.ok) return payload as T

  if (response.status === 401 && !options.ignoreUnauthorized) unauthorizedHandler()
  if (isApiErrorBody(payload)) {
    const { code, message, fields, ...details } = payload.error
    throw new ApiError(response.status, code, message, fields, details)
  }
  throw new ApiError(response.status, 'http_error', response.statusText || `HTTP ${response.status}`)
}

export const http = {
  get: <T>(path: string, options?: Omit<RequestOptions, 'body'>) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
  delete: <T = void>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
}
