package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

const clusterUserAddress = "pgcloud_postgres_cluster_user.this"

func clusterUserWriteOnlyConfig(clusterID, username, password string, version int) string {
	return fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id          = %q
  username            = %q
  password_wo         = %q
  password_wo_version = %d
}
`, clusterID, username, password, version)
}

func clusterUserPasswordConfig(clusterID, username, password string) string {
	return fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id = %q
  username   = %q
  password   = %q
}
`, clusterID, username, password)
}

// checkClusterUsersDestroyed asks the API that every cluster user of the
// state is gone.
func checkClusterUsersDestroyed(env *testenv.Env) func(*terraform.State) error {
	return func(s *terraform.State) error {
		api := env.Client(env.AdminKey)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "pgcloud_postgres_cluster_user" {
				continue
			}
			_, err := api.GetClusterUser(context.Background(), rs.Primary.Attributes["cluster_id"], rs.Primary.Attributes["username"])
			if err == nil {
				return fmt.Errorf("cluster user %s still exists after destroy", rs.Primary.ID)
			}
			if !client.IsNotFound(err) {
				return fmt.Errorf("check cluster user %s is gone: %w", rs.Primary.ID, err)
			}
		}
		return nil
	}
}

// canLogIn proves the user is a real PostgreSQL role with that password.
func canLogIn(pg *testpg.Postgres, username, password string) func(*terraform.State) error {
	return func(*terraform.State) error {
		if err := pg.ConnectAs(context.Background(), username, password); err != nil {
			return fmt.Errorf("log in to PostgreSQL as %q: %w", username, err)
		}
		return nil
	}
}

func cannotLogIn(pg *testpg.Postgres, username, password string) func(*terraform.State) error {
	return func(*terraform.State) error {
		if err := pg.ConnectAs(context.Background(), username, password); err == nil {
			return fmt.Errorf("%q still logs in with a password that was replaced", username)
		}
		return nil
	}
}

// stateHasNo fails if any attribute of any resource in the state holds secret.
func stateHasNo(secret string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				if strings.Contains(v, secret) {
					return fmt.Errorf("the state holds the write-only password in %s.%s", addr, k)
				}
			}
		}
		return nil
	}
}

func TestAccPostgresClusterUser_writeOnlyPassword(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	username := randomName("app")
	first, second := "first-"+randomName("pw"), "second-"+randomName("pw")

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkClusterUsersDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: clusterUserWriteOnlyConfig(clusterID, username, first, 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("id"), knownvalue.StringExact(clusterID+"/"+username)),
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("password"), knownvalue.Null()),
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(1)),
				},
				Check: acc.ComposeAggregateTestCheckFunc(canLogIn(pg, username, first), stateHasNo(first)),
			},
			{
				// A new write-only password is set in place when its version changes.
				Config: clusterUserWriteOnlyConfig(clusterID, username, second, 2),
				ConfigPlanChecks: acc.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(clusterUserAddress, plancheck.ResourceActionUpdate)},
				},
				Check: acc.ComposeAggregateTestCheckFunc(
					canLogIn(pg, username, second), cannotLogIn(pg, username, first), stateHasNo(second)),
			},
			{
				ResourceName:                         clusterUserAddress,
				ImportState:                          true,
				ImportStateId:                        clusterID + "/" + username,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				// Passwords cannot be read back; an import leaves them unset.
				ImportStateVerifyIgnore: []string{"password_wo", "password_wo_version", "password", "timeouts"},
			},
		},
	})

	// Neither password reached PostgreSQL's log (log_statement = 'all') or
	// the server's log: PostgreSQL only ever saw SCRAM-SHA-256 verifiers.
	pgLog, err := pg.Log()
	if err != nil {
		t.Fatal(err)
	}
	if pg.LogFile == "" {
		// An external cluster (PGCLOUD_TEST_POSTGRES_DSN): its log is not ours to read.
		t.Log("PostgreSQL's log not checked: the cluster is external")
	} else if !strings.Contains(pgLog, "SCRAM-SHA-256$") {
		t.Error("PostgreSQL's log shows no CREATE/ALTER ROLE statements; is log_statement = 'all' on?")
	}
	for _, pw := range []string{first, second} {
		if strings.Contains(pgLog, pw) {
			t.Errorf("PostgreSQL's log contains a plain password")
		}
		if strings.Contains(testServerLog.String(), pw) {
			t.Errorf("the server's log contains a plain password")
		}
	}
}

