package server

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

type roleBinding struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Href       string `json:"href"`
	Metadata   struct{ CreatedBy, ResourceOwner string }
	Properties struct {
		ProjectID      string `json:"projectId"`
		OrganizationID string `json:"organizationId"`
		UserID         string `json:"userId"`
		Role           string `json:"role"`
	} `json:"properties"`
}

func (e *env) orgBindingsPath() string { return "/api/v1/organizations/" + e.orgID + "/role-bindings" }

func projectBindingsPath(project string) string {
	return "/api/v1/projects/" + project + "/role-bindings"
}

func (e *env) bind(path, key, userID, role string) roleBinding {
	e.t.Helper()
	var b roleBinding
	r := e.do("POST", path, key, map[string]any{"userId": userID, "role": role})
	r.decode(201, &b)
	if r.header.Get("Location") != b.Href || b.Href != path+"/"+b.ID {
		e.t.Fatalf("binding href %q, Location %q", b.Href, r.header.Get("Location"))
	}
	return b
}

func (e *env) personWithKey(email string) (id, key string) {
	e.t.Helper()
	id, err := e.srv.Admin().CreateHumanUser(context.Background(), e.orgID, email)
	if err != nil {
		e.t.Fatal(err)
	}
	return id, e.newKey(id, 30)
}

// bindings lists path?query and returns the items.
func (e *env) bindings(path, query, key string) []roleBinding {
	e.t.Helper()
	var p page
	e.do("GET", path+"?"+query, key, nil).decode(200, &p)
	out := make([]roleBinding, len(p.Items))
	for i, raw := range p.Items {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			e.t.Fatal(err)
		}
	}
	if p.Total != len(out) {
		e.t.Fatalf("total %d, %d items", p.Total, len(out))
	}
	return out
}

func (e *env) adminBinding(path, role string) roleBinding {
	e.t.Helper()
	found := e.bindings(path, "userId="+e.adminID+"&role="+role, e.adminKey)
	if len(found) != 1 {
		e.t.Fatalf("admin has %d %s bindings on %s", len(found), role, path)
	}
	return found[0]
}

