package service

import "time"

// SetCacheTTL sets how long the catalog's latest versions and the reminder cache are
// trusted; zero makes every request read the database (as after the TTL expired).
func SetCacheTTL(s *Service, d time.Duration) { s.Catalog.ttl = d }

// WaitImports waits for the imports running in the background to end (their last
// progress written), without reading the database.
func WaitImports(s *Service) { s.imports.running.Wait() }
