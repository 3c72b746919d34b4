import { describe, expect, it } from 'vitest';
import { initialProgress, mappingError, parseProgress, percent, progressReducer, type ProgressEvent } from './lib';
import type { ImportJob } from './api';

const ev = (e: Partial<ProgressEvent>): ProgressEvent => ({ id: 7, status: 'running', processed: 0, total: 100, created: 0, skipped: 0, failed: 0, ...e });

describe('progressReducer', () => {
  it('keeps the latest counts per import', () => {
    let s = progressReducer(initialProgress, { type: 'event', event: ev({ processed: 25, created: 25 }) });
    s = progressReducer(s, { type: 'event', event: ev({ processed: 50, created: 48, failed: 2 }) });
    expect(s.jobs[7]).toMatchObject({ processed: 50, created: 48, failed: 2 });
    expect(percent(s.jobs[7])).toBe(50);
  });
  it('ignores an older event after a newer one', () => {
    let s = progressReducer(initialProgress, { type: 'event', event: ev({ processed: 75 }) });
    s = progressReducer(s, { type: 'event', event: ev({ processed: 25 }) });
    expect(s.jobs[7].processed).toBe(75);
  });
  it('stays finished once done and folds fetched jobs in', () => {
    const job = { id: 7, status: 'done', total: 100, created: 90, skipped: 5, failed: 5, errors: [] } as unknown as ImportJob;
    let s = progressReducer(initialProgress, { type: 'job', job });
    expect(s.jobs[7]).toMatchObject({ status: 'done', processed: 100 });
    s = progressReducer(s, { type: 'event', event: ev({ processed: 100, status: 'running' }) });
    expect(s.jobs[7].status).toBe('done');
    expect(percent(s.jobs[7])).toBe(100);
  });
  it('parses live event data and rejects junk', () => {
    expect(parseProgress({ id: 3, status: 'running', processed: '25', total: 50 })).toMatchObject({ id: 3, processed: 25, total: 50, created: 0 });
    expect(parseProgress({ status: 'running' })).toBeNull();
  });
});

describe('mappingError', () => {
  it('accepts empty text and objects only', () => {
    expect(mappingError('')).toBeNull();
    expect(mappingError('{"fields": {}}')).toBeNull();
    expect(mappingError('[1]')).toBe('object');
    expect(mappingError('{')).toBe('json');
  });
});
