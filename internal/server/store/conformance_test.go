package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// The conformance suite: every test of what a Store does runs on each store
// through forEachStore, so that one piece of test code holds every store to
// the same behaviour. Tests of one store's own settings are in
// <store>_test.go.

// testDB is a fresh, empty database for one test, on one kind of store.
type testDB struct {
	spec string // what Open takes
}

// open opens a Store on the database, closed when the test ends. Each call
// opens another one, as another process (a replica, an admin command) would.
func (db testDB) open(t *testing.T) Store {
	t.Helper()
	s, err := Open(context.Background(), db.spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// forEachStore runs test once per kind of store, each on a fresh database.
func forEachStore(t *testing.T, test func(t *testing.T, db testDB)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, testDB{spec: "sqlite:" + filepath.Join(t.TempDir(), "x.db")})
	})
}

// sqlOf is the SQL store under s, for a test that must change the database
// behind the Store interface (e.g. delete a project, which nothing in the
// platform does).
func sqlOf(t *testing.T, s Store) *sqlStore {
	t.Helper()
	switch s := s.(type) {
	case *SQLite:
		return s.sqlStore
	}
	t.Fatalf("no SQL store under %T", s)
	return nil
}

// openSeeded opens a store holding organization "o" and its projects, each
// named as its id, all created by "system" at the time at, whose metadata it
// returns.
func openSeeded(t *testing.T, db testDB, at time.Time, projects ...string) (Store, Meta) {
	t.Helper()
	m := NewMeta(at, "system")
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
