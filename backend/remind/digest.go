package remind

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/ent/timer"
	"sluice/backend/i18n"
	"sluice/backend/service"
	"sluice/backend/store"
)

// ReminderPublished writes, in the transaction that publishes version ver of a
// reminder definition, the first run of each of its cron schedules, and cancels the
// pending runs of its earlier versions: one chain per schedule, the newest version's.
func (r *Reminders) ReminderPublished(ctx context.Context, tx *ent.Tx, rem *definitions.Reminder, ver int, now time.Time) error {
	if err := tx.Timer.Update().Where(timer.Kind(service.TimerDigest), timer.Reminder(rem.Key), timer.Status(service.TimerPending)).
		SetStatus(service.TimerCancelled).SetOutcome(fmt.Sprintf("replaced by version %d", ver)).Exec(ctx); err != nil {
		return err
	}
	for _, sc := range rem.Schedules {
		next := sc.Next(now)
		if next.IsZero() {
			continue
		}
		if err := tx.Timer.Create().SetOrderID(0).SetTaskID(0).SetNode(sc.Key).SetKind(service.TimerDigest).
			SetReminder(rem.Key).SetReminderVersion(ver).SetDueAt(next.UTC()).SetCreatedAt(now).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// digestLimit caps the tasks listed in one person's digest (the count is exact).
const digestLimit = 50

// fireDigest sends each assignee of an open task of the schedule's flow one
// notification listing their tasks, then writes the schedule's next run (after a
// downtime: one digest now, the next at the next scheduled time, no burst).
func (r *Reminders) fireDigest(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer, now time.Time) error {
	outcome := func(o string) error { return tx.Timer.UpdateOneID(tm.ID).SetOutcome(o).Exec(ctx) }
	rem, err := r.ReminderVersion(ctx, tm.Reminder, tm.ReminderVersion)
	if err != nil {
		return err
	}
	var sc *definitions.Schedule
	if rem != nil {
		for _, x := range rem.Schedules {
			if x.Key == tm.Node {
				sc = x
			}
		}
	}
	if sc == nil {
		return outcome("skipped: the schedule is gone")
	}
	orders, err := tx.Order.Query().Where(order.FlowKey(rem.Flow), order.Status(engine.StatusInReview)).
		Select(order.FieldID, order.FieldNumber).All(ctx)
	if err != nil {
		return err
	}
	numbers := map[int]string{}
	ids := make([]int, len(orders))
	for i, o := range orders {
		numbers[o.ID], ids[i] = o.Number, o.ID
	}
	tasks, err := tx.Task.Query().Where(task.OrderIDIn(ids...), task.Status("open")).Order(ent.Asc(task.FieldCreatedAt)).All(ctx)
	if err != nil {
		return err
	}
	per := map[string][]map[string]any{}
	count := map[string]int{}
	for _, t := range tasks {
		for _, u := range t.Assignees {
			count[u]++
			if len(per[u]) < digestLimit {
				per[u] = append(per[u], map[string]any{"task_id": t.ID, "order_id": t.OrderID, "number": numbers[t.OrderID],
					"node": t.NodeID, "since": t.CreatedAt.UTC().Format(time.RFC3339)})
			}
		}
	}
	users := slices.Sorted(maps.Keys(count))
	for _, u := range users {
		if _, err := j.Notify(ctx, store.Notification{Username: u, Type: "digest",
			Key: "notice.digest", Params: i18n.Params{"Count": count[u]},
			Data: map[string]any{"timer": tm.ID, "schedule": sc.Key, "flow": rem.Flow, "count": count[u], "tasks": per[u]}}); err != nil {
			return err
		}
	}
	if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "digest.sent",
		Detail: map[string]any{"timer": tm.ID, "reminder": rem.Key, "schedule": sc.Key, "people": len(users), "tasks": len(tasks)}}); err != nil {
		return err
	}
	if next := sc.Next(now); !next.IsZero() {
		if err := tx.Timer.Create().SetOrderID(0).SetTaskID(0).SetNode(sc.Key).SetKind(service.TimerDigest).
			SetReminder(tm.Reminder).SetReminderVersion(tm.ReminderVersion).SetDueAt(next.UTC()).SetCreatedAt(now).Exec(ctx); err != nil {
			return err
		}
	}
	return outcome(fmt.Sprintf("digest to %d people", len(users)))
}
