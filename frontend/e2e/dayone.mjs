// The clerk's and reviewer's day (issue 18, items 2–4) in Chromium against a demo server:
// the clerk types a three-line order in the line-item table (customer and SKU looked up, the
// total following the typing, Enter opening a new row, a row copied and removed) and submits it;
// the manager's inbox shows customer, amount, flow, node and the SLA time left, sorted by it, and
// the manager drags a card on the sales board (refused with its reason where it is no move of
// theirs); the dashboard opens on a flow. Screenshots at 1440 and 390 px, zh-TW and en:
// test-output/e2e/day-*.png. Optional environment: SLUICE_ADMIN (admin), SLUICE_ADMIN_PASSWORD
// (admin-e2e-pass), SLUICE_PASSWORD (sluice-demo). The script makes its own data over the API, as operations.mjs does:
// a two-step flow with no checklist (the demo's every review has one, and a drop never ticks a
// checklist) and an order at its first step, which the manager drags to the next column.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { BASE, PASSWORD, fail, launch, login, outDir, repoRoot, steps } from './harness.mjs';

// --- the API, as a demo user (bearer token); the admin's password is set when the server starts ---
const ADMIN = process.env.SLUICE_ADMIN || 'admin';
const ADMIN_PASSWORD = process.env.SLUICE_ADMIN_PASSWORD || 'admin-e2e-pass';
const tokens = new Map();
async function token(user) {
  if (!tokens.has(user)) {
    const password = user === ADMIN ? ADMIN_PASSWORD : PASSWORD;
    const r = await fetch(`${BASE}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user, password }) });
    if (r.status !== 200) fail(`login ${user}: ${r.status}`);
    tokens.set(user, (await r.json()).token);
  }
  return tokens.get(user);
}
async function must(user, method, p, body, want = [200, 201]) {
  const r = await fetch(`${BASE}/api/v1${p}`, {
    method,
    headers: { Authorization: `Bearer ${await token(user)}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  if (!want.includes(r.status)) fail(`${method} ${p} as ${user}: ${r.status} ${text.slice(0, 300)}`);
  return json;
}

/** A flow of two sales-manager reviews without checklists: a card at the first may be dragged to the second. */
function handoffFlow(key) {
  const review = (id, zh, en) => ({ id, type: 'review', name: { 'zh-TW': zh, 'zh-CN': zh, en }, mode: 'any', approvers: { role: 'sales_manager' }, allow_self: false });
  return {
    kind: 'flow',
    key,
    name: { 'zh-TW': 'e2e 交接', 'zh-CN': 'e2e 交接', en: 'e2e hand-off' },
    form: 'order',
    nodes: [
      { id: 'start', type: 'start', name: { 'zh-TW': '收單', 'zh-CN': '收单', en: 'Received' } },
      review('first', '初審', 'First look'),
      review('second', '複審', 'Second look'),
      { id: 'done', type: 'end', name: { 'zh-TW': '完成', 'zh-CN': '完成', en: 'Done' }, status: 'completed' },
    ],
    edges: [
      { from: 'start', to: 'first' },
      { from: 'first', to: 'second' },
      { from: 'second', to: 'done' },
    ],
  };
}

const run = steps('[day]', 'day-');
const shot = async (page, name) => {
  await page.screenshot({ path: path.join(outDir, `day-${name}.png`), fullPage: true, timeout: 15000 }).catch((e) => run.log(`  (screenshot ${name}: ${e.message})`));
};
const setLang = async (page, lang) => {
  await page.evaluate((l) => localStorage.setItem('sluice.lang', l), lang);
  await page.reload();
};

if (!BASE) {
  console.error('SLUICE_URL is required');
  process.exit(2);
}
let liveTotal = 0;
const browser = await launch();
try {
  const { page: clerk } = await run.newPage(browser, 'clerk');
  await run.step('clerk signs in and opens the new-order form', clerk, async () => {
    await login(clerk, 'clerk');
    await clerk.goto(`${BASE}/orders/new?flow=order-review`);
    await clerk.getByTestId('line-items').waitFor();
  });
  await run.step('customer and three lines by lookup and keyboard, the total live', clerk, async () => {
    const cust = clerk.locator('#root_customer_name');
    await cust.click();
    await cust.fill('');
    const opt = clerk.getByTestId('customer-option').first();
    if (await opt.waitFor({ timeout: 5000 }).then(() => true, () => false)) await opt.click();
    else await cust.fill('台北精密機械股份有限公司');
    if (!(await clerk.locator('#root_customer_name').inputValue())) fail('no customer name');
    await clerk.locator('#root_customer_tier input[value="standard"], input[type="radio"][value="standard"]').first().check().catch(() => {});
    await clerk.locator('#root_ship_to_address').fill('台北市信義區松仁路 100 號');
    await clerk.locator('#root_promised_date').click().catch(() => {});
    await clerk.keyboard.press('Escape').catch(() => {});
    // line 1: the first product of the catalogue
    const sku0 = clerk.locator('#root_items_0_sku');
    if (!(await sku0.count())) await clerk.getByTestId('line-add').click();
    await clerk.locator('#root_items_0_sku').click();
    await clerk.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) [data-testid="product-option"]').first().click();
    const price0 = await clerk.locator('#root_items_0_price').inputValue();
    if (!price0) fail('product price not filled in');
    await clerk.locator('#root_items_0_qty').fill('3');
    // Enter from the last cell opens line 2
    await clerk.locator('#root_items_0_price').press('Enter');
    await clerk.locator('#root_items_1_sku').waitFor();
    await clerk.locator('#root_items_1_sku').click();
    await clerk.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) [data-testid="product-option"]').nth(1).click();
    await clerk.locator('#root_items_1_qty').fill('2');
    // copy line 2 (line 3), change its quantity, copy again and remove the copy
    await clerk.getByTestId('line-copy').nth(1).click();
    await clerk.locator('#root_items_2_qty').fill('5');
    await clerk.getByTestId('line-copy').nth(2).click();
    await clerk.getByTestId('line-remove').nth(3).click();
    const rows = await clerk.getByTestId('line-items').getAttribute('data-rows');
    if (rows !== '3') fail(`rows ${rows}, want 3`);
    const amounts = await clerk.getByTestId('line-amount').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    const total = Number(await clerk.getByTestId('lines-total').getAttribute('data-value'));
    const want = Math.round(amounts.reduce((a, b) => a + b, 0) * 100) / 100;
    if (!total || total !== want) fail(`live total ${total}, lines ${amounts}`);
    run.log(`  lines ${amounts.join(' + ')} = ${total}`);
    liveTotal = total;
    await shot(clerk, 'order-form-1440-zh-TW');
  });
  await run.step('the order form at 390 px and in English', clerk, async () => {
    await clerk.setViewportSize({ width: 390, height: 844 });
    await shot(clerk, 'order-form-390-zh-TW');
    await clerk.setViewportSize({ width: 1440, height: 900 });
  });
  await run.step('submit: the server computes the total the form showed live', clerk, async () => {
    await clerk.getByRole('radio', { name: '一般', exact: true }).check();
    const date = clerk.locator('#root_promised_date');
    await date.click();
    await date.fill('2027-01-15');
    await date.press('Tab');
    await clerk.locator('.ant-picker-dropdown:not(.ant-picker-dropdown-hidden)').waitFor({ state: 'hidden' }).catch(() => {});
    const [res] = await Promise.all([
      clerk.waitForResponse((r) => r.url().endsWith('/api/v1/orders') && r.request().method() === 'POST', { timeout: 15000 }),
      clerk.getByTestId('order-submit').click(),
    ]).catch(async (e) => {
      const errs = await clerk.locator('.ant-form-item-explain-error').allInnerTexts().catch(() => []);
      fail(`no POST /api/v1/orders was sent (the form says: ${errs.join('; ') || 'nothing'}): ${e.message.split('\n')[0]}`);
    });
    const body = await res.json().catch(() => ({}));
    if (res.status() !== 201) fail(`POST /api/v1/orders answered ${res.status()}: ${JSON.stringify(body).slice(0, 300)}`);
    if (body.total !== liveTotal) fail(`the form showed ${liveTotal} live, the server computed ${body.total}`);
    await clerk.waitForURL(new RegExp(`/orders/${body.id}$`));
    const shown = Number(await clerk.getByTestId('order-total').getAttribute('data-value'));
    if (shown !== liveTotal) fail(`the order page shows ${shown}, the form showed ${liveTotal}`);
    run.log(`  ${body.number}: live ${liveTotal} = server ${body.total}`);
  });

  // the data the board step drags: its own flow and an order at the flow's first review
  const flowKey = `e2e-handoff-${Date.now().toString(36)}`;
  const handoff = await run.step('admin publishes a two-review flow and the clerk submits an order into it (API)', null, async () => {
    await must(ADMIN, 'PUT', `/definitions/flows/${flowKey}`, handoffFlow(flowKey));
    await must(ADMIN, 'POST', `/definitions/flows/${flowKey}/publish`);
    const sample = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', 'examples', 'orders', 'small-standard.json'), 'utf8'));
    const o = await must('clerk', 'POST', '/orders', { ...sample, flow: flowKey });
    if (!(o.current_nodes ?? []).includes('first')) fail(`order ${o.number} is at ${o.current_nodes} (${o.status}), not first`);
    run.log(`  ${flowKey}: order ${o.number} (id ${o.id}) at first`);
    return o;
  });

  const { page: mgr } = await run.newPage(browser, 'manager');
  await run.step('the manager inbox: customer, amount, flow, node, SLA, sorted by it', mgr, async () => {
    await login(mgr, 'manager');
    await mgr.goto(`${BASE}/tasks`);
    await mgr.getByTestId('task-row').first().waitFor({ timeout: 8000 }).catch(() => run.log('  (the manager has no open tasks in this seed)'));
    const dues = await mgr.getByTestId('task-due').evaluateAll((els) => els.map((e) => e.getAttribute('data-due') || ''));
    const withDue = dues.filter(Boolean).map((d) => Date.parse(d));
    for (let i = 1; i < withDue.length; i++) if (withDue[i] < withDue[i - 1]) fail(`not sorted by SLA: ${dues}`);
    if (dues.indexOf('') >= 0 && dues.slice(dues.indexOf('')).some(Boolean)) fail(`a line without SLA before one with: ${dues}`);
    if (dues.length && !(await mgr.getByTestId('task-customer').first().textContent())) fail('no customer');
    await shot(mgr, 'inbox-1440-zh-TW');
    await setLang(mgr, 'en');
    await mgr.getByTestId('page-title').waitFor();
    await shot(mgr, 'inbox-1440-en');
    await mgr.setViewportSize({ width: 390, height: 844 });
    await shot(mgr, 'inbox-390-en');
    await mgr.setViewportSize({ width: 1440, height: 900 });
    await setLang(mgr, 'zh-TW');
  });
  await run.step('board: the manager drags the order to the next column and it moves', mgr, async () => {
    await mgr.goto(`${BASE}/boards/sales?flow=${flowKey}`);
    await mgr.locator(`[data-testid="board"][data-flow="${flowKey}"]`).waitFor();
    const card = mgr.locator(`[data-testid="board-card"][data-order-id="${handoff.id}"][data-node="first"]`);
    await card.waitFor();
    const target = mgr.locator('[data-testid="board-column"][data-node="second"]');
    const a = await card.boundingBox();
    const b = await target.boundingBox();
    await mgr.mouse.move(a.x + 20, a.y + 20);
    await mgr.mouse.down();
    await mgr.mouse.move(a.x + 40, a.y + 30, { steps: 4 });
    await mgr.mouse.move(b.x + b.width / 2, b.y + 60, { steps: 15 });
    await mgr.mouse.up();
    const said = await Promise.race([
      mgr.getByTestId('drop-done').waitFor().then(async () => `done: ${await mgr.getByTestId('drop-done').getAttribute('data-action')}`),
      mgr.getByTestId('drop-refused').waitFor().then(async () => `refused: ${await mgr.getByTestId('drop-refused').getAttribute('data-reason')}`),
      mgr.getByTestId('drop-failed').waitFor().then(async () => `failed: ${await mgr.getByTestId('drop-failed').textContent()}`),
    ]);
    if (said !== 'done: approve') fail(`the drop first → second: ${said}`);
    const o = await must('manager', 'GET', `/orders/${handoff.id}`);
    if (!(o.current_nodes ?? []).includes('second') || (o.current_nodes ?? []).includes('first')) fail(`after the drop the order is at ${o.current_nodes}`);
    await mgr.locator(`[data-testid="board-card"][data-order-id="${handoff.id}"][data-node="second"]`).waitFor();
    run.log(`  ${handoff.number}: first → second (${said}); the server has it at ${o.current_nodes}`);
    await shot(mgr, 'board-moved-1440-zh-TW');
  });
  await run.step('board: a drop that is no move of theirs is refused with the reason', mgr, async () => {
    await mgr.goto(`${BASE}/boards/sales`);
    await mgr.getByTestId('board').waitFor();
    const cols = await mgr.getByTestId('board-column').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    const scroll = await mgr.getByTestId('board-scroll').evaluate((e) => ({ sw: e.scrollWidth, cw: e.clientWidth }));
    run.log(`  columns ${cols.join(', ')}; scroll ${scroll.sw} > ${scroll.cw}`);
    const card = mgr.getByTestId('board-card').first();
    if (await card.count()) {
      const from = await card.getAttribute('data-node');
      const target = mgr.locator(`[data-testid="board-column"]:not([data-node="${from}"])`).first();
      const a = await card.boundingBox();
      const b = await target.boundingBox();
      await mgr.mouse.move(a.x + 20, a.y + 20);
      await mgr.mouse.down();
      await mgr.mouse.move(a.x + 40, a.y + 30, { steps: 4 });
      await mgr.mouse.move(b.x + 40, b.y + 60, { steps: 12 });
      await mgr.mouse.up();
      const said = await Promise.race([
        mgr.getByTestId('drop-refused').waitFor().then(async () => `refused: ${await mgr.getByTestId('drop-refused').getAttribute('data-reason')}`),
        mgr.getByTestId('drop-done').waitFor().then(async () => `done: ${await mgr.getByTestId('drop-done').getAttribute('data-action')}`),
        mgr.getByTestId('drop-failed').waitFor().then(async () => `failed: ${await mgr.getByTestId('drop-failed').textContent()}`),
      ]);
      run.log(`  drop ${from} → ${await target.getAttribute('data-node')}: ${said}`);
      if (said.startsWith('failed')) fail(said);
    }
    await shot(mgr, 'board-1440-zh-TW');
    await setLang(mgr, 'en');
    await mgr.getByTestId('board').waitFor();
    await shot(mgr, 'board-1440-en');
    await mgr.setViewportSize({ width: 390, height: 844 });
    await shot(mgr, 'board-390-en');
    await setLang(mgr, 'zh-TW');
    await mgr.getByTestId('board').waitFor();
    await shot(mgr, 'board-390-zh-TW');
    await mgr.setViewportSize({ width: 1440, height: 900 });
  });
  await run.step('the dashboard opens on a flow', mgr, async () => {
    await mgr.goto(`${BASE}/dashboards`);
    await mgr.getByTestId('bottleneck-heatmap').waitFor({ timeout: 30000 });
  });
  await run.step('the order form in English at both widths', clerk, async () => {
    await clerk.goto(`${BASE}/orders/new?flow=order-review`);
    await setLang(clerk, 'en');
    await clerk.getByTestId('line-items').waitFor();
    await shot(clerk, 'order-form-1440-en');
    await clerk.setViewportSize({ width: 390, height: 844 });
    await shot(clerk, 'order-form-390-en');
  });
  run.log(`passed ${run.passed} steps`);
} finally {
  await browser.close();
}
