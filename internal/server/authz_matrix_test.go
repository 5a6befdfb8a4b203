package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// The authorization matrix: for every endpoint (rows) and every kind of
// caller (columns), the exact status the server answers. It is the
// specification of who may do what (DESIGN.md, "The platform's rules"):
//
//   - every member of an organization reads it, its projects, roles, users,
//     machine users and role bindings; another organization's caller gets 404,
//     never 403; a missing, expired or deleted key gets 401;
//   - org_owner (person or machine) writes machine users, their keys and
//     session tokens, and every role binding of its organization; org_admin
//     also reads keys and session tokens;
//   - a session token of a machine user gets exactly the answers its access
//     key gets (checked for every row after the matrix itself);
//   - project_owner binds and unbinds project roles on its own project only;
//   - people manage their own keys under /users/me (machine users: 403);
//   - only an org_owner person invites.
//
// Each cell runs against its own fresh objects wherever its request writes
// (a new machine user to delete, a new binding to unbind, ...), so no cell
// depends on another.

// The callers, in column order.
const (
	asOwnerPerson  = iota // org_owner, a person
	asOwnerMachine        // org_owner, a machine user
	asOrgAdmin            // org_admin, a person
	asProjOwner           // project_owner of the project, a machine user
	asProjEditor          // project_editor of the project, a person
	asProjViewer          // project_viewer of the project, a machine user
	asMember              // member of the organization without any role, a person
	asOtherOrg            // org_owner of another organization, a person
	asExpired             // the org_owner person's key, past its expiry
	asNoKey               // no credentials at all
	nCallers
)

var callerNames = [nCallers]string{"owner person", "owner machine", "org_admin", "project_owner", "project_editor",
	"project_viewer", "plain member", "other org's owner", "expired key", "no key"}

// w is one row of expected statuses, one per caller in column order.
type w [nCallers]int

type matrixRow struct {
	want  w
	route string // "METHOD pattern" of the routes table, without /api/v1
	note  string // which variant of the request, when a route has several rows
	// cell builds the request of one caller: the values of the path's
	// wildcards and the body. nil: the shared read fixtures, no body.
	cell func(f *matrixFixture, who int) matrixCell
}

type matrixCell struct {
	vars map[string]string // overrides of matrixFixture.shared()
	body any
}

