package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"sluice/schemas"
)

// The sample orders and how often each is submitted: mostly the short path, some
// finance countersigns, shortages, committee votes and credit exceptions.
var samples = []struct {
	file   string
	weight int
}{
	{"small-standard.json", 50}, {"large-vip.json", 12}, {"shortage-new.json", 12},
	{"committee-project.json", 8}, {"credit-hold.json", 18},
}

// who acts on a task, in order of preference, when it names several assignees.
var preferred = []string{"clerk", "manager", "warehouse", "service", "finance", "finance2", "manager2"}

type taskView struct {
	ID        int      `json:"id"`
	Node      string   `json:"node"`
	Kind      string   `json:"kind"`
	Assignees []string `json:"assignees"`
	Status    string   `json:"status"`
	Reasons   []string `json:"reasons"`
	Checklist []any    `json:"checklist"`
}

type orderView struct {
	ID     int        `json:"id"`
	Status string     `json:"status"`
	Tasks  []taskView `json:"tasks"`
}

// acks is every 2xx the clients received, to be found in the database afterwards.
type acks struct {
	mu          sync.Mutex
	submitted   map[string]int // Idempotency-Key → order id answered
	attempted   map[string]bool
	decided     []decision
	resolved    []resolution
	replays     int // 2xx answered from an idempotency record
	retried2xx  int // 2xx after at least one unknown outcome
	conflicts   map[string]int
	keyConflict []string // a keyed retry after an unknown outcome answered 409
	resent      int      // acknowledged requests sent again with their key on purpose
	badReplays  []string // … whose answer was not the first one replayed
}

type decision struct {
	Task, Order int
	Action      string
	User        string
}

type resolution struct {
	Exception, Order int
	Action           string
	User             string
}

func newAcks() *acks {
	return &acks{submitted: map[string]int{}, attempted: map[string]bool{}, conflicts: map[string]int{}}
}

// loader is the load of one scenario.
type loader struct {
	cl      *client
	req     context.Context // requests: they outlive the load's end, so each gets its answer
	acks    *acks
	seed    uint64
	scen    int
	bodies  [][]byte
	weights []int
	total   int
	promise string
}

func newLoader(req context.Context, cl *client, seed uint64, scen int) (*loader, error) {
	l := &loader{req: req, cl: cl, acks: newAcks(), seed: seed, scen: scen,
		// a promised date well ahead, so no reminder deadline falls inside the run
		promise: time.Now().AddDate(0, 3, 0).Format("2006-01-02")}
	for _, s := range samples {
		b, err := fs.ReadFile(schemas.Examples(), "orders/"+s.file) // the samples the binary seeds beside
		if err != nil {
			return nil, err
		}
		l.bodies = append(l.bodies, b)
		l.weights = append(l.weights, s.weight)
		l.total += s.weight
	}
	return l, nil
}

// worker submits orders and walks them through their review until ctx ends (the
// request in flight then still gets its answer). Each
// worker owns its orders, so no two workers act on one order.
func (l *loader) worker(ctx context.Context, w int) {
	rng := rand.New(rand.NewPCG(l.seed, uint64(l.scen)<<32|uint64(w)+1))
	var owned []int
	stuck := map[int]int{}
	for n := 0; ctx.Err() == nil; n++ {
		if len(owned) == 0 || (len(owned) < 3 && rng.IntN(3) == 0) {
			key := fmt.Sprintf("soak-%d-%d-w%d-o%d", l.seed, l.scen, w, n)
			if id, ok := l.submit(rng, key); ok {
				owned = append(owned, id)
			}
			continue
		}
		i := rng.IntN(len(owned))
		done, progressed := l.advance(rng, w, n, owned[i])
		if !progressed {
			stuck[owned[i]]++
		}
		if done || stuck[owned[i]] > 5 {
			delete(stuck, owned[i])
			owned = slices.Delete(owned, i, i+1)
		}
	}
}

