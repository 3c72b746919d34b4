#!/usr/bin/env node
// Live updates in real browsers, against a running Sluice server with the demo seed:
//
//   SLUICE_URL=http://127.0.0.1:8080 node frontend/e2e/live.mjs
//
// Three browser contexts, each with its own session and websocket:
//   1. the reviewer (manager) signs in first and waits on My tasks;
//   2. a department board (warehouse, who may read every department) shows the sales board;
//   3. the clerk submits a sample order and verifies it (checklist) in the UI.
// Without any reload: the board gets the card (verify), then sees it move to sales review; the reviewer
// gets a toast and the My tasks count goes up; the board user claims the card and @mentions the reviewer,
// whose bell shows the unread mention (the drawer marks it read); the reviewer approves from the toast's
// link, and the board sees the card move on to shipping. Finally the reviewer switches the UI to English
// and back to 繁體中文. Each page carries a marker set after its first load, checked at the end: a
// reload would have wiped it. Screenshots: test-output/e2e/live-*.png.
//
// Optional environment: SLUICE_SAMPLE (schemas/examples/orders/small-standard.json), SLUICE_PASSWORD
// (sluice-demo), SLUICE_E2E_TIMEOUT_MS (20000), SLUICE_REVIEWER (manager), SLUICE_BOARD_USER (warehouse),
// SLUICE_BOARD_DEPT (sales), CHROMIUM_PATH (/usr/bin/chromium), SLUICE_E2E_HEADED=1.
import fs from 'node:fs';
import path from 'node:path';
import { BASE, StepError, fail, launch, liveOpen, login, mark as markPage, repoRoot, stillSame as samePage, steps } from './harness.mjs';

const SAMPLE = process.env.SLUICE_SAMPLE || path.join(repoRoot, 'schemas', 'examples', 'orders', 'small-standard.json');
const CLERK = 'clerk';
const REVIEWER = process.env.SLUICE_REVIEWER || 'manager';
const BOARD_USER = process.env.SLUICE_BOARD_USER || 'warehouse';
const DEPT = process.env.SLUICE_BOARD_DEPT || 'sales';

const run = steps('[e2e:live]', 'live-');
const { log, shot, step, newPage } = run;
const mark = (page) => markPage(page, 'live');
const stillSame = (page, who) => samePage(page, who, 'live');

const card = (page, number, node) =>
  page.locator(`[data-testid="board-column"]${node ? `[data-node="${node}"]` : ''} [data-testid="board-card"][data-number="${number}"]`);

