package definitions

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sluice/backend/durations"
)

func TestParseReminderExample(t *testing.T) {
	set := examples(t)
	r, ok := set.Reminder("order-review")
	require.True(t, ok)
	require.Equal(t, "order-review", r.Flow)
	require.Equal(t, "promised_date", r.DeadlineField)

	v := r.Rules["verify"]
	require.Equal(t, durations.Duration{Hours: 2}, v.RemindAfter)
	require.Equal(t, durations.Duration{Hours: 2}, v.RepeatEvery)
	require.Equal(t, 3, v.MaxTimes)
	require.Equal(t, durations.Duration{Days: 1}, v.EscalateAfter)
	require.Equal(t, &Escalation{ManagerLevels: 1}, v.EscalateTo)
	require.Equal(t, &Escalation{Role: "sales_manager"}, r.Rules["stock_exception"].EscalateTo)
	require.Equal(t, "return", r.Rules["finance_review"].AutoAction)
	require.Equal(t, durations.Duration{Days: 5}, r.Rules["finance_review"].AutoAfter)

	cal := r.Calendar
	require.Equal(t, "Asia/Taipei", cal.Location.String())
	require.Equal(t, 9*time.Hour, cal.Start)
	require.Equal(t, 18*time.Hour, cal.End)
	tp := cal.Location
	require.True(t, cal.IsWorkingTime(time.Date(2026, 3, 4, 10, 0, 0, 0, tp)))          // Wednesday
	require.False(t, cal.IsWorkingTime(time.Date(2026, 3, 4, 18, 0, 0, 0, tp)))         // after hours
	require.False(t, cal.IsWorkingTime(time.Date(2026, 3, 7, 10, 0, 0, 0, tp)))         // Saturday
	require.False(t, cal.IsWorkingDay(time.Date(2026, 1, 1, 10, 0, 0, 0, tp)))          // holiday
	require.True(t, cal.IsWorkingTime(time.Date(2026, 3, 4, 2, 0, 0, 0, time.UTC)))     // 10:00 in Taipei
	require.False(t, cal.IsWorkingDay(time.Date(2025, 12, 31, 16, 30, 0, 0, time.UTC))) // Jan 1 in Taipei

	require.Len(t, r.Schedules, 1)
	s := r.Schedules[0]
	require.Equal(t, "digest", s.Action)
	next := s.Next(time.Date(2026, 3, 6, 9, 0, 0, 0, tp)) // Friday after 08:30
	require.Equal(t, time.Date(2026, 3, 9, 8, 30, 0, 0, tp), next.In(tp))
}

func TestScheduleZoneDefaults(t *testing.T) {
	set := examples(t)
	body := `{"kind": "reminder", "key": "r", "flow": "order-review", "schedules": [
	  {"key": "utc", "cron": "0 9 * * *", "action": "digest"},
	  {"key": "shanghai", "cron": "@daily", "time_zone": "Asia/Shanghai", "action": "digest"}
	]}`
	r, ps := ParseReminder([]byte(body), set)
	require.Empty(t, ps)
	require.Equal(t, time.UTC, r.Schedules[0].Location)
	from := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	require.Equal(t, time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC), r.Schedules[0].Next(from).UTC())
	sh := r.Schedules[1].Location
	require.Equal(t, time.Date(2026, 1, 2, 0, 0, 0, 0, sh), r.Schedules[1].Next(from).In(sh))
}

func TestParseCronDoesNotPanic(t *testing.T) {
	for _, spec := range []string{"TZ=0", "CRON_TZ=", "TZ=", "CRON_TZ=Asia/Taipei"} {
		_, err := ParseCron(spec)
		require.Error(t, err, spec)
	}
	_, err := ParseCron("30 8 * * 1-5")
	require.NoError(t, err)
}

// FuzzCronSpec: parsing a cron spec never panics, whatever the input, and neither does
// checking it inside a reminder document.
func FuzzCronSpec(f *testing.F) {
	for _, seed := range []string{
		"30 8 * * 1-5", "@daily", "@every 1h", "@every 0s", "TZ=0", "CRON_TZ=", "TZ= ", "CRON_TZ=Asia/Taipei 0 9 * * *",
		"0 0 30 2 *", "*/0 * * * *", "0-", "1-0 * * * *", "60 * * * *", "* * * * * *", "@every -1s", "@", "", " ",
		"0 0 * * 7", "0 0 L * *", "?", "0/ * * * *", "1,2,,3 * * * *",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseCron(spec)
		if err == nil && s != nil {
			s.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		}
		r := &Reminder{Schedules: []*Schedule{{Key: "s", Cron: spec, Action: "digest"}}}
		c := reminderChecker{r: r}
		c.schedules()
	})
}
