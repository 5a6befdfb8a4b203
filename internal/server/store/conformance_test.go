package store

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// The conformance suite: every test of what a Store does runs on each store
// through forEachStore, so that one piece of test code holds every store to
// the same behaviour. Tests of one store's own settings are in
// <store>_test.go.

// testDB is a fresh, empty database for one test, on one kind of store.
type testDB struct {
	spec     string // what Open takes
	postgres string // the name of the PostgreSQL database; "" for SQLite
}

// open opens a Store on the database, closed when the test ends. Each call
// opens another one, as another process (a replica, an admin command) would.
func (db testDB) open(t *testing.T) Store {
	t.Helper()
	s, err := Open(context.Background(), db.spec)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, s)
	return s
}

// closeAtEnd closes s when the test ends, and fails the test if that fails.
func closeAtEnd(t *testing.T, s Store) {
	t.Helper()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close the store: %v", err)
		}
	})
}

// forEachStore runs test once per kind of store, each on a fresh database.
func forEachStore(t *testing.T, test func(t *testing.T, db testDB)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, testDB{spec: "sqlite:" + filepath.Join(t.TempDir(), "x.db")})
	})
	t.Run("postgres", func(t *testing.T) {
		test(t, newPostgresDB(t))
	})
}

// The package's throwaway PostgreSQL, started by the first test that needs
// it and stopped by TestMain; each test gets a database of its own on it.
var (
	postgresOnce    sync.Once
	postgresServer  *testpg.Postgres
	postgresErr     error
	postgresCreated atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if postgresServer != nil {
		postgresServer.Stop()
	}
	os.Exit(code)
}

// testPostgres is the package's PostgreSQL. Without PostgreSQL's binaries
// the test fails, naming the package to install.
func testPostgres(t *testing.T) *testpg.Postgres {
	t.Helper()
	postgresOnce.Do(func() { postgresServer, postgresErr = testpg.Start() })
	if postgresErr != nil {
		t.Fatal(postgresErr)
	}
	return postgresServer
}

// newPostgresDB creates a database for one test on the package's
// PostgreSQL, dropped when the test ends.
func newPostgresDB(t *testing.T) testDB {
	t.Helper()
	pg := testPostgres(t)
	ctx := context.Background()
	name := fmt.Sprintf("store_test_%d_%d", os.Getpid(), postgresCreated.Add(1))
	// With a linguistic collation (ICU's en-US), as a team's database may
	// have: nothing the store promises may depend on the database's locale.
	must(t, pg.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"))
	t.Cleanup(func() {
		// After the test's stores are closed (cleanups run last first);
		// FORCE ends the sessions of a store a failed test left open.
		if err := pg.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop the test database: %v", err)
		}
	})
	u, err := url.Parse(pg.DSN)
	must(t, err)
	u.Path = "/" + name
	return testDB{spec: u.String(), postgres: name}
}

// sqlOf is the SQL store under s, for a test that must change the database
// behind the Store interface (e.g. delete a project, which nothing in the
// platform does).
func sqlOf(t *testing.T, s Store) *sqlStore {
	t.Helper()
	switch s := s.(type) {
	case *SQLite:
		return s.sqlStore
	case *Postgres:
		return s.sqlStore
	}
	t.Fatalf("no SQL store under %T", s)
	return nil
}

// seedTime is when openSeeded's rows were made: with nanoseconds, which
// every store keeps.
var seedTime = time.Date(2026, 1, 1, 0, 0, 0, 123, time.UTC)

// openSeeded opens a store holding organization "o" and its projects, each
// named as its id, all created by "system" at seedTime, whose metadata it
// returns.
func openSeeded(t *testing.T, db testDB, projects ...string) (Store, Meta) {
	t.Helper()
	m := NewMeta(seedTime, "system")
	ctx := context.Background()
	s := db.open(t)
	must(t, s.CreateOrganization(ctx, Organization{ID: "o", Name: "o", Meta: m}))
	for _, p := range projects {
		must(t, s.CreateProject(ctx, Project{ID: p, OrganizationID: "o", Name: p, Meta: m}))
	}
	return s, m
}

// must stops the test at an unexpected error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
