// Browser test of issue 7, from quote to cash: a quote with three lines built in the
// line-item editor (the live total is the server's to the cent), its PDF downloaded, sent
// and accepted, turned into a contract, a payment plan of three instalments (the balance
// left to allocate shown live; a plan that does not add up refused on the form), a payment
// recorded against the first one, and received / outstanding moving on the contract and on
// the customer's summary. One server (demo data: products) and one login for the file.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { byTestId, eventually, pathOf, pickRemoteOption, startSession, submitRecordForm, textOf } from './session.mjs'
import { importWebModule } from './webmodule.mjs'

const lineMath = await importWebModule('web/src/utils/lineMath.ts')

let session
const stamp = Date.now().toString(36)
const customerName = `E2E 报价测试机械有限公司 ${stamp}`
let customer
let product
/** Set by the first test, used by the next ones. */
let quoteId
let contractId

before(async () => {
  session = await startSession()
  customer = await session.api.post('/customers', { name: customerName, grade: 'A' })
  product = (await session.api.get('/products?filter%5Bactive%5D=true&limit=1')).data[0]
  assert.ok(product?.list_price, 'the demo data has a product with a list price')
})

after(async () => {
  await session?.close()
})

/** "¥96,660.66" → 9666066: the minor units a money text shows. */
const minorOf = (text) => Number(text.replace(/[^\d-]/g, ''))
/** A text input by its test id (Element Plus puts the id on the <input> itself, or on a wrapper). */
const input = (scope, id) => scope.locator(`input${byTestId(id)}, ${byTestId(id)} input`).first()
const dialogItem = (name) => session.page.locator(`${byTestId('record-form-dialog')} ${byTestId(`form-item-${name}`)}`)

async function confirmBox(page) {
  await page.locator('.el-message-box .el-message-box__btns .el-button--primary').click()
}

test('a quote with three lines: live totals in the browser equal the server’s after saving', { timeout: 60_000 }, async () => {
  const { page, api } = session
  await page.goto('/quotes')
  await page.click(byTestId('list-new'))
  const dialog = page.locator(byTestId('record-form-dialog'))
  await dialog.waitFor()

  const customerSelect = dialogItem('customer_id').locator('.el-select')
  await pickRemoteOption(page, customerSelect, customerName.slice(0, 8), customerName)
  await dialogItem('title').locator('input').fill(`E2E 报价 ${stamp}`)

  const editor = dialog.locator(byTestId('lines-editor'))
  const rows = editor.locator(byTestId('line-row'))
  const row = (i) => rows.nth(i)

  // Line 1: a product from the catalogue fills description, unit and price.
  await pickRemoteOption(page, row(0).locator(byTestId('line-product')), product.code)
  await eventually(async () => (await input(row(0), 'line-description').inputValue()) === product.name, {
    message: 'the product filled the description',
  })
  await input(row(0), 'line-quantity').fill('2')

  // Line 2: free text, 1.5 × ¥1,234.56, 10 % off, 6 % tax.
  await editor.locator(byTestId('line-add')).click()
  await input(row(1), 'line-description').fill('安装调试服务')
  await input(row(1), 'line-quantity').fill('1.5')
  await input(row(1), 'line-unit-price').fill('1234.56')
  await input(row(1), 'line-discount').fill('10')
  await input(row(1), 'line-tax').fill('6')

  // Line 3: 0.125 × ¥800.00 at 13 % tax.
  await editor.locator(byTestId('line-add')).click()
  await input(row(2), 'line-description').fill('操作培训（天）')
  await input(row(2), 'line-quantity').fill('0.125')
  await input(row(2), 'line-unit-price').fill('800')
  await input(row(2), 'line-tax').fill('13')

  // By the rule: 1.5 × 123456 = 185184; 10 % = 18518.4 → 18518; 6 % of 166666 = 9999.96 → 10000.
  // 0.125 × 80000 = 10000; 13 % = 1300.
  const expected = 2 * product.list_price.amount + (185184 - 18518 + 10000) + (10000 + 1300)
  assert.equal(minorOf(await textOf(row(1).locator(byTestId('line-total')))), 176666)
  assert.equal(minorOf(await textOf(row(2).locator(byTestId('line-total')))), 11300)
  const liveTotal = minorOf(await textOf(editor.locator(byTestId('lines-total'))))
  assert.equal(liveTotal, expected)

  await page.click(byTestId('form-submit'))
  await page.waitForURL(/\/quotes\/\d+$/)
  quoteId = Number(pathOf(page).split('/').pop())

  // The server's figures are the truth, and they are what the browser showed.
  const saved = await api.get(`/quotes/${quoteId}`)
  assert.equal(saved.customer_id, customer.id)
  assert.equal(saved.lines.length, 3)
  assert.equal(saved.total.amount, liveTotal)
  assert.equal(saved.lines[0].product_id, product.id)
  const shown = page.locator(`${byTestId('document-lines')} ${byTestId('lines-total')}`)
  await shown.waitFor()
  assert.equal(minorOf(await textOf(shown)), saved.total.amount)
  assert.equal(await page.locator(`${byTestId('document-lines')} ${byTestId('line-row')}`).count(), 3)
})

