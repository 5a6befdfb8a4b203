// Command terraform-provider-floor is the framework floor of make bench: a
// terraform-plugin-framework provider (the same framework version as
// pgcloud's, from this module's go.mod) whose resources, floor_machine_user and
// floor_postgres_cluster_user, have the schemas of pgcloud_machine_user and
// pgcloud_postgres_cluster_user — the same attributes, validators, defaults
// and plan modifiers — and make no API call. What Terraform and the framework
// cost for N of them is the least a provider of N such resources can cost;
// make bench divides pgcloud's figures by it. It is never released.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/pluginlogs"
)

func main() {
	// As pgcloud's provider does: the floor is what the framework costs
	// as pgcloud runs it.
	pluginlogs.OffUnlessTerraformLogs("FLOOR")
	err := providerserver.Serve(context.Background(), func() provider.Provider { return floorProvider{} },
		providerserver.ServeOpts{Address: "registry.terraform.io/pgcloud/floor"})
	if err != nil {
		log.Fatal(err)
	}
}

type floorProvider struct{}

func (floorProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "floor"
}

func (floorProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{Description: "The framework floor of make bench: no settings, no API."}
}

func (floorProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (floorProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newMachineUserResource, newClusterUserResource}
}

func (floorProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
