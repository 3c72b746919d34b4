#!/usr/bin/env node
// Builds a new flow in the designer and runs an order through it, against a running Sluice server
// with the demo seed:
//
//   SLUICE_URL=http://127.0.0.1:8080 node frontend/e2e/buildflow.mjs
//
// 1. The admin creates a flow from the flows list: types its name (its key is made from it) on the
//    order form; it starts with no edge. From the palette the admin drops a review onto start (it
//    follows start, joined to it), names it (zh-TW and en; zh-CN follows the zh-TW name, the id the
//    English one): the countersign (會簽: mode all, users manager + manager2 picked from the
//    server's users, the usual SLA in one click: remind after 4h, escalate after 1d to the
//    manager). A switch dropped onto it (amount), a review dropped onto the switch (finance
//    review), the edge amount → end drawn from handle to handle and made the default. Three
//    mistakes are left in: the amount → finance review edge has no condition, the finance review
//    has no approvers and no way on. No node overlaps another; the minimap covers none.
// 2. The first save is refused (422) with all three problems at once, each marked on its node or
//    edge and listed (screenshots at 1440×900 and 1280×720). The finance review, selected with its
//    problems, gets the finance role in the finance department in one pick; from the list the admin
//    jumps to the edge and builds `order.total >= 50000` with the field picker; draws finance
//    review → end.
// 3. The draft is simulated with both built-in samples (80,600 and 7,450): simulating saves the flow
//    draft and its SLA (a reminder draft of a flow not yet published) first. The large one's path runs
//    through the finance review, the small one's takes the default edge; the rule trace is listed
//    in the UI's language (zh-TW: 「order.total >= 50000 成立 … → finance_review」),
//    and the countersign's reminder and escalation with their due times.
// 4. The admin publishes the flow (version 1); its SLA is published with it.
//    Steps 1–4 go through the UI only and are counted: `interactions: N (target ≤ 35)`; more fails.
// 5. manager2 waits on My tasks; the clerk submits the large sample on the new flow through the
//    new-order page; manager2 gets the countersign task live (toast and count, no reload);
//    manager and manager2 approve in their own browser contexts; the order moves on to the
//    finance review (the `>= 50000` branch).
// 6. The admin switches the UI to English and back to 繁體中文.
// Screenshots: test-output/e2e/buildflow-*.png
//
// Optional environment: SLUICE_ADMIN (admin), SLUICE_ADMIN_PASSWORD (admin-e2e-pass), SLUICE_PASSWORD
// (sluice-demo), SLUICE_E2E_TIMEOUT_MS (20000), CHROMIUM_PATH (/usr/bin/chromium), SLUICE_E2E_HEADED=1.
import fs from 'node:fs';
import path from 'node:path';
import { BASE, StepError, fail, interactions, launch, liveOpen, login, mark as markPage, repoRoot, stillSame as samePage, steps } from './harness.mjs';

const ADMIN = process.env.SLUICE_ADMIN || 'admin';
const ADMIN_PASSWORD = process.env.SLUICE_ADMIN_PASSWORD || 'admin-e2e-pass';
const CLERK = 'clerk';
const SIGNERS = ['manager', 'manager2'];
const STAMP = Date.now().toString(36);
const FLOW_NAME = `E2E 小額會簽流程 ${STAMP}`;
// the key the designer makes of the name
let FLOW = `e2e-${STAMP}`;
// the nodes' ids, made of their English names
const CS = 'managers_countersign';
const AMOUNT = 'amount';
const FIN = 'finance_review';
const BUDGET = 35;
const SAMPLE = path.join(repoRoot, 'schemas', 'examples', 'orders', 'large-vip.json');

const run = steps('[e2e:buildflow]', 'buildflow-');
const { log, shot, step, newPage } = run;
const mark = (page) => markPage(page, 'buildflow');
const ui = interactions();
const stillSame = (page, who) => samePage(page, who, 'buildflow');

// ---------- designer helpers ----------

const nodeSel = (id) => `.react-flow__node[data-id="${id}"]`;
const edgeCount = (page) => page.locator('.react-flow__edge').count();

/** Waits until the nodes' boxes and the viewport stay put for a few animation frames (layout, measuring, fit view settled). */
async function settle(page) {
  await page.evaluate(() => {
    window.__bfSnap = '';
    window.__bfStill = 0;
  });
  await page.waitForFunction(
    () => {
      const s = [...document.querySelectorAll('.react-flow__node, .react-flow__viewport')]
        .map((n) => n.getBoundingClientRect())
        .map((r) => `${Math.round(r.x)},${Math.round(r.y)},${Math.round(r.width)},${Math.round(r.height)}`)
        .join('|');
      if (s && s === window.__bfSnap) window.__bfStill++;
      else {
        window.__bfSnap = s;
        window.__bfStill = 0;
      }
      return window.__bfStill >= 3;
    },
    undefined,
    { polling: 'raf' },
  );
}

