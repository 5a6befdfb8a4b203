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
	_ datasource.DataSourceWithConfigure        = (*projectDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*projectDataSource)(nil)
)

// NewProjectDataSource is the constructor of pgcloud_project.
func NewProjectDataSource() datasource.DataSource {
	return &projectDataSource{}
}

type projectDataSource struct {
	dataSourceBase
}

type projectDataSourceModel struct {
	ID             types.String `tfsdk:"id"`
	Name           types.String `tfsdk:"name"`
	OrganizationID types.String `tfsdk:"organization_id"`
	CreatedAt      types.String `tfsdk:"created_at"`
}

func (d *projectDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_project"
}

func (d *projectDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A project of a pgcloud organization, looked up by `id` or by `name` " +
			"(exactly one of them). Projects hold clusters; project role bindings grant access to them.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the project. Set exactly one of `id` and `name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the project, matched exactly. Set exactly one of `id` and `name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization the project belongs to. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the project was created (RFC 3339, UTC).",
				Computed:            true,
			},
		},
	}
}

func (d *projectDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *projectDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx, ok := d.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var config projectDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	organizationID := d.data.organizationID(ctx, config.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	var project *client.Project
	if !config.ID.IsNull() {
		project = d.projectByID(ctx, organizationID, config.ID.ValueString(), &resp.Diagnostics)
	} else {
		project = d.projectByName(ctx, organizationID, config.Name.ValueString(), &resp.Diagnostics)
	}
	if project == nil {
		return
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, projectDataSourceModel{
		ID:             types.StringValue(project.ID),
		Name:           types.StringValue(project.Name),
		OrganizationID: types.StringValue(project.OrganizationID),
		CreatedAt:      timestamp(project.Metadata.CreatedDate),
	})...)
}

func (d *projectDataSource) projectByID(ctx context.Context, organizationID, id string, diags *diag.Diagnostics) *client.Project {
	project, err := d.data.client.GetProject(ctx, id)
	// Projects are addressed without their organization, so a project of
	// another organization than the one asked for counts as not found too.
	if client.IsNotFound(err) || (err == nil && project.OrganizationID != organizationID) {
		diags.AddAttributeError(path.Root("id"), "Project not found",
			fmt.Sprintf("No project with id %q in organization %s is visible to the provider's access key. Check the id, or look the project up by name.", id, organizationID))
		return nil
	}
	if err != nil {
		addAPIError(diags, "Could not read project "+id, err, nil)
		return nil
	}
	return project
}

func (d *projectDataSource) projectByName(ctx context.Context, organizationID, name string, diags *diag.Diagnostics) *client.Project {
	projects, err := d.data.client.ListProjects(ctx, organizationID, client.ListProjectsOptions{Name: name})
	if err != nil {
		addAPIError(diags, fmt.Sprintf("Could not list the projects of organization %s", organizationID), err, nil)
		return nil
	}
	return only(lookup{
		kind:  "project",
		attr:  path.Root("name"),
		query: fmt.Sprintf("name %q in organization %s", name, organizationID),
		notFound: fmt.Sprintf("Organization %s has no project named %q visible to the provider's access key. "+
			"Names match exactly; check the name, or look the project up by id.", organizationID, name),
		narrow: "Look the project up by id instead.",
	}, projects, func(p client.Project) string { return p.ID }, diags)
}
