// Commissions (docs/api.md "Commissions") and one-click action links ("Mail and action links").

import { http } from './http'
import type { Money } from './records'

export interface CommissionFee {
  name: string
  version: number
  reason: string
  rate_percent: number
  amount: Money
}

export interface CommissionLine {
  kind: 'payment' | 'deduction' | 'adjustment'
  contract_id: number
  contract_number?: string
  payment_id: number | null
  received_on?: string
  plan_name?: string
  plan_version: number | null
  rate_percent: number | null
  base?: Money
  gross?: Money
  deductions: Money
  fees?: CommissionFee[]
  amount: Money
  reason?: string
  for_month?: string
  capped?: boolean
}

export interface PendingDeduction {
  id: number
  contract_id: number
  contract_number: string
  amount: Money
  reason: string
  created_at: string
}

export interface CommissionStatement {
  user_id: number
  month: string
  closed: boolean
  lines: CommissionLine[]
  total: { amount: Money; gross: Money; deductions: Money; lines: number }
  pending_deductions: PendingDeduction[]
}

export interface CommissionPreview {
  as_of: string
  base: Money
  plan: { id: number; name: string; version: number; basis: string; rate_percent: number } | null
  rate_percent?: number
  gross?: Money
  deductions?: Money
  amount: Money
}

export function fetchStatement(month: string, userId?: number | null): Promise<CommissionStatement> {
  return http.get<CommissionStatement>('/commissions/statements', { query: { month, user_id: userId ?? undefined } })
}

export function acknowledgeDeduction(id: number): Promise<unknown> {
  return http.post(`/commissions/deductions/${id}/acknowledge`, {})
}

export function closeMonth(month: string): Promise<unknown> {
  return http.post(`/commissions/months/${month}/close`, {})
}

export function fetchPreview(query: { quote_id?: number; opportunity_id?: number; amount?: number; currency?: string }): Promise<CommissionPreview> {
  return http.get<CommissionPreview>('/commissions/preview', { query })
}

export interface LinkInfo {
  action: string
  target_id: number
  user: { id: number; name: string }
  expires_at: string
}

export function fetchLink(token: string): Promise<LinkInfo> {
  return http.get<LinkInfo>(`/links/${encodeURIComponent(token)}`, { ignoreUnauthorized: true })
}

export function followLink(token: string, comment: string): Promise<{ done: boolean }> {
  return http.post<{ done: boolean }>(`/links/${encodeURIComponent(token)}`, comment ? { comment } : {}, { ignoreUnauthorized: true })
}
