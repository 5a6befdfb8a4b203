package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestSQLiteMigrationsAndSettings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")

	// Several openers at once (a server and admin commands starting
	// together) apply each migration exactly once.
	var wg sync.WaitGroup
	stores := make([]*SQLite, 4)
	errs := make([]error, 4)
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = OpenSQLite(ctx, path)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	s := stores[0]
	ms, err := loadMigrations("sqlite")
	if err != nil || len(ms) == 0 {
		t.Fatalf("migrations: %v %v", ms, err)
	}
	var n, maxVersion int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*), max(version) FROM schema_migrations").Scan(&n, &maxVersion); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || maxVersion != ms[len(ms)-1].version {
		t.Errorf("schema_migrations has %d rows up to %d; want %d", n, maxVersion, len(ms))
	}

	var mode string
	var fk, busy int
	_ = s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	_ = s.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
	_ = s.db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy)
	if mode != "wal" || fk != 1 || busy <= 0 {
		t.Errorf("journal_mode %q, foreign_keys %d, busy_timeout %d", mode, fk, busy)
	}
}

func TestSQLiteCascadesAndErrors(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 123, time.UTC)
	s, m := openSeeded(t, now, "p")
	must(t, s.CreateUser(ctx, User{ID: "u", OrganizationID: "o", Type: UserTypeMachine, Username: "u", Name: "u", Meta: m}))
	must(t, s.CreateAccessKey(ctx, AccessKey{ID: "k", UserID: "u", Name: "k", SecretHash: []byte{1}, ExpiresAt: now, Meta: m}))
	must(t, s.CreateRoleBinding(ctx, RoleBinding{ID: "b1", Scope: ScopeOrganization, OrganizationID: "o", UserID: "u", Role: "org_owner", Meta: m}))
	must(t, s.CreateRoleBinding(ctx, RoleBinding{ID: "b2", Scope: ScopeProject, ProjectID: "p", UserID: "u", Role: "project_viewer", Meta: m}))
	must(t, s.PutIdempotencyRecord(ctx, IdempotencyRecord{UserID: "u", Key: "i", RequestHash: "h", Status: 201, Body: []byte("{}"), CreatedAt: now}))

	if err := s.CreateUser(ctx, User{ID: "u2", OrganizationID: "o", Type: UserTypeMachine, Username: "u", Name: "u", Meta: m}); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate username: %v", err)
	}
	u, err := s.GetUser(ctx, "u")
	if err != nil || !u.Meta.CreatedAt.Equal(now) || u.Meta.Sequence != 1 {
		t.Errorf("round trip: %+v %v", u, err)
	}
	bs, err := s.ListRoleBindingsByUser(ctx, "u")
	if err != nil || len(bs) != 2 || bs[1].OrganizationID != "o" {
		t.Errorf("bindings %+v %v", bs, err)
	}

	// A failed transaction leaves nothing behind.
	boom := errors.New("boom")
	if err := s.InTx(ctx, func(q Queries) error {
		must(t, q.CreateOrganization(ctx, Organization{ID: "o2", Name: "o2", Meta: m}))
		return boom
	}); !errors.Is(err, boom) {
		t.Errorf("InTx: %v", err)
	}
	if _, err := s.GetOrganization(ctx, "o2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("rolled back organization: %v", err)
	}

	must(t, s.DeleteUser(ctx, "u"))
	if _, err := s.GetAccessKey(ctx, "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("key after user deletion: %v", err)
	}
	if bs, _ := s.ListRoleBindingsByUser(ctx, "u"); len(bs) != 0 {
		t.Errorf("bindings after user deletion: %v", bs)
	}
	if _, err := s.GetIdempotencyRecord(ctx, "u", "i"); !errors.Is(err, ErrNotFound) {
		t.Errorf("idempotency record after user deletion: %v", err)
	}
	if err := s.DeleteUser(ctx, "u"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}
