#!/usr/bin/env node
// End-to-end check of a publish the flow checker refuses (docs/flow-checker.md): the admin saves the draft of
// backend/flowcheck/testdata/nested-reject.json (with node names), publishes it in the designer and sees the
// reason in their language, the node at fault marked and the counterexample's steps; clicking a step marks what it
// passed. In 繁體中文, 简体中文 and English, at 1440 and 390 px wide. Screenshots: test-output/e2e/flowcheck-*.png
//
//   SLUICE_URL=http://127.0.0.1:8080 node frontend/e2e/flowcheck.mjs
//
// Optional environment: SLUICE_ADMIN (admin), SLUICE_ADMIN_PASSWORD (admin-e2e-pass), SLUICE_E2E_TIMEOUT_MS (20000),
// CHROMIUM_PATH (/usr/bin/chromium), SLUICE_E2E_HEADED=1.
import fs from 'node:fs';
import path from 'node:path';
import { BASE, fail, launch, login, repoRoot, steps } from './harness.mjs';

const ADMIN = process.env.SLUICE_ADMIN || 'admin';
const PASSWORD = process.env.SLUICE_ADMIN_PASSWORD || 'admin-e2e-pass';

const run = steps('[flowcheck]', 'flowcheck-');
const { log, shot, step, newPage } = run;

// what each language calls the reason (flow_engine_error) and the first review
const LANGS = [
  { lang: 'zh-TW', reason: '流程引擎無法執行', a1: '業務審核' },
  { lang: 'zh-CN', reason: '流程引擎无法执行', a1: '业务审核' },
  { lang: 'en', reason: 'cannot carry out', a1: 'Sales review' },
];
const NAMES = {
  a1: { 'zh-TW': '業務審核', 'zh-CN': '业务审核', en: 'Sales review' },
  a2: { 'zh-TW': '財務審核', 'zh-CN': '财务审核', en: 'Finance review' },
  b: { 'zh-TW': '主管審核', 'zh-CN': '主管审核', en: 'Manager review' },
  rework: { 'zh-TW': '重做', 'zh-CN': '重做', en: 'Rework' },
};

const nodeSel = (id) => `.react-flow__node[data-id="${id}"]`;
const nodeAttr = (page, id, attr) => page.locator(`${nodeSel(id)} [data-testid="designer-node-${id}"]`).getAttribute(attr);

async function main() {
  if (!BASE) {
    console.error('[flowcheck] set SLUICE_URL');
    process.exit(2);
  }
  const flow = JSON.parse(fs.readFileSync(path.join(repoRoot, 'backend', 'flowcheck', 'testdata', 'nested-reject.json'), 'utf8'));
  for (const n of flow.nodes) if (NAMES[n.id]) n.name = NAMES[n.id];
  const browser = await launch();
  const started = Date.now();
  try {
    for (const viewport of [
      { width: 1440, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const { context, page } = await newPage(browser, ADMIN, viewport);
      await step(`${viewport.width} px: the admin saves the draft of ${flow.key}`, page, async () => {
        await login(page, ADMIN, PASSWORD);
        const status = await page.evaluate(async (doc) => {
          const csrf = document.cookie.split('; ').find((c) => c.startsWith('sluice_csrf='))?.slice('sluice_csrf='.length) ?? '';
          const res = await fetch(`/api/v1/definitions/flows/${doc.key}`, {
            method: 'PUT',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': decodeURIComponent(csrf) },
            body: JSON.stringify(doc),
          });
          return res.status;
        }, flow);
        if (status !== 200 && status !== 201) fail(`saving the draft answered ${status}`);
      });
      for (const { lang, reason, a1 } of LANGS) {
        await step(`${viewport.width} px, ${lang}: publishing is refused, with the reason, the fault and the steps`, page, async () => {
          await page.evaluate((l) => window.localStorage.setItem('sluice.lang', l), lang);
          await page.goto(`${BASE}/designer/flows/${flow.key}`);
          await page.locator(nodeSel('oj')).waitFor({ state: 'visible' });
          await page.getByTestId('designer-publish').click();
          await page.getByTestId('designer-publish-confirm').click();
          const panel = page.getByTestId('flowcheck-panel');
          await panel.waitFor();
          if ((await panel.getAttribute('data-code')) !== 'flow_engine_error') fail(`code ${await panel.getAttribute('data-code')}`);
          const text = await panel.innerText();
          if (!text.includes(reason)) fail(`the reason is not in ${lang}: ${text.slice(0, 200)}`);
          if (text.includes('flow_')) fail('a raw code shows');
          if ((await nodeAttr(page, 'oj', 'data-error')) !== 'true') fail('the join at fault is not marked');
          const stepsShown = await page.getByTestId('flowcheck-step').allInnerTexts();
          if (stepsShown.length !== 3 || !stepsShown[1].startsWith(a1)) fail(`steps: ${JSON.stringify(stepsShown)}`);
          await shot(page, `${viewport.width}-${lang}-refused`);
          await page.getByTestId('flowcheck-step').nth(1).click();
          for (const [id, on] of [['a1', 'true'], ['rework', 'true'], ['b', 'false']]) {
            if ((await nodeAttr(page, id, 'data-onpath')) !== on) fail(`step 2: ${id} onpath is not ${on}`);
          }
          await shot(page, `${viewport.width}-${lang}-step2`);
        });
      }
      await context.close();
    }
    log(`all ${run.passed} steps passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error('[flowcheck] FAILED:', e instanceof Error ? e.message : e);
  process.exit(1);
});