func TestOrgRoleBindings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	path := e.orgBindingsPath()
	p, pKey := e.personWithKey("p@example.com")
	mu := e.createMachineUser(map[string]any{"username": "bot"})

	b := e.bind(path, e.adminKey, p, "org_admin")
	if b.Type != "org-role-binding" || b.Properties.OrganizationID != e.orgID || b.Properties.UserID != p ||
		b.Properties.Role != "org_admin" || b.Metadata.CreatedBy != e.adminID || b.Metadata.ResourceOwner != e.orgID {
		t.Errorf("binding %+v", b)
	}
	// It takes effect at once: an org_admin reads the keys of machine users.
	e.do("GET", e.keysPath(mu.ID), pKey, nil).want(200)
	e.bind(path, e.adminKey, mu.ID, "org_admin") // machine users exactly as people

	t.Run("rules", func(t *testing.T) {
		e.do("POST", path, e.adminKey, map[string]any{"userId": p, "role": "org_admin"}).wantError(409, "ALREADY_EXISTS")
		er := e.do("POST", path, e.adminKey, map[string]any{"userId": p, "role": "project_viewer"}).wantError(422, "INVALID_ARGUMENT", "role")
		if !strings.Contains(er.Message, "org_owner, org_admin") {
			t.Errorf("role message %q does not list the valid roles", er.Message)
		}
		e.do("POST", path, e.adminKey, map[string]any{"userId": p, "role": "owner"}).wantError(422, "INVALID_ARGUMENT", "role")
		e.do("POST", path, e.adminKey, map[string]any{"userId": "nobody", "role": "org_admin"}).wantError(422, "INVALID_ARGUMENT", "userId")
		other, err := e.srv.Admin().CreateOrganization(ctx, "other")
		if err != nil {
			t.Fatal(err)
		}
		stranger, err := e.srv.Admin().CreateHumanUser(ctx, other, "x@other.example")
		if err != nil {
			t.Fatal(err)
		}
		er2 := e.do("POST", path, e.adminKey, map[string]any{"userId": stranger, "role": "org_admin"}).wantError(422, "INVALID_ARGUMENT", "userId")
		if !strings.Contains(er2.Message, "own organization") {
			t.Errorf("same-organization message %q", er2.Message)
		}
		e.do("POST", path, e.adminKey, map[string]any{"x": 1}).wantError(422, "INVALID_ARGUMENT", "x", "userId", "role")
		e.do("POST", path, e.adminKey, map[string]any{"userId": 1, "role": "org_admin"}).wantError(400, "INVALID_ARGUMENT", "userId")
		e.do("POST", "/api/v1/organizations/"+other+"/role-bindings", e.adminKey,
			map[string]any{"userId": stranger, "role": "org_admin"}).wantError(404, "NOT_FOUND")
		// An org_admin reads but does not bind.
		e.do("POST", path, pKey, map[string]any{"userId": mu.ID, "role": "org_owner"}).wantError(403, "PERMISSION_DENIED")
	})

	t.Run("list, filters and get", func(t *testing.T) {
		if all := e.bindings(path, "", pKey); len(all) != 3 { // admin's org_owner + 2
			t.Errorf("%d bindings, want 3", len(all))
		}
		if got := e.bindings(path, "userId="+p, pKey); len(got) != 1 || got[0].ID != b.ID {
			t.Errorf("by user: %+v", got)
		}
		if got := e.bindings(path, "role=org_owner", pKey); len(got) != 1 || got[0].Properties.UserID != e.adminID {
			t.Errorf("by role: %+v", got)
		}
		if got := e.bindings(path, "role=org_owner&userId="+p, pKey); len(got) != 0 {
			t.Errorf("by role and user: %+v", got)
		}
		var pg page
		e.do("GET", path+"?role=org_admin&userId="+p+"&limit=1", pKey, nil).decode(200, &pg)
		if !strings.Contains(pg.Links.Self, "role=org_admin") || !strings.Contains(pg.Links.Self, "userId=") {
			t.Errorf("self link %q drops the filters", pg.Links.Self)
		}
		e.do("GET", path+"?role=project_owner", pKey, nil).wantError(422, "INVALID_ARGUMENT", "role")
		var got roleBinding
		e.do("GET", b.Href, pKey, nil).decode(200, &got)
		if got.ID != b.ID || got.Properties != b.Properties {
			t.Errorf("get %+v", got)
		}
		e.do("GET", path+"/nope", pKey, nil).wantError(404, "NOT_FOUND")
		// a project binding is not an organization binding
		pb := e.adminBinding(projectBindingsPath(e.projectID), "project_owner")
		e.do("GET", path+"/"+pb.ID, pKey, nil).wantError(404, "NOT_FOUND")
		e.do("DELETE", path+"/"+pb.ID, e.adminKey, nil).wantError(404, "NOT_FOUND")
	})

	t.Run("the last org_owner cannot be unbound", func(t *testing.T) {
		owner := e.adminBinding(path, "org_owner")
		er := e.do("DELETE", owner.Href, e.adminKey, nil).wantError(409, "LAST_OWNER")
		if !strings.Contains(er.Message, "last org_owner") {
			t.Errorf("message %q", er.Message)
		}
		pOwner := e.bind(path, e.adminKey, p, "org_owner")
		e.do("DELETE", owner.Href, e.adminKey, nil).want(204) // admin steps down: p remains
		e.do("POST", e.machineUsersPath(), e.adminKey, map[string]any{"username": "nope"}).wantError(403, "PERMISSION_DENIED")
		e.do("DELETE", pOwner.Href, pKey, nil).wantError(409, "LAST_OWNER")
		e.do("DELETE", b.Href, pKey, nil).want(204)
		e.do("GET", b.Href, pKey, nil).wantError(404, "NOT_FOUND")
		e.do("DELETE", b.Href, pKey, nil).wantError(404, "NOT_FOUND")
	})
}

