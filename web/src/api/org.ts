// The organisation an administrator manages: users, roles and the pool settings
// (departments are an ordinary entity: see records.ts). docs/api.md "Permissions".

import { http, type Query } from './http'
import type { DataScope, EntityAction, EntityGrant, ListResult, LocalizedText } from './types'

// ---- users ---------------------------------------------------------------------

export interface UserRecord {
  id: number
  username: string
  name: string
  email?: string | null
  department_id: number | null
  manager_id: number | null
  disabled: boolean
  /** Only for administrators and the user themself. */
  roles?: string[]
  locale?: string
  created_at?: string
  updated_at?: string
  _labels?: Record<string, string>
}

export interface UserListParams {
  q?: string
  departmentId?: number | null
  disabled?: boolean | null
  limit?: number
  offset?: number
}

export async function listUsers(params: UserListParams = {}, signal?: AbortSignal): Promise<ListResult<UserRecord>> {
  const query: Query = {
    q: params.q?.trim() || undefined,
    'filter[department_id]': params.departmentId ?? undefined,
    'filter[disabled]': params.disabled ?? undefined,
    limit: params.limit,
    offset: params.offset || undefined,
  }
  const result = await http.get<ListResult<UserRecord>>('/users', { query, signal })
  // The server's total counts every user whatever the search and filters; a short page
  // tells the true number (see the report on GET /api/users).
  if (result.data.length < result.limit) result.total = result.offset + result.data.length
  return result
}

export interface UserCreate {
  username: string
  password: string
  name: string
  email?: string
  department_id?: number | null
  manager_id?: number | null
  roles: string[]
}

export type UserPatch = Partial<Pick<UserRecord, 'name' | 'email' | 'department_id' | 'manager_id' | 'roles' | 'disabled'>>

export function createUser(body: UserCreate): Promise<UserRecord> {
  return http.post<UserRecord>('/users', body)
}

export function updateUser(id: number, body: UserPatch): Promise<UserRecord> {
  return http.patch<UserRecord>(`/users/${id}`, body)
}

/** An administrator sets a new password; the user's other sessions end. */
export function setUserPassword(id: number, password: string): Promise<void> {
  return http.post<void>(`/users/${id}/password`, { password })
}

// ---- roles ---------------------------------------------------------------------

export const ACTIONS: readonly EntityAction[] = ['read', 'create', 'update', 'delete', 'export', 'import']
export const SCOPES: readonly DataScope[] = ['none', 'own', 'subordinates', 'department', 'department_tree', 'all']

export type FieldRule = 'hidden' | 'read_only'

export interface Role {
  name: string
  label: LocalizedText
  builtin: boolean
  is_admin: boolean
  grants: Record<string, EntityGrant>
  /** "entity.field" → rule. */
  field_rules: Record<string, FieldRule>
}

export function listRoles(): Promise<{ data: Role[] }> {
  return http.get<{ data: Role[] }>('/roles')
}

export interface RoleCreate {
  name: string
  label: LocalizedText
  grants: Record<string, EntityGrant>
  field_rules?: Record<string, FieldRule>
}

export function createRole(body: RoleCreate): Promise<Role> {
  return http.post<Role>('/roles', body)
}

export function updateRole(name: string, body: Partial<Omit<RoleCreate, 'name'>>): Promise<Role> {
  return http.put<Role>(`/roles/${encodeURIComponent(name)}`, body)
}

export function deleteRole(name: string): Promise<void> {
  return http.delete(`/roles/${encodeURIComponent(name)}`)
}

// ---- pool settings -------------------------------------------------------------

export const POOL_GRADES = ['A', 'B', 'C', 'D', 'default'] as const
export type PoolGrade = (typeof POOL_GRADES)[number]

export interface PoolRule {
  no_follow_up_days: number
  not_won_days: number
}

export interface PoolSettings {
  enabled: boolean
  max_customers: number
  cooldown_days: number
  reminder_days: number
  rules: Record<PoolGrade, PoolRule>
}

export function fetchPoolSettings(): Promise<PoolSettings> {
  return http.get<PoolSettings>('/settings/pool')
}

export function savePoolSettings(settings: PoolSettings): Promise<PoolSettings> {
  return http.put<PoolSettings>('/settings/pool', settings)
}
