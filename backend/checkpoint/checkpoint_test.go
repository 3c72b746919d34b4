package checkpoint_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/backend/checkpoint"
	"sluice/backend/ent"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

var key = []byte("0123456789abcdef0123456789abcdef-test")

func appendOne(ctx context.Context, s *store.Store, i int) error {
	return s.Tx(ctx, func(tx *ent.Tx) error {
		j, err := store.Begin(ctx, tx, "req")
		if err != nil {
			return err
		}
		if err := j.Audit(ctx, store.Audit{Actor: "tester", Action: "test", Detail: map[string]any{"i": i}}); err != nil {
			return err
		}
		return j.Close(ctx)
	})
}

func verify(t *testing.T, s *store.Store, path string, k []byte) checkpoint.Result {
	t.Helper()
	head, _, err := s.AnchorHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res, err := checkpoint.Verify(context.Background(), path, k, head, s.AuditHashes)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Two instances sharing a directory and a third appending to a single file take
// checkpoints as fast as they can while eight writers append to the chain: every
// checkpoint written is whole, signed and in the chain.
func TestCheckpointsUnderConcurrentWrites(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		shared := filepath.Join(dir, "shared") + string(os.PathSeparator)
		single := filepath.Join(dir, "one", "checkpoints.jsonl")
		var writers []*checkpoint.Writer
		for _, o := range []checkpoint.Options{{Path: shared, Instance: "a"}, {Path: shared, Instance: "b"}, {Path: single, Instance: "c"}, {Path: single, Instance: "d"}} {
			o.Key = key
			w, err := checkpoint.NewWriter(s, o)
			if err != nil {
				t.Fatal(err)
			}
			w.Start(ctx, time.Millisecond)
			writers = append(writers, w)
		}
		const workers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for g := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if err := appendOne(ctx, s, g*100+i); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for _, w := range writers {
			if err := w.Stop(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []string{shared, single} {
			lines, err := checkpoint.Read(p)
			if err != nil {
				t.Fatal(err)
			}
			res := verify(t, s, p, key)
			if res.Problem != "" || res.Checked != len(lines) || res.Checked < 2 {
				t.Fatalf("%s: %+v (%d lines)", p, res, len(lines))
			}
			// the last checkpoint of each instance (taken at Stop, after anchoring every
			// chain's head) is the final head of the global chain
			head, _, err := s.AnchorHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			last := map[string]int64{}
			for _, l := range lines {
				last[l.Instance] = max(last[l.Instance], l.Seq)
			}
			for inst, seq := range last {
				if seq != head {
					t.Fatalf("%s: instance %s last checkpointed %d, head is %d", p, inst, seq, head)
				}
			}
		}
		if _, err := os.Stat(filepath.Join(shared, "a.jsonl")); err != nil {
			t.Fatalf("instance a has no file of its own: %v", err)
		}
	})
}

// A checkpoint signed with another key, or one whose fields were changed after
// signing, is refused; so is a line that is not a checkpoint.
func TestForgedCheckpointRefused(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range 3 {
			if err := appendOne(ctx, s, i); err != nil {
				t.Fatal(err)
			}
		}
		file := filepath.Join(t.TempDir(), "cp.jsonl")
		w, err := checkpoint.NewWriter(s, checkpoint.Options{Path: file, Instance: "a", Key: key})
		if err != nil {
			t.Fatal(err)
		}
		c, err := w.Take(ctx) // anchors the three entries in entry 4, and records it
		if err != nil || c == nil || c.Seq != 4 {
			t.Fatalf("take: %+v %v", c, err)
		}
		if again, err := w.Take(ctx); again != nil || err != nil {
			t.Fatalf("an unchanged head was checkpointed again: %+v %v", again, err)
		}
		if res := verify(t, s, file, key); res.Problem != "" || res.Checked != 1 {
			t.Fatalf("genuine: %+v", res)
		}
		if res := verify(t, s, file, []byte("another-key-another-key-another-key")); !strings.Contains(res.Problem, "signature does not verify") {
			t.Fatalf("verified with the wrong key: %+v", res)
		}
		// someone who can write the database (and this file) but has no key
		forged := checkpoint.Sign(checkpoint.Checkpoint{Seq: 2, Hash: c.Hash, At: time.Now(), Instance: "a"}, []byte("mallory-mallory-mallory-mallory-key"))
		moved := *c
		moved.Seq = 2
		for name, bad := range map[string]checkpoint.Checkpoint{"wrong key": forged, "field changed": moved} {
			f := filepath.Join(t.TempDir(), "cp.jsonl")
			b, _ := json.Marshal(bad)
			if err := os.WriteFile(f, append(b, '\n'), 0o600); err != nil {
				t.Fatal(err)
			}
			if res := verify(t, s, f, key); !strings.Contains(res.Problem, "cp.jsonl:1") || !strings.Contains(res.Problem, "signature does not verify") {
				t.Fatalf("%s: %+v", name, res)
			}
		}
		junk := filepath.Join(t.TempDir(), "cp.jsonl")
		os.WriteFile(junk, []byte(`{"seq":1}`+"\n"), 0o600)
		if _, err := checkpoint.Verify(ctx, junk, key, 3, s.AuditHashes); err == nil || !strings.Contains(err.Error(), "cp.jsonl:1: not a checkpoint line") {
			t.Fatalf("junk line: %v", err)
		}
		if _, err := checkpoint.Verify(ctx, t.TempDir(), key, 3, s.AuditHashes); err == nil {
			t.Fatal("an empty directory verified")
		}
	})
}

