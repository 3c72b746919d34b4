import dayjs from 'dayjs';

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '';
  const d = dayjs(value);
  return d.isValid() ? d.format('YYYY-MM-DD HH:mm') : String(value);
}

export function formatMoney(value: number | string | null | undefined, lang: string): string {
  if (value === null || value === undefined || value === '') return '';
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return String(value);
  return new Intl.NumberFormat(lang, { minimumFractionDigits: 0, maximumFractionDigits: 2 }).format(n);
}

type Translate = (key: string, values?: Record<string, unknown>) => string;

/** A wait in seconds as words ("9 分 58 秒", "9 min 58 s"), through the `duration.*` texts. */
export function formatWait(seconds: number, t: Translate): string {
  const total = Math.max(0, Math.ceil(seconds));
  const m = Math.floor(total / 60);
  const s = total % 60;
  if (m === 0) return t('duration.seconds', { s });
  if (s === 0) return t('duration.minutes', { m });
  return t('duration.minutesSeconds', { m, s });
}
