// Browser tests of the opportunity pipeline board: dragging a card to the next stage
// saves the stage on the server; a refused move (stale version) puts the card back.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { byTestId, chooseOption, dragAndDrop, eventually, pickRemoteOption, startSession, submitRecordForm, textOf } from './session.mjs'

let session
let stages

before(async () => {
  session = await startSession()
  stages = (await session.api.get('/option-lists/opportunity_stages')).options.map((option) => option.value)
})

after(async () => {
  await session?.close()
})

/** A fresh opportunity big enough to be the first card of its column. */
async function bigOpportunity(name, stage) {
  const customers = await session.api.get('/customers?limit=1')
  return session.api.post('/opportunities', {
    customer_id: customers.data[0].id,
    name,
    stage,
    amount: { amount: 99_999_999_900, currency: 'CNY' },
    expected_close_on: '2027-06-30',
  })
}

/** Opens the board and waits until every column has its cards (a loading column takes no drop). */
async function openBoard(page) {
  await page.goto('/opportunities/board')
  await page.locator(`${byTestId('pipeline-board')}[data-loaded="true"]`).waitFor()
}

const column = (stage) => session.page.locator(byTestId(`board-column-${stage}`))
const card = (id) => session.page.locator(`${byTestId('board-card')}[data-id="${id}"]`)
const count = async (stage) => Number(await textOf(column(stage).locator(byTestId('board-column-count'))))

test('the board shows one column per stage, with counts and sums', { timeout: 30_000 }, async () => {
  const { page, api } = session
  await page.goto('/opportunities/board')
  for (const stage of stages) await column(stage).waitFor()
  const labels = await page.locator(`${byTestId('pipeline-board')} .stage-name`).allTextContents()
  assert.deepEqual(labels.slice(0, 2), ['初步接触', '需求分析'])
  const initial = await api.get('/opportunities?filter%5Bstage%5D=initial&limit=1')
  await eventually(async () => (await count('initial')) === initial.total, { message: 'count matches the server' })
  assert.match(await textOf(column('initial').locator(byTestId('board-column-sum'))), /^¥[\d,]+\.\d{2}/)
})

test('drag a card to the next stage: the stage changes on the server', { timeout: 30_000 }, async () => {
  const { page, api } = session
  const [from, to] = stages
  const opportunity = await bigOpportunity('E2E 拖动商机', from)
  await openBoard(page)
  await card(opportunity.id).waitFor()
  assert.equal(await column(from).locator(`${byTestId('board-card')}[data-id="${opportunity.id}"]`).count(), 1)
  assert.match(await textOf(card(opportunity.id)), /¥999,999,999\.00/)
  const before = { from: await count(from), to: await count(to) }

  await dragAndDrop(page, card(opportunity.id), column(to))

  await column(to).locator(`${byTestId('board-card')}[data-id="${opportunity.id}"]`).waitFor()
  const saved = await eventually(async () => {
    const current = await api.get(`/opportunities/${opportunity.id}`)
    return current.stage === to ? current : null
  }, { message: `stage ${to} on the server` })
  assert.equal(saved.version, opportunity.version + 1)
  assert.equal(await count(from), before.from - 1)
  assert.equal(await count(to), before.to + 1)
})

