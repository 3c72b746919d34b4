package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"sluice/backend/app"
	"sluice/backend/ent/exception"
	"sluice/backend/ent/shipment"
	"sluice/backend/ent/task"
	"sluice/backend/ent/timer"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// Writers on two instances doing random changes to the same few orders (shipments,
// hold expiries, decisions, exception retries) at once: each order's writers queue on
// its lock, so no shipment number repeats, nothing ships beyond what was ordered, a
// deadlock or serialization failure never reaches a caller (the store runs the
// transaction again), the stock ledger adds up and every audit chain verifies. This is
// what the global ledger row used to promise and what per-order locks promise now.
// SLUICE_RACE_SEED repeats a run.
func TestOrderWritersRaceAcrossInstances(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SLUICE_RACE_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	storetest.ForEachURL(t, func(t *testing.T, url string) {
		t.Logf("seed %d", seed)
		ctx := context.Background()
		sa := storetest.OpenURL(t, url)
		if err := sa.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		sb := storetest.OpenURL(t, url)
		svcA := newDemo(t, sa)
		svcB, err := app.New(ctx, sb, nil)
		if err != nil {
			t.Fatal(err)
		}
		svcs := []*app.Service{svcA, svcB}
		users := map[string]service.Actor{}
		us, err := sa.Read.User.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			users[u.Username] = service.Actor{ID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin}
		}
		var shipping, holding []int
		for range 2 {
			shipping = append(shipping, atShipping(t, svcA, sa).ID)
			o, _, err := svcA.Submit(ctx, users["clerk"], sample(t, "small-standard.json"), nil)
			if err != nil {
				t.Fatal(err)
			}
			o = step(t, svcA, sa, "clerk", o, service.ActionRequest{Action: "approve"})
			holding = append(holding, o.ID)
		}
		later := time.Now().Add(73 * time.Hour) // past the demo's 72h hold

		ops := map[string]func(r *rand.Rand, svc *app.Service, s *store.Store, w int) error{
			"ship": func(r *rand.Rand, svc *app.Service, s *store.Store, w int) error {
				sku, most := "BRG-6204", 50
				if r.IntN(2) == 0 {
					sku, most = "BLT-M8-30", 10
				}
				_, _, err := svc.Ship(ctx, users["warehouse"], shipping[r.IntN(len(shipping))],
					ship("tcat", fmt.Sprintf("TC-%d-%d", w, r.IntN(1e6)), line(sku, 1+r.IntN(most/4))), nil)
				return err
			},
			"expire": func(r *rand.Rand, svc *app.Service, s *store.Store, w int) error {
				o := holding[r.IntN(len(holding))]
				ids, err := s.Read.Timer.Query().Where(timer.OrderID(o), timer.Kind(service.TimerHoldExpiry)).IDs(ctx)
				if err != nil || len(ids) == 0 {
					return err
				}
				_, err = svc.FireTimer(ctx, ids[r.IntN(len(ids))], later, fmt.Sprintf("w%d", w))
				return err
			},
			"act": func(r *rand.Rand, svc *app.Service, s *store.Store, w int) error {
				// the holding orders' reviews (approving the ship step would end the shipping)
				o := holding[r.IntN(len(holding))]
				ts, err := s.Read.Task.Query().Where(task.OrderID(o), task.Status("open"), task.KindNEQ("cc")).All(ctx)
				if err != nil || len(ts) == 0 {
					return err
				}
				tk := ts[r.IntN(len(ts))]
				if len(tk.Assignees) == 0 {
					return nil
				}
				who := users[tk.Assignees[r.IntN(len(tk.Assignees))]]
				v, err := svc.GetOrder(ctx, who, o)
				if err != nil {
					return err
				}
				req := service.ActionRequest{Action: "approve"}
				for _, tv := range v.Tasks {
					if tv.ID == tk.ID {
						req.Checklist = ticks(tv)
					}
				}
				_, _, err = svc.Act(ctx, who, tk.ID, req, nil)
				return err
			},
			"retry": func(r *rand.Rand, svc *app.Service, s *store.Store, w int) error {
				ex, err := s.Read.Exception.Query().Where(exception.OrderIDIn(holding...), exception.Status("open")).All(ctx)
				if err != nil || len(ex) == 0 {
					return err
				}
				_, err = svc.ResolveException(ctx, users["manager"], ex[r.IntN(len(ex))].ID, service.ResolveRequest{Action: "retry"})
				return err
			},
		}
		names := []string{"ship", "ship", "expire", "act", "retry"}
		const workers, rounds = 8, 12
		var wg sync.WaitGroup
		var mu sync.Mutex
		tally := map[string]map[int]int{}
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(seed, uint64(w)))
				svc, s := svcs[w%2], []*store.Store{sa, sb}[w%2]
				for range rounds {
					op := names[r.IntN(len(names))]
					err := ops[op](r, svc, s, w)
					code := status(err)
					mu.Lock()
					if tally[op] == nil {
						tally[op] = map[int]int{}
					}
					tally[op][code]++
					mu.Unlock()
					switch code {
					case 200, 403, 404, 409, 422, 429:
					default:
						t.Errorf("worker %d %s: %d %v", w, op, code, err)
					}
				}
			}()
		}
		wg.Wait()
		t.Logf("outcomes by operation and status: %v", tally)
		if t.Failed() {
			return
		}
		for _, o := range shipping {
			shs, err := sa.Read.Shipment.Query().Where(shipment.OrderID(o)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			shipped := map[string]int{}
			for _, sh := range shs {
				if seen[sh.Number] {
					t.Fatalf("order %d: shipment number %s twice", o, sh.Number)
				}
				seen[sh.Number] = true
				for _, l := range sh.Lines {
					q, _ := l["qty"].(float64)
					sku, _ := l["sku"].(string)
					shipped[sku] += int(q)
				}
			}
			if shipped["BRG-6204"] > 50 || shipped["BLT-M8-30"] > 10 {
				t.Fatalf("order %d over-shipped: %v", o, shipped)
			}
		}
		ledgerMatches(t, sa)
		if _, err := sa.Anchor(ctx); err != nil {
			t.Fatal(err)
		}
		if bad, reason, n, err := sa.VerifyAudit(ctx); err != nil || reason != "" {
			t.Fatalf("audit after %d entries: %s %v (%+v)", n, reason, err, bad)
		}
	})
}
