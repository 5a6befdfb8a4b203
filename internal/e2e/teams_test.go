package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// team is one entry of examples/teams' var.teams, as TF_VAR_teams spells it.
type team struct {
	Description         string            `json:"description,omitempty"`
	ProjectRoles        []string          `json:"project_roles,omitempty"`
	KeyExpiresInDays    int               `json:"key_expires_in_days,omitempty"`
	KeyRotateBeforeDays int               `json:"key_rotate_before_days,omitempty"`
	DatabaseUsers       map[string]dbUser `json:"database_users,omitempty"`
}

type dbUser struct {
	PasswordVersion int `json:"password_version,omitempty"`
}

// roles are the team's project roles, with the variable's default.
func (tm team) roles() []string {
	if len(tm.ProjectRoles) == 0 {
		return []string{client.RoleProjectViewer}
	}
	return tm.ProjectRoles
}

// resources is how many resources the module makes for the team: the
// machine user, its key, one binding per role, one database user per name.
func (tm team) resources() int { return 2 + len(tm.roles()) + len(tm.DatabaseUsers) }

// defaultTeams is the default of var.teams in examples/teams/variables.tf;
// the test checks that it is (a plan with it set explicitly changes nothing).
func defaultTeams() map[string]team {
	return map[string]team{
		"payments": {
			Description:   "Payments service: deploys and runs the payments database",
			ProjectRoles:  []string{"project_editor"},
			DatabaseUsers: map[string]dbUser{"payments_app": {}},
		},
		"analytics": {
			Description:   "Analytics: reads the reporting replicas",
			DatabaseUsers: map[string]dbUser{"analytics_reader": {}},
		},
		"ci": {
			Description:         "CI pipeline of the platform team",
			ProjectRoles:        []string{"project_editor", "project_viewer"},
			KeyExpiresInDays:    30,
			KeyRotateBeforeDays: 7,
		},
	}
}

