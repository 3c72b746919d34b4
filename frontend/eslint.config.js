// ESLint for the web app: typescript-eslint (recommended), the React hooks rules, and the
// boundaries between features (docs/frontend-lint.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';

/**
 * What may import what, as eslint-plugin-boundaries reads it:
 * - a feature is a folder src/features/<name>; its own files import each other freely;
 * - shared code (src/lib, src/components, src/i18n, src/test) is open to everyone;
 * - anything outside a feature reaches it only through its public entry, src/features/<name>/index.ts;
 * - the app root (src/App.tsx, src/main.tsx) mounts the features' pages, lazily, so it may
 *   import a page module directly (a page behind an index.ts would pull it into the first chunk).
 */
export const boundaryElements = [
  { type: 'app', pattern: 'src/*.{ts,tsx}' },
  { type: 'feature', pattern: 'src/features/*', capture: ['feature'] },
  { type: 'shared', pattern: ['src/lib', 'src/components', 'src/i18n', 'src/test'] },
];

export const boundaryPolicies = [
  { from: { element: { type: 'app' } }, allow: { to: { element: { type: ['app', 'feature', 'shared'] } } } },
  { from: { element: { type: ['feature', 'shared'] } }, allow: { to: { element: { type: 'shared' } } } },
  // inside one feature
  { from: { element: { type: 'feature' } }, allow: { to: { element: { type: 'feature', captured: { feature: '{{ from.captured.feature }}' } } } } },
  // another feature (or shared code) only through the feature's index.ts
  { from: { element: { type: ['feature', 'shared'] } }, allow: { to: { element: { type: 'feature', fileInternalPath: 'index.ts' } } } },
];

export default tseslint.config(
  { ignores: ['dist/**', 'e2e/**', 'node_modules/**', 'src/lib/types.ts'] },
  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.browser },
    },
    plugins: { 'react-hooks': reactHooks, boundaries },
    settings: {
      'boundaries/elements': boundaryElements,
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } },
    },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'boundaries/dependencies': ['error', { default: 'disallow', policies: boundaryPolicies }],
      // unused names are tsc's job (noUnusedLocals, noUnusedParameters) — but `_`-prefixed ones are the intended way out
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
