package server

import (
	"context"
	"errors"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
)

func TestAdmin(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := New(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A second Admin on the same store, as `pgcloud-server admin` would open it.
	a, err := OpenAdmin(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	acme, err := a.CreateOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateOrganization(ctx, "acme"); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("duplicate organization: %v", err)
	}
	if _, err := a.CreateOrganization(ctx, " "); !errors.Is(err, ErrInvalid) {
		t.Errorf("blank organization: %v", err)
	}
	p1, err := a.CreateProject(ctx, "acme", "web")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateProject(ctx, acme, "web"); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("duplicate project: %v", err)
	}
	if _, err := a.CreateProject(ctx, "nope", "web"); !errors.Is(err, ErrNotFound) {
		t.Errorf("project in unknown org: %v", err)
	}
	if _, err := a.CreateProject(ctx, "default", "web"); err != nil { // same name, other org: fine
		t.Fatal(err)
	}
	if _, err := a.CreateHumanUser(ctx, "acme", "not an email"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad email: %v", err)
	}
	jo, err := a.CreateHumanUser(ctx, "acme", "jo@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateHumanUser(ctx, "acme", "jo@example.com"); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("duplicate person: %v", err)
	}
	// The same email in two organizations: ambiguous by email, fine by id.
	jo2, err := a.CreateHumanUser(ctx, "default", "jo@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateAccessKey(ctx, "jo@example.com", 10); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("ambiguous user: %v", err)
	}
	if _, err := a.CreateAccessKey(ctx, "nobody", 10); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	for _, days := range []int{-1, 366} {
		if _, err := a.CreateAccessKey(ctx, jo, days); !errors.Is(err, ErrInvalid) {
			t.Errorf("days %d: %v", days, err)
		}
	}
	key, err := a.CreateAccessKey(ctx, jo, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := platform.ParseAccessKey(key); !ok {
		t.Errorf("key %q does not parse", key)
	}

	if _, err := a.BindOrgRole(ctx, jo, "acme", "project_owner"); !errors.Is(err, ErrInvalid) {
		t.Errorf("project role on an org: %v", err)
	}
	if _, err := a.BindOrgRole(ctx, jo2, "acme", "org_owner"); !errors.Is(err, ErrInvalid) {
		t.Errorf("cross-organization binding: %v", err)
	}
	if _, err := a.BindOrgRole(ctx, jo, "acme", "org_admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.BindOrgRole(ctx, jo, acme, "org_admin"); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("duplicate binding: %v", err)
	}
	if _, err := a.BindProjectRole(ctx, jo, p1, "org_owner"); !errors.Is(err, ErrInvalid) {
		t.Errorf("org role on a project: %v", err)
	}
	if _, err := a.BindProjectRole(ctx, jo, "web", "project_viewer"); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("project name in two orgs: %v", err)
	}
	if _, err := a.BindProjectRole(ctx, jo, p1, "project_viewer"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.BindProjectRole(ctx, jo2, p1, "project_viewer"); !errors.Is(err, ErrInvalid) {
		t.Errorf("cross-organization project binding: %v", err)
	}

	// What the operator made is visible through the running server at once.
	rb, err := s.store.ListRoleBindingsByUser(ctx, jo)
	if err != nil || len(rb) != 2 {
		t.Errorf("bindings %+v %v", rb, err)
	}
	// Closing the server's Admin leaves the server's store open.
	if err := s.Admin().Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.store.Ping(ctx); err != nil {
		t.Errorf("the server's store was closed: %v", err)
	}
}