// A line cut short by a crash is left alone on its line: the next checkpoint starts on
// a line of its own and still reads back.
func TestTornLineRepaired(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "cp.jsonl")
	os.WriteFile(file, []byte(`{"seq":1,"hash":"ab`), 0o600)
	if err := appendOne(ctx, s, 1); err != nil {
		t.Fatal(err)
	}
	w, err := checkpoint.NewWriter(s, checkpoint.Options{Path: file, Instance: "a", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Take(ctx); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(file)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], `{"seq":2,"hash":"`) || !strings.HasSuffix(string(b), "\n") {
		t.Fatalf("file:\n%s", b)
	}
}

// A signature covers every field: a random change to any of them breaks it.
func TestSignatureCoversEveryField(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 6))
	base := checkpoint.Sign(checkpoint.Checkpoint{Seq: 42, Hash: "ab12", At: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC), Instance: "a"}, key)
	if !base.Valid(key) {
		t.Fatal("a fresh signature does not verify")
	}
	for i := range 50 {
		c := base
		switch r.IntN(4) {
		case 0:
			c.Seq += int64(1 + r.IntN(5))
		case 1:
			c.Hash += fmt.Sprint(r.IntN(9))
		case 2:
			c.At = c.At.Add(time.Duration(1+r.IntN(1000)) * time.Microsecond)
		case 3:
			c.Instance += "x"
		}
		if c.Valid(key) {
			t.Fatalf("case %d: changed checkpoint %+v still verifies", i, c)
		}
	}
}

// A running server notices the head moved back behind its last checkpoint and says so
// (and still checkpoints the new head: the earlier checkpoint keeps the proof).
func TestWriterNoticesHeadMovedBack(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range 2 {
			if err := appendOne(ctx, s, i); err != nil {
				t.Fatal(err)
			}
		}
		var logged strings.Builder
		file := filepath.Join(t.TempDir(), "cp.jsonl")
		w, err := checkpoint.NewWriter(s, checkpoint.Options{Path: file, Instance: "a", Key: key, Log: slog.New(slog.NewTextHandler(&logged, nil))})
		if err != nil {
			t.Fatal(err)
		}
		// Entries 1, 2, the anchor 3 (checkpointed); 4, 5, the anchor 6 (checkpointed).
		for range 2 {
			if c, err := w.Take(ctx); err != nil || c == nil {
				t.Fatalf("take: %+v %v", c, err)
			}
			for i := range 2 {
				if err := appendOne(ctx, s, i); err != nil {
					t.Fatal(err)
				}
			}
		}
		storetest.CutAudit(t, s, 3)
		if c, err := w.Take(ctx); err != nil || c == nil || c.Seq != 3 {
			t.Fatalf("take after the cut: %+v %v", c, err)
		}
		if !strings.Contains(logged.String(), "head moved back") || !strings.Contains(logged.String(), "checkpointed=6 head=3") {
			t.Fatalf("log: %s", logged.String())
		}
		if res := verify(t, s, file, key); !strings.Contains(res.Problem, "cp.jsonl:2 (seq 6") {
			t.Fatalf("verify: %+v", res)
		}
	})
}
