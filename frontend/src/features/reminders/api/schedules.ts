import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, type FieldError } from '../../../lib/api';

/** The server's reading of a schedule's cron spec (POST /reminders/schedules/check). */
export interface ScheduleCheck {
  ok: boolean;
  /** The next runs (RFC 3339), when ok. */
  next: string[];
  /** When not ok: the one thing to fix, at /cron or /time_zone. */
  errors: FieldError[];
}

/** `value`, once it has stopped changing for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return settled;
}

/**
 * The next runs of `cron` in time zone `tz`, as the server reads it: the same parser that publishing
 * the reminder uses, so the preview accepts exactly what a save accepts. Asks once typing pauses.
 */
export function useSchedulePreview(cron: string | undefined, tz: string, count = 5) {
  const spec = useSettled(cron?.trim() ?? '', 300);
  const zone = useSettled(tz, 300);
  return useQuery({
    queryKey: ['reminders', 'schedule-check', spec, zone, count],
    queryFn: () => api.post<ScheduleCheck>('/reminders/schedules/check', { cron: spec, time_zone: zone, count }),
    enabled: spec !== '',
    staleTime: 30_000,
    placeholderData: keepPreviousData,
  });
}
