// Display names of referenced records that arrive as bare ids (e.g. in the change
// history), fetched once each and shared by every component.

import { reactive } from 'vue'
import { getRecord } from '@/api/records'
import { useMetaStore } from '@/stores/meta'

const cache = reactive(new Map<string, string>())
const pending = new Set<string>()

const keyOf = (entity: string, id: unknown) => `${entity}:${String(id)}`

export function useRefLabels() {
  const meta = useMetaStore()

  /** Labels already known (e.g. a record's _labels), so they need no request. */
  function remember(entity: string, id: unknown, name: string | undefined): void {
    if (name && typeof id === 'number') cache.set(keyOf(entity, id), name)
  }

  /** The label if known; otherwise starts fetching it and returns undefined for now. */
  function labelOf(entity: string, id: unknown): string | undefined {
    if (typeof id !== 'number') return undefined
    const key = keyOf(entity, id)
    const known = cache.get(key)
    if (known !== undefined || pending.has(key)) return known
    pending.add(key)
    getRecord(entity, id)
      .then((record) => cache.set(key, meta.titleOf(entity, record)))
      .catch(() => cache.set(key, `#${id}`))
      .finally(() => pending.delete(key))
    return undefined
  }

  return { remember, labelOf }
}
