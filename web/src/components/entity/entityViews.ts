// The views an entity has besides its list, for EntityViewSwitch.

export interface EntityView {
  key: string
  labelKey: string
  path: string
}

export const ENTITY_VIEWS: Readonly<Record<string, readonly EntityView[]>> = {
  opportunities: [
    { key: 'list', labelKey: 'list.viewList', path: '/opportunities' },
    { key: 'board', labelKey: 'list.viewBoard', path: '/opportunities/board' },
  ],
  customers: [
    { key: 'list', labelKey: 'pool.viewMine', path: '/customers' },
    { key: 'pool', labelKey: 'pool.viewPool', path: '/customers/pool' },
  ],
}
