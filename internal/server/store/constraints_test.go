package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// What the platform relies on the schema for: uniqueness (the backstop of
// its own checks), ErrNotFound, cascading deletes, the order of lists and
// the precision of times.

// seedOneOfEach fills a store with one row of every kind, all tied to user
// "u" of organization "o": what the tests below collide with or delete.
func seedOneOfEach(t *testing.T, db testDB) (Store, Meta) {
	t.Helper()
	ctx := context.Background()
	s, m := openSeeded(t, db, "p")
	must(t, s.CreateUser(ctx, User{ID: "u", OrganizationID: "o", Type: UserTypeMachine, Username: "u", Name: "u", Meta: m}))
	must(t, s.CreateAccessKey(ctx, AccessKey{ID: "k", UserID: "u", Name: "k", SecretHash: []byte{1}, ExpiresAt: seedTime, Meta: m}))
	must(t, s.CreateSessionToken(ctx, SessionToken{ID: "t", UserID: "u", Name: "t", SecretHash: []byte{1}, ExpiresAt: seedTime, Suffix: "x", Meta: m}))
	must(t, s.CreateFederatedCredential(ctx, FederatedCredential{ID: "f", UserID: "u", Name: "f", Issuer: "https://i", Audience: "a", Subject: "s", Meta: m}))
	must(t, s.CreateRoleBinding(ctx, RoleBinding{ID: "ob", Scope: ScopeOrganization, OrganizationID: "o", UserID: "u", Role: "org_owner", Meta: m}))
	must(t, s.CreateRoleBinding(ctx, RoleBinding{ID: "pb", Scope: ScopeProject, ProjectID: "p", UserID: "u", Role: "project_viewer", Meta: m}))
	must(t, s.CreateInvitation(ctx, Invitation{ID: "i", OrganizationID: "o", Email: "a@example.com", State: InvitationPending, Meta: m}))
	must(t, s.CreateCluster(ctx, Cluster{ID: "c", ProjectID: "p", Name: "c", DSN: "d", PostgresVersion: "15", Meta: m}))
	must(t, s.PutIdempotencyRecord(ctx, IdempotencyRecord{UserID: "u", Key: "i", RequestHash: "h", Status: 201, Location: "/l", Body: []byte("{}"), CreatedAt: seedTime}))
	return s, m
}

