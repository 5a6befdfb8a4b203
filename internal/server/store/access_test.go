package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
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
		// ActiveAt keeps the keys that have not expired at that time: k2
		// expires at seedTime, k1 an hour later.
		for _, c := range []struct {
			f    AccessKeyFilter
			want []string
		}{
			{AccessKeyFilter{UserID: "u", ActiveAt: seedTime.Add(-time.Nanosecond)}, []string{"k1", "k2"}},
			{AccessKeyFilter{UserID: "u", ActiveAt: seedTime}, []string{"k1"}},
			{AccessKeyFilter{UserID: "u", ActiveAt: seedTime.Add(time.Hour)}, nil},
			{AccessKeyFilter{UserID: "u", SelfServiceOnly: true, ActiveAt: seedTime}, []string{"k1"}},
			{AccessKeyFilter{UserID: "v", ActiveAt: seedTime}, nil},
		} {
			items, total, err := s.ListAccessKeys(ctx, c.f, Page{Limit: 10})
			var got []string
			for _, k := range items {
				got = append(got, k.ID)
			}
			if err != nil || total != len(c.want) || !slices.Equal(got, c.want) {
				t.Errorf("keys of %+v: %v (total %d, %v), want %v", c.f, got, total, err, c.want)
			}
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

func TestSessionTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, m := openSeeded(t, db)
		for _, id := range []string{"u", "v"} {
			must(t, s.CreateUser(ctx, User{ID: id, OrganizationID: "o", Type: UserTypeMachine, Username: id, Name: id, Meta: m}))
		}
		// Every column round-trips.
		tok := SessionToken{ID: "t1", UserID: "u", Name: "run 1", SecretHash: []byte{1, 0, 255}, ExpiresAt: seedTime.Add(time.Hour),
			Suffix: "AbCd", Meta: m}
		must(t, s.CreateSessionToken(ctx, tok))
		if got, err := s.GetSessionToken(ctx, "t1"); err != nil || got.ID != tok.ID || got.UserID != tok.UserID || got.Name != tok.Name ||
			string(got.SecretHash) != string(tok.SecretHash) || !got.ExpiresAt.Equal(tok.ExpiresAt) || got.Suffix != tok.Suffix || got.Meta != tok.Meta {
			t.Errorf("round trip %+v %v, want %+v", got, err, tok)
		}
		// Names are not unique; ids are.
		for i, exp := range []time.Duration{time.Minute, 0, 2 * time.Hour, -time.Hour} {
			must(t, s.CreateSessionToken(ctx, SessionToken{ID: fmt.Sprintf("t%d", i+2), UserID: "u", Name: "run 1", SecretHash: []byte{2},
				ExpiresAt: seedTime.Add(exp), Suffix: "x", Meta: m}))
		}
		must(t, s.CreateSessionToken(ctx, SessionToken{ID: "t9", UserID: "v", Name: "v's", SecretHash: []byte{9},
			ExpiresAt: seedTime.Add(-time.Minute), Suffix: "x", Meta: m}))
		if err := s.CreateSessionToken(ctx, SessionToken{ID: "t1", UserID: "v", Name: "x", SecretHash: []byte{3}, ExpiresAt: seedTime, Meta: m}); !errors.Is(err, ErrConflict) {
			t.Errorf("a second token t1: %v, want ErrConflict", err)
		}
		// Session tokens are not access keys, nor the other way round.
		if _, err := s.GetAccessKey(ctx, "t1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a session token read as an access key: %v", err)
		}
		if _, total, err := s.ListAccessKeys(ctx, AccessKeyFilter{UserID: "u"}, Page{Limit: 10}); err != nil || total != 0 {
			t.Errorf("session tokens listed as access keys: %d %v", total, err)
		}

		ids := func(ts []SessionToken) (out []string) {
			for _, t := range ts {
				out = append(out, t.ID)
			}
			return out
		}
		// Lists: one user's, oldest first; ActiveAt keeps the unexpired ones.
		for _, c := range []struct {
			f    SessionTokenFilter
			want []string
		}{
			{SessionTokenFilter{UserID: "u"}, []string{"t1", "t2", "t3", "t4", "t5"}},
			{SessionTokenFilter{UserID: "u", ActiveAt: seedTime}, []string{"t1", "t2", "t4"}},
			{SessionTokenFilter{UserID: "u", ActiveAt: seedTime.Add(time.Hour)}, []string{"t4"}},
			{SessionTokenFilter{UserID: "v"}, []string{"t9"}},
			{SessionTokenFilter{UserID: "nobody"}, nil},
		} {
			items, total, err := s.ListSessionTokens(ctx, c.f, Page{Limit: 10})
			if err != nil || total != len(c.want) || !slices.Equal(ids(items), c.want) {
				t.Errorf("tokens of %+v: %v (total %d, %v), want %v", c.f, ids(items), total, err, c.want)
			}
		}
		if items, total, err := s.ListSessionTokens(ctx, SessionTokenFilter{UserID: "u"}, Page{Limit: 2, Offset: 1}); err != nil || total != 5 ||
			!slices.Equal(ids(items), []string{"t2", "t3"}) {
			t.Errorf("a page of tokens: %v %d %v", ids(items), total, err)
		}

		// The expired ones, of every user, soonest expired first, at most limit.
		for _, c := range []struct {
			at    time.Time
			limit int
			want  []string
		}{
			{seedTime.Add(-2 * time.Hour), 10, nil},
			{seedTime, 10, []string{"t5", "t9", "t3"}}, // expired an hour, a minute and no time before
			{seedTime, 2, []string{"t5", "t9"}},
			{seedTime.Add(time.Hour), 10, []string{"t5", "t9", "t3", "t2", "t1"}},
		} {
			got, err := s.ListExpiredSessionTokens(ctx, c.at, c.limit)
			if err != nil || !slices.Equal(ids(got), c.want) {
				t.Errorf("expired at %v (limit %d): %v %v, want %v", c.at, c.limit, ids(got), err, c.want)
			}
		}

		must(t, s.DeleteSessionToken(ctx, "t3"))
		notFound(t, "deleted token", get(s.GetSessionToken(ctx, "t3")))
		notFound(t, "second delete of a token", s.DeleteSessionToken(ctx, "t3"))

		// All of one user's at once, expired or not; the other user's stay.
		if n, err := s.DeleteSessionTokensOfUser(ctx, "u"); err != nil || n != 4 {
			t.Errorf("delete the tokens of u: %d %v, want 4", n, err)
		}
		if _, total, err := s.ListSessionTokens(ctx, SessionTokenFilter{UserID: "u"}, Page{Limit: 10}); err != nil || total != 0 {
			t.Errorf("u has %d tokens left (%v)", total, err)
		}
		if _, err := s.GetSessionToken(ctx, "t9"); err != nil {
			t.Errorf("v's token went with u's: %v", err)
		}
		if n, err := s.DeleteSessionTokensOfUser(ctx, "u"); err != nil || n != 0 {
			t.Errorf("delete the tokens of u again: %d %v, want 0", n, err)
		}
	})
}

