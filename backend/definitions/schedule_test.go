package definitions

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// What a reminder schedule's cron spec may be: the table the editor's preview is held to,
// since it asks the server (POST /api/v1/reminders/schedules/check → PreviewSchedule).
func TestPreviewScheduleAccepts(t *testing.T) {
	from := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC) // a Friday
	for _, tc := range []struct {
		spec, tz string
		want     []string
	}{
		{"30 8 * * 1-5", "Asia/Taipei", []string{"2026-11-27T00:30:00Z", "2026-11-30T00:30:00Z", "2026-12-01T00:30:00Z"}},
		{"0 9 * * *", "UTC", []string{"2026-11-27T09:00:00Z", "2026-11-28T09:00:00Z", "2026-11-29T09:00:00Z"}},
		{"0 9 * * *", "", []string{"2026-11-27T09:00:00Z", "2026-11-28T09:00:00Z", "2026-11-29T09:00:00Z"}},
		{"*/15 * * * *", "UTC", []string{"2026-11-27T00:15:00Z", "2026-11-27T00:30:00Z", "2026-11-27T00:45:00Z"}},
		{"@monthly", "UTC", []string{"2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"}},
		{"@daily", "Asia/Taipei", []string{"2026-11-27T16:00:00Z", "2026-11-28T16:00:00Z", "2026-11-29T16:00:00Z"}},
		{"@every 1h", "UTC", []string{"2026-11-27T01:00:00Z", "2026-11-27T02:00:00Z", "2026-11-27T03:00:00Z"}},
		{"@every 1m", "UTC", []string{"2026-11-27T00:01:00Z", "2026-11-27T00:02:00Z"}},
		{"0 12 1 * mon", "UTC", []string{"2026-11-30T12:00:00Z", "2026-12-01T12:00:00Z", "2026-12-07T12:00:00Z"}},
		{"0 0 29 2 *", "UTC", []string{"2028-02-29T00:00:00Z"}},
		{"0 18 * dec sun", "Asia/Shanghai", []string{"2026-12-06T10:00:00Z", "2026-12-13T10:00:00Z", "2026-12-20T10:00:00Z"}},
		{"0 9 ? * *", "UTC", []string{"2026-11-27T09:00:00Z"}},
		{"  0 9 * * *  ", "UTC", []string{"2026-11-27T09:00:00Z"}},
	} {
		got, p := PreviewSchedule(tc.spec, tc.tz, from, len(tc.want))
		if p != nil {
			t.Errorf("%q in %q refused: %v", tc.spec, tc.tz, p)
			continue
		}
		var s []string
		for _, g := range got {
			s = append(s, g.UTC().Format(time.RFC3339))
		}
		if strings.Join(s, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q in %q: got %v, want %v", tc.spec, tc.tz, s, tc.want)
		}
	}
}

func TestPreviewScheduleRefuses(t *testing.T) {
	from := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ spec, tz, pointer, says string }{
		{"", "UTC", "/cron", "5 fields"},
		{"* * * *", "UTC", "/cron", "5 fields"},
		{"0 0 9 * * *", "UTC", "/cron", "5 fields"}, // seconds: the server's parser has none
		{"60 * * * *", "UTC", "/cron", "5 fields"},
		{"* 24 * * *", "UTC", "/cron", "5 fields"},
		{"5-1 * * * *", "UTC", "/cron", "5 fields"},
		{"*/0 * * * *", "UTC", "/cron", "5 fields"},
		{"0 0 * * 7", "UTC", "/cron", "5 fields"}, // Sunday is 0 only
		{"0 9 * * funday", "UTC", "/cron", "5 fields"},
		{"0 9 L * *", "UTC", "/cron", "5 fields"},
		{"@sometimes", "UTC", "/cron", "5 fields"},
		{"@every", "UTC", "/cron", "5 fields"},
		{"@every 30s", "UTC", "/cron", "once a minute"},
		{"TZ=Asia/Taipei 0 9 * * *", "UTC", "/cron", "time_zone"},
		{"CRON_TZ=UTC 0 9 * * *", "UTC", "/cron", "time_zone"},
		{"0 0 30 2 *", "UTC", "/cron", "never fires"},
		{"0 9 * * *", "Mars/Olympus", "/time_zone", "unknown time zone"},
		{"0 9 * * *", "Local", "/time_zone", "name a time zone"},
	} {
		got, p := PreviewSchedule(tc.spec, tc.tz, from, 3)
		if p == nil {
			t.Errorf("%q in %q accepted: %v", tc.spec, tc.tz, got)
			continue
		}
		if p.Pointer != tc.pointer || !strings.Contains(p.Message, tc.says) || !strings.HasPrefix(p.Code, "definition.reminder.") {
			t.Errorf("%q in %q: %v, want %s saying %q", tc.spec, tc.tz, p, tc.pointer, tc.says)
		}
	}
}

// A reminder definition refuses a schedule exactly when the preview does, with the same words
// (checked through ParseReminder, not just the function both share).
func TestPreviewScheduleAgreesWithPublish(t *testing.T) {
	set := examples(t)
	for _, spec := range []string{"0 9 * * 1-5", "@every 1h", "@every 30s", "0 0 * * 7", "TZ=UTC 0 9 * * *", "0 0 30 2 *", "0 0 9 * * *", "@weekly"} {
		_, p := PreviewSchedule(spec, "Asia/Taipei", time.Now(), 1)
		body, _ := json.Marshal(map[string]any{"kind": "reminder", "key": "r", "flow": "order-review",
			"schedules": []map[string]string{{"key": "s", "cron": spec, "time_zone": "Asia/Taipei", "action": "digest"}}})
		_, ps := ParseReminder(body, set)
		if p == nil {
			if len(ps) != 0 {
				t.Errorf("%q: preview accepts, publish refuses: %v", spec, ps)
			}
			continue
		}
		if len(ps) != 1 || ps[0].Pointer != "/schedules/0"+p.Pointer || ps[0].Message != p.Message || ps[0].Code != p.Code {
			t.Errorf("%q: preview %v, publish %v", spec, p, ps)
		}
	}
}
