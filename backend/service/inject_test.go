package service_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluice/backend/catalogue"
	"sluice/backend/ent/exception"
	"sluice/backend/ent/task"
	"sluice/backend/fulfilment"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// Fault injection over whole requests: for each mutating operation, the Nth statement
// of the request fails, for every N from 1 until a run hits no fault. Each failure must
// be a fault (never a 4xx refusal nor a business outcome), leave the database as it was,
// and the same request run again without the fault must give what a clean run gives.

// businessTables are digested before and after a failed request.
var businessTables = []string{
	"orders", "tasks", "task_assignees", "node_instances", "exceptions", "timers",
	"audit_entries", "events", "stocks", "stock_moves", "reservations", "outbox_messages",
	"shipments", "order_comments", "notifications", "idempotency_keys", "definitions",
	"import_jobs", "ledgers", "customers", "users", "memberships", "casbin_rules",
}

// digest is each business table's row count and a hash of all its rows.
func digest(t *testing.T, s *store.Store) string {
	t.Helper()
	ctx := context.Background()
	var out strings.Builder
	for _, table := range businessTables {
		rows, err := s.ReadDB.QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY 1")
		if err != nil {
			t.Fatalf("digest %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		h, n := sha256.New(), 0
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("digest %s: %v", table, err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(h, "%v\x1f", v)
			}
			h.Write([]byte{'\n'})
			n++
		}
		if err := rows.Close(); err != nil {
			t.Fatalf("digest %s: %v", table, err)
		}
		fmt.Fprintf(&out, "%s=%d:%s ", table, n, hex.EncodeToString(h.Sum(nil))[:12])
	}
	return out.String()
}

// describe is what a request's answer says about the order, without ids or times.
func describe(t *testing.T, s *store.Store, o *service.OrderView) string {
	t.Helper()
	var tasks []string
	for _, tk := range o.Tasks {
		tasks = append(tasks, fmt.Sprintf("%s/%s/%s/%v", tk.Node, tk.Kind, tk.Status, tk.Assignees))
	}
	slices.Sort(tasks)
	ex, err := s.Read.Exception.Query().Where(exception.OrderID(o.ID)).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var exs []string
	for _, e := range ex {
		exs = append(exs, e.Node+"/"+e.Reason+"/"+e.Status)
	}
	slices.Sort(exs)
	cc, err := s.Read.Task.Query().Where(task.OrderID(o.ID), task.Kind("cc")).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var copied []string
	for _, c := range cc {
		copied = append(copied, fmt.Sprint(c.Assignees))
	}
	slices.Sort(copied)
	return fmt.Sprintf("%s at %v tasks %v cc %v exceptions %v", o.Status, o.CurrentNodes, tasks, copied, exs)
}

// faultCase is one mutating request: prepare makes (without faults) what the request
// acts on and returns the request; the request answers how to describe its result
// (called once the faults are off).
type faultCase struct {
	name    string
	prepare func(t *testing.T) request
}

type request func(ctx context.Context) (func() string, error)

// run runs req and describes what it answered.
func (req request) run(ctx context.Context) (string, error) {
	d, err := req(ctx)
	if err != nil {
		return "", err
	}
	return d(), nil
}

// faultSampling says which statements a sweep fails: all of them with
// SLUICE_FAULTS_FULL set, else a random quarter (and always those past the control
// run's count), drawn from SLUICE_FAULTS_SEED or the clock; the test prints the seed.
func faultSampling(t *testing.T) func(n, total int) bool {
	if os.Getenv("SLUICE_FAULTS_FULL") != "" {
		t.Log("fault sweep: every statement (SLUICE_FAULTS_FULL)")
		return func(int, int) bool { return true }
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SLUICE_FAULTS_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("SLUICE_FAULTS_SEED: %v", err)
		}
	}
	t.Logf("fault sweep: a quarter of the statements, SLUICE_FAULTS_SEED=%d (SLUICE_FAULTS_FULL=1: all)", seed)
	r := rand.New(rand.NewPCG(seed, 14))
	return func(n, total int) bool { return n > total || r.IntN(4) == 0 }
}

