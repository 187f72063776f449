// The permission rules of docs/api.md ("Permissions", "Sharing and transfer", "The customer
// pool"), written out in JavaScript so the suites can compute what each user must see and may
// change, independently of the server:
//
//   - a role grants per entity actions and a data scope: own / subordinates / department /
//     department_tree / all; a user with several roles gets the widest grant - here per action:
//     an action is allowed on a record when one of the user's roles grants that action with a
//     scope that covers the record (a read-only role does not widen what another role may edit);
//   - subordinates: down the reporting line (manager_id); a department's manager is the superior
//     of its members without a manager_id;
//   - shared records: visible to the users they are shared with; editable with "edit" access;
//   - the pool: customers without an owner are visible in the pool of their department to its
//     members and to the managers of that department or of a department above it; never editable
//     as pool members (claim first);
//   - contacts, opportunities and activities follow their customer (rows without a customer fall
//     back to their own owner);
//   - field rules: hidden when every role granting the entity hides it.
//
//   const model = new AclModel({ roles, users, departments })   // GET /api/roles data; users and
//                                                               // departments as the API returns them
//   model.add('customers', record); model.share('customers', id, userId, 'read')
//   model.visible(userId, 'contacts', contact) -> bool

export const SCOPES = ['none', 'own', 'subordinates', 'department', 'department_tree', 'all']

/** The entities the suites check and how their rows are scoped. */
export const ENTITIES = {
  customers: { owned: true, pool: true, title: 'name' },
  contacts: { owned: true, via: 'customer_id', title: 'name' },
  opportunities: { owned: true, via: 'customer_id', title: 'name' },
  activities: { owned: true, via: 'customer_id', title: 'subject' },
  leads: { owned: true, title: 'name' },
  products: { owned: false, title: 'name' },
  departments: { owned: false, title: 'name' },
}

const rank = (scope) => Math.max(0, SCOPES.indexOf(scope))

export class AclModel {
  constructor({ roles, users, departments }) {
    this.roles = new Map()
    for (const r of roles) this.setRole(r)
    this.users = new Map()
    for (const u of users) this.setUser(u)
    this.departments = new Map()
    for (const d of departments) this.setDepartment(d)
    this.records = Object.fromEntries(Object.keys(ENTITIES).map((e) => [e, new Map()]))
    this.shares = new Map() // "entity:id" -> Map(userId -> access)
  }

  setRole(r) {
    this.roles.set(r.name, { name: r.name, is_admin: !!r.is_admin, grants: r.grants ?? {}, field_rules: r.field_rules ?? {} })
  }
  setUser(u) {
    this.users.set(u.id, { id: u.id, roles: u.roles, department_id: u.department_id ?? null, manager_id: u.manager_id ?? null })
  }
  setDepartment(d) {
    this.departments.set(d.id, { id: d.id, parent_id: d.parent_id ?? null, manager_id: d.manager_id ?? null })
  }

  /** Adds or replaces a record (the fields the rules need are taken from it). */
  add(entity, rec) {
    this.records[entity].set(rec.id, { ...rec })
    return rec
  }
  remove(entity, id) {
    this.records[entity].delete(id)
  }
  get(entity, id) {
    return this.records[entity].get(id)
  }
  all(entity) {
    return [...this.records[entity].values()]
  }
  share(entity, id, userId, access) {
    const key = `${entity}:${id}`
    if (!this.shares.has(key)) this.shares.set(key, new Map())
    this.shares.get(key).set(userId, access)
  }
  unshare(entity, id, userId) {
    this.shares.get(`${entity}:${id}`)?.delete(userId)
  }
  sharedWith(entity, id, userId, write) {
    const access = this.shares.get(`${entity}:${id}`)?.get(userId)
    return write ? access === 'edit' : !!access
  }

  userRoles(userId) {
    return (this.users.get(userId)?.roles ?? []).map((n) => this.roles.get(n)).filter(Boolean)
  }
  isAdmin(userId) {
    return this.userRoles(userId).some((r) => r.is_admin)
  }

  /** A role's grant on an entity when it includes read (grants without read count for nothing). */
  static readGrant(role, entity) {
    const g = role.grants[entity]
    return g && g.actions.includes('read') ? g : null
  }

  /** Roles of the user granting read and `action` on the entity. */
  granting(userId, entity, action = 'read') {
    return this.userRoles(userId).filter((r) => AclModel.readGrant(r, entity)?.actions.includes(action))
  }

  can(userId, entity, action = 'read') {
    return this.isAdmin(userId) || this.granting(userId, entity, action).length > 0
  }

  /** /api/me's form: { admin, entities: { name: { actions, scope } } } - union of actions, widest scope. */
  permissions(userId, entityNames) {
    const admin = this.isAdmin(userId)
    const entities = {}
    const order = ['read', 'create', 'update', 'delete', 'export', 'import']
    for (const e of entityNames) {
      if (admin) {
        entities[e] = { actions: order, scope: 'all' }
        continue
      }
      const roles = this.granting(userId, e)
      if (!roles.length) continue
      const acts = new Set(roles.flatMap((r) => r.grants[e].actions))
      const scope = roles.reduce((s, r) => (rank(r.grants[e].scope) > rank(s) ? r.grants[e].scope : s), 'none')
      entities[e] = { actions: order.filter((a) => acts.has(a)), scope }
    }
    return { admin, entities }
  }

