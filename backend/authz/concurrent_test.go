package authz

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// Can runs on many goroutines while policy is replaced and reloaded; run with -race.
// Invariants that hold in both policy versions must hold at every moment, and every
// snapshot must be wholly one version or the other.
func TestConcurrentCanDuringReload(t *testing.T) {
	ctx := context.Background()
	client := openClient(t)
	a, err := New(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	v1 := Derive(orgRoles, orgNodes, orgMembers, orgAdmins)
	members := append([]Member{}, orgMembers...)
	members[0].Department = "sales-south" // alice moves
	v2 := Derive(orgRoles, orgNodes, members, orgAdmins)
	replace(t, a, client, v1)

	const readers = 8
	stop := make(chan struct{})
	var checks, sawV1, sawV2 atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, readers+2)
	review := NodeRef{Flow: "order-review", Node: "manager_review"}
	for r := range readers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if !a.CanPermission("root", "*", "users.manage") {
					errs <- fmt.Errorf("reader %d: admin denied", r)
					return
				}
				if a.CanPermission("mallory", "sales", "orders.read") {
					errs <- fmt.Errorf("reader %d: unknown user allowed", r)
					return
				}
				if a.CanNode("bob", "sales", review, "approve") {
					errs <- fmt.Errorf("reader %d: sales-south manager approved a sales order", r)
					return
				}
				// Both questions against one snapshot: exactly one version must answer.
				e := a.cur.Load().casbin
				inSales, err1 := e.Enforce("user:alice", "sales", "orders", "create")
				inSouth, err2 := e.Enforce("user:alice", "sales-south", "orders", "create")
				switch {
				case err1 != nil || err2 != nil:
					errs <- fmt.Errorf("reader %d: %v %v", r, err1, err2)
					return
				case inSales && !inSouth:
					sawV1.Add(1)
				case !inSales && inSouth:
					sawV2.Add(1)
				default:
					errs <- fmt.Errorf("reader %d: half-loaded snapshot (sales=%v, south=%v)", r, inSales, inSouth)
					return
				}
				checks.Add(1)
			}
		})
	}
	reload := func(name string, rows [][]string, n int) {
		for range n {
			tx, err := client.Tx(ctx)
			if err != nil {
				errs <- err
				return
			}
			if err := a.Replace(ctx, tx, rows); err != nil {
				_ = tx.Rollback()
				errs <- fmt.Errorf("%s: %w", name, err)
				return
			}
			if err := tx.Commit(); err != nil {
				errs <- err
				return
			}
			if err := a.Reload(ctx); err != nil {
				errs <- fmt.Errorf("%s: %w", name, err)
				return
			}
		}
	}
	var writers sync.WaitGroup
	writers.Go(func() {
		for i := range 20 {
			if i%2 == 0 {
				reload("v2", v2, 1)
			} else {
				reload("v1", v1, 1)
			}
		}
	})
	writers.Go(func() { // bare reloads racing the writer
		for range 20 {
			if err := a.Reload(ctx); err != nil {
				errs <- err
				return
			}
		}
	})
	writers.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if checks.Load() == 0 {
		t.Fatal("readers never ran")
	}
	t.Logf("%d checks, %d saw v1, %d saw v2", checks.Load(), sawV1.Load(), sawV2.Load())
	// The last write was v1.
	if !a.CanPermission("alice", "sales", "orders.create") || a.CanPermission("alice", "sales-south", "orders.create") {
		t.Fatal("final policy is not v1")
	}
}
