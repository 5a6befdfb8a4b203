package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestPagination(t *testing.T) {
	e := newEnv(t)
	// Concurrent creates also prove that writers wait for each other instead
	// of failing with "database is locked".
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.try("POST", e.machineUsersPath(), e.adminKey, map[string]any{"username": fmt.Sprintf("bot-%02d", i)})
			if err != nil || r.status != 201 {
				t.Errorf("create %d: %v %+v", i, err, r)
			}
		}()
	}
	wg.Wait()
	const total = 25 // with admin

	var first page
	e.do("GET", e.machineUsersPath()+"?limit=10", e.adminKey, nil).decode(200, &first)
	if first.Type != "collection" || first.Total != total || first.Limit != 10 || first.Offset != 0 || len(first.Items) != 10 {
		t.Fatalf("first page: %+v", first)
	}
	if first.Href != e.machineUsersPath()+"?limit=10&offset=0" || first.Links.Self != first.Href ||
		first.Links.Prev != "" || first.Links.Next != e.machineUsersPath()+"?limit=10&offset=10" {
		t.Errorf("first page links: %q %+v", first.Href, first.Links)
	}

	// Walk all pages by following next.
	seen := map[string]bool{}
	next, pages := first.Href, 0
	for next != "" {
		var p page
		e.do("GET", next, e.adminKey, nil).decode(200, &p)
		pages++
		for _, raw := range p.Items {
			var mu machineUser
			if err := json.Unmarshal(raw, &mu); err != nil {
				t.Fatal(err)
			}
			if seen[mu.ID] {
				t.Errorf("%s on two pages", mu.ID)
			}
			seen[mu.ID] = true
		}
		if pages > 1 && p.Links.Prev == "" {
			t.Errorf("page %d has no prev link", pages)
		}
		next = p.Links.Next
	}
	if pages != 3 || len(seen) != total {
		t.Errorf("walked %d pages, %d users; want 3, %d", pages, len(seen), total)
	}

	var mid page
	e.do("GET", e.machineUsersPath()+"?limit=10&offset=5", e.adminKey, nil).decode(200, &mid)
	if mid.Links.Prev != e.machineUsersPath()+"?limit=10&offset=0" || mid.Links.Next != e.machineUsersPath()+"?limit=10&offset=15" {
		t.Errorf("middle links %+v", mid.Links)
	}
	var past page
	e.do("GET", e.machineUsersPath()+"?offset=100", e.adminKey, nil).decode(200, &past)
	if len(past.Items) != 0 || past.Total != total || past.Limit != 100 || past.Links.Next != "" {
		t.Errorf("past the end: %+v", past)
	}
	var all page
	e.do("GET", e.machineUsersPath()+"?limit=1000", e.adminKey, nil).decode(200, &all)
	if len(all.Items) != total {
		t.Errorf("limit=1000 gave %d", len(all.Items))
	}

	// Filters stay in the links.
	var filtered page
	e.do("GET", e.machineUsersPath()+"?username=bot-03", e.adminKey, nil).decode(200, &filtered)
	if filtered.Total != 1 || !strings.Contains(filtered.Href, "username=bot-03") {
		t.Errorf("username filter: %+v", filtered)
	}

	for _, q := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=1001", "limit"}, {"limit=abc", "limit"}, {"limit=", "limit"},
		{"limit=1.5", "limit"}, {"offset=-1", "offset"}, {"offset=x", "offset"},
	} {
		for _, path := range []string{e.machineUsersPath(), "/api/v1/roles", "/api/v1/organizations/" + e.orgID + "/users",
			"/api/v1/organizations/" + e.orgID + "/projects"} {
			e.do("GET", path+"?"+q.query, e.adminKey, nil).wantError(422, "INVALID_ARGUMENT", q.field)
		}
	}
	e.do("GET", e.machineUsersPath()+"?limit=0&offset=-1", e.adminKey, nil).wantError(422, "INVALID_ARGUMENT", "limit", "offset")
}