/** Drags a palette entry onto node `onto` (it follows that node, joined to it) and returns the id of the new node. */
async function dropOnto(page, type, onto) {
  await settle(page);
  const canvas = page.getByTestId('designer-canvas');
  const box = await canvas.boundingBox();
  const nb = await page.locator(nodeSel(onto)).boundingBox();
  const before = new Set(await page.locator('.react-flow__node').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-id'))));
  const target = { x: Math.round(nb.x + nb.width / 2 - box.x), y: Math.round(nb.y + nb.height / 2 - box.y) };
  const count = before.size;
  const grew = () => page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n + 1, count, { timeout: 3000 });
  await ui.drag(`${type} onto ${onto}`, async () => {
    await page.getByTestId(`palette-${type}`).dragTo(canvas, { targetPosition: target });
    try {
      await grew();
    } catch {
      // some Chromium builds do not run HTML5 drag and drop from synthetic mouse input: dispatch the same events ourselves
      await page.evaluate(
        ({ type, x, y }) => {
          const dt = new DataTransfer();
          const src = document.querySelector(`[data-testid="palette-${type}"]`);
          const dst = document.querySelector('[data-testid="designer-canvas"]');
          src.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: dt }));
          dst.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt, clientX: x, clientY: y }));
          dst.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt, clientX: x, clientY: y }));
        },
        { type, x: box.x + target.x, y: box.y + target.y },
      );
      await grew();
      log(`  (${type} dropped through synthetic drag events)`);
    }
  });
  // the new node is selected (a node left may have been renamed on the way: the id is the panel's)
  const id = await page.getByTestId('node-panel').getAttribute('data-node');
  if (before.has(id) || (await page.locator(nodeSel(id)).count()) !== 1) fail(`the node dropped is not selected (panel: ${id})`);
  await settle(page);
  return id;
}

async function centre(locator) {
  const b = await locator.boundingBox();
  if (!b) fail('no box for a handle');
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** Draws an edge by dragging from `from`'s source handle to `to`'s target handle; the new edge is selected. */
async function connect(page, from, to) {
  await settle(page);
  const before = await edgeCount(page);
  const a = await centre(page.locator(`${nodeSel(from)} .react-flow__handle.source`));
  const b = await centre(page.locator(`${nodeSel(to)} .react-flow__handle.target`));
  await ui.drag(`edge ${from} → ${to}`, async () => {
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(a.x + (b.x - a.x) * 0.3, a.y + (b.y - a.y) * 0.3, { steps: 6 });
    await page.locator('.react-flow__connectionline').waitFor({ state: 'attached' });
    await page.mouse.move(b.x, b.y, { steps: 12 });
    await page.mouse.up();
  });
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__edge').length === n, before + 1);
  const panel = page.getByTestId('edge-panel');
  await panel.waitFor();
  const text = await panel.innerText();
  if (!text.includes(`${from} → ${to}`)) fail(`the selected edge is not ${from} → ${to}: ${text.split('\n').slice(0, 3).join(' ')}`);
}

/**
 * Names the selected new node in zh-TW and English: its zh-CN name follows the zh-TW one, and its id
 * (made of the English name when the names are left) is checked by the caller.
 */
async function nameNode(page, id, names) {
  const panel = page.locator(`[data-testid="node-panel"][data-node="${id}"]`);
  await ui.fill(panel.getByTestId('node-name-zh-TW'), names['zh-TW'], `${id} name zh-TW`);
  await page.waitForFunction(({ id, cn }) => document.querySelector(`[data-testid="node-panel"][data-node="${id}"] [data-testid="node-name-zh-CN"]`)?.value === cn, { id, cn: names['zh-CN'] });
  await ui.fill(panel.getByTestId('node-name-en'), names.en, `${id} name en`);
  await page.locator(`[data-testid="designer-node-${id}"]`).filter({ hasText: names['zh-TW'] }).waitFor();
}

/** The node `oldId` now has the id `id` (made of its English name), on the canvas (and on its panel, when it is selected). */
async function renamed(page, oldId, id, selected = false) {
  await page.locator(nodeSel(id)).waitFor();
  if (selected) await page.locator(`[data-testid="node-panel"][data-node="${id}"]`).waitFor();
  if ((await page.locator(nodeSel(oldId)).count()) !== 0) fail(`${oldId} is still on the canvas`);
}

/** No two nodes on the canvas overlap. */
async function noOverlap(page) {
  const hit = await page.evaluate(() => {
    const bs = [...document.querySelectorAll('.react-flow__node')].map((n) => [n.getAttribute('data-id'), n.getBoundingClientRect()]);
    for (let i = 0; i < bs.length; i++)
      for (let j = i + 1; j < bs.length; j++) {
        const [a, b] = [bs[i][1], bs[j][1]];
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) return `${bs[i][0]} and ${bs[j][0]}`;
      }
    return '';
  });
  if (hit) fail(`nodes overlap: ${hit}`);
}

