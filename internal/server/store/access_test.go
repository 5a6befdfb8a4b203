package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAccessKeysBindingsInvitations(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, m := openSeeded(t, db, "p", "p2")
		for _, id := range []string{"u", "v"} {
			must(t, s.CreateUser(ctx, User{ID: id, OrganizationID: "o", Type: UserTypePerson, Username: id, Name: id, Meta: m}))
		}

		// Access keys: every column round-trips; lists filter; delete.
		k := AccessKey{ID: "k1", UserID: "u", Name: "one", SecretHash: []byte{1, 0, 255}, ExpiresAt: seedTime.Add(time.Hour),
			Suffix: "AbCd", SelfService: true, Meta: m}
		must(t, s.CreateAccessKey(ctx, k))
		must(t, s.CreateAccessKey(ctx, AccessKey{ID: "k2", UserID: "u", Name: "two", SecretHash: []byte{2}, ExpiresAt: seedTime, Meta: m}))
		got, err := s.GetAccessKey(ctx, "k1")
		if err != nil || got.ID != k.ID || got.UserID != k.UserID || got.Name != k.Name || string(got.SecretHash) != string(k.SecretHash) ||
			!got.ExpiresAt.Equal(k.ExpiresAt) || got.Suffix != k.Suffix || !got.SelfService || got.Meta != k.Meta {
			t.Errorf("round trip %+v %v, want %+v", got, err, k)
		}
		if items, total, err := s.ListAccessKeys(ctx, AccessKeyFilter{UserID: "u"}, Page{Limit: 1}); err != nil || total != 2 || len(items) != 1 || items[0].ID != "k1" {
			t.Errorf("list %+v %d %v", items, total, err)
		}
		if items, total, err := s.ListAccessKeys(ctx, AccessKeyFilter{UserID: "u", SelfServiceOnly: true}, Page{Limit: 10}); err != nil || total != 1 || items[0].ID != "k1" {
			t.Errorf("self-service %+v %d %v", items, total, err)
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
			{ID: "b5", Scope: ScopeOrganization, OrganizationID: "o", UserID: "v", Role: "org_admin"},
		} {
			b.Meta = m
			must(t, s.CreateRoleBinding(ctx, b))
		}
		if err := s.CreateRoleBinding(ctx, RoleBinding{ID: "b6", Scope: "cluster", UserID: "u", Role: "x", Meta: m}); err == nil {
			t.Error("a binding of an unknown scope was stored")
		}
		b, err := s.GetRoleBinding(ctx, "b2")
		want := RoleBinding{ID: "b2", Scope: ScopeProject, OrganizationID: "o", ProjectID: "p", UserID: "u", Role: "project_owner", Meta: m}
		if err != nil || b != want {
			t.Errorf("get %+v %v, want %+v", b, err, want)
		}
		if b, err := s.GetRoleBinding(ctx, "b1"); err != nil || b.Scope != ScopeOrganization || b.ProjectID != "" {
			t.Errorf("get org binding %+v %v", b, err)
		}
		for _, c := range []struct {
			f    RoleBindingFilter
			want int
		}{
			{RoleBindingFilter{OrganizationID: "o"}, 5},
			{RoleBindingFilter{Scope: ScopeOrganization, OrganizationID: "o"}, 2},
			{RoleBindingFilter{Scope: ScopeProject, ProjectID: "p"}, 2},
			{RoleBindingFilter{Scope: ScopeProject, ProjectID: "p", UserID: "v"}, 1},
			{RoleBindingFilter{Scope: ScopeProject, Role: "project_viewer"}, 1},
			{RoleBindingFilter{UserID: "v"}, 3},
		} {
			if _, total, err := s.ListRoleBindings(ctx, c.f, Page{Limit: 10}); err != nil || total != c.want {
				t.Errorf("%+v: %d bindings (%v), want %d", c.f, total, err, c.want)
			}
		}
		if bs, err := s.ListRoleBindingsByUser(ctx, "v"); err != nil || len(bs) != 3 || bs[0].ID != "b3" || bs[2].ID != "b5" {
			t.Errorf("bindings of v: %+v %v", bs, err)
		}
		if n, err := s.CountProjectRoleHolders(ctx, "p", "project_owner"); err != nil || n != 2 {
			t.Errorf("project owners %d %v", n, err)
		}
		if n, err := s.CountOrgRoleHolders(ctx, "o", "org_owner"); err != nil || n != 1 {
			t.Errorf("org owners %d %v", n, err)
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
		if n, err := s.CountOrgRoleHolders(ctx, "o", "org_owner"); err != nil || n != 0 {
			t.Errorf("org owners after unbinding: %d %v", n, err)
		}

		must(t, s.CreateInvitation(ctx, Invitation{ID: "i1", OrganizationID: "o", Email: "a@example.com", State: InvitationPending, Meta: m}))
	})
}
