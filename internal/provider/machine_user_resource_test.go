package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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

const machineUserAddress = "pgcloud_machine_user.test"

// rfc3339UTC matches the *_at attributes.
var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

// machineUserConfig is a pgcloud_machine_user "test" with the given body.
func machineUserConfig(body string) string {
	return "resource \"pgcloud_machine_user\" \"test\" {\n" + body + "\n}\n"
}

// checkMachineUsersDestroyed asks the API whether every machine user the test
// had in state is gone.
func checkMachineUsersDestroyed(env *testenv.Env) func(*terraform.State) error {
	return func(s *terraform.State) error {
		api := env.Client(env.AdminKey)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "pgcloud_machine_user" {
				continue
			}
			_, err := api.GetMachineUser(context.Background(), rs.Primary.Attributes["organization_id"], rs.Primary.ID)
			if err == nil {
				return fmt.Errorf("machine user %s still exists after destroy", rs.Primary.ID)
			}
			if !client.IsNotFound(err) {
				return fmt.Errorf("check machine user %s is gone: %w", rs.Primary.ID, err)
			}
		}
		return nil
	}
}

// machineUserOnServer checks the machine user in state against what the API
// says, so the tests prove more than the provider agreeing with itself.
func machineUserOnServer(env *testenv.Env, check func(*client.MachineUser) error) acc.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[machineUserAddress]
		if !ok {
			return fmt.Errorf("%s not in state", machineUserAddress)
		}
		mu, err := env.Client(env.AdminKey).GetMachineUser(context.Background(), rs.Primary.Attributes["organization_id"], rs.Primary.ID)
		if err != nil {
			return err
		}
		return check(mu)
	}
}

func expectAttribute(name string, value knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(machineUserAddress, tfjsonpath.New(name), value)
}

