#!/usr/bin/env node
// End-to-end walkthrough of the demo flow `order-review` against a running Sluice server with the demo seed.
//
//   SLUICE_URL=http://127.0.0.1:8080 npm run e2e
//
// clerk submits the sample order through the rendered form; then, each in a fresh browser context, every
// reviewer opens My tasks, opens the order and approves; the order must end `completed`; finally the UI is
// switched to English and back to 繁體中文. A screenshot of each step goes to test-output/e2e/.
//
// Optional environment:
//   SLUICE_SAMPLE              JSON file with the order body ({flow, data} or just data); default:
//                              schemas/examples/orders/large-vip.json, else another sample there for the flow,
//                              else a built-in one
//   SLUICE_FLOW                flow key (order-review)
//   SLUICE_PASSWORD            demo password (sluice-demo)
//   SLUICE_REVIEWERS           comma-separated reviewers in order (clerk,manager,finance,finance2,warehouse,service)
//   SLUICE_FINANCE_USERS       reviewers skipped when the total is below the threshold (finance,finance2)
//   SLUICE_FINANCE_THRESHOLD   50000
//   SLUICE_E2E_TIMEOUT_MS      timeout of one UI wait (20000)
//   SLUICE_E2E_TASK_WAIT_MS    how long a reviewer waits for the task to reach My tasks (90000)
//   SLUICE_E2E_HEADED=1        show the browser (needs a display)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const outDir = path.join(repoRoot, 'test-output', 'e2e');

const BASE = (process.env.SLUICE_URL || '').replace(/\/+$/, '');
const FLOW = process.env.SLUICE_FLOW || 'order-review';
const PASSWORD = process.env.SLUICE_PASSWORD || 'sluice-demo';
const REVIEWERS = (process.env.SLUICE_REVIEWERS || 'clerk,manager,finance,finance2,warehouse,service').split(',').map((s) => s.trim()).filter(Boolean);
const FINANCE_USERS = new Set((process.env.SLUICE_FINANCE_USERS || 'finance,finance2').split(',').map((s) => s.trim()));
const THRESHOLD = Number(process.env.SLUICE_FINANCE_THRESHOLD || 50000);
const TIMEOUT = Number(process.env.SLUICE_E2E_TIMEOUT_MS || 20000);
const TASK_WAIT = Number(process.env.SLUICE_E2E_TASK_WAIT_MS || 90000);
const SUBMITTER = 'clerk';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

// Used only when schemas/examples/orders/ has no sample (a copy of large-vip.json: total 80600 ≥ 50000).
const BUILTIN_SAMPLE = {
  flow: 'order-review',
  data: {
    customer: { name: '台北精密機械股份有限公司', tier: 'vip', contact: 'purchase@tp-precision.example.com' },
    ship_to: { address: '台北市內湖區瑞光路 188 號 5 樓' },
    items: [
      { sku: 'MTR-750W', name: '伺服馬達 750W', qty: 12, price: 3800 },
      { sku: 'PLC-CPU16', name: '可程式控制器 CPU16', qty: 4, price: 6500 },
      { sku: 'CBL-ENC-5M', name: '編碼器線 5 米', qty: 20, price: 450 },
    ],
    currency: 'TWD',
    promised_date: '2026-09-30',
    note: 'e2e walkthrough',
  },
};

let stepNo = 0;
let passed = 0;
const log = (...a) => console.log('[e2e]', ...a);

class StepError extends Error {}

function fail(message) {
  throw new StepError(message);
}

async function shot(page, name) {
  const file = path.join(outDir, `${String(stepNo).padStart(2, '0')}-${name}.png`);
  try {
    await page.screenshot({ path: file, fullPage: true, timeout: 15000 });
  } catch (e) {
    log(`  (screenshot ${name} failed: ${e.message.split('\n')[0]})`);
  }
  return file;
}

/** Runs one named step; on failure saves a screenshot of `page` and rethrows with the step's name. */
async function step(name, page, fn) {
  stepNo++;
  const started = Date.now();
  log(`step ${stepNo}: ${name}`);
  try {
    const result = await fn();
    passed++;
    log(`  ok (${((Date.now() - started) / 1000).toFixed(1)}s)`);
    return result;
  } catch (e) {
    if (page) {
      const file = await shot(page, `${slug(name)}-FAILED`);
      log(`  screenshot of the failure: ${path.relative(repoRoot, file)}`);
    }
    const msg = e instanceof Error ? e.message : String(e);
    throw new StepError(`step ${stepNo} "${name}" failed: ${msg}`);
  }
}

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

