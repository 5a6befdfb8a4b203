package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

var _ datasource.DataSourceWithConfigure = (*organizationDataSource)(nil)

// NewOrganizationDataSource is the constructor of pgcloud_organization.
func NewOrganizationDataSource() datasource.DataSource {
	return &organizationDataSource{}
}

type organizationDataSource struct {
	dataSourceBase
}

type organizationDataSourceModel struct {
	ID        types.String `tfsdk:"id"`
	Name      types.String `tfsdk:"name"`
	CreatedAt types.String `tfsdk:"created_at"`
}

func (d *organizationDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_organization"
}

func (d *organizationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An organization of the pgcloud platform: the tenant that owns projects, " +
			"clusters and users. The provider's access key sees only its own organization.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the organization. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the organization.",
				Computed:            true,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the organization was created (RFC 3339, UTC).",
				Computed:            true,
			},
		},
	}
}

func (d *organizationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx, ok := d.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var config organizationDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	organizationID := d.data.organizationID(ctx, config.ID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	org, err := d.data.client.GetOrganization(ctx, organizationID)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Organization not found",
			fmt.Sprintf("No organization with id %q is visible to the provider's access key. A key sees only the organization of its user; check the id, or leave it out to read the key's own organization.", organizationID))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not read organization "+organizationID, err, nil)
		return
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, organizationDataSourceModel{
		ID:        types.StringValue(org.ID),
		Name:      types.StringValue(org.Name),
		CreatedAt: timestamp(org.Metadata.CreatedDate),
	})...)
}