var authzMatrix = []matrixRow{
	// Columns: oP owner person, oM owner machine, adm org_admin, pO project_owner,
	// pE project_editor, pV project_viewer, mem plain member, xO other
	// organization's owner, exp expired key, no no key.
	//
	// oP   oM   adm  pO   pE   pV   mem  xO   exp  no
	{w{200, 200, 200, 200, 200, 200, 200, 200, 401, 401}, "GET /whoami", "", nil},
	{w{200, 200, 200, 200, 200, 200, 200, 200, 401, 401}, "GET /roles", "", nil},
	{w{200, 200, 200, 200, 200, 200, 200, 200, 401, 401}, "GET /roles/{role}", "", nil},

	{w{200, 200, 200, 200, 200, 200, 200, 404, 401, 401}, "GET /organizations/{org}", "", nil},
	{w{200, 200, 200, 200, 200, 200, 200, 404, 401, 401}, "GET /organizations/{org}/projects", "", nil},
	{w{200, 200, 200, 200, 200, 200, 200, 404, 401, 401}, "GET /projects/{project}", "", nil},
	{w{200, 200, 200, 200, 200, 200, 200, 404, 401, 401}, "GET /organizations/{org}/users", "", nil},
	{w{200, 200, 200, 200, 200, 200, 200, 404, 401, 401}, "GET /organizations/{org}/users/{user}", "", nil},

	// machine users
	{w{200, 200, 200, 200, 200, 200, 200, 404, 401, 401}, "GET /organizations/{org}/machine-users", "", nil},
	{w{201, 201, 403, 403, 403, 403, 403, 404, 401, 401}, "POST /organizations/{org}/machine-users", "", newMachineUserBody},
	{w{200, 200, 200, 200, 200, 200, 200, 404, 401, 401}, "GET /organizations/{org}/machine-users/{user}", "", nil},
	{w{200, 200, 403, 403, 403, 403, 403, 404, 401, 401}, "PATCH /organizations/{org}/machine-users/{user}", "", freshMachineUserPatch},
	{w{204, 204, 403, 403, 403, 403, 403, 404, 401, 401}, "DELETE /organizations/{org}/machine-users/{user}", "", freshMachineUser},

	// access keys of machine users
	// oP   oM   adm  pO   pE   pV   mem  xO   exp  no
	{w{200, 200, 200, 403, 403, 403, 403, 404, 401, 401}, "GET /organizations/{org}/machine-users/{user}/access-keys", "", nil},
	{w{403, 403, 403, 403, 403, 403, 403, 404, 401, 401}, "GET /organizations/{org}/machine-users/{user}/access-keys", "of a person", personAsUser},
	{w{201, 201, 403, 403, 403, 403, 403, 404, 401, 401}, "POST /organizations/{org}/machine-users/{user}/access-keys", "", freshMachineUserNewKey},
	{w{403, 403, 403, 403, 403, 403, 403, 404, 401, 401}, "POST /organizations/{org}/machine-users/{user}/access-keys", "for a person", personNewKey},
	{w{200, 200, 200, 403, 403, 403, 403, 404, 401, 401}, "GET /organizations/{org}/machine-users/{user}/access-keys/{key}", "", nil},
	{w{204, 204, 403, 403, 403, 403, 403, 404, 401, 401}, "DELETE /organizations/{org}/machine-users/{user}/access-keys/{key}", "", freshMachineUserKey},
	// (a confirmed key: a confirmation again changes nothing)
	{w{200, 200, 403, 403, 403, 403, 403, 404, 401, 401}, "POST /organizations/{org}/machine-users/{user}/access-keys/{key}/confirm", "", freshMachineUserKey},

	// session tokens of machine users: as their keys, org_owner opens and
	// closes them, org_admin reads them; people have none
	// oP   oM   adm  pO   pE   pV   mem  xO   exp  no
	{w{200, 200, 200, 403, 403, 403, 403, 404, 401, 401}, "GET /organizations/{org}/machine-users/{user}/session-tokens", "", nil},
	{w{403, 403, 403, 403, 403, 403, 403, 404, 401, 401}, "GET /organizations/{org}/machine-users/{user}/session-tokens", "of a person", personAsUser},
	{w{201, 201, 403, 403, 403, 403, 403, 404, 401, 401}, "POST /organizations/{org}/machine-users/{user}/session-tokens", "", freshMachineUserNewToken},
	{w{403, 403, 403, 403, 403, 403, 403, 404, 401, 401}, "POST /organizations/{org}/machine-users/{user}/session-tokens", "for a person", personNewToken},
	{w{200, 200, 200, 403, 403, 403, 403, 404, 401, 401}, "GET /organizations/{org}/machine-users/{user}/session-tokens/{token}", "", nil},
	{w{204, 204, 403, 403, 403, 403, 403, 404, 401, 401}, "DELETE /organizations/{org}/machine-users/{user}/session-tokens/{token}", "", freshMachineUserToken},
	{w{200, 200, 403, 403, 403, 403, 403, 404, 401, 401}, "DELETE /organizations/{org}/machine-users/{user}/session-tokens", "", freshMachineUserToken},
	{w{403, 403, 403, 403, 403, 403, 403, 404, 401, 401}, "DELETE /organizations/{org}/machine-users/{user}/session-tokens", "of a person", personAsUser},

	// federated credentials of machine users: as their keys, org_owner
	// adds and deletes them, org_admin reads them; people have none
	// oP   oM   adm  pO   pE   pV   mem  xO   exp  no
	{w{200, 200, 200, 403, 403, 403, 403, 404, 401, 401}, "GET /organizations/{org}/machine-users/{user}/federated-credentials", "", nil},
	{w{403, 403, 403, 403, 403, 403, 403, 404, 401, 401}, "GET /organizations/{org}/machine-users/{user}/federated-credentials", "of a person", personAsUser},
	{w{201, 201, 403, 403, 403, 403, 403, 404, 401, 401}, "POST /organizations/{org}/machine-users/{user}/federated-credentials", "", freshMachineUserNewCredential},
	{w{403, 403, 403, 403, 403, 403, 403, 404, 401, 401}, "POST /organizations/{org}/machine-users/{user}/federated-credentials", "for a person", personNewCredential},
	{w{200, 200, 200, 403, 403, 403, 403, 404, 401, 401}, "GET /organizations/{org}/machine-users/{user}/federated-credentials/{credential}", "", nil},
	{w{204, 204, 403, 403, 403, 403, 403, 404, 401, 401}, "DELETE /organizations/{org}/machine-users/{user}/federated-credentials/{credential}", "", freshMachineUserCredential},

	// people's own keys
	{w{200, 403, 200, 403, 200, 403, 200, 200, 401, 401}, "GET /users/me/access-keys", "", nil},
	{w{201, 403, 201, 403, 201, 403, 201, 201, 401, 401}, "POST /users/me/access-keys", "", myNewKey},
	{w{200, 403, 200, 403, 200, 403, 200, 200, 401, 401}, "GET /users/me/access-keys/{key}", "own key", ownKey},
	{w{404, 403, 404, 403, 404, 403, 404, 404, 401, 401}, "GET /users/me/access-keys/{key}", "someone else's key", othersKey},
	{w{204, 403, 204, 403, 204, 403, 204, 204, 401, 401}, "DELETE /users/me/access-keys/{key}", "own key", ownKey},
	{w{404, 403, 404, 403, 404, 403, 404, 404, 401, 401}, "DELETE /users/me/access-keys/{key}", "someone else's key", othersKey},
	{w{200, 403, 200, 403, 200, 403, 200, 200, 401, 401}, "POST /users/me/access-keys/{key}/confirm", "own key", ownKey},
	{w{404, 403, 404, 403, 404, 403, 404, 404, 401, 401}, "POST /users/me/access-keys/{key}/confirm", "someone else's key", othersKey},

	// organization role bindings
	// oP   oM   adm  pO   pE   pV   mem  xO   exp  no
	{w{200, 200, 200, 200, 200, 200, 200, 404, 401, 401}, "GET /organizations/{org}/role-bindings", "", nil},
	{w{201, 201, 403, 403, 403, 403, 403, 404, 401, 401}, "POST /organizations/{org}/role-bindings", "", newOrgBindingBody},
	{w{200, 200, 200, 200, 200, 200, 200, 404, 401, 401}, "GET /organizations/{org}/role-bindings/{binding}", "", nil},
	{w{204, 204, 403, 403, 403, 403, 403, 404, 401, 401}, "DELETE /organizations/{org}/role-bindings/{binding}", "", freshOrgBinding},

	// project role bindings: the project_owner column is the project's owner
	{w{200, 200, 200, 200, 200, 200, 200, 404, 401, 401}, "GET /projects/{project}/role-bindings", "", nil},
	{w{201, 201, 403, 201, 403, 403, 403, 404, 401, 401}, "POST /projects/{project}/role-bindings", "own project", newProjectBindingBody},
	{w{201, 201, 403, 403, 403, 403, 403, 404, 401, 401}, "POST /projects/{project}/role-bindings", "another project of the org", newSecondProjectBindingBody},
	{w{200, 200, 200, 200, 200, 200, 200, 404, 401, 401}, "GET /projects/{project}/role-bindings/{binding}", "", nil},
	{w{204, 204, 403, 204, 403, 403, 403, 404, 401, 401}, "DELETE /projects/{project}/role-bindings/{binding}", "own project", freshProjectBinding},
	{w{204, 204, 403, 403, 403, 403, 403, 404, 401, 401}, "DELETE /projects/{project}/role-bindings/{binding}", "another project of the org", freshSecondProjectBinding},

	// Idempotency-Keys: every caller asks about its own only; the shared key
	// value holds nothing for anyone.
	{w{404, 404, 404, 404, 404, 404, 404, 404, 401, 401}, "GET /idempotency-keys/{idempotencyKey}", "", nil},

	// invitations: the owner machine's 403 is MACHINE_USER_CANNOT_INVITE
	{w{201, 403, 403, 403, 403, 403, 403, 404, 401, 401}, "POST /organizations/{org}/invitations", "", newInvitationBody},

	// clusters and their users: project roles grant access (viewer reads,
	// editor and owner manage users), org_owner manages, org_admin reads, a
	// member without a project role is refused
	{w{200, 200, 200, 200, 200, 200, 403, 404, 401, 401}, "GET /projects/{project}/clusters", "", nil},
	{w{200, 200, 200, 200, 200, 200, 403, 404, 401, 401}, "GET /clusters/{cluster}", "", nil},
	{w{200, 200, 200, 200, 200, 200, 403, 404, 401, 401}, "GET /clusters/{cluster}/users", "", nil},
	{w{201, 201, 403, 201, 201, 403, 403, 404, 401, 401}, "POST /clusters/{cluster}/users", "", newClusterUserBody},
	{w{200, 200, 200, 200, 200, 200, 403, 404, 401, 401}, "GET /clusters/{cluster}/users/{username}", "", nil},
	{w{200, 200, 403, 200, 200, 403, 403, 404, 401, 401}, "PATCH /clusters/{cluster}/users/{username}", "", freshClusterUserPatch},
	{w{204, 204, 403, 204, 204, 403, 403, 404, 401, 401}, "DELETE /clusters/{cluster}/users/{username}", "", freshClusterUser},
	// ending a user's connections is changing that user: the fingerprint
	// holds the open connections, so a refusal provably ended none
	{w{200, 200, 403, 200, 200, 403, 403, 404, 401, 401}, "POST /clusters/{cluster}/users/{username}/terminate-connections", "", connectedClusterUser},
	{w{409, 409, 403, 409, 409, 403, 403, 404, 401, 401}, "POST /clusters/{cluster}/users/{username}/terminate-connections", "a system user", connectedSystemUser},
	// group roles: as cluster users
	{w{200, 200, 200, 200, 200, 200, 403, 404, 401, 401}, "GET /clusters/{cluster}/roles", "", nil},
	{w{201, 201, 403, 201, 201, 403, 403, 404, 401, 401}, "POST /clusters/{cluster}/roles", "", newClusterRoleBody},
	{w{200, 200, 200, 200, 200, 200, 403, 404, 401, 401}, "GET /clusters/{cluster}/roles/{name}", "", nil},
	{w{200, 200, 403, 200, 200, 403, 403, 404, 401, 401}, "PATCH /clusters/{cluster}/roles/{name}", "", freshClusterRolePatch},
	{w{204, 204, 403, 204, 204, 403, 403, 404, 401, 401}, "DELETE /clusters/{cluster}/roles/{name}", "", freshClusterRole},
}

