#!/usr/bin/env node
// Every page in the user's language (issue 17 item 4), in Chromium against a demo server:
//
//   SLUICE_URL=http://127.0.0.1:8080 node frontend/e2e/crawl.mjs
//
// For zh-TW, zh-CN and en (the browser's locale and the stored UI language agree) the admin and
// the sales manager visit every page their menus link to, plus an order, the designers, the
// editors and the error states: a 403 (the clerk opens an admin page), a refused new-order form
// and a failed import. On each page the visible text, placeholders and titles must be in the
// page's language:
//   zh-TW / zh-CN  no Latin word of three letters or more, except codes (words with digits, -, _,
//                  ., /, @), the allowlist below and user data;
//   zh-CN          no Traditional character: a run of Han characters whose Simplified conversion
//                  (opencc-js, Traditional → mainland Simplified) differs contains one;
//   en             no Han character, except user data.
// User data is what the demo's customers, products, users and the orders sent here say. A finding
// whose word appears in an API answer seen on that page is "server text" (the server's messages
// move into catalogues on their own branch); SLUICE_CRAWL_SERVER_TEXT=warn reports those without
// failing. Findings are listed per page and language; failing pages are saved as
// test-output/e2e/crawl-<lang>-<page>.png.
//
// Optional: SLUICE_ADMIN_PASSWORD (admin-e2e-pass), SLUICE_PASSWORD (sluice-demo),
// SLUICE_CRAWL_LANGS (zh-TW,zh-CN,en).
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as OpenCC from 'opencc-js';
import { BASE, PASSWORD, StepError, fail, launch, login, outDir, repoRoot, slug, steps } from './harness.mjs';

const run = steps('[crawl]', 'crawl-');
const { log } = run;
const ADMIN_PASSWORD = process.env.SLUICE_ADMIN_PASSWORD || 'admin-e2e-pass';
const LANGS = (process.env.SLUICE_CRAWL_LANGS || 'zh-TW,zh-CN,en').split(',');
const IMPORT_CSV = path.join(repoRoot, 'backend', 'intake', 'testdata', 'orders.csv');
// the definition properties whose values are identifiers (not words such as a field's type "number")
const CODE_PROPS = new Set(['id', 'key', 'outcome', 'status', 'source', 'target', 'from', 'to', 'node', 'plugin', 'form', 'flow', 'role', 'department']);
const SERVER_WARN = process.env.SLUICE_CRAWL_SERVER_TEXT === 'warn';

// Latin words allowed on a Chinese page. Each is a name or a technical term that Chinese
// business software writes in Latin letters, so a translation would read worse.
const ALLOWED_LATIN = new Set([
  'Sluice', // the product's name
  'PDF', // the document format, written so in Chinese
  'CSV', // the file format of imports
  'Excel', // the spreadsheet program whose files are imported and exported
  'xlsx', // Excel's file extension, shown with file names
  'SLA', // service-level agreement: the timer term in Chinese operations software too
  'API', // the programming interface, as written in Chinese docs
  'SKU', // stock-keeping unit, the product code column, written so in Chinese retail
  'Email', // the channel's name next to LINE and Teams; 電子郵件 is used in sentences
  'LINE', // the messenger (a brand)
  'Teams', // Microsoft Teams (a brand)
  'Slack', // a brand
  'Webhook', // the integration's technical name
  'Big', // "Big5", the encoding's name, when split off its digit by the tokenizer
  'UTF', // "UTF-8", the encoding's name
  'JSON', // the data format, shown in the designers' raw views
  'URL', // web address, as written in Chinese UIs
  'VIP', // the customer tier, written so in Chinese
  'Shopify', // a shop channel (a brand)
  'WooCommerce', // a shop channel (a brand)
  'momo', // a Taiwanese shop (a brand)
  'PChome', // a Taiwanese shop (a brand)
  'Shopee', // a shop (a brand)
  'OTP', // one-time password
  'TOTP', // time-based one-time password
  'ID', // identifier, written so in Chinese
  'XLSX', // Excel's file format, named beside CSV on the imports page
  'MiB', // the unit of the upload limit
  'Windows', // the operating system whose Excel saves Big5 / GB18030 "CSV" (a brand)
  'GBK', // the encoding's name
  'SQLite', // the database's name on the status page (a brand)
  'PostgreSQL', // the database's name on the status page (a brand)
  'UTC', // the time standard, written so in Chinese
  'Cron', // the schedule syntax's name, as Chinese admins know it
  'Enter', // keyboard keys, named as printed on them
  'Delete',
  'Esc',
]);
// The language switcher names each language in its own script (繁體中文, 简体中文, English): by design.
const LANGUAGE_NAMES = ['繁體中文', '简体中文', 'English'];

