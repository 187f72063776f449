// Departments (an ordinary entity: name, parent_id, manager_id, sort_order) as a tree.

import { listRecords, type EntityRecord } from '@/api/records'

export interface DepartmentNode {
  id: number
  label: string
  record: EntityRecord
  children: DepartmentNode[]
}

/** Every department (GET /api/departments?limit=500), in the entity's default order. */
export async function loadDepartments(): Promise<EntityRecord[]> {
  return (await listRecords('departments', { limit: 500 })).data
}

/**
 * The tree of the given departments; one whose parent is not among them (e.g. deleted)
 * is shown at the top level. Siblings keep the server's order (sort_order, name).
 * `without` leaves a department and everything under it out (for "move under …").
 */
export function departmentTree(records: EntityRecord[], without?: number | null): DepartmentNode[] {
  const nodes = new Map<number, DepartmentNode>()
  for (const record of records) {
    nodes.set(record.id, { id: record.id, label: String(record.name ?? `#${record.id}`), record, children: [] })
  }
  const roots: DepartmentNode[] = []
  for (const node of nodes.values()) {
    const parentId = node.record.parent_id
    const parent = typeof parentId === 'number' && parentId !== node.id ? nodes.get(parentId) : undefined
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  if (without === undefined || without === null) return roots
  const prune = (list: DepartmentNode[]): DepartmentNode[] =>
    list.filter((node) => node.id !== without).map((node) => ({ ...node, children: prune(node.children) }))
  return prune(roots)
}

/** The ids of a department and of every department under it. */
export function subtreeIds(records: EntityRecord[], id: number): Set<number> {
  const ids = new Set([id])
  let grew = true
  while (grew) {
    grew = false
    for (const record of records) {
      if (typeof record.parent_id === 'number' && ids.has(record.parent_id) && !ids.has(record.id)) {
        ids.add(record.id)
        grew = true
      }
    }
  }
  return ids
}