// matrixFixture is the organization the matrix runs in: one caller of each kind
// and the shared objects the read rows look at.
type matrixFixture struct {
	t       *testing.T
	e       *env
	keys    [nCallers]string // the callers' keys ("" for asNoKey)
	users   [nCallers]string // the callers' user ids
	ownKeys [nCallers]string // the id of the key ownKey made last for each caller

	otherOrg      string
	secondProject string // in the organization; the project_owner has no role on it
	machineUser   string // a machine user with one key and one session token, read by the read rows
	machineKey    string // that key's id
	machineToken  string // that session token's id
	machineCred   string // a federated credential of that machine user
	person        string // a person without keys
	orgBinding    string
	projBinding   string
	pg            *testpg.Postgres // the cluster's real PostgreSQL
	cluster       string           // a cluster of the project
	clusterUser   string           // a managed user of that cluster, read by the read rows
	clusterRole   string           // a group role of that cluster, read by the read rows
	systemUser    string           // a role of that cluster the platform did not create
	n             int
	db            *sql.DB // the server's store, read directly by fingerprint
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	ctx := context.Background()
	// The matrix sends hundreds of requests with refused credentials from
	// one address while its clock stands still: the limit of failed
	// authentications (ratelimit_test.go) would answer 429 instead of the
	// cells' 401s, so it is off here. Its write cells make a fresh machine
	// user each, more than the default quota of one organization.
	e := newEnv(t, func(c *Config) { c.AuthFailureRate = -1; c.MachineUserQuota = 1000 })
	f := &matrixFixture{t: t, e: e}
	admin := e.srv.Admin()
	must := func(id string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	person := func(email string) string { return must(admin.CreateHumanUser(ctx, e.orgID, email)) }
	machine := func(username string) string { return e.createMachineUser(map[string]any{"username": username}).ID }

	f.users[asOwnerPerson] = person("owner@example.com")
	f.users[asOwnerMachine] = machine("owner-bot")
	f.users[asOrgAdmin] = person("org-admin@example.com")
	f.users[asProjOwner] = machine("project-owner-bot")
	f.users[asProjEditor] = person("editor@example.com")
	f.users[asProjViewer] = machine("viewer-bot")
	f.users[asMember] = person("member@example.com")
	f.otherOrg = must(admin.CreateOrganization(ctx, "other"))
	f.users[asOtherOrg] = must(admin.CreateHumanUser(ctx, f.otherOrg, "boss@other.example"))
	f.users[asExpired] = f.users[asOwnerPerson]
	f.users[asNoKey] = f.users[asMember]

	for who, ro := range map[int]string{asOwnerPerson: platform.RoleOrgOwner, asOwnerMachine: platform.RoleOrgOwner, asOrgAdmin: platform.RoleOrgAdmin} {
		must(admin.BindOrgRole(ctx, f.users[who], e.orgID, ro))
	}
	must(admin.BindOrgRole(ctx, f.users[asOtherOrg], f.otherOrg, platform.RoleOrgOwner))
	for who, ro := range map[int]string{asProjOwner: platform.RoleProjectOwner, asProjEditor: platform.RoleProjectEditor, asProjViewer: platform.RoleProjectViewer} {
		must(admin.BindProjectRole(ctx, f.users[who], e.projectID, ro))
	}
	for who := range nCallers {
		if who != asNoKey {
			f.keys[who] = e.newKey(f.users[who], 30)
		}
	}
	f.keys[asExpired] = e.newKey(f.users[asOwnerPerson], 1)
	f.secondProject = must(admin.CreateProject(ctx, e.orgID, "second"))

	f.machineUser = machine("read-target")
	f.machineKey = keyIDOf(e.newKey(f.machineUser, 30))
	f.machineCred = f.e.createFederatedCredential(f.machineUser, newCredentialBody).ID
	f.person = person("target@example.com")
	f.orgBinding = must(admin.BindOrgRole(ctx, f.person, e.orgID, platform.RoleOrgAdmin))
	f.projBinding = must(admin.BindProjectRole(ctx, f.person, e.projectID, platform.RoleProjectViewer))

	f.pg, f.cluster = e.startPG("matrix")
	f.clusterUser = f.freshClusterUser()
	f.clusterRole = f.freshClusterRole()
	f.systemUser = "by hand"
	if err := f.pg.Exec(ctx, `CREATE ROLE "by hand" LOGIN PASSWORD 'by-hand-password'`); err != nil {
		t.Fatal(err)
	}

	f.db = e.store.open()

	// Past the 1-day key, well within the others.
	e.clock.Advance(25 * time.Hour)
	e.do("GET", "/api/v1/whoami", f.keys[asExpired], nil).wantError(401, "UNAUTHENTICATED")
	// After that: a session token lives at most 24 hours.
	f.machineToken = e.openToken(f.machineUser, map[string]any{}).ID
	return f
}

// fingerprint summarizes what the API can change in the store, to prove
// that a refused request changed nothing.
func (f *matrixFixture) fingerprint() string {
	f.t.Helper()
	var out string
	err := f.db.QueryRow(`SELECT (SELECT count(*) || '/' || coalesce(sum(sequence), 0) FROM users) || ' ' ||
		(SELECT count(*) FROM access_keys) || ' ' || (SELECT count(*) FROM session_tokens) || ' ' || (SELECT count(*) FROM federated_credentials) || ' ' || (SELECT count(*) FROM org_role_bindings) || ' ' ||
		(SELECT count(*) FROM project_role_bindings) || ' ' || (SELECT count(*) FROM invitations)`).Scan(&out)
	if err != nil {
		f.t.Fatal(err)
	}
	// The cluster is the source of truth for its users: a refused request
	// must not have created, dropped or re-passworded any role, nor ended
	// any connection. The connections are those the cells opened, as
	// other roles than the superuser the server and this query use.
	cluster, err := f.pg.QueryString(context.Background(),
		`SELECT (SELECT string_agg(rolname || ':' || coalesce(rolpassword, '') || ':' || rolcanlogin || rolconnlimit || rolcreatedb ||
		  coalesce(rolvaliduntil::text, ''), ',' ORDER BY rolname) FROM pg_authid) || ' ' ||
		(SELECT coalesce(string_agg(roleid::regrole || '>' || member::regrole, ',' ORDER BY 1), '') FROM pg_auth_members) || ' ' ||
		(SELECT coalesce(string_agg(usename || ':' || pid, ',' ORDER BY pid), '') FROM pg_stat_activity
		  WHERE usename IS NOT NULL AND usename <> current_user)`)
	if err != nil {
		f.t.Fatal(err)
	}
	return out + " " + cluster
}

// connect opens a connection to the matrix's cluster as user, left open
// until the test ends (or a cell's request ends it).
func (f *matrixFixture) connect(user, password string) {
	f.t.Helper()
	conn, err := f.pg.OpenAs(context.Background(), user, password)
	if err != nil {
		f.t.Fatalf("connect as %s: %v", user, err)
	}
	f.t.Cleanup(func() { _ = conn.Close(context.Background()) })
}

func keyIDOf(key string) string {
	id, _, _ := platform.ParseAccessKey(key)
	return id
}

// shared are the wildcard values of the read rows.
func (f *matrixFixture) shared(route string) map[string]string {
	binding := f.orgBinding
	if strings.Contains(route, "/projects/{project}/") {
		binding = f.projBinding
	}
	return map[string]string{"org": f.e.orgID, "project": f.e.projectID, "user": f.machineUser, "key": f.machineKey, "token": f.machineToken, "credential": f.machineCred,
		"role": platform.RoleOrgOwner, "binding": binding, "cluster": f.cluster, "username": f.clusterUser, "name": f.clusterRole,
		"idempotencyKey": "matrix-holds-nothing"}
}

func (f *matrixFixture) unique(prefix string) string {
	f.n++
	return fmt.Sprintf("%s-%d", prefix, f.n)
}

func (f *matrixFixture) must(id string, err error) string {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *matrixFixture) freshMachineUser() string {
	return f.e.createMachineUser(map[string]any{"username": f.unique("fresh")}).ID
}

func (f *matrixFixture) freshPerson() string {
	return f.must(f.e.srv.Admin().CreateHumanUser(context.Background(), f.e.orgID, f.unique("fresh")+"@example.com"))
}

// freshClusterUser creates a managed user of the matrix's cluster through
// the API, as the organization's owner.
func (f *matrixFixture) freshClusterUser() string {
	f.t.Helper()
	name := f.unique("db-user")
	r := f.e.do("POST", apiPrefix+"/clusters/"+f.cluster+"/users", f.keys[asOwnerPerson],
		map[string]any{"username": name, "password": "first-password-1"})
	if r.status != http.StatusCreated {
		f.t.Fatalf("create cluster user %s: %d %s", name, r.status, r.body)
	}
	return name
}

// freshClusterRole creates a group role of the matrix's cluster through the
// API, as the organization's owner.
func (f *matrixFixture) freshClusterRole() string {
	f.t.Helper()
	name := f.unique("db-group")
	r := f.e.do("POST", apiPrefix+"/clusters/"+f.cluster+"/roles", f.keys[asOwnerPerson], map[string]any{"name": name})
	if r.status != http.StatusCreated {
		f.t.Fatalf("create cluster role %s: %d %s", name, r.status, r.body)
	}
	return name
}

// ---- cells of the write rows ----

func newClusterRoleBody(f *matrixFixture, _ int) matrixCell {
	return matrixCell{body: map[string]any{"name": f.unique("db-new-group"), "memberOf": []string{"pg_monitor"}}}
}

func freshClusterRole(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"name": f.freshClusterRole()}}
}

