package verifiersvc

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// meta is what the service keeps per presentation beside the library's
// transaction record: group, holder and the cache scopes (read by the
// replica that receives the wallet's response), and whether the answer
// came from the cache. It lives in the transactions' database.
type meta struct {
	ID        string
	Tenant    string
	Group     string
	Holder    string
	Scopes    []string
	Formats   map[string]string // credential query id → format
	FromCache bool
	CreatedAt time.Time
	ExpiresAt time.Time
}

type metaStore struct {
	db       *sql.DB
	postgres bool
	table    string
}

// errNoMeta reports an unknown presentation id.
var errNoMeta = errors.New("verifiersvc: presentation not found")

func newMetaStore(ctx context.Context, db *sql.DB, postgres bool, table string) (*metaStore, error) {
	m := &metaStore{db: db, postgres: postgres, table: table}
	ddl := []string{
		`CREATE TABLE IF NOT EXISTS ` + table + ` (
			id TEXT PRIMARY KEY,
			tenant TEXT NOT NULL,
			group_id TEXT NOT NULL,
			holder TEXT NOT NULL,
			cache_info TEXT NOT NULL,
			from_cache INTEGER NOT NULL,
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS ` + table + `_group ON ` + table + ` (tenant, group_id, created_at)`,
		`CREATE INDEX IF NOT EXISTS ` + table + `_exp ON ` + table + ` (expires_at)`,
	}
	for _, q := range ddl {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("verifiersvc: create %s: %w", table, err)
		}
	}
	return m, nil
}

// q rewrites ? placeholders to $n for PostgreSQL.
func (m *metaStore) q(s string) string {
	if !m.postgres {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

type cacheInfo struct {
	Scopes  []string          `json:"scopes,omitempty"`
	Formats map[string]string `json:"formats,omitempty"`
}

func (m *metaStore) put(ctx context.Context, x *meta) error {
	info, err := json.Marshal(cacheInfo{Scopes: x.Scopes, Formats: x.Formats})
	if err != nil {
		return err
	}
	fc := 0
	if x.FromCache {
		fc = 1
	}
	_, err = m.db.ExecContext(ctx, m.q(`INSERT INTO `+m.table+` (id, tenant, group_id, holder, cache_info, from_cache, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), x.ID, x.Tenant, x.Group, x.Holder, string(info), fc, x.CreatedAt.UnixMilli(), x.ExpiresAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("verifiersvc: store presentation: %w", err)
	}
	return nil
}

const metaColumns = `id, tenant, group_id, holder, cache_info, from_cache, created_at, expires_at`

func scanMeta(row interface{ Scan(...any) error }) (*meta, error) {
	var x meta
	var info string
	var fc int
	var created, expires int64
	if err := row.Scan(&x.ID, &x.Tenant, &x.Group, &x.Holder, &info, &fc, &created, &expires); err != nil {
		return nil, err
	}
	var ci cacheInfo
	if err := json.Unmarshal([]byte(info), &ci); err != nil {
		return nil, fmt.Errorf("verifiersvc: stored cache info: %w", err)
	}
	x.Scopes, x.Formats, x.FromCache = ci.Scopes, ci.Formats, fc == 1
	x.CreatedAt, x.ExpiresAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	return &x, nil
}

func (m *metaStore) get(ctx context.Context, tenant, id string) (*meta, error) {
	x, err := scanMeta(m.db.QueryRowContext(ctx, m.q(`SELECT `+metaColumns+` FROM `+m.table+` WHERE id = ? AND tenant = ?`), id, tenant))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoMeta
	}
	if err != nil {
		return nil, fmt.Errorf("verifiersvc: read presentation: %w", err)
	}
	return x, nil
}

// list returns the newest presentations of a tenant's group, at most limit.
func (m *metaStore) list(ctx context.Context, tenant, group string, limit int) ([]*meta, error) {
	rows, err := m.db.QueryContext(ctx, m.q(`SELECT `+metaColumns+` FROM `+m.table+`
		WHERE tenant = ? AND group_id = ? ORDER BY created_at DESC, id LIMIT ?`), tenant, group, limit)
	if err != nil {
		return nil, fmt.Errorf("verifiersvc: list presentations: %w", err)
	}
	defer rows.Close()
	var out []*meta
	for rows.Next() {
		x, err := scanMeta(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

func (m *metaStore) deleteExpired(ctx context.Context, t time.Time) (int64, error) {
	res, err := m.db.ExecContext(ctx, m.q(`DELETE FROM `+m.table+` WHERE expires_at < ?`), t.UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