const openDropdown = (page) => page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');

/** The minimap, when shown, covers no node on the canvas. */
async function noNodeUnderMinimap(page) {
  const hit = await page.evaluate(() => {
    const m = document.querySelector('.react-flow__minimap');
    if (!m) return '';
    const r = m.getBoundingClientRect();
    for (const n of document.querySelectorAll('.react-flow__node')) {
      const b = n.getBoundingClientRect();
      if (b.left < r.right && b.right > r.left && b.top < r.bottom && b.bottom > r.top) return n.getAttribute('data-id');
    }
    return '';
  });
  if (hit) fail(`the minimap covers node ${hit}`);
}

// ---------- order form helpers (rjsf ids root_a_b_0_c …) ----------

function resolveRef(schema, root) {
  let s = schema || {};
  for (let i = 0; i < 10 && typeof s.$ref === 'string' && s.$ref.startsWith('#/'); i++) {
    const target = s.$ref.slice(2).split('/').reduce((o, k) => (o ? o[k] : undefined), root);
    const { $ref, ...rest } = s;
    s = { ...(target || {}), ...rest };
  }
  return s;
}
const pickText = (v) => (v && typeof v === 'object' ? v['zh-TW'] ?? Object.values(v)[0] : String(v));
function enumLabel(schema, ui, value) {
  for (const key of ['oneOf', 'anyOf']) {
    const opt = (schema[key] || []).find((o) => o && o.const === value);
    if (opt && opt.title) return pickText(opt.title);
  }
  const names = ui && ui['ui:enumNames'];
  if (Array.isArray(schema.enum) && Array.isArray(names) && schema.enum.indexOf(value) >= 0) return pickText(names[schema.enum.indexOf(value)]);
  return String(value);
}
const byId = (page, id) => page.locator(`[id="${id}"]`);

async function fillField(page, id, value, schema, ui, root) {
  schema = resolveRef(schema, root);
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const itemId = `${id}_${i}`;
      // an item is a box of its own (rjsf) or only its cells (the line-items table)
      const item = page.locator(`[id="${itemId}"], [id^="${itemId}_"]`);
      if ((await item.count()) === 0) {
        await byId(page, `${id}__add`).click();
        await item.first().waitFor();
      }
      await fillField(page, itemId, value[i], schema.items || {}, (ui && ui.items) || {}, root);
    }
    return;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) await fillField(page, `${id}_${k}`, v, (schema.properties && schema.properties[k]) || {}, (ui && ui[k]) || {}, root);
    return;
  }
  const options = schema.enum || (schema.oneOf || schema.anyOf || []).map((o) => o && o.const);
  const idx = options.indexOf(value);
  if (idx >= 0 && (await byId(page, `${id}-${idx}`).count()) > 0) {
    const radio = byId(page, `${id}-${idx}`).first();
    await radio.check().catch(() => radio.locator('xpath=ancestor::label[1]').click());
    return;
  }
  const el = byId(page, id).first();
  if ((await el.count()) === 0) fail(`the form has no field ${id} for ${JSON.stringify(value)}`);
  const info = await el.evaluate((e) => ({
    type: (e.getAttribute('type') || '').toLowerCase(),
    readOnly: e.readOnly === true || e.getAttribute('aria-readonly') === 'true',
    disabled: e.disabled === true || !!e.closest('.ant-select-disabled, .ant-picker-disabled, .ant-input-number-disabled'),
    select: !!e.closest('.ant-select') && !e.closest('.ant-select-auto-complete'),
    lookup: !!e.closest('.ant-select-auto-complete'),
    picker: !!e.closest('.ant-picker'),
  }));
  if (info.readOnly || info.disabled || schema.readOnly) return;
  if (info.type === 'checkbox') await el.setChecked(Boolean(value));
  else if (info.lookup) {
    // a lookup (customer, product) takes what is typed: type it, close the suggestions
    await el.fill(String(value));
    await el.press('Escape');
  } else if (info.select) {
    const label = enumLabel(schema, ui, value);
    await el.locator('xpath=ancestor::*[contains(concat(" ", normalize-space(@class), " "), " ant-select ")][1]').click();
    await openDropdown(page).locator('.ant-select-item-option').filter({ hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }).first().click();
  } else if (info.picker) {
    await el.click();
    await el.fill(String(value));
    await el.press('Tab');
    await page.locator('.ant-picker-dropdown:not(.ant-picker-dropdown-hidden)').waitFor({ state: 'hidden' }).catch(() => {});
  } else await el.fill(String(value));
}

