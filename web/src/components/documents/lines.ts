// The line-item editor's model: a line as typed (texts, price in major units) and its
// conversions from the server's line and to the JSON the server takes.

import type { DocumentLine, DocumentLineInput } from '@/api/documents'
import type { EntityMeta } from '@/api/meta'
import { minorDigits } from '@/utils/format'
import { type LineInput, PERCENT_SCALE, QUANTITY_SCALE, majorToMinor, minorToMajorText, parseDecimal } from '@/utils/lineMath'

/** The member that holds the lines in the record (a child collection in /api/meta). */
export const LINES_FIELD = 'lines'

/** Records of this entity carry priced lines (quotes, orders): the form shows the editor. */
export function hasLineItems(entity: EntityMeta | undefined): boolean {
  const child = entity?.children?.find((candidate) => candidate.name === LINES_FIELD)
  return !!child && child.fields.some((field) => field.name === 'unit_price')
}

export interface EditableLine {
  /** Local key for v-for (not sent). */
  key: number
  /** The server's id of an existing line (kept when saving). */
  id?: number
  product_id: number | null
  productLabel: string
  description: string
  quantity: string
  unit: string
  /** Unit price in major units as typed ("1280.50"). */
  unitPrice: string
  discountPercent: string
  taxRatePercent: string
}

let nextKey = 1

export function blankLine(): EditableLine {
  return {
    key: nextKey++,
    product_id: null,
    productLabel: '',
    description: '',
    quantity: '1',
    unit: '',
    unitPrice: '',
    discountPercent: '0',
    taxRatePercent: '0',
  }
}

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value))

export function fromServerLine(line: DocumentLine): EditableLine {
  const price = line.unit_price
  return {
    key: nextKey++,
    id: typeof line.id === 'number' ? line.id : undefined,
    product_id: typeof line.product_id === 'number' ? line.product_id : null,
    productLabel: line._labels?.product_id ?? '',
    description: text(line.description),
    quantity: text(line.quantity),
    unit: text(line.unit),
    unitPrice: price ? minorToMajorText(price.amount, minorDigits(price.currency)) : '',
    discountPercent: text(line.discount_percent) || '0',
    taxRatePercent: text(line.tax_rate_percent) || '0',
  }
}

/** What lineMath needs: the price in minor units of the document's currency. */
export function lineInput(line: EditableLine, currency: string): LineInput {
  return {
    quantity: line.quantity,
    unitPrice: majorToMinor(line.unitPrice, minorDigits(currency)),
    discountPercent: line.discountPercent,
    taxRatePercent: line.taxRatePercent,
  }
}

/** The line as the server takes it; the amounts are the server's to compute. */
export function toApiLine(line: EditableLine, currency: string): DocumentLineInput {
  const trimmed = (value: string) => value.trim()
  const amount = majorToMinor(line.unitPrice, minorDigits(currency))
  return {
    ...(line.id !== undefined ? { id: line.id } : {}),
    product_id: line.product_id,
    description: trimmed(line.description) || null,
    quantity: trimmed(line.quantity),
    unit: trimmed(line.unit) || null,
    // Lines with problems (localProblems) are not sent; an empty price is zero.
    unit_price: { amount: amount ?? 0, currency },
    discount_percent: trimmed(line.discountPercent) || '0',
    tax_rate_percent: trimmed(line.taxRatePercent) || '0',
  }
}

/** Server field errors about lines ("lines[1].quantity", "lines.1.quantity") by line index and field. */
export function lineErrors(fields: Record<string, string>): Map<number, Record<string, string>> {
  const byLine = new Map<number, Record<string, string>>()
  for (const [name, code] of Object.entries(fields)) {
    const match = /^lines(?:\[(\d+)\]|\.(\d+))\.?(\w+)?$/.exec(name)
    if (!match) continue
    const index = Number(match[1] ?? match[2])
    const field = match[3] ?? 'line'
    byLine.set(index, { ...byLine.get(index), [field]: code })
  }
  return byLine
}

/** What the browser can tell is wrong with a line before sending it: field → validation code. */
export function localProblems(line: EditableLine, currency: string): Record<string, string> {
  const problems: Record<string, string> = {}
  const decimalCode = (value: string, scale: number) =>
    parseDecimal(value, 20) === null ? 'invalid_number' : parseDecimal(value, scale) === null ? 'too_many_decimals' : ''
  if (line.quantity.trim() === '') problems.quantity = 'required'
  else if (decimalCode(line.quantity, QUANTITY_SCALE)) problems.quantity = decimalCode(line.quantity, QUANTITY_SCALE)
  if (line.unitPrice.trim() !== '' && majorToMinor(line.unitPrice, minorDigits(currency)) === null) problems.unit_price = 'invalid_amount'
  for (const [field, value] of [['discount_percent', line.discountPercent], ['tax_rate_percent', line.taxRatePercent]] as const) {
    if (value.trim() !== '' && decimalCode(value, PERCENT_SCALE)) problems[field] = decimalCode(value, PERCENT_SCALE)
  }
  if (!line.product_id && line.description.trim() === '') problems.description = 'required'
  return problems
}