const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;

// --- the API, as a demo user ---
const tokens = new Map();
async function token(user) {
  if (!tokens.has(user)) {
    const password = user === 'admin' ? ADMIN_PASSWORD : PASSWORD;
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
  if (!want.includes(r.status)) fail(`${method} ${p} as ${user}: ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}
async function approve(user, orderId, node) {
  const o = await must(user, 'GET', `/orders/${orderId}`);
  const t = (o.tasks ?? []).find((x) => x.node === node && x.status === 'open' && x.can_act);
  if (!t) return;
  await must(user, 'POST', `/tasks/${t.id}/actions`, { action: 'approve', checklist: (t.checklist ?? []).map(() => true), comment: 'e2e crawl' });
}

/** Every string leaf of a JSON value. */
function strings(v, out = []) {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, out));
  return out;
}
const items = (v) => (Array.isArray(v) ? v : (v?.items ?? v?.data ?? []));

// --- what one page says in the wrong language ---
function offending(text, lang, userData) {
  const found = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (!line) continue;
    for (const n of LANGUAGE_NAMES) line = line.split(n).join(' ');
    const isUser = (s) => userData.some((u) => u.includes(s) || u === ` ${s} `);
    if (lang === 'en') {
      for (const run of line.match(HAN) ?? []) if (!isUser(run)) found.push({ word: run, line: raw.trim() });
      continue;
    }
    for (const tok of line.split(/[\s,，。、：:；;()（）「」『』【】[\]<>《》"'“”‘’!?！？|=+*#…→←·]+/)) {
      if (!tok || /[\d_.@/\\-]/.test(tok)) continue; // a code, a number, an address
      for (const word of tok.match(/[A-Za-z]{3,}/g) ?? []) {
        if (ALLOWED_LATIN.has(word) || isUser(word)) continue;
        found.push({ word, line: raw.trim() });
      }
    }
    if (lang === 'zh-CN') {
      for (const han of line.match(HAN) ?? []) if (toSimplified(han) !== han && !isUser(han)) found.push({ word: han, line: raw.trim(), traditional: true });
    }
  }
  return found;
}

const findings = []; // {lang, who, page, kind, word, line}
const failingShots = [];

/** Reads the page as the user sees it and records what is in the wrong language. */
async function inspect(page, lang, who, name, userData, apiStrings) {
  await page.waitForLoadState('networkidle', { timeout: 8000 }).catch(() => {});
  await page
    .waitForFunction(() => !document.querySelector('.ant-skeleton, .ant-spin-spinning'), null, { timeout: 8000 })
    .catch(() => {});
  await page.waitForTimeout(300);
  const { text, marked } = await page.evaluate((pageLang) => {
    const seen = [document.body.innerText];
    // text marked as another language (lang="…"), such as a name's translations side by side, is meant
    const marked = [...document.querySelectorAll('body [lang]')].filter((el) => el.getAttribute('lang') !== pageLang).map((el) => el.innerText).filter(Boolean);
    for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      for (const a of ['placeholder', 'title']) {
        const v = el.getAttribute(a);
        if (v) seen.push(v);
      }
    }
    return { text: seen.join('\n'), marked };
  }, lang);
  const here = offending(text, lang, [...userData, ...marked]);
  const uniq = new Map();
  for (const f of here) {
    const kind = apiStrings.some((s) => s.includes(f.word)) ? 'server text' : f.traditional ? 'web (Traditional)' : 'web';
    uniq.set(`${kind}|${f.word}|${f.line}`, { lang, who, page: name, kind, word: f.word, line: f.line.slice(0, 160) });
  }
  findings.push(...uniq.values());
  const failing = [...uniq.values()].filter((f) => !(SERVER_WARN && f.kind === 'server text'));
  log(`  ${lang} ${who} ${name}: ${uniq.size ? `${uniq.size} finding(s)` : 'clean'}`);
  if (failing.length) {
    const file = path.join(outDir, `crawl-${lang}-${who}-${slug(name)}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: 15000 }).catch(() => {});
    failingShots.push(path.relative(repoRoot, file));
  }
}

