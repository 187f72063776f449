// The logged-in user, what they may do, and the CSRF token (kept in memory only,
// never in localStorage).

import { computed, ref, shallowRef } from 'vue'
import { defineStore } from 'pinia'
import * as authApi from '@/api/auth'
import { ApiError, setCsrfTokenProvider } from '@/api/http'
import type { DataScope, EntityAction, Permissions, SessionInfo, User } from '@/api/types'

const NO_PERMISSIONS: Permissions = { admin: false, entities: {} }

export const useSessionStore = defineStore('session', () => {
  const user = ref<User | null>(null)
  const csrfToken = ref<string | null>(null)
  const permissions = shallowRef<Permissions>(NO_PERMISSIONS)
  /** True once GET /api/me has answered (with a user or with 401). */
  const checked = ref(false)

  const isLoggedIn = computed(() => user.value !== null)
  const isAdmin = computed(() => permissions.value.admin)
  const displayName = computed(() => user.value?.name || user.value?.username || '')

  setCsrfTokenProvider(() => csrfToken.value)

  function apply(session: SessionInfo): void {
    user.value = session.user
    csrfToken.value = session.csrf_token
    permissions.value = session.permissions ?? NO_PERMISSIONS
    checked.value = true
  }

  /** Forgets the session locally (after logout, or when the server answers 401). */
  function clear(): void {
    user.value = null
    csrfToken.value = null
    permissions.value = NO_PERMISSIONS
    checked.value = true
  }

  /** Asks the server who is logged in; a 401 or an unreachable server means nobody. */
  async function restore(): Promise<void> {
    try {
      apply(await authApi.fetchMe())
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      clear()
    }
  }

  /** Rejects with ApiError (401 wrong credentials, 429 too many attempts, …). */
  async function login(credentials: authApi.Credentials): Promise<void> {
    const session = await authApi.login(credentials)
    // The login answer has no permissions; GET /api/me has them.
    apply(session.permissions ? session : await authApi.fetchMe())
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout()
    } catch (error) {
      // The session is forgotten locally in any case.
      if (!(error instanceof ApiError)) throw error
    } finally {
      clear()
    }
  }

  /** May the user do this with the entity at all (on some of its records)? */
  function can(entity: string, action: EntityAction): boolean {
    if (permissions.value.admin) return true
    return permissions.value.entities[entity]?.actions.includes(action) ?? false
  }

  /** The user's data scope on the entity ("none" when it may not read it). */
  function scopeOf(entity: string): DataScope {
    if (permissions.value.admin) return 'all'
    return permissions.value.entities[entity]?.scope ?? 'none'
  }

  return {
    user, csrfToken, permissions, checked, isLoggedIn, isAdmin, displayName,
    restore, login, logout, clear, can, scopeOf,
  }
})
