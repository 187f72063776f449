// From quote to cash (issue 7): what the documents add to the generic record endpoints —
// quote status actions and versions, the PDF, contract payment plans, and the shapes of
// lines, instalments, payments and invoices. Everything else (lists, create, PATCH) goes
// through api/records.ts like any entity.

import { apiUrl, http } from './http'
import { listRecords, updateRecord, type EntityRecord, type Money } from './records'
import type { ListResult } from './types'

/** One line of a quote or order, as the server answers it (amounts computed by the server). */
export interface DocumentLine {
  id?: number
  product_id?: number | null
  description?: string | null
  /** Decimal text (up to 3 places), e.g. "1.5". */
  quantity: string | number
  unit?: string | null
  unit_price: Money
  discount_percent?: string | number | null
  tax_rate_percent?: string | number | null
  position?: number
  amount?: Money
  discount_amount?: Money
  tax_amount?: Money
  total?: Money
  _labels?: Record<string, string>
}

/** A line as sent in POST/PATCH (the server computes the amounts). */
export interface DocumentLineInput {
  /** An existing line keeps its id (and its history). */
  id?: number
  product_id?: number | null
  description?: string | null
  quantity: string
  unit?: string | null
  unit_price: Money
  discount_percent: string
  tax_rate_percent: string
}

export type QuoteAction = 'send' | 'accept' | 'reject'

const QUOTE_STATUS_AFTER: Record<QuoteAction, string> = { send: 'sent', accept: 'accepted', reject: 'rejected' }

/** send (draft → sent), accept / reject (sent → accepted / rejected): a PATCH of the status. */
export function quoteAction(quote: EntityRecord, action: QuoteAction): Promise<EntityRecord> {
  return updateRecord('quotes', quote.id, { status: QUOTE_STATUS_AFTER[action], version: quote.version })
}

/** A sent quote becomes a new draft version (revision n+1, same number); the old one is kept
 * as "superseded". Answers the new version. */
export function reviseQuote(id: number, changes: Record<string, unknown> = {}): Promise<EntityRecord> {
  return http.post<EntityRecord>(`/quotes/${id}/revise`, changes)
}

/** Every version of the quote (those sharing its number), in no particular order. */
export function quoteVersions(quote: EntityRecord): Promise<ListResult<EntityRecord>> {
  if (typeof quote.number !== 'string' || quote.number === '') {
    return Promise.resolve({ data: [quote], total: 1, limit: 1, offset: 0 })
  }
  // revision is not sortable on the server: the caller orders them.
  return listRecords('quotes', { filters: [{ field: 'number', value: quote.number }], limit: 100 })
}

/** The PDF: inline for the preview, as a download otherwise. */
export function quotePdfUrl(id: number, options: { download?: boolean; locale?: string } = {}): string {
  return apiUrl(`/quotes/${id}/pdf`, { download: options.download ? 1 : undefined, lang: options.locale })
}

/** One instalment of a contract's payment plan (the contract's "installments"). */
export interface Installment {
  id?: number
  position?: number
  due_on: string
  amount: Money
  note?: string | null
  /** Received against it, still outstanding, and paid / partial / due / overdue (server-computed). */
  received?: Money
  outstanding?: Money
  status?: 'paid' | 'partial' | 'due' | 'overdue' | string
}

export interface InstallmentInput {
  /** An existing instalment keeps its id (and the payments allocated to it). */
  id?: number
  due_on: string
  amount: Money
  note?: string | null
}

/** Replaces the plan; the instalments must add up to the contract amount (422 otherwise).
 * With the contract's version, a stale plan answers 409. Answers the contract. */
export function savePaymentPlan(contractId: number, installments: InstallmentInput[], version?: number): Promise<EntityRecord> {
  return http.put<EntityRecord>(`/contracts/${contractId}/payment_plan`, version === undefined ? { installments } : { installments, version })
}

/** GET /api/customers/{id}/summary, /api/opportunities/{id}/summary: their documents in figures. */
export interface DocumentsSummary {
  quotes?: { count: number; total: Money }
  orders?: { count: number; total: Money }
  contracts?: { count: number; amount: Money }
  lifetime_value?: Money
  received?: Money
  outstanding?: Money
  overdue?: Money
  invoiced?: Money
}

export function fetchSummary(entity: 'customers' | 'opportunities', id: number): Promise<DocumentsSummary> {
  return http.get<DocumentsSummary>(`/${entity}/${id}/summary`)
}

/** A record's money field, if it is one. */
export function moneyOf(record: Record<string, unknown> | null | undefined, field: string): Money | null {
  const value = record?.[field]
  if (typeof value === 'object' && value !== null && typeof (value as Money).amount === 'number') return value as Money
  if (typeof value === 'number') return { amount: value, currency: 'CNY' }
  return null
}
