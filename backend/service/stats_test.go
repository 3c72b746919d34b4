package service_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"sluice/backend/catalogue"
	"sluice/backend/ent"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/ent/timer"
	"sluice/backend/reporting"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// TestStats seeds six orders acted on through the service (completed, rejected with
// reasons, returned twice, waiting), pins their timestamps to known values and checks
// every figure of the dashboard against numbers worked out by hand.
func TestStats(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		svc := newDemo(t, s)
		ctx := context.Background()
		clerk, manager := as(t, s, "clerk"), as(t, s, "manager")
		submit := func() *service.OrderView {
			o, _, err := svc.Submit(ctx, clerk, sample(t, "small-standard.json"), nil)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		act := func(o *service.OrderView, who service.Actor, req service.ActionRequest) *service.OrderView {
			t.Helper()
			tk := o.Tasks[0]
			if req.Action == "approve" {
				req.Checklist = ticks(tk)
			}
			res, _, err := svc.Act(ctx, who, tk.ID, req, nil)
			if err != nil {
				t.Fatalf("%s %s at %s: %v", who.Username, req.Action, tk.Node, err)
			}
			return &res.Order
		}
		approve := service.ActionRequest{Action: "approve"}
		reject := func(r string) service.ActionRequest { return service.ActionRequest{Action: "reject", Reason: r} }
		ret := service.ActionRequest{Action: "return", Comment: "fix the price"}

		o1 := submit()
		if end, _ := walk(t, svc, s, o1); end.Status != "completed" {
			t.Fatalf("o1 %s", end.Status)
		}
		o2 := act(act(submit(), clerk, approve), manager, reject("price_too_low"))
		o3 := act(submit(), clerk, approve)
		for range 2 {
			o3 = act(act(o3, manager, ret), clerk, approve)
		}
		o4 := submit()
		o5 := act(submit(), clerk, reject("duplicate"))
		o6 := act(act(submit(), clerk, approve), manager, reject("price_too_low"))
		if o2.Status != "rejected" || o5.Status != "rejected" || o6.Status != "rejected" || o3.Tasks[0].Node != "sales_review" {
			t.Fatalf("statuses %s %s %s, o3 at %s", o2.Status, o5.Status, o6.Status, o3.Tasks[0].Node)
		}

		// pin the clock: orders' days, node instances' and tasks' durations, SLA timers
		base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		now := base.Add(time.Hour)
		day := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.UTC) }
		for _, p := range []struct {
			o              *service.OrderView
			created, ended int
		}{{o1, 1, 3}, {o2, 1, 2}, {o3, 2, 0}, {o4, 4, 0}, {o5, 2, 2}, {o6, 4, 5}} {
			setCreated(t, s, "orders", p.o.ID, day(p.created))
			if p.ended > 0 {
				must(t, s.Client.Order.Update().Where(order.ID(p.o.ID)).SetUpdatedAt(day(p.ended)).Exec(ctx))
			}
		}
		// closed verify instances last 10 s, 20 s, … in id order; so do their tasks
		vis, err := s.Client.NodeInstance.Query().Where(nodeinstance.NodeID("verify"), nodeinstance.EndedAtNotNil()).
			Order(ent.Asc(nodeinstance.FieldID)).All(ctx)
		must(t, err)
		if len(vis) != 7 {
			t.Fatalf("%d closed verify instances, want 7 (o3 was verified three times)", len(vis))
		}
		for i, ni := range vis {
			d := time.Duration(i+1) * 10 * time.Second
			setCreated(t, s, "node_instances", ni.ID, base)
			must(t, ni.Update().SetEndedAt(base.Add(d)).Exec(ctx))
			tks, err := s.Client.Task.Query().Where(task.NodeInstanceID(ni.ID), task.KindNEQ("cc")).All(ctx)
			must(t, err)
			for _, tk := range tks {
				setCreated(t, s, "tasks", tk.ID, base)
				must(t, tk.Update().SetDecidedAt(base.Add(d)).Exec(ctx))
			}
		}
		// the manager decided five sales reviews: 60 s, 120 s, 180 s, 240 s, 3000 s
		mts, err := s.Client.Task.Query().Where(task.DecidedBy("manager")).Order(ent.Asc(task.FieldID)).All(ctx)
		must(t, err)
		if len(mts) != 5 {
			t.Fatalf("manager decided %d tasks, want 5", len(mts))
		}
		for i, d := range []int{60, 120, 180, 240, 3000} {
			setCreated(t, s, "tasks", mts[i].ID, base)
			must(t, mts[i].Update().SetDecidedAt(base.Add(time.Duration(d)*time.Second)).Exec(ctx))
		}
		// waiting now: o4 at verify for an hour, o3 at sales review for half an hour
		open, err := s.Client.Task.Query().Where(task.Status("open"), task.KindNEQ("cc")).All(ctx)
		must(t, err)
		if len(open) != 2 {
			t.Fatalf("%d open tasks, want 2", len(open))
		}
		for _, tk := range open {
			at := base
			if tk.NodeID == "sales_review" {
				at = base.Add(30 * time.Minute)
			}
			setCreated(t, s, "tasks", tk.ID, at)
		}
		// every verify task escalates 35 s after it opened; an earlier reminder is not the SLA;
		// one escalation fired
		vts, err := s.Client.Task.Query().Where(task.NodeID("verify"), task.KindNEQ("cc"), task.StatusNEQ("cancelled")).
			Order(ent.Asc(task.FieldID)).All(ctx)
		must(t, err)
		if len(vts) != 8 {
			t.Fatalf("%d verify tasks, want 8", len(vts))
		}
		_, err = s.Client.Timer.Delete().Where(timer.Node("verify")).Exec(ctx)
		must(t, err)
		for i, tk := range vts {
			status := "cancelled"
			if i == 0 {
				status = "fired"
			}
			must(t, s.Client.Timer.Create().SetOrderID(tk.OrderID).SetTaskID(tk.ID).SetNode("verify").SetKind("escalate").
				SetDueAt(base.Add(35*time.Second)).SetStatus(status).Exec(ctx))
			must(t, s.Client.Timer.Create().SetOrderID(tk.OrderID).SetTaskID(tk.ID).SetNode("verify").SetKind("remind").
				SetDueAt(base.Add(5*time.Second)).SetStatus("cancelled").Exec(ctx))
		}

		finance := as(t, s, "finance") // orders.read_all
		st, err := svc.Stats(ctx, finance, reporting.StatsFilter{Flow: "order-review", From: "2026-03-01", To: "2026-03-06", Now: now})
		must(t, err)
		if st.Orders != 6 || st.Version != 1 {
			t.Fatalf("orders %d version %d", st.Orders, st.Version)
		}
		type dayRow struct {
			date      string
			submitted int
			ended     map[string]int
		}
		var got []dayRow
		for _, d := range st.Throughput {
			got = append(got, dayRow{d.Date, d.Submitted, d.Ended})
		}
		want := []dayRow{
			{"2026-03-01", 2, map[string]int{}},
			{"2026-03-02", 2, map[string]int{"rejected": 2}},
			{"2026-03-03", 0, map[string]int{"completed": 1}},
			{"2026-03-04", 2, map[string]int{}},
			{"2026-03-05", 0, map[string]int{"rejected": 1}},
			{"2026-03-06", 0, map[string]int{}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("throughput\n got %v\nwant %v", got, want)
		}

		cycle := map[string]reporting.Timing{}
		for _, c := range st.CycleTime {
			cycle[c.Node] = c.Timing
		}
		if v := cycle["verify"]; v != (reporting.Timing{Count: 7, P50: 40, P90: 70, Avg: 40}) {
			t.Errorf("verify cycle time %+v", v)
		}
		if st.CycleTime[0].Node != "verify" {
			t.Errorf("cycle times not in the flow's node order: %+v", st.CycleTime)
		}
		if _, ok := cycle["start"]; ok {
			t.Errorf("the start node has no cycle time")
		}

		lat := map[string]reporting.Timing{}
		for _, u := range st.Approvers {
			lat[u.User] = u.Timing
		}
		if v := lat["manager"]; v != (reporting.Timing{Count: 5, P50: 180, P90: 3000, Avg: 720}) {
			t.Errorf("manager latency %+v", v)
		}
		if v := lat["clerk"]; v.Count != 7 || v.P50 != 40 || v.P90 != 70 {
			t.Errorf("clerk latency %+v", v)
		}

		wantRework := reporting.Rework{
			Histogram: []reporting.ReworkBucket{{Returns: 0, Orders: 5}, {Returns: 1, Orders: 0}, {Returns: 2, Orders: 1}},
			ByNode:    []reporting.NodeCount{{Node: "sales_review", Count: 2}}, Total: 2}
		if !reflect.DeepEqual(st.Rework, wantRework) {
			t.Errorf("rework %+v", st.Rework)
		}

		var verifySLA *reporting.NodeSLA
		for i := range st.SLA {
			if st.SLA[i].Node == "verify" {
				verifySLA = &st.SLA[i]
			}
		}
		// decided after 40, 50, 60, 70 s (deadline 35 s) and the open one an hour in
		if verifySLA == nil || *verifySLA != (reporting.NodeSLA{Node: "verify", Tasks: 8, Breached: 5, OpenBreached: 1, Escalated: 1}) {
			t.Errorf("verify SLA %+v", verifySLA)
		}

		wantReasons := []reporting.Count{{Key: "price_too_low", Count: 2}, {Key: "duplicate", Count: 1}}
		if !reflect.DeepEqual(st.Rejections, wantReasons) {
			t.Errorf("rejection reasons %+v", st.Rejections)
		}

		wantLoad := []reporting.NodeLoad{{Node: "verify", Waiting: 1, Orders: 1, MeanAge: 3600, MaxAge: 3600},
			{Node: "sales_review", Waiting: 1, Orders: 1, MeanAge: 1800, MaxAge: 1800}}
		if !reflect.DeepEqual(st.Bottlenecks, wantLoad) {
			t.Errorf("bottlenecks %+v", st.Bottlenecks)
		}
		if len(st.Graph.Nodes) == 0 || st.Graph.Nodes[0].ID != "start" || len(st.Graph.Edges) == 0 {
			t.Errorf("graph %+v", st.Graph)
		}

		// a narrower range: only o3..o6 were submitted from 2 to 4 March
		st, err = svc.Stats(ctx, finance, reporting.StatsFilter{Flow: "order-review", From: "2026-03-02", To: "2026-03-04", Now: now})
		must(t, err)
		if st.Orders != 4 || len(st.Throughput) != 4 || st.Throughput[0].Ended["rejected"] != 1 || st.Rework.Total != 2 {
			t.Errorf("2–4 March: %d orders, throughput %+v, rework %+v", st.Orders, st.Throughput, st.Rework)
		}

		// Casbin scope: the sales manager of another department sees none of sales' orders
		m2 := as(t, s, "manager2")
		st, err = svc.Stats(ctx, m2, reporting.StatsFilter{Flow: "order-review", Now: now})
		must(t, err)
		if st.Orders != 0 || len(st.Bottlenecks) != 0 || len(st.Rejections) != 0 {
			t.Errorf("manager2 sees %d orders: %+v", st.Orders, st)
		}
		if _, err := svc.Stats(ctx, m2, reporting.StatsFilter{Flow: "order-review", Department: "sales"}); status(err) != http.StatusForbidden {
			t.Errorf("manager2 on sales: %v, want 403", err)
		}
		if st, err := svc.Stats(ctx, manager, reporting.StatsFilter{Flow: "order-review", Department: "sales", Now: now}); err != nil || st.Orders != 6 {
			t.Errorf("manager on sales: %v", err)
		}
		for _, f := range []reporting.StatsFilter{{Flow: ""}, {Flow: "order-review", From: "March"}, {Flow: "order-review", From: "2026-03-05", To: "2026-03-01"}} {
			if _, err := svc.Stats(ctx, finance, f); status(err) != http.StatusUnprocessableEntity {
				t.Errorf("%+v: %v, want 422", f, err)
			}
		}
		if _, err := svc.Stats(ctx, finance, reporting.StatsFilter{Flow: "nope"}); status(err) != http.StatusNotFound {
			t.Errorf("unknown flow: %v", err)
		}
	})
}