func freshClusterRolePatch(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"name": f.freshClusterRole()}, body: map[string]any{"memberOf": []string{"pg_read_all_stats"}}}
}

func newMachineUserBody(f *matrixFixture, _ int) matrixCell {
	return matrixCell{body: map[string]any{"username": f.unique("new")}}
}

func freshMachineUser(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"user": f.freshMachineUser()}}
}

func freshMachineUserPatch(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"user": f.freshMachineUser()}, body: map[string]any{"name": "Renamed"}}
}

func personAsUser(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"user": f.person}}
}

var newKeyBody = map[string]any{"name": "k", "expiresInDays": 7}

func freshMachineUserNewKey(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"user": f.freshMachineUser()}, body: newKeyBody}
}

func personNewKey(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"user": f.freshPerson()}, body: newKeyBody}
}

func freshMachineUserKey(f *matrixFixture, _ int) matrixCell {
	user := f.freshMachineUser()
	return matrixCell{vars: map[string]string{"user": user, "key": keyIDOf(f.e.newKey(user, 30))}}
}

func freshMachineUserNewToken(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"user": f.freshMachineUser()}, body: map[string]any{"expiresInSeconds": 600}}
}

func personNewToken(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"user": f.freshPerson()}, body: map[string]any{}}
}

func freshMachineUserToken(f *matrixFixture, _ int) matrixCell {
	user := f.freshMachineUser()
	return matrixCell{vars: map[string]string{"user": user, "token": f.e.openToken(user, map[string]any{}).ID}}
}

