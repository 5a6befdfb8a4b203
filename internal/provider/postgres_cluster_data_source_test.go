package provider

import (
	"context"
	"fmt"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

func TestAccPostgresClusterDataSource(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	const byName, byID = "data.pgcloud_postgres_cluster.by_name", "data.pgcloud_postgres_cluster.by_id"
	const inProject = "data.pgcloud_postgres_cluster.in_project"

	// A name that two projects of the organization use: by name alone it
	// is ambiguous, with project_id it is not.
	ctx := context.Background()
	otherProject, err := env.Admin.CreateProject(ctx, env.OrgID, randomName("project"))
	if err != nil {
		t.Fatal(err)
	}
	shared := randomName("shared")
	here, err := env.Admin.AddCluster(ctx, env.ProjectID, shared, pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	there, err := env.Admin.AddCluster(ctx, otherProject, shared, pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	// A viewer of the default project alone cannot list the other project's
	// clusters (403): a search by name skips that project and finds one.
	admin := env.Client(env.AdminKey)
	viewer, err := admin.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("viewer")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.DeleteMachineUser(context.Background(), env.OrgID, viewer.ID) })
	if _, err := admin.CreateProjectRoleBinding(ctx, env.ProjectID, viewer.ID, client.RoleProjectViewer); err != nil {
		t.Fatal(err)
	}
	viewerKey, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, viewer.ID, client.AccessKeyCreate{Name: "viewer", ExpiresInDays: 1})
	if err != nil {
		t.Fatal(err)
	}

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		// Failing look-ups first: the last step's configuration is the one
		// the test destroys with, so it has to be valid.
		Steps: []acc.TestStep{
			{
				Config: fmt.Sprintf("data \"pgcloud_postgres_cluster\" \"this\" { name = %q }\n", shared),
				ExpectError: errorText(fmt.Sprintf(`2 clusters match name %q in organization %s: %s (in project %s), %s (in project %s). Set project_id to search one project, or look the cluster up by id.`,
					shared, env.OrgID, here, env.ProjectID, there, otherProject)),
			},
			{
				Config: fmt.Sprintf(`
provider "pgcloud" {
  access_key = %q
}

data "pgcloud_postgres_cluster" "visible" {
  name = %q
}
`, viewerKey.Secret, shared),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.pgcloud_postgres_cluster.visible", tfjsonpath.New("id"), knownvalue.StringExact(here)),
				},
			},
			{
				Config:      `data "pgcloud_postgres_cluster" "this" { name = "no-such-cluster" }`,
				ExpectError: errorText(fmt.Sprintf(`No project of organization %s that the provider's access key can read has a cluster named "no-such-cluster"`, env.OrgID)),
			},
			{
				Config:      fmt.Sprintf("data \"pgcloud_postgres_cluster\" \"this\" {\n  id         = %q\n  project_id = %q\n}\n", clusterID, env.ProjectID),
				ExpectError: errorText(`These attributes cannot be configured together: [id,project_id]`),
			},
			{
				Config:      fmt.Sprintf("data \"pgcloud_postgres_cluster\" \"this\" {\n  project_id = %q\n  name       = \"no-such-cluster\"\n}\n", env.ProjectID),
				ExpectError: errorText(fmt.Sprintf(`Project %s has no cluster named "no-such-cluster"`, env.ProjectID)),
			},
			{
				Config:      `data "pgcloud_postgres_cluster" "this" { id = "no-such-cluster-id" }`,
				ExpectError: errorText(`No cluster with id "no-such-cluster-id"`),
			},
			{
				Config: fmt.Sprintf(`
data "pgcloud_postgres_cluster" "by_name" {
  name = "acc"
}

data "pgcloud_postgres_cluster" "by_id" {
  id = %q
}

data "pgcloud_postgres_cluster" "in_project" {
  project_id = %q
  name       = %q
}
`, clusterID, otherProject, shared),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("id"), knownvalue.StringExact(clusterID)),
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("organization_id"), knownvalue.StringExact(env.OrgID)),
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("postgres_version"), knownvalue.StringRegexp(postgresVersion)),
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339UTC)),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("name"), knownvalue.StringExact("acc")),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("project_id"), knownvalue.StringExact(env.ProjectID)),
					statecheck.ExpectKnownValue(inProject, tfjsonpath.New("id"), knownvalue.StringExact(there)),
				},
			},
		},
	})
}
