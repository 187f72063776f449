// "customer" for one record of customers: the UI's own singular noun when it has one,
// otherwise the entity's label from /api/meta (new entities work before the UI knows them).

import { useI18n } from 'vue-i18n'
import { label } from '@/i18n'
import { useMetaStore } from '@/stores/meta'

export function useEntityNoun() {
  const { t, te } = useI18n()
  const meta = useMetaStore()

  return (entity: string): string => {
    if (te(`entityNoun.${entity}`)) return t(`entityNoun.${entity}`)
    const entityMeta = meta.entity(entity)
    return entityMeta ? label(entityMeta) : entity
  }
}
