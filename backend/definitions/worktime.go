package definitions

import (
	"strings"
	"time"

	"sluice/backend/durations"
)

// The calendar arithmetic of reminders: when a rule's duration ends and how an order's
// deadline brings it forward. The reminder timers (backend/remind) and the simulation
// of a flow both use it, so it lives with the definition it reads.

// AddWorking returns from + d. Without a calendar a day is 24 hours. With one, d
// counts working time only (a day being one working day's hours): the walk steps over
// nights, weekends and holidays in the calendar's zone. Durations are absolute, so a
// DST change neither adds nor removes an hour of working time; the result is UTC.
func AddWorking(cal *Calendar, from time.Time, d durations.Duration) time.Time {
	if cal == nil || cal.Location == nil || cal.End <= cal.Start {
		return from.Add(d.Std()).UTC()
	}
	left := time.Duration(d.Days)*(cal.End-cal.Start) + time.Duration(d.Hours)*time.Hour + time.Duration(d.Minutes)*time.Minute
	t := from.In(cal.Location)
	// A calendar without a single working day would loop forever: give up after ten
	// years of days and fall back to wall-clock time.
	for i := 0; left > 0; i++ {
		if i > 3660 {
			return from.Add(d.Std()).UTC()
		}
		y, m, day := t.Date()
		start, end := wallClock(y, m, day, cal.Start, cal.Location), wallClock(y, m, day, cal.End, cal.Location)
		next := time.Date(y, m, day+1, 0, 0, 0, 0, cal.Location)
		if !cal.IsWorkingDay(t) || !t.Before(end) {
			t = next
			continue
		}
		if t.Before(start) {
			t = start
		}
		if span := end.Sub(t); span >= left {
			return t.Add(left).UTC()
		} else {
			left -= span
		}
		t = next
	}
	return t.UTC()
}

func wallClock(y int, m time.Month, d int, off time.Duration, loc *time.Location) time.Time {
	return time.Date(y, m, d, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, loc)
}

// DeadlineLead is how long before an order's deadline (the reminder definition's
// deadline_field) its reminders and escalations fall due at the latest.
const DeadlineLead = 24 * time.Hour

// OrderDeadline reads the reminder's deadline_field from the order's data: a date
// (YYYY-MM-DD, the start of that day in the calendar's zone, else UTC) or an RFC 3339
// time. ok is false when the rule names none or the order has no valid value.
func OrderDeadline(rem *Reminder, data map[string]any) (time.Time, bool) {
	if rem == nil || rem.DeadlineField == "" {
		return time.Time{}, false
	}
	var v any = data
	for _, part := range strings.Split(rem.DeadlineField, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return time.Time{}, false
		}
		v = m[part]
	}
	str, _ := v.(string)
	loc := time.UTC
	if rem.Calendar != nil && rem.Calendar.Location != nil {
		loc = rem.Calendar.Location
	}
	if t, err := time.ParseInLocation(time.DateOnly, str, loc); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, str); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// CapDue moves a due time forward to DeadlineLead before the deadline when that is
// still ahead. A deadline already that close or past leaves the rule's own timing (the
// reminders then say urgent) rather than firing every timer of the task at once.
func CapDue(due, deadline, now time.Time) time.Time {
	latest := deadline.Add(-DeadlineLead)
	if due.Before(latest) || !latest.After(now) {
		return due
	}
	return latest.UTC()
}
