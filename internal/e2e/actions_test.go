package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	"github.com/jackc/pgx/v5"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

// The actions as their docs tell a user to run them: the examples under
// examples/actions, invoked with `terraform apply -invoke=...` (and, for the
// connections, from an action_trigger), by the real terraform on the built
// provider against a pgcloud-server process, their effect checked.

// skipBelow skips the test, as tfversion.SkipBelow does for the acceptance
// tests, when the terraform the tests run is older than minimum.
func skipBelow(t *testing.T, minimum *version.Version) {
	t.Helper()
	out, err := exec.Command(testenv.TerraformBinary(t), "version", "-json").Output()
	if err != nil {
		t.Fatalf("terraform version: %v", err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("terraform version -json: %v: %s", err, out)
	}
	var resp tfversion.CheckTerraformVersionResponse
	tfversion.SkipBelow(minimum).CheckTerraformVersion(context.Background(),
		tfversion.CheckTerraformVersionRequest{TerraformVersion: version.Must(version.NewVersion(v.Version))}, &resp)
	if resp.Skip != "" {
		t.Skip(resp.Skip)
	}
}

// actionExample is the workspace of the example of action typ: a copy of
// examples/actions/<typ>, plus the terraform block a user's root module has
// (the examples are the docs' snippets, which leave it out).
func actionExample(t *testing.T, p *platform, typ string) *workspace {
	t.Helper()
	dir := filepath.Join(copyExamples(t), "actions", typ)
	versions := "terraform {\n  required_providers {\n    pgcloud = {\n      source  = \"pgcloud/pgcloud\"\n      version = \"~> 0.1\"\n    }\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "versions.tf"), []byte(versions), 0o600); err != nil {
		t.Fatal(err)
	}
	return newWorkspace(t, dir, p)
}

func TestActionRevokeSessionsExample(t *testing.T) {
	needAcc(t)
	skipBelow(t, tfversion.Version1_14_0)
	p := startPlatform(t)
	ctx := context.Background()
	api := p.API(t)
	deployer, err := api.CreateMachineUser(ctx, p.OrgID, client.MachineUserCreate{Username: "ci-deployer"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := api.CreateMachineUser(ctx, p.OrgID, client.MachineUserCreate{Username: "other"})
	if err != nil {
		t.Fatal(err)
	}
	var leaked, kept []string
	for range 2 {
		tok, err := api.CreateMachineUserSessionToken(ctx, p.OrgID, deployer.ID, client.SessionTokenCreate{})
		if err != nil {
			t.Fatal(err)
		}
		leaked = append(leaked, tok.Secret)
	}
	key, err := api.CreateMachineUserAccessKey(ctx, p.OrgID, deployer.ID, client.AccessKeyCreate{Name: "kept", ExpiresInDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	otherTok, err := api.CreateMachineUserSessionToken(ctx, p.OrgID, other.ID, client.SessionTokenCreate{})
	if err != nil {
		t.Fatal(err)
	}
	kept = append(kept, key.Secret, otherTok.Secret)

	w := actionExample(t, p, "pgcloud_machine_user_revoke_sessions")
	w.must("init", "-input=false")
	// A plain plan runs no action: it changes nothing.
	if out, code := w.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Fatalf("plan exited %d, want 0:\n%s", code, out)
	}
	for i, s := range leaked {
		if _, err := p.APIWith(t, s).WhoAmI(ctx); err != nil {
			t.Fatalf("token %d does not work before the action: %v", i, err)
		}
	}

	out := w.must("apply", "-input=false", "-auto-approve", "-invoke=action.pgcloud_machine_user_revoke_sessions.deployer")
	for _, want := range []string{"Revoking every session token of machine user " + deployer.ID,
		"Revoked 2 session tokens of machine user " + deployer.ID} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not report %q:\n%s", want, out)
		}
	}
	for i, s := range leaked {
		if _, err := p.APIWith(t, s).WhoAmI(ctx); !client.IsUnauthenticated(err) {
			t.Errorf("token %d still authenticates after the action: %v", i, err)
		}
	}
	for i, s := range kept {
		if _, err := p.APIWith(t, s).WhoAmI(ctx); err != nil {
			t.Errorf("credential %d, not a session token of the deployer, stopped working: %v", i, err)
		}
	}

	// Again: nothing left, and it says so.
	out = w.must("apply", "-input=false", "-auto-approve", "-invoke=action.pgcloud_machine_user_revoke_sessions.deployer")
	if !strings.Contains(out, "had no session token that still worked") {
		t.Errorf("the second invocation does not say there was nothing to revoke:\n%s", out)
	}
}

func TestActionTerminateConnectionsExample(t *testing.T) {
	needAcc(t)
	skipBelow(t, tfversion.Version1_14_0)
	p := startPlatform(t)
	pg := startPostgres(t)
	clusterID := p.addCluster(t, pg, "orders")
	ctx := context.Background()
	w := actionExample(t, p, "pgcloud_postgres_cluster_user_terminate_connections")
	w.Env["TF_VAR_cluster_id"] = clusterID
	w.Env["TF_VAR_orders_password"] = "first-password-1"
	w.must("init", "-input=false")
	w.must("apply", "-input=false", "-auto-approve")
	t.Cleanup(func() { w.run("destroy", "-input=false", "-auto-approve") })

	open := func(password string, n int) []*pgx.Conn {
		t.Helper()
		var conns []*pgx.Conn
		for range n {
			conn, err := pg.OpenAs(ctx, "orders_app", password)
			if err != nil {
				t.Fatalf("connect as orders_app: %v", err)
			}
			t.Cleanup(func() { _ = conn.Close(context.Background()) })
			conns = append(conns, conn)
		}
		return conns
	}
	closed := func(what string, conns []*pgx.Conn) {
		t.Helper()
		for i, conn := range conns {
			qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			var one int
			if conn.QueryRow(qctx, "SELECT 1").Scan(&one) == nil {
				t.Errorf("%s: connection %d still works", what, i)
			}
			cancel()
		}
	}

	// On demand, with the documented command.
	sessions := open("first-password-1", 2)
	out := w.must("apply", "-input=false", "-auto-approve", "-invoke=action.pgcloud_postgres_cluster_user_terminate_connections.orders_app")
	if want := `Ended 2 open connections of user "orders_app" of cluster ` + clusterID; !strings.Contains(out, want) {
		t.Errorf("the output does not report %q:\n%s", want, out)
	}
	closed("-invoke", sessions)

	// From the action_trigger: a rotation (a new password and
	// password_wo_version) ends the sessions opened with the old password.
	sessions = open("first-password-1", 1)
	file := filepath.Join(w.Dir, "action.tf")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rotated := strings.Replace(string(src), "password_wo_version = 2", "password_wo_version = 3", 1)
	if rotated == string(src) {
		t.Fatal("the example has no password_wo_version = 2 to rotate")
	}
	if err := os.WriteFile(file, []byte(rotated), 0o600); err != nil {
		t.Fatal(err)
	}
	w.Env["TF_VAR_orders_password"] = "second-password-2"
	out = w.must("apply", "-input=false", "-auto-approve")
	if want := `Ended 1 open connection of user "orders_app"`; !strings.Contains(out, want) {
		t.Errorf("the rotation's apply does not report %q:\n%s", want, out)
	}
	closed("action_trigger", sessions)
	if err := pg.ConnectAs(ctx, "orders_app", "second-password-2"); err != nil {
		t.Errorf("the new password does not log in: %v", err)
	}
	if err := pg.ConnectAs(ctx, "orders_app", "first-password-1"); err == nil {
		t.Error("the old password still logs in")
	}
}
