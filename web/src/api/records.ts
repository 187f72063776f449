// The generic record endpoints, the same for every entity (see API.md "Records"),
// plus the global search and the few special actions the UI uses.

import { apiUrl, http, type Query } from './http'
import type { ListResult, LocalizedText } from './types'

/** Money as the server speaks it: integer minor units (fen, cents) and an ISO 4217 code. */
export interface Money {
  amount: number
  currency: string
}

/** Any record: system members plus the entity's own fields. */
export interface EntityRecord {
  id: number
  version: number
  created_at?: string
  updated_at?: string
  created_by?: number | null
  updated_by?: number | null
  owner_id?: number | null
  /** Display names of the records the reference fields point to. */
  _labels?: Record<string, string>
  [field: string]: unknown
}

export type FilterOp = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'like' | 'null'

export interface Filter {
  field: string
  op?: FilterOp
  value: string | number | boolean
}

export interface ListParams {
  q?: string
  limit?: number
  offset?: number
  /** "name" or "-created_at". */
  sort?: string
  filters?: Filter[]
}

function listQuery(params: ListParams): Query {
  const query: Query = {
    q: params.q?.trim() || undefined,
    limit: params.limit,
    offset: params.offset || undefined,
    sort: params.sort || undefined,
  }
  for (const filter of params.filters ?? []) {
    const key = !filter.op || filter.op === 'eq' ? `filter[${filter.field}]` : `filter[${filter.field}][${filter.op}]`
    query[key] = String(filter.value)
  }
  return query
}

/** GET /api/{entity}/export: the list with these search, filters and sort as a file (no paging). */
export function exportUrl(entity: string, params: ListParams, format: 'csv' | 'xlsx', lang: string): string {
  const query = listQuery({ q: params.q, sort: params.sort, filters: params.filters })
  return apiUrl(`/${encodeURIComponent(entity)}/export`, { ...query, format, lang })
}

const base = (entity: string) => `/${encodeURIComponent(entity)}`
const one = (entity: string, id: number | string) => `${base(entity)}/${encodeURIComponent(String(id))}`

export function listRecords<T extends EntityRecord = EntityRecord>(
  entity: string,
  params: ListParams = {},
  signal?: AbortSignal,
): Promise<ListResult<T>> {
  return http.get<ListResult<T>>(base(entity), { query: listQuery(params), signal })
}

export function getRecord<T extends EntityRecord = EntityRecord>(entity: string, id: number | string): Promise<T> {
  return http.get<T>(one(entity, id))
}

export function createRecord<T extends EntityRecord = EntityRecord>(entity: string, body: Record<string, unknown>): Promise<T> {
  return http.post<T>(base(entity), body)
}

/** PATCH: only the changed fields, plus the version the edit started from. */
export function updateRecord<T extends EntityRecord = EntityRecord>(
  entity: string,
  id: number,
  body: Record<string, unknown> & { version: number },
): Promise<T> {
  return http.patch<T>(one(entity, id), body)
}

/** To the recycle bin. */
export function deleteRecord(entity: string, id: number): Promise<void> {
  return http.delete(one(entity, id))
}

export function listRelated<T extends EntityRecord = EntityRecord>(
  entity: string,
  id: number,
  relation: string,
  params: ListParams = {},
): Promise<ListResult<T>> {
  return http.get<ListResult<T>>(`${one(entity, id)}/${encodeURIComponent(relation)}`, { query: listQuery(params) })
}

export interface HistoryChange {
  field: string
  old: unknown
  new: unknown
}

export interface HistoryEntry {
  id: number
  action: 'create' | 'update' | 'delete' | 'restore' | 'convert' | 'follow_up' | string
  at: string
  user: { id: number; name: string } | null
  changes: HistoryChange[]
}

export function fetchHistory(
  entity: string,
  id: number,
  params: { limit?: number; offset?: number } = {},
): Promise<{ data: HistoryEntry[] }> {
  return http.get<{ data: HistoryEntry[] }>(`${one(entity, id)}/history`, { query: { ...params } })
}

export interface SearchGroup {
  entity: string
  label: LocalizedText
  total: number
  data: EntityRecord[]
}

export interface SearchResult {
  query: string
  results: SearchGroup[]
}

export function searchAll(q: string, signal?: AbortSignal): Promise<SearchResult> {
  return http.get<SearchResult>('/search', { query: { q }, signal })
}

export interface LeadConversionRequest {
  customer?: Record<string, unknown>
  contact?: Record<string, unknown>
  opportunity?: Record<string, unknown>
  customer_id?: number
}

export interface LeadConversionResult {
  customer: EntityRecord
  contact: EntityRecord | null
  opportunity: EntityRecord | null
}

export function convertLead(id: number, body: LeadConversionRequest): Promise<LeadConversionResult> {
  return http.post<LeadConversionResult>(`/leads/${id}/convert`, body)
}

export interface AggregateResult {
  groups: { key: unknown; count: number; sum?: number; currency?: string }[]
  count: number
  /** With sum=: the total in minor units (money), and its currency ("mixed" when several). */
  sum?: number
  currency?: string
}

/** GET /api/{entity}/aggregate: counts (and sums) within the caller's scope, with the list's filters. */
export function aggregateRecords(
  entity: string,
  params: { group?: string; sum?: string; filters?: Filter[]; q?: string },
): Promise<AggregateResult> {
  const query = listQuery({ q: params.q, filters: params.filters })
  if (params.group) query.group = params.group
  if (params.sum) query.sum = params.sum
  return http.get<AggregateResult>(`${base(entity)}/aggregate`, { query })
}
