// Deciding from a message on a phone (issue 19, "Done when"): a small HTTP server started here is the
// manager's personal webhook channel for new tasks. The clerk submits and verifies an order over the API;
// the outbox worker (in the server) posts the task's message to it, signed (X-Sluice-Signature, checked
// here). Its approve link opens in a fresh 390×844 browser context (no session): the app sends it to sign
// in, then back to the link's page, where the manager ticks the node's checklist and approves. The order
// moved (API). Opening the link again says it was used and changes nothing (the order compared over the
// API); a second order's link, after another sales manager decided its task, says so and changes nothing;
// a tampered link (one character of the token changed) is refused as not valid. An expired link is
// proven at the API by TestActionLinks (backend/api: the notify clock moved past the link's TTL) —
// here a second server with a short TTL would cost more than it proves. No horizontal overflow at 390.
//
// The server needs webhook.signing_key, webhook.allow_private, notify.link_key and notify.base_url
// (scripts/e2e.sh sets them; SLUICE_WEBHOOK_SIGNING_KEY here must match, default e2e-webhook-signing-key).
// Screenshots: test-output/e2e/actlink-NN-*.png (zh-TW; the refused-as-used page also in en).
// Environment: SLUICE_URL (required), SLUICE_PASSWORD (sluice-demo), SLUICE_ADMIN (admin),
// SLUICE_ADMIN_PASSWORD (admin-e2e-pass), SLUICE_WEBHOOK_SIGNING_KEY.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { BASE, PASSWORD, TIMEOUT, fail, launch, outDir, repoRoot, steps } from './harness.mjs';

const REVIEWER = 'manager';
const OTHER = `salesmgr${Date.now() % 1000000}`; // a second sales manager of our own
const OTHER_PASSWORD = 'second-manager-passphrase-ok';
const ADMIN = process.env.SLUICE_ADMIN || 'admin';
const ADMIN_PASSWORD = process.env.SLUICE_ADMIN_PASSWORD || 'admin-e2e-pass';
const SIGNING_KEY = process.env.SLUICE_WEBHOOK_SIGNING_KEY || 'e2e-webhook-signing-key';
const WIDTH = 390;
const HEIGHT = 844;
const TEXT = {
  'zh-TW': { used: '已有人決定', decided: '已有人決定', invalid: '連結無效' },
  en: { used: 'already decided', decided: 'already decided', invalid: 'not valid' },
};

const run = steps('[actlink]', 'actlink-');
const { log, step } = run;

