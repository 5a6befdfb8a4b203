package provider

import (
	"context"
	"fmt"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccProjectDataSource(t *testing.T) {
	env := accEnv(t)
	projectName := randomName("project")
	projectID, err := env.Admin.CreateProject(context.Background(), env.OrgID, projectName)
	if err != nil {
		t.Fatal(err)
	}
	const byName, byID = "data.pgcloud_project.by_name", "data.pgcloud_project.by_id"

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		// Failing look-ups first: the last step's configuration is the one
		// the test destroys with, so it has to be valid.
		Steps: []acc.TestStep{
			{
				Config:      `data "pgcloud_project" "this" { name = "no-such-project" }`,
				ExpectError: errorText(fmt.Sprintf(`Organization %s has no project named "no-such-project"`, env.OrgID)),
			},
			{
				Config:      `data "pgcloud_project" "this" { id = "00000000-0000-4000-8000-000000000000" }`,
				ExpectError: errorText(`No project with id "00000000-0000-4000-8000-000000000000"`),
			},
			{
				Config: fmt.Sprintf(`
data "pgcloud_project" "this" {
  id   = %q
  name = "default"
}
`, env.ProjectID),
				ExpectError: errorText(`Exactly one of these attributes must be configured: [id,name]`),
			},
			{
				Config:      `data "pgcloud_project" "this" {}`,
				ExpectError: errorText(`Exactly one of these attributes must be configured: [id,name]`),
			},
			{
				Config: fmt.Sprintf(`
data "pgcloud_project" "by_name" {
  name = %q
}

data "pgcloud_project" "by_id" {
  id              = %q
  organization_id = %q
}
`, projectName, env.ProjectID, env.OrgID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("id"), knownvalue.StringExact(projectID)),
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("organization_id"), knownvalue.StringExact(env.OrgID)),
					statecheck.ExpectKnownValue(byName, tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339UTC)),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("name"), knownvalue.StringExact("default")),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("organization_id"), knownvalue.StringExact(env.OrgID)),
				},
			},
		},
	})
}
