package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

var (
	sessionTokenPattern       = regexp.MustCompile(`^pgs_[a-z0-9]{12}_[A-Za-z0-9]{40}_[A-Za-z0-9]{6}$`)
	maskedSessionTokenPattern = regexp.MustCompile(`^pgs_[a-z0-9]{12}_…[A-Za-z0-9]{4}$`)
)

// The echo provider copies its configuration (here: the ephemeral key) into
// the state of its echo.test resource, so the test can look at what another
// provider configured with the key would get.
var protoV6ProviderFactoriesWithEcho = map[string]func() (tfprotov6.ProviderServer, error){
	"pgcloud": providerserver.NewProtocol6WithError(New("test")()),
	"echo":    echoprovider.NewProviderServer(),
}

// secretCapture is a state check that remembers the secret echoed by the
// echo at address ("" = echo.test), so the test can try it after the run.
type secretCapture struct{ address, secret string }

func (c *secretCapture) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	address := c.address
	if address == "" {
		address = "echo.test"
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != address {
			continue
		}
		if data, ok := r.AttributeValues["data"].(map[string]any); ok {
			c.secret, _ = data["secret"].(string)
		}
	}
	if c.secret == "" {
		resp.Error = fmt.Errorf("no secret in %s", address)
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
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("secret"), knownvalue.StringRegexp(sessionTokenPattern)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("masked_key"), knownvalue.StringRegexp(maskedSessionTokenPattern)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("machine_user_id"), knownvalue.StringExact(mu.ID)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("organization_id"), knownvalue.StringExact(env.OrgID)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("expires_in"), knownvalue.StringExact("1h")),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("expires_in_days"), knownvalue.Null()),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("name"),
					knownvalue.StringRegexp(regexp.MustCompile(`^terraform-ephemeral-\d{8}T\d{6}Z-[0-9a-f]{6}$`))),
				captured,
			},
		}},
	})

	// Every run closed its token: none piled up, no access key was made,
	// and the token the echo provider was given authenticates nothing any
	// more.
	tokens, err := api.ListMachineUserSessionTokens(ctx, env.OrgID, mu.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 0 {
		t.Errorf("the machine user still has %d session tokens after the runs: %+v", len(tokens), tokens)
	}
	if keys, err := api.ListMachineUserAccessKeys(ctx, env.OrgID, mu.ID); err != nil || len(keys) != 0 {
		t.Errorf("the ephemeral resource made access keys: %v %+v", err, keys)
	}
	if captured.secret != "" {
		if _, err := env.Client(captured.secret).WhoAmI(ctx); !client.IsUnauthenticated(err) {
			t.Errorf("the ephemeral token still authenticates after the run: %v", err)
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
	// Each step echoes into a resource of its own: the echo provider sets
	// an echo's data when it creates it.
	config := func(echo, life string) string {
		return fmt.Sprintf(`
ephemeral "pgcloud_access_key" "test" {
  organization_id = %q
  machine_user_id = %q
  name            = "pipeline-run"
  %s
}

provider "echo" {
  data = {
    secret     = ephemeral.pgcloud_access_key.test.secret
    name       = ephemeral.pgcloud_access_key.test.name
    expires_at = ephemeral.pgcloud_access_key.test.expires_at
    expires_in = ephemeral.pgcloud_access_key.test.expires_in
    days       = ephemeral.pgcloud_access_key.test.expires_in_days
  }
}

resource "echo" %q {}
`, env.OrgID, mu.ID, life, echo)
	}

	acc.ParallelTest(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps: []acc.TestStep{
			{
				Config: config("two_hours", `expires_in = "2h"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.two_hours", tfjsonpath.New("data").AtMapKey("secret"), knownvalue.StringRegexp(sessionTokenPattern)),
					statecheck.ExpectKnownValue("echo.two_hours", tfjsonpath.New("data").AtMapKey("name"), knownvalue.StringExact("pipeline-run")),
					statecheck.ExpectKnownValue("echo.two_hours", tfjsonpath.New("data").AtMapKey("expires_at"), knownvalue.StringRegexp(rfc3339UTC)),
					statecheck.ExpectKnownValue("echo.two_hours", tfjsonpath.New("data").AtMapKey("expires_in"), knownvalue.StringExact("2h")),
					statecheck.ExpectKnownValue("echo.two_hours", tfjsonpath.New("data").AtMapKey("days"), knownvalue.Null()),
					expiresAtCheck{address: "echo.two_hours", life: 2 * time.Hour},
				},
			},
			{
				// The attribute of the access-key days, deprecated: a session
				// token lives at most a day, so that is what it gets.
				Config: config("days", `expires_in_days = 3`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.days", tfjsonpath.New("data").AtMapKey("days"), knownvalue.Int64Exact(3)),
					statecheck.ExpectKnownValue("echo.days", tfjsonpath.New("data").AtMapKey("expires_in"), knownvalue.StringExact("24h")),
					expiresAtCheck{address: "echo.days", life: 24 * time.Hour},
				},
			},
		},
	})

	if tokens, err := api.ListMachineUserSessionTokens(ctx, env.OrgID, mu.ID); err != nil || len(tokens) != 0 {
		t.Errorf("tokens left after the run: %v %+v", err, tokens)
	}
}

// expiresAtCheck checks that the expires_at echoed by the echo at address
// is life from about now.
type expiresAtCheck struct {
	address string
	life    time.Duration
}

func (c expiresAtCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	for _, r := range req.State.Values.RootModule.Resources {
		data, _ := r.AttributeValues["data"].(map[string]any)
		if r.Address != c.address || data == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339, fmt.Sprint(data["expires_at"]))
		if err != nil {
			resp.Error = err
			return
		}
		if d := time.Until(at) - c.life; d < -5*time.Minute || d > time.Minute {
			resp.Error = fmt.Errorf("the token expires at %s, not %s from now", at, c.life)
		}
		return
	}
	resp.Error = fmt.Errorf("no data in %s", c.address)
}

// Bad lifetimes fail at plan, before anything is opened.
func TestAccAccessKeyEphemeral_lifetimeIsCheckedAtPlan(t *testing.T) {
	env := accEnv(t)
	mark := env.WriteCount()
	config := func(life string) string {
		return fmt.Sprintf(`
ephemeral "pgcloud_access_key" "test" {
  machine_user_id = "whoever"
  %s
}

provider "echo" {
  data = ephemeral.pgcloud_access_key.test.secret
}

resource "echo" "test" {}
`, life)
	}
	acc.Test(t, acc.TestCase{ // not parallel: it counts the server's writes
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps: []acc.TestStep{
			{Config: config(`expires_in = "25h"`), ExpectError: errorText("a session token lives from 1m to 24h")},
			{Config: config(`expires_in = "30s"`), ExpectError: errorText("a session token lives from 1m to 24h")},
			{Config: config(`expires_in = "90.5s"`), ExpectError: errorText("use a whole number of seconds")},
			{Config: config(`expires_in = "soon"`), ExpectError: regexp.MustCompile(`is not a duration`)},
			{Config: config("expires_in = \"1h\"\n  expires_in_days = 1"), ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination`)},
		},
	})
	if writes := env.Writes(mark); len(writes) > 0 {
		t.Errorf("a refused configuration reached the server: %v", writes)
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

// The issue this resource had (issue 8): a run that fails after Terraform
// opened the ephemeral credential skips its close, and leaves it behind.
// With access keys, and the quota of 2, the next plan failed with
// QUOTA_EXCEEDED until a person deleted keys. With session tokens the left
// token blocks nothing, and goes by itself: this runs it for real, on a
// server of its own whose clock the test moves.
func TestAccAccessKeyEphemeral_failedRunNeverLocksTheMachineUserOut(t *testing.T) {
	accEnv(t)
	clock := &testClock{}
	env, err := testenv.Start(testenv.Options{Now: clock.Now, PurgeInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	mu, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("deployer")})
	if err != nil {
		t.Fatal(err)
	}
	// The machine user already holds its 2 access keys: with the old
	// ephemeral resource, not even the first run could open one.
	for _, name := range []string{"ci-current", "ci-next"} {
		if _, err := api.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: name, ExpiresInDays: 30}); err != nil {
			t.Fatal(err)
		}
	}
	// The failed runs echo into echo.test, the good one into echo.next: the
	// echo provider sets an echo's data when it creates it.
	config := func(failing bool) string {
		echo := "next"
		if failing {
			echo = "test"
		}
		c := providerBlock(env) + fmt.Sprintf(`
ephemeral "pgcloud_access_key" "deployer" {
  machine_user_id = %q
}

provider "echo" {
  data = ephemeral.pgcloud_access_key.deployer
}

resource "echo" %q {}
`, mu.ID, echo)
		if failing {
			// A node after the one that uses the credential fails at apply
			// (its postcondition can only be checked once applied).
			c += `
resource "terraform_data" "smoke_test" {
  input      = "deployed"
  depends_on = [echo.test]
  lifecycle {
    postcondition {
      condition     = self.output == "healthy"
      error_message = "The smoke test failed."
    }
  }
}
`
		}
		return c
	}
	tokens := func() []client.SessionToken {
		t.Helper()
		list, err := api.ListMachineUserSessionTokens(ctx, env.OrgID, mu.ID)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	keys := func() int {
		t.Helper()
		list, err := api.ListMachineUserAccessKeys(ctx, env.OrgID, mu.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	leaked := &priorSecretCapture{}
	good := &secretCapture{address: "echo.next"}
	var left []client.SessionToken

	acc.Test(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps: []acc.TestStep{
			// Two runs fail: with access keys, the second left the machine
			// user at its quota and every later plan failed.
			{Config: config(true), ExpectError: regexp.MustCompile(`The smoke test failed`)},
			{Config: config(true), ExpectError: regexp.MustCompile(`The smoke test failed`)},
			{
				// The failed runs left their tokens behind: never closed.
				PreConfig: func() {
					left = tokens()
					t.Logf("the 2 failed runs left %d session tokens", len(left))
					if len(left) < 2 {
						t.Errorf("the failed runs left %d tokens, want one each at least: the test no longer reproduces "+
							"runs that skip the close", len(left))
					}
					for _, tok := range left {
						if tok.State != client.AccessKeyStateActive || !strings.HasPrefix(tok.Name, "terraform-ephemeral-") {
							t.Errorf("left token %+v", tok)
						}
					}
					if n := keys(); n != 2 {
						t.Errorf("the machine user has %d access keys, want its 2", n)
					}
				},
				// The next run, with those tokens still there and 2 keys:
				// plan and apply open new tokens, and work.
				Config:           config(false),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{leaked}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.next", tfjsonpath.New("data").AtMapKey("secret"), knownvalue.StringRegexp(sessionTokenPattern)),
					good,
				},
			},
		},
	})

	// The successful run closed its tokens; the failed runs' are what is left.
	after := tokens()
	if len(after) != len(left) {
		t.Errorf("%d tokens after the good run, want the %d the failed run left", len(after), len(left))
	}
	if n := keys(); n != 2 {
		t.Errorf("the machine user has %d access keys, want its 2", n)
	}
	if leaked.secret == "" {
		t.Fatal("the last failed run's token was not captured")
	}
	if me, err := env.Client(leaked.secret).WhoAmI(ctx); err != nil || me.User.ID != mu.ID {
		t.Fatalf("the left token, within its hour, should still authenticate the machine user: %v", err)
	}
	if good.secret == leaked.secret {
		t.Error("the good run was given the failed run's token")
	}
	if _, err := env.Client(good.secret).WhoAmI(ctx); !client.IsUnauthenticated(err) {
		t.Errorf("the good run's token still authenticates after the run closed it: %v", err)
	}

	// An hour on (the default life), the left token authenticates nothing,
	// and the server purges it by itself.
	clock.Advance(time.Hour + time.Second)
	if _, err := env.Client(leaked.secret).WhoAmI(ctx); !client.IsUnauthenticated(err) {
		t.Errorf("the left token still authenticates after its hour: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(tokens()) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the expired tokens are still there 10s later: %+v", tokens())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := keys(); n != 2 {
		t.Errorf("the purge touched the access keys: %d left, want 2", n)
	}
}

// priorSecretCapture is a plan check that remembers the secret echo.test
// holds before the plan's apply: the token of the previous (failed) run,
// which applied echo.test before its smoke test failed.
type priorSecretCapture struct{ secret string }

func (c *priorSecretCapture) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("no prior state: the failed run applied nothing")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if data, ok := r.AttributeValues["data"].(map[string]any); ok && r.Address == "echo.test" {
			c.secret, _ = data["secret"].(string)
		}
	}
	if c.secret == "" {
		resp.Error = fmt.Errorf("echo.test holds no secret from the failed run")
	}
}
