// GET /api/meta: every entity the caller may see, with its fields, relations and
// permissions. The generic list, detail and form views are built from it.

import { http } from './http'
import type { LocalizedText } from './types'

export type FieldType =
  | 'text' | 'longtext' | 'integer' | 'decimal' | 'money' | 'date' | 'datetime' | 'boolean'
  | 'enum' | 'tags' | 'reference' | 'email' | 'phone' | 'url'

/** One enum option; option lists add members such as probability and closed (pipeline stages). */
export interface FieldOption {
  value: string
  label: LocalizedText
  probability?: number
  closed?: boolean
}

export interface FieldMeta {
  name: string
  type: FieldType
  label: LocalizedText
  required: boolean
  unique?: boolean
  searchable?: boolean
  sortable?: boolean
  list?: boolean
  read_only?: boolean
  max_length?: number
  options?: FieldOption[]
  options_list?: string
  /** reference: the entity the id points to ("users" for people). */
  ref?: string
  /** decimal: digits after the point (default 2). */
  scale?: number
  default?: unknown
}

export interface RelationMeta {
  /** The path segment: GET /api/{entity}/{id}/{name}. */
  name: string
  /** The related records' entity. */
  entity: string
  /** Their reference field that points back to this record. */
  field: string
  label: LocalizedText
}

export interface EntityPermissions {
  create: boolean
  update: boolean
  delete: boolean
  export: boolean
}

export interface EntityMeta {
  name: string
  label: LocalizedText
  module?: string
  owned?: boolean
  title_field: string
  default_sort?: string
  fields: FieldMeta[]
  relations: RelationMeta[]
  permissions: EntityPermissions
  /** Takes files: /api/{entity}/{id}/attachments. */
  attachments?: boolean
  /** Collections of child items sent and answered inside the record (a quote's lines). */
  children?: ChildMeta[]
}

export interface ChildMeta {
  /** The member of the record: "lines", "installments". */
  name: string
  entity: string
  label: LocalizedText
  max: number
  fields: FieldMeta[]
}

export interface MetaResponse {
  entities: EntityMeta[]
}

export function fetchMeta(): Promise<MetaResponse> {
  return http.get<MetaResponse>('/meta')
}

/** GET /api/option-lists/{name}: an admin-editable list such as opportunity_stages. */
export interface OptionList {
  name: string
  options: FieldOption[]
}

export function fetchOptionList(name: string): Promise<OptionList> {
  return http.get<OptionList>(`/option-lists/${encodeURIComponent(name)}`)
}
