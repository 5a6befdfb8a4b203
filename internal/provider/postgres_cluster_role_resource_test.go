package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

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

const clusterRoleAddress = "pgcloud_postgres_cluster_role.readers"

// groupAndUserConfig: a group role with pg_read_all_data, and a user in
// it (and in extra roles).
func groupAndUserConfig(clusterID, group, username, password string, groupMemberOf, userMemberOf string) string {
	return fmt.Sprintf(`
resource "pgcloud_postgres_cluster_role" "readers" {
  cluster_id = %[1]q
  name       = %[2]q
  member_of  = [%[5]s]
}

resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id = %[1]q
  username   = %[3]q
  password   = %[4]q
  member_of  = [pgcloud_postgres_cluster_role.readers.name%[6]s]
}
`, clusterID, group, username, password, groupMemberOf, userMemberOf)
}

// checkClusterRolesDestroyed asks the API that every group role of the
// state is gone.
func checkClusterRolesDestroyed(env *testenv.Env) func(*terraform.State) error {
	return func(s *terraform.State) error {
		api := env.Client(env.AdminKey)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "pgcloud_postgres_cluster_role" {
				continue
			}
			_, err := api.GetClusterRole(context.Background(), rs.Primary.Attributes["cluster_id"], rs.Primary.Attributes["name"])
			if err == nil {
				return fmt.Errorf("group role %s still exists after destroy", rs.Primary.ID)
			}
			if !client.IsNotFound(err) {
				return fmt.Errorf("check group role %s is gone: %w", rs.Primary.ID, err)
			}
		}
		return nil
	}
}

// readsButCannotWrite proves that user reads a table another role created
// and cannot insert into it.
func readsButCannotWrite(pg *testpg.Postgres, user, password, table string) func(*terraform.State) error {
	return func(*terraform.State) error {
		ctx := context.Background()
		conn, err := pg.OpenAs(ctx, user, password)
		if err != nil {
			return fmt.Errorf("log in as %q: %w", user, err)
		}
		defer func() { _ = conn.Close(ctx) }()
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil || n != 1 {
			return fmt.Errorf("SELECT as %q: %d rows, %v", user, n, err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO `+table+` VALUES (2)`); err == nil || !strings.Contains(err.Error(), "permission denied") {
			return fmt.Errorf("INSERT as %q: %v, want permission denied", user, err)
		}
		return nil
	}
}

// memberships is what the cluster says user is a member of.
func memberships(pg *testpg.Postgres, user string) (string, error) {
	return pg.QueryString(context.Background(), `SELECT coalesce(string_agg(g.rolname, ',' ORDER BY g.rolname), '')
		FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
		WHERE u.rolname = $1 AND g.rolname NOT LIKE 'pgcloud\_%'`, user)
}

// An application user gets its privileges through a group role: a member of
// pg_read_all_data through it reads a table another role created and
// writes nothing; a membership revoked by hand shows as drift and is put
// back; both import.
func TestAccPostgresClusterRole_groupGivesPrivileges(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	group, username := randomName("readers"), randomName("app")
	password := "pw-" + randomName("p")
	table := pgQuoteIdent(randomName("orders"))
	ctx := context.Background()
	if err := pg.Exec(ctx, `CREATE TABLE `+table+` (id int); INSERT INTO `+table+` VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Exec(context.Background(), `DROP TABLE `+table) })

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             acc.ComposeAggregateTestCheckFunc(checkClusterUsersDestroyed(env), checkClusterRolesDestroyed(env)),
		Steps: []acc.TestStep{
			{
				Config: groupAndUserConfig(clusterID, group, username, password, `"pg_read_all_data"`, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(clusterRoleAddress, tfjsonpath.New("id"), knownvalue.StringExact(clusterID+"/"+group)),
					statecheck.ExpectKnownValue(clusterRoleAddress, tfjsonpath.New("member_of"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("pg_read_all_data")})),
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("member_of"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(group)})),
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("login"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("connection_limit"), knownvalue.Int64Exact(-1)),
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("valid_until"), knownvalue.Null()),
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("rotation"), knownvalue.StringExact("none")),
					statecheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("active_username"), knownvalue.StringExact(username)),
				},
				Check: readsButCannotWrite(pg, username, password, table),
			},
			{
				// Drift: the user's membership revoked by hand shows, and
				// the apply puts it back.
				PreConfig: func() {
					if err := pg.Exec(ctx, `REVOKE `+pgQuoteIdent(group)+` FROM `+pgQuoteIdent(username)); err != nil {
						t.Fatal(err)
					}
				},
				Config: groupAndUserConfig(clusterID, group, username, password, `"pg_read_all_data"`, ""),
				ConfigPlanChecks: acc.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(clusterUserAddress, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(clusterUserAddress, tfjsonpath.New("member_of"),
							knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(group)})),
					},
				},
				Check: acc.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						if got, err := memberships(pg, username); err != nil || got != group {
							return fmt.Errorf("memberships of the user after the apply: %q %v", got, err)
						}
						return nil
					},
					readsButCannotWrite(pg, username, password, table)),
			},
			{
				// Memberships change in place, the group's and the user's.
				Config: groupAndUserConfig(clusterID, group, username, password, `"pg_read_all_data", "pg_monitor"`, `, "pg_read_all_stats"`),
				ConfigPlanChecks: acc.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(clusterRoleAddress, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(clusterUserAddress, plancheck.ResourceActionUpdate),
					},
				},
				Check: func(*terraform.State) error {
					if got, err := memberships(pg, username); err != nil || got != strings.Join(slices.Sorted(slices.Values([]string{group, "pg_read_all_stats"})), ",") {
						return fmt.Errorf("memberships of the user: %q %v", got, err)
					}
					if got, err := memberships(pg, group); err != nil || got != "pg_monitor,pg_read_all_data" {
						return fmt.Errorf("memberships of the group: %q %v", got, err)
					}
					return nil
				},
			},
			{
				ResourceName:                         clusterRoleAddress,
				ImportState:                          true,
				ImportStateId:                        clusterID + "/" + group,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				ImportStateVerifyIgnore:              []string{"timeouts"},
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

// Plan-time checks of member_of and the group's name; nothing is written.
func TestAccPostgresClusterRole_planTimeChecks(t *testing.T) {
	accEnv(t)
	clusterID, _ := testCluster(t)
	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Config: fmt.Sprintf(`
resource "pgcloud_postgres_cluster_role" "readers" {
  cluster_id = %q
  name       = "pg_readers"
  member_of  = ["pg_execute_server_program", "pgcloud_managed"]
}`, clusterID),
				ExpectError: errorTexts("must not start with pg_", "pg_read_all_data, pg_write_all_data", "value must be none of"),
			},
			{
				Config: fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id       = %q
  username         = "someone"
  password         = "0123456789"
  connection_limit = 0
  valid_until      = "tomorrow"
  rotation         = "daily"
}`, clusterID),
				ExpectError: errorTexts("connection_limit", "RFC 3339", "rotation"),
			},
			{
				Config: fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id  = %q
  username    = "someone"
  password    = "0123456789"
  valid_until = "2001-01-01T00:00:00Z"
}`, clusterID),
				ExpectError: errorText("has already passed"),
			},
			{
				Config: fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "this" {
  cluster_id = %q
  username   = %q
  password   = "0123456789"
  rotation   = "alternating"
}`, clusterID, strings.Repeat("n", 60)),
				ExpectError: errorText("at most 59 bytes"),
			},
		},
	})
}
