// Time zones for the reminder editor. Cron specs are read by the server only
// (api/schedules.ts: the preview asks POST /reminders/schedules/check).
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc';
import timezone from 'dayjs/plugin/timezone';

dayjs.extend(utc);
dayjs.extend(timezone);

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
