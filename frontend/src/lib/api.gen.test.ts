/// <reference types="node" />
// @vitest-environment node
// api.gen.ts is generated from the OpenAPI document (backend/api/openapi.json) by
// `npm run gen:api`. This test regenerates it the same way and fails when the checked-in
// file is stale, so the front end's wire types cannot drift from the document.
import { readFileSync } from 'node:fs';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { test } from 'vitest';

const doc = new URL('../../../backend/api/openapi.json', import.meta.url);
const generated = new URL('./api.gen.ts', import.meta.url);

test('api.gen.ts is what `npm run gen:api` makes of openapi.json', async () => {
  const want = COMMENT_HEADER + astToString(await openapiTS(doc, { silent: true }));
  const got = readFileSync(generated, 'utf8');
  if (got !== want) {
    throw new Error('frontend/src/lib/api.gen.ts is stale: run `npm run gen:api` (in frontend/) and commit the result');
  }
}, 60_000);
