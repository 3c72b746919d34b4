#!/usr/bin/env node
// Operations screens in a real browser, against a running Sluice server with the demo seed:
//
//   SLUICE_URL=http://127.0.0.1:8080 node frontend/e2e/operations.mjs
//
// 1. The clerk submits schemas/examples/orders/credit-hold.json over the API; the automatic checks
//    stop it with a credit exception.
// 2. The sales manager (exceptions.resolve, customers.manage) sees it in the exception inbox (it appears
//    there live, without a reload), raises the customer's credit limit on the customers page, retries the
//    exception from the drawer, and the order moves on (its page no longer shows `exception`).
// 3. A small-standard order is walked to the shipping step over the API; the warehouse sees only the menu
//    entries of its permissions (the designer, opened by URL, answers 403), records a partial shipment on
//    the order page and sees the remaining quantities go down.
// 4. The clerk imports backend/intake/testdata/orders.csv with its mapping on the imports page and sees
//    the job finish live, then orders-big5.csv (the same as Excel saves "CSV" on Traditional Chinese
//    Windows) with Big5 chosen; the orders list's Excel export answers a workbook.
// Screenshots: test-output/e2e/operations-*.png. Optional: SLUICE_PASSWORD (sluice-demo),
// SLUICE_E2E_TIMEOUT_MS (20000), CHROMIUM_PATH (/usr/bin/chromium), SLUICE_E2E_HEADED=1.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { BASE, PASSWORD, StepError, fail, launch, liveOpen, login, outDir, repoRoot, steps } from './harness.mjs';

const samples = path.join(repoRoot, 'schemas', 'examples', 'orders');

const run = steps('[e2e:operations]', 'operations-');
const { log, shot, step, newPage } = run;

