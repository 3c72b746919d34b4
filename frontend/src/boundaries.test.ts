// @vitest-environment node
// The feature boundaries are a lint rule; this proves the rule is on and bites, so turning it
// off (or down to a warning) fails the tests rather than passing silently.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// frontend/, where eslint.config.js is
const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const at = (file: string) => `${root}/${file}`;
const eslint = new ESLint({ cwd: root });

/** The boundary messages ESLint gives `code` as if it were the file `file` (relative to frontend/). */
async function boundaryErrors(file: string, code: string) {
  const [res] = await eslint.lintText(code, { filePath: at(file) });
  return res.messages.filter((m) => m.ruleId === 'boundaries/dependencies').map((m) => `${m.severity}: ${m.message}`);
}

describe('feature boundaries', () => {
  it('are an error in the lint config', async () => {
    const config = await eslint.calculateConfigForFile(at('src/features/orders/components/Probe.tsx'));
    const rule = config.rules['boundaries/dependencies'];
    expect(rule[0]).toBe(2);
  });

  it("refuse a feature importing another feature's internals", async () => {
    const errs = await boundaryErrors('src/features/orders/components/Probe.tsx', "import { layoutDoc } from '../../designer/lib/layout';\nexport const x = layoutDoc;\n");
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^2: .*feature="designer"/);
  });

  it('refuse shared code importing a feature by its internals', async () => {
    const errs = await boundaryErrors('src/lib/probe.ts', "import { orderKeys } from '../features/orders/api/keys';\nexport const x = orderKeys;\n");
    expect(errs).toHaveLength(1);
  });

  it("allow a feature's public entry, its own files, and shared code", async () => {
    const code = [
      "import { layoutDoc } from '../../designer';",
      "import { orderKeys } from '../api/keys';",
      "import { api } from '../../../lib/api';",
      "import { ErrorAlert } from '../../../components/ErrorAlert';",
      'export const x = [layoutDoc, orderKeys, api, ErrorAlert];',
      '',
    ].join('\n');
    expect(await boundaryErrors('src/features/orders/components/Probe.tsx', code)).toEqual([]);
  });

  it('allow the app root to mount a page module directly', async () => {
    const code = "export const load = () => import('./features/designer/components/DesignerPage');\nimport { InboxPage } from './features/tasks/components/InboxPage';\nexport const p = InboxPage;\n";
    expect(await boundaryErrors('src/App.tsx', code)).toEqual([]);
  });
});
