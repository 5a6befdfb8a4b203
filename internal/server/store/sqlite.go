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
type SQLite struct{ *sqlStore }

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
	// BEGIN IMMEDIATE (see _txlock above) makes write transactions take
	// turns, across processes too: no lock statement is needed.
	// The pool is bounded so that it can keep every connection open: a new
	// one reads the whole schema before its first query. 16 keeps the
	// cores busy with reads while the one writer writes.
	s := &SQLite{newSQLStore(db, dialect{name: "sqlite", prepare: true, maxConns: idleConns})}
	if err := pingUntilNotBusy(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migrate sqlite store %s: %w", path, err)
	}
	return s, nil
}

// Backup writes a consistent copy of the store to path, a new file (mode
// 0600), while the store stays in use: SQLite's VACUUM INTO reads one
// snapshot, so writes that go on meanwhile are either wholly in the copy or
// not at all. The copy holds what the store holds (hashes, sealed secrets);
// opening its sealed DSNs needs the server key too.
func (s *SQLite) Backup(ctx context.Context, path string) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("backup %s: the file exists; choose a new file (a backup never overwrites)", path)
	}
	// VACUUM INTO accepts an empty file, which lets it be created private.
	if err := private.Touch(path); err != nil {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		_ = os.Remove(path) // best effort: the VACUUM's error is the one to report
		return fmt.Errorf("backup %s: %w", path, err)
	}
	return nil
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

// sqliteUniqueViolation reports whether err is SQLite refusing a row that
// would break a UNIQUE or PRIMARY KEY constraint.
func sqliteUniqueViolation(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}
