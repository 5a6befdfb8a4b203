package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
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

const accessKeyAddress = "pgcloud_access_key.test"

var (
	keyIDPattern     = regexp.MustCompile(`^[a-z0-9]{12}$`)
	keySecretPattern = regexp.MustCompile(`^pgc_[a-z0-9]{12}_[A-Za-z0-9]{40}_[A-Za-z0-9]{6}$`)
	maskedKeyPattern = regexp.MustCompile(`^pgc_[a-z0-9]{12}_…[A-Za-z0-9]{4}$`)
)

// testClock is a clock a test moves forward instead of sleeping. The same
// clock can drive the provider (protoV6ProviderFactoriesWithClock) and a
// dedicated server (testenv.Options.Now), so both agree on what time it is.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *testClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// protoV6ProviderFactoriesWithClock serve a provider whose clock is now.
func protoV6ProviderFactoriesWithClock(now func() time.Time) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"pgcloud": providerserver.NewProtocol6WithError(&pgcloudProvider{version: "test", now: now}),
	}
}

// startClockEnv starts a server of its own whose clock is clock, for tests
// that move time; configurations reach it through providerBlock(env).
func startClockEnv(t *testing.T, clock *testClock) *testenv.Env {
	t.Helper()
	accEnv(t)
	env, err := testenv.Start(testenv.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return env
}

// providerBlock points the provider at env, whatever PGCLOUD_* say.
func providerBlock(env *testenv.Env) string {
	return fmt.Sprintf("provider \"pgcloud\" {\n  endpoint   = %q\n  access_key = %q\n}\n", env.URL, env.AdminKey)
}

// accessKeyConfig is a machine user "test" and a pgcloud_access_key "test" of
// it with the given body.
func accessKeyConfig(username, body string) string {
	return machineUserConfig(fmt.Sprintf("username = %q", username)) +
		"resource \"pgcloud_access_key\" \"test\" {\n  machine_user_id = pgcloud_machine_user.test.id\n" + body + "\n}\n"
}

func expectKey(name string, value knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(accessKeyAddress, tfjsonpath.New(name), value)
}

// checkAccessKeysDestroyed asks the API whether every key the test had in
// state is gone.
func checkAccessKeysDestroyed(env *testenv.Env) func(*terraform.State) error {
	return func(s *terraform.State) error {
		api := env.Client(env.AdminKey)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "pgcloud_access_key" {
				continue
			}
			a := rs.Primary.Attributes
			_, err := api.GetMachineUserAccessKey(context.Background(), a["organization_id"], a["machine_user_id"], rs.Primary.ID)
			if err == nil {
				return fmt.Errorf("access key %s still exists after destroy", rs.Primary.ID)
			}
			if !client.IsNotFound(err) {
				return fmt.Errorf("check access key %s is gone: %w", rs.Primary.ID, err)
			}
		}
		return checkMachineUsersDestroyed(env)(s)
	}
}

// keyOnServer checks the key in state against the API, and that its secret
// (if in state) authenticates the machine user.
func keyOnServer(env *testenv.Env, check func(k *client.AccessKey, attrs map[string]string) error) acc.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[accessKeyAddress]
		if !ok {
			return fmt.Errorf("%s not in state", accessKeyAddress)
		}
		a := rs.Primary.Attributes
		k, err := env.Client(env.AdminKey).GetMachineUserAccessKey(context.Background(), a["organization_id"], a["machine_user_id"], rs.Primary.ID)
		if err != nil {
			return err
		}
		if secret := a["secret"]; secret != "" {
			me, err := env.Client(secret).WhoAmI(context.Background())
			if err != nil {
				return fmt.Errorf("the secret in state does not authenticate: %w", err)
			}
			if me.User.ID != a["machine_user_id"] {
				return fmt.Errorf("the secret authenticates %s, not the machine user %s", me.User.ID, a["machine_user_id"])
			}
		}
		return check(k, a)
	}
}

