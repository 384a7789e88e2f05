package sqlstore

import "database/sql"

// ReadDB returns the database Get reads from (tests).
func (s *Store) ReadDB() *sql.DB { return s.rdb }
