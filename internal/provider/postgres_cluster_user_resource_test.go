package provider

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	"github.com/jackc/pgx/v5"

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

// connection_limit = 1 refuses a second connection; valid_until, once
// passed, refuses the login (and is no drift: the plan stays empty).
func TestAccPostgresClusterUser_connectionLimitAndExpiry(t *testing.T) {
	env := accEnv(t)
	// Parallel before the expiry is taken: a parallel test waits until the
	// sequential ones are done.
	t.Parallel()
	clusterID, pg := testCluster(t)
	username, password := randomName("limited"), "pw-"+randomName("p")
	// Far enough ahead for the first step to apply; the second waits for it.
	expiry := time.Now().Add(20 * time.Second).UTC().Truncate(time.Second)
	config := fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id       = %q
  username         = %q
  password         = %q
  connection_limit = 1
  createdb         = true
  valid_until      = %q
}
`, clusterID, username, password, expiry.Format(time.RFC3339))

	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkClusterUsersDestroyed(env),
		Steps: []acc.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("connection_limit"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("createdb"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("valid_until"), knownvalue.StringExact(expiry.Format(time.RFC3339))),
				},
				Check: func(*terraform.State) error {
					ctx := context.Background()
					conn, err := pg.OpenAs(ctx, username, password)
					if err != nil {
						return fmt.Errorf("first connection: %w", err)
					}
					defer func() { _ = conn.Close(ctx) }()
					if err := pg.ConnectAs(ctx, username, password); err == nil || !strings.Contains(err.Error(), "too many connections") {
						return fmt.Errorf("second connection with connection_limit = 1: %v, want too many connections", err)
					}
					return nil
				},
			},
			{
				PreConfig: func() { time.Sleep(time.Until(expiry.Add(time.Second))) },
				Config:    config,
				ConfigPlanChecks: acc.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					err := pg.ConnectAs(context.Background(), username, password)
					if err == nil || !strings.Contains(err.Error(), "password authentication failed") {
						return fmt.Errorf("login after valid_until: %v, want it refused", err)
					}
					return nil
				},
			},
		},
	})
}

// Alternating rotation through Terraform: across three rotations of
// password_wo a client connected with the first credentials keeps working,
// each new client logs in with active_username and the new password, the
// previous credentials keep working until the next rotation, and no
// password reaches the state, PostgreSQL's log, the server's log or its
// data directory.
func TestAccPostgresClusterUser_alternatingRotation(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	username := randomName("rot")
	alt := username + "_alt"
	passwords := []string{"p0-" + randomName("pw"), "p1-" + randomName("pw"), "p2-" + randomName("pw"), "p3-" + randomName("pw")}
	active := []string{username, alt, username, alt}
	config := func(i int) string {
		return fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id          = %q
  username            = %q
  password_wo         = %q
  password_wo_version = %d
  rotation            = "alternating"
  member_of           = ["pg_read_all_data"]
}
`, clusterID, username, passwords[i], i+1)
	}
	var old *pgx.Conn
	t.Cleanup(func() {
		if old != nil {
			_ = old.Close(context.Background())
		}
	})
	steps := []acc.TestStep{{
		Config: config(0),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("rotation"), knownvalue.StringExact("alternating")),
			statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("active_username"), knownvalue.StringExact(username)),
		},
		Check: func(*terraform.State) error {
			var err error
			old, err = pg.OpenAs(context.Background(), username, passwords[0])
			return err
		},
	}}
	for i := 1; i <= 3; i++ {
		steps = append(steps, acc.TestStep{
			Config: config(i),
			ConfigPlanChecks: acc.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(clusterUserAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(clusterUserAddress, tfjsonpath.New("active_username")),
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("active_username"), knownvalue.StringExact(active[i])),
			},
			Check: func(s *terraform.State) error {
				if !connAlive(old) {
					return fmt.Errorf("rotation %d: the connection opened with the first credentials was ended", i)
				}
				if err := canLogIn(pg, active[i], passwords[i])(s); err != nil {
					return fmt.Errorf("rotation %d: new credentials: %w", i, err)
				}
				if err := canLogIn(pg, active[i-1], passwords[i-1])(s); err != nil {
					return fmt.Errorf("rotation %d: the previous credentials stopped working: %w", i, err)
				}
				if i >= 2 {
					if err := cannotLogIn(pg, active[i-2], passwords[i-2])(s); err != nil {
						return fmt.Errorf("rotation %d: %w", i, err)
					}
				}
				return stateHasNo(passwords[i])(s)
			},
		})
	}
	steps = append(steps, acc.TestStep{
		ResourceName:                         clusterUserAddress,
		ImportState:                          true,
		ImportStateId:                        clusterID + "/" + username,
		ImportStateVerify:                    true,
		ImportStateVerifyIdentifierAttribute: "id",
		ImportStateVerifyIgnore:              []string{"password_wo", "password_wo_version", "password", "timeouts"},
	})
	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy: acc.ComposeAggregateTestCheckFunc(checkClusterUsersDestroyed(env), func(*terraform.State) error {
			if err := pg.ConnectAs(context.Background(), alt, passwords[3]); err == nil {
				return fmt.Errorf("%s still logs in after destroy", alt)
			}
			return nil
		}),
		Steps: steps,
	})

	pgLog, err := pg.Log()
	if err != nil {
		t.Fatal(err)
	}
	for i, pw := range passwords {
		if strings.Contains(pgLog, pw) {
			t.Errorf("PostgreSQL's log contains password %d", i)
		}
		if strings.Contains(testServerLog.String(), pw) {
			t.Errorf("the server's log contains password %d", i)
		}
		if where := fileContaining(t, env.DataDir, pw); where != "" {
			t.Errorf("the server's data directory holds password %d in %s", i, where)
		}
	}
}

// connAlive reports whether conn still answers a query.
func connAlive(conn *pgx.Conn) bool {
	if conn == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one) == nil
}

// fileContaining is the first file under dir that holds secret, "" if none.
func fileContaining(t *testing.T, dir, secret string) string {
	t.Helper()
	var found string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found != "" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(secret)) {
			found = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// valid_until keeps the configuration's spelling of the instant the API
// answers in UTC (to PostgreSQL's microseconds); another instant is drift.
func TestSameInstant(t *testing.T) {
	api := "2030-01-31T08:00:00.123456Z"
	for _, c := range []struct {
		prior types.String
		want  string
	}{
		{types.StringValue("2030-01-31T09:00:00.123456+01:00"), "2030-01-31T09:00:00.123456+01:00"},
		{types.StringValue("2030-01-31T08:00:00.123456789Z"), "2030-01-31T08:00:00.123456789Z"},
		{types.StringValue("2030-01-31T08:00:01Z"), api},
		{types.StringNull(), api},
	} {
		if got := sameInstant(c.prior, &api); got.ValueString() != c.want {
			t.Errorf("sameInstant(%s): %s, want %s", c.prior, got, c.want)
		}
	}
	if got := sameInstant(types.StringValue("2030-01-31T08:00:00Z"), nil); !got.IsNull() {
		t.Errorf("no expiry: %s, want null", got)
	}
}
