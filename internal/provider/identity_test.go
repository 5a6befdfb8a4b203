package provider

import (
	"fmt"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// Every resource has an identity (Terraform 1.12+) that matches its state,
// and an import block with only that identity adopts the object: the
// identity after the import equals the one before (plugin-testing compares
// them), and the plan is empty except where the platform cannot read a value
// back (a key's generated-name inputs, a password).
func TestAccResourceIdentity_everyResourceImportsByIdentity(t *testing.T) {
	env := accEnv(t)
	clusterID, _ := testCluster(t)
	username, dbUser, dbRole := randomName("identity"), randomName("identity_db"), randomName("identity_role")
	config := fmt.Sprintf(`
resource "pgcloud_machine_user" "test" {
  username = %[1]q
}

resource "pgcloud_access_key" "test" {
  machine_user_id = pgcloud_machine_user.test.id
  name            = "identity"
  expires_in_days = 30
}

resource "pgcloud_machine_user_federated_credential" "test" {
  machine_user_id = pgcloud_machine_user.test.id
  name            = "identity"
  issuer          = "https://token.actions.githubusercontent.com"
  subject         = "repo:acme/identity:ref:refs/heads/main"
}

resource "pgcloud_org_role_binding" "test" {
  organization_id = %[2]q
  user_id         = pgcloud_machine_user.test.id
  role            = "org_admin"
}

resource "pgcloud_project_role_binding" "test" {
  project_id = %[3]q
  user_id    = pgcloud_machine_user.test.id
  role       = "project_viewer"
}

resource "pgcloud_postgres_cluster_user" "test" {
  cluster_id          = %[4]q
  username            = %[5]q
  password_wo         = "identity-password-1"
  password_wo_version = 1
}

resource "pgcloud_postgres_cluster_role" "test" {
  cluster_id = %[4]q
  name       = %[6]q
}
`, username, env.OrgID, env.ProjectID, clusterID, dbUser, dbRole)

	identityOf := map[string][]string{
		"pgcloud_machine_user.test":                      {"organization_id", "id"},
		"pgcloud_access_key.test":                        {"organization_id", "machine_user_id", "id"},
		"pgcloud_machine_user_federated_credential.test": {"organization_id", "machine_user_id", "id"},
		"pgcloud_org_role_binding.test":                  {"organization_id", "user_id", "role"},
		"pgcloud_project_role_binding.test":              {"project_id", "user_id", "role"},
		"pgcloud_postgres_cluster_user.test":             {"cluster_id", "username"},
		"pgcloud_postgres_cluster_role.test":             {"cluster_id", "name"},
	}
	var checks []statecheck.StateCheck
	for address, attrs := range identityOf {
		shape := map[string]knownvalue.Check{}
		for _, a := range attrs {
			shape[a] = knownvalue.NotNull()
			checks = append(checks, statecheck.ExpectIdentityValueMatchesState(address, tfjsonpath.New(a)))
		}
		checks = append(checks, statecheck.ExpectIdentity(address, shape))
	}
	checks = append(checks,
		statecheck.ExpectIdentityValue("pgcloud_machine_user.test", tfjsonpath.New("organization_id"), knownvalue.StringExact(env.OrgID)),
		statecheck.ExpectIdentityValue("pgcloud_postgres_cluster_user.test", tfjsonpath.New("username"), knownvalue.StringExact(dbUser)))

	steps := []acc.TestStep{{Config: config, ConfigStateChecks: checks}}
	for _, imp := range []struct {
		address string
		// What an import cannot read back, so the plan after it updates:
		// a database user's password.
		changes bool
	}{
		{"pgcloud_machine_user.test", false},
		{"pgcloud_access_key.test", false},
		{"pgcloud_machine_user_federated_credential.test", false},
		{"pgcloud_org_role_binding.test", false},
		{"pgcloud_project_role_binding.test", false},
		{"pgcloud_postgres_cluster_user.test", true},
		{"pgcloud_postgres_cluster_role.test", false},
	} {
		steps = append(steps, acc.TestStep{
			Config:             config,
			ResourceName:       imp.address,
			ImportState:        true,
			ImportStateKind:    acc.ImportBlockWithResourceIdentity,
			ExpectNonEmptyPlan: imp.changes,
		})
	}
	acc.Test(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy: acc.ComposeAggregateTestCheckFunc(checkMachineUsersDestroyed(env), checkAccessKeysDestroyed(env), checkFederatedCredentialsDestroyed(env),
			checkRoleBindingsDestroyed(env), checkClusterUsersDestroyed(env), checkClusterRolesDestroyed(env)),
		Steps: steps,
	})
}
