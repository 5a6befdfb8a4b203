package server

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// The cluster tests run against a real, throwaway PostgreSQL each (package
// testpg; about half a second to start).

// startPG starts a PostgreSQL for the test and registers it as cluster name
// of the default project. It returns the cluster's id.
func (e *env) startPG(name string) (*testpg.Postgres, string) {
	e.t.Helper()
	pg, err := testpg.Start()
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(pg.Stop)
	id, err := e.srv.Admin().AddCluster(context.Background(), e.projectID, name, pg.DSN)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		// The DSN (and so the superuser's password) never reaches the log.
		if e.logs != nil && strings.Contains(e.logs.String(), dsnPassword(pg.DSN)) {
			e.t.Errorf("the server log contains the DSN's password")
		}
	})
	return pg, id
}

func dsnPassword(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	p, _ := u.User.Password()
	return p
}

// person creates a person of the default organization with the given project
// roles on the default project (and organization roles, "org_*") and
// returns its key.
func (e *env) person(email string, roles ...string) string {
	e.t.Helper()
	ctx := context.Background()
	a := e.srv.Admin()
	if _, err := a.CreateHumanUser(ctx, e.orgID, email); err != nil {
		e.t.Fatal(err)
	}
	for _, r := range roles {
		var err error
		if strings.HasPrefix(r, "org_") {
			_, err = a.BindOrgRole(ctx, email, e.orgID, r)
		} else {
			_, err = a.BindProjectRole(ctx, email, e.projectID, r)
		}
		if err != nil {
			e.t.Fatal(err)
		}
	}
	return e.newKey(email, 0)
}

type cluster struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Href       string `json:"href"`
	Metadata   map[string]any
	Properties struct {
		Name            string `json:"name"`
		ProjectID       string `json:"projectId"`
		OrganizationID  string `json:"organizationId"`
		PostgresVersion string `json:"postgresVersion"`
	} `json:"properties"`
}