// ---------- the walk ----------

async function main() {
  if (!BASE) {
    console.error('set SLUICE_URL to a running Sluice server with the demo seed (scripts/e2e.sh does it)');
    process.exit(2);
  }
  const sample = JSON.parse(fs.readFileSync(SAMPLE, 'utf8'));
  log(`server ${BASE}, new flow ${FLOW}`);
  const browser = await launch();
  const started = Date.now();
  try {
    const adm = await newPage(browser, ADMIN, { width: 1600, height: 1000 });
    const page = adm.page;

    await step('admin creates a new flow on the order form: its key is made from its name', page, async () => {
      await login(page, ADMIN, ADMIN_PASSWORD);
      ui.start();
      await ui.click(page.getByTestId('nav-designer'), 'nav designer');
      await ui.click(page.getByTestId('flow-new'), 'new flow');
      await ui.fill(page.getByTestId('flow-new-name'), FLOW_NAME, 'flow name');
      const key = page.getByTestId('flow-new-key');
      await page.waitForFunction((k) => document.querySelector('[data-testid="flow-new-key"]')?.value === k, FLOW);
      log(`  key made from the name: ${await key.inputValue()}`);
      await ui.click(page.locator('.ant-modal .ant-btn-primary'), 'create');
      await page.waitForURL(new RegExp(`/designer/flows/${FLOW}\\?`));
      await page.locator(`[data-testid="designer"][data-flow="${FLOW}"]`).waitFor();
      await page.locator(nodeSel('start')).waitFor();
      await page.locator(nodeSel('end')).waitFor();
      if ((await edgeCount(page)) !== 0) fail('a new flow should start with no edge (no stray start → end)');
      await settle(page);
      await shot(page, 'new-flow');
    });

    await step('drop a review onto start: the countersign, with its mode, approvers and the usual SLA', page, async () => {
      const id = await dropOnto(page, 'review', 'start');
      if ((await edgeCount(page)) !== 1) fail(`${await edgeCount(page)} edges after dropping onto start, expected start → ${id}`);
      await nameNode(page, id, { 'zh-TW': '主管會簽', 'zh-CN': '主管会签', en: 'Managers countersign' });
      // leaving the names makes the id
      await ui.click(page.getByTestId('node-sla-suggest'), 'usual SLA');
      await renamed(page, id, CS, true);
      await ui.click(page.getByTestId('node-mode-all'), 'mode all');
      await page.locator(`[data-testid="designer-node-${CS}"]`).filter({ hasText: '會簽' }).waitFor();
      const users = page.getByTestId('node-approver-users');
      await ui.click(users, 'users');
      // picked from the server's users, none typed
      for (const u of SIGNERS) {
        await ui.click(openDropdown(page).locator('.ant-select-item-option').filter({ hasText: new RegExp(`\\(${u}\\)$`) }), `user ${u}`);
        await users.locator('.ant-select-selection-item').filter({ hasText: new RegExp(`\\(${u}\\)$`) }).waitFor();
      }
      await page.locator(`[data-testid="designer-node-${CS}"]`).filter({ hasText: SIGNERS.join(', ') }).waitFor();
      for (const [tid, v] of [['node-sla-remind', '4h'], ['node-sla-escalate', '1d']]) if ((await page.getByTestId(tid).inputValue()) !== v) fail(`${tid} shows ${await page.getByTestId(tid).inputValue()}`);
      await shot(page, 'countersign');
    });

    const finNew = await step('drop the amount switch onto the countersign and the finance review onto the switch', page, async () => {
      const sw = await dropOnto(page, 'switch', CS);
      await nameNode(page, sw, { 'zh-TW': '金額判斷', 'zh-CN': '金额判断', en: 'Amount' });
      const fin = await dropOnto(page, 'review', sw);
      await renamed(page, sw, AMOUNT);
      await nameNode(page, fin, { 'zh-TW': '財務覆核', 'zh-CN': '财务覆核', en: 'Finance review' });
      await shot(page, 'nodes-placed');
      return fin;
    });

    await step('draw amount → end, the default (three mistakes left in: no condition, no approvers, no way on)', page, async () => {
      // leaving the finance review's names for the canvas names it
      await connect(page, AMOUNT, 'end');
      await renamed(page, finNew, FIN);
      await ui.check(page.getByTestId('edge-default'), 'default');
      // finance_review → end is not drawn yet either
      if ((await edgeCount(page)) !== 4) fail(`${await edgeCount(page)} edges, expected 4`);
      await settle(page);
      await noOverlap(page);
      await noNodeUnderMinimap(page);
      await shot(page, 'edges-drawn');
    });

    await step('save: the server reports all three problems at once, each marked, in a list to jump through', page, async () => {
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`/api/v1/definitions/flows/${FLOW}`) && r.request().method() === 'PUT'),
        ui.click(page.getByTestId('designer-save'), 'save'),
      ]);
      if (res.status() !== 422) fail(`PUT answered ${res.status()}, expected 422: ${(await res.text()).slice(0, 300)}`);
      const body = await res.json();
      const sent = res.request().postDataJSON();
      const ptrs = (body.errors ?? []).map((e) => e.pointer).sort();
      const fin = sent.nodes.findIndex((n) => n.id === FIN);
      const cond = sent.edges.findIndex((e) => e.from === AMOUNT && e.to === FIN);
      const want = [`/edges/${cond}`, `/nodes/${fin}`, `/nodes/${fin}/approvers`].sort();
      if (JSON.stringify(ptrs) !== JSON.stringify(want)) fail(`field errors ${JSON.stringify(ptrs)}, expected ${JSON.stringify(want)}: ${JSON.stringify(body.errors)}`);
      const names = sent.nodes.filter((n) => n.type === 'review' || n.type === 'switch').map((n) => `${n.id}: ${n.name?.['zh-TW']} / ${n.name?.['zh-CN']} / ${n.name?.en}`);
      log(`  nodes: ${names.join(' | ')}`);
      if (sent.nodes.find((n) => n.id === CS)?.name?.['zh-CN'] !== '主管会签') fail(`the countersign's zh-CN name is ${JSON.stringify(sent.nodes.find((n) => n.id === CS)?.name)}`);
      await page.locator(`[data-testid="designer-node-${FIN}"][data-error="true"]`).waitFor();
      const items = page.getByTestId('designer-error');
      if ((await items.count()) !== 3) fail(`${await items.count()} problems listed, expected 3`);
      log(`  server: ${(await items.allInnerTexts()).join(' | ')}`);
      await page.locator('.react-flow__edge.designer-edge-error').first().waitFor({ state: 'attached' });
      await shot(page, 'three-problems');
      await page.setViewportSize({ width: 1280, height: 720 });
      await settle(page);
      await noNodeUnderMinimap(page);
      await shot(page, 'three-problems-1280');
      await page.setViewportSize({ width: 1440, height: 900 });
      await settle(page);
    });

    await step('fix each: the approvers (role and department in one pick), the condition (field picker), the edge on', page, async () => {
      // the review without approvers is selected with its problems
      await page.locator(`[data-testid="node-panel"][data-node="${FIN}"]`).waitFor();
      const pair = page.getByTestId('node-approver-pair');
      await ui.click(pair, 'approvers');
      await ui.click(openDropdown(page).locator('.ant-select-item-option').filter({ hasText: '(finance) · 財務部 (finance)' }), 'finance in finance');
      await page.getByTestId('node-approver-role').filter({ hasText: '(finance)' }).waitFor();
      await page.getByTestId('node-approver-department').filter({ hasText: '(finance)' }).waitFor();
      await page.locator(`[data-testid="designer-node-${FIN}"]`).filter({ hasText: 'finance' }).waitFor();
      // the edge without a condition: its problem selects it
      await ui.click(page.locator(`[data-testid="designer-error"][data-pointer^="/edges/"] [data-testid="designer-error-jump"]`), 'jump to the edge');
      await page.getByTestId('edge-panel').waitFor();
      await ui.click(page.getByTestId('edge-cond-field'), 'condition field');
      await ui.type(page, 'total', 'field search');
      await ui.click(openDropdown(page).locator('.ant-select-item-option').filter({ hasText: '(total)' }), 'total');
      await ui.fill(page.locator('[data-testid="edge-cond-value"] input, input[data-testid="edge-cond-value"]').first(), '50000', 'value');
      await page.waitForFunction(() => document.querySelector('[data-testid="edge-when"]')?.value === 'order.total >= 50000');
      await page.locator('[data-testid="edge-when-check"][data-state="ok"]').waitFor({ state: 'attached' });
      await connect(page, FIN, 'end');
      await shot(page, 'fixed');
    });

    await step('simulate both samples (saving the draft and its SLA first): path, rule trace, SLA due times', page, async () => {
      await ui.click(page.getByTestId('designer-simulate'), 'simulate');
      const chosen = page.getByTestId('simulate-samples').locator('.ant-select-selection-item');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="simulate-samples"] .ant-select-selection-item').length === 2);
      if (!(await chosen.allInnerTexts()).some((x) => x.includes('7,450'))) fail('the 7,450 sample is not chosen');
      // a sample of one's own goes through the flow's order form (left empty here)
      await page.getByTestId('simulate-form').locator('[id="root"]').first().waitFor();
      await shot(page, 'simulate-modal');
      const [res, rem, sim] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`/api/v1/definitions/flows/${FLOW}`) && r.request().method() === 'PUT'),
        page.waitForResponse((r) => r.url().includes(`/api/v1/definitions/reminders/${FLOW}`) && r.request().method() === 'PUT'),
        page.waitForResponse((r) => r.url().includes(`/api/v1/flows/${FLOW}/simulate`)),
        ui.click(page.getByTestId('simulate-run'), 'run'),
      ]);
      if (res.status() !== 200) fail(`PUT answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
      if (rem.status() !== 200) fail(`the SLA's PUT answered ${rem.status()}: ${(await rem.text()).slice(0, 300)}`);
      const rule = rem.request().postDataJSON().rules?.[CS];
      if (JSON.stringify(rule) !== JSON.stringify({ remind_after: '4h', escalate_after: '1d', escalate_to: { manager_levels: 1 } })) fail(`SLA saved as ${JSON.stringify(rule)}`);
      const saved = res.request().postDataJSON();
      const cs = saved.nodes.find((n) => n.id === CS);
      if (cs?.mode !== 'all' || JSON.stringify(cs.approvers) !== JSON.stringify({ users: SIGNERS })) fail(`countersign saved as ${JSON.stringify(cs)}`);
      const branch = saved.edges.find((e) => e.from === AMOUNT && e.to === FIN);
      const dflt = saved.edges.find((e) => e.from === AMOUNT && e.to === 'end');
      if (branch?.when !== 'order.total >= 50000' || !dflt?.default) fail(`amount's edges saved as ${JSON.stringify(saved.edges.filter((e) => e.from === AMOUNT))}`);
      if (saved.form !== 'order') fail(`form ${saved.form}`);
      const fin = saved.nodes.find((n) => n.id === FIN);
      if (JSON.stringify(fin?.approvers) !== JSON.stringify({ role: 'finance', department: 'finance' })) fail(`${FIN} saved with approvers ${JSON.stringify(fin?.approvers)}`);
      if (sim.status() !== 200) fail(`simulate answered ${sim.status()}: ${(await sim.text()).slice(0, 300)}`);
      const body = await sim.json();
      if (body.results?.length !== 2) fail(`${body.results?.length} results, expected 2`);
      const timers = body.results[0].reminders ?? [];
      if (!timers.some((x) => x.node === CS && x.kind === 'remind') || !timers.some((x) => x.node === CS && x.kind === 'escalate')) fail(`the draft's SLA is not in the simulation: ${JSON.stringify(timers)}`);
      await page.getByTestId('designer-dirty').waitFor({ state: 'detached' });
      const result = page.getByTestId('simulation-result');
      await result.waitFor();
      if ((await result.getAttribute('data-status')) !== 'completed') fail(`large sample simulated as ${await result.getAttribute('data-status')}`);
      if ((await page.getByTestId('simulation-status').innerText()).includes('_')) fail(`a raw status: ${await page.getByTestId('simulation-status').innerText()}`);
      for (const id of ['start', CS, AMOUNT, FIN]) await page.locator(`[data-testid="designer-node-${id}"][data-onpath="true"]`).waitFor();
      const pathText = await page.getByTestId('simulation-path').innerText();
      for (const u of SIGNERS) if (!pathText.includes(u)) fail(`the simulated path does not name ${u}: ${pathText}`);
      if (!pathText.includes('主管會簽')) fail(`the path does not name the countersign: ${pathText}`);
      const trace = await page.getByTestId('sim-trace-line').allInnerTexts();
      if (!trace.length) fail('no rule trace');
      if (!trace.some((l) => new RegExp(`^\\s*${AMOUNT}\\b.*order\\.total >= 50000 成立.*→ ${FIN}\\s*$`).test(l))) fail(`the switch's trace line does not take the >= 50000 branch: ${trace.join(' | ')}`);
      log(`  trace (80,600): ${trace.map((l) => l.replace(/\s+/g, ' ')).join(' | ')}`);
      const sla = page.locator(`[data-testid="sim-sla-node"][data-node="${CS}"]`);
      await sla.waitFor();
      const lines = await sla.getByTestId('sim-sla-line').allInnerTexts();
      if (lines.length !== 2 || !/提醒（4 小時後）/.test(lines[0]) || !/升級給 .*（1 天後）/.test(lines[1])) fail(`the countersign's SLA reads ${JSON.stringify(lines)}`);
      log(`  SLA: ${lines.join(' | ')}`);
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.getByTestId('simulation-sla').scrollIntoViewIfNeeded();
      await shot(page, 'simulated-sla-1440');
      await result.scrollIntoViewIfNeeded();
      await shot(page, 'simulated-large');
      await ui.click(page.getByTestId('simulation-samples').locator('.ant-segmented-item').nth(1), 'sample 2');
      await page.locator(`[data-testid="designer-node-${FIN}"][data-onpath="false"]`).waitFor();
      const small = await page.getByTestId('sim-trace-line').allInnerTexts();
      if (!small.some((l) => new RegExp(`^\\s*${AMOUNT}\\b.*沒有條件成立.*→ 預設 end\\s*$`).test(l))) fail(`the switch did not take its default edge to end for 7,450: ${small.filter((l) => l.includes(AMOUNT)).join(' | ')}`);
      log(`  trace (7,450): ${small.map((l) => l.replace(/\s+/g, ' ')).join(' | ')}`);
      for (const id of ['start', CS, AMOUNT, 'end']) await page.locator(`[data-testid="designer-node-${id}"][data-onpath="true"]`).waitFor();
      if ((await page.getByTestId('simulation-result').getAttribute('data-status')) !== 'completed') fail('the small sample does not complete');
      await shot(page, 'simulated-small');
    });

    await step('publish the flow', page, async () => {
      await ui.click(page.getByTestId('designer-publish'), 'publish');
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`/${FLOW}`) && r.url().includes('publish') && r.request().method() === 'POST'),
        ui.click(page.getByTestId('designer-publish-confirm'), 'confirm'),
      ]);
      ui.stop();
      if (res.status() !== 200 && res.status() !== 201) fail(`publish answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
      await page.locator('[data-testid="publish-result"][data-version="1"]').waitFor();
      await page.locator('[data-testid="designer-version"]').waitFor();
      const sla = await page.evaluate(async (key) => (await fetch(`/api/v1/definitions/reminders/${key}`, { credentials: 'include' })).json(), FLOW);
      if (sla.status !== 'published' || !sla.body?.rules?.[CS]) fail(`the SLA was not published with the flow: ${JSON.stringify(sla).slice(0, 300)}`);
      await shot(page, 'published');
      log(`  ${ui.list.join(' · ')}`);
      console.log(`[e2e:buildflow] interactions: ${ui.n} (target ≤ ${BUDGET})`);
      if (ui.n > BUDGET) fail(`${ui.n} interactions to build, simulate and publish the flow, more than ${BUDGET}`);
    });

    // the second signer is on My tasks before the order exists: the task must arrive live
    const [first, second] = SIGNERS;
    const s2 = await newPage(browser, second);
    const waiting = await step(`${second} signs in and waits on My tasks`, s2.page, async () => {
      await login(s2.page, second);
      await s2.page.getByTestId('nav-tasks').click();
      const count = s2.page.locator('[data-testid="nav-tasks-count"]:not([data-count=""])');
      await count.waitFor({ state: 'attached' });
      await liveOpen(s2.page);
      await mark(s2.page);
      return Number(await count.getAttribute('data-count'));
    });

    const clk = await newPage(browser, CLERK);
    const order = await step(`${CLERK} submits the 80,600 sample on the new flow through the new-order page`, clk.page, async () => {
      await login(clk.page, CLERK);
      await clk.page.getByTestId('nav-new-order').click();
      await clk.page.waitForURL(/\/orders\/new/);
      await clk.page.getByTestId('flow-select').click();
      await clk.page.getByTestId(`flow-option-${FLOW}`).click();
      await clk.page.waitForURL(new RegExp(`flow=${FLOW}`));
      await clk.page.getByTestId('order-form').waitFor();
      await byId(clk.page, 'root').first().waitFor();
      const ff = await clk.page.evaluate(async (flow) => (await fetch(`/api/v1/flows/${flow}/form`, { credentials: 'same-origin' })).json(), FLOW);
      const form = ff.form;
      const computed = new Set(Array.isArray(form.computed) ? form.computed : Object.keys(form.computed || {}));
      const data = Object.fromEntries(Object.entries(sample.data).filter(([k]) => !computed.has(k)));
      const t0 = Date.now();
      await fillField(clk.page, 'root', data, form.schema, form.ui || {}, form.schema);
      log(`  form filled in the UI in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      await shot(clk.page, 'order-form');
      const [res] = await Promise.all([
        clk.page.waitForResponse((r) => r.url().endsWith('/api/v1/orders') && r.request().method() === 'POST'),
        clk.page.getByTestId('order-submit').click(),
      ]);
      const body = await res.json().catch(() => ({}));
      if (res.status() !== 201) fail(`POST /orders answered ${res.status()}: ${JSON.stringify(body).slice(0, 300)}`);
      if (res.request().postDataJSON().flow !== FLOW) fail(`submitted to ${res.request().postDataJSON().flow}`);
      await clk.page.getByTestId('order-number').filter({ hasText: body.number }).waitFor();
      await clk.page.locator(`[data-testid="order-current-nodes"][data-nodes="${CS}"]`).waitFor();
      await mark(clk.page);
      log(`  order ${body.number} (id ${body.id}), total ${body.total}, at ${(body.current_nodes || []).join(',')}`);
      if (Number(body.total) < 50000) fail(`total ${body.total} is below the branch`);
      await shot(clk.page, 'order-submitted');
      return body;
    });

    await step(`${second} gets the countersign task live (toast, count), without a reload`, s2.page, async () => {
      await s2.page.getByTestId('live-toast').filter({ hasText: order.number }).first().waitFor();
      await s2.page.locator(`[data-testid="nav-tasks-count"][data-count="${waiting + 1}"]`).waitFor({ state: 'attached' });
      await s2.page.getByTestId(`task-open-${order.number}`).waitFor();
      await stillSame(s2.page, second);
      await shot(s2.page, `${second}-toast`);
    });

    const approve = async (pg, who, expectNode) => {
      const panel = pg.locator(`[data-testid="task-action-panel"][data-node="${CS}"]`);
      await panel.waitFor();
      await panel.getByTestId('action-approve').click();
      await panel.getByTestId('action-comment-input').fill(`e2e buildflow: ${who} countersigns`);
      const [res] = await Promise.all([pg.waitForResponse((r) => /\/api\/v1\/tasks\/\d+\/actions$/.test(r.url())), panel.getByTestId('action-submit').click()]);
      const body = await res.json().catch(() => ({}));
      if (res.status() !== 200) fail(`approve answered ${res.status()}: ${JSON.stringify(body).slice(0, 300)}`);
      const at = body.order?.current_nodes ?? [];
      log(`  ${who} approved; order ${body.order?.status} at ${at.join(',')}`);
      if (expectNode && !at.includes(expectNode)) fail(`after ${who}'s approval the order is at ${at.join(',')}, expected ${expectNode}`);
      return body;
    };

    const s1 = await newPage(browser, first);
    await step(`${first} approves in their own context (the countersign waits for ${second})`, s1.page, async () => {
      await login(s1.page, first);
      await s1.page.getByTestId('nav-tasks').click();
      await s1.page.getByTestId(`task-open-${order.number}`).click();
      await s1.page.getByTestId('order-number').filter({ hasText: order.number }).waitFor();
      await approve(s1.page, first, CS);
      await shot(s1.page, `${first}-approved`);
    });

    await step(`${second} approves: the order takes the >= 50000 branch to the finance review`, s2.page, async () => {
      await s2.page.getByTestId(`task-open-${order.number}`).click();
      await s2.page.getByTestId('order-number').filter({ hasText: order.number }).waitFor();
      await approve(s2.page, second, FIN);
      const got = await s2.page.evaluate(async (id) => (await fetch(`/api/v1/orders/${id}`, { credentials: 'same-origin' })).json(), order.id);
      const nodes = got.current_nodes ?? got.order?.current_nodes ?? [];
      if (!nodes.includes('finance_review')) fail(`GET /orders/${order.id}: at ${JSON.stringify(nodes)}`);
      await shot(s2.page, `${second}-approved`);
    });

    await step("the clerk's order page moves on to the finance review, without a reload", clk.page, async () => {
      await clk.page.locator('[data-testid="order-current-nodes"][data-nodes="finance_review"]').waitFor();
      await clk.page.locator('[data-testid="open-node"][data-node="finance_review"]').waitFor();
      await stillSame(clk.page, CLERK);
      await shot(clk.page, 'order-at-finance');
    });

    const switchTo = async (lang) => {
      await page.getByTestId('lang-switcher').click();
      await page.getByTestId(`lang-option-${lang}`).click();
      await page.locator('.ant-dropdown:not(.ant-dropdown-hidden)').waitFor({ state: 'hidden' }).catch(() => {});
    };
    await step('switch the designer to English', page, async () => {
      await switchTo('en');
      await page.getByTestId('designer-save').filter({ hasText: 'Save draft' }).waitFor();
      await page.getByTestId('designer-node-finance_review').filter({ hasText: 'Finance review' }).waitFor();
      await page.getByTestId(`designer-node-${CS}`).filter({ hasText: 'Managers countersign' }).waitFor();
      await shot(page, 'lang-en');
    });
    await step('switch back to 繁體中文', page, async () => {
      await switchTo('zh-TW');
      await page.getByTestId('designer-save').filter({ hasText: '儲存草稿' }).waitFor();
      await page.getByTestId('designer-node-finance_review').filter({ hasText: '財務覆核' }).waitFor();
      await shot(page, 'lang-zh-TW');
    });
  } finally {
    await browser.close();
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log(`e2e buildflow: ${run.passed} passed, 0 failed`);
}

main().catch((e) => {
  console.error(`[e2e:buildflow] FAILED: ${e instanceof Error ? e.message : e}`);
  if (!(e instanceof StepError) && e instanceof Error && e.stack) console.error(e.stack);
  console.log(`e2e buildflow: ${run.passed} passed, 1 failed`);
  process.exit(1);
});