// sweep runs c under a fault at each statement of its request in turn (those pick
// chooses), until a run hits no fault.
func sweep(t *testing.T, s *store.Store, f *store.Faults, c faultCase, pick func(n, total int) bool) {
	t.Helper()
	ctx := context.Background()
	f.Arm(0) // count only
	d, err := c.prepare(t)(ctx)
	total := f.Seen()
	f.Disarm()
	if err != nil {
		t.Fatalf("%s without faults: %v", c.name, err)
	}
	want := d()
	tried := 0
	for n := 1; ; n++ {
		if !pick(n, total) {
			continue
		}
		tried++
		req := c.prepare(t)
		before := digest(t, s)
		f.Arm(n)
		d, err := req(ctx)
		hit := f.Hit()
		f.Disarm()
		got := ""
		if err == nil {
			got = d()
		}
		if !hit {
			if err != nil || got != want {
				t.Fatalf("%s: the run past every fault (%d statements) answered %q, %v; want %q", c.name, n-1, got, err, want)
			}
			t.Logf("%s: %d statements, %d of them failed in turn", c.name, n-1, tried-1)
			return
		}
		if err == nil {
			// the fault hit something the request may do without (after its commit)
			if got != want {
				t.Fatalf("%s, statement %d failed: the request succeeded with %q, want %q (a fault became an outcome)", c.name, n, got, want)
			}
			continue
		}
		if e, ok := service.AsError(err); ok && e.Status < 500 {
			t.Fatalf("%s, statement %d failed: answered %d %v, want a fault", c.name, n, e.Status, err)
		}
		if after := digest(t, s); after != before {
			t.Fatalf("%s, statement %d failed (%v): the database changed\nbefore %s\nafter  %s", c.name, n, err, before, after)
		}
		got, err = req.run(ctx)
		if err != nil || got != want {
			t.Fatalf("%s, statement %d failed, then the retry answered %q, %v; want %q", c.name, n, got, err, want)
		}
	}
}

// chainFlow: the submitter's manager decides, customer service is copied.
const chainFlow = `{"kind":"flow","key":"chain","form":"order",
 "nodes":[{"id":"start","type":"start"},
  {"id":"boss","type":"review","mode":"any","approvers":{"manager":1},"cc":{"role":"customer_service","department":"service"}},
  {"id":"done","type":"end"}],
 "edges":[{"from":"start","to":"boss"},{"from":"boss","to":"done"}]}`