func TestEveryUniqueConstraintConflicts(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, m := seedOneOfEach(t, db)
		must(t, s.CreateOrganization(ctx, Organization{ID: "o2", Name: "o2", Meta: m}))
		must(t, s.CreateProject(ctx, Project{ID: "p2", OrganizationID: "o2", Name: "p2", Meta: m}))
		for _, c := range []struct {
			what   string
			create func(q Queries) error
		}{
			{"organization id", func(q Queries) error { return q.CreateOrganization(ctx, Organization{ID: "o", Name: "other", Meta: m}) }},
			{"organization name", func(q Queries) error { return q.CreateOrganization(ctx, Organization{ID: "o3", Name: "o", Meta: m}) }},
			{"project id", func(q Queries) error {
				return q.CreateProject(ctx, Project{ID: "p", OrganizationID: "o2", Name: "other", Meta: m})
			}},
			{"project name in its organization", func(q Queries) error {
				return q.CreateProject(ctx, Project{ID: "p3", OrganizationID: "o", Name: "p", Meta: m})
			}},
			{"user id", func(q Queries) error {
				return q.CreateUser(ctx, User{ID: "u", OrganizationID: "o2", Type: UserTypeMachine, Username: "other", Name: "x", Meta: m})
			}},
			{"username in its organization", func(q Queries) error {
				return q.CreateUser(ctx, User{ID: "u3", OrganizationID: "o", Type: UserTypePerson, Username: "u", Name: "x", Meta: m})
			}},
			{"federated credential id", func(q Queries) error {
				return q.CreateFederatedCredential(ctx, FederatedCredential{ID: "f", UserID: "u", Name: "other", Issuer: "https://i", Audience: "a", Subject: "s", Meta: m})
			}},
			{"federated credential name of its user", func(q Queries) error {
				return q.CreateFederatedCredential(ctx, FederatedCredential{ID: "f2", UserID: "u", Name: "f", Issuer: "https://i", Audience: "a", Subject: "s", Meta: m})
			}},
			{"access key id", func(q Queries) error {
				return q.CreateAccessKey(ctx, AccessKey{ID: "k", UserID: "u", Name: "other", SecretHash: []byte{2}, ExpiresAt: seedTime, Meta: m})
			}},
			{"access key name of its user", func(q Queries) error {
				return q.CreateAccessKey(ctx, AccessKey{ID: "k3", UserID: "u", Name: "k", SecretHash: []byte{2}, ExpiresAt: seedTime, Meta: m})
			}},
			{"session token id", func(q Queries) error {
				return q.CreateSessionToken(ctx, SessionToken{ID: "t", UserID: "u", Name: "other", SecretHash: []byte{2}, ExpiresAt: seedTime, Meta: m})
			}},
			{"organization binding id", func(q Queries) error {
				return q.CreateRoleBinding(ctx, RoleBinding{ID: "ob", Scope: ScopeOrganization, OrganizationID: "o", UserID: "u", Role: "org_admin", Meta: m})
			}},
			{"organization binding of a user and role", func(q Queries) error {
				return q.CreateRoleBinding(ctx, RoleBinding{ID: "ob3", Scope: ScopeOrganization, OrganizationID: "o", UserID: "u", Role: "org_owner", Meta: m})
			}},
			{"project binding id", func(q Queries) error {
				return q.CreateRoleBinding(ctx, RoleBinding{ID: "pb", Scope: ScopeProject, ProjectID: "p", UserID: "u", Role: "project_owner", Meta: m})
			}},
			{"project binding of a user and role", func(q Queries) error {
				return q.CreateRoleBinding(ctx, RoleBinding{ID: "pb3", Scope: ScopeProject, ProjectID: "p", UserID: "u", Role: "project_viewer", Meta: m})
			}},
			{"invitation id", func(q Queries) error {
				return q.CreateInvitation(ctx, Invitation{ID: "i", OrganizationID: "o", Email: "b@example.com", State: InvitationPending, Meta: m})
			}},
			{"invitation of an email to an organization", func(q Queries) error {
				return q.CreateInvitation(ctx, Invitation{ID: "i3", OrganizationID: "o", Email: "a@example.com", State: InvitationPending, Meta: m})
			}},
			{"cluster id", func(q Queries) error {
				return q.CreateCluster(ctx, Cluster{ID: "c", ProjectID: "p2", Name: "other", DSN: "d", PostgresVersion: "15", Meta: m})
			}},
			{"cluster name in its project", func(q Queries) error {
				return q.CreateCluster(ctx, Cluster{ID: "c3", ProjectID: "p", Name: "c", DSN: "d", PostgresVersion: "15", Meta: m})
			}},
			{"idempotency key of a user", func(q Queries) error {
				return q.PutIdempotencyRecord(ctx, IdempotencyRecord{UserID: "u", Key: "i", RequestHash: "h2", Status: 201, Location: "/m", Body: []byte("{}"), CreatedAt: seedTime})
			}},
		} {
			if err := c.create(s); !errors.Is(err, ErrConflict) {
				t.Errorf("a second %s: %v, want ErrConflict", c.what, err)
			}
			// The same inside a transaction: the error comes out of InTx as fn returned it.
			if err := s.InTx(ctx, c.create); !errors.Is(err, ErrConflict) {
				t.Errorf("a second %s in a transaction: %v, want ErrConflict", c.what, err)
			}
		}

		// What is unique within a parent is not unique across parents.
		must(t, s.CreateProject(ctx, Project{ID: "p4", OrganizationID: "o2", Name: "p", Meta: m}))
		must(t, s.CreateUser(ctx, User{ID: "u4", OrganizationID: "o2", Type: UserTypeMachine, Username: "u", Name: "u", Meta: m}))
		must(t, s.CreateAccessKey(ctx, AccessKey{ID: "k4", UserID: "u4", Name: "k", SecretHash: []byte{4}, ExpiresAt: seedTime, Meta: m}))
		must(t, s.CreateInvitation(ctx, Invitation{ID: "i4", OrganizationID: "o2", Email: "a@example.com", State: InvitationPending, Meta: m}))
		must(t, s.CreateCluster(ctx, Cluster{ID: "c4", ProjectID: "p4", Name: "c", DSN: "d", PostgresVersion: "15", Meta: m}))
		must(t, s.PutIdempotencyRecord(ctx, IdempotencyRecord{UserID: "u4", Key: "i", RequestHash: "h", Status: 201, Location: "/l", Body: []byte("{}"), CreatedAt: seedTime}))
	})
}