// keysOf lists the keys of the machine user in state.
func keysOf(env *testenv.Env, s *terraform.State) ([]client.AccessKey, error) {
	rs, ok := s.RootModule().Resources[machineUserAddress]
	if !ok {
		return nil, fmt.Errorf("%s not in state", machineUserAddress)
	}
	return env.Client(env.AdminKey).ListMachineUserAccessKeys(context.Background(), rs.Primary.Attributes["organization_id"], rs.Primary.ID)
}

func TestAccAccessKey_lifecycle(t *testing.T) {
	env := accEnv(t)
	username := randomName("ci")
	sameKey := statecheck.CompareValue(compare.ValuesSame())
	newKey := statecheck.CompareValue(compare.ValuesDiffer())
	importVerifyIgnore := []string{"secret", "timeouts"}

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkAccessKeysDestroyed(env),
		Steps: []acc.TestStep{
			// Create: the plan shows the organization; the secret is known
			// only after apply, and works.
			{
				Config: accessKeyConfig(username, `  name = "deploy"
  expires_in_days = 30`),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(accessKeyAddress, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(accessKeyAddress, tfjsonpath.New("organization_id"), knownvalue.StringExact(env.OrgID)),
					plancheck.ExpectUnknownValue(accessKeyAddress, tfjsonpath.New("secret")),
					plancheck.ExpectSensitiveValue(accessKeyAddress, tfjsonpath.New("secret")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameKey.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
					newKey.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
					expectKey("id", knownvalue.StringRegexp(keyIDPattern)),
					expectKey("organization_id", knownvalue.StringExact(env.OrgID)),
					expectKey("name", knownvalue.StringExact("deploy")),
					expectKey("expires_in_days", knownvalue.Int64Exact(30)),
					expectKey("secret", knownvalue.StringRegexp(keySecretPattern)),
					expectKey("masked_key", knownvalue.StringRegexp(maskedKeyPattern)),
					expectKey("state", knownvalue.StringExact("active")),
					expectKey("expires_at", knownvalue.StringRegexp(rfc3339UTC)),
					expectKey("created_at", knownvalue.StringRegexp(rfc3339UTC)),
					expectKey("rotate_before_days", knownvalue.Null()),
				},
				Check: keyOnServer(env, func(k *client.AccessKey, a map[string]string) error {
					if k.Name != "deploy" || k.MaskedKey != a["masked_key"] || k.ExpiresAt.UTC().Format(time.RFC3339) != a["expires_at"] {
						return fmt.Errorf("server has %+v, state %v", k, a["expires_at"])
					}
					if d := time.Until(k.ExpiresAt); d < 29*24*time.Hour || d > 30*24*time.Hour {
						return fmt.Errorf("expires in %s, want 30 days", d)
					}
					return nil
				}),
			},
			// rotate_before_days lives in Terraform only: an update in place.
			{
				Config: accessKeyConfig(username, `  name = "deploy"
  expires_in_days = 30
  rotate_before_days = 7`),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(accessKeyAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(accessKeyAddress, tfjsonpath.New("expires_at"), knownvalue.StringRegexp(rfc3339UTC)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameKey.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
					expectKey("rotate_before_days", knownvalue.Int64Exact(7)),
					expectKey("secret", knownvalue.StringRegexp(keySecretPattern)),
				},
			},
			// Import by "<organization_id>/<machine_user_id>/<key_id>": the
			// secret is not imported (the platform never shows it again).
			{
				ResourceName: accessKeyAddress,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					a := s.RootModule().Resources[accessKeyAddress].Primary.Attributes
					return a["organization_id"] + "/" + a["machine_user_id"] + "/" + a["id"], nil
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: append(importVerifyIgnore, "rotate_before_days"),
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d instances", len(states))
					}
					if secret, ok := states[0].Attributes["secret"]; ok && secret != "" {
						return fmt.Errorf("an imported key has a secret")
					}
					return nil
				},
			},
			// ... and by "<machine_user_id>/<key_id>".
			{
				ResourceName: accessKeyAddress,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					a := s.RootModule().Resources[accessKeyAddress].Primary.Attributes
					return a["machine_user_id"] + "/" + a["id"], nil
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: append(importVerifyIgnore, "rotate_before_days"),
			},
			// A different life is a different key: replaced.
			{
				Config: accessKeyConfig(username, `  name = "deploy"
  expires_in_days = 60
  rotate_before_days = 7`),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(accessKeyAddress, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectUnknownValue(accessKeyAddress, tfjsonpath.New("secret")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					newKey.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
					expectKey("expires_in_days", knownvalue.Int64Exact(60)),
					expectKey("secret", knownvalue.StringRegexp(keySecretPattern)),
				},
				Check: func(s *terraform.State) error {
					keys, err := keysOf(env, s)
					if err != nil {
						return err
					}
					if len(keys) != 1 {
						return fmt.Errorf("the machine user has %d keys after the replacement, want 1", len(keys))
					}
					return nil
				},
			},
			// Keepers: adding one replaces the key ...
			{
				Config: accessKeyConfig(username, `  name = "deploy"
  expires_in_days = 60
  rotate_before_days = 7
  keepers = { release = "v1" }`),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(accessKeyAddress, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					newKey.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
					expectKey("keepers", knownvalue.MapExact(map[string]knownvalue.Check{"release": knownvalue.StringExact("v1")})),
				},
			},
			// ... and so does changing one.
			{
				Config: accessKeyConfig(username, `  name = "deploy"
  expires_in_days = 60
  rotate_before_days = 7
  keepers = { release = "v2" }`),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(accessKeyAddress, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					newKey.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
				},
				Check: keyOnServer(env, func(k *client.AccessKey, _ map[string]string) error {
					if k.State != client.AccessKeyStateActive {
						return fmt.Errorf("state %q", k.State)
					}
					return nil
				}),
			},
		},
	})
}