function loadSample() {
  const explicit = process.env.SLUICE_SAMPLE;
  const dir = path.join(repoRoot, 'schemas', 'examples', 'orders');
  let files = [];
  if (explicit) files = [path.resolve(explicit)];
  else if (fs.existsSync(dir)) {
    // large-vip.json (total ≥ 50000) walks the finance review too; any other sample of the flow will do
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort((a, b) => (b === 'large-vip.json') - (a === 'large-vip.json') || a.localeCompare(b)).map((f) => path.join(dir, f));
  }
  for (const file of files) {
    const body = JSON.parse(fs.readFileSync(file, 'utf8'));
    const data = body && typeof body.data === 'object' && body.data !== null ? body.data : body;
    const flow = typeof body.flow === 'string' ? body.flow : FLOW;
    if (explicit || flow === FLOW) return { source: path.relative(repoRoot, file), flow, data };
  }
  return { source: 'built-in sample', flow: BUILTIN_SAMPLE.flow, data: BUILTIN_SAMPLE.data };
}

// ---------- text helpers (mirror the app's pickText) ----------

function pickText(text, lang = 'zh-TW') {
  if (text == null) return '';
  if (typeof text === 'string') return text;
  for (const k of [lang, 'zh-TW', 'en']) if (typeof text[k] === 'string' && text[k]) return text[k];
  return Object.values(text).find((v) => typeof v === 'string' && v) || '';
}

function resolveRef(schema, root) {
  let s = schema || {};
  for (let i = 0; i < 10 && s.$ref && typeof s.$ref === 'string' && s.$ref.startsWith('#/'); i++) {
    const target = s.$ref.slice(2).split('/').reduce((o, k) => (o ? o[k.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), root);
    const { $ref, ...rest } = s;
    s = { ...(target || {}), ...rest };
  }
  return s;
}

/** The label the form shows for an enum value (oneOf/anyOf const+title, ui:enumNames, or the value itself). */
function enumLabel(schema, ui, value) {
  for (const key of ['oneOf', 'anyOf']) {
    const opt = (schema[key] || []).find((o) => o && (o.const === value || (Array.isArray(o.enum) && o.enum[0] === value)));
    if (opt && opt.title) return pickText(opt.title);
  }
  const names = ui && ui['ui:enumNames'];
  if (Array.isArray(schema.enum) && Array.isArray(names)) {
    const i = schema.enum.indexOf(value);
    if (i >= 0 && names[i] != null) return pickText(names[i]);
  }
  return String(value);
}

// ---------- browser helpers ----------

async function newPage(browser, who) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 }, locale: 'zh-TW' });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`  [${who}] page error: ${e.message}`));
  page.on('response', async (res) => {
    if (res.url().includes('/api/') && res.status() >= 500) {
      log(`  [${who}] ${res.request().method()} ${res.url()} → ${res.status()} ${(await res.text().catch(() => '')).slice(0, 300)}`);
    }
  });
  return { context, page };
}

