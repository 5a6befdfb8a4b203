package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// configured holds what the provider's Configure hands to a resource, data
// source, ephemeral resource or action. Terraform may call their methods
// before the provider is configured (validation), or leave the provider
// unconfigured while its own configuration is unknown (see
// pgcloudProvider.Configure), so data stays nil until then and every
// operation that needs the API begins with begin.
type configured struct {
	data *providerData
}

// begin starts an operation that needs the API. It reports whether the API
// can be reached (else it explains in diags why not and what to do), and
// returns ctx prepared for the client (providerData.apiContext).
func (c *configured) begin(ctx context.Context, diags *diag.Diagnostics) (context.Context, bool) {
	if c.data == nil {
		diags.AddError(unconfiguredSummary, unconfiguredDetail)
		return ctx, false
	}
	return c.data.apiContext(ctx), true
}

// The error of operations that need the API while the provider's
// configuration is still unknown.
const (
	unconfiguredSummary = "pgcloud provider not configured"
	unconfiguredDetail  = "The provider configuration depends on values that are not known yet, so the pgcloud API cannot be reached. " +
		"Apply the resources the provider block depends on first (for example with -target), then run again."
)

// resourceBase is embedded by every resource: it is their Configure. The
// four bases differ only in the framework's request types.
type resourceBase struct{ configured }

func (b *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// dataSourceBase is embedded by every data source: it is their Configure.
type dataSourceBase struct{ configured }

func (b *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ephemeralResourceBase is embedded by every ephemeral resource: it is their
// Configure.
type ephemeralResourceBase struct{ configured }

func (b *ephemeralResourceBase) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	b.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// actionBase is embedded by every action: it is their Configure.
type actionBase struct{ configured }

func (b *actionBase) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	b.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// dropFromState removes a resource that was deleted outside Terraform from
// the state, with a warning, so that the plan creates it again. The
// framework wants an identity even then, and a Terraform older than 1.12
// keeps none to hand back: the prior state's serves.
func dropFromState(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse, identity resourceIdentity, summary, detail string) {
	identity.set(ctx, req.State, resp.Identity, &resp.Diagnostics)
	resp.Diagnostics.AddWarning(summary, detail)
	resp.State.RemoveResource(ctx)
}
