#!/usr/bin/env node
// End-to-end walkthrough of the demo flow `order-review` against a running Sluice server with the demo seed.
//
//   SLUICE_URL=http://127.0.0.1:8080 npm run e2e
//
// clerk submits the sample order through the rendered form; then, each in a fresh browser context, every
// reviewer opens My tasks, opens the order, ticks the checklist (Approve stays disabled until every box is
// ticked) and approves. Once, the manager first tries a batch approve (refused for a checklist node), then
// returns the order to verify; the clerk cannot withdraw it any more (409), verifies it again and urges the
// manager twice (the second time 429, shown with the wait). The order must end `completed`; finally the UI
// is switched to English, 简体中文 and back to 繁體中文. A screenshot of each step goes to test-output/e2e/.
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
//   SLUICE_E2E_RETURN_BY       the reviewer who returns the order once (manager; empty: no return)
//   SLUICE_E2E_RETURN_TO       the node that return must reach (verify, the previous review node)
//   SLUICE_E2E_HEADED=1        show the browser (needs a display)
import fs from 'node:fs';
import path from 'node:path';
import { BASE, StepError, TIMEOUT, fail, launch, login, outDir, repoRoot, steps } from './harness.mjs';

const FLOW = process.env.SLUICE_FLOW || 'order-review';
const REVIEWERS = (process.env.SLUICE_REVIEWERS || 'clerk,manager,finance,finance2,warehouse,service').split(',').map((s) => s.trim()).filter(Boolean);
const FINANCE_USERS = new Set((process.env.SLUICE_FINANCE_USERS || 'finance,finance2').split(',').map((s) => s.trim()));
const THRESHOLD = Number(process.env.SLUICE_FINANCE_THRESHOLD || 50000);
const TASK_WAIT = Number(process.env.SLUICE_E2E_TASK_WAIT_MS || 90000);
const SUBMITTER = 'clerk';
// the reviewer who returns the order once (to RETURN_TO, the previous review node); '' skips the return
const RETURN_BY = process.env.SLUICE_E2E_RETURN_BY ?? 'manager';
const RETURN_TO = process.env.SLUICE_E2E_RETURN_TO || 'verify';

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

const run = steps('[e2e]', '');
const { log, shot, step } = run;
const newPage = (browser, who) => run.newPage(browser, who, { width: 1440, height: 960 });

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

const byId = (page, id) => page.locator(`[id="${id}"]`);

/** Fills one value of the rjsf form into the element(s) rjsf generated for it (ids root_a_b_0_c …). */
async function fillField(page, id, value, schema, ui, root) {
  schema = resolveRef(schema, root);
  if (value === null || value === undefined) return;
  if (Array.isArray(value) && !(Array.isArray(schema.enum) || (schema.items && resolveRef(schema.items, root).enum))) {
    for (let i = 0; i < value.length; i++) {
      const itemId = `${id}_${i}`;
      // an item is a box of its own (rjsf) or only its cells (the line-items table)
      const item = page.locator(`[id="${itemId}"], [id^="${itemId}_"]`);
      if ((await item.count()) === 0) {
        await byId(page, `${id}__add`).click();
        await item.first().waitFor();
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
    select: !!e.closest('.ant-select') && !e.closest('.ant-select-auto-complete'),
    lookup: !!e.closest('.ant-select-auto-complete'),
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
  } else if (info.lookup) {
    // a lookup (customer, product) offers matches but takes what is typed: type it and
    // close the suggestions without picking one
    await el.fill(String(value));
    await el.press('Escape');
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

const ACTIONS_URL = /\/api\/v1\/tasks\/[^/]+\/actions$/;

/** Logs in as `username`, waits until the order reaches My tasks, and opens it. */
async function openFromMyTasks(page, username, order, { open = true } = {}) {
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
  if (open) await openOrder(page, order);
}

async function openOrder(page, order) {
  await page.getByTestId(`task-open-${order.number}`).first().click();
  await page.getByTestId('order-number').filter({ hasText: order.number }).waitFor();
}

/** Ticks the panel's checklist; Approve must be disabled until the last box is ticked. */
async function tickChecklist(panel, node) {
  const boxes = await panel.getByTestId('checklist-item').locator('input[type=checkbox]').all();
  const submit = panel.getByTestId('action-submit');
  await panel.getByTestId('action-approve').click();
  if (boxes.length) {
    if (!(await submit.isDisabled())) fail(`Approve at ${node} is enabled before the ${boxes.length} checklist items are ticked`);
    for (const [i, box] of boxes.entries()) {
      await box.check();
      const last = i === boxes.length - 1;
      if (!last && !(await submit.isDisabled())) fail(`Approve at ${node} is enabled with ${i + 1} of ${boxes.length} items ticked`);
    }
    if (await submit.isDisabled()) fail(`Approve at ${node} stays disabled with every checklist item ticked`);
  }
  return boxes.length;
}

/** Opens an antd Select and picks its first option; waits until the dropdown has closed again. */
async function pickFirstOption(page, select) {
  const open = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
  await select.click();
  await open.last().locator('.ant-select-item-option').first().click();
  await open.first().waitFor({ state: 'hidden' }).catch(() => {});
  await page.waitForFunction(() => !document.querySelector('.ant-select-dropdown:not(.ant-select-dropdown-hidden)')).catch(() => {});
}

/** Clicks the panel's submit button and returns the action's answer ({status, body, sent}). */
async function submitAction(page, panel) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => ACTIONS_URL.test(r.url()) && r.request().method() === 'POST'),
    panel.getByTestId('action-submit').click(),
  ]);
  const body = await res.json().catch(() => ({}));
  return { status: res.status(), body, sent: res.request().postDataJSON() };
}

