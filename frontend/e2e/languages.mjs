// Definitions in the user's language (issue 17 item 3) in Chromium against a demo server: with
// the UI in English the new-order form's labels, options and help are English and the sales
// department is "Sales" on the board; in 简体中文 they are Simplified (no Traditional-only
// characters). The admin adds a department named in the three languages on the departments
// page and it reads in each. Screenshots at 1440 px: test-output/e2e/lang-*.png.
//
// Optional environment: SLUICE_ADMIN_PASSWORD (admin-e2e-pass).
import path from 'node:path';
import { BASE, fail, launch, login, outDir, steps } from './harness.mjs';

const run = steps('[lang]', 'lang-');
const shot = (page, name) =>
  page.screenshot({ path: path.join(outDir, `lang-${name}.png`), fullPage: true, timeout: 15000 }).catch((e) => run.log(`  (screenshot ${name}: ${e.message})`));
const setLang = async (page, lang) => {
  await page.evaluate((l) => localStorage.setItem('sluice.lang', l), lang);
  await page.reload();
};
const CJK = /[\u3400-\u9fff]/;
// characters that are only Traditional: their Simplified forms differ
const TRADITIONAL = /[戶號單數幣備計貨資訊說驗處結與運當類顯錯誤細項額聯絡嚴據務區儲價]/;
const label = async (page, id) => (await page.locator(`label[for="${id}"]`).first().innerText()).trim();

if (!BASE) {
  console.error('SLUICE_URL is required');
  process.exit(2);
}
const ADMIN_PASSWORD = process.env.SLUICE_ADMIN_PASSWORD || 'admin-e2e-pass';
const browser = await launch();
try {
  const { page: clerk } = await run.newPage(browser, 'clerk');
  const form = clerk.getByTestId('order-form');
  await run.step('the clerk opens the new-order form in English', clerk, async () => {
    await login(clerk, 'clerk');
    await clerk.goto(`${BASE}/orders/new?flow=order-review`);
    await setLang(clerk, 'en');
    await clerk.getByTestId('line-items').waitFor();
  });
  await run.step('its labels, options and help are English', clerk, async () => {
    const want = { root_customer_name: 'Customer name', root_ship_to_address: 'Shipping address', root_promised_date: 'Promised date', root_currency: 'Currency' };
    for (const [id, text] of Object.entries(want)) {
      const got = await label(clerk, id);
      if (!got.includes(text)) fail(`label of ${id} reads "${got}", expected "${text}"`);
    }
    const table = await clerk.getByTestId('line-items').innerText();
    for (const h of ['SKU', 'Product name', 'Quantity', 'Unit price']) if (!table.includes(h)) fail(`line items lack the column "${h}": ${table.slice(0, 200)}`);
    const text = await form.innerText();
    if (!text.includes('Key account (VIP)')) fail('the tier options are not in English');
    const cjk = text.split('\n').filter((l) => CJK.test(l));
    if (cjk.length) fail(`Chinese on the English form: ${cjk.join(' | ')}`);
    const ph = await clerk.locator('#root_ship_to_address').getAttribute('placeholder');
    if (ph && CJK.test(ph)) fail(`placeholder "${ph}" is Chinese`);
    await shot(clerk, 'order-form-1440-en');
  });
  await run.step('in 简体中文 the form is Simplified', clerk, async () => {
    await setLang(clerk, 'zh-CN');
    await clerk.getByTestId('line-items').waitFor();
    const got = await label(clerk, 'root_customer_name');
    if (!got.includes('客户名称')) fail(`label of the customer name reads "${got}"`);
    const trad = (await form.innerText()).split('\n').filter((l) => TRADITIONAL.test(l));
    if (trad.length) fail(`Traditional characters on the 简体 form: ${trad.join(' | ')}`);
    await shot(clerk, 'order-form-1440-zh-CN');
    await setLang(clerk, 'zh-TW');
  });

  const { page: mgr } = await run.newPage(browser, 'manager');
  await run.step('the sales board names its department in the UI language', mgr, async () => {
    await login(mgr, 'manager');
    await mgr.goto(`${BASE}/boards/sales`);
    for (const [lang, name] of [['en', 'Sales'], ['zh-CN', '业务部'], ['zh-TW', '業務部']]) {
      await setLang(mgr, lang);
      await mgr.getByTestId('board').waitFor();
      const shown = (await mgr.getByTestId('board-department').innerText()).trim();
      if (shown !== name) fail(`${lang}: the board's department reads "${shown}", expected "${name}"`);
      if (lang === 'en') {
        const cols = await mgr.getByTestId('board-column').allInnerTexts();
        const cjk = cols.map((c) => c.split('\n')[0]).filter((h) => CJK.test(h));
        if (cjk.length) fail(`Chinese column headings on the English board: ${cjk.join(' | ')}`);
        await shot(mgr, 'board-1440-en');
      }
    }
  });

  const { page: admin } = await run.newPage(browser, 'admin');
  const key = `north-${Date.now().toString(36)}`;
  await run.step('the admin adds a department named in three languages', admin, async () => {
    await login(admin, 'admin', ADMIN_PASSWORD);
    await admin.goto(`${BASE}/admin/departments`);
    await setLang(admin, 'en');
    await admin.getByTestId('departments-table').waitFor();
    const sales = (await admin.getByTestId('department-name-sales').innerText()).trim();
    if (sales !== 'Sales') fail(`the sales department reads "${sales}"`);
    await admin.getByTestId('department-new').click();
    await admin.getByTestId('department-key').fill(key);
    await admin.getByTestId('department-name-zh-TW').fill('北區業務部');
    await admin.getByTestId('department-name-zh-CN').fill('北区业务部');
    await admin.getByTestId('department-name-en').fill('Sales (North)');
    const [res] = await Promise.all([
      admin.waitForResponse((r) => r.url().endsWith('/api/v1/departments') && r.request().method() === 'POST'),
      admin.getByTestId('department-save').click(),
    ]);
    if (res.status() !== 201) fail(`POST /departments answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
    const cell = admin.getByTestId(`department-name-${key}`);
    await cell.waitFor();
    if ((await cell.innerText()).trim() !== 'Sales (North)') fail(`the new department reads "${await cell.innerText()}"`);
    await shot(admin, 'departments-1440-en');
    await setLang(admin, 'zh-CN');
    await cell.waitFor();
    if ((await cell.innerText()).trim() !== '北区业务部') fail(`in zh-CN the new department reads "${await cell.innerText()}"`);
    await setLang(admin, 'zh-TW');
  });
  run.log(`all ${run.passed} steps passed`);
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
