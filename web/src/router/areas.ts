// The CRM's areas, in sidebar order. Each one is a lazy-loaded route; areas not
// built yet share the generic "coming soon" view until their own view lands.
// Icons live in components/areaIcons.ts so the login page does not load them.

import type { RouteComponent } from 'vue-router'

export type AreaKey =
  | 'dashboard' | 'customers' | 'contacts' | 'leads' | 'opportunities' | 'activities'
  | 'products' | 'quotes' | 'orders' | 'contracts' | 'payments' | 'invoices' | 'tickets'
  | 'knowledge' | 'calendar' | 'announcements' | 'approvals' | 'expenses' | 'reports'
  | 'settings'

export interface Area {
  key: AreaKey
  /** URL path, also the sidebar's index. */
  path: string
  /** The entity behind the area in /api/{entity} and /api/meta, when there is one. */
  entity?: string
  view: () => Promise<RouteComponent>
}

const comingSoon = () => import('@/views/ComingSoonView.vue')

export const AREAS: readonly Area[] = [
  { key: 'dashboard', path: '/dashboard', view: comingSoon },
  { key: 'customers', path: '/customers', entity: 'customers', view: comingSoon },
  { key: 'contacts', path: '/contacts', entity: 'contacts', view: comingSoon },
  { key: 'leads', path: '/leads', entity: 'leads', view: comingSoon },
  { key: 'opportunities', path: '/opportunities', entity: 'opportunities', view: comingSoon },
  { key: 'activities', path: '/activities', entity: 'activities', view: comingSoon },
  { key: 'products', path: '/products', entity: 'products', view: comingSoon },
  { key: 'quotes', path: '/quotes', entity: 'quotes', view: comingSoon },
  { key: 'orders', path: '/orders', entity: 'orders', view: comingSoon },
  { key: 'contracts', path: '/contracts', entity: 'contracts', view: comingSoon },
  { key: 'payments', path: '/payments', entity: 'payments', view: comingSoon },
  { key: 'invoices', path: '/invoices', entity: 'invoices', view: comingSoon },
  { key: 'tickets', path: '/tickets', entity: 'tickets', view: comingSoon },
  { key: 'knowledge', path: '/knowledge', entity: 'articles', view: comingSoon },
  { key: 'calendar', path: '/calendar', entity: 'events', view: comingSoon },
  { key: 'announcements', path: '/announcements', entity: 'announcements', view: comingSoon },
  { key: 'approvals', path: '/approvals', entity: 'approvals', view: comingSoon },
  { key: 'expenses', path: '/expenses', entity: 'expenses', view: comingSoon },
  { key: 'reports', path: '/reports', view: comingSoon },
  { key: 'settings', path: '/settings', view: comingSoon },
]