func TestProjectRoleBindings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.srv.Admin()
	second, err := admin.CreateProject(ctx, e.orgID, "second")
	if err != nil {
		t.Fatal(err)
	}
	path, secondPath := projectBindingsPath(e.projectID), projectBindingsPath(second)
	q, _ := e.personWithKey("q@example.com")
	po := e.createMachineUser(map[string]any{"username": "po"})
	poKey := e.newKey(po.ID, 30)

	e.bind(path, e.adminKey, po.ID, "project_owner")
	b := e.bind(path, e.adminKey, q, "project_editor")
	if b.Type != "project-role-binding" || b.Properties.ProjectID != e.projectID || b.Properties.OrganizationID != e.orgID ||
		b.Properties.UserID != q || b.Properties.Role != "project_editor" || b.Metadata.ResourceOwner != e.orgID {
		t.Errorf("binding %+v", b)
	}

	t.Run("rules", func(t *testing.T) {
		e.do("POST", path, e.adminKey, map[string]any{"userId": q, "role": "project_editor"}).wantError(409, "ALREADY_EXISTS")
		er := e.do("POST", path, e.adminKey, map[string]any{"userId": q, "role": "org_admin"}).wantError(422, "INVALID_ARGUMENT", "role")
		if !strings.Contains(er.Message, "project_owner, project_editor, project_viewer") {
			t.Errorf("role message %q does not list the valid roles", er.Message)
		}
		other, err := admin.CreateOrganization(ctx, "other")
		if err != nil {
			t.Fatal(err)
		}
		otherProject, err := admin.CreateProject(ctx, other, "p")
		if err != nil {
			t.Fatal(err)
		}
		stranger, err := admin.CreateHumanUser(ctx, other, "x@other.example")
		if err != nil {
			t.Fatal(err)
		}
		e.do("POST", path, e.adminKey, map[string]any{"userId": stranger, "role": "project_viewer"}).wantError(422, "INVALID_ARGUMENT", "userId")
		e.do("POST", projectBindingsPath(otherProject), e.adminKey, map[string]any{"userId": q, "role": "project_viewer"}).
			wantError(404, "NOT_FOUND")
		e.do("GET", projectBindingsPath(otherProject), e.adminKey, nil).wantError(404, "NOT_FOUND")
	})

	t.Run("a project owner binds project roles on its own project only", func(t *testing.T) {
		v := e.bind(path, poKey, q, "project_viewer")
		e.do("DELETE", v.Href, poKey, nil).want(204)
		er := e.do("POST", secondPath, poKey, map[string]any{"userId": q, "role": "project_viewer"}).wantError(403, "PERMISSION_DENIED")
		if !strings.Contains(er.Message, "project_owner") {
			t.Errorf("403 message %q does not name the role", er.Message)
		}
		e.do("POST", e.orgBindingsPath(), poKey, map[string]any{"userId": q, "role": "org_admin"}).wantError(403, "PERMISSION_DENIED")
		// ... and manages no keys, not even of machine users.
		e.do("POST", e.keysPath(po.ID), poKey, map[string]any{"name": "n", "expiresInDays": 1}).wantError(403, "PERMISSION_DENIED")
		e.do("GET", e.keysPath(po.ID), poKey, nil).wantError(403, "PERMISSION_DENIED")
	})

	t.Run("list, filters and get", func(t *testing.T) {
		if all := e.bindings(path, "", poKey); len(all) != 3 { // admin + po owners, q editor
			t.Errorf("%d bindings, want 3", len(all))
		}
		if got := e.bindings(path, "role=project_owner", poKey); len(got) != 2 {
			t.Errorf("owners: %+v", got)
		}
		if got := e.bindings(path, "userId="+q+"&role=project_editor", poKey); len(got) != 1 || got[0].ID != b.ID {
			t.Errorf("by user and role: %+v", got)
		}
		if got := e.bindings(secondPath, "", poKey); len(got) != 0 {
			t.Errorf("second project: %+v", got)
		}
		e.do("GET", path+"?role=org_owner", poKey, nil).wantError(422, "INVALID_ARGUMENT", "role")
		var got roleBinding
		e.do("GET", b.Href, poKey, nil).decode(200, &got)
		if got.Properties != b.Properties {
			t.Errorf("get %+v", got)
		}
		// through another project's path, or the organization's, it does not exist
		e.do("GET", secondPath+"/"+b.ID, poKey, nil).wantError(404, "NOT_FOUND")
		e.do("GET", e.orgBindingsPath()+"/"+b.ID, poKey, nil).wantError(404, "NOT_FOUND")
	})

	t.Run("the last project_owner cannot be unbound", func(t *testing.T) {
		only := e.bind(secondPath, e.adminKey, q, "project_owner")
		er := e.do("DELETE", only.Href, e.adminKey, nil).wantError(409, "LAST_OWNER")
		if !strings.Contains(er.Message, `last project_owner of project "second"`) {
			t.Errorf("message %q", er.Message)
		}
		adminOwner := e.adminBinding(path, "project_owner")
		e.do("DELETE", adminOwner.Href, poKey, nil).want(204)
		poOwner := e.bindings(path, "role=project_owner", poKey)[0]
		e.do("DELETE", poOwner.Href, poKey, nil).wantError(409, "LAST_OWNER")
		// Deleting the machine user that is the last project_owner is refused alike.
		er = e.do("DELETE", e.machineUsersPath()+"/"+po.ID, e.adminKey, nil).wantError(409, "LAST_OWNER")
		if !strings.Contains(er.Message, `machine user "po" is the last project_owner`) {
			t.Errorf("message %q", er.Message)
		}
		e.bind(path, e.adminKey, e.adminID, "project_owner")
		e.do("DELETE", e.machineUsersPath()+"/"+po.ID, e.adminKey, nil).want(204)
		if got := e.bindings(path, "userId="+po.ID, e.adminKey); len(got) != 0 {
			t.Errorf("the deleted user's bindings remain: %+v", got)
		}
	})
}

