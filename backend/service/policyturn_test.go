package service_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"sluice/backend/access"
	"sluice/backend/app"
	"sluice/backend/authz"
	"sluice/backend/ent"
	"sluice/backend/ent/casbinrule"
	"sluice/backend/store/storetest"
)

// Two instances on one PostgreSQL database change the sources of one person's grants at
// the same moment: one disables them, the other gives them a second role; each change
// rebuilds the policy from what it reads. Both changes are written before either rebuild
// reads, so without the rebuilds taking turns each derives from a state without the
// other's change, the second adds the new role's line (it still sees the person
// enabled), and a disabled person keeps a grant for good (once no ledger row serialises
// every writer, as issue 16 item 3 wants). The policy must equal what its sources say once both commit.
func TestConcurrentPolicyRebuildsKeepEveryChange(t *testing.T) {
	if os.Getenv(storetest.PGEnv) == "" {
		t.Skip("PostgreSQL only: SQLite has one writer")
	}
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	s1 := storetest.OpenURL(t, url)
	if err := s1.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	first := newDemo(t, s1)
	s2 := storetest.OpenURL(t, url)
	second, err := app.New(ctx, s2, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin := as(t, s1, "admin")
	for round := range 3 {
		name := fmt.Sprintf("turn%d", round)
		u, err := first.CreateUser(ctx, admin, access.NewUser{Username: name, Password: "turn-pass-12345",
			Memberships: []access.Membership{{Department: "sales", Role: "order_clerk"}}})
		if err != nil {
			t.Fatal(err)
		}
		changes := []struct {
			svc   *app.Service
			write func(tx *ent.Tx) error
		}{
			{first, func(tx *ent.Tx) error { return tx.User.UpdateOneID(u.ID).SetDisabled(true).Exec(ctx) }},
			{second, func(tx *ent.Tx) error {
				return tx.Membership.Create().SetUserID(u.ID).SetDepartment("finance").SetRole("finance").Exec(ctx)
			}},
		}
		var written, done sync.WaitGroup
		written.Add(len(changes))
		errs := make(chan error, len(changes))
		for _, c := range changes {
			done.Add(1)
			go func() {
				defer done.Done()
				once := sync.OnceFunc(written.Done)
				defer once() // a failed write must not leave the other waiting
				errs <- c.svc.Store.Tx(ctx, func(tx *ent.Tx) error {
					if err := c.write(tx); err != nil {
						return err
					}
					once()
					written.Wait() // both changes written, neither committed
					return c.svc.WritePolicy(ctx, tx)
				})
			}()
		}
		done.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		lines, err := s1.Read.CasbinRule.Query().Where(casbinrule.Ptype("g"), casbinrule.V0(authz.Subject(name))).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if lines != 0 {
			t.Errorf("round %d: %s is disabled but holds %d role lines in the policy", round, name, lines)
		}
	}
}
