package provider

import (
	"context"
	"fmt"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// A machine user deleted outside Terraform takes its keys and bindings with
// it. Neither a plan nor a destroy may then fail on the resources that
// referred to it: they are dropped from state with a warning, and a destroy
// ends with nothing left.
func TestAccGoneParents_destroy(t *testing.T) {
	env := accEnv(t)
	username := randomName("gone")
	config := machineUserConfig(fmt.Sprintf("username = %q", username)) + fmt.Sprintf(`
resource "pgcloud_access_key" "test" {
  machine_user_id = pgcloud_machine_user.test.id
  expires_in_days = 7
}

resource "pgcloud_org_role_binding" "test" {
  user_id = pgcloud_machine_user.test.id
  role    = "org_admin"
}

resource "pgcloud_project_role_binding" "test" {
  project_id = %q
  user_id    = pgcloud_machine_user.test.id
  role       = "project_viewer"
}
`, env.ProjectID)
	var userID string
	deleteUser := func() {
		if err := env.Client(env.AdminKey).DeleteMachineUser(context.Background(), env.OrgID, userID); err != nil {
			t.Fatal(err)
		}
	}
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkRoleBindingsDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					userID = s.RootModule().Resources["pgcloud_machine_user.test"].Primary.ID
					return nil
				},
			},
			{
				PreConfig: deleteUser,
				Config:    config,
				Destroy:   true,
			},
		},
	})
}

// The same with the machine user made elsewhere (its id written in the
// configuration, as a module's input would be).
func TestAccGoneParents_destroyWithExternalUser(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	mu, err := env.Client(env.AdminKey).CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("external")})
	if err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`
resource "pgcloud_access_key" "test" {
  machine_user_id = %[1]q
  expires_in_days = 7
}

resource "pgcloud_org_role_binding" "test" {
  user_id = %[1]q
  role    = "org_admin"
}

resource "pgcloud_project_role_binding" "test" {
  project_id = %[2]q
  user_id    = %[1]q
  role       = "project_viewer"
}
`, mu.ID, env.ProjectID)
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkRoleBindingsDestroyed(env),
		Steps: []acc.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					if err := env.Client(env.AdminKey).DeleteMachineUser(ctx, env.OrgID, mu.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config:  config,
				Destroy: true,
			},
		},
	})
}
