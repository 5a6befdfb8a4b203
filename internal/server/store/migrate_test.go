package store

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// Several openers at once (replicas, or a server and admin commands,
// starting together on a new database) apply each migration exactly once:
// every open succeeds (applying one a second time would fail on the tables it
// creates) and each is recorded once.
func TestMigrationsOnceUnderConcurrentOpens(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		stores := make([]Store, 4)
		errs := make([]error, len(stores))
		var wg sync.WaitGroup
		for i := range stores {
			wg.Go(func() { stores[i], errs[i] = Open(ctx, db.spec) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("open %d: %v", i, err)
			}
			closeAtEnd(t, stores[i])
		}
		s := sqlOf(t, stores[0])
		ms, err := loadMigrations(s.dialect.name)
		if err != nil || len(ms) == 0 {
			t.Fatalf("migrations: %v %v", ms, err)
		}
		for _, m := range ms {
			n, err := s.count(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ? AND name = ?", m.version, m.name)
			if err != nil || n != 1 {
				t.Errorf("migration %s recorded %d times (%v), want once", m.name, n, err)
			}
		}
		if n, err := s.count(ctx, "SELECT count(*) FROM schema_migrations"); err != nil || n != len(ms) {
			t.Errorf("schema_migrations has %d rows (%v), want %d", n, err, len(ms))
		}
		// PostgreSQL's log (when the tests started it) shows every
		// statement: each migration was recorded by one INSERT.
		if db.postgres != "" {
			log, err := testPostgres(t).Log()
			must(t, err)
			inserts := 0
			for _, line := range strings.Split(log, "\n") {
				if strings.Contains(line, "@"+db.postgres+" ") && strings.Contains(line, "INSERT INTO schema_migrations") {
					inserts++
				}
			}
			if log != "" && inserts != len(ms) {
				t.Errorf("the log shows %d migrations recorded, want %d", inserts, len(ms))
			}
		}
	})
}