func (l *loader) body(rng *rand.Rand, key string) []byte {
	k := rng.IntN(l.total)
	i := 0
	for ; k >= l.weights[i]; i++ {
		k -= l.weights[i]
	}
	var req map[string]any
	_ = json.Unmarshal(l.bodies[i], &req)
	data := req["data"].(map[string]any)
	data["note"] = "soak:" + key // finds the order of a key in the database
	data["promised_date"] = l.promise
	b, _ := json.Marshal(req)
	return b
}

// submit posts one order as the clerk with an Idempotency-Key (kept across retries).
func (l *loader) submit(rng *rand.Rand, key string) (int, bool) {
	body := l.body(rng, key)
	l.acks.mu.Lock()
	l.acks.attempted[key] = true
	l.acks.mu.Unlock()
	a, err := l.cl.do(l.req, rng, http.MethodPost, "/api/v1/orders", "POST /orders", "clerk", key, body)
	if err != nil {
		return 0, false
	}
	var o orderView
	if !a.ok() || json.Unmarshal(a.Body, &o) != nil || o.ID == 0 {
		l.noteRefusal("POST /orders", key, a)
		return 0, false
	}
	l.acks.mu.Lock()
	l.acks.submitted[key] = o.ID
	l.noteAck(a)
	l.acks.mu.Unlock()
	if rng.IntN(20) == 0 {
		l.resend(rng, http.MethodPost, "/api/v1/orders", "POST /orders", "clerk", key, body, a)
	}
	return o.ID, true
}

// resend sends an acknowledged request again with its key, as a client that lost the
// answer would: it must be answered from the idempotency record, with the first answer.
func (l *loader) resend(rng *rand.Rand, method, path, route, user, key string, body []byte, first answer) {
	a, err := l.cl.do(l.req, rng, method, path, route+" (again)", user, key, body)
	if err != nil {
		return
	}
	l.acks.mu.Lock()
	defer l.acks.mu.Unlock()
	l.acks.resent++
	if a.Status != first.Status || !a.Replayed || !sameJSON(a.Body, first.Body) {
		l.acks.badReplays = append(l.acks.badReplays, fmt.Sprintf("%s key %s sent again: HTTP %d replayed=%v %.300s (first: HTTP %d %.300s)",
			route, key, a.Status, a.Replayed, a.Body, first.Status, first.Body))
	}
}

// noteAck counts a 2xx that came from an idempotency record or after retries (mu held).
func (l *loader) noteAck(a answer) {
	if a.Replayed {
		l.acks.replays++
	}
	if a.Attempts > 1 {
		l.acks.retried2xx++
	}
}

// noteRefusal counts a 4xx; on a keyed request sent again after an unknown outcome a
// 409 may mean the first attempt's effect was kept without its idempotency record.
func (l *loader) noteRefusal(route, key string, a answer) {
	l.acks.mu.Lock()
	defer l.acks.mu.Unlock()
	l.acks.conflicts[fmt.Sprintf("%s %d", route, a.Status)]++
	if key != "" && a.Attempts > 1 && a.Status == http.StatusConflict {
		l.acks.keyConflict = append(l.acks.keyConflict, fmt.Sprintf("%s key %s: %d after %d attempts: %.300s", route, key, a.Status, a.Attempts, a.Body))
	}
}

// advance reads the order and takes one step on it: a decision on its first open task
// or the resolution of its open exception. done: the order has ended.
func (l *loader) advance(rng *rand.Rand, w, n, id int) (done, progressed bool) {
	a, err := l.cl.do(l.req, rng, http.MethodGet, "/api/v1/orders/"+strconv.Itoa(id), "GET /orders/:id", "clerk", "", nil)
	if err != nil || !a.ok() {
		return false, false
	}
	var o orderView
	if json.Unmarshal(a.Body, &o) != nil {
		return false, false
	}
	switch o.Status {
	case "in_review":
	case "exception":
		return false, l.resolve(rng, id)
	default:
		return true, true
	}
	for _, t := range o.Tasks {
		if t.Status != "open" || t.Kind == "cc" || len(t.Assignees) == 0 {
			continue
		}
		return false, l.decide(rng, fmt.Sprintf("soak-%d-%d-w%d-a%d", l.seed, l.scen, w, n), id, t)
	}
	return false, false
}

