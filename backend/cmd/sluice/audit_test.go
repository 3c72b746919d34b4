package main

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluice/backend/app"
	"sluice/backend/checkpoint"
	"sluice/backend/ent"
	"sluice/backend/ent/task"
	"sluice/backend/ent/user"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	"sluice/schemas"
)

const testCheckpointKey = "checkpoint-key-for-tests-0123456789abcdef"

// decideAll approves every open task of the order until it leaves review (at most
// limit steps); it returns the decisions made.
func decideAll(t *testing.T, svc *app.Service, s *store.Store, o *service.OrderView, limit int) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	for ; n < limit; n++ {
		i := slices.IndexFunc(o.Tasks, func(tk service.TaskView) bool { return tk.Status == "open" && len(tk.Assignees) > 0 })
		if i < 0 {
			break
		}
		tk := o.Tasks[i]
		u, err := s.Read.User.Query().Where(user.Username(tk.Assignees[0])).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ticks := make([]bool, len(tk.Checklist))
		for k := range ticks {
			ticks[k] = true
		}
		res, _, err := svc.Act(ctx, service.Actor{ID: u.ID, Username: u.Username}, tk.ID, service.ActionRequest{Action: "approve", Checklist: ticks}, nil)
		if err != nil {
			t.Fatalf("%s approves %s: %v", u.Username, tk.Node, err)
		}
		o = &res.Order
	}
	return n
}

