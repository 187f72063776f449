// Conversions between a field's API value and the value its form input edits:
// money in major units (yuan) with a currency, moments as wall time in the user's zone.

import type { FieldMeta } from '@/api/meta'
import { isMoney, toMajor, toMinor } from './format'
import { isoToWall, wallToIso } from './time'

export interface MoneyInputValue {
  major: number | null
  currency: string
}

export type FormValue = string | number | boolean | null | string[] | MoneyInputValue

export const DEFAULT_CURRENCY = 'CNY'

const TEXT_TYPES = new Set(['text', 'longtext', 'email', 'phone', 'url'])

export function isTextType(field: FieldMeta): boolean {
  return TEXT_TYPES.has(field.type)
}

/** The value a form starts from for a new record: the field's default, or empty. */
export function defaultFormValue(field: FieldMeta): FormValue {
  return toFormValue(field, field.default ?? null)
}

export function toFormValue(field: FieldMeta, value: unknown): FormValue {
  switch (field.type) {
    case 'money':
      if (isMoney(value)) return { major: toMajor(value.amount, value.currency), currency: value.currency }
      if (typeof value === 'number') return { major: toMajor(value, DEFAULT_CURRENCY), currency: DEFAULT_CURRENCY }
      return { major: null, currency: DEFAULT_CURRENCY }
    case 'datetime':
      return isoToWall(value)
    case 'tags':
      return Array.isArray(value) ? value.map(String) : []
    case 'boolean':
      return value === null || value === undefined ? false : Boolean(value)
    case 'integer':
    case 'decimal':
    case 'reference':
      return typeof value === 'number' ? value : value === null || value === undefined || value === '' ? null : Number(value)
    default:
      if (isTextType(field)) return value === null || value === undefined ? '' : String(value)
      return value === undefined || value === '' ? null : (value as FormValue)
  }
}

/** The JSON the server expects for the form value (null clears an optional field). */
export function toApiValue(field: FieldMeta, value: FormValue | undefined): unknown {
  if (value === undefined) return null
  switch (field.type) {
    case 'money': {
      const money = value as MoneyInputValue | null
      if (!money || money.major === null || money.major === undefined || Number.isNaN(money.major)) return null
      const currency = money.currency || DEFAULT_CURRENCY
      return { amount: toMinor(money.major, currency), currency }
    }
    case 'datetime':
      return typeof value === 'string' && value !== '' ? (wallToIso(value) ?? value) : null
    case 'decimal':
      return typeof value === 'number' && !Number.isNaN(value) ? value.toFixed(field.scale ?? 2) : null
    case 'integer':
    case 'reference':
      return typeof value === 'number' && !Number.isNaN(value) ? value : null
    case 'tags':
      return Array.isArray(value) ? value.map((tag) => tag.trim()).filter((tag) => tag !== '') : []
    case 'boolean':
      return Boolean(value)
    default:
      if (typeof value === 'string') {
        const trimmed = value.trim()
        return trimmed === '' ? null : trimmed
      }
      return value
  }
}

/** Equal as the server would store them (for "PATCH only what changed"). */
export function sameApiValue(a: unknown, b: unknown): boolean {
  const norm = (value: unknown) => (value === undefined || value === '' ? null : value)
  const left = norm(a)
  const right = norm(b)
  if (Array.isArray(left) && Array.isArray(right) && left.length === 0 && right.length === 0) return true
  if (Array.isArray(left) && right === null) return left.length === 0
  if (Array.isArray(right) && left === null) return right.length === 0
  return JSON.stringify(left) === JSON.stringify(right)
}

/** Compares decimals by value (the server answers 1.5, the form sends "1.50"). */
export function sameFieldValue(field: FieldMeta, original: unknown, edited: unknown): boolean {
  if (field.type === 'decimal') {
    const toNumber = (value: unknown) => (value === null || value === undefined || value === '' ? null : Number(value))
    return toNumber(original) === toNumber(edited)
  }
  if (field.type === 'datetime') {
    // Pickers work to the second; the server keeps milliseconds.
    const toMs = (value: unknown) =>
      typeof value === 'string' && value !== '' ? Math.floor(Date.parse(value) / 1000) : null
    return toMs(original) === toMs(edited)
  }
  return sameApiValue(original, edited)
}
