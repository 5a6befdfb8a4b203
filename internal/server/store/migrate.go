package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The schema ships inside the binary: migrations/<dialect>/NNNN_name.sql,
// applied in order, each once, recorded in schema_migrations. A migration is
// never edited after release; a change is a new file.
//
//go:embed migrations
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and '_'", e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies the pending migrations, each in its own write transaction
// that first checks whether it was applied. Write transactions take turns
// (see sqlStore.writeTx), across processes too, so when several processes
// start at once (replicas, a server and admin commands) each migration is
// applied once, by the first; the others find it recorded.
func (s *sqlStore) migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.dialect.name)
	if err != nil {
		return err
	}
	if err := s.writeTx(ctx, func(q queries) error {
		return q.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT    NOT NULL,
			applied_at TEXT    NOT NULL)`)
	}); err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.writeTx(ctx, func(q queries) error { return q.applyMigration(ctx, m) }); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (q queries) applyMigration(ctx context.Context, m migration) error {
	n, err := q.count(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.version)
	if err != nil || n > 0 {
		return err
	}
	if err := q.exec(ctx, m.sql); err != nil {
		return err
	}
	return q.exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.version, m.name, time.Now().UTC().Format(time.RFC3339Nano))
}
