package main

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"sluice/backend/ent"
	"sluice/backend/ent/nodeinstance"
	entorder "sluice/backend/ent/order"
	enttask "sluice/backend/ent/task"
	"sluice/backend/ent/taskassignee"
	"sluice/backend/store"
)

// The lists phase's seeding copies template orders whole: every copy's rows point at
// its own order, node instances and tasks, a moved variant has its department and
// users, and the audit chain still verifies.
func TestSeedCopiesTemplates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "seed.db")
	st, err := store.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var tmpl int
	err = st.Tx(ctx, func(tx *ent.Tx) error {
		j, err := store.Begin(ctx, tx, "seed-test")
		if err != nil {
			return err
		}
		o, err := tx.Order.Create().SetNumber("T-1").SetFlowKey("order-review").SetFlowVersion(1).SetStatus("in_review").
			SetDepartment("sales").SetSubmitter("clerk").SetData(map[string]any{"total": 10.0}).
			SetCurrentNodes([]string{"sales_review"}).Save(ctx)
		if err != nil {
			return err
		}
		tmpl = o.ID
		ni, err := tx.NodeInstance.Create().SetOrderID(o.ID).SetNodeID("sales_review").SetNodeType("review").
			SetStatus("active").SetDepartment("sales").Save(ctx)
		if err != nil {
			return err
		}
		tk, err := tx.Task.Create().SetOrderID(o.ID).SetNodeInstanceID(ni.ID).SetNodeID("sales_review").
			SetDepartment("sales").SetAssignees([]string{"manager"}).Save(ctx)
		if err != nil {
			return err
		}
		if err := tx.TaskAssignee.Create().SetTaskID(tk.ID).SetUsername("manager").Exec(ctx); err != nil {
			return err
		}
		for _, a := range []string{"submitted", "node_entered"} {
			if err := j.Audit(ctx, store.Audit{Actor: "clerk", Action: a, OrderID: o.ID, TaskID: tk.ID,
				Detail: map[string]any{"n": 1, "who": []string{"manager"}}}); err != nil {
				return err
			}
		}
		return j.Close(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	const n, open = 60, 40
	openV := []variant{{name: "here", tmpl: tmpl, weight: 0.5},
		{name: "south", tmpl: tmpl, dept: "sales-south", users: map[string]string{"manager": "manager2"}, weight: 0.5}}
	closedV := []variant{{name: "closed", tmpl: tmpl, weight: 1}}
	rows, err := seedOrders(ctx, path, n, open, openV, closedV, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if rows != n*6 { // order, node instance, task, assignee, two audit entries
		t.Fatalf("%d rows seeded, want %d", rows, n*6)
	}

	st, err = store.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if bad, reason, entries, err := st.VerifyAudit(ctx); err != nil || reason != "" {
		t.Fatalf("audit chain after seeding: %v %s at %+v", err, reason, bad)
	} else if entries != 2*(n+1)+1 { // and the anchor of the n+1 chains' heads
		t.Fatalf("%d audit entries, want %d", entries, 2*(n+1)+1)
	}
	// anchored as the server's periodic pass would have: its first pass finds nothing
	var unanchored int
	if err := st.DB.QueryRowContext(ctx, "SELECT count(*) FROM audit_chains c LEFT JOIN audit_anchored a ON a.chain = c.chain "+
		"WHERE c.chain <> '' AND (a.seq IS NULL OR a.seq <> c.seq)").Scan(&unanchored); err != nil {
		t.Fatal(err)
	} else if unanchored != 0 {
		t.Fatalf("%d seeded chains left unanchored", unanchored)
	}
	os := st.Read.Order.Query().Where(entorder.IDNEQ(tmpl)).AllX(ctx)
	if len(os) != n {
		t.Fatalf("%d orders seeded, want %d", len(os), n)
	}
	depts := map[string]int{}
	for _, o := range os {
		depts[o.Department]++
		nis := st.Read.NodeInstance.Query().Where(nodeinstance.OrderID(o.ID)).AllX(ctx)
		ts := st.Read.Task.Query().Where(enttask.OrderID(o.ID)).AllX(ctx)
		if len(nis) != 1 || len(ts) != 1 || ts[0].NodeInstanceID != nis[0].ID {
			t.Fatalf("order %d: %d node instances, %d tasks, not each other's", o.ID, len(nis), len(ts))
		}
		as := st.Read.TaskAssignee.Query().Where(taskassignee.TaskID(ts[0].ID)).AllX(ctx)
		want := "manager"
		if o.Department == "sales-south" {
			want = "manager2"
		}
		if len(as) != 1 || as[0].Username != want || !slices.Equal(ts[0].Assignees, []string{want}) || nis[0].Department != o.Department {
			t.Fatalf("order %d in %s: assignees %v / %+v, node department %s", o.ID, o.Department, ts[0].Assignees, as, nis[0].Department)
		}
	}
	if depts["sales"] < open/4 || depts["sales-south"] < open/4 {
		t.Fatalf("departments %v", depts)
	}
}