func TestClustersReadAndRegister(t *testing.T) {
	e := newEnv(t)
	pg, id := e.startPG("main")
	ctx := context.Background()

	var cl cluster
	e.do("GET", "/api/v1/clusters/"+id, e.adminKey, nil).decode(200, &cl)
	if cl.Type != "cluster" || cl.ID != id || cl.Href != "/api/v1/clusters/"+id || cl.Properties.Name != "main" ||
		cl.Properties.ProjectID != e.projectID || cl.Properties.OrganizationID != e.orgID ||
		!regexp.MustCompile(`^\d+\.\d+`).MatchString(cl.Properties.PostgresVersion) {
		t.Fatalf("cluster: %+v", cl)
	}
	if cl.Metadata["createdBy"] != "system" || cl.Metadata["resourceOwner"] != e.orgID {
		t.Errorf("metadata: %v", cl.Metadata)
	}

	// A second cluster (same server, another name), the name filter, pages.
	id2, err := e.srv.Admin().AddCluster(ctx, "default", "second", pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	list := "/api/v1/projects/" + e.projectID + "/clusters"
	var pg1 page
	e.do("GET", list+"?limit=1", e.adminKey, nil).decode(200, &pg1)
	if pg1.Total != 2 || len(pg1.Items) != 1 || pg1.Links.Next != list+"?limit=1&offset=1" {
		t.Fatalf("page 1: %+v", pg1)
	}
	var byName page
	e.do("GET", list+"?name=second", e.adminKey, nil).decode(200, &byName)
	if byName.Total != 1 || !strings.Contains(string(byName.Items[0]), id2) {
		t.Fatalf("by name: %+v", byName)
	}
	e.do("GET", list+"?limit=0", e.adminKey, nil).wantError(422, "INVALID_ARGUMENT", "limit")
	e.do("GET", "/api/v1/clusters/nope", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("GET", "/api/v1/projects/nope/clusters", e.adminKey, nil).wantError(404, "NOT_FOUND")

	// No answer carries the DSN or its password.
	for _, path := range []string{"/api/v1/clusters/" + id, list} {
		body := string(e.do("GET", path, e.adminKey, nil).want(200).body)
		if strings.Contains(body, dsnPassword(pg.DSN)) || strings.Contains(strings.ToLower(body), "dsn") {
			t.Errorf("%s shows the DSN: %s", path, body)
		}
	}

	// Registration errors, none of which repeats the DSN.
	a := e.srv.Admin()
	if err := pg.Exec(ctx, `CREATE ROLE weak LOGIN PASSWORD 'weak-password-123'`); err != nil {
		t.Fatal(err)
	}
	const secret = "not-the-password-42"
	for _, c := range []struct {
		project, name, dsn string
		want               error
	}{
		{e.projectID, "main", pg.DSN, ErrAlreadyExists},
		{"no-such-project", "x", pg.DSN, ErrNotFound},
		{e.projectID, "", pg.DSN, ErrInvalid},
		{e.projectID, "x", "", ErrInvalid},
		{e.projectID, "x", "postgres://postgres:" + secret + "@[::1", ErrInvalid},
		{e.projectID, "x", fmt.Sprintf("postgres://weak:weak-password-123@127.0.0.1:%d/postgres?sslmode=disable", pg.Port), ErrInvalid},
		{e.projectID, "x", fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", secret, pg.Port), nil},
	} {
		_, err := a.AddCluster(ctx, c.project, c.name, c.dsn)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("AddCluster(%q, %q): %v, want %v", c.project, c.name, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "weak-password-123") ||
			strings.Contains(err.Error(), dsnPassword(pg.DSN)) {
			t.Errorf("the error shows the DSN: %v", err)
		}
	}
	if n := e.total(list); n != 2 {
		t.Errorf("%d clusters after failed registrations, want 2", n)
	}
}

// TestClusterAccess: viewers read, editors and owners manage users, an
// org_admin reads, an org_owner manages, a member without a role gets 403
// and another organization 404.
func TestClusterAccess(t *testing.T) {
	e := newEnv(t)
	_, id := e.startPG("main")
	ctx := context.Background()
	keys := map[string]string{
		"org_owner":      e.adminKey,
		"org_admin":      e.person("orgadmin@example.com", "org_admin"),
		"project_owner":  e.person("powner@example.com", "project_owner"),
		"project_editor": e.person("editor@example.com", "project_editor"),
		"project_viewer": e.person("viewer@example.com", "project_viewer"),
		"member":         e.person("member@example.com"),
	}
	// A viewer of another project of the organization sees nothing here.
	other, err := e.srv.Admin().CreateProject(ctx, e.orgID, "other")
	if err != nil {
		t.Fatal(err)
	}
	a := e.srv.Admin()
	if _, err := a.CreateHumanUser(ctx, e.orgID, "elsewhere@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.BindProjectRole(ctx, "elsewhere@example.com", other, "project_owner"); err != nil {
		t.Fatal(err)
	}
	keys["other_project_owner"] = e.newKey("elsewhere@example.com", 0)
	// Another organization's owner: 404 everywhere.
	_, keys["foreign_owner"] = e.foreignOwner("org2", "boss@org2.example")

	users := "/api/v1/clusters/" + id + "/users"
	readers := map[string]bool{"org_owner": true, "org_admin": true, "project_owner": true, "project_editor": true, "project_viewer": true}
	managers := map[string]bool{"org_owner": true, "project_owner": true, "project_editor": true}
	for who, key := range keys {
		expect := func(ok bool, okStatus int) (int, string) {
			switch {
			case who == "foreign_owner":
				return 404, "NOT_FOUND"
			case ok:
				return okStatus, ""
			default:
				return 403, "PERMISSION_DENIED"
			}
		}
		check := func(method, path string, body any, ok bool, okStatus int) {
			t.Helper()
			status, code := expect(ok, okStatus)
			r := e.do(method, path, key, body)
			if code != "" {
				r.wantError(status, code)
			} else {
				r.want(status)
			}
		}
		check("GET", "/api/v1/projects/"+e.projectID+"/clusters", nil, readers[who], 200)
		check("GET", "/api/v1/clusters/"+id, nil, readers[who], 200)
		check("GET", users+"?system=true", nil, readers[who], 200)
		check("GET", users+"/postgres", nil, readers[who], 200)
		name := "u_" + who
		check("POST", users, map[string]any{"username": name, "password": "0123456789"}, managers[who], 201)
		if !managers[who] {
			// Something to try to change: made by the org owner.
			e.do("POST", users, e.adminKey, map[string]any{"username": name, "password": "0123456789"}).want(201)
		}
		check("PATCH", users+"/"+name, map[string]any{"password": "9876543210"}, managers[who], 200)
		check("DELETE", users+"/"+name, nil, managers[who], 204)
	}
}

// tourClusters is TestSpecTour's visit of every cluster route.
func tourClusters(t *testing.T, e *env) {
	t.Helper()
	_, id := e.startPG("tour")
	users := "/api/v1/clusters/" + id + "/users"
	roles := "/api/v1/clusters/" + id + "/roles"
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/api/v1/projects/" + e.projectID + "/clusters", nil, 200},
		{"GET", "/api/v1/clusters/" + id, nil, 200},
		{"POST", roles, map[string]any{"name": "tour group", "memberOf": []string{"pg_read_all_data"}}, 201},
		{"GET", roles, nil, 200},
		{"GET", roles + "/tour%20group", nil, 200},
		{"PATCH", roles + "/tour%20group", map[string]any{"memberOf": []string{"pg_monitor"}}, 200},
		{"POST", users, map[string]any{"username": "tour user", "password": "0123456789", "memberOf": []string{"tour group"},
			"validUntil": "2099-01-02T03:04:05Z", "connectionLimit": 3}, 201},
		{"POST", users, map[string]any{"username": "tour alt", "password": "0123456789", "rotation": "alternating"}, 201},
		{"GET", users + "?system=true", nil, 200},
		{"GET", users + "/tour%20user", nil, 200},
		{"PATCH", users + "/tour%20user", map[string]any{"password": "9876543210", "validUntil": nil, "createdb": true}, 200},
		{"PATCH", users + "/tour%20alt", map[string]any{"password": "9876543210"}, 200},
		{"POST", users + "/tour%20user/terminate-connections", nil, 200},
		{"DELETE", users + "/tour%20user", nil, 204},
		{"DELETE", roles + "/tour%20group", nil, 204},
	} {
		e.do(c.method, c.path, e.adminKey, c.body).want(c.status)
	}
}
