// GET /api/meta, loaded once per session and shared by every generic view.

import { ref, shallowRef } from 'vue'
import { defineStore } from 'pinia'
import { fetchMeta, type EntityMeta, type FieldMeta } from '@/api/meta'
import { useSessionStore } from './session'

/**
 * Owned entities carry owner_id on every record without declaring it as a field;
 * the UI shows it (read-only, changed by transfer) like one of its fields, also in lists.
 */
export const OWNER_FIELD: FieldMeta = {
  name: 'owner_id',
  type: 'reference',
  ref: 'users',
  label: { 'zh-CN': '负责人', en: 'Owner' },
  required: false,
  read_only: true,
  list: true,
  sortable: false,
}

function withOwner(entity: EntityMeta): EntityMeta {
  if (!entity.owned || entity.fields.some((field) => field.name === 'owner_id')) return entity
  return { ...entity, fields: [...entity.fields, OWNER_FIELD] }
}

export const useMetaStore = defineStore('meta', () => {
  const entities = shallowRef<Map<string, EntityMeta>>(new Map())
  const loadedFor = ref<number | null>(null)
  let pending: Promise<void> | null = null

  /** Loads the metadata unless it is already there for the current user. */
  function ensure(): Promise<void> {
    const userId = useSessionStore().user?.id ?? null
    if (loadedFor.value !== null && loadedFor.value === userId) return Promise.resolve()
    if (!pending) {
      pending = fetchMeta()
        .then((meta) => {
          entities.value = new Map(meta.entities.map((entity) => [entity.name, withOwner(entity)]))
          loadedFor.value = userId
        })
        .finally(() => {
          pending = null
        })
    }
    return pending
  }

  function entity(name: string): EntityMeta | undefined {
    return entities.value.get(name)
  }

  function field(entityName: string, fieldName: string): FieldMeta | undefined {
    return entity(entityName)?.fields.find((candidate) => candidate.name === fieldName)
  }

  /** The field that names a record of the entity ("name" for most, "subject" for follow-ups). */
  function titleOf(entityName: string, record: Record<string, unknown>): string {
    const titleField = entity(entityName)?.title_field ?? 'name'
    const title = record[titleField] ?? record.name ?? record.username
    return title === null || title === undefined || title === '' ? `#${String(record.id)}` : String(title)
  }

  return { entities, ensure, entity, field, titleOf }
})

/** The system moments every record has; sortable and filterable like fields. */
export const SYSTEM_TIME_FIELDS: readonly FieldMeta[] = [
  {
    name: 'created_at',
    type: 'datetime',
    label: { 'zh-CN': '创建时间', en: 'Created' },
    required: false,
    read_only: true,
    sortable: true,
  },
  {
    name: 'updated_at',
    type: 'datetime',
    label: { 'zh-CN': '更新时间', en: 'Updated' },
    required: false,
    read_only: true,
    sortable: true,
  },
]