async function approveAs(browser, username, order) {
  const { context, page } = await newPage(browser, username);
  try {
    await step(`${username}: login and find the order in My tasks`, page, () => openFromMyTasks(page, username, order));
    await approveOpenTask(page, username);
  } finally {
    await context.close();
  }
}

async function approveOpenTask(page, username) {
  return step(`${username}: approve`, page, async () => {
    const panel = page.getByTestId('task-action-panel').first();
    await panel.waitFor();
    const node = await panel.getAttribute('data-node');
    const ticked = await tickChecklist(panel, node);
    await panel.getByTestId('action-comment-input').fill(`e2e: ${username} approves`);
    const { status, body, sent } = await submitAction(page, panel);
    if (status !== 200) fail(`approve at ${node} answered ${status}: ${JSON.stringify(body).slice(0, 500)}`);
    if (ticked && !(Array.isArray(sent.checklist) && sent.checklist.length === ticked && sent.checklist.every(Boolean))) {
      fail(`approve at ${node} sent checklist ${JSON.stringify(sent.checklist)}, expected ${ticked} × true`);
    }
    await page.waitForLoadState('networkidle').catch(() => {});
    await shot(page, `${username}-approved`);
    log(`  ${username} approved at ${node} (${ticked} checklist items); order now ${body.order?.status ?? '?'} at ${(body.order?.current_nodes || []).join(',') || '-'}`);
    return body;
  });
}

/**
 * The reviewer first tries to batch-approve the order from My tasks (its node has a checklist, so the batch
 * answers 422 for it and the UI says to open it), then returns the order to the previous review node.
 */
