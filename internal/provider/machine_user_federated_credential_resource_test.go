package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testoidc"
)

const federatedCredentialAddress = "pgcloud_machine_user_federated_credential.test"

// checkFederatedCredentialsDestroyed asks the API whether every credential
// the test had in state is gone.
func checkFederatedCredentialsDestroyed(env *testenv.Env) func(*terraform.State) error {
	return func(s *terraform.State) error {
		api := env.Client(env.AdminKey)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "pgcloud_machine_user_federated_credential" {
				continue
			}
			a := rs.Primary.Attributes
			_, err := api.GetFederatedCredential(context.Background(), a["organization_id"], a["machine_user_id"], rs.Primary.ID)
			if err == nil {
				return fmt.Errorf("federated credential %s still exists after destroy", rs.Primary.ID)
			}
			if !client.IsNotFound(err) {
				return fmt.Errorf("check federated credential %s is gone: %w", rs.Primary.ID, err)
			}
		}
		return checkMachineUsersDestroyed(env)(s)
	}
}

func federatedCredentialConfig(username, body string) string {
	return machineUserConfig(fmt.Sprintf("username = %q", username)) +
		"resource \"pgcloud_machine_user_federated_credential\" \"test\" {\n  machine_user_id = pgcloud_machine_user.test.id\n" + body + "\n}\n"
}

func TestAccFederatedCredential_basic(t *testing.T) {
	env := accEnv(t)
	t.Parallel()
	username := randomName("federated")
	body := `
  name     = "github-main"
  issuer   = "https://token.actions.githubusercontent.com"
  subject  = "repo:acme/infra:ref:refs/heads/*"
  claims = {
    environment = "production"
  }
`
	expect := func(name string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(federatedCredentialAddress, tfjsonpath.New(name), v)
	}
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkFederatedCredentialsDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: federatedCredentialConfig(username, body),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("organization_id", knownvalue.StringExact(env.OrgID)),
					// The server's default audience: its URL as the provider reaches it.
					expect("audience", knownvalue.StringExact(env.URL)),
					expect("description", knownvalue.StringExact("")),
					expect("claims", knownvalue.MapExact(map[string]knownvalue.Check{"environment": knownvalue.StringExact("production")})),
					expect("created_at", knownvalue.NotNull()),
					statecheck.CompareValuePairs(federatedCredentialAddress, tfjsonpath.New("machine_user_id"),
						"pgcloud_machine_user.test", tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources[federatedCredentialAddress].Primary.Attributes
					f, err := env.Client(env.AdminKey).GetFederatedCredential(context.Background(), env.OrgID, a["machine_user_id"], a["id"])
					if err != nil {
						return err
					}
					if f.Subject != "repo:acme/infra:ref:refs/heads/*" || f.Claims["environment"] != "production" {
						return fmt.Errorf("on the server: %+v", f)
					}
					return nil
				},
			},
			// Nothing changes in place: a new subject replaces the credential.
			{
				Config: federatedCredentialConfig(username, `
  name     = "github-main"
  issuer   = "https://token.actions.githubusercontent.com"
  subject  = "repo:acme/infra:environment:production"
  audience = "pgcloud"
`),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(federatedCredentialAddress, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expect("audience", knownvalue.StringExact("pgcloud")),
					expect("claims", knownvalue.Null()),
				},
			},
			{
				ResourceName: federatedCredentialAddress,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					a := s.RootModule().Resources[federatedCredentialAddress].Primary.Attributes
					return a["machine_user_id"] + "/" + a["id"], nil
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// What the configuration alone shows fails at plan time, before any write.
// Not parallel: it counts the server's writes.
func TestAccFederatedCredential_planTimeValidation(t *testing.T) {
	env := accEnv(t)
	for _, c := range []struct {
		name, body, want string
	}{
		{"subject only *", `name = "x"
  issuer = "https://token.actions.githubusercontent.com"
  subject = "*"`, "* alone would trust every token of the issuer"},
		{"subject with **", `name = "x"
  issuer = "https://token.actions.githubusercontent.com"
  subject = "repo:acme/**"`, "must not contain **"},
		{"http issuer", `name = "x"
  issuer = "http://token.example.com"
  subject = "repo:acme/infra:ref:refs/heads/main"`, "must be an https URL"},
		{"reserved claim", `name = "x"
  issuer = "https://token.actions.githubusercontent.com"
  subject = "repo:acme/infra:ref:refs/heads/main"
  claims = { aud = "x" }`, "value must be none of"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := env.WriteCount()
			acc.Test(t, acc.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []acc.TestStep{{
					Config:      federatedCredentialConfig(randomName("invalid"), c.body),
					PlanOnly:    true,
					ExpectError: errorText(c.want),
				}},
			})
			if n := env.WriteCount() - before; n != 0 {
				t.Errorf("a refused plan wrote %d times: %v", n, env.Writes(before))
			}
		})
	}
}

// A provider configured with an ID token the server refuses fails on the
// setting it came from, saying which check failed; a provider with a key
// and an ID token names both.
func TestAccProvider_oidcTokenRefusedAndConflicts(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	iss, err := testoidc.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	api := env.Client(env.AdminKey)
	mu, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("oidc")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.DeleteMachineUser(ctx, env.OrgID, mu.ID) })
	if _, err := api.CreateFederatedCredential(ctx, env.OrgID, mu.ID, client.FederatedCredentialCreate{
		Name: "ci", Issuer: iss.URL, Subject: "repo:acme/infra:ref:refs/heads/main"}); err != nil {
		t.Fatal(err)
	}
	wrongAudience, err := iss.Token(testoidc.Claims{"aud": "someone-else", "sub": "repo:acme/infra:ref:refs/heads/main"})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(wrongAudience), 0o600); err != nil {
		t.Fatal(err)
	}
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Config:      fmt.Sprintf("provider \"pgcloud\" {\n  oidc_token_file = %q\n}\n", file) + organizationDataSourceConfig,
				ExpectError: errorTexts("these are all set: access_key (from PGCLOUD_ACCESS_KEY), oidc_token_file."),
			},
		},
	})
	t.Setenv(envAccessKey, "")
	t.Setenv(envOIDCTokenFile, file)
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config:      organizationDataSourceConfig,
			ExpectError: errorTexts("pgcloud token exchange refused", "(audience)", "someone-else"),
		}},
	})
}
