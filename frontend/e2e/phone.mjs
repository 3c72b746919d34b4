// A reviewer on a phone (issue 19, item 3): at 390×844 the manager signs in, opens the inbox (cards,
// the bottom navigation instead of the side menu), opens a task, ticks the checklist and approves —
// the decision above the fold. On every page visited no horizontal overflow
// (document.scrollingElement.scrollWidth <= 390), and the bottom navigation is visible. It does this in
// 繁體中文, 简体中文 and English (one order each), visits orders, notifications, me and the notification
// channels page, and checks the app is installable (manifest, icons, a service worker that keeps the app
// shell and never an API answer). A node that demands a fresh sign-in (within 1m) makes the phone ask
// for the password a minute after signing in, and the approval goes through after it. Last, the desktop
// at 1440 px keeps its side menu and table.
//
// Screenshots: test-output/e2e/phone-NN-*.png.
// Environment: SLUICE_URL (required), SLUICE_PASSWORD (sluice-demo), SLUICE_ADMIN (admin),
// SLUICE_ADMIN_PASSWORD (admin-e2e-pass).
import fs from 'node:fs';
import path from 'node:path';
import { BASE, PASSWORD, StepError, fail, launch, login, outDir, repoRoot, steps } from './harness.mjs';

const REVIEWER = 'manager';
const ADMIN = process.env.SLUICE_ADMIN || 'admin';
const ADMIN_PASSWORD = process.env.SLUICE_ADMIN_PASSWORD || 'admin-e2e-pass';
const WIDTH = 390;
const HEIGHT = 844;
const LANGS = ['zh-TW', 'zh-CN', 'en'];
const NAV = { 'zh-TW': '待辦', 'zh-CN': '待办', en: 'Inbox' };

const run = steps('[phone]', 'phone-');
const { log, shot, step } = run;

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
const apiLogin = async (username, password = PASSWORD) => (await call('POST', '/auth/login', '', { username, password })).token;
const ticked = (task) => (task.checklist ?? []).map(() => true);

/** No sideways scrolling: the document is no wider than the phone. */
async function noOverflow(page, where) {
  const w = await page.evaluate(() => document.scrollingElement.scrollWidth);
  if (w > WIDTH) {
    const wide = await page.evaluate((max) => {
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > max + 1 && r.width > 0) out.push(`${el.tagName.toLowerCase()}.${String(el.className).slice(0, 60)} right=${Math.round(r.right)}`);
        if (out.length > 5) break;
      }
      return out;
    }, WIDTH);
    fail(`${where}: scrollWidth ${w} > ${WIDTH} (${wide.join('; ')})`);
  }
  return w;
}

async function navVisible(page) {
  const nav = page.getByTestId('phone-nav');
  await nav.waitFor({ state: 'visible' });
  const box = await nav.boundingBox();
  if (!box || box.y + box.height > HEIGHT + 1 || box.y < HEIGHT - 120) fail(`the bottom navigation is not at the bottom: ${JSON.stringify(box)}`);
  if ((await page.locator('.ant-layout-sider').count()) > 0) fail('the side menu is still there on a phone');
}

async function phonePage(browser, lang) {
  const context = await browser.newContext({
    viewport: { width: WIDTH, height: HEIGHT },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: lang,
  });
  await context.addInitScript((l) => window.localStorage.setItem('sluice.lang', l), lang);
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`  [${lang}] page error: ${e.message}`));
  return { context, page };
}

