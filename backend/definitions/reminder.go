package definitions

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones must load on machines without a zoneinfo database

	"github.com/robfig/cron/v3"

	"sluice/backend/durations"
	"sluice/backend/engine"
)

// Reminder is a compiled reminder definition: SLA rules per review node of a flow, an
// optional working calendar and cron schedules.
type Reminder struct {
	Key           string           `json:"key"`
	Name          engine.Text      `json:"name,omitempty"`
	Description   engine.Text      `json:"description,omitempty"`
	Flow          string           `json:"flow"`
	Rules         map[string]*Rule `json:"rules,omitempty"` // node id → rule
	DeadlineField string           `json:"deadline_field,omitempty"`
	Calendar      *Calendar        `json:"calendar,omitempty"`
	Schedules     []*Schedule      `json:"schedules,omitempty"`
}

// Rule says what happens while an order waits at a review node. Zero durations are unset.
type Rule struct {
	RemindAfter   durations.Duration `json:"remind_after,omitzero"`
	RepeatEvery   durations.Duration `json:"repeat_every,omitzero"`
	MaxTimes      int                `json:"max_times,omitempty"` // 0: once, or unlimited repeats if RepeatEvery is set
	EscalateAfter durations.Duration `json:"escalate_after,omitzero"`
	EscalateTo    *Escalation        `json:"escalate_to,omitempty"`
	AutoAfter     durations.Duration `json:"auto_after,omitzero"`
	AutoAction    string             `json:"auto_action,omitempty"` // approve | reject | return
}

// Escalation names who a task escalates to: holders of Role (in Department, empty = the
// order's), or the assignee's manager ManagerLevels levels up.
type Escalation struct {
	Role          string `json:"role,omitempty"`
	Department    string `json:"department,omitempty"`
	ManagerLevels int    `json:"manager_levels,omitempty"`
	// Reassign gives the task to them instead of adding them to its assignees.
	Reassign bool `json:"reassign,omitempty"`
}

// Calendar is a working calendar. With one, reminder durations count working time.
type Calendar struct {
	TimeZone string   `json:"time_zone"`
	Weekdays []string `json:"weekdays,omitempty"` // mon…sun; default mon–fri
	Holidays []string `json:"holidays,omitempty"` // YYYY-MM-DD
	Hours    *Hours   `json:"hours,omitempty"`    // default the whole day

	Location *time.Location        `json:"-"`
	Days     map[time.Weekday]bool `json:"-"` // working weekdays
	Start    time.Duration         `json:"-"` // working hours, from midnight
	End      time.Duration         `json:"-"`
	holidays map[string]bool
}

// Hours are working hours, HH:MM.
type Hours struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// IsWorkingDay says whether t's date (in the calendar's zone) is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	t = t.In(c.Location)
	return c.Days[t.Weekday()] && !c.holidays[t.Format(time.DateOnly)]
}

// IsWorkingTime says whether t falls in working hours of a working day.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	if !c.IsWorkingDay(t) {
		return false
	}
	t = t.In(c.Location)
	since := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	return since >= c.Start && since < c.End
}

// Schedule is a cron schedule.
type Schedule struct {
	Key      string      `json:"key"`
	Name     engine.Text `json:"name,omitempty"`
	Cron     string      `json:"cron"`
	TimeZone string      `json:"time_zone,omitempty"`
	Action   string      `json:"action"` // digest

	Location *time.Location `json:"-"` // TimeZone, else the calendar's, else UTC
	Spec     cron.Schedule  `json:"-"`
}

// Next returns the first time the schedule fires after t (zero if never).
func (s *Schedule) Next(t time.Time) time.Time { return s.Spec.Next(t.In(s.Location)) }

// ParseCron parses a standard 5-field cron spec or a descriptor (@daily, @every 1h) with
// robfig/cron, which panics on some malformed input: the panic becomes an error.
func ParseCron(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("invalid cron spec %q", spec)
		}
	}()
	return cron.ParseStandard(spec)
}

// loadZone loads an IANA time zone; "Local" is refused (it depends on the server).
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("name a time zone such as Asia/Taipei or UTC")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q; use an IANA name such as Asia/Taipei, Asia/Shanghai or UTC", name)
	}
	return loc, nil
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseReminder validates a reminder document and compiles it. look must resolve the
// flow it names (and through the flow, its form) and the roles it escalates to.
func ParseReminder(body []byte, look Lookup) (*Reminder, []Problem) {
	raw, ps := checkMeta("reminder", body)
	if ps != nil {
		return nil, ps
	}
	var r Reminder
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, []Problem{{Pointer: "", Message: "cannot read reminder: " + err.Error()}}
	}
	rawRules, _ := raw["rules"].(map[string]any)
	c := reminderChecker{r: &r, look: lookup{look}, rawRules: rawRules}
	c.flowRefs()
	c.rules()
	c.calendar()
	c.schedules()
	if len(c.ps) > 0 {
		return nil, sortProblems(c.ps)
	}
	return &r, nil
}

