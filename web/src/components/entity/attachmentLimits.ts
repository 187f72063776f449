// Whether an entity takes attachments (its /api/meta declaration says "attachments": true),
// and file sizes as people read them. The limits are the server's: the size is the admin's
// setting (GET /api/settings/attachments), the type is checked on the name and the content.

import type { EntityMeta } from '@/api/meta'

export function takesAttachments(entity: EntityMeta | undefined): boolean {
  return entity?.attachments === true
}

/** 1536 → "1.5 KB". */
export function formatFileSize(bytes: number | null | undefined): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return ''
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}
