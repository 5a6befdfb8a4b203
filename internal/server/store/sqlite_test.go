package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The settings every SQLite connection must have (see OpenSQLite).
func TestSQLiteSettings(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, s)
	var mode string
	var fk, busy, secureDelete int
	_ = s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	_ = s.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
	_ = s.db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy)
	_ = s.db.QueryRowContext(ctx, "PRAGMA secure_delete").Scan(&secureDelete)
	if mode != "wal" || fk != 1 || busy <= 0 || secureDelete != 1 {
		t.Errorf("journal_mode %q, foreign_keys %d, busy_timeout %d, secure_delete %d", mode, fk, busy, secureDelete)
	}
}

// The SQLite store prepares each query once and keeps its connections:
// under concurrent reads, neither a parse nor a new connection per query.
func TestSQLiteKeepsStatementsAndConnections(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, s)
	read := func() {
		if _, err := s.GetUser(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetUser: %v", err)
		}
	}
	read()
	s.prepared.mu.Lock()
	prepared := len(s.prepared.stmts)
	s.prepared.mu.Unlock()
	opened := s.db.Stats().OpenConnections
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				read()
			}
		})
	}
	wg.Wait()
	s.prepared.mu.Lock()
	after := len(s.prepared.stmts)
	s.prepared.mu.Unlock()
	if after != prepared || prepared == 0 {
		t.Errorf("%d statements prepared after the first read, %d after 400 more of the same", prepared, after)
	}
	if st := s.db.Stats(); st.MaxIdleClosed > 0 || st.OpenConnections > idleConns || st.OpenConnections < opened {
		t.Errorf("pool: %d open (was %d), %d closed for want of idle room", st.OpenConnections, opened, st.MaxIdleClosed)
	}
	// A query that cannot be prepared still reports its own error.
	if _, err := s.prepared.db.ExecContext(ctx, "SELEC 1"); err == nil {
		t.Fatal("SELEC 1 ran")
	}
	if _, err := (preparedQueries{preparedStatements: s.prepared}).ExecContext(ctx, "SELEC 1"); err == nil || !strings.Contains(err.Error(), "syntax") {
		t.Errorf("an unpreparable query: %v", err)
	}
}