async function call(method, p, token, body, ok = true) {
  const res = await fetch(`${BASE}/api/v1${p}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (ok && !res.ok) fail(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const api = async (...a) => (await call(...a)).body;
const apiLogin = async (username, password = PASSWORD) => (await api('POST', '/auth/login', '', { username, password })).token;
const ticked = (task) => (task.checklist ?? []).map(() => true);

/** What may change when a link is used: the order's state, version, nodes and each task's status. */
const orderState = async (token, id) => {
  const o = await api('GET', `/orders/${id}`, token);
  return JSON.stringify({ status: o.status, version: o.version, nodes: o.current_nodes, tasks: (o.tasks ?? []).map((t) => [t.id, t.status, t.assignees]) });
};

/** The history entry of the decision on task id of order. */
const decision = async (token, order, task) =>
  (await api('GET', `/orders/${order}/history`, token)).items.find((h) => h.task_id === task && ['approve', 'reject'].includes(h.action)) ?? fail(`no decision on task ${task} in the history`);

/** The webhook receiver: every POST, its signature checked, kept by order number. */
function receiver() {
  const got = [];
  const waiting = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const ts = req.headers['x-sluice-timestamp'] ?? '';
      const want = 'sha256=' + crypto.createHmac('sha256', SIGNING_KEY).update(`${ts}.`).update(body).digest('hex');
      const sig = req.headers['x-sluice-signature'] ?? '';
      let doc;
      try {
        doc = JSON.parse(body.toString('utf8'));
      } catch {
        doc = undefined;
      }
      got.push({ doc, signed: sig === want, path: req.url });
      res.writeHead(sig === want ? 200 : 401).end();
      for (const w of waiting.splice(0)) w();
    });
  });
  /** The first message about order number, within the timeout. */
  const message = async (number, ms = 30000) => {
    const until = Date.now() + ms;
    for (;;) {
      const m = got.find((g) => g.doc?.order?.number === number);
      if (m) return m;
      if (Date.now() > until) fail(`no webhook message about ${number} within ${ms / 1000}s (got ${got.length})`);
      await new Promise((r) => {
        waiting.push(r);
        setTimeout(r, 1000);
      });
    }
  };
  return { server, got, message };
}

/** No sideways scrolling: the document is no wider than the phone. */
async function noOverflow(page, where) {
  const w = await page.evaluate(() => document.scrollingElement.scrollWidth);
  if (w > WIDTH) fail(`${where}: scrollWidth ${w} > ${WIDTH}`);
  return w;
}

/** A fresh phone: its own context, so no session. */
async function phone(browser, lang) {
  const context = await browser.newContext({ viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: lang });
  context.setDefaultTimeout(TIMEOUT);
  await context.addInitScript((l) => window.localStorage.setItem('sluice.lang', l), lang);
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`  [${lang}] page error: ${e.message}`));
  return { context, page };
}

/** Opens a link in page; without a session the app asks to sign in first and then comes back. */
async function follow(page, link, signIn) {
  await page.goto(link);
  if (signIn) {
    await page.waitForURL(/\/login\?next=/);
    const next = new URL(page.url()).searchParams.get('next') ?? '';
    if (!next.startsWith('/act/')) fail(`sign-in does not continue to the link: next=${next}`);
    await noOverflow(page, 'sign-in');
    await page.getByTestId('login-username').fill(REVIEWER);
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((u) => u.pathname.startsWith('/act/'));
  }
  await page.locator('[data-testid="act-link"], [data-testid="act-link-refused"]').first().waitFor();
}

const phoneShot = (page, name) => page.screenshot({ path: path.join(outDir, `actlink-${String(run.stepNo).padStart(2, '0')}-${name}.png`) });

async function refusedSays(page, lang, key) {
  const box = page.getByTestId('act-link-refused');
  await box.waitFor();
  const text = await box.innerText();
  if (!text.toLowerCase().includes(TEXT[lang][key].toLowerCase())) fail(`the page does not say "${TEXT[lang][key]}": ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
  if ((await page.getByTestId('act-link-confirm').count()) > 0) fail('a refused link still offers a decision');
  // the server's detail, too, in the page's language
  if (lang !== 'en' && /this (link|task)/i.test(text)) fail(`the page shows an English detail: ${text.replace(/\s+/g, ' ')}`);
  return text.replace(/\s+/g, ' ').slice(0, 160);
}

async function main() {
  if (!BASE) {
    console.error('[actlink] set SLUICE_URL');
    process.exit(2);
  }
  const started = Date.now();
  const sample = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', 'examples', 'orders', 'small-standard.json'), 'utf8'));
  const hook = receiver();
  await new Promise((r) => hook.server.listen(0, '127.0.0.1', r));
  const hookURL = `http://127.0.0.1:${hook.server.address().port}/sluice`;
  let manager, clerk, other;

  /** The clerk submits and verifies an order; it waits at the sales review, whose message goes to the manager. */
  const submit = async () => {
    const o = await api('POST', '/orders', clerk, sample);
    const v = await api('POST', `/tasks/${o.tasks[0].id}/actions`, clerk, { action: 'approve', checklist: ticked(o.tasks[0]) });
    const task = v.order.tasks.find((t) => t.node === 'sales_review' && t.status === 'open') ?? fail(`${o.number} is not at the sales review: ${v.order.status} at ${JSON.stringify(v.order.current_nodes)}, open tasks ${JSON.stringify(v.order.tasks.filter((t) => t.status === 'open').map((t) => t.node))}`);
    return { id: o.id, number: o.number, task };
  };
  const approveLink = async (number) => {
    const m = await hook.message(number);
    if (!m.signed) fail(`the message about ${number} is not signed with the webhook key`);
    if (m.doc.type !== 'sluice.notification' || m.doc.kind !== 'task' || m.doc.user !== REVIEWER) fail(`message ${JSON.stringify(m.doc).slice(0, 300)}`);
    const link = m.doc.links?.approve ?? fail(`no approve link in ${JSON.stringify(m.doc.links)} (is notify.link_key set?)`);
    if (!link.startsWith(`${BASE}/act/`)) fail(`the link ${link} does not start with ${BASE}/act/ (notify.base_url)`);
    return link;
  };

  await step('the manager adds a webhook channel for new tasks; another sales manager exists', null, async () => {
    manager = await apiLogin(REVIEWER);
    clerk = await apiLogin('clerk');
    const admin = await apiLogin(ADMIN, ADMIN_PASSWORD);
    const c = await api('POST', '/notify/channels', manager, { type: 'webhook', address: hookURL, kinds: ['task'] });
    log(`  channel ${c.id} → ${hookURL}`);
    await api('POST', '/users', admin, { username: OTHER, password: OTHER_PASSWORD, memberships: [{ department: 'sales', role: 'sales_manager' }] });
    other = await apiLogin(OTHER, OTHER_PASSWORD);
    // the suite's earlier scripts hold stock on every order they leave open: this one's orders must not
    // stop at the stock exception for want of it
    for (const it of sample.data.items) {
      await api('POST', '/stock/adjustments', admin, { sku: it.sku, warehouse: 'main', delta: it.qty * 8, reason: 'e2e actlink: stock for its orders' });
    }
  });

  let first, link;
  await step('an order waits for the manager; the outbox posts the signed message with its links', null, async () => {
    first = await submit();
    const t0 = Date.now();
    link = await approveLink(first.number);
    const m = (await hook.message(first.number)).doc;
    if (m.order.amount === undefined || !m.order.customer || !m.node || !(m.checks?.length > 0)) fail(`the message lacks the essentials: ${JSON.stringify(m).slice(0, 400)}`);
    log(`  ${first.number}: delivered in ${((Date.now() - t0) / 1000).toFixed(1)}s; node ${m.node}, ${m.checks.length} checks, links ${Object.keys(m.links).join('/')}`);
  });

  const browser = await launch();
  try {
    const { context, page } = await phone(browser, 'zh-TW');
    await step('zh-TW: the link on a fresh phone asks to sign in, then opens the decision', page, async () => {
      await follow(page, link, true);
      await page.getByTestId('act-link').waitFor();
      const text = await page.getByTestId('act-link').innerText();
      if (!text.includes(first.number)) fail(`the page does not show ${first.number}`);
      const confirm = page.getByTestId('act-link-confirm');
      if (!(await confirm.isDisabled())) fail('approve is possible before the checklist is ticked');
      log(`  scrollWidth ${await noOverflow(page, 'act page')}`);
      await phoneShot(page, 'before-zh-TW');
    });

    await step('zh-TW: the manager ticks the checklist and approves; the order moved', page, async () => {
      const before = await orderState(manager, first.id);
      const open = (await api('GET', '/tasks?scope=mine', manager)).items.length;
      for (let i = 0; i < first.task.checklist.length; i++) await page.getByTestId(`act-link-check-${i}`).click();
      const [res] = await Promise.all([page.waitForResponse((r) => r.url().includes('/api/v1/act/') && r.request().method() === 'POST'), page.getByTestId('act-link-confirm').click()]);
      if (res.status() !== 200) fail(`the decision answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
      await page.getByTestId('act-link-done').waitFor();
      // the inbox count in the bottom navigation follows the decision
      const badge = page.getByTestId('phone-nav-tasks').locator('.ant-badge-count');
      const want = open - 1;
      await page.waitForFunction(
        ([sel, n]) => {
          const el = document.querySelector(sel);
          return n === 0 ? !el : el?.getAttribute('title') === String(n);
        },
        ['[data-testid="phone-nav-tasks"] .ant-badge-count', want],
        { timeout: 5000 },
      ).catch(async () => fail(`the inbox badge shows ${await badge.getAttribute('title').catch(() => 'nothing')}, want ${want}`));
      const o = await api('GET', `/orders/${first.id}`, manager);
      if (o.tasks?.some((x) => x.id === first.task.id)) fail(`the task is still open: ${JSON.stringify(o.tasks)}`);
      const d = await decision(manager, first.id, first.task.id);
      if (d.action !== 'approve' || d.actor !== REVIEWER || d.detail?.via?.source !== 'message_link' || d.detail?.via?.channel !== 'webhook') fail(`the decision is recorded as ${JSON.stringify(d)}`);
      if ((await orderState(manager, first.id)) === before) fail('the order did not move');
      log(`  ${first.number} now at ${JSON.stringify(o.current_nodes)}; scrollWidth ${await noOverflow(page, 'done')}`);
      await phoneShot(page, 'after-zh-TW');
    });

    await step('zh-TW: the same link again says it was used and changes nothing', page, async () => {
      const before = await orderState(manager, first.id);
      await follow(page, link, false);
      log(`  "${await refusedSays(page, 'zh-TW', 'used')}"`);
      const again = await call('POST', `/act/${link.split('/act/')[1].split('?')[0]}`, manager, { action: 'approve', checklist: ticked(first.task) }, false);
      if (again.status !== 409) fail(`a second use over the API answered ${again.status}`);
      if ((await orderState(manager, first.id)) !== before) fail('the order changed');
      await noOverflow(page, 'used');
      await phoneShot(page, 'used-zh-TW');
    });
    await context.close();

    const en = await phone(browser, 'en');
    await step('en: the used link on another fresh phone, after sign-in, says so too', en.page, async () => {
      const before = await orderState(manager, first.id);
      await follow(en.page, link, true);
      log(`  "${await refusedSays(en.page, 'en', 'used')}"`);
      if ((await orderState(manager, first.id)) !== before) fail('the order changed');
      await noOverflow(en.page, 'used en');
      await phoneShot(en.page, 'used-en');
    });
    await en.context.close();

    const second = await phone(browser, 'zh-TW');
    await step('zh-TW: after another sales manager decided, the link says decided and changes nothing', second.page, async () => {
      const o = await submit();
      const l = await approveLink(o.number);
      await api('POST', `/tasks/${o.task.id}/actions`, other, { action: 'approve', checklist: ticked(o.task) });
      const before = await orderState(manager, o.id);
      await follow(second.page, l, true);
      log(`  "${await refusedSays(second.page, 'zh-TW', 'decided')}"`);
      const d = await decision(manager, o.id, o.task.id);
      if (d.actor !== OTHER || d.detail?.via) fail(`the task's decision is recorded as ${JSON.stringify(d)}`);
      if ((await orderState(manager, o.id)) !== before) fail('the order changed');
      await noOverflow(second.page, 'decided');
      await phoneShot(second.page, 'decided-zh-TW');
    });

    await step('zh-TW: a tampered link is refused as not valid', second.page, async () => {
      const o = await submit();
      const l = await approveLink(o.number);
      const u = new URL(l);
      const token = u.pathname.split('/act/')[1];
      // one character of the claims changed: the signature no longer fits
      const i = 5;
      const swapped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      const before = await orderState(manager, o.id);
      await follow(second.page, `${BASE}/act/${swapped}${u.search}`, false);
      log(`  "${await refusedSays(second.page, 'zh-TW', 'invalid')}"`);
      const r = await call('POST', `/act/${swapped}`, manager, { action: 'approve', checklist: ticked(o.task) }, false);
      if (r.status !== 404 || r.body?.type !== 'urn:sluice:problem:link-invalid') fail(`the tampered link over the API answered ${r.status} ${JSON.stringify(r.body)}`);
      if ((await orderState(manager, o.id)) !== before) fail('the order changed');
      await noOverflow(second.page, 'tampered');
      await phoneShot(second.page, 'tampered-zh-TW');
    });
    await second.context.close();
  } finally {
    await browser.close();
    hook.server.close();
  }
  log(`${run.passed} steps passed in ${((Date.now() - started) / 1000).toFixed(1)}s; ${hook.got.length} webhook messages received`);
}

main().catch((e) => {
  console.error(`[actlink] FAILED: ${e.message}`);
  process.exit(1);
});