type reminderChecker struct {
	r        *Reminder
	look     lookup
	rawRules map[string]any
	ps       []Problem
}

func (c *reminderChecker) add(pointer, format string, args ...any) {
	c.ps = append(c.ps, Problem{Pointer: pointer, Message: fmt.Sprintf(format, args...)})
}

func (c *reminderChecker) flowRefs() {
	flow, ok := c.look.flow(c.r.Flow)
	if !ok {
		c.add("/flow", "flow %q does not exist or is not valid; name an existing flow", c.r.Flow)
		return
	}
	var reviews []string
	for _, n := range flow.Doc.Nodes {
		if n.Type == engine.TypeReview {
			reviews = append(reviews, n.ID)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(c.r.Rules)) {
		n, ok := flow.Nodes[id]
		switch {
		case !ok:
			c.add(ptr("rules", id), "flow %q has no node %q; rules apply to its review nodes: %s", c.r.Flow, id, strings.Join(reviews, ", "))
		case n.Type != engine.TypeReview:
			c.add(ptr("rules", id), "%q is a %s node; rules apply to review nodes only (%s)", id, n.Type, strings.Join(reviews, ", "))
		}
	}
	if c.r.DeadlineField == "" {
		return
	}
	form, ok := c.look.form(flow.Doc.Form)
	if !ok {
		c.add("/deadline_field", "cannot check the field: form %q of flow %q does not exist or is not valid", flow.Doc.Form, c.r.Flow)
		return
	}
	s := form.env.order
	for _, part := range strings.Split(c.r.DeadlineField, ".") {
		if s == nil || s.typ != "object" {
			s = nil
			break
		}
		s = s.props[part]
	}
	if !s.isDate() {
		var dates []string
		for _, name := range form.env.order.propNames() {
			if form.env.order.props[name].isDate() {
				dates = append(dates, name)
			}
		}
		what := fmt.Sprintf("form %q has no date field %q", form.Key, c.r.DeadlineField)
		if s != nil {
			what = fmt.Sprintf("field %q of form %q is not a date (a string with format date or date-time)", c.r.DeadlineField, form.Key)
		}
		if len(dates) > 0 {
			what += "; its date fields: " + strings.Join(dates, ", ")
		}
		c.add("/deadline_field", "%s", what)
	}
}

func (c *reminderChecker) rules() {
	for _, id := range slices.Sorted(maps.Keys(c.r.Rules)) {
		rule := c.r.Rules[id]
		if rule == nil {
			continue
		}
		at := ptr("rules", id)
		raw, _ := c.rawRules[id].(map[string]any)
		for _, field := range []string{"remind_after", "repeat_every", "escalate_after", "auto_after"} {
			if _, present := raw[field]; present && durationField(rule, field).IsZero() {
				c.add(join(at, field), "must be longer than zero")
			}
		}
		if !rule.EscalateAfter.IsZero() && !rule.AutoAfter.IsZero() && rule.AutoAfter.Std() <= rule.EscalateAfter.Std() {
			c.add(at+"/auto_after", "auto_after (%s) comes no later than escalate_after (%s), so the escalation would never happen; make it longer", rule.AutoAfter, rule.EscalateAfter)
		}
		if e := rule.EscalateTo; e != nil && e.Role != "" {
			role, ok := c.look.role(e.Role)
			if !ok {
				c.add(at+"/escalate_to/role", "role %q does not exist; create it or name an existing role", e.Role)
			} else if role.Scope == ScopeGlobal && e.Department != "" {
				c.add(at+"/escalate_to/department", "role %q is global (held without a department); remove department", e.Role)
			}
			if e.Department != "" && !c.look.department(e.Department) {
				c.add(at+"/escalate_to/department", "department %q does not exist; pick an existing department", e.Department)
			}
		}
	}
}

func durationField(r *Rule, field string) durations.Duration {
	switch field {
	case "remind_after":
		return r.RemindAfter
	case "repeat_every":
		return r.RepeatEvery
	case "escalate_after":
		return r.EscalateAfter
	}
	return r.AutoAfter
}

func (c *reminderChecker) calendar() {
	cal := c.r.Calendar
	if cal == nil {
		return
	}
	loc, err := loadZone(cal.TimeZone)
	if err != nil {
		c.add("/calendar/time_zone", "%v", err)
	}
	cal.Location = loc
	cal.Days = map[time.Weekday]bool{}
	days := cal.Weekdays
	if len(days) == 0 {
		days = []string{"mon", "tue", "wed", "thu", "fri"}
	}
	for _, d := range days {
		cal.Days[weekdays[d]] = true
	}
	cal.holidays = map[string]bool{}
	for i, h := range cal.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			c.add(ptr("calendar", "holidays", i), "%q is not a date (YYYY-MM-DD)", h)
		}
		cal.holidays[h] = true
	}
	cal.Start, cal.End = 0, 24*time.Hour
	if h := cal.Hours; h != nil {
		start, err1 := clock(h.Start)
		end, err2 := clock(h.End)
		switch {
		case err1 != nil:
			c.add("/calendar/hours/start", "%v", err1)
		case err2 != nil:
			c.add("/calendar/hours/end", "%v", err2)
		case end <= start:
			c.add("/calendar/hours/end", "working hours end (%s) must come after they start (%s)", h.End, h.Start)
		default:
			cal.Start, cal.End = start, end
		}
	}
}

