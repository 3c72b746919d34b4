package main

import "testing"

// TestMeasureProof: the bench proves the demo flow and reports what it explored.
func TestMeasureProof(t *testing.T) {
	r, err := measureProof(2)
	if err != nil {
		t.Fatal(err)
	}
	if r.States < 10 || r.Ms <= 0 || r.Runs != 2 {
		t.Fatalf("proof result %+v", r)
	}
	t.Logf("%s: %d states, %.1f ms", r.Flow, r.States, r.Ms)
}
