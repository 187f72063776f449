// The logged-in user and the CSRF token (kept in memory only, never in localStorage).

import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import * as authApi from '@/api/auth'
import { ApiError, setCsrfTokenProvider } from '@/api/http'
import type { SessionInfo, User } from '@/api/types'

export const useSessionStore = defineStore('session', () => {
  const user = ref<User | null>(null)
  const csrfToken = ref<string | null>(null)
  /** True once GET /api/me has answered (with a user or with 401). */
  const checked = ref(false)

  const isLoggedIn = computed(() => user.value !== null)
  const displayName = computed(() => user.value?.name || user.value?.username || '')

  setCsrfTokenProvider(() => csrfToken.value)

  function apply(session: SessionInfo): void {
    user.value = session.user
    csrfToken.value = session.csrf_token
    checked.value = true
  }

  /** Forgets the session locally (after logout, or when the server answers 401). */
  function clear(): void {
    user.value = null
    csrfToken.value = null
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
    apply(await authApi.login(credentials))
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

  return { user, csrfToken, checked, isLoggedIn, displayName, restore, login, logout, clear }
})
