package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// listedClusterUsers are two users of the test cluster made through the API
// (with passwordOf their passwords) and a role made by hand in the cluster,
// which the platform treats as a system user.
type listedClusterUsers struct {
	clusterID  string
	pg         *testpg.Postgres
	managed    []string
	system     string
	passwordOf map[string]string
	identity   func(username string) map[string]knownvalue.Check
}

func makeListedClusterUsers(t *testing.T) listedClusterUsers {
	t.Helper()
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	u := listedClusterUsers{
		clusterID:  clusterID,
		pg:         pg,
		managed:    []string{randomName("listed_a"), randomName("listed_b")},
		system:     randomName("by_hand"),
		passwordOf: map[string]string{},
		identity: func(username string) map[string]knownvalue.Check {
			return identityOf("cluster_id", clusterID, "username", username)
		},
	}
	for i, name := range u.managed {
		u.passwordOf[name] = fmt.Sprintf("made-by-hand-%d", i)
		if _, err := api.CreateClusterUser(ctx, clusterID, client.ClusterUserCreate{Username: name, Password: u.passwordOf[name]}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = api.DeleteClusterUser(context.Background(), clusterID, name) })
	}
	if err := pg.Exec(ctx, fmt.Sprintf("CREATE ROLE %q LOGIN", u.system)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Exec(context.Background(), fmt.Sprintf("DROP ROLE IF EXISTS %q", u.system)) })
	return u
}

// The users of a cluster are found by username, without the system users
// unless asked; system users are marked in their names, and left out of
// results that carry resources (which -generate-config-out would turn into
// imports that always fail). With include_resource the result holds the
// state a Read of an imported user builds: no password.
func TestAccPostgresClusterUserListResource_query(t *testing.T) {
	users := makeListedClusterUsers(t)
	a, b := users.managed[0], users.managed[1]
	checks := []querycheck.QueryResultCheck{
		querycheck.ExpectNoIdentity("pgcloud_postgres_cluster_user.managed", users.identity(users.system)),
		querycheck.ExpectNoIdentity("pgcloud_postgres_cluster_user.managed", users.identity("postgres")),
		querycheck.ExpectIdentity("pgcloud_postgres_cluster_user.with_system", users.identity(a)),
		querycheck.ExpectNoIdentity("pgcloud_postgres_cluster_user.resources", users.identity(users.system)),
		expectState("pgcloud_postgres_cluster_user.resources", users.identity(b), map[string]knownvalue.Check{
			"id":                  knownvalue.StringExact(users.clusterID + "/" + b),
			"cluster_id":          knownvalue.StringExact(users.clusterID),
			"username":            knownvalue.StringExact(b),
			"password":            knownvalue.Null(),
			"password_wo":         knownvalue.Null(),
			"password_wo_version": knownvalue.Null(),
			"timeouts":            knownvalue.Null(),
		}),
		querycheck.ExpectLength("pgcloud_postgres_cluster_user.limited", 1),
	}
	checks = append(checks, expectFound("pgcloud_postgres_cluster_user.managed", users.identity(a), a)...)
	checks = append(checks, expectFound("pgcloud_postgres_cluster_user.managed", users.identity(b), b)...)
	checks = append(checks, expectFound("pgcloud_postgres_cluster_user.with_system", users.identity(users.system), users.system+systemUserMark)...)
	checks = append(checks, expectFound("pgcloud_postgres_cluster_user.with_system", users.identity("postgres"), "postgres"+systemUserMark)...)
	acc.Test(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Query: true,
				Config: fmt.Sprintf(`
provider "pgcloud" {}

list "pgcloud_postgres_cluster_user" "managed" {
  provider = pgcloud
  config {
    cluster_id = %[1]q
  }
}

list "pgcloud_postgres_cluster_user" "with_system" {
  provider = pgcloud
  config {
    cluster_id           = %[1]q
    include_system_users = true
  }
}

list "pgcloud_postgres_cluster_user" "resources" {
  provider         = pgcloud
  include_resource = true
  config {
    cluster_id           = %[1]q
    include_system_users = true
  }
}

list "pgcloud_postgres_cluster_user" "limited" {
  provider = pgcloud
  limit    = 1
  config {
    cluster_id = %[1]q
  }
}
`, users.clusterID),
				QueryResultChecks: checks,
			},
			{
				Query: true,
				Config: `
provider "pgcloud" {}

list "pgcloud_postgres_cluster_user" "nowhere" {
  provider = pgcloud
  config {
    cluster_id = "no-such-cluster"
  }
}
`,
				ExpectError: errorText("Could not list the users of cluster no-such-cluster"),
			},
		},
	})
}

// The configuration terraform query generates for cluster users is valid
// though it holds no password (none can be read back): Terraform writes
// "password = null # sensitive" and "password_wo = null # sensitive". It
// imports them with no change and leaves their passwords as they were. The
// system users the query was asked to include are left out, with a warning
// that says why.
func TestAccPostgresClusterUserListResource_generatedConfigPlansNoChange(t *testing.T) {
	env := accEnv(t)
	skipBelowTerraform(t, tfversion.Version1_14_0)
	users := makeListedClusterUsers(t)
	// Every managed user of the cluster is listed: this test's, and any
	// other test's still there.
	managed, err := env.Client(env.AdminKey).ListClusterUsers(context.Background(), users.clusterID, false)
	if err != nil {
		t.Fatal(err)
	}
	cli := newTerraformDir(t)
	cli.write("main.tf", cliProviderConfig(env.URL, env.AdminKey))
	generated, queried := cli.adoptByQuery(fmt.Sprintf(`
list "pgcloud_postgres_cluster_user" "all" {
  provider = pgcloud
  config {
    cluster_id           = %q
    include_system_users = true
  }
}
`, users.clusterID), len(managed))
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`\n\s*password\s+= null # sensitive\n`),
		regexp.MustCompile(`\n\s*password_wo\s+= null # sensitive\n`),
	} {
		if !want.MatchString(generated) {
			t.Errorf("the generated configuration has no %s:\n%s", want, generated)
		}
	}
	if strings.Contains(generated, users.system) {
		t.Errorf("the generated configuration imports system user %s:\n%s", users.system, generated)
	}
	if !errorText("System users left out").MatchString(queried) {
		t.Errorf("terraform query did not warn about the system users it left out:\n%s", queried)
	}
	for _, name := range users.managed {
		if err := canLogIn(users.pg, name, users.passwordOf[name])(nil); err != nil {
			t.Errorf("after the import: %v", err)
		}
	}
}
