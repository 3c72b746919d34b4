// GET /api/v1/flows/{key}/stats (backend/reporting/stats.go). Durations are seconds.
// Wire types: generated from the OpenAPI document (lib/api.gen.ts, `npm run gen:api`).
import type { components } from '../../../lib/api.gen';

export type Timing = components['schemas']['Timing'];
export type FlowStats = components['schemas']['FlowStats'];
