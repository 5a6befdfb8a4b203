package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccMachineUserDataSource(t *testing.T) {
	env := accEnv(t)
	username := randomName("ci")
	config := machineUserConfig(fmt.Sprintf(`
  username    = %q
  name        = "Deploy bot"
  description = "Deploys from CI"
  email       = "ci@example.com"`, username)) + `
data "pgcloud_machine_user" "by_username" {
  username = pgcloud_machine_user.test.username
}

data "pgcloud_machine_user" "by_id" {
  id              = pgcloud_machine_user.test.id
  organization_id = pgcloud_machine_user.test.organization_id
}
`
	// Both look-ups see exactly what the resource manages.
	var sameAsResource []statecheck.StateCheck
	for _, dataSource := range []string{"data.pgcloud_machine_user.by_username", "data.pgcloud_machine_user.by_id"} {
		for _, attribute := range []string{"id", "organization_id", "username", "name", "description", "email", "access_token_type", "created_at", "updated_at"} {
			sameAsResource = append(sameAsResource, statecheck.CompareValuePairs(
				machineUserAddress, tfjsonpath.New(attribute),
				dataSource, tfjsonpath.New(attribute),
				compare.ValuesSame()))
		}
	}

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkMachineUsersDestroyed(env),
		// Failing look-ups first: the last step's configuration is the one
		// the test destroys with, so it has to be valid.
		Steps: []acc.TestStep{
			{
				Config:      `data "pgcloud_machine_user" "this" { username = "no-such-machine-user" }`,
				ExpectError: errorText(fmt.Sprintf(`Organization %s has no machine user with username "no-such-machine-user"`, env.OrgID)),
			},
			{
				Config:      `data "pgcloud_machine_user" "this" { id = "no-such-id" }`,
				ExpectError: errorText(`has no machine user with id "no-such-id"`),
			},
			{
				Config:      `data "pgcloud_machine_user" "this" {}`,
				ExpectError: errorText(`Exactly one of these attributes must be configured: [id,username]`),
			},
			{
				Config:            config,
				ConfigStateChecks: sameAsResource,
			},
		},
	})
}