func TestAccPostgresClusterUser_passwordInStateAndOddName(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	// Quotes, spaces, a semicolon and unicode: quoted safely all the way.
	username := fmt.Sprintf(`o'brien "%s"; ü`, randomName("x"))
	first, second := "first-"+randomName("pw"), "second-"+randomName("pw")

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkClusterUsersDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: clusterUserPasswordConfig(clusterID, username, first),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("username"), knownvalue.StringExact(username)),
					statecheck.ExpectSensitiveValue(clusterUserAddress, tfjsonpath.New("password")),
				},
				Check: canLogIn(pg, username, first),
			},
			{
				Config: clusterUserPasswordConfig(clusterID, username, second),
				ConfigPlanChecks: acc.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(clusterUserAddress, plancheck.ResourceActionUpdate)},
				},
				Check: acc.ComposeAggregateTestCheckFunc(canLogIn(pg, username, second), cannotLogIn(pg, username, first)),
			},
			{
				ResourceName:                         clusterUserAddress,
				ImportState:                          true,
				ImportStateId:                        clusterID + "/" + username,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				ImportStateVerifyIgnore:              []string{"password", "timeouts"},
			},
		},
	})
}

func TestAccPostgresClusterUser_droppedOutsideTerraform(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	username := randomName("dropped")
	password := "pw-" + randomName("x")
	config := clusterUserWriteOnlyConfig(clusterID, username, password, 1)

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkClusterUsersDestroyed(env),
		Steps: []acc.TestStep{
			{Config: config, Check: canLogIn(pg, username, password)},
			{
				PreConfig: func() {
					if err := pg.Exec(context.Background(), fmt.Sprintf("DROP ROLE %q", username)); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: acc.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(clusterUserAddress, plancheck.ResourceActionCreate)},
				},
				Check: canLogIn(pg, username, password),
			},
		},
	})
}