test('the quote’s PDF downloads as a PDF', { timeout: 30_000 }, async () => {
  const { page } = session
  assert.ok(quoteId, 'the first test made the quote')
  await page.goto(`/quotes/${quoteId}`)
  const link = page.locator(byTestId('quote-pdf-download'))
  await link.waitFor()
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
  const bytes = await readFile(await download.path())
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-')
  assert.match(download.suggestedFilename(), /\.pdf$/)
})

test('send and accept the quote, then turn it into a contract', { timeout: 45_000 }, async () => {
  const { page, api } = session
  await page.goto(`/quotes/${quoteId}`)
  const status = page.locator(byTestId('quote-status'))
  await status.waitFor()
  assert.equal(await status.getAttribute('data-status'), 'draft')

  await page.click(byTestId('quote-send'))
  await confirmBox(page)
  await eventually(async () => (await status.getAttribute('data-status')) === 'sent', { message: 'sent' })
  // A sent quote is read-only: no edit, a revision instead.
  assert.equal(await page.locator(byTestId('detail-edit')).count(), 0)
  await page.locator(byTestId('quote-revise')).waitFor()

  await page.click(byTestId('quote-accept'))
  await confirmBox(page)
  await eventually(async () => (await status.getAttribute('data-status')) === 'accepted', { message: 'accepted' })

  await page.click(byTestId('quote-create-contract'))
  const dialog = page.locator(byTestId('record-form-dialog'))
  await dialog.waitFor()
  // Filled from the quote: the customer, the quote (fixed) and the amount.
  assert.match(await textOf(dialogItem('customer_id')), new RegExp(stamp))
  const quote = await api.get(`/quotes/${quoteId}`)
  const amountShown = await dialogItem('amount').locator(`${byTestId('money-amount')} input`).inputValue()
  assert.equal(minorOf(amountShown), quote.total.amount)
  await dialogItem('name').locator('input').fill(`E2E 合同 ${stamp}`)
  await dialogItem('signed_on').locator('input').fill('2026-11-29')
  await dialogItem('signed_on').locator('input').press('Enter')
  await page.click(byTestId('form-submit'))
  await page.waitForURL(/\/contracts\/\d+$/)
  contractId = Number(pathOf(page).split('/').pop())

  const contract = await api.get(`/contracts/${contractId}`)
  assert.equal(contract.quote_id, quoteId)
  assert.equal(contract.customer_id, customer.id)
  assert.deepEqual(contract.amount, quote.total)
  assert.equal(Number(await page.locator(byTestId('contract-received')).getAttribute('data-amount')), 0)
  assert.equal(Number(await page.locator(byTestId('contract-outstanding')).getAttribute('data-amount')), quote.total.amount)
})