async function main() {
  if (!BASE) {
    console.error('[phone] set SLUICE_URL');
    process.exit(2);
  }
  const started = Date.now();
  const sample = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', 'examples', 'orders', 'small-standard.json'), 'utf8'));
  const orders = [];
  const ids = [];

  await step('three orders wait for the manager (submitted and verified over the API)', null, async () => {
    const clerk = await apiLogin('clerk');
    for (const _ of LANGS) {
      const o = await call('POST', '/orders', clerk, sample);
      const v = await call('POST', `/tasks/${o.tasks[0].id}/actions`, clerk, { action: 'approve', checklist: ticked(o.tasks[0]) });
      if (!v.order.tasks.some((t) => t.node === 'sales_review' && t.status === 'open')) fail(`${o.number} is not at the sales review: ${JSON.stringify(v.order.current_nodes)}`);
      orders.push(o.number);
      ids.push(o.id);
    }
    log(`  ${orders.join(', ')} wait at the sales review`);
  });

  const browser = await launch();
  try {
    await step('the app is installable: manifest, icons, service worker (app shell only)', null, async () => {
      const m = await (await fetch(`${BASE}/manifest.json`)).json();
      if (m.display !== 'standalone' || !m.start_url) fail(`manifest ${JSON.stringify(m)}`);
      for (const size of ['192x192', '512x512']) {
        const icon = m.icons.find((i) => i.sizes === size && i.type === 'image/png') ?? fail(`no ${size} icon`);
        const res = await fetch(`${BASE}${icon.src}`);
        if (!res.ok || res.headers.get('content-type') !== 'image/png') fail(`${icon.src}: ${res.status} ${res.headers.get('content-type')}`);
      }
      const sw = await (await fetch(`${BASE}/sw.js`)).text();
      if (!sw.includes("startsWith('/api/')") || sw.includes('__SHELL__')) fail('the service worker is not the built one');
    });

    for (const [i, lang] of LANGS.entries()) {
      const number = orders[i];
      const { context, page } = await phonePage(browser, lang);
      try {
        await step(`${lang}: the manager signs in on a 390×844 phone; the inbox is cards over the bottom navigation`, page, async () => {
          await page.goto(`${BASE}/login`);
          await page.getByTestId('login-username').waitFor();
          await noOverflow(page, 'login');
          await login(page, REVIEWER);
          await page.getByTestId('phone-nav-tasks').filter({ hasText: NAV[lang] }).waitFor();
          await navVisible(page);
          const card = page.locator(`[data-testid="task-row"][data-order-number="${number}"]`);
          await card.waitFor();
          const box = await card.boundingBox();
          if (!box || box.height < 48 || box.width < WIDTH - 60) fail(`the card is not a big touch target: ${JSON.stringify(box)}`);
          if ((await page.locator('.ant-table').count()) > 0) fail('the inbox is still a table on a phone');
          log(`  inbox scrollWidth ${await noOverflow(page, 'inbox')}; card ${Math.round(box.width)}×${Math.round(box.height)}`);
          await page.screenshot({ path: path.join(outDir, `phone-${String(run.stepNo).padStart(2, '0')}-inbox-${lang}.png`) });
        });

        await step(`${lang}: the task opens with the decision above the fold`, page, async () => {
          await page.locator(`[data-testid="task-row"][data-order-number="${number}"]`).click();
          const panel = page.getByTestId('task-action-panel');
          await panel.waitFor();
          await page.getByTestId('order-summary').waitFor();
          await navVisible(page);
          const total = await page.getByTestId('order-total').boundingBox();
          const submit = await page.getByTestId('action-submit').boundingBox();
          const checklist = await page.getByTestId('checklist').boundingBox();
          if (!total || total.y + total.height > HEIGHT) fail(`the amount is below the fold: ${JSON.stringify(total)}`);
          if (!checklist || checklist.y > HEIGHT - 60) fail(`the checklist is below the fold: ${JSON.stringify(checklist)}`);
          // the approve button itself is in reach without scrolling (above the bottom navigation)
          if (!submit || submit.y + submit.height > HEIGHT - 60) fail(`the submit button is below the fold: ${JSON.stringify(submit)}`);
          // the details stay folded below the decision
          const details = await page.getByTestId('order-details').boundingBox();
          if (!details || !submit || details.y < submit.y) fail('the details are not below the decision');
          log(`  order scrollWidth ${await noOverflow(page, 'order')}; amount at y=${Math.round(total.y)}, checklist at y=${Math.round(checklist.y)}, submit at y=${Math.round(submit.y)} (fold ${HEIGHT - 60})`);
          await page.screenshot({ path: path.join(outDir, `phone-${String(run.stepNo).padStart(2, '0')}-decision-${lang}.png`) });
          await shot(page, `order-full-${lang}`);
        });

        await step(`${lang}: tick the checklist and approve`, page, async () => {
          const items = page.getByTestId('checklist-item');
          const n = await items.count();
          for (let k = 0; k < n; k++) {
            const box = await items.nth(k).boundingBox();
            if (!box || box.height < 32) fail(`checklist item ${k} is a small target: ${JSON.stringify(box)}`);
            await items.nth(k).locator('input[type="checkbox"]').check();
          }
          const [res] = await Promise.all([
            page.waitForResponse((r) => r.url().includes('/actions') && r.request().method() === 'POST'),
            page.getByTestId('action-submit').click(),
          ]);
          if (res.status() !== 200) fail(`approve answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
          await page.getByTestId('task-action-panel').waitFor({ state: 'detached' });
          await noOverflow(page, 'order after the decision');
          log(`  ${number} approved (${n} checklist items ticked)`);
        });

        await step(`${lang}: orders, notifications, me and the channel settings fit the phone`, page, async () => {
          for (const [key, title] of [['orders', 'order-cards'], ['notifications', 'page-title'], ['me', 'me-name']]) {
            await page.getByTestId(`phone-nav-${key}`).click();
            await page.waitForURL((u) => u.pathname.startsWith(`/${key}`));
            await page.getByTestId(title).waitFor();
            await navVisible(page);
            await noOverflow(page, key);
            if (lang === 'zh-TW' || key === 'me') await page.screenshot({ path: path.join(outDir, `phone-${String(run.stepNo).padStart(2, '0')}-${key}-${lang}.png`) });
          }
          await page.getByTestId('me-channels').click();
          await page.getByTestId('my-channels').waitFor();
          await navVisible(page);
          await noOverflow(page, 'channels');
          if (lang === 'zh-TW') {
            // a DingTalk robot with its signing secret: the secret goes in and never comes back
            const secret = `SEC-e2e-${Date.now()}`;
            await page.getByTestId('channel-add').click();
            await page.getByTestId('channel-type').click();
            await page.locator('.ant-select-item-option').filter({ hasText: '釘釘' }).click();
            await page.getByTestId('channel-secret').waitFor();
            await page.getByTestId('channel-name').fill('手機測試機器人');
            await page.getByTestId('channel-address').fill('https://oapi.dingtalk.com/robot/send?access_token=e2e');
            await page.getByTestId('channel-secret').fill(secret);
            const [res] = await Promise.all([
              page.waitForResponse((r) => r.url().endsWith('/api/v1/notify/channels') && r.request().method() === 'POST'),
              page.getByTestId('channel-save').click(),
            ]);
            const body = await res.text();
            if (res.status() !== 201 || body.includes(secret)) fail(`create channel: ${res.status()} ${body.slice(0, 300)}`);
            const card = page.locator('[data-testid="notify-channel"][data-type="dingtalk"]');
            await card.getByTestId('channel-has-secret').waitFor();
            await page.getByTestId('channel-secret').waitFor({ state: 'detached' }); // the closed dialog is gone
            if ((await page.content()).includes(secret)) fail('the secret is shown back on the page');
            // editing shows that a secret is stored, never the secret
            await card.getByTestId('channel-edit').click();
            const field = page.getByTestId('channel-secret');
            await field.waitFor();
            if ((await field.inputValue()) !== '') fail('the edit dialog fills in the secret');
            await page.screenshot({ path: path.join(outDir, `phone-${String(run.stepNo).padStart(2, '0')}-channel-edit-${lang}.png`) });
            await page.locator('.ant-modal-close').click();
            await field.waitFor({ state: 'detached' });
            // the kinds it gets: one tap each
            const [put] = await Promise.all([
              page.waitForResponse((r) => /\/api\/v1\/notify\/channels\/\d+$/.test(r.url()) && r.request().method() === 'PUT'),
              card.locator('[data-testid$="-digest"]').click(),
            ]);
            const after = await put.json();
            if (put.status() !== 200 || !after.kinds.includes('digest') || !after.has_secret) fail(`kinds: ${put.status()} ${JSON.stringify(after)}`);
            await page.getByTestId('channel-add').waitFor();
            await noOverflow(page, 'channels with one');
          }
          await page.screenshot({ path: path.join(outDir, `phone-${String(run.stepNo).padStart(2, '0')}-channels-${lang}.png`) });
          await page.getByTestId('phone-nav-tasks').click();
          await page.locator(`[data-testid="task-row"][data-order-number="${number}"]`).waitFor({ state: 'detached' });
          await noOverflow(page, 'inbox after the decision');
        });
      } finally {
        await context.close();
      }
    }

    await step('a fresh sign-in: the sales review demands one (within 1m); after a minute the phone asks for the password and the approval goes through', null, async () => {
      const admin = await apiLogin(ADMIN, ADMIN_PASSWORD);
      const doc = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', 'examples', 'flows', 'order-review.json'), 'utf8'));
      const publish = async (d) => {
        await call('PUT', '/definitions/flows/order-review', admin, d);
        await call('POST', '/definitions/flows/order-review/publish', admin, {});
      };
      const fresh = structuredClone(doc);
      fresh.nodes.find((n) => n.id === 'sales_review').fresh_sign_in = { above: 0, within: '1m' };
      await publish(fresh);
      let number;
      try {
        const clerk = await apiLogin('clerk');
        const o = await call('POST', '/orders', clerk, sample);
        await call('POST', `/tasks/${o.tasks[0].id}/actions`, clerk, { action: 'approve', checklist: ticked(o.tasks[0]) });
        number = o.number;
      } finally {
        await publish(doc); // later orders follow the demo flow again; this one keeps its version
      }
      const { context, page } = await phonePage(browser, 'zh-TW');
      try {
        await login(page, REVIEWER);
        const signedIn = Date.now();
        await page.locator(`[data-testid="task-row"][data-order-number="${number}"]`).click();
        await page.getByTestId('task-action-panel').waitFor();
        const items = page.getByTestId('checklist-item');
        for (let k = 0; k < (await items.count()); k++) await items.nth(k).locator('input[type="checkbox"]').check();
        await page.waitForTimeout(Math.max(0, 62_000 - (Date.now() - signedIn)));
        const refused = page.waitForResponse((r) => r.url().includes('/actions') && r.status() === 403);
        await page.getByTestId('action-submit').click();
        const problem = await (await refused).json();
        if (problem.type !== 'urn:sluice:problem:reauth-required' || problem.within_minutes !== 1) fail(`refusal ${JSON.stringify(problem)}`);
        await page.getByTestId('reauth-password').fill(PASSWORD);
        await noOverflow(page, 'the password dialog');
        await page.waitForTimeout(500); // the dialog's opening animation
        await page.screenshot({ path: path.join(outDir, `phone-${String(run.stepNo).padStart(2, '0')}-reauth-zh-TW.png`) });
        const [reauth, approved] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/reauth')),
          page.waitForResponse((r) => r.url().includes('/actions') && r.status() === 200),
          page.getByTestId('reauth-submit').click(),
        ]);
        if (reauth.status() !== 200) fail(`reauth answered ${reauth.status()}`);
        if ((await approved.json()).task.decision !== 'approve') fail('the repeated approval did not approve');
        await page.getByTestId('task-action-panel').waitFor({ state: 'detached' });
        log(`  ${number}: refused after ${Math.round((Date.now() - signedIn) / 1000)}s, password entered, approved`);
      } finally {
        await context.close();
      }
    });

    await step('the desktop at 1440 px keeps its side menu and the inbox table', null, async () => {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-TW' });
      const page = await context.newPage();
      try {
        await login(page, REVIEWER);
        await page.locator('.ant-layout-sider').waitFor();
        await page.locator('.ant-table').first().waitFor();
        if ((await page.getByTestId('phone-nav').count()) > 0) fail('the bottom navigation shows on the desktop');
        await page.screenshot({ path: path.join(outDir, `phone-${String(run.stepNo).padStart(2, '0')}-desktop-inbox.png`) });
        await page.goto(`${BASE}/orders/${ids[0]}`);
        await page.getByTestId('order-number').waitFor();
        if ((await page.getByTestId('order-summary').count()) > 0) fail('the phone summary shows on the desktop');
        await page.getByTestId('order-refresh').waitFor();
        await page.screenshot({ path: path.join(outDir, `phone-${String(run.stepNo).padStart(2, '0')}-desktop-order.png`) });
      } finally {
        await context.close();
      }
    });
  } finally {
    await browser.close();
  }
  log(`phone walkthrough done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log(`e2e phone: ${run.passed} passed, 0 failed`);
}

main().catch((e) => {
  console.error(`[e2e:phone] FAILED: ${e instanceof Error ? e.message : e}`);
  if (!(e instanceof StepError) && e instanceof Error && e.stack) console.error(e.stack);
  console.log(`e2e phone: ${run.passed} passed, 1 failed`);
  process.exit(1);
});
