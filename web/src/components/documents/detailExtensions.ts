// What the documents add to the generic detail page (views/entity/EntityDetailView.vue),
// per entity: a panel above the tabs, fields the panel shows instead of the field list,
// and when a record may still be edited. Panels are loaded only when such a page opens.

import type { Component } from 'vue'
import type { EntityRecord } from '@/api/records'

export interface DetailExtension {
  panel?: () => Promise<Component | { default: Component }>
  /** Fields left out of the generic field list (the panel shows them). */
  hiddenFields?: readonly string[]
  /** false: no Edit button (e.g. a quote once sent: revise it instead). */
  editable?: (record: EntityRecord) => boolean
}

const quotePanel = () => import('./QuotePanel.vue')
const linesPanel = () => import('./LinesPanel.vue')
const contractPanel = () => import('./ContractPanel.vue')
const accountSummary = () => import('./AccountSummary.vue')
const expensePanel = () => import('./ExpensePanel.vue')

export const DETAIL_EXTENSIONS: Readonly<Record<string, DetailExtension>> = {
  quotes: {
    panel: quotePanel,
    hiddenFields: ['lines', 'subtotal', 'discount', 'tax'],
    editable: (record) => record.status === undefined || record.status === null || record.status === 'draft',
  },
  orders: { panel: linesPanel, hiddenFields: ['lines', 'subtotal', 'discount', 'tax'] },
  contracts: { panel: contractPanel, hiddenFields: ['installments', 'received', 'outstanding', 'overdue'] },
  customers: { panel: accountSummary },
  opportunities: { panel: accountSummary },
  // approval status and actions, lines; nothing changes while it waits for approval or once paid
  expenses: { panel: expensePanel, editable: (record) => record.approval_status !== 'pending' && !record.paid_at },
}
