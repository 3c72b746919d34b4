import { describe, expect, it } from 'vitest';
import { isTimeZone } from './cron';

describe('isTimeZone', () => {
  it.each([
    ['Asia/Taipei', true],
    ['UTC', true],
    ['Mars/Olympus', false],
    ['', false],
    [undefined, false],
  ])('%j → %s', (tz, want) => {
    expect(isTimeZone(tz)).toBe(want);
  });
});