async function main() {
  if (!BASE) {
    console.error('set SLUICE_URL to a running Sluice server with the demo seed (scripts/e2e.sh does it)');
    process.exit(2);
  }
  const body = JSON.parse(fs.readFileSync(SAMPLE, 'utf8'));
  log(`server ${BASE}, sample ${path.relative(repoRoot, SAMPLE)}`);

  const browser = await launch();
  const started = Date.now();
  try {
    const rev = await newPage(browser, REVIEWER);
    const brd = await newPage(browser, BOARD_USER);
    const clk = await newPage(browser, CLERK);

    const before = await step(`${REVIEWER} signs in and waits on My tasks`, rev.page, async () => {
      await login(rev.page, REVIEWER);
      await rev.page.getByTestId('nav-tasks').click();
      const count = rev.page.locator('[data-testid="nav-tasks-count"]:not([data-count=""])');
      await count.waitFor({ state: 'attached' });
      await liveOpen(rev.page);
      await mark(rev.page);
      const n = Number(await count.getAttribute('data-count'));
      await shot(rev.page, 'reviewer-waiting');
      return n;
    });

    await step(`${BOARD_USER} opens the ${DEPT} board`, brd.page, async () => {
      await login(brd.page, BOARD_USER);
      await brd.page.getByTestId('nav-boards').click();
      await brd.page.getByTestId('board').waitFor();
      // their own department's board first; then the one to watch, picked in the UI
      if ((await brd.page.getByTestId('board').getAttribute('data-department')) !== DEPT) {
        await brd.page.getByTestId('board-department').click();
        await brd.page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').getByTestId(`board-department-${DEPT}`).click();
        await brd.page.locator(`[data-testid="board"][data-department="${DEPT}"]`).waitFor();
      }
      await liveOpen(brd.page);
      await mark(brd.page);
      await shot(brd.page, 'board-before');
    });

    const order = await step(`${CLERK} signs in and submits ${path.basename(SAMPLE)}`, clk.page, async () => {
      await login(clk.page, CLERK);
      await liveOpen(clk.page);
      const res = await clk.page.evaluate(async (b) => {
        const csrf = document.cookie.split('; ').find((c) => c.startsWith('sluice_csrf='))?.split('=')[1] ?? '';
        const r = await fetch('/api/v1/orders', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': decodeURIComponent(csrf), 'Idempotency-Key': crypto.randomUUID() },
          body: JSON.stringify(b),
        });
        return { status: r.status, body: await r.json() };
      }, body);
      if (res.status !== 201) fail(`POST /orders answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      log(`  order ${res.body.number} (id ${res.body.id})`);
      return res.body;
    });

    await step(`${CLERK} gets the verify task live and verifies with the checklist`, clk.page, async () => {
      const toast = clk.page.getByTestId('live-toast').filter({ hasText: order.number });
      await toast.first().waitFor();
      await shot(clk.page, 'clerk-toast');
      await toast.first().getByTestId('live-toast-open').click();
      await clk.page.getByTestId('order-number').filter({ hasText: order.number }).waitFor();
      const panel = clk.page.locator('[data-testid="task-action-panel"][data-node="verify"]');
      await panel.waitFor();
      await panel.getByTestId('action-approve').click();
      for (const box of await panel.getByTestId('checklist-item').locator('input[type=checkbox]').all()) await box.check();
      await panel.getByTestId('action-comment-input').fill('e2e live: verified');
      const [res] = await Promise.all([
        clk.page.waitForResponse((r) => /\/api\/v1\/tasks\/\d+\/actions$/.test(r.url())),
        panel.getByTestId('action-submit').click(),
      ]);
      if (res.status() !== 200) fail(`verify answered ${res.status()}`);
    });

    await step('the board shows the card move to sales review, without a reload', brd.page, async () => {
      await card(brd.page, order.number, 'sales_review').waitFor();
      await stillSame(brd.page, BOARD_USER);
      await card(brd.page, order.number, 'sales_review').scrollIntoViewIfNeeded();
      await shot(brd.page, 'board-sales-review');
    });

    await step(`${REVIEWER} gets a toast and the task count goes up, without a reload`, rev.page, async () => {
      await rev.page.getByTestId('live-toast').filter({ hasText: order.number }).first().waitFor();
      await rev.page.locator(`[data-testid="nav-tasks-count"][data-count="${before + 1}"]`).waitFor({ state: 'attached' });
      await rev.page.getByTestId(`task-open-${order.number}`).waitFor();
      await stillSame(rev.page, REVIEWER);
      await shot(rev.page, 'reviewer-toast');
    });

    await step(`${BOARD_USER} claims the card and @mentions ${REVIEWER}`, brd.page, async () => {
      await card(brd.page, order.number, 'sales_review').click();
      const drawer = brd.page.getByTestId('card-drawer');
      await drawer.getByTestId('card-claim').click();
      await brd.page.locator(`[data-testid="board-card"][data-number="${order.number}"][data-locked-by="${BOARD_USER}"]`).waitFor();
      const input = drawer.getByTestId('comment-input');
      await input.click();
      await input.pressSequentially(`@${REVIEWER} `);
      await input.pressSequentially('請確認出貨日期');
      await drawer.getByTestId('comment-submit').click();
      await drawer.locator('[data-testid="comment-item"]').filter({ hasText: '請確認出貨日期' }).waitFor();
      await shot(brd.page, 'board-claim-comment');
      await brd.page.locator('.ant-drawer-open .ant-drawer-close').first().click();
      await drawer.waitFor({ state: 'hidden' });
    });

    await step(`${REVIEWER} sees the mention (toast, bell) and reads it in the drawer`, rev.page, async () => {
      await rev.page.locator('[data-testid="live-toast"][data-kind="mention"]').first().waitFor();
      await rev.page.locator('[data-testid="notifications-bell"]:not([data-unread="0"])').waitFor();
      await rev.page.getByTestId('notifications-bell').click();
      const item = rev.page.locator('[data-testid="notification-item"][data-read="false"]').filter({ hasText: order.number }).first();
      await item.waitFor();
      await shot(rev.page, 'reviewer-notifications');
      await rev.page.getByTestId('notifications-read-all').click();
      await rev.page.locator('[data-testid="notifications-bell"][data-unread="0"]').waitFor();
      await rev.page.locator('.ant-drawer-open .ant-drawer-close').first().click();
      await stillSame(rev.page, REVIEWER);
    });

    await step(`${REVIEWER} sees the claim on the order's card and approves`, rev.page, async () => {
      await rev.page.getByTestId(`task-open-${order.number}`).click();
      await rev.page.getByTestId('order-number').filter({ hasText: order.number }).waitFor();
      const panel = rev.page.locator('[data-testid="task-action-panel"][data-node="sales_review"]');
      await panel.waitFor();
      await panel.getByTestId('action-approve').click();
      for (const box of await panel.getByTestId('checklist-item').locator('input[type=checkbox]').all()) await box.check();
      await panel.getByTestId('action-comment-input').fill('e2e live: approved');
      const [res] = await Promise.all([
        rev.page.waitForResponse((r) => /\/api\/v1\/tasks\/\d+\/actions$/.test(r.url())),
        panel.getByTestId('action-submit').click(),
      ]);
      if (res.status() !== 200) fail(`approve answered ${res.status()}`);
      await shot(rev.page, 'reviewer-approved');
    });

    await step('the board shows the card move on to shipping, without a reload', brd.page, async () => {
      await card(brd.page, order.number, 'ship').waitFor();
      if ((await card(brd.page, order.number, 'sales_review').count()) !== 0) fail('the card is still in sales review too');
      await stillSame(brd.page, BOARD_USER);
      await card(brd.page, order.number, 'ship').scrollIntoViewIfNeeded();
      await shot(brd.page, 'board-ship');
    });

    await step('the order page shows why the order is where it is', rev.page, async () => {
      await rev.page.getByTestId('why-here-toggle').click();
      await rev.page.getByTestId('trace-line').first().waitFor();
      await shot(rev.page, 'order-why-here');
    });

    const switchTo = async (lang) => {
      await rev.page.getByTestId('lang-switcher').click();
      await rev.page.getByTestId(`lang-option-${lang}`).click();
      await rev.page.locator('.ant-dropdown:not(.ant-dropdown-hidden)').waitFor({ state: 'hidden' }).catch(() => {});
    };
    await step('switch the UI to English', rev.page, async () => {
      await switchTo('en');
      await rev.page.getByTestId('nav-boards').filter({ hasText: 'Boards' }).waitFor();
      await rev.page.getByTestId('nav-tasks').filter({ hasText: 'My tasks' }).waitFor();
      await rev.page.getByTestId('notifications-bell').click();
      await rev.page.locator('.ant-drawer-title').filter({ hasText: 'Notifications' }).waitFor();
      await rev.page.getByTestId('notification-item').filter({ hasText: `mentioned you on order ${order.number}` }).first().waitFor();
      await shot(rev.page, 'lang-en');
      // Escape closes the drawer: its close button may sit under a live toast at the top right
      await rev.page.keyboard.press('Escape');
      await rev.page.locator('.ant-drawer-open').waitFor({ state: 'detached' });
    });
    await step('switch the UI back to 繁體中文', rev.page, async () => {
      await switchTo('zh-TW');
      await rev.page.getByTestId('nav-boards').filter({ hasText: '部門看板' }).waitFor();
      await rev.page.getByTestId('nav-tasks').filter({ hasText: '我的待辦' }).waitFor();
      await stillSame(rev.page, REVIEWER);
      await shot(rev.page, 'lang-zh-TW');
    });
  } finally {
    await browser.close();
  }
  log(`live walkthrough done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log(`e2e live: ${run.passed} passed, 0 failed`);
}

main().catch((e) => {
  console.error(`[e2e:live] FAILED: ${e instanceof Error ? e.message : e}`);
  if (!(e instanceof StepError) && e instanceof Error && e.stack) console.error(e.stack);
  console.log(`e2e live: ${run.passed} passed, 1 failed`);
  process.exit(1);
});
