// A client-side reading of standard 5-field cron specs (minute hour day-of-month month day-of-week, or a
// descriptor such as @daily) to preview the next runs in a time zone. The server stays the judge on save.
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc';
import timezone from 'dayjs/plugin/timezone';

dayjs.extend(utc);
dayjs.extend(timezone);

export interface CronSpec {
  minutes: number[];
  hours: number[];
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Day of month / day of week given as "*": with both restricted a day matches either (the cron rule). */
  anyDay: boolean;
  anyWeekday: boolean;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export class CronError extends Error {}

function field(src: string, lo: number, hi: number, names?: string[], offset = 0): Set<number> {
  const out = new Set<number>();
  const val = (s: string) => {
    const i = names?.indexOf(s.toLowerCase()) ?? -1;
    const n = i >= 0 ? i + offset : /^\d+$/.test(s) ? Number(s) : NaN;
    if (Number.isNaN(n) || n < lo || n > hi) throw new CronError(`"${s}" is not in ${lo}–${hi}`);
    return n;
  };
  for (const part of src.split(',')) {
    const [range, stepS] = part.split('/');
    const step = stepS === undefined ? 1 : Number(stepS);
    if (!Number.isInteger(step) || step < 1) throw new CronError(`bad step in "${part}"`);
    let a: number;
    let b: number;
    if (range === '*' || range === '?') [a, b] = [lo, hi];
    else if (range.includes('-')) {
      const [x, y] = range.split('-');
      [a, b] = [val(x), val(y)];
      if (a > b) throw new CronError(`bad range "${range}"`);
    } else {
      a = val(range);
      b = stepS === undefined ? a : hi;
    }
    for (let i = a; i <= b; i += step) out.add(i);
  }
  return out;
}

/** Parses a spec; throws CronError with the reason when it is not one. */
export function parseCron(spec: string): CronSpec {
  const s = spec.trim();
  const expanded = s.startsWith('@') ? DESCRIPTORS[s.toLowerCase()] : s;
  if (!expanded) throw new CronError(`unknown descriptor ${s}`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) throw new CronError('expected 5 fields: minute hour day-of-month month day-of-week');
  const [mi, h, dom, mon, dow] = parts;
  const weekdays = field(dow, 0, 7, DAYS);
  if (weekdays.has(7)) (weekdays.delete(7), weekdays.add(0));
  return {
    minutes: [...field(mi, 0, 59)].sort((x, y) => x - y),
    hours: [...field(h, 0, 23)].sort((x, y) => x - y),
    days: field(dom, 1, 31),
    months: field(mon, 1, 12, MONTHS, 1),
    weekdays,
    anyDay: dom === '*' || dom === '?',
    anyWeekday: dow === '*' || dow === '?',
  };
}

function dayMatches(c: CronSpec, day: number, weekday: number): boolean {
  if (c.anyDay && c.anyWeekday) return true;
  if (c.anyDay) return c.weekdays.has(weekday);
  if (c.anyWeekday) return c.days.has(day);
  return c.days.has(day) || c.weekdays.has(weekday);
}

/** The next `count` runs after `from` of `spec` read in time zone `tz`, as Date values (searching up to 5 years). */
export function nextRuns(spec: string, tz: string, from: Date, count = 5): Date[] {
  const c = parseCron(spec);
  const out: Date[] = [];
  let day = dayjs(from).tz(tz).startOf('day');
  for (let i = 0; i < 366 * 5 && out.length < count; i++, day = day.add(1, 'day')) {
    if (!c.months.has(day.month() + 1) || !dayMatches(c, day.date(), day.day())) continue;
    const date = day.format('YYYY-MM-DD');
    for (const h of c.hours) {
      for (const m of c.minutes) {
        const at = dayjs.tz(`${date} ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`, tz);
        if (at.valueOf() > from.getTime()) out.push(at.toDate());
        if (out.length >= count) return out;
      }
    }
  }
  return out;
}

/** True when `tz` is a time zone this browser knows. */
export function isTimeZone(tz: string | undefined): boolean {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
