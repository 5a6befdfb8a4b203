package server

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	whoami := func(mod func(r *http.Request)) *resp {
		req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/whoami", nil)
		mod(req)
		return e.send(req)
	}

	t.Run("three header forms", func(t *testing.T) {
		forms := map[string]func(r *http.Request){
			"bearer":       func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+e.adminKey) },
			"bearer-lower": func(r *http.Request) { r.Header.Set("Authorization", "bearer "+e.adminKey) },
			"x-access-key": func(r *http.Request) { r.Header.Set("x-access-key", e.adminKey) },
			"basic":        func(r *http.Request) { r.SetBasicAuth("anyone", e.adminKey) },
		}
		for name, f := range forms {
			var me struct{ User struct{ ID string } }
			whoami(f).decode(200, &me)
			if me.User.ID != e.adminID {
				t.Errorf("%s: user %q, want %q", name, me.User.ID, e.adminID)
			}
		}
	})

	t.Run("missing", func(t *testing.T) {
		r := whoami(func(*http.Request) {})
		r.wantError(401, "UNAUTHENTICATED")
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	})

	t.Run("bad checksum", func(t *testing.T) {
		k := []byte(e.adminKey)
		last := len(k) - 1
		k[last] = map[bool]byte{true: 'B', false: 'A'}[k[last] == 'A']
		whoami(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+string(k)) }).wantError(401, "UNAUTHENTICATED")
	})

	t.Run("unknown key", func(t *testing.T) {
		unknown := platform.FormatAccessKey("neverstored0", strings.Repeat("B", 40)) // well-formed
		e.track(unknown)
		whoami(func(r *http.Request) { r.Header.Set("x-access-key", unknown) }).wantError(401, "UNAUTHENTICATED")
	})

	t.Run("wrong secret for a known key id", func(t *testing.T) {
		id, _, _ := platform.ParseAccessKey(e.adminKey)
		forged := platform.FormatAccessKey(id, strings.Repeat("A", 40))
		whoami(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+forged) }).wantError(401, "UNAUTHENTICATED")
	})

	t.Run("garbage", func(t *testing.T) {
		for _, h := range []string{"Bearer", "Bearer nope", "Token " + e.adminKey, "Basic !!!",
			"Basic " + base64.StdEncoding.EncodeToString([]byte("user:"))} {
			whoami(func(r *http.Request) { r.Header.Set("Authorization", h) }).wantError(401, "UNAUTHENTICATED")
		}
	})

	t.Run("expired key", func(t *testing.T) {
		key := e.newKey("admin", 1)
		e.do("GET", "/api/v1/whoami", key, nil).want(200)
		e.clock.Advance(24*time.Hour - time.Second)
		e.do("GET", "/api/v1/whoami", key, nil).want(200)
		e.clock.Advance(time.Second)
		er := e.do("GET", "/api/v1/whoami", key, nil).wantError(401, "UNAUTHENTICATED")
		if !strings.Contains(er.Message, "expired") {
			t.Errorf("message %q does not say the key expired", er.Message)
		}
		e.do("GET", "/api/v1/whoami", e.adminKey, nil).want(200) // the 365-day key still works
	})

	t.Run("public endpoints need no key", func(t *testing.T) {
		e.do("GET", "/healthz", "", nil).want(200)
		e.do("GET", "/readyz", "", nil).want(200)
	})
}

