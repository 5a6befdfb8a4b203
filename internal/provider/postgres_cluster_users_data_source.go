package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = (*postgresClusterUsersDataSource)(nil)

// NewPostgresClusterUsersDataSource is the constructor of
// pgcloud_postgres_cluster_users.
func NewPostgresClusterUsersDataSource() datasource.DataSource {
	return &postgresClusterUsersDataSource{}
}

type postgresClusterUsersDataSource struct {
	dataSourceBase
}

type postgresClusterUsersDataSourceModel struct {
	ClusterID     types.String `tfsdk:"cluster_id"`
	IncludeSystem types.Bool   `tfsdk:"include_system"`
	Users         types.List   `tfsdk:"users"`
}

// clusterUserAttrTypes is the object type of one element of users.
var clusterUserAttrTypes = map[string]attr.Type{
	"username": types.StringType,
	"system":   types.BoolType,
}

func (d *postgresClusterUsersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_postgres_cluster_users"
}

func (d *postgresClusterUsersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The database users of a PostgreSQL cluster, read from the cluster itself (all pages). " +
			"Users the platform created are listed always; system users (every role the platform did not " +
			"create, such as `postgres`) only with `include_system = true`.",
		Attributes: map[string]schema.Attribute{
			"cluster_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the cluster.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"include_system": schema.BoolAttribute{
				MarkdownDescription: "Also list system users. Defaults to `false`.",
				Optional:            true,
			},
			"users": schema.ListNestedAttribute{
				MarkdownDescription: "The users, in the order the cluster lists them.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"username": schema.StringAttribute{
							MarkdownDescription: "Name of the PostgreSQL role.",
							Computed:            true,
						},
						"system": schema.BoolAttribute{
							MarkdownDescription: "Whether the role is a system user, which the platform never changes or drops.",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *postgresClusterUsersDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx, ok := d.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var config postgresClusterUsersDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	clusterID := config.ClusterID.ValueString()
	users, err := d.data.client.ListClusterUsers(ctx, clusterID, config.IncludeSystem.ValueBool())
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not list the users of cluster %s", clusterID), err,
			map[string]path.Path{"system": path.Root("include_system")})
		return
	}
	elems := make([]attr.Value, len(users))
	for i, u := range users {
		elems[i] = types.ObjectValueMust(clusterUserAttrTypes, map[string]attr.Value{
			"username": types.StringValue(u.Username),
			"system":   types.BoolValue(u.System),
		})
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: clusterUserAttrTypes}, elems)
	resp.Diagnostics.Append(diags...)
	config.Users = list
	resp.Diagnostics.Append(resp.State.Set(ctx, config)...)
}
