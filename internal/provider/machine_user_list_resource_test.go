package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

// Machine users made by hand are found by their username prefix, in any
// organization the key sees (the default one here), each under its
// username; with include_resource the result holds the state a Read
// builds; and a limit stops the list.
func TestAccMachineUserListResource_query(t *testing.T) {
	env := accEnv(t)
	api := env.Client(env.AdminKey)
	ctx := context.Background()
	prefix := randomName("query")
	var made []*client.MachineUser
	for _, in := range []client.MachineUserCreate{
		{Username: prefix + "-a"},
		{Username: prefix + "-b", Name: "B bot", Description: "made by hand", Email: "b@example.com", AccessTokenType: "jwt"},
		{Username: prefix + "-c", ID: randomName("chosen")},
		{Username: randomName("elsewhere")},
	} {
		mu, err := api.CreateMachineUser(ctx, env.OrgID, in)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = api.DeleteMachineUser(context.Background(), env.OrgID, mu.ID) })
		made = append(made, mu)
	}
	identity := func(mu *client.MachineUser) map[string]knownvalue.Check {
		return identityOf("organization_id", env.OrgID, "id", mu.ID)
	}
	checks := []querycheck.QueryResultCheck{
		querycheck.ExpectLength("pgcloud_machine_user.prefixed", 3),
		querycheck.ExpectLength("pgcloud_machine_user.detailed", 1),
		expectState("pgcloud_machine_user.detailed", identity(made[1]), map[string]knownvalue.Check{
			"id":                knownvalue.StringExact(made[1].ID),
			"organization_id":   knownvalue.StringExact(env.OrgID),
			"username":          knownvalue.StringExact(prefix + "-b"),
			"name":              knownvalue.StringExact("B bot"),
			"description":       knownvalue.StringExact("made by hand"),
			"email":             knownvalue.StringExact("b@example.com"),
			"access_token_type": knownvalue.StringExact("jwt"),
			"created_at":        knownvalue.StringRegexp(rfc3339Pattern),
			"timeouts":          knownvalue.Null(),
		}),
		querycheck.ExpectLength("pgcloud_machine_user.limited", 2),
	}
	checks = append(checks, expectFound("pgcloud_machine_user.prefixed", identity(made[0]), prefix+"-a")...)
	checks = append(checks, expectFound("pgcloud_machine_user.prefixed", identity(made[1]), prefix+"-b (B bot)")...)
	checks = append(checks, expectFound("pgcloud_machine_user.prefixed", identity(made[2]), prefix+"-c")...)
	acc.Test(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Query: true,
			Config: fmt.Sprintf(`
provider "pgcloud" {}

list "pgcloud_machine_user" "prefixed" {
  provider = pgcloud
  config {
    username_prefix = %[1]q
  }
}

list "pgcloud_machine_user" "detailed" {
  provider         = pgcloud
  include_resource = true
  config {
    organization_id = %[2]q
    username_prefix = "%[1]s-b"
  }
}

list "pgcloud_machine_user" "limited" {
  provider = pgcloud
  limit    = 2
  config {
    username_prefix = %[1]q
  }
}
`, prefix, env.OrgID),
			QueryResultChecks: checks,
		}},
	})
}

// migratedUsers is how many machine users the migration test adopts.
const migratedUsers = 250

// The migration the guide walks through, at the scale of the issue that
// asked for it: 250 machine users made through the API (some with every
// optional attribute set, some with a chosen id) are found by terraform
// query, its -generate-config-out writes their import blocks and resources,
// whose plan imports all 250 and changes nothing; the apply imports them and
// the plan after it is empty. With the real CLI and the provider built as a
// binary, as a user runs them. The test has a server of its own: the
// default quota of machine users per organization is 100.
func TestAccMachineUserListResource_adopt250ExistingUsers(t *testing.T) {
	accEnv(t)
	skipBelowTerraform(t, tfversion.Version1_14_0)
	env, err := testenv.Start(testenv.Options{MachineUserQuota: migratedUsers + 10})
	if err != nil {
		t.Fatalf("start a pgcloud server: %v", err)
	}
	t.Cleanup(env.Close) // and everything made on it

	start := time.Now()
	api := env.Client(env.AdminKey)
	prefix := randomName("migrate")
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for range 8 {
		wg.Go(func() {
			for i := range work {
				in := client.MachineUserCreate{Username: fmt.Sprintf("%s-%03d", prefix, i)}
				switch i % 10 {
				case 1:
					in.Name, in.Description, in.Email, in.AccessTokenType = "Bot "+fmt.Sprint(i), "made by hand", "team@example.com", "jwt"
				case 2:
					in.ID = fmt.Sprintf("%s-id-%03d", prefix, i)
				}
				if _, err := api.CreateMachineUser(context.Background(), env.OrgID, in); err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
				}
			}
		})
	}
	for i := range migratedUsers {
		work <- i
	}
	close(work)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d machine users not made: %s", len(failures), strings.Join(failures, "; "))
	}
	made := time.Since(start)

	cli := newTerraformDir(t)
	cli.write("main.tf", cliProviderConfig(env.URL, env.AdminKey))
	generated, _ := cli.adoptByQuery(fmt.Sprintf(`
list "pgcloud_machine_user" "migrated" {
  provider = pgcloud
  limit    = 1000
  config {
    username_prefix = "%s-"
  }
}
`, prefix), migratedUsers)
	if n := strings.Count(generated, "\nimport {"); n != migratedUsers {
		t.Errorf("%d import blocks generated, want %d", n, migratedUsers)
	}
	t.Logf("%d machine users made through the API in %s; found, generated, imported with no change and planned empty in %s",
		migratedUsers, made.Round(time.Millisecond), (time.Since(start) - made).Round(time.Millisecond))
}
