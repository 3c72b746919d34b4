package outbox_test

import (
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"sluice/backend/ent/outboxmessage"
	"sluice/backend/outbox"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// TestWorkerUnderFaults: every kth statement fails while the worker runs (claims,
// records of deliveries), then it runs clean. Nothing is lost (every message ends sent,
// every key reached the receiver) and nothing is done twice beyond what at-least-once
// allows: a key reaches the receiver again only when recording its delivery failed (the
// receiver deduplicates by Idempotency-Key), so the repeats are at most the faults.
func TestWorkerUnderFaults(t *testing.T) {
	for _, k := range []int{3, 7, 11} {
		t.Run(fmt.Sprintf("every %d", k), func(t *testing.T) {
			storetest.ForEachFaulty(t, func(t *testing.T, st *store.Store, f *store.Faults) {
				rc := &receiver{}
				hs := httptest.NewServer(rc)
				defer hs.Close()
				const n = 25
				for i := range n {
					enqueue(t, st, outbox.Message{Key: fmt.Sprintf("sluice:SO-%d:confirm:webhook", i), Channel: outbox.Webhook,
						Recipient: hs.URL + "/hook", Body: fmt.Sprintf(`{"order":"SO-%d"}`, i)})
				}
				clk := &clock{t: time.Now()}
				w := webhookWorker(st, outbox.Options{Now: clk.Now, Batch: 2, Rand: mrand.New(mrand.NewPCG(1, uint64(k))),
					Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
				f.ArmEvery(k)
				for range 40 {
					_, _ = w.Pass(ctx) // failing passes are the point
					clk.Add(time.Second)
				}
				injected := f.Injected()
				f.Disarm()
				for i := 0; ; i++ {
					clk.Add(3 * time.Minute) // past every lease
					if _, err := w.Pass(ctx); err != nil {
						t.Fatal(err)
					}
					left, err := st.Read.OutboxMessage.Query().Where(outboxmessage.StatusNEQ(outbox.Sent)).Count(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if left == 0 {
						break
					}
					if i > 50 {
						t.Fatalf("%d messages never sent", left)
					}
				}
				times := map[string]int{}
				for _, key := range rc.got() {
					times[key]++
				}
				if len(times) != n {
					t.Fatalf("%d of %d keys reached the receiver", len(times), n)
				}
				repeats := len(rc.got()) - n
				if repeats > injected {
					t.Fatalf("%d repeated deliveries for %d injected faults", repeats, injected)
				}
				t.Logf("%d faults injected, %d repeated deliveries (deduplicated by key)", injected, repeats)
			})
		})
	}
}
