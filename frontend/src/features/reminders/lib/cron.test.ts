import { describe, expect, it } from 'vitest';
import { CronError, isTimeZone, nextRuns, parseCron } from './cron';

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe('nextRuns', () => {
  // 2026-11-27 is a Friday
  const from = new Date('2026-11-27T00:00:00Z');
  it.each<[string, string, string[]]>([
    ['30 8 * * 1-5', 'Asia/Taipei', ['2026-11-27T00:30:00.000Z', '2026-11-30T00:30:00.000Z', '2026-12-01T00:30:00.000Z']],
    ['0 9 * * *', 'UTC', ['2026-11-27T09:00:00.000Z', '2026-11-28T09:00:00.000Z', '2026-11-29T09:00:00.000Z']],
    ['*/15 * * * *', 'UTC', ['2026-11-27T00:15:00.000Z', '2026-11-27T00:30:00.000Z', '2026-11-27T00:45:00.000Z']],
    ['@monthly', 'UTC', ['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z']],
    ['0 12 1 * mon', 'UTC', ['2026-11-30T12:00:00.000Z', '2026-12-01T12:00:00.000Z', '2026-12-07T12:00:00.000Z']],
    ['0 0 29 2 *', 'UTC', ['2028-02-29T00:00:00.000Z']],
    ['0 18 * dec sun', 'Asia/Shanghai', ['2026-12-06T10:00:00.000Z', '2026-12-13T10:00:00.000Z', '2026-12-20T10:00:00.000Z']],
  ])('%s in %s', (spec, tz, want) => {
    expect(iso(nextRuns(spec, tz, from, want.length))).toEqual(want);
  });
});

describe('parseCron', () => {
  it.each(['', '* * * *', '60 * * * *', '* 24 * * *', '5-1 * * * *', '*/0 * * * *', '@sometimes', '0 9 * * funday'])('rejects %j', (spec) => {
    expect(() => parseCron(spec)).toThrow(CronError);
  });
  it('reads 7 as Sunday', () => {
    expect([...parseCron('0 0 * * 7').weekdays]).toEqual([0]);
  });
});

describe('isTimeZone', () => {
  it.each<[string | undefined, boolean]>([
    ['Asia/Taipei', true],
    ['UTC', true],
    ['Mars/Olympus', false],
    [undefined, false],
  ])('%s', (tz, want) => expect(isTimeZone(tz)).toBe(want));
});
