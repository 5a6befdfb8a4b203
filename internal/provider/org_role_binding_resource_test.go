package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

const orgRoleBindingAddress = "pgcloud_org_role_binding.test"

// orgRoleBindingConfig is a machine user "test" and a binding "test" of it
// with the given body.
func orgRoleBindingConfig(username, body string) string {
	return machineUserConfig(fmt.Sprintf("username = %q", username)) +
		"resource \"pgcloud_org_role_binding\" \"test\" {\n  user_id = pgcloud_machine_user.test.id\n" + body + "\n}\n"
}

func expectOrgBinding(name string, value knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(orgRoleBindingAddress, tfjsonpath.New(name), value)
}

// checkRoleBindingsDestroyed asks the API whether every binding (of either
// kind) the test had in state is gone.
func checkRoleBindingsDestroyed(env *testenv.Env) func(*terraform.State) error {
	return func(s *terraform.State) error {
		ctx := context.Background()
		api := env.Client(env.AdminKey)
		for _, rs := range s.RootModule().Resources {
			a := rs.Primary.Attributes
			var err error
			switch rs.Type {
			case "pgcloud_org_role_binding":
				_, err = api.GetOrgRoleBinding(ctx, a["organization_id"], a["binding_id"])
			case "pgcloud_project_role_binding":
				_, err = api.GetProjectRoleBinding(ctx, a["project_id"], a["binding_id"])
			default:
				continue
			}
			if err == nil {
				return fmt.Errorf("%s %s still exists after destroy", rs.Type, rs.Primary.ID)
			}
			if !client.IsNotFound(err) {
				return fmt.Errorf("check %s %s is gone: %w", rs.Type, rs.Primary.ID, err)
			}
		}
		return checkMachineUsersDestroyed(env)(s)
	}
}

func TestAccOrgRoleBinding_lifecycle(t *testing.T) {
	env := accEnv(t)
	username := randomName("auditor")
	replaced := statecheck.CompareValue(compare.ValuesDiffer())
	var userID, bindingID string

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkRoleBindingsDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: orgRoleBindingConfig(username, `  role = "org_admin"`),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(orgRoleBindingAddress, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(orgRoleBindingAddress, tfjsonpath.New("organization_id"), knownvalue.StringExact(env.OrgID)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					replaced.AddStateValue(orgRoleBindingAddress, tfjsonpath.New("binding_id")),
					expectOrgBinding("organization_id", knownvalue.StringExact(env.OrgID)),
					expectOrgBinding("role", knownvalue.StringExact("org_admin")),
					expectOrgBinding("binding_id", knownvalue.NotNull()),
					expectOrgBinding("created_at", knownvalue.StringRegexp(rfc3339UTC)),
				},
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources[orgRoleBindingAddress].Primary.Attributes
					userID, bindingID = a["user_id"], a["binding_id"]
					if a["id"] != env.OrgID+"/"+userID+"/org_admin" {
						return fmt.Errorf("id %q", a["id"])
					}
					b, err := env.Client(env.AdminKey).GetOrgRoleBinding(context.Background(), env.OrgID, bindingID)
					if err != nil {
						return err
					}
					if b.UserID != userID || b.Role != "org_admin" {
						return fmt.Errorf("server has %+v", b)
					}
					return nil
				},
			},
			{
				ResourceName:      orgRoleBindingAddress,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) {
					return env.OrgID + "/" + userID + "/org_admin", nil
				},
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			// Unbound behind Terraform's back: a warning, and bound again.
			{
				PreConfig: func() {
					if err := env.Client(env.AdminKey).DeleteOrgRoleBinding(context.Background(), env.OrgID, bindingID); err != nil {
						t.Fatalf("unbind behind Terraform's back: %v", err)
					}
				},
				Config: orgRoleBindingConfig(username, `  role = "org_admin"`),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(orgRoleBindingAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					replaced.AddStateValue(orgRoleBindingAddress, tfjsonpath.New("binding_id")),
				},
			},
			// Another role is another binding.
			{
				Config: orgRoleBindingConfig(username, fmt.Sprintf("  role = \"org_owner\"\n  organization_id = %q", env.OrgID)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(orgRoleBindingAddress, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					replaced.AddStateValue(orgRoleBindingAddress, tfjsonpath.New("binding_id")),
					expectOrgBinding("role", knownvalue.StringExact("org_owner")),
				},
			},
		},
	})
}

