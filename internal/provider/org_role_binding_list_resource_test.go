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

// Bindings of the organization made by hand are found by user, by role and
// by both, each named by its role and its user's username; with
// include_resource the result holds the state a Read builds.
func TestAccOrgRoleBindingListResource_query(t *testing.T) {
	env := accEnv(t)
	api := env.Client(env.AdminKey)
	users := boundMachineUsers(t, []string{client.RoleOrgAdmin, client.RoleOrgOwner}, func(userID, role string) error {
		_, err := api.CreateOrgRoleBinding(context.Background(), env.OrgID, userID, role)
		return err
	})
	admin, owner := users[0], users[1]
	identity := func(mu *client.MachineUser, role string) map[string]knownvalue.Check {
		return identityOf("organization_id", env.OrgID, "user_id", mu.ID, "role", role)
	}
	checks := []querycheck.QueryResultCheck{
		querycheck.ExpectLength("pgcloud_org_role_binding.of_user", 1),
		querycheck.ExpectIdentity("pgcloud_org_role_binding.admins", identity(admin, client.RoleOrgAdmin)),
		querycheck.ExpectNoIdentity("pgcloud_org_role_binding.admins", identity(owner, client.RoleOrgOwner)),
		expectState("pgcloud_org_role_binding.admins", identity(admin, client.RoleOrgAdmin), map[string]knownvalue.Check{
			"id":              knownvalue.StringExact(env.OrgID + "/" + admin.ID + "/" + client.RoleOrgAdmin),
			"binding_id":      knownvalue.NotNull(),
			"organization_id": knownvalue.StringExact(env.OrgID),
			"user_id":         knownvalue.StringExact(admin.ID),
			"role":            knownvalue.StringExact(client.RoleOrgAdmin),
			"created_at":      knownvalue.StringRegexp(rfc3339Pattern),
			"timeouts":        knownvalue.Null(),
		}),
		querycheck.ExpectLength("pgcloud_org_role_binding.none", 0),
	}
	checks = append(checks, expectFound("pgcloud_org_role_binding.of_user", identity(owner, client.RoleOrgOwner),
		client.RoleOrgOwner+": "+owner.Username+" (machine)")...)
	acc.Test(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Query: true,
				Config: fmt.Sprintf(`
provider "pgcloud" {}

list "pgcloud_org_role_binding" "of_user" {
  provider = pgcloud
  config {
    user_id = %[1]q
  }
}

list "pgcloud_org_role_binding" "admins" {
  provider         = pgcloud
  include_resource = true
  config {
    organization_id = %[2]q
    role            = "org_admin"
  }
}

list "pgcloud_org_role_binding" "none" {
  provider = pgcloud
  config {
    user_id = %[1]q
    role    = "org_admin"
  }
}
`, owner.ID, env.OrgID),
				QueryResultChecks: checks,
			},
			{
				Query: true,
				Config: `
provider "pgcloud" {}

list "pgcloud_org_role_binding" "wrong_scope" {
  provider = pgcloud
  config {
    role = "project_viewer"
  }
}
`,
				ExpectError: errorText(`value must be one of: ["org_owner" "org_admin"]`),
			},
		},
	})
}

// The configuration terraform query generates for bindings of the
// organization imports them with no change.
func TestAccOrgRoleBindingListResource_generatedConfigPlansNoChange(t *testing.T) {
	env := accEnv(t)
	skipBelowTerraform(t, tfversion.Version1_14_0)
	api := env.Client(env.AdminKey)
	users := boundMachineUsers(t, []string{client.RoleOrgAdmin, client.RoleOrgOwner}, func(userID, role string) error {
		_, err := api.CreateOrgRoleBinding(context.Background(), env.OrgID, userID, role)
		return err
	})
	cli := newTerraformDir(t)
	cli.write("main.tf", cliProviderConfig(env.URL, env.AdminKey))
	cli.adoptByQuery(fmt.Sprintf(`
list "pgcloud_org_role_binding" "first" {
  provider = pgcloud
  config {
    user_id = %q
  }
}

list "pgcloud_org_role_binding" "second" {
  provider = pgcloud
  config {
    user_id = %q
  }
}
`, users[0].ID, users[1].ID), 2)
}
