// A quote's version number ("revision"; "version" is the optimistic lock's).
import type { EntityRecord } from '@/api/records'

export function versionNumber(record: EntityRecord): number | null {
  return typeof record.revision === 'number' ? record.revision : null
}
