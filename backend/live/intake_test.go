package live_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"testing"
	"time"

	"sluice/backend/inbound"
	"sluice/backend/live"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// An import's progress reaches the uploader's open socket, step by step and in order,
// ending with the finished tally.
func TestImportProgressIsLive(t *testing.T) {
	inbound.ImportProgressEvery = 1
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s, live.Options{}, true)
		clerk := e.login("clerk")
		c := e.dial(clerk, "")
		expectType(t, c, "subscribed")

		file, err := os.ReadFile("../intake/testdata/orders.csv")
		if err != nil {
			t.Fatal(err)
		}
		mapping, err := os.ReadFile("../intake/testdata/mapping.json")
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("flow", "order-review")
		_ = mw.WriteField("mapping", string(mapping))
		w, _ := mw.CreateFormFile("file", "orders.csv")
		_, _ = w.Write(file)
		_ = mw.Close()
		r := e.do("POST", "/api/v1/imports", clerk, buf.Bytes(), "Content-Type", mw.FormDataContentType())
		if r.status != http.StatusAccepted {
			t.Fatalf("import: %d %s", r.status, r.body)
		}

		var steps []msg
		deadline := time.Now().Add(30 * time.Second)
		for len(steps) == 0 || steps[len(steps)-1].Data["status"] == "running" {
			if time.Now().After(deadline) {
				t.Fatalf("no final progress event; got %+v", steps)
			}
			m := next(t, c)
			if m.Type == "import.progress" {
				steps = append(steps, m)
			}
		}
		if len(steps) != 3 {
			t.Fatalf("want 3 progress events (one per order, the last final), got %+v", steps)
		}
		for i, m := range steps {
			if m.Topic != "user:clerk" || m.Data["processed"] != float64(i+1) || m.Data["total"] != float64(3) {
				t.Fatalf("step %d: %+v", i, m)
			}
			if i > 0 && m.Seq <= steps[i-1].Seq {
				t.Fatalf("out of order: %+v", steps)
			}
		}
		last := steps[2].Data
		if last["status"] != "done" || last["created"] != float64(2) || last["failed"] != float64(1) {
			t.Fatalf("final tally %+v", last)
		}
	})
}