func TestMissingRowsAreNotFound(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, m := seedOneOfEach(t, db)
		// Ids come from request paths, so they may hold anything, bytes
		// that are not UTF-8 and NUL included: those match no row either.
		for _, id := range []string{"missing", "u\x00", "\xff\xfe", ""} {
			for what, err := range map[string]error{
				"organization":         get(s.GetOrganization(ctx, id)),
				"organization by name": get(s.GetOrganizationByName(ctx, id)),
				"project":              get(s.GetProject(ctx, id)),
				"user":                 get(s.GetUser(ctx, id)),
				"user update":          s.UpdateUser(ctx, User{ID: id, Username: "x", Name: "x", Meta: m}),
				"user delete":          s.DeleteUser(ctx, id),
				"access key":           get(s.GetAccessKey(ctx, id)),
				"access key delete":    s.DeleteAccessKey(ctx, id),
				"session token":        get(s.GetSessionToken(ctx, id)),
				"session token delete": s.DeleteSessionToken(ctx, id),
				"role binding":         get(s.GetRoleBinding(ctx, id)),
				"role binding delete":  s.DeleteRoleBinding(ctx, id),
				"cluster":              get(s.GetCluster(ctx, id)),
				"idempotency record":   get(s.GetIdempotencyRecord(ctx, "u", id)),
				"idempotency user":     get(s.GetIdempotencyRecord(ctx, id, "i")),
				"state":                get(s.GetState(ctx, id)),
			} {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("%s %q: %v, want ErrNotFound", what, id, err)
				}
			}
			// Lists of nothing are empty, not errors ("" filters nothing).
			if id == "" {
				continue
			}
			if items, total, err := s.ListUsers(ctx, UserFilter{OrganizationID: id}, Page{Limit: 10}); err != nil || total != 0 || len(items) != 0 {
				t.Errorf("users of organization %q: %v %d %v", id, items, total, err)
			}
			if bs, err := s.ListRoleBindingsByUser(ctx, id); err != nil || len(bs) != 0 {
				t.Errorf("bindings of user %q: %v %v", id, bs, err)
			}
			if ts, total, err := s.ListSessionTokens(ctx, SessionTokenFilter{UserID: id}, Page{Limit: 10}); err != nil || total != 0 || len(ts) != 0 {
				t.Errorf("session tokens of user %q: %v %d %v", id, ts, total, err)
			}
		}
	})
}

// get drops the value of a Get, keeping its error.
func get[T any](_ T, err error) error { return err }

func TestDeletesCascade(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		// Deleting a user deletes its keys, session tokens, bindings and
		// idempotency records.
		s, m := seedOneOfEach(t, db)
		must(t, s.DeleteUser(ctx, "u"))
		notFound(t, "key of a deleted user", get(s.GetAccessKey(ctx, "k")))
		notFound(t, "session token of a deleted user", get(s.GetSessionToken(ctx, "t")))
		notFound(t, "federated credential of a deleted user", get(s.GetFederatedCredential(ctx, "f")))
		notFound(t, "organization binding of a deleted user", get(s.GetRoleBinding(ctx, "ob")))
		notFound(t, "project binding of a deleted user", get(s.GetRoleBinding(ctx, "pb")))
		notFound(t, "idempotency record of a deleted user", get(s.GetIdempotencyRecord(ctx, "u", "i")))
		if _, err := s.GetCluster(ctx, "c"); err != nil {
			t.Errorf("the cluster went with the user: %v", err)
		}

		// Deleting a project deletes its clusters and bindings; deleting an
		// organization, everything in it. Nothing in the platform does
		// either yet: the schema does, for the operator who will.
		raw := sqlOf(t, s)
		must(t, raw.CreateUser(ctx, User{ID: "u", OrganizationID: "o", Type: UserTypeMachine, Username: "u", Name: "u", Meta: m}))
		must(t, raw.CreateRoleBinding(ctx, RoleBinding{ID: "pb", Scope: ScopeProject, ProjectID: "p", UserID: "u", Role: "project_viewer", Meta: m}))
		must(t, raw.exec(ctx, "DELETE FROM projects WHERE id = ?", "p"))
		notFound(t, "cluster of a deleted project", get(s.GetCluster(ctx, "c")))
		notFound(t, "binding of a deleted project", get(s.GetRoleBinding(ctx, "pb")))
		must(t, raw.exec(ctx, "DELETE FROM organizations WHERE id = ?", "o"))
		notFound(t, "user of a deleted organization", get(s.GetUser(ctx, "u")))
		for _, table := range []string{"projects", "users", "access_keys", "session_tokens", "federated_credentials", "org_role_bindings", "project_role_bindings",
			"invitations", "clusters", "idempotency_keys"} {
			if n, err := raw.count(ctx, "SELECT count(*) FROM "+table); err != nil || n != 0 {
				t.Errorf("%d rows (%v) left in %s after deleting the only organization", n, err, table)
			}
		}
	})
}

func notFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("%s: %v, want ErrNotFound", what, err)
	}
}