/** A signed-in browser in `lang`: the context's locale (Accept-Language) and the stored UI language agree. */
async function session(browser, lang, user, userData) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: lang });
  context.setDefaultTimeout(15000);
  await context.addInitScript((l) => localStorage.setItem('sluice.lang', l), lang);
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`  [${user}] page error: ${e.message}`));
  // strings the server answered on this page: findings among them are server text
  const apiStrings = [];
  page.on('response', async (res) => {
    if (!res.url().includes('/api/')) return;
    if (!(res.headers()['content-type'] ?? '').includes('json')) return;
    const body = await res.json().catch(() => undefined);
    if (body !== undefined) apiStrings.push(...strings(body).filter((s) => s.length >= 2));
  });
  if (userData) {
    await page.goto(`${BASE}/login`);
    await page.getByTestId('login-username').waitFor();
    await inspect(page, lang, user, '/login', userData, apiStrings);
  }
  await login(page, user, user === 'admin' ? ADMIN_PASSWORD : PASSWORD);
  return { context, page, apiStrings };
}

async function visit(s, lang, who, name, url, userData, ready) {
  s.apiStrings.length = 0;
  try {
    await s.page.goto(`${BASE}${url}`);
    if (ready) await ready(s.page);
    await inspect(s.page, lang, who, name, userData, s.apiStrings);
  } catch (e) {
    findings.push({ lang, who, page: name, kind: 'crawl error', word: '', line: String(e.message).split('\n')[0].slice(0, 160) });
    log(`  ${lang} ${who} ${name}: could not visit: ${String(e.message).split('\n')[0]}`);
  }
}

