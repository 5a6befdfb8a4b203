package provider

import (
	"context"
	"fmt"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// Bindings of a project made by hand are found by user and by role, each
// named by its role and its user's username; with include_resource the
// result holds the state a Read builds, the project's organization
// included. A project that is not there is an error, not an empty list.
func TestAccProjectRoleBindingListResource_query(t *testing.T) {
	env := accEnv(t)
	api := env.Client(env.AdminKey)
	users := boundMachineUsers(t, []string{client.RoleProjectViewer, client.RoleProjectEditor}, func(userID, role string) error {
		_, err := api.CreateProjectRoleBinding(context.Background(), env.ProjectID, userID, role)
		return err
	})
	viewer, editor := users[0], users[1]
	identity := func(mu *client.MachineUser, role string) map[string]knownvalue.Check {
		return identityOf("project_id", env.ProjectID, "user_id", mu.ID, "role", role)
	}
	checks := []querycheck.QueryResultCheck{
		querycheck.ExpectLength("pgcloud_project_role_binding.of_user", 1),
		querycheck.ExpectIdentity("pgcloud_project_role_binding.viewers", identity(viewer, client.RoleProjectViewer)),
		querycheck.ExpectNoIdentity("pgcloud_project_role_binding.viewers", identity(editor, client.RoleProjectEditor)),
		expectState("pgcloud_project_role_binding.viewers", identity(viewer, client.RoleProjectViewer), map[string]knownvalue.Check{
			"id":              knownvalue.StringExact(env.ProjectID + "/" + viewer.ID + "/" + client.RoleProjectViewer),
			"binding_id":      knownvalue.NotNull(),
			"project_id":      knownvalue.StringExact(env.ProjectID),
			"organization_id": knownvalue.StringExact(env.OrgID),
			"user_id":         knownvalue.StringExact(viewer.ID),
			"role":            knownvalue.StringExact(client.RoleProjectViewer),
			"created_at":      knownvalue.StringRegexp(rfc3339Pattern),
			"timeouts":        knownvalue.Null(),
		}),
	}
	checks = append(checks, expectFound("pgcloud_project_role_binding.of_user", identity(editor, client.RoleProjectEditor),
		client.RoleProjectEditor+": "+editor.Username+" (machine)")...)
	acc.Test(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Query: true,
				Config: fmt.Sprintf(`
provider "pgcloud" {}

list "pgcloud_project_role_binding" "of_user" {
  provider = pgcloud
  config {
    project_id = %[1]q
    user_id    = %[2]q
  }
}

list "pgcloud_project_role_binding" "viewers" {
  provider         = pgcloud
  include_resource = true
  config {
    project_id = %[1]q
    role       = "project_viewer"
  }
}
`, env.ProjectID, editor.ID),
				QueryResultChecks: checks,
			},
			{
				Query: true,
				Config: `
provider "pgcloud" {}

list "pgcloud_project_role_binding" "nowhere" {
  provider = pgcloud
  config {
    project_id = "no-such-project"
  }
}
`,
				ExpectError: errorText("Could not list the role bindings of project no-such-project"),
			},
		},
	})
}

// The configuration terraform query generates for bindings of a project
// imports them with no change.
func TestAccProjectRoleBindingListResource_generatedConfigPlansNoChange(t *testing.T) {
	env := accEnv(t)
	skipBelowTerraform(t, tfversion.Version1_14_0)
	api := env.Client(env.AdminKey)
	users := boundMachineUsers(t, []string{client.RoleProjectViewer, client.RoleProjectEditor}, func(userID, role string) error {
		_, err := api.CreateProjectRoleBinding(context.Background(), env.ProjectID, userID, role)
		return err
	})
	cli := newTerraformDir(t)
	cli.write("main.tf", cliProviderConfig(env.URL, env.AdminKey))
	cli.adoptByQuery(fmt.Sprintf(`
list "pgcloud_project_role_binding" "first" {
  provider = pgcloud
  config {
    project_id = %[1]q
    user_id    = %[2]q
  }
}

list "pgcloud_project_role_binding" "second" {
  provider = pgcloud
  config {
    project_id = %[1]q
    user_id    = %[3]q
  }
}
`, env.ProjectID, users[0].ID, users[1].ID), 2)
}
