package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSQLiteAccessKeysBindingsInvitations(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 123, time.UTC)
	s, m := openSeeded(t, now, "p", "p2")
	for _, id := range []string{"u", "v"} {
		must(t, s.CreateUser(ctx, User{ID: id, OrganizationID: "o", Type: UserTypePerson, Username: id, Name: id, Meta: m}))
	}

	// Access keys: the new columns round-trip; lists filter; delete.
	k := AccessKey{ID: "k1", UserID: "u", Name: "one", SecretHash: []byte{1}, ExpiresAt: now.Add(time.Hour),
		Suffix: "AbCd", SelfService: true, Meta: m}
	must(t, s.CreateAccessKey(ctx, k))
	must(t, s.CreateAccessKey(ctx, AccessKey{ID: "k2", UserID: "u", Name: "two", SecretHash: []byte{2}, ExpiresAt: now, Meta: m}))
	if err := s.CreateAccessKey(ctx, AccessKey{ID: "k3", UserID: "u", Name: "one", SecretHash: []byte{3}, ExpiresAt: now, Meta: m}); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate key name: %v", err)
	}
	got, err := s.GetAccessKey(ctx, "k1")
	if err != nil || got.Suffix != "AbCd" || !got.SelfService || !got.ExpiresAt.Equal(k.ExpiresAt) {
		t.Errorf("round trip %+v %v", got, err)
	}
	if items, total, err := s.ListAccessKeys(ctx, AccessKeyFilter{UserID: "u"}, Page{Limit: 1}); err != nil || total != 2 || len(items) != 1 || items[0].ID != "k1" {
		t.Errorf("list %+v %d %v", items, total, err)
	}
	if _, total, err := s.ListAccessKeys(ctx, AccessKeyFilter{UserID: "u", SelfServiceOnly: true}, Page{Limit: 10}); err != nil || total != 1 {
		t.Errorf("self-service %d %v", total, err)
	}
	must(t, s.DeleteAccessKey(ctx, "k2"))
	if err := s.DeleteAccessKey(ctx, "k2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}

	// Role bindings of both scopes through one view.
	for _, b := range []RoleBinding{
		{ID: "b1", Scope: ScopeOrganization, OrganizationID: "o", UserID: "u", Role: "org_owner"},
		{ID: "b2", Scope: ScopeProject, ProjectID: "p", UserID: "u", Role: "project_owner"},
		{ID: "b3", Scope: ScopeProject, ProjectID: "p", UserID: "v", Role: "project_owner"},
		{ID: "b4", Scope: ScopeProject, ProjectID: "p2", UserID: "v", Role: "project_viewer"},
	} {
		b.Meta = m
		must(t, s.CreateRoleBinding(ctx, b))
	}
	b, err := s.GetRoleBinding(ctx, "b2")
	if err != nil || b.Scope != ScopeProject || b.OrganizationID != "o" || b.ProjectID != "p" || b.Role != "project_owner" || !b.Meta.CreatedAt.Equal(now) {
		t.Errorf("get %+v %v", b, err)
	}
	for _, c := range []struct {
		f    RoleBindingFilter
		want int
	}{
		{RoleBindingFilter{OrganizationID: "o"}, 4},
		{RoleBindingFilter{Scope: ScopeOrganization, OrganizationID: "o"}, 1},
		{RoleBindingFilter{Scope: ScopeProject, ProjectID: "p"}, 2},
		{RoleBindingFilter{Scope: ScopeProject, ProjectID: "p", UserID: "v"}, 1},
		{RoleBindingFilter{Scope: ScopeProject, Role: "project_viewer"}, 1},
	} {
		if _, total, err := s.ListRoleBindings(ctx, c.f, Page{Limit: 10}); err != nil || total != c.want {
			t.Errorf("%+v: %d bindings (%v), want %d", c.f, total, err, c.want)
		}
	}
	if n, err := s.CountProjectRoleHolders(ctx, "p", "project_owner"); err != nil || n != 2 {
		t.Errorf("project owners %d %v", n, err)
	}
	must(t, s.DeleteRoleBinding(ctx, "b1"))
	must(t, s.DeleteRoleBinding(ctx, "b3"))
	for _, id := range []string{"b1", "b3", "nope"} {
		if err := s.DeleteRoleBinding(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("delete %s again: %v", id, err)
		}
		if _, err := s.GetRoleBinding(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("get deleted %s: %v", id, err)
		}
	}

	// Invitations: one per email and organization.
	inv := Invitation{ID: "i1", OrganizationID: "o", Email: "a@example.com", State: InvitationPending, Meta: m}
	must(t, s.CreateInvitation(ctx, inv))
	inv.ID = "i2"
	if err := s.CreateInvitation(ctx, inv); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate invitation: %v", err)
	}
}
