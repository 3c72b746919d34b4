//go:build !unix

package store

import (
	"context"
	"os"
)

// lockFile does nothing where flock is missing: one process per SQLite file there.
func lockFile(ctx context.Context, f *os.File) error { return nil }

func unlockFile(f *os.File) error { return nil }
