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
)

const projectRoleBindingAddress = "pgcloud_project_role_binding.test"

// projectRoleBindingConfig is a machine user "test" and a binding "test" of it
// on projectID with the given body.
func projectRoleBindingConfig(username, projectID, body string) string {
	return machineUserConfig(fmt.Sprintf("username = %q", username)) + fmt.Sprintf(`resource "pgcloud_project_role_binding" "test" {
  project_id = %q
  user_id    = pgcloud_machine_user.test.id
%s
}
`, projectID, body)
}

func expectProjectBinding(name string, value knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(projectRoleBindingAddress, tfjsonpath.New(name), value)
}

func TestAccProjectRoleBinding_lifecycle(t *testing.T) {
	env := accEnv(t)
	username := randomName("deployer")
	replaced := statecheck.CompareValue(compare.ValuesDiffer())
	var userID, bindingID string

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkRoleBindingsDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: projectRoleBindingConfig(username, env.ProjectID, `  role = "project_editor"`),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(projectRoleBindingAddress, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(projectRoleBindingAddress, tfjsonpath.New("organization_id"), knownvalue.StringExact(env.OrgID)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					replaced.AddStateValue(projectRoleBindingAddress, tfjsonpath.New("binding_id")),
					expectProjectBinding("project_id", knownvalue.StringExact(env.ProjectID)),
					expectProjectBinding("organization_id", knownvalue.StringExact(env.OrgID)),
					expectProjectBinding("role", knownvalue.StringExact("project_editor")),
					expectProjectBinding("created_at", knownvalue.StringRegexp(rfc3339UTC)),
				},
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources[projectRoleBindingAddress].Primary.Attributes
					userID, bindingID = a["user_id"], a["binding_id"]
					if a["id"] != env.ProjectID+"/"+userID+"/project_editor" {
						return fmt.Errorf("id %q", a["id"])
					}
					b, err := env.Client(env.AdminKey).GetProjectRoleBinding(context.Background(), env.ProjectID, bindingID)
					if err != nil {
						return err
					}
					if b.UserID != userID || b.Role != "project_editor" {
						return fmt.Errorf("server has %+v", b)
					}
					return nil
				},
			},
			{
				ResourceName:      projectRoleBindingAddress,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) {
					return env.ProjectID + "/" + userID + "/project_editor", nil
				},
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			// Unbound behind Terraform's back: a warning, and bound again.
			{
				PreConfig: func() {
					if err := env.Client(env.AdminKey).DeleteProjectRoleBinding(context.Background(), env.ProjectID, bindingID); err != nil {
						t.Fatalf("unbind behind Terraform's back: %v", err)
					}
				},
				Config: projectRoleBindingConfig(username, env.ProjectID, `  role = "project_editor"`),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(projectRoleBindingAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					replaced.AddStateValue(projectRoleBindingAddress, tfjsonpath.New("binding_id")),
				},
			},
			// Another role is another binding.
			{
				Config: projectRoleBindingConfig(username, env.ProjectID, `  role = "project_viewer"`),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(projectRoleBindingAddress, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					replaced.AddStateValue(projectRoleBindingAddress, tfjsonpath.New("binding_id")),
					expectProjectBinding("role", knownvalue.StringExact("project_viewer")),
				},
			},
		},
	})
}

// Bindings that break the platform's rules fail the plan, and the server
// sees no write.
func TestAccProjectRoleBinding_invalidInputFailsAtPlan(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	otherOrganization, err := env.Admin.CreateOrganization(ctx, randomName("org"))
	if err != nil {
		t.Fatal(err)
	}
	otherProject, err := env.Admin.CreateProject(ctx, otherOrganization, "elsewhere")
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
	binding := func(projectID, userID, role string) string {
		return fmt.Sprintf("resource \"pgcloud_project_role_binding\" \"test\" {\n  project_id = %q\n  user_id = %q\n  role = %q\n}\n", projectID, userID, role)
	}
	mark := env.WriteCount()

	acc.Test(t, acc.TestCase{ // not parallel: it counts the server's writes
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			// An organization role on a project: the error lists the project roles.
			{
				Config:      binding(env.ProjectID, me.User.ID, "org_owner"),
				ExpectError: errorText(`value must be one of: ["project_owner" "project_editor" "project_viewer"], got: "org_owner"`),
			},
			// A user of another organization on this organization's project.
			// The admin is project_owner of the default project already.
			{
				Config:      binding(env.ProjectID, me.User.ID, "project_owner"),
				ExpectError: errorText(fmt.Sprintf("To manage that binding with Terraform, import it: terraform import <address> %s/%s/project_owner", env.ProjectID, me.User.ID)),
			},
			{
				Config: binding(env.ProjectID, stranger, "project_viewer"),
				ExpectError: regexp.MustCompile(`(?s)User not in the organization.*` + regexp.QuoteMeta(fmt.Sprintf("%q", stranger)) +
					`\s+is\s+not\s+a\s+user\s+of\s+organization\s+` + env.OrgID + `.*A\s+user\s+belongs\s+to\s+exactly\s+one\s+organization`),
			},
			// A project of another organization.
			{
				Config:      binding(otherProject, me.User.ID, "project_viewer"),
				ExpectError: errorText(fmt.Sprintf("Project %q does not exist or is not in the organization of the provider's access key", otherProject)),
			},
			{
				Config:        binding(env.ProjectID, me.User.ID, "project_viewer"),
				ResourceName:  projectRoleBindingAddress,
				ImportState:   true,
				ImportStateId: env.ProjectID + "/" + me.User.ID + "/project_viewer/extra",
				ExpectError:   errorText(`Use "<project_id>/<user_id>/<role>"`),
			},
		},
	})

	if writes := env.Writes(mark); len(writes) > 0 {
		t.Errorf("invalid configurations reached the server: %v", writes)
	}
}

