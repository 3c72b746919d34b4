package api_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sluice/backend/api"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// orderReview is the example flow as a document to break, saved under key.
func orderReview(t *testing.T, key string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../schemas/examples/flows/order-review.json")
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	d["key"] = key
	return d
}

// nodeIndex is the index of each node of a document's nodes, by id.
func nodeIndex(nodes []any) map[string]int {
	idx := map[string]int{}
	for i, n := range nodes {
		idx[n.(map[string]any)["id"].(string)] = i
	}
	return idx
}

func pointers(t *testing.T, r resp) []string {
	t.Helper()
	if r.status != 422 {
		t.Fatalf("want 422, got %d %s", r.status, r.body)
	}
	var ps []string
	for _, e := range r.problem(t).Errors {
		ps = append(ps, e.Pointer)
	}
	slices.Sort(ps)
	return ps
}

// TestDraftReportsEveryProblem: a draft with three mistakes in three different stages (a
// meta-schema one, an unknown role, a bad condition) is refused with all three at once,
// each pointing at its place; fixing them saves it. Which review nodes get the meta-schema
// and role mistakes is drawn at random.
func TestDraftReportsEveryProblem(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin := e.login("admin")
		d := orderReview(t, "three-mistakes")
		nodes := d["nodes"].([]any)
		var reviews []int
		for i, n := range nodes {
			if n.(map[string]any)["type"] == "review" {
				reviews = append(reviews, i)
			}
		}
		rng.Shuffle(len(reviews), func(i, j int) { reviews[i], reviews[j] = reviews[j], reviews[i] })
		// the meta-schema's mistake on a node whose other fields still hold without a mode
		// (a ratio node's "ratio" would be a fourth, rightful, problem)
		k := slices.IndexFunc(reviews, func(i int) bool { return nodes[i].(map[string]any)["ratio"] == nil })
		reviews[0], reviews[k] = reviews[k], reviews[0]
		a, b := reviews[0], reviews[1]
		delete(nodes[a].(map[string]any), "mode")
		nodes[b].(map[string]any)["approvers"] = map[string]any{"role": "no_such_role"}
		edges := d["edges"].([]any)
		cond := slices.IndexFunc(edges, func(x any) bool { return x.(map[string]any)["when"] != nil })
		edges[cond].(map[string]any)["when"] = "order.totl >= 1" // no field totl

		got := pointers(t, e.do("PUT", "/api/v1/definitions/flows/three-mistakes", admin, d))
		want := []string{ptrOf("nodes", a, "mode"), ptrOf("nodes", b, "approvers", "role"), ptrOf("edges", cond, "when")}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("field errors %v, want %v", got, want)
		}

		fixed := orderReview(t, "three-mistakes")
		if r := e.do("PUT", "/api/v1/definitions/flows/three-mistakes", admin, fixed); r.status != 200 {
			t.Fatalf("the fixed draft: %d %s", r.status, r.body)
		}
	})
}

// TestDraftRefusesUnknownPeople: users, roles and departments a draft names must exist
// when it is saved; existing ones save.
func TestDraftRefusesUnknownPeople(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin := e.login("admin")
		d := orderReview(t, "unknown-people")
		nodes := d["nodes"].([]any)
		idx := nodeIndex(nodes)
		nodes[idx["committee"]].(map[string]any)["approvers"] = map[string]any{"users": []any{"manager", "nobody_here"}}
		nodes[idx["finance_review"]].(map[string]any)["approvers"] = map[string]any{"role": "finance", "department": "atlantis"}
		nodes[idx["sales_review"]].(map[string]any)["approvers"] = map[string]any{"role": "sales_chief"}

		got := pointers(t, e.do("PUT", "/api/v1/definitions/flows/unknown-people", admin, d))
		want := []string{
			ptrOf("nodes", idx["committee"], "approvers", "users", 1),
			ptrOf("nodes", idx["finance_review"], "approvers", "department"),
			ptrOf("nodes", idx["sales_review"], "approvers", "role"),
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("field errors %v, want %v", got, want)
		}

		nodes[idx["committee"]].(map[string]any)["approvers"] = map[string]any{"users": []any{"manager", "finance"}}
		nodes[idx["finance_review"]].(map[string]any)["approvers"] = map[string]any{"role": "finance", "department": "finance"}
		nodes[idx["sales_review"]].(map[string]any)["approvers"] = map[string]any{"role": "sales_manager"}
		if r := e.do("PUT", "/api/v1/definitions/flows/unknown-people", admin, d); r.status != 200 {
			t.Fatalf("with existing people: %d %s", r.status, r.body)
		}
	})
}

