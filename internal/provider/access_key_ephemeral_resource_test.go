package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// The echo provider copies its configuration (here: the ephemeral key) into
// the state of its echo.test resource, so the test can look at what another
// provider configured with the key would get.
var protoV6ProviderFactoriesWithEcho = map[string]func() (tfprotov6.ProviderServer, error){
	"pgcloud": providerserver.NewProtocol6WithError(New("test")()),
	"echo":    echoprovider.NewProviderServer(),
}

// secretCapture is a state check that remembers the echoed secret, so the
// test can try it after the run.
type secretCapture struct{ secret string }

func (c *secretCapture) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != "echo.test" {
			continue
		}
		if data, ok := r.AttributeValues["data"].(map[string]any); ok {
			c.secret, _ = data["secret"].(string)
		}
	}
	if c.secret == "" {
		resp.Error = fmt.Errorf("no secret in echo.test")
	}
}

func TestAccAccessKeyEphemeral_opensAndClosesAKey(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	mu, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("ephemeral")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.DeleteMachineUser(context.Background(), env.OrgID, mu.ID) })
	captured := &secretCapture{}

	acc.ParallelTest(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps: []acc.TestStep{{
			Config: fmt.Sprintf(`
ephemeral "pgcloud_access_key" "test" {
  machine_user_id = %q
}

provider "echo" {
  data = ephemeral.pgcloud_access_key.test
}

resource "echo" "test" {}
`, mu.ID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("secret"), knownvalue.StringRegexp(keySecretPattern)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("masked_key"), knownvalue.StringRegexp(maskedKeyPattern)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("machine_user_id"), knownvalue.StringExact(mu.ID)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("organization_id"), knownvalue.StringExact(env.OrgID)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("expires_in_days"), knownvalue.Int64Exact(1)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("name"),
					knownvalue.StringRegexp(regexp.MustCompile(`^terraform-ephemeral-\d{8}T\d{6}Z-[0-9a-f]{6}$`))),
				captured,
			},
		}},
	})

	// Every run closed its key: none piled up, and the one the echo provider
	// was given authenticates nothing any more.
	keys, err := api.ListMachineUserAccessKeys(ctx, env.OrgID, mu.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Errorf("the machine user still has %d keys after the runs: %+v", len(keys), keys)
	}
	if captured.secret != "" {
		if _, err := env.Client(captured.secret).WhoAmI(ctx); !client.IsUnauthenticated(err) {
			t.Errorf("the ephemeral key still authenticates after the run: %v", err)
		}
	}
}

func TestAccAccessKeyEphemeral_configuredLife(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	mu, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("ephemeral")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.DeleteMachineUser(context.Background(), env.OrgID, mu.ID) })

	acc.ParallelTest(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps: []acc.TestStep{{
			Config: fmt.Sprintf(`
ephemeral "pgcloud_access_key" "test" {
  organization_id = %q
  machine_user_id = %q
  name            = "pipeline-run"
  expires_in_days = 3
}

provider "echo" {
  data = {
    secret     = ephemeral.pgcloud_access_key.test.secret
    name       = ephemeral.pgcloud_access_key.test.name
    expires_at = ephemeral.pgcloud_access_key.test.expires_at
    days       = ephemeral.pgcloud_access_key.test.expires_in_days
  }
}

resource "echo" "test" {}
`, env.OrgID, mu.ID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("secret"), knownvalue.StringRegexp(keySecretPattern)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("name"), knownvalue.StringExact("pipeline-run")),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("expires_at"), knownvalue.StringRegexp(rfc3339UTC)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("days"), knownvalue.Int64Exact(3)),
			},
		}},
	})

	if keys, err := api.ListMachineUserAccessKeys(ctx, env.OrgID, mu.ID); err != nil || len(keys) != 0 {
		t.Errorf("keys left after the run: %v %+v", err, keys)
	}
}

// A person's keys are self-service: opening one fails before anything is
// written.
func TestAccAccessKeyEphemeral_refusesAPerson(t *testing.T) {
	env := accEnv(t)
	person, err := env.Admin.CreateHumanUser(context.Background(), env.OrgID, randomName("dev")+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	mark := env.WriteCount()

	acc.Test(t, acc.TestCase{ // not parallel: it counts the server's writes
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps: []acc.TestStep{{
			Config: fmt.Sprintf(`
ephemeral "pgcloud_access_key" "test" {
  machine_user_id = %q
}

provider "echo" {
  data = ephemeral.pgcloud_access_key.test.secret
}

resource "echo" "test" {}
`, person),
			ExpectError: regexp.MustCompile(`(?s)Not a machine user.*self-service`),
		}},
	})

	if writes := env.Writes(mark); len(writes) > 0 {
		t.Errorf("the refused key reached the server: %v", writes)
	}
}

func TestAccessKeyEphemeralSchemaIsDocumented(t *testing.T) {
	ctx := context.Background()
	p := New("test")().(*pgcloudProvider)
	for _, newResource := range p.EphemeralResources(ctx) {
		e := newResource()
		var meta ephemeral.MetadataResponse
		e.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "pgcloud"}, &meta)
		var s ephemeral.SchemaResponse
		e.Schema(ctx, ephemeral.SchemaRequest{}, &s)
		checkDocumented(t, "ephemeral."+meta.TypeName, s.Schema.MarkdownDescription, s.Schema.Attributes)
		if diags := s.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("ephemeral.%s: %v", meta.TypeName, diags)
		}
	}
}