async function login(page, username) {
  await page.goto(`${BASE}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(PASSWORD);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/auth/login')),
    page.getByTestId('login-submit').click(),
  ]);
  if (res.status() !== 200) fail(`login as ${username} answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
  await page.getByTestId('user-menu').waitFor();
  const shown = await page.getByTestId('user-menu').getAttribute('data-username');
  if (shown !== username) fail(`signed in as ${shown}, expected ${username}`);
}

const byId = (page, id) => page.locator(`[id="${id}"]`);

/** Fills one value of the rjsf form into the element(s) rjsf generated for it (ids root_a_b_0_c …). */
async function fillField(page, id, value, schema, ui, root) {
  schema = resolveRef(schema, root);
  if (value === null || value === undefined) return;
  if (Array.isArray(value) && !(Array.isArray(schema.enum) || (schema.items && resolveRef(schema.items, root).enum))) {
    for (let i = 0; i < value.length; i++) {
      const itemId = `${id}_${i}`;
      if ((await byId(page, itemId).count()) === 0) {
        await byId(page, `${id}__add`).click();
        await byId(page, itemId).first().waitFor();
      }
      const itemSchema = Array.isArray(schema.prefixItems) && schema.prefixItems[i] ? schema.prefixItems[i] : schema.items || {};
      await fillField(page, itemId, value[i], itemSchema, (ui && ui.items) || {}, root);
    }
    return;
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, v] of Object.entries(value)) {
      const sub = (schema.properties && schema.properties[key]) || {};
      await fillField(page, `${id}_${key}`, v, sub, (ui && ui[key]) || {}, root);
    }
    return;
  }

  // radio widgets: one input per option, ids id-0, id-1 …
  const options = schema.enum || (schema.oneOf || schema.anyOf || []).map((o) => (o && 'const' in o ? o.const : undefined));
  const idx = options.indexOf(value);
  if (idx >= 0 && (await byId(page, `${id}-${idx}`).count()) > 0) {
    const radio = byId(page, `${id}-${idx}`).first();
    await radio.check().catch(() => radio.locator('xpath=ancestor::label[1]').click());
    return;
  }
  const el = byId(page, id).first();
  if ((await el.count()) === 0) {
    fail(`the form has no field ${id} for value ${JSON.stringify(value)} (schema or sample changed?)`);
  }
  const info = await el.evaluate((e) => ({
    tag: e.tagName.toLowerCase(),
    type: (e.getAttribute('type') || '').toLowerCase(),
    readOnly: e.readOnly === true || e.getAttribute('aria-readonly') === 'true',
    disabled: e.disabled === true || !!e.closest('.ant-select-disabled, .ant-picker-disabled, .ant-input-number-disabled'),
    select: !!e.closest('.ant-select'),
    picker: !!e.closest('.ant-picker'),
  }));
  if (info.readOnly || info.disabled || schema.readOnly) return; // computed by the server
  if (info.type === 'checkbox') {
    await el.setChecked(Boolean(value));
  } else if (info.select) {
    const label = enumLabel(schema, ui, value);
    await el.locator('xpath=ancestor::*[contains(concat(" ", normalize-space(@class), " "), " ant-select ")][1]').click();
    const option = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) });
    await option.first().click();
  } else if (info.picker) {
    // type the date and leave the field (Enter would submit the whole form)
    await el.click();
    await el.fill(String(value));
    await el.press('Tab');
    await page.locator('.ant-picker-dropdown:not(.ant-picker-dropdown-hidden)').waitFor({ state: 'hidden' }).catch(() => {});
  } else {
    await el.fill(String(value));
  }
}

/** Differences between the sample's values and what the form sent (defaults the form adds are fine). */
function diffData(want, got, at = '') {
  if (want === null || typeof want !== 'object') {
    return want === got || (typeof want === 'number' && Number(got) === want) ? [] : [`${at || '/'}: sent ${JSON.stringify(got)}, sample has ${JSON.stringify(want)}`];
  }
  if (got === null || typeof got !== 'object') return [`${at || '/'}: missing`];
  if (Array.isArray(want) && (!Array.isArray(got) || got.length !== want.length)) return [`${at}: sent ${Array.isArray(got) ? got.length : 'no'} items, sample has ${want.length}`];
  return Object.keys(want).flatMap((k) => diffData(want[k], got[k], `${at}/${k}`));
}