test('a payment plan of three instalments, then a payment: received and outstanding move', { timeout: 60_000 }, async () => {
  const { page, api } = session
  assert.ok(contractId, 'the previous test made the contract')
  await page.goto(`/contracts/${contractId}`)
  const contract = await api.get(`/contracts/${contractId}`)
  const total = contract.amount.amount
  const first = Math.round(total * 0.3)
  const second = Math.round(total * 0.6)
  const third = total - first - second
  const yuan = (minor) => (minor / 100).toFixed(2)

  await page.click(byTestId('plan-edit'))
  const form = page.locator(byTestId('plan-form'))
  const rows = form.locator(byTestId('plan-row'))
  const remaining = form.locator(byTestId('plan-remaining'))
  // A new plan starts with one instalment of the whole amount.
  assert.equal(await rows.count(), 1)
  assert.equal(Number(await remaining.getAttribute('data-remaining')), 0)

  const fillRow = async (i, date, minor) => {
    const row = rows.nth(i)
    await row.locator('.el-date-editor input').fill(date)
    await row.locator('.el-date-editor input').press('Enter')
    await input(row, 'plan-amount').fill(yuan(minor))
  }
  await fillRow(0, '2026-12-15', first)
  // What is left to allocate follows the typing.
  await eventually(async () => Number(await remaining.getAttribute('data-remaining')) === total - first, { message: 'remaining after one' })
  await form.locator(byTestId('plan-add')).click()
  await fillRow(1, '2027-03-15', second)
  await form.locator(byTestId('plan-add')).click()
  // The third instalment starts with what is left.
  assert.equal(minorOf(await input(rows.nth(2), 'plan-amount').inputValue()), third)

  // A plan that does not add up is refused, and the form says so.
  await input(rows.nth(2), 'plan-amount').fill(yuan(third - 100))
  await eventually(async () => Number(await remaining.getAttribute('data-remaining')) === 100, { message: 'remaining 1.00' })
  await rows.nth(2).locator('.el-date-editor input').fill('2027-06-15')
  await rows.nth(2).locator('.el-date-editor input').press('Enter')
  await form.locator(byTestId('plan-save')).click()
  const planError = form.locator(byTestId('plan-error'))
  await planError.waitFor()
  assert.match(await textOf(planError), /合同金额/)
  assert.equal((await api.get(`/contracts/${contractId}`)).installments.length, 0, 'nothing was saved')

  await input(rows.nth(2), 'plan-amount').fill(yuan(third))
  await eventually(async () => Number(await remaining.getAttribute('data-remaining')) === 0, { message: 'balanced' })
  await form.locator(byTestId('plan-save')).click()
  await page.locator(byTestId('plan-table')).waitFor()
  const planned = (await api.get(`/contracts/${contractId}`)).installments
  assert.deepEqual(planned.map((i) => [i.due_on, i.amount.amount]), [['2026-12-15', first], ['2027-03-15', second], ['2027-06-15', third]])

  // Record a payment: the dialog proposes the first instalment and what it still waits for.
  await page.click(byTestId('contract-record-payment'))
  const dialog = page.locator(byTestId('record-form-dialog'))
  await dialog.waitFor()
  assert.equal(minorOf(await dialogItem('amount').locator(`${byTestId('money-amount')} input`).inputValue()), first)
  await dialogItem('payer').locator('input').fill(customerName)
  await submitRecordForm(page, dialog)

  const received = page.locator(byTestId('contract-received'))
  await eventually(async () => Number(await received.getAttribute('data-amount')) === first, { message: 'received shown' })
  assert.equal(Number(await page.locator(byTestId('contract-outstanding')).getAttribute('data-amount')), total - first)
  const after = await api.get(`/contracts/${contractId}`)
  assert.deepEqual(after.received, { amount: first, currency: 'CNY' })
  assert.deepEqual(after.outstanding, { amount: total - first, currency: 'CNY' })
  assert.equal(after.installments[0].status, 'paid')
  await page.locator(`${byTestId('payment-plan')} ${byTestId('plan-status')}`).first().getByText('已回款').waitFor()

  // More than what is outstanding is refused on the form (unless marked a prepayment); nothing recorded.
  await page.click(byTestId('contract-record-payment'))
  await dialog.waitFor()
  await dialogItem('amount').locator(`${byTestId('money-amount')} input`).fill(yuan(total))
  await page.click(byTestId('form-submit'))
  const amountError = dialogItem('amount').locator('.el-form-item__error')
  await amountError.waitFor()
  assert.match(await textOf(amountError), /超过了未回款金额/)
  await page.click(byTestId('form-cancel'))
  await dialog.waitFor({ state: 'hidden' })
  assert.equal((await api.get(`/payments?filter%5Bcontract_id%5D=${contractId}`)).total, 1)

  // The customer's page sums it up.
  await page.goto(`/customers/${customer.id}`)
  const summary = page.locator(byTestId('account-summary'))
  await summary.waitFor()
  assert.equal(Number(await summary.locator(`${byTestId('summary-lifetime')} .value`).getAttribute('data-amount')), total)
  assert.equal(Number(await summary.locator(`${byTestId('summary-outstanding')} .value`).getAttribute('data-amount')), total - first)
  assert.deepEqual(session.problems, [])
})

