// Shapes of the JSON the Rapport server speaks (see /api in docs and API.md).

/** Supported UI languages; the server's labels use the same keys. */
export type Locale = 'zh-CN' | 'en'

/** A text the server gives in every UI language, e.g. a field label from GET /api/meta. */
export type LocalizedText = Partial<Record<Locale, string>>

/** Anything with a localized label (entities, fields, enum options in /api/meta). */
export interface Labelled {
  name?: string
  label?: LocalizedText
}

export interface User {
  id: number
  username: string
  /** Display name; the header falls back to username when it is empty. */
  name?: string
  /** The user's preferred language, if set (not yet used by the UI). */
  locale?: string
  roles?: string[]
  department_id?: number | null
  manager_id?: number | null
}

/** What a role lets its holders do with an entity (see docs/api.md "Permissions"). */
export type EntityAction = 'read' | 'create' | 'update' | 'delete' | 'export' | 'import'
export type DataScope = 'none' | 'own' | 'subordinates' | 'department' | 'department_tree' | 'all'

export interface EntityGrant {
  actions: EntityAction[]
  scope: DataScope
}

/** GET /api/me "permissions": the widest grant of all the user's roles, per entity it may read. */
export interface Permissions {
  admin: boolean
  entities: Record<string, EntityGrant>
}

/** Answer of POST /api/auth/login and GET /api/me (only the latter carries permissions). */
export interface SessionInfo {
  user: User
  csrf_token: string
  permissions?: Permissions
}

/** Body of every 4xx/5xx answer. */
export interface ApiErrorBody {
  error: {
    code: string
    message: string
    fields?: Record<string, string>
    /** e.g. existing_id and field (409 duplicate), current_version (409 stale version). */
    [detail: string]: unknown
  }
}

/** Answer of GET /api/{entity}. */
export interface ListResult<T> {
  data: T[]
  total: number
  /** true when the server stopped counting at its cap: total is a lower bound ("10,000+") */
  total_capped?: boolean
  limit: number
  offset: number
}
