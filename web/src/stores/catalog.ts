// Which entities the server has, readable or not. GET /api/me and /api/meta only name
// the entities the user may read, so for everyone else the grants of GET /api/roles
// (which cover every entity) tell "you may not see it" from "not built yet".

import { ref, shallowRef } from 'vue'
import { defineStore } from 'pinia'
import { listRoles } from '@/api/org'
import { useSessionStore } from './session'

export const useCatalogStore = defineStore('catalog', () => {
  const names = shallowRef<ReadonlySet<string> | null>(null)
  const loadedFor = ref<number | null>(null)
  let pending: Promise<void> | null = null

  /** Loads the entity names unless they are known for the current user; never rejects. */
  function ensure(): Promise<void> {
    const session = useSessionStore()
    const userId = session.user?.id ?? null
    if (userId === null || (loadedFor.value === userId && names.value)) return Promise.resolve()
    if (session.isAdmin) {
      // An administrator reads every entity, so GET /api/me names them all.
      names.value = new Set(Object.keys(session.permissions.entities))
      loadedFor.value = userId
      return Promise.resolve()
    }
    if (!pending) {
      pending = listRoles()
        .then(({ data }) => {
          const found = new Set(Object.keys(session.permissions.entities))
          for (const role of data) for (const entity of Object.keys(role.grants)) found.add(entity)
          names.value = found
          loadedFor.value = userId
        })
        .catch(() => {
          // Unknown: areas without read access keep showing "coming soon".
          names.value = null
        })
        .finally(() => {
          pending = null
        })
    }
    return pending
  }

  /** true / false once known, undefined before. */
  function exists(entity: string): boolean | undefined {
    if (loadedFor.value !== useSessionStore().user?.id) return undefined
    return names.value ? names.value.has(entity) : undefined
  }

  return { ensure, exists }
})
