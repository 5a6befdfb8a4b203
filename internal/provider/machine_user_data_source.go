package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

var (
	_ datasource.DataSourceWithConfigure        = (*machineUserDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*machineUserDataSource)(nil)
)

// NewMachineUserDataSource is the constructor of the pgcloud_machine_user
// data source.
func NewMachineUserDataSource() datasource.DataSource {
	return &machineUserDataSource{}
}

type machineUserDataSource struct {
	dataSourceBase
}

func (d *machineUserDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_machine_user"
}

func (d *machineUserDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A machine user of a pgcloud organization, looked up by `id` or by " +
			"`username` (exactly one of them), such as one managed by another Terraform configuration.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the machine user. Set exactly one of `id` and `username`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "Username of the machine user, matched exactly. Set exactly one of `id` and `username`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization the machine user belongs to. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Display name.",
				Computed:            true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the machine user is for (`\"\"` when not set).",
				Computed:            true,
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "Contact address; null when not set.",
				Computed:            true,
			},
			"access_token_type": schema.StringAttribute{
				MarkdownDescription: "Kind of token its access keys obtain: `bearer` or `jwt`.",
				Computed:            true,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the machine user was created (RFC 3339, UTC).",
				Computed:            true,
			},
			"updated_at": schema.StringAttribute{
				MarkdownDescription: "When the machine user last changed (RFC 3339, UTC).",
				Computed:            true,
			},
		},
	}
}

func (d *machineUserDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("username")),
	}
}

func (d *machineUserDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx, ok := d.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var config machineUserModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	organizationID := d.data.organizationID(ctx, config.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	var mu *client.MachineUser
	if !config.ID.IsNull() {
		mu = d.machineUserByID(ctx, organizationID, config.ID.ValueString(), &resp.Diagnostics)
	} else {
		mu = d.machineUserByUsername(ctx, organizationID, config.Username.ValueString(), &resp.Diagnostics)
	}
	if mu == nil {
		return
	}

	var state machineUserModel
	state.setFromAPI(mu)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (d *machineUserDataSource) machineUserByID(ctx context.Context, organizationID, id string, diags *diag.Diagnostics) *client.MachineUser {
	mu, err := d.data.client.GetMachineUser(ctx, organizationID, id)
	if client.IsNotFound(err) {
		diags.AddAttributeError(path.Root("id"), "Machine user not found",
			fmt.Sprintf("Organization %s has no machine user with id %q visible to the provider's access key. Check the id, or look the machine user up by username.", organizationID, id))
		return nil
	}
	if err != nil {
		addAPIError(diags, "Could not read machine user "+id, err, nil)
		return nil
	}
	return mu
}

func (d *machineUserDataSource) machineUserByUsername(ctx context.Context, organizationID, username string, diags *diag.Diagnostics) *client.MachineUser {
	found, err := d.data.client.ListMachineUsers(ctx, organizationID, client.ListMachineUsersOptions{Username: username})
	if err != nil {
		addAPIError(diags, fmt.Sprintf("Could not list the machine users of organization %s", organizationID), err, nil)
		return nil
	}
	// Usernames are unique in an organization, so there is at most one.
	return only(lookup{
		kind:  "machine user",
		attr:  path.Root("username"),
		query: fmt.Sprintf("username %q in organization %s", username, organizationID),
		notFound: fmt.Sprintf("Organization %s has no machine user with username %q. Usernames match exactly; "+
			"check the username, or look the machine user up by id.", organizationID, username),
		narrow: "Look the machine user up by id instead.",
	}, found, func(mu client.MachineUser) string { return mu.ID }, diags)
}
