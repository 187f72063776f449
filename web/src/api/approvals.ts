// The approval engine (docs/api.md "Approvals") and the expenses' own actions ("Expenses"):
// the caller's inbox, deciding a step, submitting and withdrawing a document, its requests.

import { http } from './http'
import type { EntityRecord, Money } from './records'

export type TaskStatus = 'pending' | 'approved' | 'rejected' | 'skipped' | 'cancelled' | 'escalated' | 'waiting'

export interface ApprovalTask {
  id: number
  request_id: number
  entity: string
  record_id: number
  title: string | null
  amount: Money
  submitted_by: number
  submitted_by_name: string | null
  submitted_at: string
  step: number
  step_name: string | null
  mode: 'any' | 'all'
  status: TaskStatus
  approver_id: number
  approver_name: string | null
  assigned_from: number | null
  activated_at: string | null
  time_limit_hours: number
  due_at: string | null
  decided_at: string | null
  comment: string | null
  request_status: string
}

export interface ApprovalEvent {
  id: number
  task_id: number | null
  user_id: number | null
  user_name: string | null
  action: string
  comment: string | null
  at: string
}

export interface ApprovalRequest {
  id: number
  flow_version: number
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn'
  automatic: boolean
  message: string | null
  amount: Money
  submitted_by: number
  submitted_by_name: string | null
  submitted_at: string
  decided_at: string | null
  cycle_seconds: number | null
  tasks: ApprovalTask[]
  events: ApprovalEvent[]
}

export interface ApprovalState {
  status: string
  has_flow: boolean
  requests: ApprovalRequest[]
}

export interface TaskList {
  data: ApprovalTask[]
  total: number
}

export function listApprovals(status: 'pending' | 'done' | 'all' = 'pending', limit = 50, offset = 0): Promise<TaskList> {
  return http.get<TaskList>('/approvals', { query: { status, limit, offset } })
}

export function decide(id: number, action: 'approve' | 'reject', comment?: string): Promise<ApprovalTask> {
  return http.post<ApprovalTask>(`/approvals/${id}/${action}`, comment ? { comment } : {})
}

export function submitForApproval(entity: string, id: number): Promise<EntityRecord> {
  return http.post<EntityRecord>(`/${entity}/${id}/submit`)
}

export function withdrawApproval(entity: string, id: number): Promise<EntityRecord> {
  return http.post<EntityRecord>(`/${entity}/${id}/withdraw`)
}

export function approvalState(entity: string, id: number): Promise<ApprovalState> {
  return http.get<ApprovalState>(`/${entity}/${id}/approval`)
}

export function payExpense(id: number): Promise<EntityRecord> {
  return http.post<EntityRecord>(`/expenses/${id}/pay`)
}

export interface Delegation {
  id: number
  user_id: number
  user_name: string | null
  delegate_id: number
  delegate_name: string | null
  from: string
  to: string
  created_at: string
}

export function listDelegations(): Promise<{ data: Delegation[] }> {
  return http.get<{ data: Delegation[] }>('/delegations')
}

export function createDelegation(body: { delegate_id: number; from: string; to: string }): Promise<Delegation> {
  return http.post<Delegation>('/delegations', body)
}

export function deleteDelegation(id: number): Promise<void> {
  return http.delete<void>(`/delegations/${id}`)
}
