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
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

var (
	_ datasource.DataSourceWithConfigure        = (*userDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*userDataSource)(nil)
)

// NewUserDataSource is the constructor of pgcloud_user.
func NewUserDataSource() datasource.DataSource {
	return &userDataSource{}
}

type userDataSource struct {
	dataSourceBase
}

type userDataSourceModel struct {
	ID             types.String `tfsdk:"id"`
	Email          types.String `tfsdk:"email"`
	Username       types.String `tfsdk:"username"`
	OrganizationID types.String `tfsdk:"organization_id"`
	Type           types.String `tfsdk:"type"`
	Name           types.String `tfsdk:"name"`
	CreatedAt      types.String `tfsdk:"created_at"`
}

func (m *userDataSourceModel) setFromAPI(u *client.User) {
	m.ID = types.StringValue(u.ID)
	m.Email = optionalString(u.Email)
	m.Username = types.StringValue(u.Username)
	m.OrganizationID = types.StringValue(u.OrganizationID)
	m.Type = types.StringValue(u.Type)
	m.Name = types.StringValue(u.Name)
	m.CreatedAt = timestamp(u.Metadata.CreatedDate)
}

func (d *userDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

func (d *userDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A user of a pgcloud organization, a person or a machine user, looked up by " +
			"`id`, `email` or `username` (exactly one of them), for example to bind a role to a " +
			"colleague by their email address.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the user. Set exactly one of `id`, `email` and `username`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "Email address of the user, matched exactly; a person's email is also " +
					"their username. Null for a machine user without one. Set exactly one of `id`, `email` and `username`.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "Username of the user, matched exactly (a person's is their email). " +
					"Set exactly one of `id`, `email` and `username`.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization the user belongs to. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "`person` or `machine`.",
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Display name.",
				Computed:            true,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the user was created (RFC 3339, UTC).",
				Computed:            true,
			},
		},
	}
}

func (d *userDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("email"), path.MatchRoot("username")),
	}
}

func (d *userDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx, ok := d.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var config userDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	organizationID := d.data.organizationID(ctx, config.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	var u *client.User
	switch {
	case !config.ID.IsNull():
		u = d.userByID(ctx, organizationID, config.ID.ValueString(), &resp.Diagnostics)
	case !config.Email.IsNull():
		u = d.userBy(ctx, organizationID, path.Root("email"), "email", config.Email.ValueString(),
			func(u client.User) bool { return u.Email == config.Email.ValueString() }, &resp.Diagnostics)
	default:
		u = d.userBy(ctx, organizationID, path.Root("username"), "username", config.Username.ValueString(),
			func(u client.User) bool { return u.Username == config.Username.ValueString() }, &resp.Diagnostics)
	}
	if u == nil {
		return
	}
	var state userDataSourceModel
	state.setFromAPI(u)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (d *userDataSource) userByID(ctx context.Context, organizationID, id string, diags *diag.Diagnostics) *client.User {
	u, err := d.data.client.GetUser(ctx, organizationID, id)
	if client.IsNotFound(err) {
		diags.AddAttributeError(path.Root("id"), "User not found",
			fmt.Sprintf("Organization %s has no user with id %q visible to the provider's access key. Check the id, or look the user up by email or username.", organizationID, id))
		return nil
	}
	if err != nil {
		addAPIError(diags, "Could not read user "+id, err, nil)
		return nil
	}
	return u
}

// userBy lists the organization's users and picks the one that matches. A
// person's email is also their username, but a machine user may carry a
// contact email shared with others, so an email can match several users:
// then the username (or the id) tells them apart.
func (d *userDataSource) userBy(ctx context.Context, organizationID string, attr path.Path, what, value string, match func(client.User) bool, diags *diag.Diagnostics) *client.User {
	users, err := d.data.client.ListUsers(ctx, organizationID, client.ListUsersOptions{})
	if err != nil {
		addAPIError(diags, fmt.Sprintf("Could not list the users of organization %s", organizationID), err, nil)
		return nil
	}
	var found []client.User
	for _, u := range users {
		if match(u) {
			found = append(found, u)
		}
	}
	return only(lookup{
		kind:     "user",
		attr:     attr,
		query:    fmt.Sprintf("%s %q in organization %s", what, value, organizationID),
		notFound: fmt.Sprintf("Organization %s has no user with %s %q. Check the %s, or look the user up by id.", organizationID, what, value, what),
		narrow:   "Look the user up by username (a person's username is their email) or by id instead.",
	}, found, func(u client.User) string { return fmt.Sprintf("%s (%s %s)", u.ID, u.Type, u.Username) }, diags)
}
