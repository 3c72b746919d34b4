package service

import "time"

// SetCacheTTL sets how long the catalog's latest versions and the reminder cache are
// trusted; zero makes every request read the database (as after the TTL expired).
func SetCacheTTL(s *Service, d time.Duration) { s.Catalog.ttl = d }
