package server

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
)

func TestAdmin(t *testing.T) {
	ctx := context.Background()
	dir := privateDir(t)
	s, err := New(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, s)
	// A second Admin on the same store, as `pgcloud-server admin` would open it.
	a, err := OpenAdmin(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, a)

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

// TestAdminObeysThePlatformRules: the operator's commands bypass the API's
// authorization, not the platform's rules. For each rule, the command is
// refused with the very error the API answers for the same situation (its
// code, and its message as the error text).
func TestAdminObeysThePlatformRules(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.srv.Admin()
	sameRefusal := func(what string, err error, r *resp, status int, code platform.Code) {
		t.Helper()
		api := r.wantError(status, string(code))
		if !errors.Is(err, code) || err.Error() != api.Message {
			t.Errorf("%s: the command says %v; the API says %s %q", what, err, code, api.Message)
		}
	}

	// The key quota of a machine user, whoever issues the keys.
	bot := e.createMachineUser(map[string]any{"username": "bot", "accessKey": map[string]any{"name": "first", "expiresInDays": 30}})
	if _, err := a.CreateAccessKey(ctx, "bot", 30); err != nil {
		t.Fatalf("the second key of a machine user: %v", err)
	}
	_, err := a.CreateAccessKey(ctx, bot.ID, 30)
	sameRefusal("third key", err, e.do("POST", e.keysPath(bot.ID), e.adminKey, map[string]any{"name": "third", "expiresInDays": 30}),
		409, platform.QuotaExceeded)

	// The key lifetime rule.
	person, err := a.CreateHumanUser(ctx, e.orgID, "jo@example.com")
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.CreateAccessKey(ctx, person, 400)
	joKey := e.newKey(person, 30) // operator-issued keys of a person have no quota
	sameRefusal("400 days", err, e.do("POST", "/api/v1/users/me/access-keys", joKey, map[string]any{"name": "long", "expiresInDays": 400}),
		422, platform.InvalidArgument)

	// Roles of the right scope only.
	_, err = a.BindOrgRole(ctx, person, e.orgID, platform.RoleProjectOwner)
	orgBindings := "/api/v1/organizations/" + e.orgID + "/role-bindings"
	sameRefusal("project role on an organization", err,
		e.do("POST", orgBindings, e.adminKey, map[string]any{"userId": person, "role": platform.RoleProjectOwner}), 422, platform.InvalidArgument)

	// A user holds roles in its own organization only.
	otherOrg, _ := e.foreignOwner("other", "boss@other.example")
	stranger, err := a.CreateHumanUser(ctx, otherOrg, "stranger@other.example")
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.BindOrgRole(ctx, stranger, e.orgID, platform.RoleOrgAdmin)
	sameRefusal("cross-organization binding", err,
		e.do("POST", orgBindings, e.adminKey, map[string]any{"userId": stranger, "role": platform.RoleOrgAdmin}), 422, platform.InvalidArgument)
	_, err = a.BindProjectRole(ctx, stranger, e.projectID, platform.RoleProjectViewer)
	sameRefusal("cross-organization project binding", err,
		e.do("POST", "/api/v1/projects/"+e.projectID+"/role-bindings", e.adminKey,
			map[string]any{"userId": stranger, "role": platform.RoleProjectViewer}), 422, platform.InvalidArgument)

	// One binding of a role per user and scope.
	if _, err := a.BindOrgRole(ctx, person, e.orgID, platform.RoleOrgAdmin); err != nil {
		t.Fatal(err)
	}
	_, err = a.BindOrgRole(ctx, person, e.orgID, platform.RoleOrgAdmin)
	sameRefusal("the same binding twice", err,
		e.do("POST", orgBindings, e.adminKey, map[string]any{"userId": person, "role": platform.RoleOrgAdmin}), 409, platform.AlreadyExists)

	// Names of what only the operator creates: not blank, at most 200
	// characters (the API has no create of its own to compare with).
	for what, err := range map[string]error{
		"blank organization":   errorOf(a.CreateOrganization(ctx, "  ")),
		"long project name":    errorOf(a.CreateProject(ctx, e.orgID, strings.Repeat("p", 201))),
		"blank cluster name":   errorOf(a.AddCluster(ctx, e.projectID, "", "postgres://unused")),
		"person without email": errorOf(a.CreateHumanUser(ctx, e.orgID, "")),
	} {
		if !errors.Is(err, platform.InvalidArgument) {
			t.Errorf("%s: %v, want INVALID_ARGUMENT", what, err)
		}
	}
	// No admin command removes a binding or a user, so the last-owner rule
	// has nothing to refuse there.
}

func errorOf[T any](_ T, err error) error { return err }
