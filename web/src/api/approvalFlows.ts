// Approval flows (administrators): GET /api/approval_flows, GET|PUT /api/approval_flows/{entity}.
// Saving a definition makes the next version; documents in flight keep theirs.
// docs/api.md, "Approvals".

import { http } from './http'

export type ApproverType =
  | 'manager' | 'manager_chain' | 'department_manager' | 'parent_department_manager' | 'role' | 'users'

export const APPROVER_TYPES: readonly ApproverType[] = [
  'manager', 'manager_chain', 'department_manager', 'parent_department_manager', 'role', 'users',
]

export interface FlowStep {
  name?: string | Record<string, string>
  when?: { amount_gte?: number; amount_lt?: number; department_ids?: number[]; discount_gt?: number } | null
  approvers: { type: ApproverType; levels?: number; role?: string; user_ids?: number[] }
  mode?: 'any' | 'all'
  time_limit_hours?: number | null
}

export interface FlowDefinition {
  auto_approve_below?: number | null
  amount_field?: string | null
  steps: FlowStep[]
}

export interface FlowVersion {
  version: number
  created_at: string
  created_by: number | null
  created_by_name?: string
}

export interface ApprovalFlow {
  entity: string
  version: number
  builtin: boolean
  definition: FlowDefinition
  versions: FlowVersion[]
}

export function listApprovalFlows(): Promise<{ data: ApprovalFlow[] }> {
  return http.get<{ data: ApprovalFlow[] }>('/approval_flows')
}

export function fetchApprovalFlow(entity: string): Promise<ApprovalFlow> {
  return http.get<ApprovalFlow>(`/approval_flows/${encodeURIComponent(entity)}`)
}

/** `version` guards against a concurrent edit (409 conflict when stale). */
export function saveApprovalFlow(entity: string, definition: FlowDefinition, version?: number): Promise<ApprovalFlow> {
  return http.put<ApprovalFlow>(`/approval_flows/${encodeURIComponent(entity)}`, version ? { ...definition, version } : definition)
}
