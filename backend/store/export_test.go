package store

// GroupReruns is how many transactions the SQLite committer ran again after a batch broke.
func GroupReruns(s *Store) int64 { return s.group.rerun.Load() }