async function main() {
  if (!BASE) {
    console.error('SLUICE_URL is required');
    process.exit(2);
  }
  const samples = path.join(repoRoot, 'schemas', 'examples', 'orders');
  const creditHold = JSON.parse(fs.readFileSync(path.join(samples, 'credit-hold.json'), 'utf8'));
  const small = JSON.parse(fs.readFileSync(path.join(samples, 'small-standard.json'), 'utf8'));

  // a little data: an order held by an exception, one waiting at review
  const data = await run.step('the clerk sends two orders over the API (one is held by the credit check)', null, async () => {
    const held = await must('clerk', 'POST', '/orders', creditHold);
    await approve('clerk', held.id, 'verify');
    const open = await must('clerk', 'POST', '/orders', small);
    await approve('clerk', open.id, 'verify');
    return { held, open };
  });

  // user data: the demo's customers, products and people, and what the orders sent here say
  const userData = await run.step('user data from the API', null, async () => {
    const out = [...strings(creditHold.data), ...strings(small.data)];
    // people's, customers', products', warehouses' and shop channels' records are theirs as entered;
    // the status page's facts (version, database path) are the installation's
    for (const p of ['/customers?limit=500', '/products?limit=500', '/users', '/warehouses', '/channels', '/admin/status']) {
      const v = await must('admin', 'GET', p, undefined, [200, 403, 404]).catch(() => undefined);
      out.push(...strings(p === '/admin/status' ? v : items(v)));
    }
    for (const p of ['/orders?limit=200']) {
      const v = await must('admin', 'GET', p, undefined, [200, 403, 404]).catch(() => undefined);
      for (const it of items(v)) {
        for (const k of ['name', 'display_name', 'username', 'number', 'sku', 'contact', 'address', 'email', 'customer_name', 'code', 'ref', 'external_ref'])
          if (typeof it?.[k] === 'string') out.push(it[k]);
        if (it?.customer && typeof it.customer === 'object') out.push(...strings(it.customer));
      }
    }
    // what this script writes: its comments and the import file's headers and cells
    out.push('e2e crawl', ...fs.readFileSync(IMPORT_CSV, 'utf8').split(/[\n,]/).map((c) => c.replace(/"/g, '').trim()));
    // the keys the definitions give their steps, fields and outcomes are codes the designers show by design
    for (const kind of ['flow', 'form']) {
      const list = await must('admin', 'GET', `/definitions/${kind}`, undefined, [200, 404]).catch(() => undefined);
      for (const d of items(list)) {
        const doc = await must('admin', 'GET', `/definitions/${kind}/${encodeURIComponent(d.key)}`, undefined, [200, 404]).catch(() => undefined);
        const keys = [];
        const walk = (v) => {
          if (Array.isArray(v)) v.forEach(walk);
          else if (v && typeof v === 'object')
            for (const [k, x] of Object.entries(v)) {
              keys.push(k); // a field's key
              if (CODE_PROPS.has(k) && typeof x === 'string') keys.push(x); // a step's id, an outcome, a status
              walk(x);
            }
        };
        walk(doc);
        out.push(...keys.map((k) => ` ${k} `));
      }
    }
    return out.filter((s) => s.length >= 2);
  });
  log(`  ${userData.length} user-data strings`);

  const firstLink = async (page, prefix) => {
    const hrefs = await page.locator(`a[href^="${prefix}"]`).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    return hrefs.find((h) => h && h !== prefix && !h.endsWith('/new'));
  };

  const browser = await launch();
  try {
    for (const lang of LANGS) {
      await run.step(`${lang}: the admin's pages`, null, async () => {
        const s = await session(browser, lang, 'admin', userData);
        try {
          const nav = await s.page.locator('a[data-testid^="nav-"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
          const pages = new Set(nav.filter(Boolean));
          for (const p of ['/tasks', '/orders', '/boards/sales', '/dashboards', '/stock', '/exceptions', '/imports', '/customers', '/notifications', '/me', '/me/channels', '/admin/channels', '/admin/outbox', '/admin/status', '/admin/departments'])
            pages.add(p);
          pages.add(`/orders/${data.held.id}`);
          pages.add(`/orders/${data.open.id}`);
          pages.add('/designer/flows/order-review');
          pages.add('/designer/versions/order-review');
          for (const [list, prefix] of [
            ['/designer/forms', '/designer/forms/'],
            ['/designer/roles', '/designer/roles/'],
            ['/designer/reminders', '/designer/reminders/'],
          ]) {
            await s.page.goto(`${BASE}${list}`);
            await s.page.waitForLoadState('networkidle', { timeout: 8000 }).catch(() => {});
            const one = await firstLink(s.page, prefix);
            if (one) pages.add(one);
            pages.add(list);
          }
          for (const p of pages) await visit(s, lang, 'admin', p.replace(/\/\d+$/, '/:id'), p, userData);
        } finally {
          await s.context.close();
        }
      });

      await run.step(`${lang}: the manager's pages`, null, async () => {
        const s = await session(browser, lang, 'manager');
        try {
          const nav = await s.page.locator('a[data-testid^="nav-"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
          for (const p of new Set([...nav.filter(Boolean), `/orders/${data.open.id}`, '/notifications', '/me']))
            await visit(s, lang, 'manager', p.replace(/\/\d+$/, '/:id'), p, userData);
        } finally {
          await s.context.close();
        }
      });

      await run.step(`${lang}: the clerk: a 403, a refused form, a failed import`, null, async () => {
        const s = await session(browser, lang, 'clerk');
        try {
          await visit(s, lang, 'clerk', '/designer/flows (403)', '/designer/flows', userData, (page) => page.getByTestId('forbidden').waitFor());
          await visit(s, lang, 'clerk', '/admin/status (403)', '/admin/status', userData);
          // a refused new order: submitted empty, the form names what is missing
          await visit(s, lang, 'clerk', '/orders/new (refused)', '/orders/new?flow=order-review', userData, async (page) => {
            await page.getByTestId('line-items').waitFor();
            const submit = page.locator('[data-testid="order-form"] button[type="submit"]').first();
            await submit.click();
            await page.locator('.ant-form-item-explain-error, .rjsf .error-detail, .ant-alert-error, [role="alert"]').first().waitFor({ timeout: 8000 }).catch(() => {});
          });
          // a failed import: the sample's refused row is listed with its error
          await visit(s, lang, 'clerk', '/imports (failed rows)', '/imports?flow=order-review', userData, async (page) => {
            await Promise.all([
              page.waitForResponse((r) => r.url().endsWith('/api/v1/imports/preview')),
              page.locator('input[type=file]').setInputFiles(IMPORT_CSV),
            ]);
            await page.getByTestId('import-mapping-complete').waitFor();
            await page.getByTestId('import-submit').click();
            await page.locator('[data-testid="import-errors"] tbody tr').first().waitFor();
          });
        } finally {
          await s.context.close();
        }
      });
    }
  } finally {
    await browser.close();
  }

  // the list: page, language, what it said
  const byKind = new Map();
  for (const f of findings) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
  for (const [kind, list] of byKind) {
    console.log(`\n== ${kind}: ${list.length}`);
    for (const f of list) console.log(`  ${f.page} [${f.lang}, ${f.who}] «${f.word}» in: ${f.line}`);
  }
  if (failingShots.length) console.log(`\nscreenshots:\n  ${failingShots.join('\n  ')}`);
  const failing = findings.filter((f) => !(SERVER_WARN && f.kind === 'server text'));
  if (failing.length) fail(`${failing.length} finding(s) in the wrong language`);
  log(`all pages in their language (${findings.length} server-text warnings)`);
}

main().catch((e) => {
  console.error(`[crawl] FAILED: ${e instanceof StepError ? e.message : (e?.stack ?? e)}`);
  process.exit(1);
});