  /** Hidden: every role granting read on the entity hides the field. */
  hidden(userId, entity, field) {
    if (this.isAdmin(userId)) return false
    const roles = this.granting(userId, entity)
    return roles.length > 0 && roles.every((r) => r.field_rules[`${entity}.${field}`] === 'hidden')
  }
  readOnly(userId, entity, field) {
    if (this.isAdmin(userId)) return false
    const roles = this.granting(userId, entity)
    return roles.length > 0 && roles.every((r) => ['hidden', 'read_only'].includes(r.field_rules[`${entity}.${field}`]))
  }

  /** The widest scope on `entity` among the given roles. */
  static widest(roles, entity) {
    return roles.reduce((s, r) => {
      const g = AclModel.readGrant(r, entity)
      return g && rank(g.scope) > rank(s) ? g.scope : s
    }, 'none')
  }

  /** Department ids of d and every department below it. */
  subtree(deptId) {
    const out = new Set()
    if (deptId == null) return out
    const stack = [deptId]
    while (stack.length) {
      const id = stack.pop()
      if (out.has(id)) continue
      out.add(id)
      for (const d of this.departments.values()) if (d.parent_id === id) stack.push(d.id)
    }
    return out
  }

  /** Owner ids a scope covers for the user. */
  owners(userId, scope) {
    const me = this.users.get(userId)
    const out = new Set([userId])
    if (scope === 'subordinates') {
      for (let grew = true; grew; ) {
        grew = false
        for (const u of this.users.values()) {
          if (out.has(u.id)) continue
          const dept = this.departments.get(u.department_id)
          if (out.has(u.manager_id) || (u.manager_id == null && dept && out.has(dept.manager_id))) {
            out.add(u.id)
            grew = true
          }
        }
      }
    } else if (scope === 'department' || scope === 'department_tree') {
      const depts = scope === 'department' ? new Set(me.department_id == null ? [] : [me.department_id]) : this.subtree(me.department_id)
      for (const u of this.users.values()) if (depts.has(u.department_id)) out.add(u.id)
    }
    return out
  }

  /** Pools (department ids) the user sees: their department's, and those of the departments they manage and below. */
  pools(userId) {
    const me = this.users.get(userId)
    const out = new Set(me.department_id == null ? [] : [me.department_id])
    for (const d of this.departments.values()) if (d.manager_id === userId) for (const id of this.subtree(d.id)) out.add(id)
    return out
  }

  /** Does `scope` cover a row (owner, shares, pool) for reading or writing? */
  covers(userId, scope, entity, rec, write) {
    if (scope === 'none') return false
    if (scope === 'all') return true
    if (!ENTITIES[entity].owned) return true
    if (rec.owner_id != null && this.owners(userId, scope).has(rec.owner_id)) return true
    if (this.sharedWith(entity, rec.id, userId, write)) return true
    if (ENTITIES[entity].pool && !write && rec.owner_id == null && this.pools(userId).has(rec.pool_department_id)) return true
    return false
  }

  /** May the user read this record? */
  visible(userId, entity, rec) {
    if (!this.can(userId, entity, 'read')) return false
    if (this.isAdmin(userId)) return true
    const via = ENTITIES[entity].via
    if (via && rec[via] != null) {
      const parent = this.get('customers', rec[via])
      if (!parent) throw new Error(`${entity} ${rec.id}: customer ${rec[via]} is not in the model`)
      return this.visible(userId, 'customers', parent)
    }
    return this.covers(userId, AclModel.widest(this.granting(userId, entity), entity), entity, rec, false)
  }

  /**
   * May the user change (update / delete) this record? An action is allowed where a role
   * granting it has a scope covering the record; for contacts, opportunities and activities the
   * scope is that role's scope on their customer.
   */
  writable(userId, entity, rec, action = 'update') {
    if (this.isAdmin(userId)) return true
    const roles = this.granting(userId, entity, action)
    if (!roles.length) return false
    const via = ENTITIES[entity].via
    if (via && rec[via] != null) {
      const parent = this.get('customers', rec[via])
      return this.covers(userId, AclModel.widest(roles, 'customers'), 'customers', parent, true)
    }
    return this.covers(userId, AclModel.widest(roles, entity), entity, rec, true)
  }

  /** May the user make `ownerId` the owner of a new record (or transfer to them)? */
  mayAssign(userId, entity, ownerId, action = 'create') {
    if (this.isAdmin(userId) || ownerId === userId) return true
    const scope = AclModel.widest(this.granting(userId, entity, action), entity)
    if (scope === 'all') return true
    if (scope === 'none' || scope === 'own') return false
    return this.owners(userId, scope).has(ownerId)
  }

  /** The records of an entity the user sees. */
  visibleRecords(userId, entity) {
    return this.all(entity).filter((r) => this.visible(userId, entity, r))
  }
}
