package main

import (
	"context"
	"path/filepath"
	"testing"
)

// TestMeasureAuthz runs the authorization phase as make bench does: the policy has the
// size it claims and the figures are there. (Speed is read in the bench, not asserted.)
func TestMeasureAuthz(t *testing.T) {
	if testing.Short() {
		t.Skip("plain Enforce at 10,000 grants takes seconds")
	}
	res, err := measureAuthz(context.Background(), filepath.Join(t.TempDir(), "authz.db"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Grants < authzGrants || res.Memberships != authzMemberships {
		t.Fatalf("policy of %d grants and %d memberships, want %d and %d", res.Grants, res.Memberships, authzGrants, authzMemberships)
	}
	if res.Checks == 0 || res.P99us <= 0 || res.EnforceP99 <= 0 || res.Allowed == 0 || res.Allowed == 1 {
		t.Fatalf("figures missing: %+v", res)
	}
	t.Logf("%+v", res)
}
