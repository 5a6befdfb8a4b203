package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

// listedKeys are a machine user made by hand, on a server whose clock the
// test moves, with a key that has expired ("old", of 1 day, made two days
// ago) and an active one ("deploy", of 30 days).
type listedKeys struct {
	env         *testenv.Env
	machineUser *client.MachineUser
	old, deploy *client.AccessKey
}

func makeListedKeys(t *testing.T) listedKeys {
	t.Helper()
	clock := &testClock{}
	env := startClockEnv(t, clock)
	api := env.Client(env.AdminKey)
	ctx := context.Background()
	mu, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("keys")})
	if err != nil {
		t.Fatal(err)
	}
	old, err := api.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "old", ExpiresInDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(49 * time.Hour)
	deploy, err := api.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "deploy", ExpiresInDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	return listedKeys{env: env, machineUser: mu, old: old, deploy: deploy}
}

func (k listedKeys) identity(key *client.AccessKey) map[string]knownvalue.Check {
	return identityOf("organization_id", k.env.OrgID, "machine_user_id", k.machineUser.ID, "id", key.ID)
}

// The keys of a machine user are found with their state and expiry in their
// names, expired ones included, and with include_resource the state a Read
// of an imported key builds: expires_in_days is the key's life span, the
// secret (shown only at creation) is null.
func TestAccAccessKeyListResource_query(t *testing.T) {
	keys := makeListedKeys(t)
	expiry := func(k *client.AccessKey) string { return k.ExpiresAt.UTC().Format(time.RFC3339) }
	checks := []querycheck.QueryResultCheck{
		querycheck.ExpectLength("pgcloud_access_key.all", 2),
		expectState("pgcloud_access_key.all", keys.identity(keys.deploy), map[string]knownvalue.Check{
			"id":                 knownvalue.StringExact(keys.deploy.ID),
			"organization_id":    knownvalue.StringExact(keys.env.OrgID),
			"machine_user_id":    knownvalue.StringExact(keys.machineUser.ID),
			"name":               knownvalue.StringExact("deploy"),
			"name_prefix":        knownvalue.Null(),
			"expires_in_days":    knownvalue.Int64Exact(30),
			"rotate_before_days": knownvalue.Null(),
			"keepers":            knownvalue.Null(),
			"expires_at":         knownvalue.StringExact(expiry(keys.deploy)),
			"secret":             knownvalue.Null(),
			"masked_key":         knownvalue.StringRegexp(maskedKeyPattern),
			"state":              knownvalue.StringExact(client.AccessKeyStateActive),
			"created_at":         knownvalue.StringRegexp(rfc3339Pattern),
			"timeouts":           knownvalue.Null(),
		}),
		expectState("pgcloud_access_key.all", keys.identity(keys.old), map[string]knownvalue.Check{
			"expires_in_days": knownvalue.Int64Exact(1),
			"state":           knownvalue.StringExact(client.AccessKeyStateExpired),
		}),
	}
	checks = append(checks, expectFound("pgcloud_access_key.all", keys.identity(keys.deploy),
		"deploy (active, expires "+expiry(keys.deploy)+")")...)
	checks = append(checks, expectFound("pgcloud_access_key.all", keys.identity(keys.old),
		"old (expired "+expiry(keys.old)+")")...)
	acc.Test(t, acc.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Query: true,
				Config: providerBlock(keys.env) + fmt.Sprintf(`
list "pgcloud_access_key" "all" {
  provider         = pgcloud
  include_resource = true
  config {
    organization_id = %q
    machine_user_id = %q
  }
}
`, keys.env.OrgID, keys.machineUser.ID),
				QueryResultChecks: checks,
			},
			{
				Query: true,
				Config: providerBlock(keys.env) + `
list "pgcloud_access_key" "nobody" {
  provider = pgcloud
  config {
    machine_user_id = "no-such-machine-user"
  }
}
`,
				ExpectError: errorText("Could not list the access keys of machine user no-such-machine-user"),
			},
		},
	})
}

// The configuration terraform query generates for keys, the expired one
// included, imports them with no change: expires_in_days comes from each
// key's life span, and nothing generated (name without name_prefix, null
// keepers) replaces a key.
func TestAccAccessKeyListResource_generatedConfigPlansNoChange(t *testing.T) {
	accEnv(t)
	skipBelowTerraform(t, tfversion.Version1_14_0)
	keys := makeListedKeys(t)
	cli := newTerraformDir(t)
	cli.write("main.tf", cliProviderConfig(keys.env.URL, keys.env.AdminKey))
	generated, _ := cli.adoptByQuery(fmt.Sprintf(`
list "pgcloud_access_key" "keys" {
  provider = pgcloud
  config {
    machine_user_id = %q
  }
}
`, keys.machineUser.ID), 2)
	for _, want := range []string{`name               = "deploy"`, `expires_in_days    = 30`, `expires_in_days    = 1`, `name_prefix        = null`} {
		if !strings.Contains(generated, want) {
			t.Errorf("the generated configuration has no %q:\n%s", want, generated)
		}
	}
}
