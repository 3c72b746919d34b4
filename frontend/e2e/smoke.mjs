#!/usr/bin/env node
// Smoke test of the built app without a backend: serves frontend/dist/app (SPA fallback like the Go binary,
// every /api call answers 401) and checks in headless Chromium that a deep link lands on the login page,
// in 繁體中文 for a zh-HK browser and in English for an en-US one. Screenshots go to test-output/smoke/.
//
//   npm run build && npm run smoke
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const distDir = path.resolve(here, '../dist/app');
const outDir = path.join(repoRoot, 'test-output', 'smoke');
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

if (!fs.existsSync(path.join(distDir, 'index.html'))) {
  console.error('[smoke] frontend/dist/app/index.html is missing: run `npm run build` first');
  process.exit(2);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/api/')) {
    res.writeHead(401, { 'Content-Type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'not signed in' }));
    return;
  }
  let file = path.join(distDir, decodeURIComponent(url.pathname));
  if (!file.startsWith(distDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(distDir, 'index.html');
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
fs.mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
let passed = 0;
let failed = 0;
async function check(name, locale, want) {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${base}/orders/123`);
    await page.getByTestId('login-title').waitFor({ timeout: 20000 });
    const title = (await page.getByTestId('login-title').innerText()).trim();
    const lang = await page.evaluate(() => document.documentElement.lang);
    const url = new URL(page.url());
    if (url.pathname !== '/login' || url.searchParams.get('next') !== '/orders/123') throw new Error(`landed on ${page.url()}, expected /login?next=/orders/123`);
    if (title !== want.title) throw new Error(`login title reads "${title}", expected "${want.title}"`);
    if (lang !== want.lang) throw new Error(`<html lang> is "${lang}", expected "${want.lang}"`);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    await page.screenshot({ path: path.join(outDir, `login-${locale}.png`) });
    console.log(`[smoke] ok: ${name}`);
    passed++;
  } catch (e) {
    await page.screenshot({ path: path.join(outDir, `login-${locale}-FAILED.png`) }).catch(() => {});
    console.error(`[smoke] FAILED: ${name}: ${e.message.split('\n')[0]}`);
    failed++;
  } finally {
    await context.close();
  }
}

try {
  await check('zh-HK browser gets the 繁體中文 login page', 'zh-HK', { title: '登入', lang: 'zh-TW' });
  await check('en-US browser gets the English login page', 'en-US', { title: 'Sign in', lang: 'en' });
  await check('zh-CN browser gets the 简体中文 login page', 'zh-CN', { title: '登录', lang: 'zh-CN' });
} finally {
  await browser.close();
  server.close();
}
console.log(`smoke: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
