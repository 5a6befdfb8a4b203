package provider

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	"github.com/jackc/pgx/v5"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// terminateConnectionsConfig invokes the action on user username of cluster
// clusterID once, when the terraform_data that triggers it is created.
// prelude goes first (a provider block, ...).
func terminateConnectionsConfig(prelude, clusterID, username string) string {
	return prelude + fmt.Sprintf(`
action "pgcloud_postgres_cluster_user_terminate_connections" "rotated" {
  config {
    cluster_id = %q
    username   = %q
  }
}

resource "terraform_data" "rotation" {
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.pgcloud_postgres_cluster_user_terminate_connections.rotated]
    }
  }
}
`, clusterID, username)
}

// newClusterUserForAction makes a user of the test cluster through the API,
// dropped when the test ends, and returns its name.
func newClusterUserForAction(t *testing.T, env *testenv.Env, clusterID, password string) string {
	t.Helper()
	api := env.Client(env.AdminKey)
	name := "act_" + acctest.RandStringFromCharSet(10, acctest.CharSetAlphaNum)
	if _, err := api.CreateClusterUser(context.Background(), clusterID, client.ClusterUserCreate{Username: name, Password: password}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.DeleteClusterUser(context.Background(), clusterID, name) })
	return name
}

// openConnections opens n connections to the cluster as user, closed when
// the test ends.
func openConnections(t *testing.T, pg *testpg.Postgres, user, password string, n int) []*pgx.Conn {
	t.Helper()
	var conns []*pgx.Conn
	for range n {
		conn, err := pg.OpenAs(context.Background(), user, password)
		if err != nil {
			t.Fatalf("connect as %s: %v", user, err)
		}
		t.Cleanup(func() { _ = conn.Close(context.Background()) })
		conns = append(conns, conn)
	}
	return conns
}

// connectionWorks reports whether conn still answers a query.
func connectionWorks(conn *pgx.Conn) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one) == nil
}

// The rotation: the user's open sessions must not go on. The action ends
// them, for real: afterwards the connections are closed and PostgreSQL
// holds no backend of the user, while another user's connection works on.
func TestAccPostgresClusterUserTerminateConnectionsAction_endsTheSessions(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	const password = "open-sessions-1"
	user := newClusterUserForAction(t, env, clusterID, password)
	bystander := newClusterUserForAction(t, env, clusterID, password)
	sessions := openConnections(t, pg, user, password, 2)
	other := openConnections(t, pg, bystander, password, 1)[0]

	acc.ParallelTest(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config: terminateConnectionsConfig("", clusterID, user),
			Check: func(*terraform.State) error {
				for i, conn := range sessions {
					if connectionWorks(conn) {
						return fmt.Errorf("connection %d of %s still works after the action", i, user)
					}
				}
				left, err := pg.QueryString(context.Background(), `SELECT count(*)::text FROM pg_stat_activity WHERE usename = $1`, user)
				if err != nil || left != "0" {
					return fmt.Errorf("%s backends of %s left after the action (%v)", left, user, err)
				}
				if !connectionWorks(other) {
					return fmt.Errorf("the connection of %s, another user, was ended", bystander)
				}
				return nil
			},
		}},
	})
}

// A caller that may read the cluster but not change its users is told which
// roles it needs, and no connection ends.
func TestAccPostgresClusterUserTerminateConnectionsAction_needsAnEditor(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	clusterID, pg := testCluster(t)
	const password = "open-sessions-2"
	user := newClusterUserForAction(t, env, clusterID, password)
	session := openConnections(t, pg, user, password, 1)[0]
	viewer := newMachineUserForAction(t, env, "viewer")
	if _, err := env.Admin.BindProjectRole(ctx, viewer.ID, env.ProjectID, "project_viewer"); err != nil {
		t.Fatal(err)
	}
	viewerKey, err := env.Admin.CreateAccessKey(ctx, viewer.ID, 1)
	if err != nil {
		t.Fatal(err)
	}

	acc.ParallelTest(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config: terminateConnectionsConfig(fmt.Sprintf("provider \"pgcloud\" {\n  access_key = %q\n}\n", viewerKey), clusterID, user),
			ExpectError: errorTexts(`Ending the connections of user "`+user+`" of cluster `+clusterID+
				` needs the project_editor or project_owner role on the cluster's project, or org_owner on its organization`,
				"HTTP 403 PERMISSION_DENIED"),
		}},
	})
	if !connectionWorks(session) {
		t.Error("the refused action ended the connection")
	}
}

// A system user (one the platform did not create) fails the plan, before
// anything runs: its connections are not the platform's to end.
func TestAccPostgresClusterUserTerminateConnectionsAction_systemUserFailsThePlan(t *testing.T) {
	accEnv(t)
	clusterID, _ := testCluster(t)
	acc.ParallelTest(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config:      terminateConnectionsConfig("", clusterID, "postgres"),
			PlanOnly:    true,
			ExpectError: errorText(`"postgres" is a system user of cluster ` + clusterID + `: the platform did not create it`),
		}},
	})
}