// Lists are ordered by creation time, then by id compared byte by byte, as
// pages of a list must come in one order whatever the database's locale.
func TestListsOrderByCreationThenID(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, m := openSeeded(t, db, "p")
		// A linguistic collation would put these in another order
		// (ignoring case and punctuation).
		ids := []string{"b", "B", "_x", "a", "a-b", "ab", "A2", "é"}
		for _, id := range ids {
			must(t, s.CreateUser(ctx, User{ID: id, OrganizationID: "o", Type: UserTypeMachine, Username: "user" + id, Name: id, Meta: m}))
			must(t, s.CreateRoleBinding(ctx, RoleBinding{ID: "1" + id, Scope: ScopeProject, ProjectID: "p", UserID: id, Role: "project_viewer", Meta: m}))
			must(t, s.CreateRoleBinding(ctx, RoleBinding{ID: "0" + id, Scope: ScopeOrganization, OrganizationID: "o", UserID: id, Role: "org_admin", Meta: m}))
		}
		// Made a nanosecond earlier: first, whatever its id.
		early := NewMeta(seedTime.Add(-time.Nanosecond), "system")
		must(t, s.CreateUser(ctx, User{ID: "z", OrganizationID: "o", Type: UserTypeMachine, Username: "z", Name: "z", Meta: early}))
		must(t, s.CreateRoleBinding(ctx, RoleBinding{ID: "z", Scope: ScopeOrganization, OrganizationID: "o", UserID: "z", Role: "org_admin", Meta: early}))

		wantUsers := append([]string{"z"}, ids...)
		slices.Sort(wantUsers[1:]) // Go compares strings byte by byte
		var gotUsers []string
		for offset := 0; offset < len(wantUsers); offset += 3 {
			items, total, err := s.ListUsers(ctx, UserFilter{OrganizationID: "o"}, Page{Limit: 3, Offset: offset})
			if err != nil || total != len(wantUsers) {
				t.Fatalf("page at %d: %d users, %v", offset, total, err)
			}
			for _, u := range items {
				gotUsers = append(gotUsers, u.ID)
			}
		}
		if !slices.Equal(gotUsers, wantUsers) {
			t.Errorf("users in the order %q, want %q", gotUsers, wantUsers)
		}

		// Bindings of both scopes in one order.
		var wantBindings []string
		for _, id := range ids {
			wantBindings = append(wantBindings, "0"+id, "1"+id)
		}
		slices.Sort(wantBindings)
		wantBindings = append([]string{"z"}, wantBindings...)
		items, _, err := s.ListRoleBindings(ctx, RoleBindingFilter{OrganizationID: "o"}, Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var gotBindings []string
		for _, b := range items {
			gotBindings = append(gotBindings, b.ID)
		}
		if !slices.Equal(gotBindings, wantBindings) {
			t.Errorf("bindings in the order %q, want %q", gotBindings, wantBindings)
		}
	})
}

// Times come back as they went in, to the nanosecond, in UTC.
func TestTimesKeepNanoseconds(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		zone := time.FixedZone("UTC+5:30", 5*3600+1800)
		created := time.Date(2026, 3, 4, 5, 6, 7, 123456789, zone)
		updated := created.Add(time.Nanosecond)
		expires := time.Date(2027, 1, 1, 0, 0, 0, 1, zone)
		old := time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC) // before the Unix epoch
		s, _ := openSeeded(t, db)
		u := User{ID: "u", OrganizationID: "o", Type: UserTypeMachine, Username: "u", Name: "u", Meta: NewMeta(created, "system")}
		must(t, s.CreateUser(ctx, u))
		u.Meta.Touch(updated, "someone")
		must(t, s.UpdateUser(ctx, u))
		must(t, s.CreateAccessKey(ctx, AccessKey{ID: "k", UserID: "u", Name: "k", SecretHash: []byte{1}, ExpiresAt: expires, Meta: NewMeta(old, "x")}))
		must(t, s.CreateSessionToken(ctx, SessionToken{ID: "t", UserID: "u", Name: "t", SecretHash: []byte{1}, ExpiresAt: expires, Meta: NewMeta(old, "x")}))
		must(t, s.PutIdempotencyRecord(ctx, IdempotencyRecord{UserID: "u", Key: "i", RequestHash: "h", Status: 201, Location: "/l", Body: []byte("{}"), CreatedAt: updated}))

		same := func(what string, got, want time.Time) {
			t.Helper()
			if !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("%s: %v, want %v in UTC", what, got, want)
			}
		}
		gotU, err := s.GetUser(ctx, "u")
		must(t, err)
		same("user created", gotU.Meta.CreatedAt, created)
		same("user updated", gotU.Meta.UpdatedAt, updated)
		if gotU.Meta.Sequence != 2 || gotU.Meta.UpdatedBy != "someone" {
			t.Errorf("user metadata %+v", gotU.Meta)
		}
		k, err := s.GetAccessKey(ctx, "k")
		must(t, err)
		same("key expires", k.ExpiresAt, expires)
		same("key created before 1970", k.Meta.CreatedAt, old)
		tok, err := s.GetSessionToken(ctx, "t")
		must(t, err)
		same("session token expires", tok.ExpiresAt, expires)
		same("session token created before 1970", tok.Meta.CreatedAt, old)
		r, err := s.GetIdempotencyRecord(ctx, "u", "i")
		must(t, err)
		same("idempotency record created", r.CreatedAt, updated)
	})
}
