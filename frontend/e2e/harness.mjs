// What every end-to-end script shares: the server's address and timeouts from the
// environment, Debian's Chromium, named steps with a screenshot of each failure, pages that
// log their errors, and signing in through the login form.
//
// Environment: SLUICE_URL (required), SLUICE_PASSWORD (sluice-demo), SLUICE_E2E_TIMEOUT_MS
// (20000), CHROMIUM_PATH (/usr/bin/chromium), SLUICE_E2E_HEADED=1 (a visible browser).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const outDir = path.join(repoRoot, 'test-output', 'e2e');
export const BASE = (process.env.SLUICE_URL || '').replace(/\/+$/, '');
export const PASSWORD = process.env.SLUICE_PASSWORD || 'sluice-demo';
export const TIMEOUT = Number(process.env.SLUICE_E2E_TIMEOUT_MS || 20000);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** A failed check inside a step. */
export class StepError extends Error {}
export const fail = (message) => {
  throw new StepError(message);
};
export const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

/** The last navigations of each page (newPage), for a failed step's report. */
const trails = new WeakMap();

/**
 * The steps of one script: `tag` prefixes its log lines, `prefix` its screenshots
 * (test-output/e2e/<prefix>NN-<name>.png).
 */
export function steps(tag, prefix) {
  const run = { stepNo: 0, passed: 0 };
  run.log = (...a) => console.log(tag, ...a);
  run.shot = async (page, name) => {
    const file = path.join(outDir, `${prefix}${String(run.stepNo).padStart(2, '0')}-${name}.png`);
    try {
      await page.screenshot({ path: file, fullPage: true, timeout: 15000 });
    } catch (e) {
      run.log(`  (screenshot ${name} failed: ${e.message.split('\n')[0]})`);
    }
    return file;
  };
  /** Runs one named step; on failure saves a screenshot of `page` and rethrows with the step's name. */
  run.step = async (name, page, fn) => {
    run.stepNo++;
    const started = Date.now();
    run.log(`step ${run.stepNo}: ${name}`);
    try {
      const result = await fn();
      run.passed++;
      run.log(`  ok (${((Date.now() - started) / 1000).toFixed(1)}s)`);
      return result;
    } catch (e) {
      if (page) run.log(`  screenshot of the failure: ${path.relative(repoRoot, await run.shot(page, `${slug(name)}-FAILED`))}`);
      for (const line of (page && trails.get(page)) || []) run.log(`    ${line}`);
      throw new StepError(`step ${run.stepNo} "${name}" failed: ${e instanceof Error ? e.message : e}`);
    }
  };
  /** A browser context of its own (its own session), in 繁體中文, logging page errors and 5xx answers. */
  run.newPage = async (browser, who, viewport = { width: 1440, height: 900 }) => {
    const context = await browser.newContext({ viewport, locale: 'zh-TW' });
    context.setDefaultTimeout(TIMEOUT);
    const page = await context.newPage();
    page.on('pageerror', (e) => run.log(`  [${who}] page error: ${e.message}`));
    page.on('response', async (res) => {
      // 5xx, and a 401 (the app forgets its cache and goes to the login page: a flake's usual cause)
      if (res.url().includes('/api/') && (res.status() >= 500 || res.status() === 401) && !res.url().includes('/auth/login')) {
        run.log(`  [${who}] ${res.request().method()} ${res.url()} → ${res.status()} ${(await res.text().catch(() => '')).slice(0, 300)}`);
      }
    });
    // where the page went, client-side moves included, printed when a step fails: a page that started over shows there
    trails.set(page, []);
    page.on('framenavigated', (f) => {
      if (f !== page.mainFrame()) return;
      const u = new URL(f.url());
      const trail = trails.get(page);
      trail.push(`${new Date().toISOString().slice(11, 23)} → ${u.pathname}${u.search}`);
      if (trail.length > 12) trail.shift();
    });
    return { context, page };
  };
  return run;
}

/** Starts Debian's Chromium (exits with a hint when it is missing) and makes the screenshot folder. */
export async function launch() {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    console.error(`no Chromium at ${executablePath} (scripts/chromium.sh installs it)`);
    process.exit(2);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const headed = process.env.SLUICE_E2E_HEADED === '1';
  return chromium.launch({ executablePath, headless: !headed, args: headed ? CHROMIUM_ARGS.filter((a) => a !== '--headless') : CHROMIUM_ARGS });
}

/** Signs in through the login form and waits for the shell to show that user. */
export async function login(page, username, password = PASSWORD) {
  await page.goto(`${BASE}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  const [res] = await Promise.all([page.waitForResponse((r) => r.url().includes('/api/v1/auth/login')), page.getByTestId('login-submit').click()]);
  if (res.status() !== 200) fail(`login as ${username} answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
  const menu = page.getByTestId('user-menu');
  await menu.waitFor();
  const shown = await menu.getAttribute('data-username');
  if (shown !== username) fail(`signed in as ${shown}, expected ${username}`);
}

/** The page's websocket is subscribed (the header's dot is green). */
export const liveOpen = (page) => page.locator('[data-testid="live-status"][data-status="open"]').waitFor();

/** Marks the document; `stillSame` fails if the page was reloaded since (a reload drops the marker). */
export const mark = (page, value) => page.evaluate((v) => (window.__sluiceE2eMarker = v), value);
export async function stillSame(page, who, value) {
  const m = await page.evaluate(() => window.__sluiceE2eMarker).catch(() => undefined);
  if (m !== value) fail(`${who}'s page was reloaded (the marker is gone)`);
}

/**
 * Counts what a person does between start() and stop(): a click, a field filled (once per field,
 * however long the text), text typed into a search, a drag, a key that is a command, an option
 * picked. Each action goes through these wrappers; `list` names them in order.
 */
export function interactions() {
  const c = { n: 0, on: false, list: [] };
  c.start = () => (c.on = true);
  c.stop = () => (c.on = false);
  c.count = (what) => {
    if (!c.on) return;
    c.n++;
    c.list.push(what);
  };
  c.click = async (locator, what, opts) => {
    c.count(`click ${what}`);
    await locator.click(opts);
  };
  c.check = async (locator, what) => {
    c.count(`check ${what}`);
    await locator.check();
  };
  c.fill = async (locator, value, what) => {
    c.count(`fill ${what}`);
    await locator.fill(value);
  };
  c.type = async (page, text, what) => {
    c.count(`type ${what}`);
    await page.keyboard.type(text);
  };
  c.press = async (target, key, what) => {
    c.count(`key ${key} ${what}`);
    await target.press(key);
  };
  /** A drag: `fn` does it (mouse moves, or HTML5 drag and drop). */
  c.drag = async (what, fn) => {
    c.count(`drag ${what}`);
    return fn();
  };
  return c;
}