// Two owners unbinding each other at once: the store serializes the two
// transactions, so at most one succeeds and one org_owner always remains.
func TestLastOwnerConcurrentUnbind(t *testing.T) {
	e := newEnv(t)
	path := e.orgBindingsPath()
	for round := range 5 {
		a, aKey := e.personWithKey("a" + string(rune('0'+round)) + "@example.com")
		b, bKey := e.personWithKey("b" + string(rune('0'+round)) + "@example.com")
		ab := e.bind(path, e.adminKey, a, "org_owner")
		bb := e.bind(path, e.adminKey, b, "org_owner")
		e.do("DELETE", e.adminBinding(path, "org_owner").Href, e.adminKey, nil).want(204)

		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, c := range []struct{ key, href string }{{aKey, bb.Href}, {bKey, ab.Href}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := e.try("DELETE", c.href, c.key, nil)
				if err != nil {
					t.Error(err)
					return
				}
				statuses[i] = r.status
			}()
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			switch s {
			case 204:
				ok++
			case 409, 403: // LAST_OWNER, or the caller was unbound before it was authorized
			default:
				t.Errorf("round %d: status %d", round, s)
			}
		}
		owners := e.bindings(path, "role=org_owner", aKey+bKey[:0])
		if ok != 1 || len(owners) != 1 {
			t.Fatalf("round %d: statuses %v, %d owners left", round, statuses, len(owners))
		}
		// Hand the organization back to admin for the next round.
		survivor := aKey
		if owners[0].Properties.UserID == b {
			survivor = bKey
		}
		e.bind(path, survivor, e.adminID, "org_owner")
		e.do("DELETE", owners[0].Href, e.adminKey, nil).want(204)
	}
}
