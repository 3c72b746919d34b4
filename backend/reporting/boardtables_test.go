package reporting

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"entgo.io/ent/dialect"

	"sluice/backend/ent"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// The board reads two tables triggers keep (migration 00018): board_cards, the active
// review node instances with their orders' department, flow and status (both dialects),
// and board_tallies, the orders counted by department, flow, status, version and current
// nodes (SQLite). After any mix of inserts, updates (one row or many, changing a key or
// not), deletes and rolled-back transactions each must be what it stands for.
func TestBoardTablesFollowWrites(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		r := rand.New(rand.NewPCG(seed, 18))
		depts := []string{"sales", "sales-south"}
		statuses := []string{"in_review", "exception", "completed"}
		nodes := []string{"verify", "sales_review", "ship"}
		nodeSets := [][]string{{"verify"}, {"sales_review"}, {"ship"}, {"sales_review", "ship"}, {}}
		pick := func(xs []string) string { return xs[r.IntN(len(xs))] }

		// read maps each row's key (its columns joined in SQL) to its count
		read := func(q string) map[string]int {
			t.Helper()
			out := map[string]int{}
			rows, err := s.DB.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var key string
				var n int
				if err := rows.Scan(&key, &n); err != nil {
					t.Fatal(err)
				}
				if n < 0 {
					t.Fatalf("%s: %s counts %d", q, key, n)
				}
				if n > 0 {
					out[key] += n
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		const card = "CAST(%s AS text) || '/' || CAST(%s AS text) || '/' || %s || '/' || %s || '/' || %s || '/' || %s"
		check := func(step string) {
			t.Helper()
			want := read("SELECT " + fmt.Sprintf(card, "n.id", "o.id", "o.department", "o.flow_key", "o.status", "n.node_id") +
				", 1 FROM node_instances n JOIN orders o ON o.id = n.order_id WHERE n.status = 'active' AND n.node_type = 'review'")
			got := read("SELECT " + fmt.Sprintf(card, "node_instance_id", "order_id", "department", "flow_key", "status", "node_id") +
				", 1 FROM board_cards")
			if !maps.Equal(want, got) {
				t.Fatalf("%s: board_cards %v, node instances %v", step, got, want)
			}
			if s.Dialect == dialect.Postgres {
				return
			}
			const tally = "department || '/' || flow_key || '/' || status || '/' || flow_version || '/' || CAST(current_nodes AS text)"
			want = read("SELECT " + tally + ", count(*) FROM orders GROUP BY department, flow_key, status, flow_version, current_nodes")
			if got := read("SELECT " + tally + ", n FROM board_tallies"); !maps.Equal(want, got) {
				t.Fatalf("%s: board_tallies %v, orders %v", step, got, want)
			}
		}
		addNode := func(tx *ent.Tx, oid int) error {
			return tx.NodeInstance.Create().SetOrderID(oid).SetNodeID(pick(nodes)).SetNodeType(pick([]string{"review", "review", "task"})).
				SetStatus(pick([]string{"active", "active", "done"})).Exec(ctx)
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
				for range r.IntN(3) {
					if err := addNode(tx, o.ID); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		check("inserted")

		for round := range 60 {
			id := ids[r.IntN(len(ids))]
			err := s.Tx(ctx, func(tx *ent.Tx) error {
				switch round % 8 {
				case 0: // one order moves on (its nodes and maybe its status)
					u := tx.Order.UpdateOneID(id).SetCurrentNodes(nodeSets[r.IntN(len(nodeSets))])
					if r.IntN(2) == 0 {
						u.SetStatus(pick(statuses))
					}
					return u.Exec(ctx)
				case 1: // a write that sets the same values (the triggers fire, nothing moves)
					o, err := tx.Order.Get(ctx, id)
					if err != nil {
						return err
					}
					return tx.Order.UpdateOneID(id).SetStatus(o.Status).SetCurrentNodes(o.CurrentNodes).SetDepartment(o.Department).Exec(ctx)
				case 2: // many rows at once, to another department and version
					_, err := tx.Order.Update().Where(order.Status(pick(statuses))).SetDepartment(pick(depts)).AddFlowVersion(1).Save(ctx)
					return err
				case 3: // columns the tables do not key on
					if err := tx.Order.UpdateOneID(id).SetTotal(r.Float64()).Exec(ctx); err != nil {
						return err
					}
					_, err := tx.NodeInstance.Update().Where(nodeinstance.OrderID(id)).AddApprovals(1).Save(ctx)
					return err
				case 4: // a node instance starts, ends or is deleted
					switch r.IntN(3) {
					case 0:
						return addNode(tx, id)
					case 1:
						_, err := tx.NodeInstance.Update().Where(nodeinstance.OrderID(id)).SetStatus(pick([]string{"active", "done"})).Save(ctx)
						return err
					default:
						_, err := tx.NodeInstance.Delete().Where(nodeinstance.OrderID(id)).Exec(ctx)
						return err
					}
				case 5: // a node instance moved to another node or order, or its type changed
					ni, err := tx.NodeInstance.Query().Where(nodeinstance.OrderID(id)).First(ctx)
					if ent.IsNotFound(err) {
						return nil
					} else if err != nil {
						return err
					}
					u := tx.NodeInstance.UpdateOneID(ni.ID).SetNodeID(pick(nodes))
					if r.IntN(2) == 0 {
						u.SetOrderID(ids[r.IntN(len(ids))]).SetNodeType(pick([]string{"review", "task"}))
					}
					return u.Exec(ctx)
				case 6: // an order and its nodes deleted
					if _, err := tx.NodeInstance.Delete().Where(nodeinstance.OrderID(id)).Exec(ctx); err != nil {
						return err
					}
					_, err := tx.Order.Delete().Where(order.ID(id)).Exec(ctx)
					return err
				default: // moved, then the transaction fails: the tables roll back with it
					if err := tx.Order.UpdateOneID(id).SetStatus("completed").SetCurrentNodes([]string{}).Exec(ctx); err != nil && !ent.IsNotFound(err) {
						return err
					}
					if _, err := tx.NodeInstance.Update().Where(nodeinstance.OrderID(id)).SetStatus("done").Save(ctx); err != nil {
						return err
					}
					return errRolledBack
				}
			})
			if err != nil && !errors.Is(err, errRolledBack) && !ent.IsNotFound(err) {
				t.Fatal(err)
			}
			check(fmt.Sprintf("round %d", round))
		}

		// an order deleted with its node instances left behind takes its cards along
		n, err := s.Client.Order.Delete().Where(order.IDIn(ids[:20]...)).Exec(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d orders deleted at the end", n)
		check("orders deleted")
		if _, err := s.Client.NodeInstance.Delete().Where(nodeinstance.OrderIDIn(ids[:20]...)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		check("their node instances deleted")
	})
}

var errRolledBack = errors.New("rolled back on purpose")

// Without a search the board reads of an order's data its customer's name alone, in
// SQL: it must be what the whole data gives (a name that is not text, or no customer
// object, shows none), on every dialect, for a page whose first order has no name too.
func TestCardOrdersReadTheCustomerName(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		r := &Reporting{Service: &service.Service{Store: s}}
		datas := []map[string]any{
			{},
			{"customer": map[string]any{"name": "高雄順達五金行", "tier": "vip"}},
			{"customer": map[string]any{"name": 42.0}},
			{"customer": "ACME"},
			{"customer": map[string]any{"code": "C-1"}},
			{"customer": map[string]any{"name": `it's "quoted" \ back`}, "items": []any{map[string]any{"sku": "X"}}},
			{"customer": map[string]any{"name": ""}},
		}
		var ids []int
		for i, d := range datas {
			o, err := s.Client.Order.Create().SetNumber(fmt.Sprintf("N-%d", i)).SetFlowKey("order-review").SetFlowVersion(1).
				SetStatus("in_review").SetDepartment("sales").SetSubmitter("clerk").SetData(d).SetCurrentNodes([]string{}).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		whole, err := r.cardOrders(ctx, s.Read, ids, false)
		if err != nil {
			t.Fatal(err)
		}
		named, err := r.cardOrders(ctx, s.Read, ids, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(whole) != len(ids) || len(named) != len(ids) {
			t.Fatalf("%d and %d orders, want %d", len(whole), len(named), len(ids))
		}
		nameOf := func(o *ent.Order) string {
			if cu, ok := o.Data["customer"].(map[string]any); ok {
				if n, ok := cu["name"].(string); ok {
					return n
				}
			}
			return ""
		}
		for i := range ids {
			w, n := whole[i], named[i]
			if w.ID != n.ID || nameOf(w) != nameOf(n) || w.Number != n.Number || w.Total != n.Total || w.Submitter != n.Submitter ||
				w.Status != n.Status || w.FlowKey != n.FlowKey || w.FlowVersion != n.FlowVersion || w.Customer != n.Customer {
				t.Fatalf("order %d: whole %+v (name %q), name only %+v (name %q)", w.ID, w, nameOf(w), n, nameOf(n))
			}
		}
		if nameOf(named[1]) != "高雄順達五金行" || nameOf(named[5]) != `it's "quoted" \ back` {
			t.Fatalf("names %q, %q", nameOf(named[1]), nameOf(named[5]))
		}
	})
}