// Every refusal happens at plan time, before anything is written. Not
// parallel: the server's write count must be this test's alone.
func TestAccPostgresClusterUser_planTimeRefusals(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	ctx := context.Background()
	byHand := randomName("by_hand")
	if err := pg.Exec(ctx, fmt.Sprintf("CREATE ROLE %q LOGIN", byHand)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Exec(ctx, fmt.Sprintf("DROP ROLE IF EXISTS %q", byHand)) })
	managed := randomName("managed")
	if _, err := env.Client(env.AdminKey).CreateClusterUser(ctx, clusterID, client.ClusterUserCreate{Username: managed, Password: "managed-password-1"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client(env.AdminKey).DeleteClusterUser(ctx, clusterID, managed) })

	const goodPassword = "a-good-password-1"
	writesBefore := env.WriteCount()
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Config:      clusterUserWriteOnlyConfig(clusterID, byHand, goodPassword, 1),
				ExpectError: errorText(fmt.Sprintf(`%q is a system user of cluster %s`, byHand, clusterID)),
			},
			{
				Config:      clusterUserWriteOnlyConfig(clusterID, managed, goodPassword, 1),
				ExpectError: errorText(fmt.Sprintf(`terraform import <address> %s/%s`, clusterID, managed)),
			},
			{
				Config:      clusterUserWriteOnlyConfig("no-such-cluster", "someone", goodPassword, 1),
				ExpectError: errorText(`No cluster with id "no-such-cluster" is visible to the provider's access key`),
			},
			// A system user cannot be imported either: it could never be
			// changed or destroyed. Neither can PostgreSQL's own superuser.
			{
				Config:        clusterUserWriteOnlyConfig(clusterID, byHand, goodPassword, 1),
				ResourceName:  clusterUserAddress,
				ImportState:   true,
				ImportStateId: clusterID + "/" + byHand,
				ExpectError:   errorText(fmt.Sprintf(`%q is a system user of cluster %s`, byHand, clusterID)),
			},
			{
				Config:        clusterUserWriteOnlyConfig(clusterID, byHand, goodPassword, 1),
				ResourceName:  clusterUserAddress,
				ImportState:   true,
				ImportStateId: clusterID + "/postgres",
				ExpectError:   errorText(fmt.Sprintf(`"postgres" is a system user of cluster %s`, clusterID)),
			},
			{
				Config:        clusterUserWriteOnlyConfig(clusterID, byHand, goodPassword, 1),
				ResourceName:  clusterUserAddress,
				ImportState:   true,
				ImportStateId: clusterID + "/no_such_user",
				ExpectError:   errorText(fmt.Sprintf(`Cluster %s has no user "no_such_user"`, clusterID)),
			},
			{
				Config:      clusterUserWriteOnlyConfig(clusterID, "pg_monitor_me", goodPassword, 1),
				ExpectError: errorText(`must not start with pg_`),
			},
			{
				Config:      clusterUserWriteOnlyConfig(clusterID, "Postgres", goodPassword, 1),
				ExpectError: errorText(`value must be none of`),
			},
			{
				Config:      clusterUserWriteOnlyConfig(clusterID, strings.Repeat("ü", 32), goodPassword, 1),
				ExpectError: errorText(`username must be at most 63 bytes in UTF-8 (PostgreSQL's limit for names), got 64 bytes`),
			},
			{
				Config:      clusterUserWriteOnlyConfig(clusterID, "short_pw", "9-chars!!", 1),
				ExpectError: errorText(`UTF-8 character count must be between 10 and 63, got: 9`),
			},
			{
				Config:      clusterUserPasswordConfig(clusterID, "short_pw", "9-chars!!"),
				ExpectError: errorText(`UTF-8 character count must be between 10 and 63, got: 9`),
			},
			{
				Config: fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id  = %q
  username    = "both"
  password    = %q
  password_wo = %q
}
`, clusterID, goodPassword, goodPassword),
				ExpectError: errorText(`These attributes cannot be configured together: [password,password_wo]`),
			},
			{
				Config: fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id = %q
  username   = "no_password"
}
`, clusterID),
				ExpectError: errorText(`A new cluster user needs a password`),
			},
			{
				Config: fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id  = %q
  username    = "no_version"
  password_wo = %q
}
`, clusterID, goodPassword),
				ExpectError: errorText(`These attributes must be configured together: [password_wo,password_wo_version]`),
			},
		},
	})
	if writes := env.Writes(writesBefore); len(writes) != 0 {
		t.Errorf("refused plans wrote to the server: %v", writes)
	}
}

// A user made outside Terraform is adopted without a password, as the
// configuration terraform query generates has none (none can be read back):
// the import plans no change and leaves the password alone. Adding
// password_wo later sets it in place; leaving both out again stops
// managing it, and the role keeps the password it has.
func TestAccPostgresClusterUser_adoptedWithoutPassword(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	ctx := context.Background()
	username := randomName("adopted")
	const byHand, managed = "set-by-hand-1", "set-by-terraform-1"
	if _, err := env.Client(env.AdminKey).CreateClusterUser(ctx, clusterID, client.ClusterUserCreate{Username: username, Password: byHand}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client(env.AdminKey).DeleteClusterUser(context.Background(), clusterID, username) })
	withoutPassword := fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id = %q
  username   = %q
}
`, clusterID, username)
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkClusterUsersDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: withoutPassword + fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", clusterUserAddress, clusterID+"/"+username),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(clusterUserAddress, plancheck.ResourceActionNoop),
				}},
				Check: canLogIn(pg, username, byHand),
			},
			{
				Config: clusterUserWriteOnlyConfig(clusterID, username, managed, 1),
				ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(clusterUserAddress, plancheck.ResourceActionUpdate),
				}},
				Check: acc.ComposeTestCheckFunc(canLogIn(pg, username, managed), cannotLogIn(pg, username, byHand)),
			},
			{
				Config: withoutPassword,
				Check:  canLogIn(pg, username, managed),
			},
		},
	})
}

// Each bad username gets the one error that explains it: an empty name is
// not also said to start with pg_.
func TestClusterUsernameValidators(t *testing.T) {
	ctx := context.Background()
	var s resource.SchemaResponse
	NewPostgresClusterUserResource().Schema(ctx, resource.SchemaRequest{}, &s)
	username := s.Schema.Attributes["username"].(schema.StringAttribute)
	for value, want := range map[string]string{
		"":                      "string length must be at least 1",
		"pg_monitor_me":         "must not start with pg_",
		strings.Repeat("ü", 32): "must be at most 63 bytes in UTF-8 (PostgreSQL's limit for names), got 64 bytes",
		strings.Repeat("ü", 31): "",
		"app_user":              "",
	} {
		var diags diag.Diagnostics
		for _, v := range username.Validators {
			resp := &validator.StringResponse{}
			v.ValidateString(ctx, validator.StringRequest{Path: path.Root("username"), ConfigValue: types.StringValue(value)}, resp)
			diags.Append(resp.Diagnostics...)
		}
		switch {
		case want == "" && diags.HasError():
			t.Errorf("%q: want no error, got %v", value, diags)
		case want != "" && (diags.ErrorsCount() != 1 || !strings.Contains(diags.Errors()[0].Detail(), want)):
			t.Errorf("%q: want exactly one error containing %q, got %v", value, want, diags)
		}
	}
}