// Without a name, the key gets a unique generated one (from name_prefix, if
// set), which is what create_before_destroy needs: the replacement exists
// next to the old key for a moment, and names are unique per machine user.
func TestAccAccessKey_generatedNameAndCreateBeforeDestroy(t *testing.T) {
	env := accEnv(t)
	username := randomName("ci")
	config := func(release string) string {
		return accessKeyConfig(username, fmt.Sprintf(`  name_prefix     = "ci-"
  expires_in_days = 7
  keepers         = { release = %q }
  lifecycle {
    create_before_destroy = true
  }`, release))
	}
	differentName := statecheck.CompareValue(compare.ValuesDiffer())

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkAccessKeysDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: config("v1"),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(accessKeyAddress, tfjsonpath.New("name")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					differentName.AddStateValue(accessKeyAddress, tfjsonpath.New("name")),
					expectKey("name", knownvalue.StringRegexp(regexp.MustCompile(`^ci-\d{8}T\d{6}Z-[0-9a-f]{6}$`))),
				},
			},
			{
				Config: config("v2"),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(accessKeyAddress, plancheck.ResourceActionCreateBeforeDestroy),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					differentName.AddStateValue(accessKeyAddress, tfjsonpath.New("name")),
				},
				Check: func(s *terraform.State) error {
					keys, err := keysOf(env, s)
					if err != nil {
						return err
					}
					if len(keys) != 1 {
						return fmt.Errorf("the machine user has %d keys after the rotation, want 1", len(keys))
					}
					return nil
				},
			},
		},
	})
}

// A key deleted behind Terraform's back is dropped from state with a warning
// on refresh, and the plan creates it again.
func TestAccAccessKey_deletedOutsideTerraformIsRecreated(t *testing.T) {
	env := accEnv(t)
	config := accessKeyConfig(randomName("ci"), `  name = "deploy"
  expires_in_days = 5`)
	differentKey := statecheck.CompareValue(compare.ValuesDiffer())
	var organizationID, machineUserID, keyID string

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkAccessKeysDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					differentKey.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
				},
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources[accessKeyAddress].Primary.Attributes
					organizationID, machineUserID, keyID = a["organization_id"], a["machine_user_id"], a["id"]
					return nil
				},
			},
			{
				PreConfig: func() {
					if err := env.Client(env.AdminKey).DeleteMachineUserAccessKey(context.Background(), organizationID, machineUserID, keyID); err != nil {
						t.Fatalf("delete the key behind Terraform's back: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(accessKeyAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					differentKey.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
					expectKey("secret", knownvalue.StringRegexp(keySecretPattern)),
				},
			},
		},
	})
}