async function submitOrder(browser, sample) {
  const { context, page } = await newPage(browser, SUBMITTER);
  try {
    await step(`login as ${SUBMITTER}`, page, async () => {
      await login(page, SUBMITTER);
      await shot(page, 'clerk-logged-in');
    });
    const form = await step('open the new order form', page, async () => {
      await page.getByTestId('nav-new-order').click();
      await page.waitForURL(/\/orders\/new/);
      const flowForm = await page.evaluate(async (flow) => {
        const r = await fetch(`/api/v1/flows/${encodeURIComponent(flow)}/form`, { credentials: 'same-origin' });
        return { status: r.status, body: await r.json().catch(() => null) };
      }, sample.flow);
      if (flowForm.status !== 200) fail(`GET /api/v1/flows/${sample.flow}/form answered ${flowForm.status}`);
      if (!page.url().includes('flow=')) {
        // more than one flow: choose ours in the picker
        await page.goto(`${BASE}/orders/new?flow=${encodeURIComponent(sample.flow)}`);
      }
      await page.getByTestId('order-form').waitFor();
      await byId(page, 'root').first().waitFor();
      return flowForm.body.form;
    });
    const computed = new Set(Array.isArray(form.computed) ? form.computed : Object.keys(form.computed || {}));
    const expected = Object.fromEntries(Object.entries(sample.data).filter(([k]) => !computed.has(k)));
    await step(`fill the form with ${sample.source}`, page, async () => {
      await fillField(page, 'root', expected, form.schema, form.ui || {}, form.schema);
      await shot(page, 'order-form-filled');
    });
    const order = await step('submit the order', page, async () => {
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/orders') && r.request().method() === 'POST', { timeout: TIMEOUT }),
        page.getByTestId('order-submit').click(),
      ]).catch(async (e) => {
        const errs = await page.locator('.ant-form-item-explain-error').allInnerTexts().catch(() => []);
        fail(`no POST /api/v1/orders was sent (client-side validation: ${errs.join('; ') || 'none shown'}): ${e.message.split('\n')[0]}`);
      });
      const body = await res.json().catch(() => ({}));
      if (res.status() !== 201) fail(`POST /api/v1/orders answered ${res.status()}: ${JSON.stringify(body).slice(0, 500)}`);
      const sent = res.request().postDataJSON();
      const diffs = diffData(expected, sent?.data ?? {});
      if (diffs.length) fail(`the form sent other data than the sample: ${diffs.slice(0, 8).join('; ')}`);
      if (sent?.flow !== sample.flow) fail(`the form sent flow ${sent?.flow}, expected ${sample.flow}`);
      if (!res.request().headers()['idempotency-key']) fail('POST /api/v1/orders had no Idempotency-Key header');
      await page.waitForURL(new RegExp(`/orders/${body.id}$`));
      await page.getByTestId('order-number').filter({ hasText: body.number }).waitFor();
      await shot(page, 'order-submitted');
      return body;
    });
    log(`  order ${order.number} (id ${order.id}), total ${order.total}, status ${order.status}`);
    return order;
  } finally {
    await context.close();
  }
}

async function approveAs(browser, username, order) {
  const { context, page } = await newPage(browser, username);
  try {
    await step(`${username}: login and find the order in My tasks`, page, async () => {
      await login(page, username);
      await page.getByTestId('nav-tasks').click();
      const link = page.getByTestId(`task-open-${order.number}`);
      const deadline = Date.now() + TASK_WAIT;
      while ((await link.count()) === 0) {
        if (Date.now() > deadline) fail(`order ${order.number} did not reach ${username}'s My tasks within ${TASK_WAIT / 1000}s`);
        await page.waitForTimeout(2000);
        await page.getByTestId('tasks-refresh').click();
        await page.waitForLoadState('networkidle').catch(() => {});
      }
      await shot(page, `${username}-my-tasks`);
      await link.first().click();
      await page.getByTestId('order-number').filter({ hasText: order.number }).waitFor();
    });
    await step(`${username}: approve`, page, async () => {
      const panel = page.getByTestId('task-action-panel').first();
      await panel.waitFor();
      const node = await panel.getAttribute('data-node');
      for (const box of await panel.getByTestId('checklist-item').locator('input[type=checkbox]').all()) await box.check();
      await panel.getByTestId('action-approve').click();
      await panel.getByTestId('action-comment-input').fill(`e2e: ${username} approves`);
      const [res] = await Promise.all([
        page.waitForResponse((r) => /\/api\/v1\/tasks\/[^/]+\/actions$/.test(r.url()) && r.request().method() === 'POST'),
        panel.getByTestId('action-submit').click(),
      ]);
      const body = await res.json().catch(() => ({}));
      if (res.status() !== 200) fail(`approve at ${node} answered ${res.status()}: ${JSON.stringify(body).slice(0, 500)}`);
      await page.waitForLoadState('networkidle').catch(() => {});
      await shot(page, `${username}-approved`);
      log(`  ${username} approved at ${node}; order now ${body.order?.status ?? '?'} at ${(body.order?.current_nodes || []).join(',') || '-'}`);
    });
  } finally {
    await context.close();
  }
}

