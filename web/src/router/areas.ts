// The CRM's areas, in sidebar order. Each one is a lazy-loaded route. An area backed
// by an entity gets the generic list and detail views (which fall back to "coming
// soon" while the server does not declare the entity yet); the others share the
// "coming soon" view until their own view lands. Settings (admins only) has sub-pages.
// Icons live in components/areaIcons.ts so the login page does not load them.

import type { RouteComponent } from 'vue-router'

export type AreaKey =
  | 'dashboard' | 'customers' | 'contacts' | 'leads' | 'opportunities' | 'activities'
  | 'products' | 'quotes' | 'orders' | 'contracts' | 'payments' | 'invoices' | 'tickets'
  | 'knowledge' | 'calendar' | 'announcements' | 'approvals' | 'expenses' | 'commissions' | 'reports'
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
const entityList = () => import('@/views/entity/EntityListView.vue')

export const AREAS: readonly Area[] = [
  { key: 'dashboard', path: '/dashboard', view: comingSoon },
  { key: 'customers', path: '/customers', entity: 'customers', view: entityList },
  { key: 'contacts', path: '/contacts', entity: 'contacts', view: entityList },
  { key: 'leads', path: '/leads', entity: 'leads', view: entityList },
  { key: 'opportunities', path: '/opportunities', entity: 'opportunities', view: entityList },
  { key: 'activities', path: '/activities', entity: 'activities', view: entityList },
  { key: 'products', path: '/products', entity: 'products', view: entityList },
  { key: 'quotes', path: '/quotes', entity: 'quotes', view: entityList },
  { key: 'orders', path: '/orders', entity: 'orders', view: entityList },
  { key: 'contracts', path: '/contracts', entity: 'contracts', view: entityList },
  { key: 'payments', path: '/payments', entity: 'payments', view: entityList },
  { key: 'invoices', path: '/invoices', entity: 'invoices', view: entityList },
  { key: 'tickets', path: '/tickets', entity: 'tickets', view: entityList },
  { key: 'knowledge', path: '/knowledge', entity: 'articles', view: entityList },
  { key: 'calendar', path: '/calendar', entity: 'events', view: entityList },
  { key: 'announcements', path: '/announcements', entity: 'announcements', view: entityList },
  { key: 'approvals', path: '/approvals', view: () => import('@/views/approvals/ApprovalInboxView.vue') },
  { key: 'expenses', path: '/expenses', entity: 'expenses', view: entityList },
  { key: 'commissions', path: '/commissions', view: () => import('@/views/commissions/CommissionStatementView.vue') },
  { key: 'reports', path: '/reports', view: comingSoon },
  { key: 'settings', path: '/settings', view: () => import('@/views/settings/SettingsView.vue') },
]

/** The list page of an entity, if the app has one ("/knowledge" for articles). */
export function entityPath(entity: string): string | undefined {
  return AREAS.find((area) => area.entity === entity)?.path
}

/** The detail page of a record, if its entity has pages. */
export function recordPath(entity: string, id: unknown): string | undefined {
  const path = entityPath(entity)
  return path && id !== null && id !== undefined && id !== '' ? `${path}/${String(id)}` : undefined
}

/** The settings area's sub-pages (administrators only), in tab order. */
export const SETTINGS_PAGES = [
  { key: 'departments', view: () => import('@/views/settings/DepartmentsPage.vue') },
  { key: 'users', view: () => import('@/views/settings/UsersPage.vue') },
  { key: 'roles', view: () => import('@/views/settings/RolesPage.vue') },
  { key: 'pool', view: () => import('@/views/settings/PoolSettingsPage.vue') },
  { key: 'backups', view: () => import('@/views/settings/BackupsPage.vue') },
  { key: 'documents', view: () => import('@/views/settings/DocumentSettingsPage.vue') },
  { key: 'mail', view: () => import('@/views/settings/MailSettingsPage.vue') },
  { key: 'approvals', view: () => import('@/views/settings/ApprovalFlowsPage.vue') },
] as const