func TestAccMachineUser_lifecycle(t *testing.T) {
	env := accEnv(t)
	username := randomName("ci")
	renamed := username + "-renamed"
	sameID := statecheck.CompareValue(compare.ValuesSame())

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkMachineUsersDestroyed(env),
		Steps: []acc.TestStep{
			// Create with the username only: the plan already shows the
			// defaults, including the real organization and name.
			{
				Config: machineUserConfig(fmt.Sprintf(`username = %q`, username)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(machineUserAddress, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(machineUserAddress, tfjsonpath.New("organization_id"), knownvalue.StringExact(env.OrgID)),
					plancheck.ExpectKnownValue(machineUserAddress, tfjsonpath.New("name"), knownvalue.StringExact(username)),
					plancheck.ExpectUnknownValue(machineUserAddress, tfjsonpath.New("id")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(machineUserAddress, tfjsonpath.New("id")),
					expectAttribute("id", knownvalue.NotNull()),
					expectAttribute("organization_id", knownvalue.StringExact(env.OrgID)),
					expectAttribute("username", knownvalue.StringExact(username)),
					expectAttribute("name", knownvalue.StringExact(username)),
					expectAttribute("description", knownvalue.StringExact("")),
					expectAttribute("email", knownvalue.Null()),
					expectAttribute("access_token_type", knownvalue.StringExact("bearer")),
					expectAttribute("created_at", knownvalue.StringRegexp(rfc3339UTC)),
					expectAttribute("updated_at", knownvalue.StringRegexp(rfc3339UTC)),
				},
				Check: machineUserOnServer(env, func(mu *client.MachineUser) error {
					if mu.Username != username || mu.Name != username || mu.AccessTokenType != "bearer" || mu.Email != "" {
						return fmt.Errorf("server has %+v", mu)
					}
					return nil
				}),
			},
			// Change everything updatable, in place; the name follows the
			// username because it is still not configured.
			{
				Config: machineUserConfig(fmt.Sprintf(`
  username          = %q
  description       = "Deploys from CI"
  email             = "ci@example.com"
  access_token_type = "jwt"`, renamed)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(machineUserAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(machineUserAddress, tfjsonpath.New("name"), knownvalue.StringExact(renamed)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(machineUserAddress, tfjsonpath.New("id")),
					expectAttribute("username", knownvalue.StringExact(renamed)),
					expectAttribute("name", knownvalue.StringExact(renamed)),
					expectAttribute("description", knownvalue.StringExact("Deploys from CI")),
					expectAttribute("email", knownvalue.StringExact("ci@example.com")),
					expectAttribute("access_token_type", knownvalue.StringExact("jwt")),
				},
				Check: machineUserOnServer(env, func(mu *client.MachineUser) error {
					if mu.Name != renamed || mu.Email != "ci@example.com" || mu.AccessTokenType != "jwt" || mu.Metadata.Sequence < 2 {
						return fmt.Errorf("server has %+v", mu)
					}
					return nil
				}),
			},
			// A configured name stops following the username; removing
			// description and email clears them on the server.
			{
				Config: machineUserConfig(fmt.Sprintf(`
  username          = %q
  name              = "Deploy bot"
  access_token_type = "jwt"`, renamed)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(machineUserAddress, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(machineUserAddress, tfjsonpath.New("id")),
					expectAttribute("name", knownvalue.StringExact("Deploy bot")),
					expectAttribute("description", knownvalue.StringExact("")),
					expectAttribute("email", knownvalue.Null()),
				},
				Check: machineUserOnServer(env, func(mu *client.MachineUser) error {
					if mu.Name != "Deploy bot" || mu.Description != "" || mu.Email != "" {
						return fmt.Errorf("server has %+v", mu)
					}
					return nil
				}),
			},
			// Import by "<id>" ...
			{
				ResourceName:      machineUserAddress,
				ImportState:       true,
				ImportStateVerify: true,
			},
			// ... and by "<organization_id>/<id>".
			{
				ResourceName: machineUserAddress,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					rs := s.RootModule().Resources[machineUserAddress]
					return rs.Primary.Attributes["organization_id"] + "/" + rs.Primary.ID, nil
				},
				ImportStateVerify: true,
			},
			// Without a configured name, the name returns to the username.
			{
				Config: machineUserConfig(fmt.Sprintf(`
  username          = %q
  access_token_type = "jwt"`, renamed)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(machineUserAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(machineUserAddress, tfjsonpath.New("name"), knownvalue.StringExact(renamed)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(machineUserAddress, tfjsonpath.New("id")),
					expectAttribute("name", knownvalue.StringExact(renamed)),
				},
			},
		},
	})
}

func TestAccMachineUser_callerChosenID(t *testing.T) {
	env := accEnv(t)
	firstID := randomName("mu")
	secondID := randomName("mu")
	username := randomName("ci")

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkMachineUsersDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: machineUserConfig(fmt.Sprintf("id = %q\nusername = %q", firstID, username)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(machineUserAddress, tfjsonpath.New("id"), knownvalue.StringExact(firstID)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectAttribute("id", knownvalue.StringExact(firstID)),
				},
				Check: machineUserOnServer(env, func(mu *client.MachineUser) error {
					if mu.ID != firstID {
						return fmt.Errorf("server has id %q, want %q", mu.ID, firstID)
					}
					return nil
				}),
			},
			// A different id is a different machine user: replaced, not updated.
			{
				Config: machineUserConfig(fmt.Sprintf("id = %q\nusername = %q", secondID, username)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(machineUserAddress, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectAttribute("id", knownvalue.StringExact(secondID)),
				},
				Check: func(*terraform.State) error {
					_, err := env.Client(env.AdminKey).GetMachineUser(context.Background(), env.OrgID, firstID)
					if !client.IsNotFound(err) {
						return fmt.Errorf("the replaced machine user %s should be gone, got %v", firstID, err)
					}
					return nil
				},
			},
		},
	})
}

// A machine user never moves between organizations. An organization only
// known at apply time may differ from the current one, so the plan replaces.
func TestAccMachineUser_unknownOrganizationReplaces(t *testing.T) {
	env := accEnv(t)
	username := randomName("ci")
	differentID := statecheck.CompareValue(compare.ValuesDiffer())

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkMachineUsersDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: machineUserConfig(fmt.Sprintf("username = %q", username)),
				ConfigStateChecks: []statecheck.StateCheck{
					differentID.AddStateValue(machineUserAddress, tfjsonpath.New("id")),
				},
			},
			{
				Config: fmt.Sprintf(`
resource "terraform_data" "organization" {
  input = %q
}
`, env.OrgID) + machineUserConfig(fmt.Sprintf("username = %q\norganization_id = terraform_data.organization.output", username)),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(machineUserAddress, tfjsonpath.New("organization_id")),
					plancheck.ExpectResourceAction(machineUserAddress, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					differentID.AddStateValue(machineUserAddress, tfjsonpath.New("id")),
					expectAttribute("organization_id", knownvalue.StringExact(env.OrgID)),
				},
			},
		},
	})
}