var newCredentialBody = map[string]any{"name": "ci", "issuer": "https://token.actions.githubusercontent.com",
	"subject": "repo:acme/infra:ref:refs/heads/main"}

func freshMachineUserNewCredential(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"user": f.freshMachineUser()}, body: newCredentialBody}
}

func personNewCredential(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"user": f.freshPerson()}, body: newCredentialBody}
}

func freshMachineUserCredential(f *matrixFixture, _ int) matrixCell {
	user := f.freshMachineUser()
	return matrixCell{vars: map[string]string{"user": user, "credential": f.e.createFederatedCredential(user, newCredentialBody).ID}}
}

func myNewKey(f *matrixFixture, _ int) matrixCell { return matrixCell{body: newKeyBody} }

// ownKey is a new key of the caller itself (never the one it calls with).
// The caller's previous own key, unless a row deleted it, goes first: a
// machine user holds at most two keys, and the one it calls with is the
// other.
func ownKey(f *matrixFixture, who int) matrixCell {
	if prev := f.ownKeys[who]; prev != "" {
		if err := f.e.srv.store.DeleteAccessKey(context.Background(), prev); err != nil && !errors.Is(err, store.ErrNotFound) {
			f.t.Fatal(err)
		}
	}
	f.ownKeys[who] = keyIDOf(f.e.newKey(f.users[who], 30))
	return matrixCell{vars: map[string]string{"key": f.ownKeys[who]}}
}