// A key with expires_in_days = 2 and rotate_before_days = 1 is not due for
// rotation when created. A day and a half later (the test moves the clocks of
// the provider and of the server, instead of sleeping) it is: the plan
// replaces it, creating the new key before deleting the old one.
func TestAccAccessKey_rotationWindow(t *testing.T) {
	clock := &testClock{}
	env := startClockEnv(t, clock)
	config := providerBlock(env) + accessKeyConfig(randomName("ci"), `  expires_in_days    = 2
  rotate_before_days = 1
  lifecycle {
    create_before_destroy = true
  }`)
	rotated := statecheck.CompareValue(compare.ValuesDiffer())
	var firstKeyID string

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithClock(clock.Now),
		CheckDestroy:             checkAccessKeysDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					rotated.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
				},
				Check: func(s *terraform.State) error {
					firstKeyID = s.RootModule().Resources[accessKeyAddress].Primary.ID
					return nil
				},
			},
			// Half a day later: still outside the window.
			{
				PreConfig: func() { clock.Advance(12 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			// A day and a half after creation: within a day of expiry.
			{
				PreConfig: func() { clock.Advance(24 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(accessKeyAddress, plancheck.ResourceActionCreateBeforeDestroy),
					plancheck.ExpectUnknownValue(accessKeyAddress, tfjsonpath.New("expires_at")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					rotated.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
					expectKey("state", knownvalue.StringExact("active")),
				},
				Check: func(s *terraform.State) error {
					keys, err := keysOf(env, s)
					if err != nil {
						return err
					}
					if len(keys) != 1 || keys[0].ID == firstKeyID {
						return fmt.Errorf("after the rotation the machine user has keys %+v, want only the new one", keys)
					}
					// The new key lives two days from the (moved) clock.
					if d := keys[0].ExpiresAt.Sub(clock.Now()); d < 47*time.Hour || d > 48*time.Hour {
						return fmt.Errorf("the new key expires in %s, want 2 days", d)
					}
					return nil
				},
			},
		},
	})
}

// An expired key without a rotation window is not re-created behind the
// user's back: the refresh shows it expired and the plan stays empty (with a
// warning, see TestAccessKeyModifyPlanWarnsAboutExpiredKey).
func TestAccAccessKey_expiredKeyIsNotSilentlyReplaced(t *testing.T) {
	clock := &testClock{}
	env := startClockEnv(t, clock)
	config := providerBlock(env) + accessKeyConfig(randomName("ci"), `  name = "short"
  expires_in_days = 2`)
	sameKey := statecheck.CompareValue(compare.ValuesSame())

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithClock(clock.Now),
		CheckDestroy:             checkAccessKeysDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					sameKey.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
				},
			},
			{
				PreConfig: func() { clock.Advance(3 * 24 * time.Hour) },
				Config:    config,
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameKey.AddStateValue(accessKeyAddress, tfjsonpath.New("id")),
					expectKey("state", knownvalue.StringExact("expired")),
				},
			},
		},
	})
}

