// Who holds a record: the customer pool (公海), transfer to another owner and sharing
// with colleagues. docs/api.md "Sharing and transfer", "The customer pool".

import { http } from './http'
import type { EntityRecord } from './records'

export function claimCustomer(id: number): Promise<EntityRecord> {
  return http.post<EntityRecord>(`/customers/${id}/claim`)
}

export function releaseCustomer(id: number): Promise<EntityRecord> {
  return http.post<EntityRecord>(`/customers/${id}/release`)
}

export function transferCustomer(id: number, ownerId: number): Promise<EntityRecord> {
  return http.post<EntityRecord>(`/customers/${id}/transfer`, { owner_id: ownerId })
}

/** All or nothing. */
export function transferCustomers(ids: number[], ownerId: number): Promise<{ transferred: number[]; owner_id: number }> {
  return http.post<{ transferred: number[]; owner_id: number }>('/customers/transfer', { ids, owner_id: ownerId })
}

export type ShareAccess = 'read' | 'edit'

export interface Share {
  user_id: number
  name: string
  access: ShareAccess
  created_at: string
}

const sharesPath = (entity: string, id: number) => `/${encodeURIComponent(entity)}/${id}/shares`

export function listShares(entity: string, id: number): Promise<{ data: Share[] }> {
  return http.get<{ data: Share[] }>(sharesPath(entity, id))
}

/** Adds a share, or changes its access; answers the record's shares. */
export function addShare(entity: string, id: number, userId: number, access: ShareAccess): Promise<{ data: Share[] }> {
  return http.post<{ data: Share[] }>(sharesPath(entity, id), { user_id: userId, access })
}

export function removeShare(entity: string, id: number, userId: number): Promise<void> {
  return http.delete(`${sharesPath(entity, id)}/${userId}`)
}
