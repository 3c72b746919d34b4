package api_test

import (
	"testing"
	"time"

	"sluice/backend/store/storetest"
)

func TestScheduleCheckRoute(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	admin := e.login("admin")
	var res struct {
		OK     bool
		Next   []time.Time
		Errors []struct{ Pointer, Message string }
	}
	r := e.do("POST", "/api/v1/reminders/schedules/check", admin, map[string]any{"cron": "30 8 * * 1-5", "time_zone": "Asia/Taipei", "count": 3})
	r.json(t, &res)
	if r.status != 200 || !res.OK || len(res.Next) != 3 || len(res.Errors) != 0 {
		t.Fatalf("weekdays: %d %s", r.status, r.body)
	}
	tp, _ := time.LoadLocation("Asia/Taipei")
	for _, n := range res.Next {
		if l := n.In(tp); l.Hour() != 8 || l.Minute() != 30 || l.Weekday() == time.Saturday || l.Weekday() == time.Sunday || !n.After(time.Now()) {
			t.Fatalf("run %v is not a weekday 08:30 in Taipei after now: %s", n, r.body)
		}
	}
	for spec, ptr := range map[string]string{"0 0 * * 7": "/cron", "TZ=UTC 0 9 * * *": "/cron", "@every 10s": "/cron", "0 0 9 * * *": "/cron"} {
		r = e.do("POST", "/api/v1/reminders/schedules/check", admin, map[string]any{"cron": spec})
		res.Errors = nil
		r.json(t, &res)
		if r.status != 200 || res.OK || len(res.Next) != 0 || len(res.Errors) != 1 || res.Errors[0].Pointer != ptr {
			t.Fatalf("%q: %d %s", spec, r.status, r.body)
		}
	}
	r = e.do("POST", "/api/v1/reminders/schedules/check", admin, map[string]any{"cron": "@daily", "time_zone": "Nowhere/City"})
	r.json(t, &res)
	if r.status != 200 || res.OK || res.Errors[0].Pointer != "/time_zone" {
		t.Fatalf("zone: %d %s", r.status, r.body)
	}
	// with its code, in the reader's language
	var coded struct {
		Errors []struct{ Pointer, Code, Message string }
	}
	r = e.do("POST", "/api/v1/reminders/schedules/check", admin, map[string]any{"cron": "@every 10s"}, "Accept-Language", "zh-TW")
	r.json(t, &coded)
	if len(coded.Errors) != 1 || coded.Errors[0].Code != "definition.reminder.cron_too_often" || coded.Errors[0].Message != "觸發頻率超過每分鐘一次；請用 @every 1m 或更長的間隔" {
		t.Fatalf("zh-TW: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/reminders/schedules/check", admin, `{"cron":"@daily","extra":1}`); r.status != 400 {
		t.Fatalf("unknown field: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/reminders/schedules/check", "", map[string]any{"cron": "@daily"}); r.status != 401 {
		t.Fatalf("anonymous: %d %s", r.status, r.body)
	}
}
