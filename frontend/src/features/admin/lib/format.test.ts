import { describe, expect, it } from 'vitest';
import { durationParts, formatBytes, splitDuration } from './format';

describe('format', () => {
  it('splits durations', () => {
    expect(splitDuration(90061)).toEqual({ d: 1, h: 1, m: 1, s: 1 });
    expect(splitDuration(-5)).toEqual({ d: 0, h: 0, m: 0, s: 0 });
  });
  it('keeps the two largest non-zero units', () => {
    expect(durationParts(90061)).toEqual([['d', 1], ['h', 1]]);
    expect(durationParts(86400 + 60)).toEqual([['d', 1]]);
    expect(durationParts(125)).toEqual([['m', 2], ['s', 5]]);
    expect(durationParts(0.4)).toEqual([['s', 0]]);
  });
  it('formats bytes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(250 * 1024 * 1024)).toBe('250 MiB');
  });
});
