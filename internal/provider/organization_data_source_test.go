package provider

import (
	"context"
	"fmt"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccOrganizationDataSource(t *testing.T) {
	env := accEnv(t)
	otherOrganization, err := env.Admin.CreateOrganization(context.Background(), randomName("org"))
	if err != nil {
		t.Fatal(err)
	}
	const address = "data.pgcloud_organization.this"

	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			// Another organization exists, but the caller cannot see it.
			{
				Config:      fmt.Sprintf(`data "pgcloud_organization" "this" { id = %q }`, otherOrganization),
				ExpectError: errorText(fmt.Sprintf("No organization with id %q is visible to the provider's access key", otherOrganization)),
			},
			// Without an id: the caller's own organization.
			{
				Config: `data "pgcloud_organization" "this" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("id"), knownvalue.StringExact(env.OrgID)),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("name"), knownvalue.StringExact("default")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("created_at"), knownvalue.StringRegexp(rfc3339UTC)),
				},
			},
			{
				Config: fmt.Sprintf(`data "pgcloud_organization" "this" { id = %q }`, env.OrgID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(address, tfjsonpath.New("name"), knownvalue.StringExact("default")),
				},
			},
		},
	})
}

// The provider's organization_id (here from PGCLOUD_ORGANIZATION_ID) is the
// default of everything that takes one.
func TestAccOrganizationDataSource_providerOrganization(t *testing.T) {
	env := accEnv(t)
	otherOrganization, err := env.Admin.CreateOrganization(context.Background(), randomName("org"))
	if err != nil {
		t.Fatal(err)
	}
	acc.Test(t, acc.TestCase{ // not parallel: it sets environment variables
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				PreConfig:   func() { t.Setenv(envOrganizationID, otherOrganization) },
				Config:      `data "pgcloud_organization" "this" {}`,
				ExpectError: errorText(fmt.Sprintf("No organization with id %q", otherOrganization)),
			},
			{
				PreConfig: func() { t.Setenv(envOrganizationID, env.OrgID) },
				Config:    `data "pgcloud_organization" "this" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.pgcloud_organization.this", tfjsonpath.New("id"), knownvalue.StringExact(env.OrgID)),
				},
			},
		},
	})
}