func (l *loader) decide(rng *rand.Rand, key string, order int, t taskView) bool {
	user := t.Assignees[0]
	for _, u := range preferred {
		if slices.Contains(t.Assignees, u) {
			user = u
			break
		}
	}
	req := map[string]any{"action": "approve"}
	switch r := rng.IntN(100); {
	case r < 5 && len(t.Reasons) > 0:
		req = map[string]any{"action": "reject", "reason": t.Reasons[rng.IntN(len(t.Reasons))], "comment": "soak"}
	case r < 10 && t.Node != "verify":
		req = map[string]any{"action": "return", "comment": "soak"}
	default:
		ticks := make([]bool, len(t.Checklist))
		for i := range ticks {
			ticks[i] = true
		}
		req["checklist"] = ticks
	}
	body, _ := json.Marshal(req)
	a, err := l.cl.do(l.req, rng, http.MethodPost, "/api/v1/tasks/"+strconv.Itoa(t.ID)+"/actions", "POST /tasks/:id/actions", user, key, body)
	if err != nil {
		return false
	}
	if !a.ok() {
		l.noteRefusal("POST /tasks/:id/actions "+req["action"].(string), key, a)
		return false
	}
	l.acks.mu.Lock()
	l.acks.decided = append(l.acks.decided, decision{Task: t.ID, Order: order, Action: req["action"].(string), User: user})
	l.noteAck(a)
	l.acks.mu.Unlock()
	if rng.IntN(20) == 0 {
		l.resend(rng, http.MethodPost, "/api/v1/tasks/"+strconv.Itoa(t.ID)+"/actions", "POST /tasks/:id/actions", user, key, body, a)
	}
	return true
}

type exceptionView struct {
	ID      int    `json:"id"`
	OrderID int    `json:"order_id"`
	Status  string `json:"status"`
}

// resolve finds the order's open exception (the sales manager owns the demo's) and
// cancels the order or overrides the check.
func (l *loader) resolve(rng *rand.Rand, order int) bool {
	ex := 0
	cursor := ""
	for page := 0; ex == 0 && page < 20; page++ {
		path := "/api/v1/exceptions?status=open&limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		a, err := l.cl.do(l.req, rng, http.MethodGet, path, "GET /exceptions", "manager", "", nil)
		if err != nil || !a.ok() {
			return false
		}
		var p struct {
			Items      []exceptionView `json:"items"`
			NextCursor string          `json:"next_cursor"`
		}
		if json.Unmarshal(a.Body, &p) != nil {
			return false
		}
		for _, e := range p.Items {
			if e.OrderID == order {
				ex = e.ID
			}
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if ex == 0 {
		return false
	}
	req := map[string]any{"action": "cancel", "note": "soak"}
	if rng.IntN(2) == 0 {
		req["action"] = "override"
	}
	body, _ := json.Marshal(req)
	// no Idempotency-Key here (the endpoint takes none): a retry after an unknown
	// outcome may answer 409, and only a 2xx counts
	a, err := l.cl.do(l.req, rng, http.MethodPost, "/api/v1/exceptions/"+strconv.Itoa(ex)+"/resolve", "POST /exceptions/:id/resolve", "manager", "", body)
	if err != nil {
		return false
	}
	if !a.ok() {
		l.noteRefusal("POST /exceptions/:id/resolve", "", a)
		return false
	}
	l.acks.mu.Lock()
	l.acks.resolved = append(l.acks.resolved, resolution{Exception: ex, Order: order, Action: req["action"].(string), User: "manager"})
	l.noteAck(a)
	l.acks.mu.Unlock()
	return true
}

func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
