// Display of field values as text: money, numbers, enum labels, dates. Components
// that need links or tags (FieldValue.vue) build on these.

import type { FieldMeta, FieldOption } from '@/api/meta'
import type { Money } from '@/api/records'
import { currentLocale, localized } from '@/i18n'
import { formatDateTime } from './time'

/** The currencies offered by money inputs (any ISO 4217 code the server accepts is shown). */
export const CURRENCIES = ['CNY', 'USD', 'EUR', 'HKD', 'JPY', 'GBP'] as const

export function isMoney(value: unknown): value is Money {
  return (
    typeof value === 'object' && value !== null &&
    typeof (value as Money).amount === 'number' && typeof (value as Money).currency === 'string'
  )
}

/** Digits after the point of the currency's minor unit (2 for CNY, 0 for JPY). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  } catch {
    return 2
  }
}

/** Minor units → major units: 128000000 fen → 1280000 yuan. */
export function toMajor(amount: number, currency: string): number {
  return amount / 10 ** minorDigits(currency)
}

/** Major units → integer minor units, without float noise (1280000.1 yuan → 128000010 fen). */
export function toMinor(major: number, currency: string): number {
  return Math.round(major * 10 ** minorDigits(currency))
}

/** ¥1,280,000.00 / $12.50; the same symbol in both languages. */
export function formatMoney(value: Money, locale = currentLocale.value): string {
  const major = toMajor(value.amount, value.currency)
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: value.currency,
      currencyDisplay: 'narrowSymbol',
    }).format(major)
  } catch {
    return `${value.currency} ${major.toFixed(2)}`
  }
}

/** Sums per currency, e.g. for a pipeline column: "¥1,200.00 + $300.00". */
export function formatMoneyTotals(values: Money[]): string {
  const totals = new Map<string, number>()
  for (const value of values) totals.set(value.currency, (totals.get(value.currency) ?? 0) + value.amount)
  if (totals.size === 0) return formatMoney({ amount: 0, currency: 'CNY' })
  return [...totals].map(([currency, amount]) => formatMoney({ amount, currency })).join(' + ')
}

export function formatNumber(value: number, fractionDigits?: number): string {
  return new Intl.NumberFormat(currentLocale.value, {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits ?? 20,
  }).format(value)
}

export function findOption(field: FieldMeta, value: unknown): FieldOption | undefined {
  return field.options?.find((option) => option.value === value)
}

/** An enum value's label in the current language (the raw value when unknown). */
export function optionLabel(field: FieldMeta, value: unknown): string {
  if (value === null || value === undefined || value === '') return ''
  const option = findOption(field, value)
  return option ? localized(option.label, option.value) : String(value)
}

export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)
}

/**
 * A field's value as plain text. References need their label from elsewhere
 * (record._labels or a lookup), passed as refLabel.
 */
export function formatValue(
  field: FieldMeta,
  value: unknown,
  texts: { yes: string; no: string },
  refLabel?: string,
): string {
  if (isEmptyValue(value)) return ''
  switch (field.type) {
    case 'money':
      return isMoney(value) ? formatMoney(value) : typeof value === 'number' ? formatMoney({ amount: value, currency: 'CNY' }) : String(value)
    case 'enum':
      return optionLabel(field, value)
    case 'tags':
      return Array.isArray(value) ? value.map((tag) => optionLabel(field, tag)).join(', ') : String(value)
    case 'boolean':
      return value ? texts.yes : texts.no
    case 'datetime':
      return formatDateTime(value)
    case 'integer':
      return typeof value === 'number' ? formatNumber(value, 0) : String(value)
    case 'decimal':
      return typeof value === 'number' ? formatNumber(value, field.scale ?? 2) : String(value)
    case 'reference':
      return refLabel || `#${String(value)}`
    default:
      return String(value)
  }
}