func TestFaultsNeverDecide(t *testing.T) {
	pick := faultSampling(t)
	storetest.ForEachFaulty(t, func(t *testing.T, s *store.Store, f *store.Faults) {
		svc := exceptional(t, s)
		publish(t, svc, s, "chain", chainFlow)
		ctx := context.Background()
		admin := as(t, s, "admin")
		clerk := as(t, s, "clerk")
		// every prepared order holds stock: let there be plenty, so each goes the same way
		// and credit
		for _, q := range []string{"UPDATE stocks SET on_hand = on_hand + 1000000",
			"UPDATE customers SET credit_limit = 1000000000 WHERE credit_limit > 0"} {
			if _, err := s.DB.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		// "moving" v2 renames its review: orders on v1 migrate
		publish(t, svc, s, "moving", strings.Replace(chainFlow, `"chain"`, `"moving"`, 1))
		var onV1 []*service.OrderView // one per run of the migration
		for range 60 {
			req := sample(t, "small-standard.json")
			req.Flow = "moving"
			o, _, err := svc.Submit(ctx, clerk, req, nil)
			if err != nil {
				t.Fatal(err)
			}
			onV1 = append(onV1, o)
		}
		publish(t, svc, s, "moving", strings.ReplaceAll(strings.Replace(chainFlow, `"chain"`, `"moving"`, 1), `"boss"`, `"chief"`))
		submit := func(t *testing.T, file string) *service.OrderView {
			t.Helper()
			o, _, err := svc.Submit(ctx, clerk, sample(t, file), nil)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		// act answers a request of who on o's open task at node.
		act := func(t *testing.T, o *service.OrderView, who string, req service.ActionRequest) request {
			t.Helper()
			i := slices.IndexFunc(o.Tasks, func(tk service.TaskView) bool {
				// the submitter withdraws and urges through anyone's task
				mine := slices.Contains(tk.Assignees, who) || req.Action == service.ActWithdraw || req.Action == service.ActUrge
				return mine && tk.Status == "open"
			})
			if i < 0 {
				t.Fatalf("%s has no open task on %s: %+v", who, o.Number, o.Tasks)
			}
			if req.Action == "approve" && req.Checklist == nil {
				req.Checklist = ticks(o.Tasks[i])
			}
			a := as(t, s, who)
			return func(ctx context.Context) (func() string, error) {
				res, _, err := svc.Act(ctx, a, o.Tasks[i].ID, req, nil)
				if err != nil {
					return nil, err
				}
				return func() string { return describe(t, s, &res.Order) }, nil
			}
		}
		// resolve answers a request of the clerk resolving exception id.
		resolve := func(t *testing.T, id int, req service.ResolveRequest) request {
			return func(ctx context.Context) (func() string, error) {
				res, err := svc.ResolveException(ctx, clerk, id, req)
				if err != nil {
					return nil, err
				}
				return func() string { return res.Exception.Resolution + ": " + describe(t, s, &res.Order) }, nil
			}
		}
		keys := 0
		cases := []faultCase{
			{"submit", func(t *testing.T) request {
				return func(ctx context.Context) (func() string, error) {
					o, _, err := svc.Submit(ctx, clerk, sample(t, "large-vip.json"), nil)
					if err != nil {
						return nil, err
					}
					return func() string { return describe(t, s, o) }, nil
				}
			}},
			{"approve", func(t *testing.T) request {
				return act(t, submit(t, "large-vip.json"), "clerk", service.ActionRequest{Action: "approve"})
			}},
			{"reject", func(t *testing.T) request {
				return act(t, submit(t, "large-vip.json"), "clerk", service.ActionRequest{Action: "reject", Reason: "incomplete"})
			}},
			{"return", func(t *testing.T) request {
				o := step(t, svc, s, "clerk", submit(t, "large-vip.json"), service.ActionRequest{Action: "approve"})
				return act(t, o, "manager", service.ActionRequest{Action: "return", Node: "verify", Reason: "price_too_low"})
			}},
			{"transfer", func(t *testing.T) request {
				o := step(t, svc, s, "clerk", submit(t, "large-vip.json"), service.ActionRequest{Action: "approve"})
				return act(t, o, "manager", service.ActionRequest{Action: "transfer", User: "manager2"})
			}},
			{"delegate", func(t *testing.T) request {
				o := step(t, svc, s, "clerk", submit(t, "large-vip.json"), service.ActionRequest{Action: "approve"})
				return act(t, o, "manager", service.ActionRequest{Action: "delegate", User: "manager2"})
			}},
			{"add signer", func(t *testing.T) request {
				o := step(t, svc, s, "clerk", submit(t, "large-vip.json"), service.ActionRequest{Action: "approve"})
				return act(t, o, "manager", service.ActionRequest{Action: "add_signer", User: "service"})
			}},
			{"comment", func(t *testing.T) request {
				return act(t, submit(t, "large-vip.json"), "clerk", service.ActionRequest{Action: "comment", Comment: "checking the address"})
			}},
			{"withdraw", func(t *testing.T) request {
				return act(t, submit(t, "small-standard.json"), "clerk", service.ActionRequest{Action: "withdraw"})
			}},
			{"urge", func(t *testing.T) request {
				o := step(t, svc, s, "clerk", submit(t, "small-standard.json"), service.ActionRequest{Action: "approve"})
				return act(t, o, "clerk", service.ActionRequest{Action: "urge", Comment: "the customer asks"})
			}},
			{"submit to a manager with cc", func(t *testing.T) request {
				req := sample(t, "small-standard.json")
				req.Flow = "chain"
				return func(ctx context.Context) (func() string, error) {
					o, _, err := svc.Submit(ctx, clerk, req, nil)
					if err != nil {
						return nil, err
					}
					return func() string { return describe(t, s, o) }, nil
				}
			}},
			{"exception override", func(t *testing.T) request {
				ex := openException(t, svc, s, submitNote(t, svc, s, "fail:price").ID)
				return resolve(t, ex.ID, service.ResolveRequest{Action: "override", Note: "agreed by phone"})
			}},
			{"exception retry", func(t *testing.T) request {
				ex := openException(t, svc, s, submitNote(t, svc, s, "fail:data").ID)
				return resolve(t, ex.ID, service.ResolveRequest{Action: "retry", Data: map[string]any{"note": "fixed"}})
			}},
			{"exception cancel", func(t *testing.T) request {
				ex := openException(t, svc, s, submitNote(t, svc, s, "fail:stock").ID)
				return resolve(t, ex.ID, service.ResolveRequest{Action: "cancel", Note: "customer gave up"})
			}},
			{"batch approve", func(t *testing.T) request {
				o := step(t, svc, s, "clerk", submit(t, "large-vip.json"), service.ActionRequest{Action: "approve"})
				manager := as(t, s, "manager")
				req := service.BatchRequest{Tasks: []int{o.Tasks[0].ID}, ActionRequest: service.ActionRequest{Action: "approve", Checklist: ticks(o.Tasks[0])}}
				return func(ctx context.Context) (func() string, error) {
					items, err := svc.Batch(ctx, manager, req)
					if err != nil {
						return nil, err
					}
					if it := items[0]; it.Error != nil {
						return nil, it.Error
					}
					return func() string { return describe(t, s, &items[0].Result.Order) }, nil
				}
			}},
			{"ship", func(t *testing.T) request {
				o := step(t, svc, s, "clerk", submit(t, "small-standard.json"), service.ActionRequest{Action: "approve"})
				o = step(t, svc, s, "manager", o, service.ActionRequest{Action: "approve"})
				wh := as(t, s, "warehouse")
				req := fulfilment.ShipmentRequest{Carrier: "tcat", Tracking: fmt.Sprintf("TC-%d", o.ID),
					Lines: []service.ShipmentLine{{SKU: "BRG-6204", Qty: 50}, {SKU: "BLT-M8-30", Qty: 10}}}
				return func(ctx context.Context) (func() string, error) {
					res, _, err := svc.Ship(ctx, wh, o.ID, req, nil)
					if err != nil {
						return nil, err
					}
					return func() string { return fmt.Sprintf("complete %v: %s", res.Complete, describe(t, s, &res.Order)) }, nil
				}
			}},
			{"migration apply", func(t *testing.T) request {
				if len(onV1) == 0 {
					t.Fatal("more statements than orders waiting on v1: submit more")
				}
				o := onV1[0]
				onV1 = onV1[1:]
				mreq := catalogue.MigrationRequest{From: 1, To: 2, Map: map[string]string{"boss": "chief"}, Orders: []int{o.ID}}
				return func(ctx context.Context) (func() string, error) {
					items, err := svc.ApplyMigration(ctx, admin, "moving", mreq)
					if err != nil {
						return nil, err
					}
					return func() string {
						v, err := svc.GetOrder(ctx, admin, o.ID)
						if err != nil {
							t.Fatal(err)
						}
						return fmt.Sprintf("moved %v %q: %s", items[0].Moved, items[0].Problem, describe(t, s, v))
					}, nil
				}
			}},
			{"publish", func(t *testing.T) request {
				keys++
				key := fmt.Sprintf("faulty-%d", keys)
				if _, err := svc.SaveDraft(ctx, admin, "flow", key, []byte(strings.Replace(chainFlow, `"chain"`, `"`+key+`"`, 1))); err != nil {
					t.Fatal(err)
				}
				return func(ctx context.Context) (func() string, error) {
					v, err := svc.Publish(ctx, admin, "flow", key)
					if err != nil {
						return nil, err
					}
					return func() string { return fmt.Sprintf("published version %d", v) }, nil
				}
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { sweep(t, s, f, c, pick) })
		}
	})
}