// Everything the configuration or a read of the API shows to be wrong fails
// the plan, and the server sees no write.
func TestAccAccessKey_invalidInputFailsAtPlan(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	person, err := env.Admin.CreateHumanUser(ctx, env.OrgID, randomName("dev")+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	mu, err := env.Client(env.AdminKey).CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("ci")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client(env.AdminKey).DeleteMachineUser(context.Background(), env.OrgID, mu.ID) })
	key := func(body string) string {
		return "resource \"pgcloud_access_key\" \"test\" {\n" + body + "\n}\n"
	}
	invalid := func(body string, want *regexp.Regexp) acc.TestStep {
		return acc.TestStep{Config: key(body), ExpectError: want}
	}
	mark := env.WriteCount()

	acc.Test(t, acc.TestCase{ // not parallel: it counts the server's writes
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			// Read calls during plan: a person, an unknown user.
			invalid(fmt.Sprintf("machine_user_id = %q\nexpires_in_days = 1", person),
				regexp.MustCompile(`(?s)Not a machine user.*Access\s+keys\s+of\s+people\s+are\s+self-service`)),
			invalid(`machine_user_id = "no-such-user"
expires_in_days = 1`, errorText(`has no user with id "no-such-user"`)),
			// The configuration alone.
			invalid(fmt.Sprintf("machine_user_id = %q\nexpires_in_days = 0", mu.ID), errorText("must be between 1 and 365")),
			invalid(fmt.Sprintf("machine_user_id = %q\nexpires_in_days = 366", mu.ID), errorText("must be between 1 and 365")),
			invalid(fmt.Sprintf("machine_user_id = %q\nexpires_in_days = 30\nrotate_before_days = 30", mu.ID),
				errorText("rotate_before_days (30) must be less than expires_in_days (30)")),
			invalid(fmt.Sprintf("machine_user_id = %q\nexpires_in_days = 1\nrotate_before_days = 1", mu.ID),
				errorText("Raise expires_in_days, or remove rotate_before_days.")),
			invalid(fmt.Sprintf("machine_user_id = %q\nexpires_in_days = 1\nname = %q", mu.ID, strings.Repeat("n", 201)),
				errorText("must be between 1 and 200")),
			invalid(fmt.Sprintf("machine_user_id = %q\nexpires_in_days = 1\nname = \"a\"\nname_prefix = \"b\"", mu.ID),
				errorText(`Attribute "name" cannot be specified when "name_prefix" is specified`)),
			{
				Config:        key(fmt.Sprintf("machine_user_id = %q\nexpires_in_days = 1", mu.ID)),
				ResourceName:  accessKeyAddress,
				ImportState:   true,
				ImportStateId: "just-a-key-id",
				ExpectError:   errorText(`Use "<organization_id>/<machine_user_id>/<key_id>", or "<machine_user_id>/<key_id>"`),
			},
		},
	})

	if writes := env.Writes(mark); len(writes) > 0 {
		t.Errorf("invalid configurations reached the server: %v", writes)
	}
}

// --- unit tests (no server) ---

// planAccessKey runs the resource's ModifyPlan for an existing key whose
// expires_at is expiresAt, with the provider's clock at now; its machine
// user holds that one key.
func planAccessKey(t *testing.T, now, expiresAt time.Time, rotateBeforeDays *int64) *resource.ModifyPlanResponse {
	t.Helper()
	return planAccessKeyOf(t, now, expiresAt, rotateBeforeDays, keyListAPI(t, now, 1))
}