// Bindings that break the platform's rules fail the plan, and the server
// sees no write.
func TestAccOrgRoleBinding_invalidInputFailsAtPlan(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	otherOrganization, err := env.Admin.CreateOrganization(ctx, randomName("org"))
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := env.Admin.CreateHumanUser(ctx, otherOrganization, randomName("stranger")+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	me, err := env.Client(env.AdminKey).WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	binding := func(body string) string {
		return "resource \"pgcloud_org_role_binding\" \"test\" {\n" + body + "\n}\n"
	}
	mark := env.WriteCount()

	acc.Test(t, acc.TestCase{ // not parallel: it counts the server's writes
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Config:      binding(fmt.Sprintf("user_id = %q\nrole = \"project_owner\"", me.User.ID)),
				ExpectError: errorText(`value must be one of: ["org_owner" "org_admin"]`),
			},
			// The admin is org_owner already (bootstrap): adopt, don't bind.
			{
				Config: binding(fmt.Sprintf("user_id = %q\nrole = \"org_owner\"", me.User.ID)),
				ExpectError: errorText(fmt.Sprintf("already has role org_owner on organization %s", env.OrgID) +
					fmt.Sprintf(" (binding %s). To manage that binding with Terraform, import it: terraform import <address> %s/%s/org_owner",
						bindingOf(t, env, me.User.ID, "org_owner"), env.OrgID, me.User.ID)),
			},
			{
				Config: binding(fmt.Sprintf("user_id = %q\nrole = \"org_admin\"", stranger)),
				ExpectError: regexp.MustCompile(`(?s)User not in the organization.*` +
					regexp.QuoteMeta(fmt.Sprintf("%q", stranger)) + `\s+is\s+not\s+a\s+user\s+of\s+organization\s+` + env.OrgID),
			},
			{
				Config:      binding(fmt.Sprintf("user_id = %q\nrole = \"org_admin\"\norganization_id = %q", stranger, otherOrganization)),
				ExpectError: errorText(fmt.Sprintf("Organization %q does not exist or is not visible", otherOrganization)),
			},
			{
				Config:        binding(fmt.Sprintf("user_id = %q\nrole = \"org_admin\"", me.User.ID)),
				ResourceName:  orgRoleBindingAddress,
				ImportState:   true,
				ImportStateId: env.OrgID + "/" + me.User.ID,
				ExpectError:   errorText(`Use "<organization_id>/<user_id>/<role>"`),
			},
			// A project role is no organization role: the import ID is
			// refused as such, not read and failed with a 422.
			{
				Config:        binding(fmt.Sprintf("user_id = %q\nrole = \"org_admin\"", me.User.ID)),
				ResourceName:  orgRoleBindingAddress,
				ImportState:   true,
				ImportStateId: env.OrgID + "/" + me.User.ID + "/project_viewer",
				ExpectError:   errorText(`Use "<organization_id>/<user_id>/<role>", where role is one of org_owner, org_admin.`),
			},
		},
	})

	if writes := env.Writes(mark); len(writes) > 0 {
		t.Errorf("invalid configurations reached the server: %v", writes)
	}
}

// The last org_owner cannot be unbound: the server's explanation surfaces.
func TestAccOrgRoleBinding_lastOwnerStays(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	orgID, err := env.Admin.CreateOrganization(ctx, randomName("org"))
	if err != nil {
		t.Fatal(err)
	}
	owner, err := env.Admin.CreateHumanUser(ctx, orgID, randomName("owner")+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Admin.BindOrgRole(ctx, owner, orgID, "org_owner"); err != nil {
		t.Fatal(err)
	}
	ownerKey, err := env.Admin.CreateAccessKey(ctx, owner, 1)
	if err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`
provider "pgcloud" {
  access_key = %q
}

resource "pgcloud_org_role_binding" "test" {
  user_id = %q
  role    = "org_owner"
}
`, ownerKey, owner)

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			// Adopt the existing binding ...
			{
				Config:             config,
				ResourceName:       orgRoleBindingAddress,
				ImportState:        true,
				ImportStateId:      orgID + "/" + owner + "/org_owner",
				ImportStatePersist: true,
			},
			// ... and try to remove it.
			{
				Config:      fmt.Sprintf("provider \"pgcloud\" {\n  access_key = %q\n}\n", ownerKey),
				ExpectError: regexp.MustCompile(`(?s)Could\s+not\s+unbind\s+role\s+org_owner.*HTTP\s+409\s+LAST_OWNER`),
			},
			// Forget it without unbinding, so the organization keeps its owner.
			{
				Config: fmt.Sprintf("provider \"pgcloud\" {\n  access_key = %q\n}\n", ownerKey) + `
removed {
  from = pgcloud_org_role_binding.test
  lifecycle {
    destroy = false
  }
}
`,
				Check: func(*terraform.State) error {
					owners, err := env.Client(ownerKey).ListOrgRoleBindings(context.Background(), orgID, client.RoleBindingFilter{Role: "org_owner"})
					if err != nil || len(owners) != 1 || owners[0].UserID != owner {
						return fmt.Errorf("the organization's owners: %v %+v", err, owners)
					}
					return nil
				},
			},
		},
	})
}

// bindingOf is the id of user's organization binding of role.
func bindingOf(t *testing.T, env *testenv.Env, userID, role string) string {
	t.Helper()
	found, err := env.Client(env.AdminKey).ListOrgRoleBindings(context.Background(), env.OrgID, client.RoleBindingFilter{UserID: userID, Role: role})
	if err != nil || len(found) != 1 {
		t.Fatalf("the %s binding of %s: %v %v", role, userID, found, err)
	}
	return found[0].ID
}
