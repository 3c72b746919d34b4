// Durations on one chart share a unit chosen from the largest value, so bars stay readable.
export type DurationUnit = 's' | 'min' | 'h' | 'd';

const SECONDS: Record<DurationUnit, number> = { s: 1, min: 60, h: 3600, d: 86400 };

/** The largest unit in which `maxSeconds` is at least 1 (seconds for 0 or less). */
export function pickUnit(maxSeconds: number): DurationUnit {
  if (maxSeconds >= SECONDS.d) return 'd';
  if (maxSeconds >= SECONDS.h) return 'h';
  if (maxSeconds >= SECONDS.min) return 'min';
  return 's';
}

/** Seconds in `unit`, rounded to 2 decimals. */
export function inUnit(seconds: number, unit: DurationUnit): number {
  return Math.round((seconds / SECONDS[unit]) * 100) / 100;
}

/** A short human duration: 45 s, 12 min, 3.5 h, 2.1 d. */
export function formatDuration(seconds: number, labels: Record<DurationUnit, string>): string {
  const u = pickUnit(seconds);
  const v = inUnit(seconds, u);
  return `${u === 's' || u === 'min' ? Math.round(v) : Math.round(v * 10) / 10} ${labels[u]}`;
}
