// Routes and the login guard. The first navigation asks GET /api/me; without a
// session every non-public route leads to /login?redirect=<intended path>.

import { createRouter, createWebHistory, type RouteLocationRaw } from 'vue-router'
import { useSessionStore } from '@/stores/session'
import { AREAS, SETTINGS_PAGES, type AreaKey } from './areas'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean
    /** i18n key of the page title. */
    titleKey?: string
    area?: AreaKey
    /** The entity of a generic list or detail page. */
    entity?: string
    /** Sub-pages of one area share its frame (the frame is not rebuilt between them). */
    frame?: string
  }
}

export const HOME_PATH = '/dashboard'

/** Only same-site paths are accepted as a place to return to after login. */
export function safeRedirect(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return HOME_PATH
  }
  return value.startsWith('/login') ? HOME_PATH : value
}

export function loginRoute(redirect?: string): RouteLocationRaw {
  return redirect && redirect !== '/' ? { name: 'login', query: { redirect } } : { name: 'login' }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    {
      path: '/login',
      name: 'login',
      component: () => import('@/views/LoginView.vue'),
      meta: { public: true, titleKey: 'login.title' },
    },
    {
      // a one-click link from a mail: no session needed (the link is the credential)
      path: '/l/:token',
      name: 'action-link',
      component: () => import('@/views/LinkView.vue'),
      meta: { public: true },
    },
    {
      path: '/',
      component: () => import('@/layouts/AppLayout.vue'),
      children: [
        { path: '', redirect: HOME_PATH },
        {
          path: 'opportunities/board',
          name: 'opportunities-board',
          component: () => import('@/views/opportunities/PipelineBoardView.vue'),
          meta: { titleKey: 'nav.opportunities', area: 'opportunities', entity: 'opportunities' },
        },
        {
          path: 'customers/pool',
          name: 'customers-pool',
          component: () => import('@/views/customers/CustomerPoolView.vue'),
          meta: { titleKey: 'pool.title', area: 'customers', entity: 'customers' },
        },
        {
          path: 'settings',
          component: () => import('@/views/settings/SettingsView.vue'),
          meta: { titleKey: 'nav.settings', area: 'settings', frame: 'settings' },
          children: [
            { path: '', name: 'settings', redirect: { name: 'settings-departments' } },
            ...SETTINGS_PAGES.map((page) => ({
              path: page.key,
              name: `settings-${page.key}`,
              component: page.view,
              meta: { titleKey: 'nav.settings' },
            })),
          ],
        },
        ...AREAS.filter((area) => area.key !== 'settings').map((area) => ({
          path: area.path.slice(1),
          name: area.key,
          component: area.view,
          meta: { titleKey: `nav.${area.key}`, area: area.key, entity: area.entity },
        })),
        ...AREAS.filter((area) => area.entity).map((area) => ({
          path: `${area.path.slice(1)}/:id(\\d+)`,
          name: `${area.key}-detail`,
          component: () => import('@/views/entity/EntityDetailView.vue'),
          meta: { titleKey: `nav.${area.key}`, area: area.key, entity: area.entity },
        })),
        {
          path: ':pathMatch(.*)*',
          name: 'not-found',
          component: () => import('@/views/NotFoundView.vue'),
          meta: { titleKey: 'notFound.title' },
        },
      ],
    },
  ],
})

router.beforeEach(async (to) => {
  const session = useSessionStore()
  if (!session.checked) await session.restore()

  if (to.name === 'login' && session.isLoggedIn) return safeRedirect(to.query.redirect)
  if (to.meta.public || session.isLoggedIn) return true
  return loginRoute(to.fullPath)
})