// keyListAPI is a client of a server that answers every request with a
// list of held active access keys (and fails the test on anything but a
// GET of a key list).
func keyListAPI(t *testing.T, now time.Time, held int) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/access-keys") {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			http.Error(w, "{}", http.StatusTeapot)
			return
		}
		ts := now.UTC().Format(time.RFC3339)
		var items []string
		for i := range held {
			items = append(items, fmt.Sprintf(`{"type":"access-key","id":"key%d","metadata":{"createdDate":%q,"lastModifiedDate":%q},`+
				`"properties":{"userId":"mu","organizationId":"org","name":"held-%d","expiresAt":%q,"maskedKey":"pgc_key%d_…abcd","state":"active"}}`,
				i, ts, ts, i, now.Add(24*time.Hour).UTC().Format(time.RFC3339), i))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"type":"collection","offset":0,"limit":100,"total":%d,"items":[%s]}`, held, strings.Join(items, ","))
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{Endpoint: srv.URL, AccessKey: "unit-test", MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// planAccessKeyOf is planAccessKey with the API that api reaches.
func planAccessKeyOf(t *testing.T, now, expiresAt time.Time, rotateBeforeDays *int64, api *client.Client) *resource.ModifyPlanResponse {
	t.Helper()
	ctx := context.Background()
	r := &accessKeyResource{}
	r.data = &providerData{configuredOrganizationID: "org", now: func() time.Time { return now }, client: api}
	var s resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &s)
	objectType := s.Schema.Type().TerraformType(ctx).(tftypes.Object)
	values := map[string]tftypes.Value{}
	for name, typ := range objectType.AttributeTypes {
		values[name] = tftypes.NewValue(typ, nil)
	}
	str := func(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	values["organization_id"] = str("org")
	values["machine_user_id"] = str("mu")
	values["expires_in_days"] = tftypes.NewValue(tftypes.Number, 30)
	if rotateBeforeDays != nil {
		values["rotate_before_days"] = tftypes.NewValue(tftypes.Number, *rotateBeforeDays)
	}
	config := tftypes.NewValue(objectType, values)
	values["id"] = str("abcdefghij12")
	values["name"] = str("deploy")
	values["expires_at"] = str(expiresAt.UTC().Format(time.RFC3339))
	values["state"] = str("active")
	raw := tftypes.NewValue(objectType, values)

	req := resource.ModifyPlanRequest{
		Config: tfsdk.Config{Schema: s.Schema, Raw: config},
		Plan:   tfsdk.Plan{Schema: s.Schema, Raw: raw},
		State:  tfsdk.State{Schema: s.Schema, Raw: raw},
	}
	resp := &resource.ModifyPlanResponse{Plan: tfsdk.Plan{Schema: s.Schema, Raw: raw}}
	r.ModifyPlan(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("ModifyPlan: %v", resp.Diagnostics)
	}
	return resp
}

func TestAccessKeyModifyPlanWarnsAboutExpiredKey(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	resp := planAccessKey(t, now, now.Add(-time.Hour), nil)
	if len(resp.RequiresReplace) != 0 {
		t.Fatalf("an expired key without rotate_before_days is replaced: %v", resp.RequiresReplace)
	}
	warnings := resp.Diagnostics.Warnings()
	if len(warnings) != 1 || warnings[0].Summary() != "Access key expired" ||
		!strings.Contains(warnings[0].Detail(), "Terraform does not replace an expired key on its own") {
		t.Fatalf("want one expiry warning, got %v", resp.Diagnostics)
	}

	resp = planAccessKey(t, now, now.Add(time.Hour), nil)
	if len(resp.Diagnostics) != 0 || len(resp.RequiresReplace) != 0 {
		t.Fatalf("a key that has not expired: %v %v", resp.Diagnostics, resp.RequiresReplace)
	}
}

func TestAccessKeyModifyPlanRotationWindow(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	seven := int64(7)
	for name, tc := range map[string]struct {
		expiresAt time.Time
		replace   bool
	}{
		"outside the window":   {now.Add(7*24*time.Hour + time.Minute), false},
		"at the window's edge": {now.Add(7 * 24 * time.Hour), true},
		"inside the window":    {now.Add(24 * time.Hour), true},
		"expired":              {now.Add(-time.Hour), true},
	} {
		t.Run(name, func(t *testing.T) {
			resp := planAccessKey(t, now, tc.expiresAt, &seven)
			if replaced := len(resp.RequiresReplace) > 0; replaced != tc.replace {
				t.Fatalf("replace = %v, want %v (%v)", replaced, tc.replace, resp.Diagnostics)
			}
			if !tc.replace {
				return
			}
			var expiresAt types.String
			resp.Plan.GetAttribute(context.Background(), path.Root("expires_at"), &expiresAt)
			if !expiresAt.IsUnknown() {
				t.Fatalf("a rotated key's expires_at is planned as %v, want unknown", expiresAt)
			}
		})
	}
}

// A key that rotates while its machine user holds another one fits only if
// the old key goes first; with create_before_destroy the apply would fail,
// so the plan of the replaced key warns. With room for both, it does not.
func TestAccessKeyModifyPlanWarnsWithoutRoomToRotate(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	seven := int64(7)
	inWindow := now.Add(24 * time.Hour)

	roomWarnings := func(resp *resource.ModifyPlanResponse) (details []string) {
		for _, w := range resp.Diagnostics.Warnings() {
			if w.Summary() == "Rotation without room for both keys" {
				details = append(details, w.Detail())
			}
		}
		return details
	}

	resp := planAccessKeyOf(t, now, inWindow, &seven, keyListAPI(t, now, 2))
	if len(resp.RequiresReplace) == 0 {
		t.Fatal("a key inside its rotation window is not replaced")
	}
	if w := roomWarnings(resp); len(w) != 1 ||
		!strings.Contains(w[0], "machine user mu holds 2 active access keys (held-0 (key0), held-1 (key1))") ||
		!strings.Contains(w[0], "create_before_destroy") {
		t.Fatalf("want one warning about the room to rotate, got %v", resp.Diagnostics)
	}

	resp = planAccessKeyOf(t, now, inWindow, &seven, keyListAPI(t, now, 1))
	if len(resp.RequiresReplace) == 0 || len(roomWarnings(resp)) != 0 {
		t.Fatalf("a key that rotates alone: replace %v, diagnostics %v", resp.RequiresReplace, resp.Diagnostics)
	}
}

// A machine user whose id is chosen in the configuration has a known id at
// plan time but does not exist yet: the plan-time checks of its key and its
// bindings must not take it for a missing user.
func TestAccAccessKey_machineUserWithChosenIDInTheSameRun(t *testing.T) {
	env := accEnv(t)
	id := randomName("bot")
	config := machineUserConfig(fmt.Sprintf("id = %q\nusername = %q", id, randomName("bot"))) + fmt.Sprintf(`
