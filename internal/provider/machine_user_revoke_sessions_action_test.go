package provider

import (
	"context"
	"fmt"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

// revokeSessionsConfig invokes the action on machine user userID once, when
// the terraform_data that triggers it is created (terraform apply -invoke
// is the same invocation, run by hand; plugin-testing has no step that
// runs it). prelude goes first (a provider block, ...).
func revokeSessionsConfig(prelude, userID string) string {
	return prelude + fmt.Sprintf(`
action "pgcloud_machine_user_revoke_sessions" "leak" {
  config {
    machine_user_id = %q
  }
}

resource "terraform_data" "incident" {
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.pgcloud_machine_user_revoke_sessions.leak]
    }
  }
}
`, userID)
}

// newMachineUserForAction makes a machine user through the API, deleted when
// the test ends.
func newMachineUserForAction(t *testing.T, env *testenv.Env, prefix string) *client.MachineUser {
	t.Helper()
	api := env.Client(env.AdminKey)
	mu, err := api.CreateMachineUser(context.Background(), env.OrgID, client.MachineUserCreate{Username: randomName(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.DeleteMachineUser(context.Background(), env.OrgID, mu.ID) })
	return mu
}

// openSessionTokens opens n session tokens of machine user userID through
// the API, as pipelines would have, and returns their secrets.
func openSessionTokens(t *testing.T, env *testenv.Env, userID string, n int) []string {
	t.Helper()
	var secrets []string
	for i := range n {
		tok, err := env.Client(env.AdminKey).CreateMachineUserSessionToken(context.Background(), env.OrgID, userID,
			client.SessionTokenCreate{Name: fmt.Sprintf("pipeline-run-%d", i), ExpiresIn: client.MaxSessionTokenLifetime})
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, tok.Secret)
	}
	return secrets
}

// The incident: session tokens of a machine user leaked. The action revokes
// them all, for real: afterwards each of them gets 401 from the API, while
// the machine user's access key and another machine user's token still work.
func TestAccMachineUserRevokeSessionsAction_revokesEveryToken(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	leaked := newMachineUserForAction(t, env, "leaked")
	bystander := newMachineUserForAction(t, env, "bystander")
	tokens := openSessionTokens(t, env, leaked.ID, 3)
	untouched := openSessionTokens(t, env, bystander.ID, 1)
	key, err := env.Client(env.AdminKey).CreateMachineUserAccessKey(ctx, env.OrgID, leaked.ID, client.AccessKeyCreate{Name: "kept", ExpiresInDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	untouched = append(untouched, key.Secret)

	acc.ParallelTest(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			PreConfig: func() {
				for i, s := range tokens {
					if _, err := env.Client(s).WhoAmI(ctx); err != nil {
						t.Fatalf("token %d does not work before the action: %v", i, err)
					}
				}
			},
			Config: revokeSessionsConfig("", leaked.ID),
			Check: func(*terraform.State) error {
				for i, s := range tokens {
					if _, err := env.Client(s).WhoAmI(ctx); !client.IsUnauthenticated(err) {
						return fmt.Errorf("session token %d still authenticates after the action: %v", i, err)
					}
				}
				for i, s := range untouched {
					if _, err := env.Client(s).WhoAmI(ctx); err != nil {
						return fmt.Errorf("credential %d, not the leaked user's session token, stopped working: %v", i, err)
					}
				}
				if left, err := env.Client(env.AdminKey).ListMachineUserSessionTokens(ctx, env.OrgID, leaked.ID); err != nil || len(left) != 0 {
					return fmt.Errorf("session tokens left after the action: %v %+v", err, left)
				}
				return nil
			},
		}},
	})
}

// A caller without org_owner is told which role it needs, and nothing is
// revoked.
func TestAccMachineUserRevokeSessionsAction_needsOrgOwner(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	target := newMachineUserForAction(t, env, "target")
	tokens := openSessionTokens(t, env, target.ID, 1)
	reader := newMachineUserForAction(t, env, "reader")
	if _, err := env.Admin.BindOrgRole(ctx, reader.ID, env.OrgID, "org_admin"); err != nil {
		t.Fatal(err)
	}
	readerKey, err := env.Admin.CreateAccessKey(ctx, reader.ID, 1)
	if err != nil {
		t.Fatal(err)
	}

	acc.ParallelTest(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config: revokeSessionsConfig(fmt.Sprintf("provider \"pgcloud\" {\n  access_key = %q\n}\n", readerKey), target.ID),
			ExpectError: errorTexts("Revoking the session tokens of machine user "+target.ID+" needs the org_owner role",
				"requires the org_owner role", "HTTP 403 PERMISSION_DENIED"),
		}},
	})
	if _, err := env.Client(tokens[0]).WhoAmI(ctx); err != nil {
		t.Errorf("the refused action revoked a token: %v", err)
	}
}

// A machine user that does not exist fails the plan, before anything runs.
func TestAccMachineUserRevokeSessionsAction_unknownMachineUserFailsThePlan(t *testing.T) {
	accEnv(t)
	acc.ParallelTest(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config:      revokeSessionsConfig("", "no-such-machine-user"),
			PlanOnly:    true,
			ExpectError: errorText(`has no machine user with id "no-such-machine-user" visible to the provider's access key, so it has no session tokens to revoke`),
		}},
	})
}