test('revise a sent quote: a new version to edit, the old one listed and read-only', { timeout: 45_000 }, async () => {
  const { page, api } = session
  const quote = await api.post('/quotes', {
    customer_id: customer.id,
    currency: 'CNY',
    lines: [{ description: '数控车床 改造', quantity: '1', unit_price: { amount: 5_000_000, currency: 'CNY' }, tax_rate_percent: '13' }],
  })
  const sent = await api.patch(`/quotes/${quote.id}`, { status: 'sent', version: quote.version })
  await page.goto(`/quotes/${sent.id}`)
  await page.click(byTestId('quote-revise'))
  await confirmBox(page)
  await page.waitForURL((url) => /\/quotes\/\d+$/.test(url.pathname) && url.pathname !== `/quotes/${sent.id}`)
  const revisedId = Number(pathOf(page).split('/').pop())
  const revised = await api.get(`/quotes/${revisedId}`)
  assert.equal(revised.revision, 2)
  assert.equal(revised.number, sent.number)
  await page.locator(byTestId('quote-version')).getByText('第 2 版').waitFor()
  const versions = page.locator(`${byTestId('quote-versions')} .el-table__body tr`)
  await eventually(async () => (await versions.count()) === 2, { message: 'two versions listed' })

  // The old version opens read-only and points to the latest.
  await page.locator(byTestId('quote-version-link')).click()
  await page.waitForURL((url) => url.pathname === `/quotes/${sent.id}`)
  await page.locator(byTestId('quote-old-version')).waitFor()
  assert.equal(await page.locator(byTestId('detail-edit')).count(), 0)
  assert.equal(await page.locator(byTestId('quote-revise')).count(), 0)
  await page.click(byTestId('quote-open-latest'))
  await page.waitForURL((url) => url.pathname === `/quotes/${revisedId}`)

  // The new version is a draft: its lines open in the editor, and a change is saved.
  await page.click(byTestId('detail-edit'))
  const dialog = page.locator(byTestId('record-form-dialog'))
  const rows = dialog.locator(`${byTestId('lines-editor')} ${byTestId('line-row')}`)
  await eventually(async () => (await rows.count()) === 1, { message: 'the line in the editor' })
  await input(rows.first(), 'line-quantity').fill('2')
  // 2 × ¥50,000.00 + 13 % = ¥113,000.00
  await eventually(async () => minorOf(await textOf(dialog.locator(byTestId('lines-total')))) === 11_300_000, { message: 'live total' })
  await submitRecordForm(page, dialog)
  const saved = await api.get(`/quotes/${revisedId}`)
  assert.deepEqual(saved.total, { amount: 11_300_000, currency: 'CNY' })
  assert.equal(saved.lines[0].id, revised.lines[0].id, 'the line kept its id')
  assert.equal((await api.get(`/quotes/${sent.id}`)).total.amount, 5_650_000, 'the old version did not change')
})