// The teams example, the way a platform team lives with it: every team's
// machine identity comes from examples/modules/machine-identity, and the
// teams change over time. Real terraform, real pgcloud-server, real
// PostgreSQL; the test looks at the results through the API and in
// PostgreSQL.
func TestTeams(t *testing.T) {
	needAcc(t)
	start := time.Now()
	p := startPlatform(t)
	pg := startPostgres(t)
	clusterID := p.addCluster(t, pg, "teams")
	w := newWorkspace(t, filepath.Join(copyExamples(t), "teams"), p)
	ctx := context.Background()
	api := p.API(t)

	passwords := map[string]string{}
	for _, u := range []string{"payments_app", "analytics_reader", "search_indexer"} {
		passwords[u] = u + "-" + randomHexString(t, 8)
	}
	w.Env["TF_VAR_cluster_id"] = clusterID
	w.Env["TF_VAR_database_passwords"] = tfVarJSON(t, passwords)
	teams := defaultTeams()
	w.must("init", "-input=false")
	// Each step builds on the one before: stop at the first that fails.
	step := func(name string, f func(t *testing.T, w *workspace)) {
		t.Helper()
		if !t.Run(name, func(t *testing.T) { f(t, w.forSubtest(t)) }) {
			t.FailNow()
		}
	}

	step("refused at plan time", func(t *testing.T, w *workspace) {
		// What the platform would refuse fails the plan, in the module's
		// variables, before anything is written. Two plans: Terraform skips
		// the rules that compare two variables once a rule about a single
		// variable has failed.
		for _, bad := range []map[string]struct {
			team team
			want string
		}{{
			"bad-days": {team{KeyExpiresInDays: 400}, "key_expires_in_days must be a whole number of days from 1 to 365"},
			"bad-role": {team{ProjectRoles: []string{"org_owner"}}, "project_roles may only hold project roles"},
			"bad-db":   {team{DatabaseUsers: map[string]dbUser{"pg_monitor": {}}}, "names starting with pg_ belong to PostgreSQL"},
		}, {
			"bad-window":  {team{KeyExpiresInDays: 10, KeyRotateBeforeDays: 10}, "key_rotate_before_days must be less than key_expires_in_days"},
			"no-password": {team{DatabaseUsers: map[string]dbUser{"no_password_app": {}}}, "database_passwords must hold a password for every user in database_users"},
		}} {
			teams := defaultTeams()
			for name, c := range bad {
				teams[name] = c.team
			}
			w.Env["TF_VAR_teams"] = tfVarJSON(t, teams)
			out, code := w.run("plan", "-input=false")
			if code != 1 {
				t.Errorf("plan with invalid teams exited %d, want 1:\n%s", code, out)
			}
			for name, c := range bad {
				if !strings.Contains(out, c.want) {
					t.Errorf("team %s %+v: the plan does not say %q:\n%s", name, c.team, c.want, out)
				}
			}
		}
		delete(w.Env, "TF_VAR_teams")
		if users := machineUsernames(t, api, p.OrgID); !slices.Equal(users, []string{"admin"}) {
			t.Errorf("machine users after the refused plans: %v, want only admin", users)
		}
	})

	// Apply the example as it ships.
	out := w.must("apply", "-input=false", "-auto-approve")
	wantTotal := 0
	for _, tm := range teams {
		wantTotal += tm.resources()
	}
	checkApplied(t, out, wantTotal, 0, 0)
	ids := outputMap(t, w, "machine_user_ids")
	keys := outputMap(t, w, "access_keys")
	checkTeams(t, p, pg, teams, ids, keys, passwords)

	if out, code := w.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after apply exited %d, want 0 (no changes):\n%s", code, out)
	}
	// From here on the teams are set through TF_VAR_teams; set to what the
	// example's default holds, nothing changes.
	w.Env["TF_VAR_teams"] = tfVarJSON(t, teams)
	if out, code := w.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan with defaultTeams() in TF_VAR_teams exited %d, want 0: the test's copy of the example's default differs:\n%s", code, out)
	}

	step("add a team", func(t *testing.T, w *workspace) {
		teams["search"] = team{Description: "Search indexer", DatabaseUsers: map[string]dbUser{"search_indexer": {}}}
		w.Env["TF_VAR_teams"] = tfVarJSON(t, teams)
		w.must("plan", "-input=false", "-out=add.tfplan")
		changes := plannedChanges(t, w, "add.tfplan")
		for addr, actions := range changes {
			if !strings.HasPrefix(addr, `module.teams["search"].`) || !slices.Equal(actions, []string{"create"}) {
				t.Errorf("adding a team plans %v for %s; want only creates of the new team's resources", actions, addr)
			}
		}
		if len(changes) != teams["search"].resources() {
			t.Errorf("adding a team plans %d changes, want %d: %v", len(changes), teams["search"].resources(), changes)
		}
		checkApplied(t, w.must("apply", "-input=false", "add.tfplan"), teams["search"].resources(), 0, 0)
		ids = outputMap(t, w, "machine_user_ids")
		keys = outputMap(t, w, "access_keys")
		checkTeams(t, p, pg, teams, ids, keys, passwords)
	})

	step("remove a team", func(t *testing.T, w *workspace) {
		gone := teams["payments"]
		goneID, goneKey := ids["payments"], keys["payments"]
		delete(teams, "payments")
		w.Env["TF_VAR_teams"] = tfVarJSON(t, teams)
		checkApplied(t, w.must("apply", "-input=false", "-auto-approve"), 0, 0, gone.resources())
		checkUserGone(t, p, goneID, goneKey)
		for u := range gone.DatabaseUsers {
			checkDatabaseUserGone(t, api, pg, clusterID, u, passwords[u])
		}
		ids = outputMap(t, w, "machine_user_ids")
		keys = outputMap(t, w, "access_keys")
		checkTeams(t, p, pg, teams, ids, keys, passwords)
	})

	step("rename a team with a moved block", func(t *testing.T, w *workspace) {
		oldID, oldKeyID := ids["analytics"], outputMap(t, w, "access_key_ids")["analytics"]
		teams["insights"] = teams["analytics"]
		delete(teams, "analytics")
		w.Env["TF_VAR_teams"] = tfVarJSON(t, teams)
		moved := "moved {\n  from = module.teams[\"analytics\"]\n  to   = module.teams[\"insights\"]\n}\n"
		if err := os.WriteFile(filepath.Join(w.Dir, "moved.tf"), []byte(moved), 0o600); err != nil {
			t.Fatal(err)
		}
		// Only the machine user's username changes, in place; its id, key,
		// role bindings and database users stay.
		checkApplied(t, w.must("apply", "-input=false", "-auto-approve"), 0, 1, 0)
		ids = outputMap(t, w, "machine_user_ids")
		keys = outputMap(t, w, "access_keys")
		if ids["insights"] != oldID {
			t.Errorf("the renamed team's machine user is %s, want the same as before the rename, %s", ids["insights"], oldID)
		}
		if got := outputMap(t, w, "access_key_ids")["insights"]; got != oldKeyID {
			t.Errorf("the renamed team's access key is %s, want the same as before the rename, %s", got, oldKeyID)
		}
		checkTeams(t, p, pg, teams, ids, keys, passwords)
		if out, code := w.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
			t.Errorf("the plan after the rename exited %d, want 0 (no changes):\n%s", code, out)
		}
	})

	step("change a rotation window", func(t *testing.T, w *workspace) {
		// The window lives in Terraform only: a wider one changes the key's
		// state in place, and the key stays.
		keyID := outputMap(t, w, "access_key_ids")["ci"]
		ci := teams["ci"]
		ci.KeyRotateBeforeDays = 10
		teams["ci"] = ci
		w.Env["TF_VAR_teams"] = tfVarJSON(t, teams)
		checkApplied(t, w.must("apply", "-input=false", "-auto-approve"), 0, 1, 0)
		if got := outputMap(t, w, "access_key_ids")["ci"]; got != keyID {
			t.Errorf("ci's key is %s after a new rotation window, want the same key %s", got, keyID)
		}
	})

	step("rotate a key", func(t *testing.T, w *workspace) {
		// The server's clock cannot be moved from here, so the rotation is
		// forced by a new key lifetime, which replaces the key the same way
		// the rotation window does: the new key first, then the old one goes.
		oldKeyID, oldKey := outputMap(t, w, "access_key_ids")["ci"], keys["ci"]
		ci := teams["ci"]
		ci.KeyExpiresInDays = 60
		teams["ci"] = ci
		w.Env["TF_VAR_teams"] = tfVarJSON(t, teams)
		out := w.must("plan", "-input=false", "-out=rotate.tfplan")
		if !regexp.MustCompile(`module\.teams\["ci"\]\.pgcloud_access_key\.this must be replaced\n\+/- resource`).MatchString(out) {
			t.Errorf("the plan does not replace ci's key create-before-destroy (+/-):\n%s", out)
		}
		checkApplied(t, w.must("apply", "-input=false", "rotate.tfplan"), 1, 0, 1)
		keys = outputMap(t, w, "access_keys")
		newKeyID := outputMap(t, w, "access_key_ids")["ci"]
		if newKeyID == oldKeyID {
			t.Fatalf("ci's key is still %s after the rotation", oldKeyID)
		}
		if _, err := p.APIWith(t, oldKey).WhoAmI(ctx); !client.IsUnauthenticated(err) {
			t.Errorf("the rotated-out key: whoami = %v, want 401", err)
		}
		list, err := api.ListMachineUserAccessKeys(ctx, p.OrgID, ids["ci"])
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != newKeyID {
			t.Errorf("ci's keys after the rotation: %v, want only the new key %s", list, newKeyID)
		} else if life := time.Until(list[0].ExpiresAt); life < 59*24*time.Hour || life > 60*24*time.Hour {
			t.Errorf("ci's new key expires at %s, want 60 days from now", list[0].ExpiresAt)
		}
		checkTeams(t, p, pg, teams, ids, keys, passwords)
		if out, code := w.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
			t.Errorf("the plan after the rotation exited %d, want 0 (no changes):\n%s", code, out)
		}
	})

	step("destroy", func(t *testing.T, w *workspace) {
		total := 0
		for _, tm := range teams {
			total += tm.resources()
		}
		out := w.must("destroy", "-input=false", "-auto-approve")
		if want := "Destroy complete! Resources: " + strconv.Itoa(total) + " destroyed."; !strings.Contains(out, want) {
			t.Errorf("destroy does not say %q:\n%s", want, out)
		}
		for name, tm := range teams {
			checkUserGone(t, p, ids[name], keys[name])
			for u := range tm.DatabaseUsers {
				checkDatabaseUserGone(t, api, pg, clusterID, u, passwords[u])
			}
		}
		if users := machineUsernames(t, api, p.OrgID); !slices.Equal(users, []string{"admin"}) {
			t.Errorf("machine users after destroy: %v, want only the bootstrap admin", users)
		}
		admin, err := api.WhoAmI(ctx)
		if err != nil {
			t.Fatal(err)
		}
		projectBindings, err := api.ListProjectRoleBindings(ctx, p.ProjectID, client.RoleBindingFilter{})
		if err != nil {
			t.Fatal(err)
		}
		orgBindings, err := api.ListOrgRoleBindings(ctx, p.OrgID, client.RoleBindingFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range append(projectBindings, orgBindings...) {
			if b.UserID != admin.User.ID {
				t.Errorf("binding %s (%s of %s) left after destroy", b.ID, b.Role, b.UserID)
			}
		}
		users, err := api.ListClusterUsers(ctx, clusterID, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 0 {
			t.Errorf("cluster users left after destroy: %v", users)
		}
		managed, err := pg.QueryString(ctx, `SELECT count(*)::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = 'pgcloud_managed'`)
		if err != nil {
			t.Fatal(err)
		}
		if managed != "0" {
			t.Errorf("%s roles in PostgreSQL are still members of pgcloud_managed after destroy, want none", managed)
		}
	})
	t.Logf("TestTeams took %s", time.Since(start).Round(100*time.Millisecond))
}

// checkTeams checks every team against the platform and PostgreSQL: its
// machine user, its one access key (which authenticates as that machine user
// and carries exactly the team's project roles) and its database users,
// which log in with their passwords.
func checkTeams(t *testing.T, p *platform, pg *testpg.Postgres, teams map[string]team, ids, keys map[string]string, passwords map[string]string) {
	t.Helper()
	ctx := context.Background()
	api := p.API(t)
	for name, tm := range teams {
		u, err := api.GetMachineUser(ctx, p.OrgID, ids[name])
		if err != nil {
			t.Errorf("team %s: machine user %q: %v", name, ids[name], err)
			continue
		}
		if u.Username != "team-"+name {
			t.Errorf("team %s: machine user %s is called %q, want team-%s", name, u.ID, u.Username, name)
		}
		list, err := api.ListMachineUserAccessKeys(ctx, p.OrgID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Errorf("team %s: %d access keys, want exactly 1 (a rotation needs the second place)", name, len(list))
		}
		me, err := p.APIWith(t, keys[name]).WhoAmI(ctx)
		if err != nil {
			t.Errorf("team %s: whoami with the team's key: %v", name, err)
			continue
		}
		if me.User.ID != u.ID {
			t.Errorf("team %s: the team's key authenticates %s, want %s", name, me.User.ID, u.ID)
		}
		var roles []string
		for _, b := range me.RoleBindings {
			if b.ProjectID != p.ProjectID {
				t.Errorf("team %s: binding %s of %s on %q, want only bindings on the project", name, b.ID, b.Role, b.ProjectID)
			}
			roles = append(roles, b.Role)
		}
		want := slices.Clone(tm.roles())
		sort.Strings(roles)
		sort.Strings(want)
		if !slices.Equal(roles, want) {
			t.Errorf("team %s: roles %v, want %v", name, roles, want)
		}
		for db := range tm.DatabaseUsers {
			if err := pg.ConnectAs(ctx, db, passwords[db]); err != nil {
				t.Errorf("team %s: log in to PostgreSQL as %s: %v", name, db, err)
			}
		}
	}
}

// checkUserGone checks that a machine user is gone with its key and
// bindings.
func checkUserGone(t *testing.T, p *platform, id, key string) {
	t.Helper()
	ctx := context.Background()
	api := p.API(t)
	if _, err := api.GetMachineUser(ctx, p.OrgID, id); !client.IsNotFound(err) {
		t.Errorf("machine user %s: get = %v, want 404", id, err)
	}
	if _, err := p.APIWith(t, key).WhoAmI(ctx); !client.IsUnauthenticated(err) {
		t.Errorf("the key of removed machine user %s: whoami = %v, want 401", id, err)
	}
	bindings, err := api.ListProjectRoleBindings(ctx, p.ProjectID, client.RoleBindingFilter{UserID: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(bindings) != 0 {
		t.Errorf("removed machine user %s still has project bindings: %v", id, bindings)
	}
}

// checkDatabaseUserGone checks that a database user is gone from the API and
// from PostgreSQL.
func checkDatabaseUserGone(t *testing.T, api *client.Client, pg *testpg.Postgres, clusterID, username, password string) {
	t.Helper()
	ctx := context.Background()
	if _, err := api.GetClusterUser(ctx, clusterID, username); !client.IsNotFound(err) {
		t.Errorf("database user %s: get = %v, want 404", username, err)
	}
	n, err := pg.QueryString(ctx, `SELECT count(*)::text FROM pg_roles WHERE rolname = $1`, username)
	if err != nil {
		t.Fatal(err)
	}
	if n != "0" {
		t.Errorf("role %s still exists in PostgreSQL", username)
	}
	if err := pg.ConnectAs(ctx, username, password); err == nil {
		t.Errorf("%s can still log in to PostgreSQL", username)
	}
}

// machineUsernames lists the usernames of the organization's machine users,
// sorted.
func machineUsernames(t *testing.T, api *client.Client, orgID string) []string {
	t.Helper()
	users, err := api.ListMachineUsers(context.Background(), orgID, client.ListMachineUsersOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Username)
	}
	sort.Strings(names)
	return names
}

var applySummary = regexp.MustCompile(`Apply complete! Resources: (\d+) added, (\d+) changed, (\d+) destroyed\.`)

// checkApplied checks terraform apply's summary line.
func checkApplied(t *testing.T, out string, added, changed, destroyed int) {
	t.Helper()
	m := applySummary.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary in the apply's output:\n%s", out)
	}
	if got := [3]string{m[1], m[2], m[3]}; got != [3]string{strconv.Itoa(added), strconv.Itoa(changed), strconv.Itoa(destroyed)} {
		t.Errorf("apply: %s, want %d added, %d changed, %d destroyed:\n%s", m[0], added, changed, destroyed, out)
	}
}

// plannedChanges reads a saved plan (terraform show -json) and returns the
// actions planned for each managed resource that changes.
func plannedChanges(t *testing.T, w *workspace, planFile string) map[string][]string {
	t.Helper()
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Mode    string `json:"mode"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(w.mustStdoutOnly("show", "-json", planFile)), &plan); err != nil {
		t.Fatal(err)
	}
	changes := map[string][]string{}
	for _, rc := range plan.ResourceChanges {
		if rc.Mode == "managed" && !slices.Equal(rc.Change.Actions, []string{"no-op"}) {
			changes[rc.Address] = rc.Change.Actions
		}
	}
	return changes
}

// outputMap reads an output of type map(string), sensitive or not.
func outputMap(t *testing.T, w *workspace, name string) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(w.mustStdoutOnly("output", "-json", name)), &m); err != nil {
		t.Fatalf("output %s: %v", name, err)
	}
	return m
}

// forSubtest is the workspace for a subtest: the same directory and environment,
// failures reported to t.
func (w *workspace) forSubtest(t *testing.T) *workspace {
	return &workspace{t: t, Dir: w.Dir, Env: w.Env}
}

// mustStdoutOnly runs terraform, fails the test unless it exits 0, and returns
// what it wrote to stdout only (for -json output).
func (w *workspace) mustStdoutOnly(args ...string) string {
	w.t.Helper()
	combined, stderr, code := w.runSplit(args...)
	if code != 0 {
		w.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, combined)
	}
	if stderr != "" {
		w.t.Fatalf("terraform %s wrote to stderr:\n%s", strings.Join(args, " "), stderr)
	}
	return combined
}

func tfVarJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func randomHexString(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
