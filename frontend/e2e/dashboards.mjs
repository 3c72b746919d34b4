#!/usr/bin/env node
// End-to-end check of the dashboards and the designer's plugin nodes against a running Sluice server with the
// demo seed: orders are submitted and decided through the API (one approved at verify, one rejected with a
// reason), the admin opens Dashboards and sees every chart drawn on a canvas and the heatmap colouring the node
// where an order waits; then in the designer the palette lists every plugin the server has, the settings of
// the inventory node show as a form from the plugin's schema, and a mistyped branch condition is refused by the
// server's compiler while it is typed. Screenshots: test-output/e2e/dashboards-*.png
//
//   SLUICE_URL=http://127.0.0.1:8080 node frontend/e2e/dashboards.mjs
//
// Optional environment: SLUICE_ADMIN (admin), SLUICE_ADMIN_PASSWORD (admin-e2e-pass), SLUICE_E2E_TIMEOUT_MS (20000),
// CHROMIUM_PATH (/usr/bin/chromium), SLUICE_E2E_HEADED=1.
import fs from 'node:fs';
import path from 'node:path';
import { BASE, fail, launch, login as signIn, outDir, repoRoot, steps } from './harness.mjs';

const ADMIN = process.env.SLUICE_ADMIN || 'admin';
const PASSWORD = process.env.SLUICE_ADMIN_PASSWORD || 'admin-e2e-pass';
const DEMO_PASSWORD = 'sluice-demo';
const FLOW = 'order-review';
const CHARTS = ['throughput', 'cycle', 'latency', 'rework', 'sla', 'rejections'];

const run = steps('[dashboards]', 'dashboards-');
const { log, shot, step, newPage } = run;