func clock(s string) (time.Duration, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m > 0) {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM, 00:00 to 24:00)", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

func (c *reminderChecker) schedules() {
	seen := map[string]int{}
	for i, s := range c.r.Schedules {
		at := ptr("schedules", i)
		if j, dup := seen[s.Key]; dup {
			c.add(at+"/key", "duplicate schedule key %q (also at /schedules/%d)", s.Key, j)
		}
		seen[s.Key] = i
		s.Location = time.UTC
		if c.r.Calendar != nil && c.r.Calendar.Location != nil {
			s.Location = c.r.Calendar.Location
		}
		if s.TimeZone != "" {
			loc, err := loadZone(s.TimeZone)
			if err != nil {
				c.add(at+"/time_zone", "%v", err)
			} else {
				s.Location = loc
			}
		}
		sched, err := ParseSchedule(s.Cron, s.Location)
		if err != nil {
			c.add(at+"/cron", "%v", err)
			continue
		}
		s.Spec = sched
	}
}

// ParseSchedule reads a schedule's cron spec as publishing a reminder definition does, in
// loc: 5 fields or a descriptor (ParseCron), no TZ= prefix (the zone is time_zone's), not
// more often than once a minute, and firing at least once. The editor's preview asks the
// server through this same function, so it accepts exactly what a save accepts.
func ParseSchedule(cronSpec string, loc *time.Location) (cron.Schedule, error) {
	spec := strings.TrimSpace(cronSpec)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, errors.New("put the time zone in time_zone, not in the cron spec")
	}
	sched, err := ParseCron(spec)
	if err != nil {
		return nil, fmt.Errorf("%v; write 5 fields (minute hour day-of-month month day-of-week), e.g. \"30 8 * * 1-5\", or @daily, @hourly, @every 2h", err)
	}
	if spec, ok := sched.(*cron.SpecSchedule); ok {
		spec.Location = loc
	}
	if d, ok := sched.(cron.ConstantDelaySchedule); ok && d.Delay < time.Minute {
		return nil, errors.New("fires more often than once a minute; use @every 1m or longer")
	}
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).In(loc)).IsZero() {
		return nil, fmt.Errorf("%q never fires (no such date); check the day and month fields", cronSpec)
	}
	return sched, nil
}

// MaxSchedulePreview is how many runs PreviewSchedule lists at most.
const MaxSchedulePreview = 20

// PreviewSchedule lists the next n (1 to MaxSchedulePreview) runs after from of a schedule's
// cron spec in time zone tz (empty: UTC, the default of a reminder without a calendar), or
// says why a reminder definition would refuse the spec or the zone. The error names the
// field at fault: "time_zone" or "cron".
func PreviewSchedule(cronSpec, tz string, from time.Time, n int) ([]time.Time, *Problem) {
	loc := time.UTC
	if tz != "" {
		l, err := loadZone(tz)
		if err != nil {
			return nil, &Problem{Pointer: "/time_zone", Message: err.Error()}
		}
		loc = l
	}
	sched, err := ParseSchedule(cronSpec, loc)
	if err != nil {
		return nil, &Problem{Pointer: "/cron", Message: err.Error()}
	}
	n = max(1, min(n, MaxSchedulePreview))
	runs := make([]time.Time, 0, n)
	for t := from.In(loc); len(runs) < n; {
		t = sched.Next(t)
		if t.IsZero() {
			break
		}
		runs = append(runs, t.In(loc))
	}
	return runs, nil
}
