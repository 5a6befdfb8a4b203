package e2e

import (
	"context"
	"path/filepath"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"testing"
)

// The quickstart, as the README tells a new user to run it: apply, a second
// plan with no changes, and a destroy that leaves nothing behind on the
// platform or in PostgreSQL.
func TestQuickstart(t *testing.T) {
	needAcc(t)
	p := startPlatform(t)
	pg := startPostgres(t)
	clusterID := p.addCluster(t, pg, "demo")
	w := newWorkspace(t, filepath.Join(copyExamples(t), "quickstart"), p)
	w.Env["TF_VAR_cluster_id"] = clusterID
	w.Env["TF_VAR_app_user_password"] = "quickstart-password-1"

	w.must("init", "-input=false")
	w.must("apply", "-input=false", "-auto-approve")
	user := w.must("output", "-raw", "app_user")
	ctx := context.Background()
	if err := pg.ConnectAs(ctx, user, "quickstart-password-1"); err != nil {
		t.Errorf("log in as %s with the password the quickstart set: %v", user, err)
	}
	if out, code := w.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Errorf("the plan after apply exited %d, want 0 (no changes):\n%s", code, out)
	}
	w.must("destroy", "-input=false", "-auto-approve")
	users, err := p.API(t).ListMachineUsers(ctx, p.OrgID, client.ListMachineUsersOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 { // the bootstrap "admin"
		t.Errorf("%d machine users after destroy, want only the bootstrap admin: %v", len(users), users)
	}
	if err := pg.ConnectAs(ctx, user, "quickstart-password-1"); err == nil {
		t.Errorf("%s can still log in after destroy", user)
	}
}