func TestCheckExpression(t *testing.T) {
	s := storetest.SQLite(t)
	svc := newDemo(t, s)
	ctx := context.Background()
	admin := as(t, s, "admin")
	res, err := svc.CheckExpression(ctx, admin, catalogue.ExpressionCheck{Form: "order", Expr: "order.total >= 50000"})
	if err != nil || !res.OK || len(res.Errors) != 0 {
		t.Fatalf("valid: %+v %v", res, err)
	}
	res, err = svc.CheckExpression(ctx, admin, catalogue.ExpressionCheck{Form: "order", Expr: "order.totl > 1"})
	if err != nil || res.OK || len(res.Errors) != 1 {
		t.Fatalf("typo: %+v %v", res, err)
	}
	if _, err := svc.CheckExpression(ctx, admin, catalogue.ExpressionCheck{Form: "nope", Expr: "true"}); status(err) != 422 {
		t.Fatalf("unknown form: %v", err)
	}
	if _, err := svc.CheckExpression(ctx, as(t, s, "clerk"), catalogue.ExpressionCheck{Expr: "true"}); status(err) != 403 {
		t.Fatalf("clerk: %v", err)
	}
}

// setCreated backdates a row: created_at is immutable through ent.
func setCreated(t *testing.T, s *store.Store, table string, id int, at time.Time) {
	t.Helper()
	q := "UPDATE " + table + " SET created_at = ? WHERE id = ?"
	if s.Dialect == dialect.Postgres {
		q = "UPDATE " + table + " SET created_at = $1 WHERE id = $2"
	}
	_, err := s.DB.ExecContext(context.Background(), q, at, id)
	must(t, err)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
