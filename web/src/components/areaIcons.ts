// The sidebar icon of each CRM area (kept apart from router/areas.ts so that
// only the application frame, not the login page, loads the icons).

import type { Component } from 'vue'
import {
  Aim, Bell, Calendar, ChatLineRound, Coin, DataAnalysis, Document, DocumentChecked, Goods, Money,
  Odometer, OfficeBuilding, Reading, Service, Setting, ShoppingCart, Stamp, Tickets,
  TrendCharts, User, Wallet,
} from '@element-plus/icons-vue'
import type { AreaKey } from '@/router/areas'

export const AREA_ICONS: Record<AreaKey, Component> = {
  dashboard: Odometer,
  customers: OfficeBuilding,
  contacts: User,
  leads: Aim,
  opportunities: TrendCharts,
  activities: ChatLineRound,
  products: Goods,
  quotes: Document,
  orders: ShoppingCart,
  contracts: DocumentChecked,
  payments: Money,
  invoices: Tickets,
  tickets: Service,
  knowledge: Reading,
  calendar: Calendar,
  announcements: Bell,
  approvals: Stamp,
  expenses: Wallet,
  commissions: Coin,
  reports: DataAnalysis,
  settings: Setting,
}