async function returnAs(browser, username, order) {
  const { context, page } = await newPage(browser, username);
  try {
    await step(`${username}: login and find the order in My tasks`, page, () => openFromMyTasks(page, username, order, { open: false }));
    await step(`${username}: batch approve refuses a checklist task`, page, async () => {
      const detail = await page.evaluate(async (id) => (await fetch(`/api/v1/orders/${id}`, { credentials: 'same-origin' })).json(), order.id);
      const mine = (detail.tasks || []).find((t) => t.can_act);
      if (!mine?.checklist?.length) {
        log(`  (the task at ${mine?.node ?? '?'} has no checklist: a batch would approve it; skipped)`);
        return;
      }
      await page.getByTestId(`task-select-${order.number}`).check();
      await page.getByTestId('tasks-batch-approve').click();
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/tasks/batch') && r.request().method() === 'POST'),
        page.getByTestId('batch-submit').click(),
      ]);
      const body = await res.json().catch(() => ({}));
      if (res.status() !== 200) fail(`POST /tasks/batch answered ${res.status()}: ${JSON.stringify(body).slice(0, 300)}`);
      const item = (body.items || [])[0];
      if (item?.status !== 422) fail(`the batch item answered ${item?.status}, expected 422 (checklist): ${JSON.stringify(item).slice(0, 300)}`);
      await page.getByTestId('batch-needs-checklist').waitFor();
      await shot(page, `${username}-batch-needs-checklist`);
      await page.getByTestId('batch-close').click();
    });
    await step(`${username}: return the order to the previous review node`, page, async () => {
      await openOrder(page, order);
      const panel = page.getByTestId('task-action-panel').first();
      await panel.waitFor();
      const node = await panel.getAttribute('data-node');
      await panel.getByTestId('action-return').click();
      // the earlier nodes come from the history: take the first, the one marked as the previous
      await pickFirstOption(page, panel.getByTestId('action-return-node'));
      const reasons = panel.getByTestId('action-reason-select');
      if (await reasons.count()) await pickFirstOption(page, reasons);
      await panel.getByTestId('action-comment-input').fill(`e2e: ${username} returns the order`);
      await shot(page, `${username}-return-form`);
      const { status, body, sent } = await submitAction(page, panel);
      if (status !== 200) fail(`return at ${node} answered ${status}: ${JSON.stringify(body).slice(0, 500)}`);
      if (sent.action !== 'return' || sent.node !== RETURN_TO) fail(`the UI sent ${JSON.stringify(sent)}, expected a return to ${RETURN_TO}`);
      const now = body.order?.current_nodes || [];
      if (!now.includes(RETURN_TO)) fail(`after the return the order is at ${now.join(',') || '-'}, expected ${RETURN_TO}`);
      await page.locator(`[data-testid="order-current-nodes"][data-nodes="${RETURN_TO}"]`).waitFor();
      const entry = page.locator('[data-testid="history-item"][data-action="return"]').last();
      await entry.waitFor();
      const summary = (await entry.getByTestId('history-summary').innerText()).trim();
      if (!summary.startsWith('退回至')) fail(`the history says "${summary}" for the return`);
      await entry.getByTestId('history-trace-toggle').click();
      await entry.getByTestId('trace-line').first().waitFor();
      await shot(page, `${username}-returned`);
      log(`  ${username} returned the order from ${node} to ${RETURN_TO} (${summary})`);
    });
  } finally {
    await context.close();
  }
}

