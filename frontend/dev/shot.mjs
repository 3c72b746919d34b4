// scratch: screenshot a few pages (removed before hand-off)
import { chromium } from 'playwright-core';
const base = process.env.SLUICE_URL || 'http://127.0.0.1:8080';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: process.env.LOC || 'zh-TW' });
const page = await ctx.newPage();
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log('console', m.type(), m.text().slice(0, 300)); });
page.on('pageerror', (e) => console.log('pageerror', e.message));
await page.goto(base + '/');
await page.getByTestId('login-username').waitFor();
await page.screenshot({ path: '/tmp/s-login.png' });
for (const p of (process.env.PAGES || '').split(',').filter(Boolean)) {
  if (!page.url().includes('/login') || p === 'login') {}
}
if (process.env.USER_) {
  await page.getByTestId('login-username').fill(process.env.USER_);
  await page.getByTestId('login-password').fill('sluice-demo');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user-menu').waitFor();
  for (const p of (process.env.PAGES || '/tasks').split(',')) {
    await page.goto(base + p);
    await page.waitForTimeout(1500);
    const name = p.replace(/[^a-z0-9]/gi, '_');
    await page.screenshot({ path: `/tmp/s${name}.png`, fullPage: true });
    console.log('shot', name);
  }
}
await browser.close();