// Moving to an organization the caller cannot create machine users in fails
// at plan time, before the replacement deletes the machine user.
func TestAccMachineUser_organizationChangeCheckedAtPlan(t *testing.T) {
	env := accEnv(t)
	otherOrganization, err := env.Admin.CreateOrganization(context.Background(), randomName("org"))
	if err != nil {
		t.Fatal(err)
	}
	username := randomName("ci")
	config := machineUserConfig(fmt.Sprintf("username = %q", username))
	var mark int

	acc.Test(t, acc.TestCase{ // not parallel: it counts the server's writes
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkMachineUsersDestroyed(env),
		Steps: []acc.TestStep{
			{Config: config},
			{
				PreConfig:   func() { mark = env.WriteCount() },
				Config:      machineUserConfig(fmt.Sprintf("username = %q\norganization_id = %q", username, otherOrganization)),
				ExpectError: errorText(fmt.Sprintf("Organization %q does not exist or is not visible", otherOrganization)),
			},
			{
				// The same move by the provider's default organization:
				// nothing in the machine user's own configuration changed.
				Config:      fmt.Sprintf("provider \"pgcloud\" {\n  organization_id = %q\n}\n", otherOrganization) + config,
				ExpectError: errorText(fmt.Sprintf("Organization %q does not exist or is not visible", otherOrganization)),
			},
			{
				PreConfig: func() {
					if writes := env.Writes(mark); len(writes) > 0 {
						t.Errorf("the failed plan wrote to the server: %v", writes)
					}
				},
				Config: config,
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

func TestAccMachineUser_invalidInputFailsAtPlan(t *testing.T) {
	env := accEnv(t)
	invalid := func(body string, want *regexp.Regexp) acc.TestStep {
		return acc.TestStep{Config: machineUserConfig(body), ExpectError: want}
	}
	mark := env.WriteCount()

	acc.Test(t, acc.TestCase{ // not parallel: it counts the server's writes
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			invalid(`username = "ci deployer"`, errorText("must not contain whitespace")),
			invalid(`username = "ci+deployer"`, errorText("must not contain whitespace, control or invisible formatting characters, or the characters '+', '=' and '@'")),
			invalid(`username = "ci@example.com"`, errorText("must not contain whitespace, control or invisible formatting characters, or the characters '+', '=' and '@'")),
			// A zero-width space: "ci​deployer" looks like "cideployer".
			invalid("username = \"ci\u200bdeployer\"", errorText("must not contain whitespace, control or invisible formatting characters")),
			// A right-to-left override hides what follows it.
			invalid("username = \"ci\u202edeployer\"", errorText("must not contain whitespace, control or invisible formatting characters")),
			invalid(`username = ""`, errorText("must be between 1 and 200")),
			invalid(fmt.Sprintf("username = %q", strings.Repeat("u", 201)), errorText("must be between 1 and 200")),
			invalid(fmt.Sprintf("username = \"ci\"\ndescription = %q", strings.Repeat("d", 501)), errorText("must be at most 500")),
			invalid(`username = "ci"
email = "ci at example.com"`, errorText("is not a valid email address")),
			invalid(`username = "ci"
email = ""`, errorText("To leave the email unset, remove the attribute")),
			invalid(`username = "ci"
access_token_type = "opaque"`, errorText(`value must be one of: ["bearer" "jwt"]`)),
			invalid(`username = "ci"
id = "ci/deployer"`, errorText("may contain only letters, digits, '.', '_' and '-'")),
			invalid(`username = "ci"
id = ".."`, errorText(`value must be none of: ["." ".."]`)),
			invalid("username = \"ci\tdeployer\"", errorText("must not contain whitespace")),
			invalid(fmt.Sprintf("username = \"ci\"\nemail = %q", strings.Repeat("a", 250)+"@example.com"), errorText("at most 254 characters")),
			invalid(fmt.Sprintf("username = \"ci\"\nid = %q", strings.Repeat("i", 201)), errorText("must be between 1 and 200")),
			invalid(`username = "ci"
name = ""`, errorText("must be between 1 and 200")),
			// Lengths count characters, not bytes: 200 two-byte characters
			// plan fine.
			{
				Config:             machineUserConfig(fmt.Sprintf("username = %q", strings.Repeat("é", 200))),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config:        machineUserConfig(`username = "ci"`),
				ResourceName:  machineUserAddress,
				ImportState:   true,
				ImportStateId: "org/ci/extra",
				ExpectError:   errorText(`Use "<id>" (the machine user in the provider's default organization) or "<organization_id>/<id>".`),
			},
		},
	})

	if writes := env.Writes(mark); len(writes) > 0 {
		t.Errorf("invalid configurations reached the server: %v", writes)
	}
}

// A machine user deleted behind Terraform's back is dropped from state with a
// warning on refresh, and the plan creates it again.
func TestAccMachineUser_deletedOutsideTerraformIsRecreated(t *testing.T) {
	env := accEnv(t)
	config := machineUserConfig(fmt.Sprintf("username = %q", randomName("ci")))
	differentID := statecheck.CompareValue(compare.ValuesDiffer())
	var deletedID string

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkMachineUsersDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					differentID.AddStateValue(machineUserAddress, tfjsonpath.New("id")),
				},
				Check: func(s *terraform.State) error {
					rs := s.RootModule().Resources[machineUserAddress]
					deletedID = rs.Primary.ID
					return nil
				},
			},
			{
				PreConfig: func() {
					if err := env.Client(env.AdminKey).DeleteMachineUser(context.Background(), env.OrgID, deletedID); err != nil {
						t.Fatalf("delete machine user behind Terraform's back: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(machineUserAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					differentID.AddStateValue(machineUserAddress, tfjsonpath.New("id")),
				},
			},
		},
	})
}

// Only an organization owner manages machine users; anyone else gets the
// server's explanation, naming the role that is needed.
func TestAccMachineUser_nonOwnerIsDenied(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	member, err := env.Admin.CreateHumanUser(ctx, env.OrgID, randomName("dev")+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	memberKey, err := env.Admin.CreateAccessKey(ctx, member, 1)
	if err != nil {
		t.Fatal(err)
	}

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkMachineUsersDestroyed(env),
		Steps: []acc.TestStep{{
			Config: fmt.Sprintf(`
provider "pgcloud" {
  access_key = %q
}
`, memberKey) + machineUserConfig(fmt.Sprintf("username = %q", randomName("ci"))),
			ExpectError: regexp.MustCompile(`(?s)Could\s+not\s+create\s+machine\s+user.*org_owner.*HTTP\s+403\s+PERMISSION_DENIED`),
		}},
	})
}

// A username another machine user has taken fails the plan, naming that
// user and its import, whether the check looked the username up alone (the
// first creates of a plan) or in the organization's listing (the creates
// past questionsBeforeListing).
func TestAccMachineUser_usernameTakenFailsAtPlan(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	prefix := randomName("taken")
	n := 2 * questionsBeforeListing
	for i := range n {
		mu, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: fmt.Sprintf("%s-%02d", prefix, i)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = api.DeleteMachineUser(context.Background(), env.OrgID, mu.ID) })
	}
	mark := env.WriteCount()
	acc.Test(t, acc.TestCase{ // not parallel: it counts the server's writes
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config: fmt.Sprintf(`
resource "pgcloud_machine_user" "test" {
  count    = %d
  username = format("%s-%%02d", count.index)
}
`, n, prefix),
			// Every one of them, each with its import.
			ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)(Username taken.*?terraform import <address>\s+%s/.*?){%d}`, env.OrgID, n)),
		}},
	})
	if writes := env.Writes(mark); len(writes) > 0 {
		t.Errorf("a plan refused for taken usernames wrote to the server: %v", writes)
	}
}
