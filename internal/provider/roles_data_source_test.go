package provider

import (
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccRolesDataSource(t *testing.T) {
	accEnv(t)
	names := func(roles ...string) knownvalue.Check {
		checks := make([]knownvalue.Check, len(roles))
		for i, r := range roles {
			checks[i] = knownvalue.StringExact(r)
		}
		return knownvalue.ListExact(checks)
	}
	role := func(name, scope string) knownvalue.Check {
		return knownvalue.ObjectPartial(map[string]knownvalue.Check{
			"name":        knownvalue.StringExact(name),
			"scope":       knownvalue.StringExact(scope),
			"description": knownvalue.NotNull(),
		})
	}

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Config: `
data "pgcloud_roles" "bad" {
  scope = "cluster"
}
`,
				ExpectError: errorText(`value must be one of: ["organization" "project"]`),
			},
			{
				Config: `
data "pgcloud_roles" "all" {}

data "pgcloud_roles" "project" {
  scope = "project"
}

data "pgcloud_roles" "organization" {
  scope = "organization"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.pgcloud_roles.all", tfjsonpath.New("names"),
						knownvalue.SetExact([]knownvalue.Check{
							knownvalue.StringExact("org_owner"), knownvalue.StringExact("org_admin"),
							knownvalue.StringExact("project_owner"), knownvalue.StringExact("project_editor"), knownvalue.StringExact("project_viewer"),
						})),
					statecheck.ExpectKnownValue("data.pgcloud_roles.project", tfjsonpath.New("names"),
						names("project_owner", "project_editor", "project_viewer")),
					statecheck.ExpectKnownValue("data.pgcloud_roles.organization", tfjsonpath.New("names"), names("org_owner", "org_admin")),
					statecheck.ExpectKnownValue("data.pgcloud_roles.organization", tfjsonpath.New("roles"),
						knownvalue.ListExact([]knownvalue.Check{role("org_owner", "organization"), role("org_admin", "organization")})),
				},
			},
		},
	})
}