// The provider runs with the key of a machine user that is only project_owner
// of one project: it binds project roles on that project, and for everything
// else the server's explanation surfaces as the diagnostic.
func TestAccProjectRoleBinding_projectOwnerKey(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	admin := env.Client(env.AdminKey)
	projectID, err := env.Admin.CreateProject(ctx, env.OrgID, randomName("project"))
	if err != nil {
		t.Fatal(err)
	}
	owner, err := admin.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("project-owner")})
	if err != nil {
		t.Fatal(err)
	}
	target, err := admin.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("target")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = admin.DeleteMachineUser(context.Background(), env.OrgID, owner.ID)
		_ = admin.DeleteMachineUser(context.Background(), env.OrgID, target.ID)
	})
	ownerKey, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, owner.ID, client.AccessKeyCreate{Name: "terraform", ExpiresInDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Admin.BindProjectRole(ctx, owner.ID, projectID, "project_owner"); err != nil {
		t.Fatal(err)
	}

	base := fmt.Sprintf(`
provider "pgcloud" {
  access_key = %q
}

data "pgcloud_user" "target" {
  id = %q
}

resource "pgcloud_project_role_binding" "test" {
  project_id = %q
  user_id    = data.pgcloud_user.target.id
  role       = "project_viewer"
}
`, ownerKey.Secret, target.ID, projectID)
	denied := func(what string) *regexp.Regexp {
		return regexp.MustCompile(`(?s)` + what + `.*HTTP\s+403\s+PERMISSION_DENIED`)
	}

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkRoleBindingsDestroyed(env),
		Steps: []acc.TestStep{
			// What it can do: bind project roles on its own project.
			{
				Config: base,
				ConfigStateChecks: []statecheck.StateCheck{
					expectProjectBinding("user_id", knownvalue.StringExact(target.ID)),
					statecheck.ExpectKnownValue("data.pgcloud_user.target", tfjsonpath.New("type"), knownvalue.StringExact("machine")),
				},
				Check: func(*terraform.State) error {
					found, err := admin.ListProjectRoleBindings(ctx, projectID, client.RoleBindingFilter{UserID: target.ID})
					if err != nil || len(found) != 1 || found[0].Metadata.CreatedBy != owner.ID {
						return fmt.Errorf("bindings of the target: %v %+v", err, found)
					}
					return nil
				},
			},
			// What it cannot: create a machine user ...
			{
				Config: base + fmt.Sprintf(`
resource "pgcloud_machine_user" "denied" {
  username = %q
}
`, randomName("denied")),
				ExpectError: denied(`Could\s+not\s+create\s+machine\s+user.*org_owner`),
			},
			// ... an access key ...
			{
				Config: base + `
resource "pgcloud_access_key" "denied" {
  machine_user_id = data.pgcloud_user.target.id
  expires_in_days = 1
}
`,
				ExpectError: denied(`Could\s+not\s+create\s+access\s+key`),
			},
			// ... an organization role ...
			{
				Config: base + `
resource "pgcloud_org_role_binding" "denied" {
  user_id = data.pgcloud_user.target.id
  role    = "org_admin"
}
`,
				ExpectError: denied(`Could\s+not\s+bind\s+role\s+org_admin`),
			},
			// ... or a role on a project it does not own.
			{
				Config: base + fmt.Sprintf(`
resource "pgcloud_project_role_binding" "denied" {
  project_id = %q
  user_id    = data.pgcloud_user.target.id
  role       = "project_viewer"
}
`, env.ProjectID),
				ExpectError: denied(`Could\s+not\s+bind\s+role\s+project_viewer`),
			},
			{
				Config: base,
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}