func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.srv.Admin()
	target := e.createMachineUser(map[string]any{"username": "target"})
	one := e.machineUsersPath() + "/" + target.ID

	t.Run("member without roles reads but cannot write", func(t *testing.T) {
		if _, err := admin.CreateHumanUser(ctx, "default", "reader@example.com"); err != nil {
			t.Fatal(err)
		}
		key := e.newKey("reader@example.com", 30)
		org := "/api/v1/organizations/" + e.orgID
		for _, p := range []string{"/api/v1/whoami", org, org + "/projects", "/api/v1/projects/" + e.projectID,
			"/api/v1/roles", org + "/users", org + "/users/" + e.adminID, e.machineUsersPath(), one} {
			e.do("GET", p, key, nil).want(200)
		}
		er := e.do("POST", e.machineUsersPath(), key, map[string]any{"username": "x"}).wantError(403, "PERMISSION_DENIED")
		if !strings.Contains(er.Message, "org_owner") {
			t.Errorf("403 message %q does not name the role needed", er.Message)
		}
		e.do("PATCH", one, key, map[string]any{"name": "x"}).wantError(403, "PERMISSION_DENIED")
		e.do("DELETE", one, key, nil).wantError(403, "PERMISSION_DENIED")
	})

	t.Run("project owner cannot write machine users", func(t *testing.T) {
		if _, err := admin.CreateHumanUser(ctx, e.orgID, "po@example.com"); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.BindProjectRole(ctx, "po@example.com", e.projectID, "project_owner"); err != nil {
			t.Fatal(err)
		}
		key := e.newKey("po@example.com", 30)
		e.do("POST", e.machineUsersPath(), key, map[string]any{"username": "x"}).wantError(403, "PERMISSION_DENIED")
		e.do("DELETE", one, key, nil).wantError(403, "PERMISSION_DENIED")
	})

	t.Run("org owner person writes", func(t *testing.T) {
		personID, err := admin.CreateHumanUser(ctx, e.orgID, "owner@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.BindOrgRole(ctx, "owner@example.com", "default", "org_owner"); err != nil {
			t.Fatal(err)
		}
		key := e.newKey("owner@example.com", 30)
		var mu machineUser
		e.do("POST", e.machineUsersPath(), key, map[string]any{"username": "by-person"}).decode(201, &mu)
		if mu.Metadata.CreatedBy != personID || mu.Metadata.LastModifiedBy != personID {
			t.Errorf("createdBy %q, lastModifiedBy %q, want %q", mu.Metadata.CreatedBy, mu.Metadata.LastModifiedBy, personID)
		}
		e.do("DELETE", e.machineUsersPath()+"/"+mu.ID, key, nil).want(204)
	})

	t.Run("another organization is 404", func(t *testing.T) {
		otherOrg, key := e.foreignOwner("other", "boss@other.example")
		otherProject, err := admin.CreateProject(ctx, "other", "p")
		if err != nil {
			t.Fatal(err)
		}
		org := "/api/v1/organizations/" + e.orgID
		for _, p := range []string{org, org + "/projects", "/api/v1/projects/" + e.projectID, org + "/users",
			org + "/users/" + e.adminID, e.machineUsersPath(), one,
			// the own organization's path with another organization's user id
			"/api/v1/organizations/" + otherOrg + "/users/" + e.adminID,
			"/api/v1/organizations/" + otherOrg + "/machine-users/" + target.ID} {
			e.do("GET", p, key, nil).wantError(404, "NOT_FOUND")
		}
		e.do("POST", e.machineUsersPath(), key, map[string]any{"username": "x"}).wantError(404, "NOT_FOUND")
		e.do("PATCH", one, key, map[string]any{"name": "x"}).wantError(404, "NOT_FOUND")
		e.do("DELETE", one, key, nil).wantError(404, "NOT_FOUND")
		// ... while its own things are there.
		e.do("GET", "/api/v1/projects/"+otherProject, key, nil).want(200)
		e.do("GET", "/api/v1/organizations/"+otherOrg, key, nil).want(200)
		// and the default organization's owner cannot see them either
		e.do("GET", "/api/v1/projects/"+otherProject, e.adminKey, nil).wantError(404, "NOT_FOUND")
	})

	t.Run("a person is not a machine user", func(t *testing.T) {
		people, _, _ := e.srv.store.ListUsers(ctx, userFilterPeople(e.orgID), pageAll)
		if len(people) == 0 {
			t.Fatal("no people")
		}
		e.do("GET", e.machineUsersPath()+"/"+people[0].ID, e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.do("DELETE", e.machineUsersPath()+"/"+people[0].ID, e.adminKey, nil).wantError(404, "NOT_FOUND")
	})
}
