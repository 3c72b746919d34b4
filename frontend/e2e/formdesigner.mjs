#!/usr/bin/env node
// End-to-end check of the form designer against a running Sluice server with the demo seed:
// the admin creates a form, drags a text field and a money field from the palette onto the canvas, names
// them, sees both in the live preview, adds a computed total with a bad expression (the server's 422 shows at
// that field) and removes it, saves the draft and publishes it (version 1).
// Screenshots: test-output/e2e/formdesigner-*.png
//
//   SLUICE_URL=http://127.0.0.1:8080 node frontend/e2e/formdesigner.mjs
//
// Optional environment: SLUICE_ADMIN (admin), SLUICE_ADMIN_PASSWORD (admin-e2e-pass), SLUICE_E2E_TIMEOUT_MS (20000),
// CHROMIUM_PATH (/usr/bin/chromium), SLUICE_E2E_HEADED=1.
import { BASE, fail, launch, login, steps } from './harness.mjs';

const ADMIN = process.env.SLUICE_ADMIN || 'admin';
const PASSWORD = process.env.SLUICE_ADMIN_PASSWORD || 'admin-e2e-pass';
const FORM = `e2e-form-${Date.now().toString(36)}`;

const run = steps('[formdesigner]', 'formdesigner-');
const { log, shot, step, newPage } = run;

/** dnd-kit listens to pointer events: press, move past its 4px activation distance, move over the target, release. */
async function drag(page, source, target, where = 'center') {
  const from = await source.boundingBox();
  const to = await target.boundingBox();
  if (!from || !to) fail('drag source or target not visible');
  const tx = to.x + to.width / 2;
  const ty = where === 'bottom' ? to.y + to.height - 20 : to.y + to.height / 2;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 10, from.y + from.height / 2 + 10, { steps: 3 });
  await page.mouse.move(tx, ty, { steps: 12 });
  await page.mouse.move(tx, ty + 1, { steps: 2 });
  await page.mouse.up();
}

async function main() {
  if (!BASE) {
    console.error('[formdesigner] set SLUICE_URL');
    process.exit(2);
  }
  const browser = await launch();
  const started = Date.now();
  const { page } = await newPage(browser, ADMIN, { width: 1600, height: 1000 });
  try {
    await step('admin creates a new form', page, async () => {
      await login(page, ADMIN, PASSWORD);
      await page.getByTestId('nav-forms').click();
      await page.getByTestId('forms-row-order').waitFor();
      await shot(page, 'forms-list');
      await page.getByTestId('forms-new').click();
      await page.getByTestId('forms-new-key').fill(FORM);
      await page.getByTestId('forms-new-ok').click();
      await page.getByTestId('fd-canvas').waitFor();
    });

    await step('drag a text field and a money field onto the canvas', page, async () => {
      const canvas = page.getByTestId('fd-canvas');
      await drag(page, page.getByTestId('fd-palette-text'), canvas);
      await page.getByTestId('fd-field-text').waitFor();
      await drag(page, page.getByTestId('fd-palette-money'), canvas, 'bottom');
      await page.getByTestId('fd-field-amount').waitFor();
      const order = await page.locator('[data-testid^="fd-field-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
      if (order.join() !== 'fd-field-text,fd-field-amount') fail(`fields on the canvas: ${order}`);
      await shot(page, 'dropped');
    });

    await step('edit the fields in the properties panel', page, async () => {
      await page.getByTestId('fd-field-text').click();
      await page.getByTestId('fd-prop-key').fill('customer_name');
      await page.getByTestId('fd-prop-title-zh-TW').fill('客戶名稱');
      await page.getByTestId('fd-prop-title-en').fill('Customer name');
      await page.getByTestId('fd-prop-required').click();
      await page.getByTestId('fd-field-amount').click();
      await page.getByTestId('fd-prop-title-zh-TW').fill('訂單金額');
      await page.getByTestId('fd-prop-maximum').fill('1000000');
    });

    await step('the live preview shows both fields', page, async () => {
      const preview = page.getByTestId('fd-preview');
      await preview.getByText('客戶名稱').waitFor();
      await preview.getByText('訂單金額').waitFor();
      if ((await preview.locator('input').count()) < 2) fail('the preview has fewer than 2 inputs');
      await preview.locator('input').first().fill('台北精密機械');
      await page.getByTestId('fd-preview').scrollIntoViewIfNeeded();
      await shot(page, 'preview');
    });

    await step('a bad computed expression: the server error shows at the field', page, async () => {
      await drag(page, page.getByTestId('fd-palette-computed'), page.getByTestId('fd-canvas'), 'bottom');
      await page.getByTestId('fd-field-total').waitFor();
      await page.getByTestId('fd-prop-expression').fill('sum(order.amount');
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`/api/v1/definitions/forms/${FORM}`) && r.request().method() === 'PUT'),
        page.getByTestId('fd-save').click(),
      ]);
      if (res.status() !== 422) fail(`a bad expression was answered ${res.status()}`);
      await page.locator('[data-testid="fd-field-total"][data-error="true"]').waitFor();
      await page.getByTestId('fd-prop-server-error').waitFor();
      await shot(page, 'server-error');
      await page.getByTestId('fd-prop-remove').click();
      await page.locator('.ant-popconfirm .ant-btn-primary').click();
      await page.getByTestId('fd-field-total').waitFor({ state: 'detached' });
    });

    await step('save the draft', page, async () => {
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`/api/v1/definitions/forms/${FORM}`) && r.request().method() === 'PUT'),
        page.getByTestId('fd-save').click(),
      ]);
      if (res.status() !== 200) fail(`save answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
      const body = await res.json();
      const props = Object.keys(body.draft?.schema?.properties ?? {});
      if (props.join() !== 'customer_name,amount') fail(`saved properties ${props}`);
      if ((body.draft.schema.required ?? []).join() !== 'customer_name') fail(`required ${body.draft.schema.required}`);
      await page.getByTestId('fd-status').getByText('有草稿').waitFor();
    });

    await step('publish it', page, async () => {
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`/api/v1/definitions/forms/${FORM}/publish`)),
        page.getByTestId('fd-publish').click(),
      ]);
      if (res.status() !== 200) fail(`publish answered ${res.status()}: ${(await res.text()).slice(0, 300)}`);
      const body = await res.json();
      if (body.version !== 1) fail(`published version ${body.version}`);
      await page.getByTestId('fd-status').getByText('第 1 版').waitFor();
      await shot(page, 'published');
    });
    log(`all ${run.stepNo} steps passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error('[formdesigner] FAILED:', e.message);
  process.exit(1);
});
