package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"sluice/backend/ent"
	"sluice/backend/ent/taskassignee"
	"sluice/backend/ent/timer"
)

// The inbox sorted by SLA (GET /tasks?sort=due): the caller's open tasks by the earliest
// pending timer of each (the time left before its reminder, escalation or automatic
// action), those without one last, then by task id. The due time is a correlated subquery
// on timers (task_id, status); the page is cut by keyset on (due, task id).

// dueOf is the SQL of a task_assignees row's task's earliest pending timer.
func dueOf(sel *entsql.Selector) string {
	return fmt.Sprintf("(SELECT MIN(tm.%s) FROM %s tm WHERE tm.%s = %s AND tm.%s = '%s')",
		timer.FieldDueAt, timer.Table, timer.FieldTaskID, sel.C(taskassignee.FieldTaskID), timer.FieldStatus, TimerPending)
}

// dueCursor is the keyset of the last line of a page: "<due RFC 3339>~<task id>", or
// "~<task id>" for a task without a pending timer.
func dueCursor(due *time.Time, id int) string {
	if due == nil {
		return "~" + strconv.Itoa(id)
	}
	return due.UTC().Format(time.RFC3339Nano) + "~" + strconv.Itoa(id)
}

func parseDueCursor(s string) (*time.Time, int, error) {
	bad := invalid("bad cursor", FieldError{Pointer: "/cursor", Message: "use the next_cursor of the previous page"})
	at, idText, ok := strings.Cut(s, "~")
	id, err := strconv.Atoi(idText)
	if !ok || err != nil || id <= 0 {
		return nil, 0, bad
	}
	if at == "" {
		return nil, id, nil
	}
	due, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return nil, 0, bad
	}
	due = due.UTC()
	return &due, id, nil
}

// mineByDue reads one page of the user's open task ids in SLA order and the cursor of
// the next page ("" on the last).
func mineByDue(ctx context.Context, c *ent.Client, user, cursor string, limit int) ([]int, string, error) {
	q := c.TaskAssignee.Query().Where(taskassignee.Username(user), taskassignee.Open(true))
	if cursor != "" {
		due, id, err := parseDueCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		q.Where(func(sel *entsql.Selector) {
			d, tid := dueOf(sel), sel.C(taskassignee.FieldTaskID)
			sel.Where(entsql.P(func(b *entsql.Builder) {
				if due == nil { // among those without a timer
					b.WriteString(d + " IS NULL AND " + tid + " > ").Arg(id)
					return
				}
				b.WriteString("(" + d + " IS NULL OR " + d + " > ").Arg(*due)
				b.WriteString(" OR (" + d + " = ").Arg(*due)
				b.WriteString(" AND " + tid + " > ").Arg(id)
				b.WriteString("))")
			}))
		})
	}
	ids, err := q.Order(func(sel *entsql.Selector) {
		d := dueOf(sel)
		sel.OrderExpr(entsql.Expr("CASE WHEN "+d+" IS NULL THEN 1 ELSE 0 END"), entsql.Expr(d), entsql.Expr(sel.C(taskassignee.FieldTaskID)))
	}).Limit(limit + 1).Select(taskassignee.FieldTaskID).Ints(ctx)
	if err != nil || len(ids) <= limit {
		return ids, "", err
	}
	ids = ids[:limit]
	last := ids[len(ids)-1]
	due, err := taskDues(ctx, c, []int{last})
	if err != nil {
		return nil, "", err
	}
	return ids, dueCursor(due[last], last), nil
}

// taskDues is the earliest pending timer of each of a page's tasks (absent: none).
func taskDues(ctx context.Context, c *ent.Client, ids []int) (map[int]*time.Time, error) {
	out := map[int]*time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	tms, err := c.Timer.Query().Where(timer.TaskIDIn(uniqueInts(ids)...), timer.Status(TimerPending)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, tm := range tms {
		if d := out[tm.TaskID]; d == nil || tm.DueAt.Before(*d) {
			at := tm.DueAt.UTC()
			out[tm.TaskID] = &at
		}
	}
	return out, nil
}