func othersKey(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"key": keyIDOf(f.e.newKey(f.freshPerson(), 30))}}
}

func newOrgBindingBody(f *matrixFixture, _ int) matrixCell {
	return matrixCell{body: map[string]any{"userId": f.freshPerson(), "role": platform.RoleOrgAdmin}}
}

func freshOrgBinding(f *matrixFixture, _ int) matrixCell {
	id := f.must(f.e.srv.Admin().BindOrgRole(context.Background(), f.freshPerson(), f.e.orgID, platform.RoleOrgAdmin))
	return matrixCell{vars: map[string]string{"binding": id}}
}

func newProjectBindingBody(f *matrixFixture, _ int) matrixCell {
	return matrixCell{body: map[string]any{"userId": f.freshPerson(), "role": platform.RoleProjectViewer}}
}

func newSecondProjectBindingBody(f *matrixFixture, who int) matrixCell {
	c := newProjectBindingBody(f, who)
	c.vars = map[string]string{"project": f.secondProject}
	return c
}

func freshProjectBinding(f *matrixFixture, _ int) matrixCell {
	id := f.must(f.e.srv.Admin().BindProjectRole(context.Background(), f.freshPerson(), f.e.projectID, platform.RoleProjectViewer))
	return matrixCell{vars: map[string]string{"binding": id}}
}

