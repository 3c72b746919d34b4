package authz

import (
	"context"
	"slices"
	"testing"

	"sluice/backend/ent"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// TestCurrentFaultIsNoAnswer: a database error while Current reads the policy version,
// or while it reloads a snapshot older than the table, is an error for the request to
// answer (500) — never a decision from the old snapshot; once the database answers
// again the committed change is in force. Both databases.
func TestCurrentFaultIsNoAnswer(t *testing.T) {
	storetest.ForEachFaulty(t, func(t *testing.T, s *store.Store, f *store.Faults) {
		ctx := context.Background()
		a, err := New(ctx, s.Read)
		if err != nil {
			t.Fatal(err)
		}
		write := func(rows [][]string) {
			t.Helper()
			if err := s.Tx(ctx, func(tx *ent.Tx) error { return a.Replace(ctx, tx, rows) }); err != nil {
				t.Fatal(err)
			}
		}
		write(Derive(orgRoles, orgNodes, orgMembers, orgAdmins))
		if err := a.Fresh(ctx); err != nil {
			t.Fatal(err)
		}
		if !a.CanPermission("alice", "sales", "orders.create") {
			t.Fatal("alice is a clerk in sales")
		}

		f.Arm(1) // the version read fails
		if err := a.Fresh(ctx); err == nil || !f.Hit() {
			t.Fatalf("Fresh with the version read failing: err %v, fault hit %v", err, f.Hit())
		}
		f.Disarm()
		err = s.Tx(ctx, func(tx *ent.Tx) error {
			f.Arm(1) // the same inside a write transaction
			return a.Current(ctx, tx.CasbinRule)
		})
		if err == nil || !f.Hit() {
			t.Fatalf("Current in a transaction with the version read failing: err %v, fault hit %v", err, f.Hit())
		}
		f.Disarm()

		// alice's membership is revoked elsewhere (no Reload here); reloading fails
		members := slices.DeleteFunc(slices.Clone(orgMembers), func(m Member) bool { return m.Username == "alice" })
		write(Derive(orgRoles, orgNodes, members, orgAdmins))
		f.Arm(2) // the version read passes, the reload's read fails
		if err := a.Fresh(ctx); err == nil || !f.Hit() {
			t.Fatalf("Fresh with the reload failing: err %v, fault hit %v", err, f.Hit())
		}
		f.Disarm()
		if a.Version() == "" || !a.stale.Load() {
			t.Fatal("a failed reload must leave the snapshot marked stale")
		}
		if err := a.Fresh(ctx); err != nil {
			t.Fatal(err)
		}
		if a.CanPermission("alice", "sales", "orders.create") {
			t.Fatal("a stale allow after the revoke")
		}
	})
}
