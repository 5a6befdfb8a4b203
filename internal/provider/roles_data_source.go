package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

var _ datasource.DataSourceWithConfigure = (*rolesDataSource)(nil)

// NewRolesDataSource is the constructor of pgcloud_roles.
func NewRolesDataSource() datasource.DataSource {
	return &rolesDataSource{}
}

type rolesDataSource struct {
	dataSourceBase
}

type rolesDataSourceModel struct {
	Scope types.String `tfsdk:"scope"`
	Roles []roleModel  `tfsdk:"roles"`
	Names types.List   `tfsdk:"names"`
}

type roleModel struct {
	Name        types.String `tfsdk:"name"`
	Scope       types.String `tfsdk:"scope"`
	Description types.String `tfsdk:"description"`
}

func (d *rolesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_roles"
}

func (d *rolesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The roles of the platform, as the API lists them: organization roles " +
			"(bound with `pgcloud_org_role_binding`) and project roles (bound with " +
			"`pgcloud_project_role_binding`).",
		Attributes: map[string]schema.Attribute{
			"scope": schema.StringAttribute{
				MarkdownDescription: "Only roles of this scope: `organization` or `project`. All roles when not set.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(client.ScopeOrganization, client.ScopeProject)},
			},
			"names": schema.ListAttribute{
				MarkdownDescription: "The names of the roles, in the API's order.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"roles": schema.ListNestedAttribute{
				MarkdownDescription: "The roles, in the API's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							MarkdownDescription: "Name of the role, such as `project_editor`.",
							Computed:            true,
						},
						"scope": schema.StringAttribute{
							MarkdownDescription: "Where the role is bound: `organization` or `project`.",
							Computed:            true,
						},
						"description": schema.StringAttribute{
							MarkdownDescription: "What the role may do.",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *rolesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx, ok := d.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var config rolesDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	roles, err := d.data.client.ListRoles(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not list the roles", err, nil)
		return
	}
	state := rolesDataSourceModel{Scope: config.Scope, Roles: []roleModel{}}
	names := []attr.Value{}
	for _, r := range roles {
		if !config.Scope.IsNull() && r.Scope != config.Scope.ValueString() {
			continue
		}
		state.Roles = append(state.Roles, roleModel{
			Name:        types.StringValue(r.Name),
			Scope:       types.StringValue(r.Scope),
			Description: types.StringValue(r.Description),
		})
		names = append(names, types.StringValue(r.Name))
	}
	list, diags := types.ListValue(types.StringType, names)
	resp.Diagnostics.Append(diags...)
	state.Names = list
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}
