package main

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// One seed, one schedule: SOAK_SEED replays the faults of a run; another seed draws others.
func TestScheduleReplaysFromTheSeed(t *testing.T) {
	cfg := config{seed: 42, duration: 10 * time.Minute, killEvery: 20 * time.Second, pgDropEvery: 15 * time.Second, stormEvery: 10 * time.Second}
	sc := scenario{DB: "postgres", Instances: 3}
	a, b := schedule(cfg, sc, 2), schedule(cfg, sc, 2)
	if !reflect.DeepEqual(a, b) || len(a) == 0 {
		t.Fatalf("the same seed drew two schedules (%d and %d faults)", len(a), len(b))
	}
	kinds := map[string]int{}
	for i, f := range a {
		kinds[f.Kind]++
		if f.At <= 0 || f.At >= cfg.duration || (i > 0 && f.At < a[i-1].At) || f.Inst < 0 || f.Inst >= sc.Instances {
			t.Fatalf("fault %d out of bounds or order: %+v", i, f)
		}
	}
	// mean intervals: 10 min / 20 s ≈ 30 kills, / 15 s ≈ 40 drops, / 10 s ≈ 60 storms
	if kinds["kill"] < 25 || kinds["kill"] > 35 || kinds["drop"] < 34 || kinds["drop"] > 46 || kinds["storm"] < 52 || kinds["storm"] > 68 {
		t.Fatalf("fault counts %v", kinds)
	}
	cfg.seed = 43
	if reflect.DeepEqual(schedule(cfg, sc, 2), a) {
		t.Fatal("another seed drew the same schedule")
	}
	if s := schedule(cfg, scenario{DB: "sqlite", Instances: 1}, 0); len(s) == 0 || countKind(s, "drop") != 0 {
		t.Fatalf("SQLite has no PostgreSQL connections to drop: %v", s)
	}
}

func countKind(fs []fault, kind string) int {
	n := 0
	for _, f := range fs {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

// A worker's choices come from the seed: the same seed submits the same sample bodies.
func TestLoadChoicesReplayFromTheSeed(t *testing.T) {
	l, err := newLoader(t.Context(), nil, 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	draw := func() []string {
		rng := rand.New(rand.NewPCG(7, 1))
		var out []string
		for i := range 20 {
			out = append(out, string(l.body(rng, "k"+string(rune('a'+i)))))
		}
		return out
	}
	if !reflect.DeepEqual(draw(), draw()) {
		t.Fatal("the same seed chose different orders")
	}
}

func TestParseScenarios(t *testing.T) {
	got, err := parseScenarios("sqlite:1, postgres:3,postgres")
	if err != nil || !reflect.DeepEqual(got, []scenario{{"sqlite", 1}, {"postgres", 3}, {"postgres", 1}}) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"sqlite:3", "mysql:1", "postgres:0", ""} {
		if _, err := parseScenarios(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestDiff(t *testing.T) {
	missing, extra := diff([]int64{1, 2, 3, 5}, []int64{1, 3, 4, 5})
	if !reflect.DeepEqual(missing, []int64{2}) || !reflect.DeepEqual(extra, []int64{4}) {
		t.Fatalf("missing %v extra %v", missing, extra)
	}
}