test('a column still loading takes no drop (its answer would replace the moved card)', { timeout: 30_000 }, async () => {
  const { page, api } = session
  const [from, to] = stages
  const opportunity = await bigOpportunity('E2E 加载中的列', from)
  // Hold the target column's list until the drag is over.
  let release
  const held = new Promise((resolve) => { release = resolve })
  const isTargetList = (url) => url.pathname === '/api/opportunities' && url.searchParams.get('filter[stage]') === to
  await page.route(isTargetList, async (route) => {
    await held
    await route.continue()
  })
  const writes = []
  const onRequest = (request) => { if (request.method() !== 'GET') writes.push(request.url()) }
  page.on('request', onRequest)
  try {
    await page.goto('/opportunities/board')
    await card(opportunity.id).waitFor()
    await page.evaluate(() => {
      window.__dragStarts = 0
      window.addEventListener('dragstart', () => window.__dragStarts++, { capture: true })
    })
    await card(opportunity.id).dragTo(column(to))
    assert.ok(await page.evaluate(() => window.__dragStarts > 0), 'the gesture started a drag')
    release()
    await page.locator(`${byTestId('pipeline-board')}[data-loaded="true"]`).waitFor()
  } finally {
    release()
    page.off('request', onRequest)
    await page.unroute(isTargetList)
  }
  assert.deepEqual(writes, [])
  assert.equal(await column(from).locator(`${byTestId('board-card')}[data-id="${opportunity.id}"]`).count(), 1)
  assert.equal((await api.get(`/opportunities/${opportunity.id}`)).stage, from)
})

test('a new opportunity (customer picked by search, amount in yuan) lands in its column', { timeout: 30_000 }, async () => {
  const { page, api } = session
  const customer = await api.post('/customers', { name: `E2E 看板客户 ${Date.now().toString(36)}` })
  await page.goto('/opportunities/board')
  await column(stages[1]).waitFor()
  await page.click(byTestId('board-new'))
  const dialog = page.locator(byTestId('record-form-dialog'))
  await dialog.waitFor()

  // The customer select searches GET /api/customers?q=… as one types.
  const customerSelect = dialog.locator(`${byTestId('form-item-customer_id')} .el-select`)
  await pickRemoteOption(page, customerSelect, customer.name.slice(0, 7), customer.name)
  await dialog.locator(`${byTestId('form-item-name')} input`).fill('E2E 看板新建商机')
  await dialog.locator(`${byTestId('form-item-amount')} ${byTestId('money-amount')} input`).fill('1280000.5')
  await chooseOption(page, dialog.locator(`${byTestId('form-item-stage')} .el-select`), '需求分析')
  await dialog.locator(`${byTestId('form-item-expected_close_on')} input`).fill('2027-03-31')
  await dialog.locator(`${byTestId('form-item-expected_close_on')} input`).press('Enter')
  await submitRecordForm(page, dialog)

  const created = await eventually(async () => (await api.get('/opportunities?q=E2E%20看板新建商机')).data[0], { message: 'created' })
  assert.equal(created.customer_id, customer.id)
  assert.deepEqual(created.amount, { amount: 128_000_050, currency: 'CNY' })
  assert.equal(created.stage, stages[1])
  assert.equal(created.expected_close_on, '2027-03-31')
  const shown = column(stages[1]).locator(`${byTestId('board-card')}[data-id="${created.id}"]`)
  await shown.waitFor()
  assert.match(await textOf(shown), /¥1,280,000\.50/)
})

test('a refused move (someone else changed the card) puts the card back and says why', { timeout: 30_000 }, async () => {
  const { page, api } = session
  const [from, to] = stages
  const opportunity = await bigOpportunity('E2E 过期版本商机', from)
  await openBoard(page)
  await card(opportunity.id).waitFor()

  // Someone else edits it after the board loaded: the board's version is stale now.
  await api.patch(`/opportunities/${opportunity.id}`, { version: opportunity.version, name: 'E2E 已被他人修改' })

  await dragAndDrop(page, card(opportunity.id), column(to))
  await page.locator('.el-message--error').filter({ hasText: '移动失败' }).waitFor()
  await column(from).locator(`${byTestId('board-card')}[data-id="${opportunity.id}"]`).waitFor()
  assert.equal(await column(to).locator(`${byTestId('board-card')}[data-id="${opportunity.id}"]`).count(), 0)
  const current = await api.get(`/opportunities/${opportunity.id}`)
  assert.equal(current.stage, from)

  assert.deepEqual(session.problems, [])
})