func TestFederatedCredentials(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, m := openSeeded(t, db)
		for _, id := range []string{"u", "v"} {
			must(t, s.CreateUser(ctx, User{ID: id, OrganizationID: "o", Type: UserTypeMachine, Username: id, Name: id, Meta: m}))
		}
		// Every column round-trips, the claims too; no claims reads as an
		// empty map.
		fc := FederatedCredential{ID: "f1", UserID: "u", Name: "deploy", Description: "from main", Issuer: "https://issuer.example",
			Audience: "pgcloud", Subject: "repo:acme/infra:ref:refs/heads/*", Claims: map[string]string{"environment": "production", "é": "ü"}, Meta: m}
		must(t, s.CreateFederatedCredential(ctx, fc))
		got, err := s.GetFederatedCredential(ctx, "f1")
		if err != nil || got.ID != fc.ID || got.UserID != fc.UserID || got.Name != fc.Name || got.Description != fc.Description ||
			got.Issuer != fc.Issuer || got.Audience != fc.Audience || got.Subject != fc.Subject || !maps.Equal(got.Claims, fc.Claims) || got.Meta != fc.Meta {
			t.Errorf("round trip %+v %v, want %+v", got, err, fc)
		}
		must(t, s.CreateFederatedCredential(ctx, FederatedCredential{ID: "f2", UserID: "u", Name: "other", Issuer: "https://other.example",
			Audience: "a", Subject: "s", Meta: m}))
		must(t, s.CreateFederatedCredential(ctx, FederatedCredential{ID: "f3", UserID: "v", Name: "deploy", Issuer: "https://issuer.example",
			Audience: "a", Subject: "s", Meta: m}))
		if got, err := s.GetFederatedCredential(ctx, "f2"); err != nil || got.Claims == nil || len(got.Claims) != 0 {
			t.Errorf("no claims: %+v %v", got.Claims, err)
		}
		ids := func(cs []FederatedCredential) (out []string) {
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		for _, c := range []struct {
			f    FederatedCredentialFilter
			want []string
		}{
			{FederatedCredentialFilter{UserID: "u"}, []string{"f1", "f2"}},
			{FederatedCredentialFilter{Issuer: "https://issuer.example"}, []string{"f1", "f3"}},
			{FederatedCredentialFilter{UserID: "v", Issuer: "https://issuer.example"}, []string{"f3"}},
			{FederatedCredentialFilter{Issuer: "https://ISSUER.example"}, nil},
		} {
			items, total, err := s.ListFederatedCredentials(ctx, c.f, Page{Limit: 10})
			if err != nil || total != len(c.want) || !slices.Equal(ids(items), c.want) {
				t.Errorf("credentials of %+v: %v (total %d, %v), want %v", c.f, ids(items), total, err, c.want)
			}
		}
		if _, _, err := s.ListFederatedCredentials(ctx, FederatedCredentialFilter{}, Page{Limit: 10}); err == nil {
			t.Errorf("a list of every federated credential was not refused")
		}
		must(t, s.DeleteFederatedCredential(ctx, "f1"))
		notFound(t, "deleted federated credential", get(s.GetFederatedCredential(ctx, "f1")))
		notFound(t, "federated credential deleted twice", s.DeleteFederatedCredential(ctx, "f1"))
	})
}

