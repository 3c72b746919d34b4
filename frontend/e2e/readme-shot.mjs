// Takes the README's screenshot (docs/img/order-review.png): the clerk submits the demo's
// 80,600 order through the API, the sales manager opens it. Not part of `make test`; run it
// against a demo server: SLUICE_URL=http://127.0.0.1:8080 node frontend/e2e/readme-shot.mjs
import fs from 'node:fs';
import path from 'node:path';
import { BASE, PASSWORD, launch, login, repoRoot } from './harness.mjs';

const api = async (method, url, token, body) => {
  const res = await fetch(`${BASE}/api/v1${url}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
};

const { token } = await api('POST', '/auth/login', null, { username: 'clerk', password: PASSWORD });
const sample = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas/examples/orders/large-vip.json'), 'utf8'));
const order = await api('POST', '/orders', token, sample);
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-TW' });
  const page = await context.newPage();
  await login(page, 'manager');
  await page.goto(`${BASE}/orders/${order.id}`);
  await page.getByTestId('order-number').waitFor();
  await page.waitForTimeout(500);
  const file = path.join(repoRoot, 'docs', 'img', 'order-review.png');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
  console.log(`wrote ${path.relative(repoRoot, file)}`);
} finally {
  await browser.close();
}
