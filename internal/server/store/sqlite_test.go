package store

import (
	"context"
	"path/filepath"
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
