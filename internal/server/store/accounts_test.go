package store

import (
	"context"
	"testing"
	"time"
)

func TestOrganizationsProjectsUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, m := openSeeded(t, db, "p1", "p2")
		must(t, s.CreateOrganization(ctx, Organization{ID: "o2", Name: "second", Meta: m}))
		must(t, s.CreateProject(ctx, Project{ID: "q", OrganizationID: "o2", Name: "p1", Meta: m}))

		if o, err := s.GetOrganizationByName(ctx, "second"); err != nil || o.ID != "o2" || !o.Meta.CreatedAt.Equal(seedTime) {
			t.Errorf("by name: %+v %v", o, err)
		}
		if n, err := s.CountOrganizations(ctx); err != nil || n != 2 {
			t.Errorf("%d organizations (%v), want 2", n, err)
		}
		if p, err := s.GetProject(ctx, "q"); err != nil || p.OrganizationID != "o2" || p.Name != "p1" {
			t.Errorf("project: %+v %v", p, err)
		}
		items, total, err := s.ListProjects(ctx, ProjectFilter{OrganizationID: "o"}, Page{Limit: 1, Offset: 1})
		if err != nil || total != 2 || len(items) != 1 || items[0].ID != "p2" {
			t.Errorf("page 2 of o's projects: %+v %d %v", items, total, err)
		}
		if _, total, err := s.ListProjects(ctx, ProjectFilter{Name: "p1"}, Page{Limit: 10}); err != nil || total != 2 {
			t.Errorf("projects named p1: %d %v", total, err)
		}

		person := User{ID: "u1", OrganizationID: "o", Type: UserTypePerson, Username: "ann@example.com", Name: "Ann", Email: "ann@example.com", Meta: m}
		machine := User{ID: "u2", OrganizationID: "o", Type: UserTypeMachine, Username: "ci", Name: "CI", Description: "builds",
			AccessTokenType: "bearer", Meta: m}
		must(t, s.CreateUser(ctx, person))
		must(t, s.CreateUser(ctx, machine))
		must(t, s.CreateUser(ctx, User{ID: "u3", OrganizationID: "o2", Type: UserTypeMachine, Username: "ci", Name: "ci", Meta: m}))
		if got, err := s.GetUser(ctx, "u2"); err != nil || got != machine {
			t.Errorf("round trip: %+v %v, want %+v", got, err, machine)
		}
		for _, c := range []struct {
			f    UserFilter
			want int
		}{
			{UserFilter{OrganizationID: "o"}, 2},
			{UserFilter{OrganizationID: "o", Type: UserTypeMachine}, 1},
			{UserFilter{Username: "ci"}, 2},
			{UserFilter{OrganizationID: "o2", Username: "ci"}, 1},
			{UserFilter{Type: UserTypePerson}, 1},
			{UserFilter{OrganizationID: "o", Username: "nobody"}, 0},
		} {
			if items, total, err := s.ListUsers(ctx, c.f, Page{Limit: 10}); err != nil || total != c.want || len(items) != c.want {
				t.Errorf("%+v: %d users, total %d (%v), want %d", c.f, len(items), total, err, c.want)
			}
			if n, err := s.CountUsers(ctx, c.f); err != nil || n != c.want {
				t.Errorf("%+v: counted %d users (%v), want %d", c.f, n, err, c.want)
			}
		}

		// UpdateUser writes every mutable field and the metadata.
		machine.Username, machine.Name, machine.Description, machine.Email, machine.AccessTokenType = "ci2", "CI 2", "", "ci@example.com", "jwt"
		machine.Meta.Touch(seedTime.Add(time.Minute), "u1")
		must(t, s.UpdateUser(ctx, machine))
		if got, err := s.GetUser(ctx, "u2"); err != nil || got != machine {
			t.Errorf("after update: %+v %v, want %+v", got, err, machine)
		}
	})
}