func TestUsersProjectsRoles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.srv.Admin()
	personID, err := a.CreateHumanUser(ctx, e.orgID, "jo@example.com")
	if err != nil {
		t.Fatal(err)
	}
	e.createMachineUser(map[string]any{"username": "m1"})
	org := "/api/v1/organizations/" + e.orgID

	count := func(path string) int {
		var p page
		e.do("GET", path, e.adminKey, nil).decode(200, &p)
		return p.Total
	}
	if n := count(org + "/users"); n != 3 {
		t.Errorf("users %d, want 3", n)
	}
	if n := count(org + "/users?type=machine"); n != 2 {
		t.Errorf("machine users %d, want 2", n)
	}
	if n := count(org + "/users?type=person"); n != 1 {
		t.Errorf("people %d, want 1", n)
	}
	e.do("GET", org+"/users?type=robot", e.adminKey, nil).wantError(422, "INVALID_ARGUMENT", "type")
	var person struct {
		Properties struct{ UserType, Username, Name, Email string }
	}
	e.do("GET", org+"/users/"+personID, e.adminKey, nil).decode(200, &person)
	if p := person.Properties; p.UserType != "person" || p.Username != "jo@example.com" || p.Name != p.Username || p.Email != p.Username {
		t.Errorf("person %+v", p)
	}
	e.do("GET", org+"/users/nope", e.adminKey, nil).wantError(404, "NOT_FOUND")

	if _, err := a.CreateProject(ctx, e.orgID, "second"); err != nil {
		t.Fatal(err)
	}
	if n := count(org + "/projects"); n != 2 {
		t.Errorf("projects %d, want 2", n)
	}
	var one page
	e.do("GET", org+"/projects?name=default", e.adminKey, nil).decode(200, &one)
	var proj struct {
		ID         string
		Properties struct{ Name, OrganizationID string }
	}
	if len(one.Items) != 1 || json.Unmarshal(one.Items[0], &proj) != nil || proj.ID != e.projectID ||
		proj.Properties.OrganizationID != e.orgID || proj.Properties.Name != "default" {
		t.Errorf("project by name: %+v %s", one, one.Items)
	}
	e.do("GET", "/api/v1/projects/nope", e.adminKey, nil).wantError(404, "NOT_FOUND")

	var roles page
	e.do("GET", "/api/v1/roles", e.adminKey, nil).decode(200, &roles)
	if roles.Total != 5 || len(roles.Items) != 5 {
		t.Errorf("roles %+v", roles)
	}
	e.do("GET", "/api/v1/roles?limit=2&offset=4", e.adminKey, nil).decode(200, &roles)
	if len(roles.Items) != 1 || roles.Links.Prev == "" || roles.Links.Next != "" {
		t.Errorf("roles page %+v", roles)
	}
	var role struct {
		ID         string
		Properties struct{ Name, Scope, Description string }
	}
	e.do("GET", "/api/v1/roles/project_viewer", e.adminKey, nil).decode(200, &role)
	if role.ID != "project_viewer" || role.Properties.Scope != "project" || role.Properties.Description == "" {
		t.Errorf("role %+v", role)
	}
	e.do("GET", "/api/v1/roles/god", e.adminKey, nil).wantError(404, "NOT_FOUND")
}

func TestWhoami(t *testing.T) {
	e := newEnv(t)
	var me struct {
		Type string
		User struct {
			ID         string
			Properties struct{ UserType, Username string }
		}
		Organization struct {
			ID         string
			Properties struct{ Name string }
		}
		RoleBindings []struct{ ID, Role, Scope, OrganizationID, ProjectID string }
	}
	e.do("GET", "/api/v1/whoami", e.adminKey, nil).decode(200, &me)
	if me.Type != "whoami" || me.User.Properties.Username != "admin" || me.User.Properties.UserType != "machine" ||
		me.Organization.Properties.Name != "default" || len(me.RoleBindings) != 2 {
		t.Fatalf("whoami %+v", me)
	}
	got := map[string]string{}
	for _, b := range me.RoleBindings {
		if b.OrganizationID != e.orgID || b.ID == "" {
			t.Errorf("binding %+v", b)
		}
		got[b.Role+"/"+b.Scope] = b.ProjectID
	}
	if p, ok := got["org_owner/organization"]; !ok || p != "" {
		t.Errorf("org_owner binding: %v", got)
	}
	if p := got["project_owner/project"]; p == "" || p != e.projectID {
		t.Errorf("project_owner binding: %v", got)
	}
}

// A parameter a list does not have is a 422 that names it, not a list of
// everything; an offset at the int limit is an empty page, not a next link
// that overflowed.
func TestListQueryParameters(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", e.machineUsersPath()+"?usrname=admin", e.adminKey, nil)
	body := r.wantError(422, "INVALID_ARGUMENT", "usrname")
	if !strings.Contains(body.Message, "its parameters: limit, offset, username") {
		t.Errorf("the error does not list the parameters: %q", body.Message)
	}
	e.do("GET", "/api/v1/roles?scope=project&limit=5", e.adminKey, nil).wantError(422, "INVALID_ARGUMENT", "scope")
	e.do("GET", "/api/v1/organizations/"+e.orgID+"/role-bindings?userid=x&role=org_owner", e.adminKey, nil).
		wantError(422, "INVALID_ARGUMENT", "userid")
	// Every list's own parameters still work.
	var p page
	e.do("GET", e.machineUsersPath()+"?username=admin&limit=1&offset=0", e.adminKey, nil).decode(200, &p)
	if p.Total != 1 {
		t.Errorf("?username=admin: total %d", p.Total)
	}
	e.do("GET", "/api/v1/organizations/"+e.orgID+"/users?type=machine", e.adminKey, nil).want(200)

	const maxOffset = "9223372036854775807"
	e.do("GET", e.machineUsersPath()+"?limit=1000&offset="+maxOffset, e.adminKey, nil).decode(200, &p)
	if len(p.Items) != 0 || p.Links.Next != "" || !strings.Contains(p.Links.Prev, "offset=9223372036854774807") {
		t.Errorf("at the largest offset: %d items, links %+v", len(p.Items), p.Links)
	}
	e.do("GET", e.machineUsersPath()+"?offset=9223372036854775808", e.adminKey, nil).wantError(422, "INVALID_ARGUMENT", "offset")
}
