package server

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to read a PostgreSQL store directly

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// The server's tests run on the store that PGCLOUD_TEST_STORE names:
// "sqlite" (the default, a file in the test's data directory) or "postgres"
// (one throwaway PostgreSQL for the package, a fresh database for each
// server). make test runs the package once with each, so every test holds
// for both stores.
const testStoreEnv = "PGCLOUD_TEST_STORE"

func testStoreKind(t *testing.T) string {
	switch kind := os.Getenv(testStoreEnv); kind {
	case "", "sqlite":
		return "sqlite"
	case "postgres":
		return kind
	default:
		t.Fatalf("%s=%q: want sqlite or postgres", testStoreEnv, kind)
		return ""
	}
}

// storePostgres is the package's PostgreSQL for postgres stores, started
// on first use and stopped by TestMain.
var storePostgres struct {
	once sync.Once
	pg   *testpg.Postgres
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if storePostgres.pg != nil {
		storePostgres.pg.Stop()
	}
	os.Exit(code)
}

// testStore is where a test server keeps its data: the store spec for
// Config.Store ("" = the sqlite file in dataDir), and how to read that store
// directly, as someone with a copy of it would.
type testStore struct {
	spec   string
	kind   string
	dbPath string           // sqlite: the file
	pg     *testpg.Postgres // postgres: the server holding the database
	dbName string           // postgres: the database
	open   func() *sql.DB   // a direct connection to the store
	tables func() []string  // the store's tables
}

// newTestStore makes the store of a test server with data directory dir.
func newTestStore(t *testing.T, dir string) testStore {
	t.Helper()
	if testStoreKind(t) == "sqlite" {
		path := filepath.Join(dir, "pgcloud.db")
		s := testStore{kind: "sqlite", dbPath: path}
		s.open = func() *sql.DB { return openDB(t, "sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)") }
		s.tables = func() []string { return queryNames(t, s.open(), "SELECT name FROM sqlite_master WHERE type = 'table'") }
		return s
	}
	storePostgres.once.Do(func() { storePostgres.pg, storePostgres.err = testpg.Start() })
	if storePostgres.err != nil {
		t.Fatalf("start the PostgreSQL of the postgres stores: %v", storePostgres.err)
	}
	pg := storePostgres.pg
	name := "store_" + randomHex(t, 8)
	if err := pg.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// After the server's own cleanup (registered later, run earlier).
		_ = pg.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	s := testStore{spec: u.String(), kind: "postgres", pg: pg, dbName: name}
	s.open = func() *sql.DB { return openDB(t, "pgx", s.spec) }
	s.tables = func() []string {
		return queryNames(t, s.open(), "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
	}
	return s
}

func openDB(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, db)
	return db
}

func queryNames(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// dump reads every value of every table of the store, as a dump (sqlite3
// .dump, pg_dump) or a backup would show them.
func (s testStore) dump(t *testing.T) []byte {
	t.Helper()
	db := s.open()
	var out []byte
	for _, table := range s.tables() {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			values := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range values {
				ptrs[i] = &values[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range values {
				out = fmt.Appendf(out, "%s\t", v)
			}
			out = append(out, '\n')
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) == 0 {
		t.Fatal("the dump is empty: a scan of it would prove nothing")
	}
	return out
}
