package service_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/xuri/excelize/v2"

	"sluice/backend/documents/pdfcheck"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// TestReadFaultsNeverChangeTheAnswer: a database statement failing anywhere in printing
// or exporting (each in turn, until a run passes them all) fails the request; it never
// answers a different document (before, a failed lookup printed with default settings
// and without the people's names, and an export without its form columns).
func TestReadFaultsNeverChangeTheAnswer(t *testing.T) {
	storetest.ForEachFaulty(t, func(t *testing.T, s *store.Store, f *store.Faults) {
		svc := newDemo(t, s)
		service.SetCacheTTL(svc.Service, 0) // which version is the latest: read every time
		ctx := context.Background()
		clerk := as(t, s, "clerk")
		o, _, err := svc.Submit(ctx, clerk, sample(t, "large-vip.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		digits := regexp.MustCompile(`[0-9]`) // the time it was printed
		reads := map[string]func(ctx context.Context) (string, error){
			"print": func(ctx context.Context) (string, error) {
				doc, err := svc.PrintDocument(ctx, clerk, o.ID, "order", "", false)
				if err != nil {
					return "", err
				}
				text, err := pdfcheck.Text(doc.PDF)
				return digits.ReplaceAllString(text, ""), err
			},
			"export": func(ctx context.Context) (string, error) {
				x, err := svc.ExportOrders(ctx, clerk, service.OrderFilter{}, "en")
				if err != nil {
					return "", err
				}
				defer x.Close()
				var b bytes.Buffer
				if _, err := x.WriteTo(&b); err != nil {
					return "", err
				}
				wb, err := excelize.OpenReader(&b)
				if err != nil {
					return "", err
				}
				defer wb.Close()
				rows, err := wb.GetRows(wb.GetSheetName(0))
				return fmt.Sprint(rows), err
			},
		}
		for name, read := range reads {
			t.Run(name, func(t *testing.T) {
				want, err := read(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for n := 1; ; n++ {
					f.Arm(n)
					got, err := read(ctx)
					hit := f.Hit()
					f.Disarm()
					if !hit {
						if err != nil || got != want {
							t.Fatalf("the run past every fault: %v", err)
						}
						return
					}
					if e, ok := service.AsError(err); ok && e.Status < 500 {
						t.Fatalf("statement %d failed: answered %d %v, want a fault", n, e.Status, err)
					}
					if err == nil && got != want {
						t.Fatalf("statement %d failed, and the answer changed:\n%s\nwant\n%s", n, got, want)
					}
				}
			})
		}
	})
}