// --- the API, as a demo user (bearer token) ---
const tokens = new Map();
async function token(user) {
  if (!tokens.has(user)) {
    const r = await fetch(`${BASE}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user, password: PASSWORD }) });
    if (r.status !== 200) fail(`login ${user}: ${r.status}`);
    tokens.set(user, (await r.json()).token);
  }
  return tokens.get(user);
}
async function call(user, method, p, body) {
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
  return { status: r.status, body: json };
}
async function must(user, method, p, body, want = [200, 201]) {
  const r = await call(user, method, p, body);
  if (!want.includes(r.status)) fail(`${method} ${p} as ${user}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}
/** Approves the open task of `node` as `user`, ticking its checklist. */
async function approve(user, orderId, node) {
  const o = await must(user, 'GET', `/orders/${orderId}`);
  const t = (o.tasks ?? []).find((x) => x.node === node && x.status === 'open' && x.can_act);
  if (!t) fail(`${user} has no open ${node} task on ${o.number} (at ${o.current_nodes}, ${o.status})`);
  return must(user, 'POST', `/tasks/${t.id}/actions`, { action: 'approve', checklist: (t.checklist ?? []).map(() => true), comment: 'e2e operations' });
}

const visibleDropdown = (page) => page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');

async function main() {
  if (!BASE) {
    console.error('set SLUICE_URL to a running Sluice server with the demo seed (scripts/e2e.sh does it)');
    process.exit(2);
  }
  const creditHold = JSON.parse(fs.readFileSync(path.join(samples, 'credit-hold.json'), 'utf8'));
  const small = JSON.parse(fs.readFileSync(path.join(samples, 'small-standard.json'), 'utf8'));
  const customerName = creditHold.data.customer.name;

  const browser = await launch();
  const started = Date.now();
  try {
    const mgr = await newPage(browser, 'manager');

    await step('manager opens the exception inbox', mgr.page, async () => {
      await login(mgr.page, 'manager');
      await mgr.page.getByTestId('nav-exceptions').click();
      await mgr.page.getByTestId('page-title').waitFor();
      await liveOpen(mgr.page);
      await mgr.page.evaluate(() => (window.__opsMarker = 'ops'));
    });

    const held = await step('clerk submits credit-hold.json over the API: the checks raise a credit exception', null, async () => {
      const o = await must('clerk', 'POST', '/orders', creditHold);
      // the automatic checks run at submit (or after verify, in flows that verify first)
      if (o.status !== 'exception' && (o.current_nodes ?? []).includes('verify')) await approve('clerk', o.id, 'verify');
      const after = await must('clerk', 'GET', `/orders/${o.id}`);
      if (after.status !== 'exception') fail(`order ${o.number} is ${after.status}, not exception`);
      log(`  order ${o.number} (id ${o.id}) is held`);
      return after;
    });

    const row = mgr.page.locator(`[data-testid="exception-row"][data-order-number="${held.number}"]`);
    await step('the exception appears in the inbox live, tagged credit', mgr.page, async () => {
      await row.waitFor();
      await row.locator('[data-testid="exception-reason"][data-reason="credit"]').waitFor();
      if ((await mgr.page.evaluate(() => window.__opsMarker)) !== 'ops') fail('the inbox was reloaded');
      await shot(mgr.page, 'inbox');
    });

    await step(`manager raises the credit limit of ${customerName} on the customers page`, mgr.page, async () => {
      await mgr.page.getByTestId('nav-customers').click();
      const box = mgr.page.getByTestId('customer-search');
      const search = (await box.evaluate((el) => el.tagName)) === 'INPUT' ? box : box.locator('input');
      await search.fill(customerName);
      await search.press('Enter');
      const crow = mgr.page.locator(`[data-testid="customer-row"][data-name="${customerName}"]`);
      await crow.waitFor();
      await crow.getByTestId('customer-edit').click();
      const credit = mgr.page.getByTestId('customer-credit');
      await credit.waitFor();
      await credit.fill('200000');
      const [res] = await Promise.all([
        mgr.page.waitForResponse((r) => r.url().includes('/api/v1/customers/') && r.request().method() === 'PUT'),
        mgr.page.getByTestId('customer-save').click(),
      ]);
      if (res.status() !== 200) fail(`PUT customer answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
      await crow.locator('[data-testid="customer-credit-value"][data-value="200000"]').waitFor();
      await shot(mgr.page, 'customer-credit');
    });

    await step('manager retries the exception from the drawer; the order moves on', mgr.page, async () => {
      await mgr.page.getByTestId('nav-exceptions').click();
      await row.waitFor();
      await row.getByTestId('exception-resolve').click();
      const drawer = mgr.page.getByTestId('resolve-drawer');
      await drawer.getByTestId('resolve-form').waitFor();
      await shot(mgr.page, 'resolve-drawer');
      const [res] = await Promise.all([
        mgr.page.waitForResponse((r) => /\/api\/v1\/exceptions\/\d+\/resolve$/.test(r.url())),
        drawer.getByTestId('resolve-submit').click(),
      ]);
      const sent = JSON.parse(res.request().postData() || '{}');
      if (res.status() !== 200) fail(`resolve answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
      if (sent.action !== 'retry' || sent.data !== undefined) fail(`unexpected resolve body ${JSON.stringify(sent)}`);
      await row.waitFor({ state: 'detached' });
      await mgr.page.goto(`${BASE}/orders/${held.id}`);
      await mgr.page.locator('[data-testid="order-status"]:not([data-status="exception"])').waitFor();
      const status = await mgr.page.getByTestId('order-status').getAttribute('data-status');
      log(`  order ${held.number} is now ${status}`);
      await shot(mgr.page, 'order-moved-on');
    });

    const shipOrder = await step('small-standard.json is walked to the shipping step over the API', null, async () => {
      const o = await must('clerk', 'POST', '/orders', small);
      if ((o.current_nodes ?? []).includes('verify')) await approve('clerk', o.id, 'verify');
      await approve('manager', o.id, 'sales_review');
      // confirm and print run at once; the order now waits at ship
      const at = await must('warehouse', 'GET', `/orders/${o.id}`);
      if (!(at.current_nodes ?? []).includes('ship')) fail(`order ${o.number} is at ${at.current_nodes} (${at.status}), not ship`);
      log(`  order ${o.number} (id ${o.id}) waits at ship`);
      return at;
    });

    const wh = await newPage(browser, 'warehouse');
    await step('warehouse sees the menu entries of its permissions only; the designer answers 403', wh.page, async () => {
      await login(wh.page, 'warehouse');
      const me = await must('warehouse', 'GET', '/me');
      if (!me.permissions.includes('stock.manage') || me.permissions.includes('orders.create')) fail(`warehouse permissions ${me.permissions}`);
      await wh.page.getByTestId('nav-stock').waitFor();
      await wh.page.getByTestId('nav-exceptions').waitFor();
      for (const hidden of ['nav-new-order', 'nav-imports', 'nav-designer', 'nav-channels', 'nav-admin-status']) {
        if (await wh.page.getByTestId(hidden).count()) fail(`warehouse (no ${hidden} permission) sees ${hidden}`);
      }
      await wh.page.goto(`${BASE}/designer/flows`);
      await wh.page.getByTestId('forbidden').filter({ hasText: 'definitions.manage' }).waitFor();
    });

    await step('warehouse records a partial shipment; remaining quantities go down', wh.page, async () => {
      await wh.page.goto(`${BASE}/orders/${shipOrder.id}`);
      const form = wh.page.getByTestId('shipment-form');
      await form.waitFor();
      const first = shipOrder.lines[0];
      const line = wh.page.locator(`[data-testid="order-line"][data-sku="${first.sku}"]`);
      await line.waitFor();
      if (Number(await line.getAttribute('data-remaining')) !== first.remaining) fail('remaining does not match the API');
      // too many first: the form refuses it on the line
      await form.locator(`[data-testid="shipment-qty"][data-sku="${first.sku}"]`).fill(String(first.remaining + 1));
      await form.getByTestId('shipment-carrier').click();
      await visibleDropdown(wh.page).locator('.ant-select-item-option').first().click();
      await form.getByTestId('shipment-tracking').fill('E2E-TRACK-1');
      await form.getByTestId('shipment-submit').click();
      await form.locator('.ant-form-item-explain-error').first().waitFor();
      await shot(wh.page, 'shipment-too-many');
      const part = Math.max(1, Math.floor(first.remaining / 2));
      await form.locator(`[data-testid="shipment-qty"][data-sku="${first.sku}"]`).fill(String(part));
      // what was typed before the refusal is still there (the full-page screenshot above shrinks the window
      // for a moment, across the phone width: the order page used to start the form over then)
      if ((await form.getByTestId('shipment-tracking').inputValue()) !== 'E2E-TRACK-1') fail('the shipment form lost its tracking number');
      const [res] = await Promise.all([
        wh.page.waitForResponse((r) => /\/api\/v1\/orders\/\d+\/shipments$/.test(r.url()) && r.request().method() === 'POST'),
        form.getByTestId('shipment-submit').click(),
      ]);
      if (res.status() !== 201) fail(`shipment answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
      await wh.page.locator(`[data-testid="order-line"][data-sku="${first.sku}"][data-remaining="${first.remaining - part}"]`).waitFor();
      await wh.page.locator('[data-testid="shipment"]').first().waitFor();
      await wh.page.getByTestId('shipment-tracking-link').first().waitFor();
      await shot(wh.page, 'partial-shipment');
    });

    await step('clerk imports backend/intake/testdata/orders.csv, then its Big5 twin, and follows the jobs live', null, async () => {
      const clk = await newPage(browser, 'clerk');
      try {
        await login(clk.page, 'clerk');
        await clk.page.getByTestId('nav-imports').waitFor();
        await clk.page.goto(`${BASE}/imports?flow=order-review`);
        await liveOpen(clk.page);
        const testdata = path.join(repoRoot, 'backend', 'intake', 'testdata');
        // no mapping typed: the file's Chinese headers (the form's titles) map themselves in the mapping editor
        const previewed = (r) => r.url().endsWith('/api/v1/imports/preview') && r.request().method() === 'POST';
        const [pre] = await Promise.all([
          clk.page.waitForResponse(previewed),
          clk.page.locator('input[type=file]').setInputFiles(path.join(testdata, 'orders.csv')),
        ]);
        if (pre.status() !== 200) fail(`POST /imports/preview answered ${pre.status()}: ${(await pre.text()).slice(0, 300)}`);
        await clk.page.getByTestId('import-mapping-complete').waitFor();
        const mapped = await clk.page.locator('[data-testid="import-map-row"][data-column="承諾交期"] .ant-select').innerText();
        if (!mapped.includes('承諾交期')) fail(`the column 承諾交期 maps to "${mapped}"`);
        await shot(clk.page, 'import-mapping');
        // and at a phone's width: the shell changes around the page, which keeps the chosen file and its mapping
        for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
          await clk.page.setViewportSize(viewport);
          await clk.page.getByTestId('import-mapping-editor').screenshot({ path: path.join(outDir, `operations-mapping-editor-${viewport.width}.png`) });
        }
        await clk.page.setViewportSize({ width: 1440, height: 900 });
        const [res] = await Promise.all([
          clk.page.waitForResponse((r) => r.url().endsWith('/api/v1/imports') && r.request().method() === 'POST'),
          clk.page.getByTestId('import-submit').click(),
        ]);
        if (res.status() !== 202) fail(`POST /imports answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
        await clk.page.locator('[data-testid="import-job"] [data-testid="import-status"][data-status="done"]').waitFor();
        // the sample has a row the form refuses: its error is listed with row and column
        await clk.page.locator('[data-testid="import-errors"] tbody tr').first().waitFor();
        await shot(clk.page, 'import-done');
        // the same orders (new references) as Excel saves "CSV" on Traditional Chinese Windows: Big5,
        // chosen in the encoding select; the mapping's Chinese column names must match the decoded header
        await Promise.all([clk.page.waitForResponse(previewed), clk.page.locator('input[type=file]').setInputFiles(path.join(testdata, 'orders-big5.csv'))]);
        await clk.page.getByTestId('import-encoding').click();
        await Promise.all([
          clk.page.waitForResponse(previewed),
          visibleDropdown(clk.page).locator('.ant-select-item-option').filter({ hasText: 'Big5' }).click(),
        ]);
        await clk.page.getByTestId('import-mapping-complete').waitFor();
        const [res2] = await Promise.all([
          clk.page.waitForResponse((r) => r.url().endsWith('/api/v1/imports') && r.request().method() === 'POST'),
          clk.page.getByTestId('import-submit').click(),
        ]);
        if (res2.status() !== 202) fail(`POST /imports (Big5) answered ${res2.status()}: ${(await res2.text()).slice(0, 300)}`);
        const big5Job = await res2.json();
        if (big5Job.encoding !== 'big5') fail(`the Big5 file was read as ${big5Job.encoding}`);
        await clk.page.locator('[data-testid="import-job"] [data-testid="import-read-as"]').filter({ hasText: 'Big5' }).waitFor();
        await clk.page.locator('[data-testid="import-job"] [data-testid="import-status"][data-status="done"]').waitFor();
        await clk.page.locator('[data-testid="import-errors"] tbody tr').filter({ hasText: '數量' }).first().waitFor();
        const done2 = await clk.page.evaluate(async (id) => (await fetch(`/api/v1/imports/${id}`)).json(), big5Job.id);
        if (done2.created !== 2 || done2.failed !== 1) fail(`the Big5 import: ${JSON.stringify(done2).slice(0, 300)}`);
        await shot(clk.page, 'import-big5');
        // the orders list exports what it shows
        await clk.page.getByTestId('nav-orders').click();
        const href = await clk.page.getByTestId('orders-export').getAttribute('href');
        const xlsx = await clk.page.evaluate(async (u) => {
          const r = await fetch(u);
          return { status: r.status, type: r.headers.get('Content-Type') };
        }, href);
        if (xlsx.status !== 200 || !String(xlsx.type).includes('spreadsheet')) fail(`export ${href} answered ${xlsx.status} ${xlsx.type}`);
      } finally {
        await clk.context.close();
      }
    });

    log(`passed: ${run.stepNo} steps in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(`[e2e:operations] FAILED: ${e instanceof StepError ? e.message : (e?.stack ?? e)}`);
  process.exit(1);
});
