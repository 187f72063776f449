// Who may do what with a record's ownership, as far as the UI can tell before asking
// the server (which decides, and whose refusals are shown as they come).

import type { EntityRecord } from '@/api/records'
import { useSessionStore } from '@/stores/session'

export function useOwnership() {
  const session = useSessionStore()

  /** Pool customers (no owner) can be changed only with the scope "all"; others by whoever may update them. */
  function mayWrite(entity: string, record: EntityRecord | null | undefined): boolean {
    if (!record || !session.can(entity, 'update')) return false
    if (record.owner_id === null && entity === 'customers') return session.scopeOf(entity) === 'all'
    return true
  }

  /** Giving customers to someone else: with the scope "own" the only possible new owner is oneself. */
  function mayTransfer(): boolean {
    const scope = session.scopeOf('customers')
    return session.can('customers', 'update') && scope !== 'own' && scope !== 'none'
  }

  function isPooled(entity: string, record: EntityRecord | null | undefined): boolean {
    return entity === 'customers' && !!record && record.owner_id === null
  }

  function mayClaim(entity: string, record: EntityRecord | null | undefined): boolean {
    return isPooled(entity, record) && session.can('customers', 'update')
  }

  function mayRelease(entity: string, record: EntityRecord | null | undefined): boolean {
    return entity === 'customers' && !!record && typeof record.owner_id === 'number' && mayWrite(entity, record)
  }

  /** Sharing needs edit rights on an owned record. */
  function mayShare(owned: boolean | undefined, entity: string, record: EntityRecord | null | undefined): boolean {
    return !!owned && !!record && typeof record.owner_id === 'number' && mayWrite(entity, record)
  }

  return { mayWrite, mayTransfer, isPooled, mayClaim, mayRelease, mayShare }
}
