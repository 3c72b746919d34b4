package service_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// Many more concurrent writers than pooled connections, with every cache expired so
// each transaction reads definitions while it holds the ledger lock: all of them
// finish. When readers and writers shared one pool, the writers queued on the lock
// held every connection and the lock holder waited for one more forever.
func TestManyWritersOnASmallPool(t *testing.T) {
	const writers = 64
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		s.SetPoolSize(4, 4)
		svc := newDemo(t, s)
		service.SetCacheTTL(svc.Service, 0)
		clerk := as(t, s, "clerk")
		reqs := make([]service.SubmitRequest, writers) // Submit fills in a request's data: one each
		for i := range reqs {
			reqs[i] = sample(t, "small-standard.json")
		}
		// generous: failure here means a hang, never slowness
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o, _, err := svc.Submit(ctx, clerk, reqs[i], nil)
				if err != nil {
					errs[i] = err
					return
				}
				tk := o.Tasks[0]
				_, _, errs[i] = svc.Act(ctx, clerk, tk.ID, service.ActionRequest{Action: "approve", Checklist: ticks(tk)}, nil)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("writers failed (a deadline here is the pool deadlock): %v", err)
		}
		if _, reason, _, err := s.VerifyAudit(context.Background()); err != nil || reason != "" {
			t.Fatalf("audit chain: %s %v", reason, err)
		}
	})
}
