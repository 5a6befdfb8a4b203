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
	_ datasource.DataSourceWithConfigure        = (*postgresClusterDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*postgresClusterDataSource)(nil)
)

// NewPostgresClusterDataSource is the constructor of pgcloud_postgres_cluster.
func NewPostgresClusterDataSource() datasource.DataSource {
	return &postgresClusterDataSource{}
}

type postgresClusterDataSource struct {
	dataSourceBase
}

type postgresClusterDataSourceModel struct {
	ID              types.String `tfsdk:"id"`
	Name            types.String `tfsdk:"name"`
	ProjectID       types.String `tfsdk:"project_id"`
	OrganizationID  types.String `tfsdk:"organization_id"`
	PostgresVersion types.String `tfsdk:"postgres_version"`
	CreatedAt       types.String `tfsdk:"created_at"`
}

func (d *postgresClusterDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_postgres_cluster"
}

func (d *postgresClusterDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A PostgreSQL cluster of a pgcloud project, looked up by `id`, or by `name` " +
			"in one project (`project_id`) or in every project of the provider's organization that the access " +
			"key can read. Clusters are registered by the platform operator; their database " +
			"users are managed with `pgcloud_postgres_cluster_user`. Reading one needs a project role on its " +
			"project (or `org_owner`/`org_admin`).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the cluster. Set exactly one of `id` and `name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the cluster, matched exactly. Without `project_id`, every project of the " +
					"provider's organization is searched, and a name that more than one project uses is an error " +
					"that lists the clusters. Set exactly one of `id` and `name`.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"project_id": schema.StringAttribute{
				MarkdownDescription: "Project the cluster belongs to. With `name`, searches that project only; conflicts with `id`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization of the cluster's project.",
				Computed:            true,
			},
			"postgres_version": schema.StringAttribute{
				MarkdownDescription: "PostgreSQL server version the cluster reported when it was registered, such as `15.18`.",
				Computed:            true,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the cluster was registered (RFC 3339, UTC).",
				Computed:            true,
			},
		},
	}
}

func (d *postgresClusterDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
		datasourcevalidator.Conflicting(path.MatchRoot("id"), path.MatchRoot("project_id")),
	}
}

func (d *postgresClusterDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx, ok := d.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var config postgresClusterDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var cluster *client.Cluster
	if !config.ID.IsNull() {
		cluster = d.clusterByID(ctx, config.ID.ValueString(), &resp.Diagnostics)
	} else {
		cluster = d.clusterByName(ctx, config.ProjectID.ValueString(), config.Name.ValueString(), &resp.Diagnostics)
	}
	if cluster == nil {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, postgresClusterDataSourceModel{
		ID:              types.StringValue(cluster.ID),
		Name:            types.StringValue(cluster.Name),
		ProjectID:       types.StringValue(cluster.ProjectID),
		OrganizationID:  types.StringValue(cluster.OrganizationID),
		PostgresVersion: types.StringValue(cluster.PostgresVersion),
		CreatedAt:       timestamp(cluster.Metadata.CreatedDate),
	})...)
}

func (d *postgresClusterDataSource) clusterByID(ctx context.Context, id string, diags *diag.Diagnostics) *client.Cluster {
	cluster, err := d.data.client.GetCluster(ctx, id)
	if client.IsNotFound(err) {
		diags.AddAttributeError(path.Root("id"), "Cluster not found",
			fmt.Sprintf("No cluster with id %q is visible to the provider's access key. Check the id, or look the cluster up by name and project_id.", id))
		return nil
	}
	if err != nil {
		addAPIError(diags, "Could not read cluster "+id, err, nil)
		return nil
	}
	return cluster
}

// clusterByName finds the cluster named name in project projectID, or, when
// that is "", in every project of the provider's organization whose clusters
// the access key can read.
func (d *postgresClusterDataSource) clusterByName(ctx context.Context, projectID, name string, diags *diag.Diagnostics) *client.Cluster {
	l := lookup{
		kind:  "cluster",
		attr:  path.Root("name"),
		query: fmt.Sprintf("name %q in project %s", name, projectID),
		notFound: fmt.Sprintf("Project %s has no cluster named %q (names match exactly). Check the name, or look the cluster up by id.",
			projectID, name),
		narrow: "Look the cluster up by id instead.",
	}
	var projectIDs []string
	if projectID != "" {
		projectIDs = []string{projectID}
	} else {
		organizationID, err := d.data.defaultOrganizationID(ctx)
		if err != nil {
			addAPIError(diags, "Could not look up the caller's organization (set project_id to search one project)", err, nil)
			return nil
		}
		projects, err := d.data.client.ListProjects(ctx, organizationID, client.ListProjectsOptions{})
		if err != nil {
			addAPIError(diags, fmt.Sprintf("Could not list the projects of organization %s", organizationID), err, nil)
			return nil
		}
		for _, p := range projects {
			projectIDs = append(projectIDs, p.ID)
		}
		l.query = fmt.Sprintf("name %q in organization %s", name, organizationID)
		l.notFound = fmt.Sprintf("No project of organization %s that the provider's access key can read has a cluster named %q (names match exactly). "+
			"Check the name, or look the cluster up by id.", organizationID, name)
		l.narrow = "Set project_id to search one project, or look the cluster up by id."
	}

	var found []client.Cluster
	for _, p := range projectIDs {
		clusters, err := d.data.client.ListClusters(ctx, p, client.ListClustersOptions{Name: name})
		switch {
		case projectID != "" && client.IsNotFound(err):
			diags.AddAttributeError(path.Root("project_id"), "Project not found",
				fmt.Sprintf("No project with id %q is visible to the provider's access key.", projectID))
			return nil
		case projectID == "" && client.IsPermissionDenied(err):
			continue // a project whose clusters the key may not read holds none it could use
		case err != nil:
			addAPIError(diags, fmt.Sprintf("Could not list the clusters of project %s", p), err, nil)
			return nil
		}
		found = append(found, clusters...)
	}
	return only(l, found, func(c client.Cluster) string { return fmt.Sprintf("%s (in project %s)", c.ID, c.ProjectID) }, diags)
}
