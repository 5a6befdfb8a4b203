package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

// The migration of the guide "Migrating existing users to Terraform", on
// examples/migrate as a user runs it: machine users, an access key, a role
// binding and a database user made by hand (through the API) are found by
// terraform query; -generate-config-out writes their import blocks and
// resources; the plan imports them all and changes nothing; the apply
// imports them; the plan after it is empty. A machine user outside the
// prefix is left alone, and the database user keeps its password.
func TestMigrateExample(t *testing.T) {
	needAcc(t)
	testenv.SkipBelowTerraform(t, testenv.TerraformBinary(t), tfversion.Version1_14_0)
	p := startPlatform(t)
	pg := startPostgres(t)
	clusterID := p.addCluster(t, pg, "legacy")
	api := p.API(t)
	ctx := context.Background()
	build, err := api.CreateMachineUser(ctx, p.OrgID, client.MachineUserCreate{Username: "ci-build"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateMachineUser(ctx, p.OrgID, client.MachineUserCreate{
		Username: "ci-deploy", Description: "made by hand", AccessTokenType: "jwt",
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateMachineUser(ctx, p.OrgID, client.MachineUserCreate{Username: "backup"}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateMachineUserAccessKey(ctx, p.OrgID, build.ID, client.AccessKeyCreate{Name: "build", ExpiresInDays: 90}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateOrgRoleBinding(ctx, p.OrgID, build.ID, client.RoleOrgAdmin); err != nil {
		t.Fatal(err)
	}
	const dbPassword = "made-by-hand-1"
	if _, err := api.CreateClusterUser(ctx, clusterID, client.ClusterUserCreate{Username: "legacy_app", Password: dbPassword}); err != nil {
		t.Fatal(err)
	}

	w := newWorkspace(t, filepath.Join(copyExamples(t), "migrate"), p)
	w.Env["TF_VAR_cluster_ids"] = fmt.Sprintf("[%q]", clusterID)
	w.must("init", "-input=false")
	found := w.must("query")
	for _, want := range []string{"ci-build", "ci-deploy", "build (active, expires ", "org_admin: ci-build (machine)", "legacy_app"} {
		if !strings.Contains(found, want) {
			t.Errorf("terraform query found no %q:\n%s", want, found)
		}
	}
	if strings.Contains(found, "backup") {
		t.Errorf("terraform query found the machine user outside the prefix:\n%s", found)
	}
	w.must("query", "-generate-config-out=generated.tf")
	if plan := w.must("plan", "-input=false"); !strings.Contains(plan, "Plan: 5 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("the plan of the generated configuration is not 5 imports and nothing else:\n%s", plan)
	}
	w.must("apply", "-input=false", "-auto-approve")
	if out, code := w.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Errorf("the plan after the imports exited %d, want 0 (no changes):\n%s", code, out)
	}
	if err := pg.ConnectAs(ctx, "legacy_app", dbPassword); err != nil {
		t.Errorf("the adopted database user lost its password: %v", err)
	}
}