// TestReminderDraftBeforeItsFlowIsPublished: the SLA of a flow that is only a draft saves
// as a draft too (the designer saves both together); it publishes once the flow has.
func TestReminderDraftBeforeItsFlowIsPublished(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin := e.login("admin")
		if r := e.do("PUT", "/api/v1/definitions/flows/sla-first", admin, orderReview(t, "sla-first")); r.status != 200 {
			t.Fatalf("flow draft: %d %s", r.status, r.body)
		}
		rem := map[string]any{"kind": "reminder", "key": "sla-first", "flow": "sla-first",
			"rules": map[string]any{"verify": map[string]any{"remind_after": "2h", "escalate_after": "1d", "escalate_to": map[string]any{"role": "sales_manager"}}}}
		if r := e.do("PUT", "/api/v1/definitions/reminders/sla-first", admin, rem); r.status != 200 {
			t.Fatalf("reminder draft of a flow draft: %d %s", r.status, r.body)
		}
		// a rule for a node the draft does not have is still refused
		bad := map[string]any{"kind": "reminder", "key": "sla-first", "flow": "sla-first", "rules": map[string]any{"nowhere": map[string]any{"remind_after": "2h"}}}
		if got := pointers(t, e.do("PUT", "/api/v1/definitions/reminders/sla-first", admin, bad)); !slices.Equal(got, []string{"/rules/nowhere"}) {
			t.Fatalf("field errors %v", got)
		}
		if r := e.do("POST", "/api/v1/definitions/reminders/sla-first/publish", admin, nil); r.status != 422 {
			t.Fatalf("a reminder of an unpublished flow published: %d %s", r.status, r.body)
		}
		if r := e.do("POST", "/api/v1/definitions/flows/sla-first/publish", admin, nil); r.status != 200 {
			t.Fatalf("publish flow: %d %s", r.status, r.body)
		}
		if r := e.do("POST", "/api/v1/definitions/reminders/sla-first/publish", admin, nil); r.status != 200 {
			t.Fatalf("publish reminder: %d %s", r.status, r.body)
		}
	})
}

func ptrOf(tokens ...any) string {
	s := ""
	for _, t := range tokens {
		switch t := t.(type) {
		case int:
			s += "/" + itoa(t)
		default:
			s += "/" + t.(string)
		}
	}
	return s
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestDraftProblemsSpeakTheUsersLanguage: a flow draft with mistakes of every stage (the
// meta-schema, a role, a node no edge reaches, a condition) is refused with the same
// pointers and codes in every language, each a definition check's or a schema's own code,
// and in zh-TW and zh-CN each message reads in Chinese: no English sentence in it.
func TestDraftProblemsSpeakTheUsersLanguage(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	admin := e.login("admin")
	d := orderReview(t, "in-words")
	nodes := d["nodes"].([]any)
	idx := nodeIndex(nodes)
	delete(nodes[idx["verify"]].(map[string]any), "mode")
	nodes[idx["sales_review"]].(map[string]any)["approvers"] = map[string]any{"role": "no_such_role"}
	d["nodes"] = append(nodes, map[string]any{"id": "orphan", "type": "wait", "wait": map[string]any{"after": "1d"}})
	edges := d["edges"].([]any)
	cond := slices.IndexFunc(edges, func(x any) bool { return x.(map[string]any)["when"] != nil })
	edges[cond].(map[string]any)["when"] = "order.totl >= 1 && order.customer.tire == \"vip\""

	sentence := regexp.MustCompile(`[A-Za-z]+(?: [A-Za-z]+){2,}`)
	byLang := map[string]api.Problem{}
	for _, l := range []string{"en", "zh-TW", "zh-CN"} {
		r := e.do("PUT", "/api/v1/definitions/flows/in-words", admin, d, "Accept-Language", l)
		if r.status != 422 {
			t.Fatalf("%s: %d %s", l, r.status, r.body)
		}
		byLang[l] = r.problem(t)
	}
	en := byLang["en"]
	if len(en.Errors) < 6 {
		t.Fatalf("errors: %+v", en.Errors)
	}
	for _, f := range en.Errors {
		if !strings.HasPrefix(f.Code, "definition.") && !strings.HasPrefix(f.Code, "schema.") {
			t.Errorf("en: %s has code %q: %s", f.Pointer, f.Code, f.Message)
		}
	}
	for _, l := range []string{"zh-TW", "zh-CN"} {
		p := byLang[l]
		if !slices.Equal(codes(p), codes(en)) {
			t.Fatalf("%s codes %v, en %v", l, codes(p), codes(en))
		}
		for _, f := range p.Errors {
			if !han.MatchString(f.Message) || sentence.MatchString(f.Message) {
				t.Errorf("%s: %s %s reads %q", l, f.Pointer, f.Code, f.Message)
			}
		}
	}
	for i := range en.Errors {
		t.Logf("%s %s\n  en: %s\n  zh-TW: %s", en.Errors[i].Pointer, en.Errors[i].Code, en.Errors[i].Message, byLang["zh-TW"].Errors[i].Message)
	}
}

// A simulated sample whose data does not fit the form is answered with its field errors
// in the reader's language, codes kept.
func TestSimulationErrorsSpeakTheUsersLanguage(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	admin := e.login("admin")
	body := map[string]any{"orders": []any{map[string]any{"data": map[string]any{"currency": "TWD"}}}}
	var res struct {
		Results []struct {
			Errors []struct{ Pointer, Code, Message string }
		}
	}
	r := e.do("POST", "/api/v1/flows/order-review/simulate", admin, body, "Accept-Language", "zh-TW")
	r.json(t, &res)
	if r.status != 200 || len(res.Results) != 1 || len(res.Results[0].Errors) == 0 {
		t.Fatalf("simulate: %d %s", r.status, r.body)
	}
	for _, f := range res.Results[0].Errors {
		if f.Code != "schema.required" || !han.MatchString(f.Message) {
			t.Errorf("sample error %+v", f)
		}
	}
}