func freshSecondProjectBinding(f *matrixFixture, _ int) matrixCell {
	id := f.must(f.e.srv.Admin().BindProjectRole(context.Background(), f.freshPerson(), f.secondProject, platform.RoleProjectViewer))
	return matrixCell{vars: map[string]string{"project": f.secondProject, "binding": id}}
}

func newClusterUserBody(f *matrixFixture, _ int) matrixCell {
	return matrixCell{body: map[string]any{"username": f.unique("db-new"), "password": "a-good-password-1"}}
}

func freshClusterUser(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"username": f.freshClusterUser()}}
}

func freshClusterUserPatch(f *matrixFixture, _ int) matrixCell {
	return matrixCell{vars: map[string]string{"username": f.freshClusterUser()},
		body: map[string]any{"password": "a-new-password-2", "memberOf": []string{f.clusterRole, "pg_monitor"}, "connectionLimit": 5}}
}

// connectedClusterUser is a fresh managed user with an open connection.
func connectedClusterUser(f *matrixFixture, _ int) matrixCell {
	name := f.freshClusterUser()
	f.connect(name, "first-password-1")
	return matrixCell{vars: map[string]string{"username": name}}
}

// connectedSystemUser is the cluster's system user, with an open connection.
func connectedSystemUser(f *matrixFixture, _ int) matrixCell {
	f.connect(f.systemUser, "by-hand-password")
	return matrixCell{vars: map[string]string{"username": f.systemUser}}
}