async function checkCompletedAndLanguages(browser, order) {
  const { context, page } = await newPage(browser, SUBMITTER);
  try {
    await step('order shows completed', page, async () => {
      await login(page, SUBMITTER);
      await page.goto(`${BASE}/orders/${order.id}`);
      const status = page.getByTestId('order-status');
      const deadline = Date.now() + TASK_WAIT;
      for (;;) {
        await status.waitFor();
        const s = await status.getAttribute('data-status');
        if (s === 'completed') break;
        if (Date.now() > deadline) fail(`order ${order.number} is "${s}", not completed, after ${TASK_WAIT / 1000}s`);
        await page.waitForTimeout(2000);
        await page.getByTestId('order-refresh').click();
      }
      const text = (await status.innerText()).trim();
      if (text !== '已完成') fail(`status tag reads "${text}", expected 已完成`);
      await shot(page, 'order-completed');
    });
    const switchTo = async (lang) => {
      await page.getByTestId('lang-switcher').click();
      await page.getByTestId(`lang-option-${lang}`).click();
      await page.locator('.ant-dropdown:not(.ant-dropdown-hidden)').waitFor({ state: 'hidden' }).catch(() => {});
    };
    const expectText = async (testId, want) => {
      const loc = page.getByTestId(testId).first();
      await loc.filter({ hasText: want }).first().waitFor({ timeout: TIMEOUT }).catch(async () => {
        fail(`${testId} reads "${(await loc.innerText().catch(() => '?')).trim()}", expected "${want}"`);
      });
    };
    await step('switch the UI to English', page, async () => {
      await switchTo('en');
      await expectText('nav-tasks', 'My tasks');
      await expectText('order-status', 'Completed');
      await shot(page, 'lang-en');
    });
    await step('switch the UI to 繁體中文 (and it is remembered)', page, async () => {
      await switchTo('zh-TW');
      await expectText('nav-tasks', '我的待辦');
      await expectText('order-status', '已完成');
      await page.reload();
      await expectText('nav-tasks', '我的待辦');
      await shot(page, 'lang-zh-TW');
    });
  } finally {
    await context.close();
  }
}

async function main() {
  if (!BASE) {
    console.error('[e2e] SLUICE_URL is not set: point it at a running Sluice server with the demo seed, e.g.\n' +
      '  SLUICE_URL=http://127.0.0.1:8080 npm run e2e');
    process.exit(2);
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of fs.readdirSync(outDir)) if (f.endsWith('.png')) fs.rmSync(path.join(outDir, f));
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    console.error(`[e2e] no Chromium at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    process.exit(2);
  }
  const sample = loadSample();
  log(`server ${BASE}, flow ${sample.flow}, sample ${sample.source}; screenshots in ${path.relative(repoRoot, outDir)}/`);

  const browser = await chromium.launch({
    executablePath,
    headless: process.env.SLUICE_E2E_HEADED !== '1',
    args: process.env.SLUICE_E2E_HEADED === '1' ? CHROMIUM_ARGS.filter((a) => a !== '--headless') : CHROMIUM_ARGS,
  });
  const started = Date.now();
  try {
    const order = await submitOrder(browser, sample);
    const total = Number(order.total);
    const withFinance = Number.isFinite(total) && total >= THRESHOLD;
    log(`total ${order.total} ${withFinance ? '≥' : '<'} ${THRESHOLD}: finance review ${withFinance ? 'expected' : 'skipped'}`);
    for (const reviewer of REVIEWERS) {
      if (FINANCE_USERS.has(reviewer) && !withFinance) continue;
      await approveAs(browser, reviewer, order);
    }
    await checkCompletedAndLanguages(browser, order);
  } finally {
    await browser.close();
  }
  log(`walkthrough done in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  console.log(`e2e: ${passed} passed, 0 failed`);
}

main().catch((e) => {
  console.error(`[e2e] FAILED: ${e instanceof Error ? e.message : e}`);
  if (!(e instanceof StepError) && e instanceof Error && e.stack) console.error(e.stack);
  console.log(`e2e: ${passed} passed, 1 failed`);
  process.exit(1);
});
