package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"sluice/backend/store/storetest"
)

// Readiness answers while every pooled connection is taken (a busy server is still
// ready): on PostgreSQL it pings on a connection of its own.
func TestPingWhilePoolsAreBusy(t *testing.T) {
	if os.Getenv(storetest.PGEnv) == "" {
		t.Skip("needs PostgreSQL: set " + storetest.PGEnv)
	}
	s := storetest.Postgres(t)
	s.SetPoolSize(1, 1)
	ctx := context.Background()
	w, err := s.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err := s.ReadDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := s.Ping(pctx); err != nil {
		t.Fatalf("ping with both pools in use: %v", err)
	}
}