resource "pgcloud_access_key" "test" {
  machine_user_id = pgcloud_machine_user.test.id
  expires_in_days = 1
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

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if err := checkAccessKeysDestroyed(env)(s); err != nil {
				return err
			}
			return checkRoleBindingsDestroyed(env)(s)
		},
		Steps: []acc.TestStep{{
			Config: config,
			ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectKnownValue(accessKeyAddress, tfjsonpath.New("machine_user_id"), knownvalue.StringExact(id)),
				plancheck.ExpectKnownValue(orgRoleBindingAddress, tfjsonpath.New("id"), knownvalue.StringExact(env.OrgID+"/"+id+"/org_admin")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				expectKey("machine_user_id", knownvalue.StringExact(id)),
				expectKey("secret", knownvalue.StringRegexp(keySecretPattern)),
				expectOrgBinding("user_id", knownvalue.StringExact(id)),
				expectProjectBinding("user_id", knownvalue.StringExact(id)),
			},
		}},
	})
}

// A key the machine user has no room for fails the plan, with the keys it
// holds listed, and nothing is written; so does a second new key in one run
// when only one fits.
func TestAccAccessKey_quotaAtPlan(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	full, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("full")})
	if err != nil {
		t.Fatal(err)
	}
	half, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("half")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = api.DeleteMachineUser(context.Background(), env.OrgID, full.ID)
		_ = api.DeleteMachineUser(context.Background(), env.OrgID, half.ID)
	})
	var names []string
	for i := range 2 {
		k, err := api.CreateMachineUserAccessKey(ctx, env.OrgID, full.ID, client.AccessKeyCreate{Name: fmt.Sprintf("held-%d", i), ExpiresInDays: 5})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, k.Name)
	}
	if _, err := api.CreateMachineUserAccessKey(ctx, env.OrgID, half.ID, client.AccessKeyCreate{Name: "held", ExpiresInDays: 5}); err != nil {
		t.Fatal(err)
	}
	keys := func(user string, n int) string {
		var out string
		for i := range n {
			out += fmt.Sprintf("resource \"pgcloud_access_key\" \"k%d\" {\n  machine_user_id = %q\n  expires_in_days = 1\n}\n", i, user)
		}
		return out
	}
	mark := env.WriteCount()
	acc.Test(t, acc.TestCase{ // not parallel: it counts the server's writes
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Config:      keys(full.ID, 1),
				ExpectError: errorText(fmt.Sprintf("Machine user %s holds 2 active access keys (%s (", full.ID, names[0]) + ""),
			},
			{
				Config:      keys(half.ID, 2),
				ExpectError: errorText("and this plan creates 2 more for it, but a machine user holds at most 2. Make room first"),
			},
		},
	})
	if writes := env.Writes(mark); len(writes) > 0 {
		t.Errorf("refused plans reached the server: %v", writes)
	}
}
