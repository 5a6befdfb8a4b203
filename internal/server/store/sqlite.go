package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/private"
)

// SQLite is the embedded store: one file, pure Go (no cgo), safe to share
// between the running server and `pgcloud-server admin` processes.
type SQLite struct {
	db *sql.DB
	queries
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating if needed) the database file at path and applies
// pending migrations.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite store path %q: must not contain '?' or '#'", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create directory of the sqlite store: %w", err)
		}
	}
	// The file holds hashes and sealed secrets only, but those are still
	// for the server's eyes: it is created 0600 (SQLite gives its -wal and
	// -shm files the same mode), and a start on a file others can read is
	// refused.
	if err := private.Touch(path); err != nil {
		return nil, fmt.Errorf("create the sqlite store: %w", err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if err := private.Check(f); err != nil {
			return nil, err
		}
	}
	// Every connection gets these settings:
	//   - WAL: readers never block the writer, and the admin CLI can write
	//     while the server runs;
	//   - busy_timeout: a writer waits for another (possibly another process)
	//     instead of failing at once;
	//   - foreign_keys: deleting a user really deletes its keys and bindings;
	//   - _txlock=immediate: a write transaction takes the write lock at
	//     BEGIN, so two transactions never both read and then fight over the
	//     upgrade (which SQLite answers with SQLITE_BUSY, ignoring the
	//     timeout). This is what makes check-then-write inside InTx safe;
	//   - secure_delete: a deleted row's bytes are overwritten with zeros
	//     instead of lingering in free pages, where a copy of the file would
	//     still show them.
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	s := &SQLite{db: db, queries: queries{db: db}}
	if err := pingUntilNotBusy(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	if err := migrate(ctx, db, "sqlite"); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate sqlite store %s: %w", path, err)
	}
	return s, nil
}

// pingUntilNotBusy opens the first connection. Turning a new database file to
// WAL needs an exclusive lock, and SQLite answers a competing opener (a server
// and an admin command starting together) with SQLITE_BUSY at once, without
// the busy timeout; so the open is retried for as long as the busy timeout
// would have waited.
func pingUntilNotBusy(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (s *SQLite) InTx(ctx context.Context, fn func(q Queries) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(queries{db: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

func (s *SQLite) Ping(ctx context.Context) error {
	var one int
	return s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

func (s *SQLite) Close() error { return s.db.Close() }

// dbtx is what *sql.DB and *sql.Tx have in common.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements Queries on a connection pool or a transaction.
type queries struct{ db dbtx }

// mapErr turns driver errors into the store's errors.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", ErrConflict, se.Error())
		}
	}
	return err
}

func ns(t time.Time) int64 { return t.UTC().UnixNano() }

func fromNS(n int64) time.Time { return time.Unix(0, n).UTC() }

const metaCols = "created_at, created_by, updated_at, updated_by, sequence"

func metaArgs(m Meta) []any {
	return []any{ns(m.CreatedAt), m.CreatedBy, ns(m.UpdatedAt), m.UpdatedBy, m.Sequence}
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanRow scans a row whose columns are dest followed by metaCols.
func scanRow(s scanner, m *Meta, dest ...any) error {
	var created, updated int64
	if err := s.Scan(append(dest, &created, &m.CreatedBy, &updated, &m.UpdatedBy, &m.Sequence)...); err != nil {
		return mapErr(err)
	}
	m.CreatedAt, m.UpdatedAt = fromNS(created), fromNS(updated)
	return nil
}

func (q queries) exec(ctx context.Context, query string, args ...any) error {
	_, err := q.db.ExecContext(ctx, query, args...)
	return mapErr(err)
}

// insert adds a row to table: values are those of cols, in order; the
// metadata columns follow from m.
func (q queries) insert(ctx context.Context, table, cols string, m Meta, values ...any) error {
	args := append(values, metaArgs(m)...)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
	return q.exec(ctx, "INSERT INTO "+table+" ("+cols+", "+metaCols+") VALUES ("+marks+")", args...)
}

// where collects "column = ?" conditions for the non-empty values only.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond, value string) {
	if value != "" {
		w.conds = append(w.conds, cond)
		w.args = append(w.args, value)
	}
}

func (w where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// table is how to read the rows of one kind: from where (a table, or a view
// in parentheses), which columns, and how to scan them.
type table[T any] struct {
	from string
	cols string
	scan func(scanner) (T, error)
}

// one reads the row where cond (e.g. "id = ?") holds; ErrNotFound if none.
func (t table[T]) one(ctx context.Context, q queries, cond string, args ...any) (T, error) {
	return t.scan(q.db.QueryRowContext(ctx, "SELECT "+t.cols+" FROM "+t.from+" WHERE "+cond, args...))
}

// all reads every row matching w, oldest first.
func (t table[T]) all(ctx context.Context, q queries, w where) ([]T, error) {
	rows, err := q.db.QueryContext(ctx, "SELECT "+t.cols+" FROM "+t.from+w.String()+" ORDER BY created_at, id", w.args...)
	return collect(rows, err, t.scan)
}

// page counts the rows matching w and reads one page of them, oldest first.
func (t table[T]) page(ctx context.Context, q queries, w where, p Page) ([]T, int, error) {
	total, err := q.count(ctx, "SELECT count(*) FROM "+t.from+w.String(), w.args...)
	if err != nil {
		return nil, 0, err
	}
	rows, err := q.db.QueryContext(ctx, "SELECT "+t.cols+" FROM "+t.from+w.String()+
		" ORDER BY created_at, id LIMIT ? OFFSET ?", append(w.args, p.Limit, p.Offset)...)
	items, err := collect(rows, err, t.scan)
	return items, total, err
}

// collect scans every row of a query's result (rows, err) with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	items := []T{}
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, mapErr(rows.Err())
}

// count runs a SELECT count(...) query.
func (q queries) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, mapErr(err)
}

// affected turns "no row changed" into ErrNotFound.
func affected(res sql.Result, err error) error {
	if err != nil {
		return mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
