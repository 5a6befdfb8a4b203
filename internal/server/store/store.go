// Package store is the persistence of the control plane: the rows of the
// platform's objects and the transactions that change them, behind the Store
// interface. There are two stores, running the same SQL: SQLite (a file in
// the data directory, pure Go, shared by one server and the admin commands)
// and PostgreSQL (one database shared by several server replicas and the
// admin commands, through pgx). On both, write transactions take turns
// across every process (see Store.InTx). The package knows rows and
// transactions only: the platform's rules (validation, uniqueness, quotas)
// live in package platform, who may do what in package server.
//
// Layout: each area has one file with its rows, filters and the part of
// Queries that reads and writes them (accounts.go, access.go, clusters.go,
// bookkeeping.go), and the SQL of that part, which both stores run, beside
// it in sql_<area>.go; sql.go holds what the areas' SQL shares and the Store
// on a database/sql pool; sqlite.go and postgres.go open each database and
// hold what is its own; migrations/<dialect>/ is each one's schema. One
// conformance suite (forEachStore in conformance_test.go) runs every store
// test on both.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors every implementation returns (wrapped), so callers can use errors.Is.
var (
	// ErrNotFound: no row matched.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness constraint was violated. The platform checks
	// uniqueness itself to produce field-level messages; this is the
	// backstop for races the checks cannot see.
	ErrConflict = errors.New("conflict")
)

// Meta is the bookkeeping every object row carries; it becomes the envelope's
// metadata.
type Meta struct {
	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	Sequence  int64
}

// NewMeta is the metadata of an object created by `by` at `at`.
func NewMeta(at time.Time, by string) Meta {
	return Meta{CreatedAt: at, CreatedBy: by, UpdatedAt: at, UpdatedBy: by, Sequence: 1}
}

// Touch records a change made by `by` at `at`.
func (m *Meta) Touch(at time.Time, by string) {
	m.UpdatedAt = at
	m.UpdatedBy = by
	m.Sequence++
}

// Page selects a window of a list. Lists are ordered by creation time, then id,
// so pages are stable while nothing is created or deleted.
type Page struct {
	Limit  int
	Offset int
}

// Queries are the operations on the data, available both on the store (each
// call on its own) and inside a transaction.
type Queries interface {
	AccountQueries     // accounts.go
	AccessQueries      // access.go
	ClusterQueries     // clusters.go
	BookkeepingQueries // bookkeeping.go
}

// Store is a durable store.
type Store interface {
	Queries
	// InTx runs fn in one write transaction: all of it commits or none of it
	// does, and fn's error is returned as is. Write transactions are
	// serialized, across every process on the store, and a write outside
	// InTx waits for its turn too, so a check made inside fn (a uniqueness,
	// a quota, an idempotency key) still holds when fn writes.
	InTx(ctx context.Context, fn func(q Queries) error) error
	// Ping reports whether the store answers (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Tx runs fn in one write transaction of st (see Store.InTx) and returns
// what fn returned: an error of fn rolls the transaction back.
func Tx[T any](ctx context.Context, st Store, fn func(q Queries) (T, error)) (T, error) {
	var out T
	err := st.InTx(ctx, func(q Queries) error {
		var err error
		out, err = fn(q)
		return err
	})
	return out, err
}

// Open opens the store named by spec, applying pending migrations.
// Forms: "sqlite:/path/to/file.db", and
// "postgres://user:password@host:5432/database?sslmode=verify-full" (or
// postgresql://; see OpenPostgres).
//
// An error never repeats the spec whole: a connection URL carries a
// password, and Open's errors end up in logs.
func Open(ctx context.Context, spec string) (Store, error) {
	kind, rest, ok := strings.Cut(spec, ":")
	switch {
	case !ok || !isScheme(kind):
		return nil, errors.New("store: want a form like sqlite:/path/to/file.db or postgres://user:password@host:5432/database " +
			"(the value given is not repeated: it may hold a password)")
	case kind == "postgres" || kind == "postgresql":
		return opened(OpenPostgres(ctx, spec))
	case kind == "sqlite":
		if rest == "" {
			return nil, errors.New("store sqlite: needs a file path, as in sqlite:/path/to/file.db")
		}
		return opened(OpenSQLite(ctx, rest))
	default:
		return nil, fmt.Errorf("store: unknown kind %q (supported: sqlite, postgres)", kind)
	}
}

// opened is Open's answer from what an OpenX returned: on error a nil Store,
// not a Store holding a nil *X.
func opened[S Store](s S, err error) (Store, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}

// isScheme reports whether s has the syntax of a URL scheme (RFC 3986,
// section 3.1): only such a prefix is named in an error, since what comes
// before the first ':' of a mistyped spec may be anything, a password too.
func isScheme(s string) bool {
	for i, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case i > 0 && ('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return s != ""
}