test('attachments on the contract: upload, download the same bytes, a refused type explained, delete', { timeout: 45_000 }, async () => {
  const { page, api } = session
  assert.ok(contractId, 'an earlier test made the contract')
  await page.goto(`/contracts/${contractId}`)
  await page.locator(`${byTestId('detail-tabs')} .el-tabs__item`, { hasText: '附件' }).click()
  const widget = page.locator(byTestId('attachments'))
  await widget.waitFor()

  const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n', 'latin1')
  await widget.locator(byTestId('attachments-input')).setInputFiles({ name: '合同扫描件.pdf', mimeType: 'application/pdf', buffer: pdf })
  await widget.locator(byTestId('attachment-link')).getByText('合同扫描件.pdf').waitFor()
  const listed = (await api.get(`/contracts/${contractId}/attachments`)).data
  assert.equal(listed.length, 1)
  assert.equal(listed[0].name, '合同扫描件.pdf')
  assert.equal(listed[0].size, pdf.length)

  const [download] = await Promise.all([page.waitForEvent('download'), widget.locator(byTestId('attachment-download')).first().click()])
  assert.deepEqual(await readFile(await download.path()), pdf)

  // A type off the allow-list: refused by the server, the reason shown, nothing stored.
  await widget.locator(byTestId('attachments-input')).setInputFiles({ name: 'setup.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ\x90\x00') })
  const problem = widget.locator(byTestId('attachments-error'))
  await problem.waitFor()
  assert.match(await textOf(problem), /setup\.exe/)
  assert.equal((await api.get(`/contracts/${contractId}/attachments`)).data.length, 1)

  await widget.locator(byTestId('attachment-delete')).first().click()
  await confirmBox(page)
  await eventually(async () => (await widget.locator(byTestId('attachment-link')).count()) === 0, { message: 'deleted' })
  assert.equal((await api.get(`/contracts/${contractId}/attachments`)).data.length, 0)
  assert.deepEqual(session.problems, [])
})

test('the browser’s arithmetic is the server’s: random lines, large amounts, to the cent', { timeout: 30_000 }, async () => {
  const { api } = session
  // A fixed pseudo-random sequence, so a failure can be replayed.
  let seed = 20261129
  const next = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  }
  const decimal = (whole, scale) => {
    const digits = next(scale + 1)
    return digits ? `${next(whole)}.${String(next(10 ** digits)).padStart(digits, '0')}` : String(next(whole))
  }
  for (let round = 0; round < 3; round++) {
    const lines = Array.from({ length: 60 }, (_, i) => ({
      description: `随机行 ${round}-${i}`,
      // a quantity is positive (0 is out of range)
      quantity: `${1 + next(round === 2 ? 100_000 : 1000)}.${String(next(1000)).padStart(3, '0')}`,
      unit_price: { amount: round === 2 ? next(100_000_000) : next(1_000_000), currency: 'CNY' }, // a document stays under 10^15 fen
      discount_percent: decimal(100, 4),
      tax_rate_percent: decimal(30, 4),
    }))
    const quote = await api.post('/quotes', { customer_id: customer.id, currency: 'CNY', lines })
    quote.lines.forEach((line, i) => {
      const mine = lineMath.lineFigures({
        quantity: lines[i].quantity,
        unitPrice: lines[i].unit_price.amount,
        discountPercent: lines[i].discount_percent,
        taxRatePercent: lines[i].tax_rate_percent,
      })
      const theirs = { amount: line.amount.amount, discount: line.discount_amount.amount, tax: line.tax_amount.amount, total: line.total.amount }
      assert.deepEqual(mine, theirs, `line ${i} of round ${round}: ${JSON.stringify(lines[i])}`)
    })
    const totals = lineMath.documentFigures(
      lines.map((l) => ({ quantity: l.quantity, unitPrice: l.unit_price.amount, discountPercent: l.discount_percent, taxRatePercent: l.tax_rate_percent })),
    )
    assert.deepEqual(totals, { subtotal: quote.subtotal.amount, discount: quote.discount.amount, tax: quote.tax.amount, total: quote.total.amount })
  }
})
