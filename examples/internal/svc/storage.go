package svc

import (
	"os"
	"path/filepath"
)

// Storage selects a service's database: PostgreSQL when PostgresDSN is set
// (replicas share it), otherwise one SQLite file per store under
// SQLiteDir (the embedded default; a temporary directory in the demo).
type Storage struct {
	PostgresDSN string
	SQLiteDir   string
}

// StorageFromEnv reads WSTACK_POSTGRES_DSN and, for SQLite, dir (created
// when missing).
func StorageFromEnv(dir string) Storage {
	return Storage{PostgresDSN: Env(EnvPostgresDSN, ""), SQLiteDir: dir}
}

// Postgres reports whether the storage is PostgreSQL.
func (s Storage) Postgres() bool { return s.PostgresDSN != "" }

// SQLitePath is the SQLite file of the store called name; it creates
// SQLiteDir when needed.
func (s Storage) SQLitePath(name string) (string, error) {
	dir := s.SQLiteDir
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	return filepath.Join(dir, name+".db"), nil
}
