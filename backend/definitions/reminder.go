package definitions

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones must load on machines without a zoneinfo database

	"github.com/robfig/cron/v3"

	"sluice/backend/durations"
	"sluice/backend/engine"
	"sluice/backend/i18n"
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
			s, err = nil, codedErr("definition.reminder.cron_unreadable", i18n.Params{"Spec": spec})
		}
	}()
	return cron.ParseStandard(spec)
}

// loadZone loads an IANA time zone; "Local" is refused (it depends on the server).
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, codedErr("definition.reminder.time_zone_missing", nil)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, codedErr("definition.reminder.time_zone_unknown", i18n.Params{"Zone": name})
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
		return nil, []Problem{Coded("", "definition.unreadable", i18n.Params{"Kind": kindName("reminder"), "Detail": err.Error()})}
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

// addc adds the problem of a stable code at pointer.
func (c *reminderChecker) addc(pointer, code string, p i18n.Params) {
	c.ps = append(c.ps, Coded(pointer, code, p))
}

func (c *reminderChecker) flowRefs() {
	flow, ok := c.look.flow(c.r.Flow)
	if !ok {
		c.addc("/flow", "definition.reminder.flow_unknown", i18n.Params{"Flow": c.r.Flow})
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
			c.addc(ptr("rules", id), "definition.reminder.rule_node_unknown", i18n.Params{"Flow": c.r.Flow, "Node": id, "Reviews": strings.Join(reviews, ", ")})
		case n.Type != engine.TypeReview:
			c.addc(ptr("rules", id), "definition.reminder.rule_node_not_review", typeParams(n.Type, i18n.Params{"Node": id, "Reviews": strings.Join(reviews, ", ")}))
		}
	}
	if c.r.DeadlineField == "" {
		return
	}
	form, ok := c.look.form(flow.Doc.Form)
	if !ok {
		c.addc("/deadline_field", "definition.reminder.deadline_form_unknown", i18n.Params{"Form": flow.Doc.Form, "Flow": c.r.Flow})
		return
	}
	if p, bad := dateField("/deadline_field", form, c.r.DeadlineField); bad {
		c.ps = append(c.ps, p)
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
				c.addc(join(at, field), "definition.reminder.duration_zero", nil)
			}
		}
		if !rule.EscalateAfter.IsZero() && !rule.AutoAfter.IsZero() && rule.AutoAfter.Std() <= rule.EscalateAfter.Std() {
			c.addc(at+"/auto_after", "definition.reminder.auto_before_escalation", i18n.Params{"AutoAfter": rule.AutoAfter.String(), "EscalateAfter": rule.EscalateAfter.String()})
		}
		if e := rule.EscalateTo; e != nil && e.Role != "" {
			role, ok := c.look.role(e.Role)
			if !ok {
				c.addc(at+"/escalate_to/role", "definition.ref.role_unknown", i18n.Params{"Role": e.Role})
			} else if role.Scope == ScopeGlobal && e.Department != "" {
				c.addc(at+"/escalate_to/department", "definition.ref.role_global", i18n.Params{"Role": e.Role, "Field": "department"})
			}
			if e.Department != "" && !c.look.department(e.Department) {
				c.addc(at+"/escalate_to/department", "definition.ref.department_unknown", i18n.Params{"Department": e.Department})
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
		c.ps = append(c.ps, problemOf("/calendar/time_zone", err))
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
			c.addc(ptr("calendar", "holidays", i), "definition.reminder.holiday_not_date", i18n.Params{"Value": h})
		}
		cal.holidays[h] = true
	}
	cal.Start, cal.End = 0, 24*time.Hour
	if h := cal.Hours; h != nil {
		start, err1 := clock(h.Start)
		end, err2 := clock(h.End)
		switch {
		case err1 != nil:
			c.ps = append(c.ps, problemOf("/calendar/hours/start", err1))
		case err2 != nil:
			c.ps = append(c.ps, problemOf("/calendar/hours/end", err2))
		case end <= start:
			c.addc("/calendar/hours/end", "definition.reminder.hours_reversed", i18n.Params{"Start": h.Start, "End": h.End})
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
		return 0, codedErr("definition.reminder.not_time_of_day", i18n.Params{"Value": s})
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

func (c *reminderChecker) schedules() {
	seen := map[string]int{}
	for i, s := range c.r.Schedules {
		at := ptr("schedules", i)
		if j, dup := seen[s.Key]; dup {
			c.addc(at+"/key", "definition.reminder.schedule_key_taken", i18n.Params{"Key": s.Key, "Index": j})
		}
		seen[s.Key] = i
		s.Location = time.UTC
		if c.r.Calendar != nil && c.r.Calendar.Location != nil {
			s.Location = c.r.Calendar.Location
		}
		if s.TimeZone != "" {
			loc, err := loadZone(s.TimeZone)
			if err != nil {
				c.ps = append(c.ps, problemOf(at+"/time_zone", err))
			} else {
				s.Location = loc
			}
		}
		sched, err := ParseSchedule(s.Cron, s.Location)
		if err != nil {
			c.ps = append(c.ps, problemOf(at+"/cron", err))
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
		return nil, codedErr("definition.reminder.cron_time_zone", nil)
	}
	sched, err := ParseCron(spec)
	if err != nil {
		return nil, cronInvalid(err)
	}
	if spec, ok := sched.(*cron.SpecSchedule); ok {
		spec.Location = loc
	}
	if d, ok := sched.(cron.ConstantDelaySchedule); ok && d.Delay < time.Minute {
		return nil, codedErr("definition.reminder.cron_too_often", nil)
	}
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).In(loc)).IsZero() {
		return nil, codedErr("definition.reminder.cron_never", i18n.Params{"Spec": cronSpec})
	}
	return sched, nil
}

// cronInvalid is the error of a spec the cron parser refuses: its reason (the parser's
// English, or that it cannot read the spec at all) and how to write one.
func cronInvalid(err error) error {
	if ce, ok := errors.AsType[*codedError](err); ok {
		return codedErr("definition.reminder.cron_invalid", i18n.Params{"Detail": i18n.M("field."+ce.code, ce.params)})
	}
	return codedErr("definition.reminder.cron_invalid", i18n.Params{"Detail": err.Error()})
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
			p := problemOf("/time_zone", err)
			return nil, &p
		}
		loc = l
	}
	sched, err := ParseSchedule(cronSpec, loc)
	if err != nil {
		p := problemOf("/cron", err)
		return nil, &p
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
