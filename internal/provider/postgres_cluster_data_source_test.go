package provider

import (
	"fmt"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccPostgresClusterDataSource(t *testing.T) {
	env := accEnv(t)
	clusterID, _ := testCluster(t)
	const byName, byID = "data.pgcloud_postgres_cluster.by_name", "data.pgcloud_postgres_cluster.by_id"

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		// Failing look-ups first: the last step's configuration is the one
		// the test destroys with, so it has to be valid.
		Steps: []acc.TestStep{
			{
				Config:      `data "pgcloud_postgres_cluster" "this" { name = "acc" }`,
				ExpectError: errorText(`These attributes must be configured together: [name,project_id]`),
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
  project_id = %q
  name       = "acc"
}

data "pgcloud_postgres_cluster" "by_id" {
  id = %q
}
`, env.ProjectID, clusterID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("id"), knownvalue.StringExact(clusterID)),
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("organization_id"), knownvalue.StringExact(env.OrgID)),
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("postgres_version"), knownvalue.StringRegexp(postgresVersion)),
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339UTC)),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("name"), knownvalue.StringExact("acc")),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("project_id"), knownvalue.StringExact(env.ProjectID)),
				},
			},
		},
	})
}
