package provider

import (
	"context"
	"fmt"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

func TestAccUserDataSource(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	email := randomName("dev") + "@example.com"
	person, err := env.Admin.CreateHumanUser(ctx, env.OrgID, email)
	if err != nil {
		t.Fatal(err)
	}
	mu, err := env.Client(env.AdminKey).CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{
		Username: randomName("ci"), Email: "team-" + email,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client(env.AdminKey).DeleteMachineUser(context.Background(), env.OrgID, mu.ID) })
	// A person and a machine user that carries the person's address as its
	// contact: by email they are ambiguous, by username they are not.
	sharedEmail := randomName("lead") + "@example.com"
	lead, err := env.Admin.CreateHumanUser(ctx, env.OrgID, sharedEmail)
	if err != nil {
		t.Fatal(err)
	}
	leadBot, err := env.Client(env.AdminKey).CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{
		Username: randomName("bot"), Email: sharedEmail,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client(env.AdminKey).DeleteMachineUser(context.Background(), env.OrgID, leadBot.ID) })
	expect := func(address, attr string, value knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(address, tfjsonpath.New(attr), value)
	}

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				Config:      `data "pgcloud_user" "missing" { email = "nobody@example.com" }`,
				ExpectError: errorText(`has no user with email "nobody@example.com"`),
			},
			{
				Config:      `data "pgcloud_user" "missing" { id = "no-such-user" }`,
				ExpectError: errorText(`has no user with id "no-such-user"`),
			},
			{
				Config:      fmt.Sprintf("data \"pgcloud_user\" \"both\" {\n  id = %q\n  username = %q\n}\n", person, email),
				ExpectError: errorText(`Exactly one of these attributes must be configured: [id,email,username]`),
			},
			{
				Config: fmt.Sprintf("data \"pgcloud_user\" \"shared\" { email = %q }\n", sharedEmail),
				ExpectError: errorText(fmt.Sprintf(`2 users match email %q in organization %s: %s (person %s), %s (machine %s). Look the user up by username`,
					sharedEmail, env.OrgID, lead, sharedEmail, leadBot.ID, leadBot.Username)),
			},
			{
				Config: fmt.Sprintf(`
data "pgcloud_user" "lead" {
  username = %q
}

data "pgcloud_user" "by_email" {
  email = %q
}

data "pgcloud_user" "by_id" {
  id = data.pgcloud_user.by_email.id
}

data "pgcloud_user" "machine" {
  username = %q
}
`, sharedEmail, email, mu.Username),
				ConfigStateChecks: []statecheck.StateCheck{
					expect("data.pgcloud_user.by_email", "id", knownvalue.StringExact(person)),
					expect("data.pgcloud_user.by_email", "type", knownvalue.StringExact("person")),
					expect("data.pgcloud_user.by_email", "username", knownvalue.StringExact(email)),
					expect("data.pgcloud_user.by_email", "organization_id", knownvalue.StringExact(env.OrgID)),
					expect("data.pgcloud_user.by_email", "created_at", knownvalue.StringRegexp(rfc3339UTC)),
					expect("data.pgcloud_user.by_id", "email", knownvalue.StringExact(email)),
					expect("data.pgcloud_user.machine", "id", knownvalue.StringExact(mu.ID)),
					expect("data.pgcloud_user.machine", "type", knownvalue.StringExact("machine")),
					expect("data.pgcloud_user.machine", "email", knownvalue.StringExact("team-"+email)),
					expect("data.pgcloud_user.lead", "id", knownvalue.StringExact(lead)),
				},
			},
		},
	})
}