func submit(t *testing.T, svc *app.Service, s *store.Store) *service.OrderView {
	t.Helper()
	b, err := fs.ReadFile(schemas.Examples(), "orders/large-vip.json")
	if err != nil {
		t.Fatal(err)
	}
	var req service.SubmitRequest
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	clerk, err := s.Read.User.Query().Where(user.Username("clerk")).Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o, _, err := svc.Submit(context.Background(), service.Actor{ID: clerk.ID, Username: clerk.Username}, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// truncateTail is the attack: the audit entries after keep are deleted and every
// chain's head moved back to its last one kept (see storetest.CutAudit), as someone who
// can write the database would do it. Tasks and events stay.
func truncateTail(t *testing.T, s *store.Store, keep int64) {
	storetest.CutAudit(t, s, keep)
}

func auditHead(t *testing.T, s *store.Store) int64 {
	t.Helper()
	a, _, err := s.Heads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Cutting decisions off the end of the audit chains (with the anchors that came after)
// and moving the heads back with them leaves chains that verify on their own. `audit verify` still fails: the
// checkpoints written outside the database name the first one no longer in the chain,
// and, without checkpoints, the decided tasks (and, once those are undone too, the
// decision events) have no entries.
func TestAuditTailTruncationDetected(t *testing.T) {
	t.Setenv("SLUICE_AUDIT_CHECKPOINT_KEY", testCheckpointKey)
	storetest.ForEachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		svc, done, err := openService(ctx, url, "cmd-test-pass", io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer done()
		if err := svc.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		s := svc.Store
		dir := t.TempDir()
		cw, err := checkpoint.NewWriter(s, checkpoint.Options{Path: dir, Key: []byte(testCheckpointKey), Instance: "sluice-a"})
		if err != nil {
			t.Fatal(err)
		}
		take := func() *checkpoint.Checkpoint {
			c, err := cw.Take(ctx)
			if err != nil || c == nil {
				t.Fatalf("checkpoint: %v %v", c, err)
			}
			return c
		}
		first := submit(t, svc, s)
		if n := decideAll(t, svc, s, first, 2); n != 2 {
			t.Fatalf("%d decisions on the first order", n)
		}
		kept := take()
		second := submit(t, svc, s)
		if n := decideAll(t, svc, s, second, 3); n < 2 {
			t.Fatalf("%d decisions on the second order", n)
		}
		cut := take()

		out, code := runCmd(t, "audit", "verify", "--db", url, "--checkpoints", dir)
		if code != 0 || !strings.Contains(out, "audit chain intact") || !strings.Contains(out, "checkpoints verified: 2") || !strings.Contains(out, "cross-check passed") {
			t.Fatalf("untampered: %d\n%s", code, out)
		}

		truncateTail(t, s, kept.Seq)
		// What the chain alone says (all `audit verify` checked before): intact.
		if _, reason, n, err := s.VerifyAudit(ctx); err != nil || reason != "" || int64(n) != kept.Seq {
			t.Fatalf("the truncated chain should verify on its own: %q %d %v", reason, n, err)
		}
		out, code = runCmd(t, "audit", "verify", "--db", url, "--checkpoints", dir)
		wantCP := "checkpoint " + filepath.Join(dir, "sluice-a.jsonl") + ":2 (seq " + itoa(cut.Seq) + ", instance sluice-a"
		if code != 1 || !strings.Contains(out, "audit checkpoints FAILED: "+wantCP) || !strings.Contains(out, "entries were cut off the end") {
			t.Fatalf("with checkpoints: %d\n%s", code, out)
		}
		out, code = runCmd(t, "audit", "verify", "--db", url)
		if code != 1 || !strings.Contains(out, "audit cross-check FAILED: task ") || !strings.Contains(out, "(approve by ") {
			t.Fatalf("without checkpoints, the decided tasks: %d\n%s", code, out)
		}

		// The attacker undoes the decisions on the tasks too; the events still tell.
		if err := s.Client.Task.Update().Where(task.OrderID(second.ID)).SetDecision("").SetDecidedBy("").ClearDecidedAt().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		out, code = runCmd(t, "audit", "verify", "--db", url)
		if code != 1 || !strings.Contains(out, "audit cross-check FAILED: event ") || !strings.Contains(out, "which is not in the chain") {
			t.Fatalf("without checkpoints, the events: %d\n%s", code, out)
		}

		// The attacker refills the cut range with entries of their own, hashed into the
		// chain: it verifies again, but the checkpoint's hash and the events' entries
		// no longer match.
		for auditHead(t, s) < cut.Seq {
			err := s.Tx(ctx, func(tx *ent.Tx) error {
				j, err := store.Begin(ctx, tx, "")
				if err != nil {
					return err
				}
				if err := store.LockOrders(ctx, tx, second.ID); err != nil {
					return err
				}
				if err := j.Audit(ctx, store.Audit{Actor: "mallory", Action: "note", OrderID: second.ID}); err != nil {
					return err
				}
				return j.Close(ctx)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		out, code = runCmd(t, "audit", "verify", "--db", url, "--checkpoints", dir)
		if code != 1 || !strings.Contains(out, "audit chain intact") || !strings.Contains(out, "entry "+itoa(cut.Seq)+" has another hash") ||
			!strings.Contains(out, "which records note of another task (the chain was rewritten)") {
			t.Fatalf("rewritten tail: %d\n%s", code, out)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A checkpoint file with a line signed by another key fails verify, naming the line.
func TestAuditVerifyRefusesForgedCheckpoint(t *testing.T) {
	t.Setenv("SLUICE_AUDIT_CHECKPOINT_KEY", testCheckpointKey)
	url := storetest.SQLiteURL(t)
	if _, code := runCmd(t, "seed", "--db", url); code != 0 {
		t.Fatal("seed")
	}
	s := storetest.OpenURL(t, url)
	if _, err := s.Anchor(context.Background()); err != nil {
		t.Fatal(err)
	}
	seq, hash, err := s.AnchorHead(context.Background())
	if err != nil || seq == 0 {
		t.Fatal(seq, err)
	}
	file := filepath.Join(t.TempDir(), "cp.jsonl")
	good := checkpoint.Sign(checkpoint.Checkpoint{Seq: seq, Hash: hash, At: time.Now(), Instance: "a"}, []byte(testCheckpointKey))
	forged := checkpoint.Sign(checkpoint.Checkpoint{Seq: seq, Hash: hash, At: time.Now(), Instance: "a"}, []byte("mallory-has-no-key-but-tries-anyway"))
	g, _ := json.Marshal(good)
	f, _ := json.Marshal(forged)
	os.WriteFile(file, []byte(string(g)+"\n"), 0o600)
	if out, code := runCmd(t, "audit", "verify", "--db", url, "--checkpoints", file); code != 0 || !strings.Contains(out, "checkpoints verified: 1") {
		t.Fatalf("genuine: %d\n%s", code, out)
	}
	os.WriteFile(file, []byte(string(g)+"\n"+string(f)+"\n"), 0o600)
	if out, code := runCmd(t, "audit", "verify", "--db", url, "--checkpoints", file); code != 1 || !strings.Contains(out, "cp.jsonl:2") || !strings.Contains(out, "signature does not verify") {
		t.Fatalf("forged: %d\n%s", code, out)
	}
}
