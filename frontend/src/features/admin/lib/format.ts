/** Splits seconds into days, hours, minutes and seconds (whole, non-negative). */
export function splitDuration(totalSeconds: number): { d: number; h: number; m: number; s: number } {
  let rest = Math.max(0, Math.floor(Number.isFinite(totalSeconds) ? totalSeconds : 0));
  const d = Math.floor(rest / 86400);
  rest -= d * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  return { d, h, m, s: rest - m * 60 };
}

/**
 * The two largest non-zero units of a duration, as [unit, value] pairs ("3 d 4 h", "5 min 2 s");
 * under a second it is [['s', 0]].
 */
export function durationParts(totalSeconds: number): Array<['d' | 'h' | 'm' | 's', number]> {
  const parts = splitDuration(totalSeconds);
  const units = (['d', 'h', 'm', 's'] as const).filter((u) => parts[u] > 0);
  if (units.length === 0) return [['s', 0]];
  const first = (['d', 'h', 'm', 's'] as const).indexOf(units[0]);
  return (['d', 'h', 'm', 's'] as const)
    .slice(first, first + 2)
    .filter((u) => parts[u] > 0)
    .map((u) => [u, parts[u]]);
}

/** A byte count in B / KiB / MiB / GiB / TiB with at most one decimal. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Math.max(0, bytes);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