/** The submitter re-verifies the returned order: withdrawing is refused (a reviewer acted), approve, then urge the next reviewer twice. */
async function reverifyAs(browser, username, order) {
  const { context, page } = await newPage(browser, username);
  try {
    await step(`${username}: the returned order is back in My tasks`, page, () => openFromMyTasks(page, username, order));
    if (username === SUBMITTER) {
      await step(`${username}: withdrawing is refused once a reviewer acted`, page, async () => {
        await page.getByTestId('order-withdraw').click();
        const [res] = await Promise.all([
          page.waitForResponse((r) => ACTIONS_URL.test(r.url()) && r.request().method() === 'POST'),
          page.getByTestId('order-withdraw-confirm').click(),
        ]);
        if (res.status() !== 409) fail(`withdraw answered ${res.status()}, expected 409`);
        const detail = (await page.getByTestId('withdraw-error-detail').innerText()).trim();
        const problem = await res.json().catch(() => ({}));
        if (!detail || detail !== problem.detail) fail(`the page shows "${detail}", the server said "${problem.detail}"`);
        await shot(page, `${username}-withdraw-refused`);
      });
    }
    await approveOpenTask(page, `${username}-again`);
    if (username === SUBMITTER) {
      await step(`${username}: urge the next reviewer (twice: the second is too soon)`, page, async () => {
        const urge = page.getByTestId('task-urge').first();
        await urge.waitFor();
        const click = async () => {
          const [res] = await Promise.all([
            page.waitForResponse((r) => ACTIONS_URL.test(r.url()) && r.request().method() === 'POST'),
            urge.click(),
          ]);
          return res;
        };
        const first = await click();
        if (first.status() !== 200) fail(`the first urge answered ${first.status()}: ${(await first.text()).slice(0, 300)}`);
        const second = await click();
        if (second.status() !== 429) fail(`the second urge answered ${second.status()}, expected 429`);
        if (!second.headers()['retry-after']) fail('the 429 had no Retry-After');
        const text = (await page.getByTestId('urge-wait').innerText()).trim();
        if (!/^剛催辦過，請於 .+後再試$/.test(text)) fail(`the page says "${text}" after the 429`);
        await shot(page, `${username}-urged`);
        log(`  urge: 200, then 429 (Retry-After ${second.headers()['retry-after']}s): "${text}"`);
      });
    }
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
    // the return's timeline entry, in the language shown (when the walkthrough returned the order)
    const expectReturnEntry = async (label, summaryStart) => {
      if (!RETURN_BY) return;
      const entry = page.locator('[data-testid="history-item"][data-action="return"]').first();
      await entry.getByTestId('history-label').filter({ hasText: label }).waitFor({ timeout: TIMEOUT }).catch(async () => {
        fail(`the return entry reads "${(await entry.getByTestId('history-label').innerText().catch(() => '?')).trim()}", expected "${label}"`);
      });
      const summary = (await entry.getByTestId('history-summary').innerText()).trim();
      if (!summary.startsWith(summaryStart)) fail(`the return entry says "${summary}", expected it to start with "${summaryStart}"`);
    };
    await step('switch the UI to English', page, async () => {
      await switchTo('en');
      await expectText('nav-tasks', 'My tasks');
      await expectText('order-status', 'Completed');
      await expectReturnEntry('Returned', RETURN_TO === 'verify' ? 'Returned to "Verify"' : 'Returned to');
      await shot(page, 'lang-en');
    });
    await step('switch the UI to 简体中文', page, async () => {
      await switchTo('zh-CN');
      await expectText('nav-tasks', '我的待办');
      await expectText('order-status', '已完成');
      await expectReturnEntry('退回', RETURN_TO === 'verify' ? '退回至“资料核对”' : '退回至');
      await shot(page, 'lang-zh-CN');
    });
    await step('switch the UI to 繁體中文 (and it is remembered)', page, async () => {
      await switchTo('zh-TW');
      await expectText('nav-tasks', '我的待辦');
      await expectText('order-status', '已完成');
      await page.reload();
      await expectText('nav-tasks', '我的待辦');
      await expectReturnEntry('退回', RETURN_TO === 'verify' ? '退回至「資料核對」' : '退回至');
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
  const sample = loadSample();
  log(`server ${BASE}, flow ${sample.flow}, sample ${sample.source}; screenshots in ${path.relative(repoRoot, outDir)}/`);

  const browser = await launch();
  const started = Date.now();
  try {
    const order = await submitOrder(browser, sample);
    const total = Number(order.total);
    const withFinance = Number.isFinite(total) && total >= THRESHOLD;
    log(`total ${order.total} ${withFinance ? '≥' : '<'} ${THRESHOLD}: finance review ${withFinance ? 'expected' : 'skipped'}`);
    let returned = false;
    for (const reviewer of REVIEWERS) {
      if (FINANCE_USERS.has(reviewer) && !withFinance) continue;
      if (reviewer === RETURN_BY && !returned) {
        // once: the reviewer sends the order back, the first reviewer verifies it again
        await returnAs(browser, reviewer, order);
        await reverifyAs(browser, REVIEWERS[0], order);
        returned = true;
      }
      await approveAs(browser, reviewer, order);
    }
    await checkCompletedAndLanguages(browser, order);
  } finally {
    await browser.close();
  }
  log(`walkthrough done in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  console.log(`e2e: ${run.passed} passed, 0 failed`);
}

main().catch((e) => {
  console.error(`[e2e] FAILED: ${e instanceof Error ? e.message : e}`);
  if (!(e instanceof StepError) && e instanceof Error && e.stack) console.error(e.stack);
  console.log(`e2e: ${run.passed} passed, 1 failed`);
  process.exit(1);
});
