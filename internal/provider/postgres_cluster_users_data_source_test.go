package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// postgresVersion is how PostgreSQL reports its version ("15.18", "16.4 (Debian …)").
var postgresVersion = regexp.MustCompile(`^\d+(\.\d+)?`)

func TestAccPostgresClusterUsersDataSource(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	ctx := context.Background()

	// A managed user made through the API, and a role made by hand, which
	// the platform sees as a system user.
	managed := randomName("listed")
	if _, err := env.Client(env.AdminKey).CreateClusterUser(ctx, clusterID, client.ClusterUserCreate{Username: managed, Password: "listed-password-1"}); err != nil {
		t.Fatal(err)
	}
	byHand := randomName("by_hand")
	if err := pg.Exec(ctx, fmt.Sprintf(`CREATE ROLE %q LOGIN`, byHand)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = env.Client(env.AdminKey).DeleteClusterUser(ctx, clusterID, managed)
		_ = pg.Exec(ctx, fmt.Sprintf(`DROP ROLE IF EXISTS %q`, byHand))
	})

	user := func(name string, system bool) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"username": knownvalue.StringExact(name),
			"system":   knownvalue.Bool(system),
		})
	}
	const managedOnly, all = "data.pgcloud_postgres_cluster_users.managed", "data.pgcloud_postgres_cluster_users.all"

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Config:      `data "pgcloud_postgres_cluster_users" "this" { cluster_id = "no-such-cluster-id" }`,
				ExpectError: errorText(`Could not list the users of cluster no-such-cluster-id`),
			},
			{
				Config: fmt.Sprintf(`
data "pgcloud_postgres_cluster_users" "managed" {
  cluster_id = %q
}

data "pgcloud_postgres_cluster_users" "all" {
  cluster_id     = %q
  include_system = true
}
`, clusterID, clusterID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(managedOnly, tfjsonpath.New("users"), knownvalue.SetPartial([]knownvalue.Check{user(managed, false)})),
					statecheck.ExpectKnownValue(all, tfjsonpath.New("users"), knownvalue.SetPartial([]knownvalue.Check{
						user(managed, false), user(byHand, true), user("postgres", true),
					})),
				},
				Check: func(s *terraform.State) error {
					// System users stay out of the list unless asked for.
					rs := s.RootModule().Resources[managedOnly]
					for k, v := range rs.Primary.Attributes {
						if v == byHand || v == "postgres" {
							return fmt.Errorf("%s lists system user %s (%s) without include_system", managedOnly, v, k)
						}
					}
					return nil
				},
			},
		},
	})
}
