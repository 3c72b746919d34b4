package reporting

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/store/storetest"
)

// The board's counts on SQLite come from board_tallies, which triggers keep (migration
// 00018): after any mix of inserts, updates (one row or many, changing a key or not),
// deletes and rolled-back transactions the tallies must be the orders' own counts.
func TestBoardTalliesFollowOrders(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 18))
	depts := []string{"sales", "sales-south"}
	statuses := []string{"in_review", "exception", "completed"}
	nodeSets := [][]string{{"verify"}, {"sales_review"}, {"ship"}, {"sales_review", "ship"}, {}}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }

	check := func(step string) {
		t.Helper()
		want, got := map[string]int{}, map[string]int{}
		read := func(q string, into map[string]int) {
			rows, err := s.DB.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var dept, flow, status, nodes string
				var version, n int
				if err := rows.Scan(&dept, &flow, &status, &version, &nodes, &n); err != nil {
					t.Fatal(err)
				}
				if n < 0 {
					t.Fatalf("%s: tally %s/%s/%s/%d/%s is %d", step, dept, flow, status, version, nodes, n)
				}
				if n > 0 {
					into[fmt.Sprintf("%s/%s/%s/%d/%s", dept, flow, status, version, nodes)] += n
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		}
		read("SELECT department, flow_key, status, flow_version, current_nodes, count(*) FROM orders "+
			"GROUP BY department, flow_key, status, flow_version, current_nodes", want)
		read("SELECT department, flow_key, status, flow_version, current_nodes, n FROM board_tallies", got)
		if !maps.Equal(want, got) {
			t.Fatalf("%s: tallies %v, orders %v", step, got, want)
		}
	}

	var ids []int
	err := s.Tx(ctx, func(tx *ent.Tx) error {
		for i := range 60 {
			o, err := tx.Order.Create().SetNumber(fmt.Sprintf("T-%03d", i)).SetFlowKey(pick([]string{"order-review", "exceptional"})).
				SetFlowVersion(1 + r.IntN(2)).SetStatus(pick(statuses)).SetDepartment(pick(depts)).SetSubmitter("clerk").
				SetData(map[string]any{}).SetCurrentNodes(nodeSets[r.IntN(len(nodeSets))]).Save(ctx)
			if err != nil {
				return err
			}
			ids = append(ids, o.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("inserted")

	for round := range 40 {
		id := ids[r.IntN(len(ids))]
		err := s.Tx(ctx, func(tx *ent.Tx) error {
			switch round % 5 {
			case 0: // one order moves on (its nodes and maybe its status)
				u := tx.Order.UpdateOneID(id).SetCurrentNodes(nodeSets[r.IntN(len(nodeSets))])
				if r.IntN(2) == 0 {
					u.SetStatus(pick(statuses))
				}
				return u.Exec(ctx)
			case 1: // a write that sets the same values (the trigger fires, nothing moves)
				o, err := tx.Order.Get(ctx, id)
				if err != nil {
					return err
				}
				return tx.Order.UpdateOneID(id).SetStatus(o.Status).SetCurrentNodes(o.CurrentNodes).SetDepartment(o.Department).Exec(ctx)
			case 2: // many rows at once, to another department and version
				_, err := tx.Order.Update().Where(order.Status(pick(statuses))).SetDepartment(pick(depts)).AddFlowVersion(1).Save(ctx)
				return err
			case 3: // a column the tallies do not key on
				return tx.Order.UpdateOneID(id).SetTotal(r.Float64()).Exec(ctx)
			default: // moved, then the transaction fails: the tallies roll back with it
				if err := tx.Order.UpdateOneID(id).SetStatus("completed").SetCurrentNodes([]string{}).Exec(ctx); err != nil {
					return err
				}
				return errRolledBack
			}
		})
		if err != nil && !errors.Is(err, errRolledBack) {
			t.Fatal(err)
		}
		check(fmt.Sprintf("round %d", round))
	}

	n, err := s.Client.Order.Delete().Where(order.IDIn(ids[:20]...)).Exec(ctx)
	if err != nil || n != 20 {
		t.Fatalf("delete: %d %v", n, err)
	}
	check("deleted")
}

var errRolledBack = errors.New("rolled back on purpose")
