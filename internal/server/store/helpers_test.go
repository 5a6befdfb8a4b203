package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// openSeeded opens a fresh store in a temporary directory (closed when the
// test ends) holding organization "o" and its projects, each named as its
// id, all created by "system" at the time at, whose metadata it returns.
func openSeeded(t *testing.T, at time.Time, projects ...string) (Store, Meta) {
	t.Helper()
	m := NewMeta(at, "system")
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
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