func newInvitationBody(f *matrixFixture, _ int) matrixCell {
	return matrixCell{body: map[string]any{"email": f.unique("invitee") + "@example.com", "role": platform.RoleOrgAdmin}}
}

// ---- the test ----

func TestAuthorizationMatrix(t *testing.T) {
	f := newMatrixFixture(t)

	// Every authenticated endpoint has a row, and every row an endpoint.
	served := map[string]bool{}
	for _, rt := range routes {
		if !rt.Public {
			served[rt.Method+" "+strings.TrimPrefix(rt.Pattern, apiPrefix)] = true
		}
	}
	inMatrix := map[string]bool{}
	for _, row := range authzMatrix {
		inMatrix[row.route] = true
		if !served[row.route] {
			t.Errorf("matrix row %q is not a route of the server", row.route)
		}
	}
	for _, r := range sortedKeys(served) {
		if !inMatrix[r] {
			t.Errorf("endpoint %s has no row in the authorization matrix", r)
		}
	}

	for _, row := range authzMatrix {
		for who := range nCallers {
			f.check(row, who, callerNames[who], f.keys[who])
		}
	}

	// A session token authenticates exactly as an access key of its machine
	// user: every cell of the machine users' columns again, with a session
	// token instead of the key, and an expired token as the expired key.
	tokens := []struct {
		name  string
		like  int // the column whose answers it gets
		token string
	}{
		{"owner machine's session token", asOwnerMachine, f.e.openToken(f.users[asOwnerMachine], map[string]any{}).Properties.Secret},
		{"project_owner's session token", asProjOwner, f.e.openToken(f.users[asProjOwner], map[string]any{}).Properties.Secret},
		{"project_viewer's session token", asProjViewer, f.e.openToken(f.users[asProjViewer], map[string]any{}).Properties.Secret},
		{"expired session token", asExpired, f.e.openToken(f.users[asOwnerMachine], map[string]any{"expiresInSeconds": 60}).Properties.Secret},
	}
	f.e.clock.Advance(time.Minute)
	for _, row := range authzMatrix {
		for _, tok := range tokens {
			f.check(row, tok.like, tok.name, tok.token)
		}
	}
}

// check runs the request of one cell, row × column who, authenticated with
// credential (named callerName), and checks the answer: the status of the
// column, and on a refusal its code and that nothing changed.
func (f *matrixFixture) check(row matrixRow, who int, callerName, credential string) {
	t := f.t
	t.Helper()
	wantCode := map[int][]string{
		http.StatusUnauthorized: {codeUnauthenticated},
		http.StatusForbidden:    {codePermissionDenied, codeMachineUserCannotInvite},
		http.StatusNotFound:     {codeNotFound},
	}
	name := row.route
	if row.note != "" {
		name += " (" + row.note + ")"
	}
	method, pattern, _ := strings.Cut(row.route, " ")
	vars := f.shared(row.route)
	var body any
	if row.cell != nil {
		c := row.cell(f, who)
		for k, v := range c.vars {
			vars[k] = v
		}
		body = c.body
	}
	path := pattern
	for k, v := range vars {
		path = strings.ReplaceAll(path, "{"+k+"}", pathID(v))
	}
	if strings.Contains(path, "{") {
		t.Fatalf("%s: no value for a wildcard of %s", name, path)
	}
	before := f.fingerprint()
	r := f.e.do(method, apiPrefix+path, credential, body)
	if r.status >= 400 {
		if after := f.fingerprint(); after != before {
			t.Errorf("%s as %s: refused with %d but changed the store: %s -> %s", name, callerName, r.status, before, after)
		}
	}
	if r.status != row.want[who] {
		t.Errorf("%s as %s: status %d, want %d; body: %s", name, callerName, r.status, row.want[who], r.body)
		return
	}
	if codes, ok := wantCode[r.status]; ok {
		var e errorBody
		if err := json.Unmarshal(r.body, &e); err != nil || !slices.Contains(codes, e.Code) {
			t.Errorf("%s as %s: error code %q, want one of %v", name, callerName, e.Code, codes)
		}
	}
}