async function call(method, p, token, body) {
  const res = await fetch(`${BASE}/api/v1${p}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) fail(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

const login = async (username, password = DEMO_PASSWORD) => (await call('POST', '/auth/login', '', { username, password })).token;
const ticked = (task) => (task.checklist ?? []).map(() => true);

async function main() {
  if (!BASE) {
    console.error('[dashboards] set SLUICE_URL');
    process.exit(2);
  }
  const sample = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', 'examples', 'orders', 'small-standard.json'), 'utf8'));
  const started = Date.now();

  await step('orders decided through the API', null, async () => {
    const clerk = await login('clerk');
    const manager = await login('manager');
    const a = await call('POST', '/orders', clerk, sample);
    const b = await call('POST', '/orders', clerk, sample);
    const verified = await call('POST', `/tasks/${b.tasks[0].id}/actions`, clerk, { action: 'approve', checklist: ticked(b.tasks[0]) });
    const review = verified.order.tasks.find((t) => t.node === 'sales_review') ?? fail('no sales review task');
    await call('POST', `/tasks/${review.id}/actions`, manager, { action: 'reject', reason: 'price_too_low', comment: 'e2e' });
    log(`  ${a.number} waits at verify, ${b.number} rejected at sales review`);
  });

  const browser = await launch();
  const { page } = await newPage(browser, ADMIN, { width: 1500, height: 1000 });
  let stats;
  try {
    await step('admin opens the dashboards: every chart is drawn', page, async () => {
      await signIn(page, ADMIN, PASSWORD);
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`/api/v1/flows/${FLOW}/stats`)),
        // several flows are published (after-sales ones too): name the one to chart
        page.getByTestId('nav-dashboards').click().then(() => page.goto(`${BASE}/dashboards?flow=${FLOW}`)),
      ]);
      if (res.status() !== 200) fail(`stats answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
      stats = await res.json();
      const figures = page.getByTestId('dashboard-figures');
      await figures.waitFor();
      const orders = Number(await figures.getAttribute('data-orders'));
      if (!(orders >= 2)) fail(`the dashboard covers ${orders} orders, expected at least 2`);
      for (const c of CHARTS) await page.locator(`[data-testid="chart-${c}"] canvas`).first().waitFor({ state: 'attached' });
      await shot(page, 'charts');
    });

    await step('the heatmap colours the node where an order waits', page, async () => {
      const verify = page.getByTestId('heat-node-verify');
      await verify.waitFor();
      const waiting = Number(await verify.getAttribute('data-waiting'));
      const want = stats.bottlenecks.find((b) => b.node === 'verify')?.waiting;
      if (!(waiting >= 1) || waiting !== want) fail(`verify shows ${waiting} waiting, the server says ${want}`);
      const busy = new Set(stats.bottlenecks.map((b) => b.node));
      const quiet = stats.graph.nodes.find((n) => !busy.has(n.id)) ?? fail('every node has waiting tasks');
      if ((await page.getByTestId(`heat-node-${quiet.id}`).getAttribute('data-level')) !== '') fail(`${quiet.id} is coloured though nothing waits there`);
      if ((await verify.getAttribute('data-level')) === '') fail('verify is not coloured');
      await page.getByTestId('heat-legend').waitFor();
      await page.getByTestId('bottleneck-heatmap').scrollIntoViewIfNeeded();
      await page.getByTestId('bottleneck-heatmap').screenshot({ path: path.join(outDir, `dashboards-${String(run.stepNo).padStart(2, '0')}-heatmap.png`) });
    });

    await step('the designer palette lists every plugin; the inventory node shows its settings form', page, async () => {
      const plugins = await page.evaluate(async () => (await (await fetch('/api/v1/plugins')).json()).items.map((p) => p.name));
      if (!plugins.length) fail('the server lists no plugins');
      await page.getByTestId('nav-designer').click();
      await page.getByTestId(`flow-open-${FLOW}`).click();
      await page.getByTestId('designer').waitFor();
      for (const name of plugins) await page.getByTestId(`palette-plugin-${name}`).waitFor();
      await page.locator('.react-flow__node[data-id="inventory"]').click();
      const form = page.getByTestId('plugin-settings-form');
      await form.waitFor();
      const warehouse = await form.locator('#root_warehouse').inputValue();
      if (warehouse !== 'main') fail(`warehouse shows ${JSON.stringify(warehouse)}`);
      await shot(page, 'plugin-settings');
      log(`  ${plugins.length} plugins in the palette: ${plugins.join(', ')}`);
    });
    await step('a branch condition is checked by the server as it is typed', page, async () => {
      // amount → committee: order.total >= 200000 (edge ids are e<index in the flow's edges>)
      const demoFlow = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', 'examples', 'flows', 'order-review.json'), 'utf8'));
      const idx = demoFlow.edges.findIndex((e) => e.from === 'amount' && e.to === 'committee');
      const edge = page.locator(`.react-flow__edge[data-id="e${idx}"]`);
      // the taller graph may put the edge below the canvas's viewport: click it by event
      await edge.locator('.react-flow__edge-interaction').dispatchEvent('click');
      const when = page.getByTestId('edge-when');
      await when.waitFor();
      const check = page.getByTestId('edge-when-check');
      await when.fill('order.totl >= 200000');
      await page.locator('[data-testid="edge-when-check"][data-state="error"]').waitFor({ state: 'attached' });
      const msg = await page.locator('.ant-form-item-explain-error').first().innerText();
      if (!/totl/.test(msg)) fail(`the message does not name the unknown field: ${msg}`);
      await shot(page, 'condition-error');
      await when.fill('order.total >= 200000');
      await page.locator('[data-testid="edge-when-check"][data-state="ok"]').waitFor({ state: 'attached' });
      log(`  refused: ${msg.trim().slice(0, 120)}; state now ${await check.getAttribute('data-state')}`);
      await page.getByTestId('designer-undo').click(); // leave the draft as it was
    });
    log(`all ${run.stepNo} steps passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error('[dashboards] FAILED:', e.message);
  process.exit(1);
});
