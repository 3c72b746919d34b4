package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// Several instances starting together on one empty database: every one succeeds, the
// migrations are applied once (one version row each), and the schema is complete.
func TestConcurrentStartsMigrateOnce(t *testing.T) {
	storetest.ForEachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		const instances = 4
		stores := make([]*store.Store, instances)
		for i := range stores {
			stores[i] = storetest.OpenURL(t, url)
		}
		var wg sync.WaitGroup
		errs := make([]error, instances)
		start := make(chan struct{})
		for i, s := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = s.Migrate(ctx)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("instance %d: %v", i, err)
			}
		}
		var rows, distinct int
		if err := stores[0].ReadDB.QueryRowContext(ctx, "SELECT COUNT(*), COUNT(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0").Scan(&rows, &distinct); err != nil {
			t.Fatal(err)
		}
		if latest := int(store.LatestVersion()); rows != latest || distinct != latest {
			t.Fatalf("%d version rows (%d distinct) for %d migrations: migrated more than once", rows, distinct, latest)
		}
		for i, s := range stores {
			if err := s.CheckVersion(ctx); err != nil {
				t.Fatalf("instance %d: %v", i, err)
			}
		}
	})
}

// A database migrated by a newer binary (a version this one has no file for) is refused
// by Migrate and by CheckVersion, with a message that says what to do, and left as is.
func TestRefusesNewerDatabase(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		latest := store.LatestVersion()
		if _, err := s.DB.ExecContext(ctx, "INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, $2)", latest+1, true); err != nil {
			t.Fatal(err)
		}
		for name, check := range map[string]func(context.Context) error{"Migrate": s.Migrate, "CheckVersion": s.CheckVersion} {
			err := check(ctx)
			var newer *store.NewerError
			if !errors.As(err, &newer) || newer.Database != latest+1 || newer.Binary != latest {
				t.Fatalf("%s: got %v, want a NewerError", name, err)
			}
			for _, w := range []string{"newer Sluice", "restore a backup"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: message %q lacks %q", name, err, w)
				}
			}
		}
		if v, err := s.SchemaVersion(ctx); err != nil || v != latest+1 {
			t.Fatalf("version now %d (%v): the refusal must not change the database", v, err)
		}
	})
}

// A database that is behind is reported by CheckVersion (commands that do not migrate
// say to run `sluice migrate`), and a never-migrated one is version 0.
func TestCheckVersionBehind(t *testing.T) {
	storetest.ForEachURL(t, func(t *testing.T, url string) {
		s := storetest.OpenURL(t, url)
		ctx := context.Background()
		if v, err := s.SchemaVersion(ctx); err != nil || v != 0 {
			t.Fatalf("fresh database at %d (%v)", v, err)
		}
		if err := s.CheckVersion(ctx); err == nil || !strings.Contains(err.Error(), "sluice migrate") {
			t.Fatalf("unmigrated: %v", err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if v, err := s.SchemaVersion(ctx); err != nil || v != store.LatestVersion() {
			t.Fatalf("after migrate at %d (%v)", v, err)
		}
	})
}