// The joined reads authentication makes return what the two reads they
// replace return, and nothing for an unknown credential or one whose user
// is gone.
func TestCredentialWithUser(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, m := openSeeded(t, db)
		u := User{ID: "u", OrganizationID: "o", Type: UserTypeMachine, Username: "ci", Name: "CI", Description: "runs",
			Email: "ci@example.com", AccessTokenType: "pat", Meta: m}
		must(t, s.CreateUser(ctx, u))
		must(t, s.CreateAccessKey(ctx, AccessKey{ID: "k", UserID: "u", Name: "key", SecretHash: []byte{1, 0, 255},
			ExpiresAt: seedTime.Add(time.Hour), Suffix: "AbCd", SelfService: true, ConfirmBy: seedTime.Add(time.Minute), Meta: m}))
		must(t, s.CreateSessionToken(ctx, SessionToken{ID: "t", UserID: "u", Name: "run", SecretHash: []byte{2},
			ExpiresAt: seedTime.Add(time.Hour), Suffix: "EfGh", Meta: m}))
		wantUser, err := s.GetUser(ctx, "u")
		must(t, err)
		wantKey, err := s.GetAccessKey(ctx, "k")
		must(t, err)
		wantToken, err := s.GetSessionToken(ctx, "t")
		must(t, err)

		if k, gotUser, err := s.GetAccessKeyWithUser(ctx, "k"); err != nil || !reflect.DeepEqual(k, wantKey) || gotUser != wantUser {
			t.Errorf("key with user: %+v %+v %v, want %+v %+v", k, gotUser, err, wantKey, wantUser)
		}
		if tok, gotUser, err := s.GetSessionTokenWithUser(ctx, "t"); err != nil || !reflect.DeepEqual(tok, wantToken) || gotUser != wantUser {
			t.Errorf("token with user: %+v %+v %v, want %+v %+v", tok, gotUser, err, wantToken, wantUser)
		}
		if _, _, err := s.GetAccessKeyWithUser(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown key: %v", err)
		}
		if _, _, err := s.GetSessionTokenWithUser(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		must(t, s.DeleteUser(ctx, "u"))
		if _, _, err := s.GetAccessKeyWithUser(ctx, "k"); !errors.Is(err, ErrNotFound) {
			t.Errorf("key of a deleted user: %v", err)
		}
		if _, _, err := s.GetSessionTokenWithUser(ctx, "t"); !errors.Is(err, ErrNotFound) {
			t.Errorf("token of a deleted user: %v", err)
		}
	})
}
