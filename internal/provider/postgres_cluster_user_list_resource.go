package provider

import (
	"context"
	"fmt"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

var _ list.ListResourceWithConfigure = (*postgresClusterUserListResource)(nil)

// NewPostgresClusterUserListResource is the constructor of the
// pgcloud_postgres_cluster_user list resource.
func NewPostgresClusterUserListResource() list.ListResource {
	return &postgresClusterUserListResource{}
}

type postgresClusterUserListResource struct {
	resourceBase
}

// postgresClusterUserListConfig is the config block of a
// pgcloud_postgres_cluster_user list block.
type postgresClusterUserListConfig struct {
	ClusterID          types.String `tfsdk:"cluster_id"`
	IncludeSystemUsers types.Bool   `tfsdk:"include_system_users"`
}

// systemUserMark ends the display name of a system user.
const systemUserMark = " (system user: the platform never changes or drops it, so Terraform cannot manage it)"

func (r *postgresClusterUserListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + clusterUserTypeName
}

func (r *postgresClusterUserListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "Finds the database users of a PostgreSQL cluster that the platform manages, such as " +
			"those made through the API before Terraform managed them, for `terraform query`; " +
			"`-generate-config-out` writes an `import` block and a `pgcloud_postgres_cluster_user` resource for " +
			"each, which plan with no change. Passwords cannot be read back, so the generated resources set none " +
			"(`password = null # sensitive`, `password_wo = null # sensitive`): they manage the users and leave " +
			"their passwords as they are until `password_wo` and `password_wo_version` (or `password`) are added. " +
			"Each result is named by the username. Listing needs a role on the cluster's project (`project_viewer` or " +
			"more) or on its organization.",
		Attributes: map[string]listschema.Attribute{
			"cluster_id": listschema.StringAttribute{
				MarkdownDescription: "Identifier of the cluster whose users are listed.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"include_system_users": listschema.BoolAttribute{
				MarkdownDescription: "Also list the system users (roles the platform did not create, such as " +
					"`postgres` or a role made by hand in the cluster), marked as such in their names, for an " +
					"inventory of the cluster. Terraform can never manage a system user, so they are left out, " +
					"with a warning that counts them, whenever the results carry resources (`include_resource`, " +
					"and so `-generate-config-out`): an import of one would fail the plan. Defaults to `false`.",
				Optional: true,
			},
		},
	}
}

func (r *postgresClusterUserListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config postgresClusterUserListConfig
	ctx, noTimeouts, ok := r.beginList(ctx, req, &config, stream)
	if !ok {
		return
	}
	clusterID := config.ClusterID.ValueString()
	includeSystem := config.IncludeSystemUsers.ValueBool()
	users := r.data.client.EachClusterUser(ctx, clusterID, includeSystem)
	// Results that carry a resource become imports with
	// -generate-config-out, and the import of a system user is refused.
	leftOut := 0
	if includeSystem && req.IncludeResource {
		users = keepOnly(users, func(u client.ClusterUser) bool {
			if u.System {
				leftOut++
			}
			return !u.System
		})
	}
	results := listResults(req, users, "Could not list the users of cluster "+clusterID,
		func(u client.ClusterUser) list.ListResult {
			state := postgresClusterUserResourceModel{Timeouts: noTimeouts}
			state.setFromAPI(&u)
			name := u.Username
			if u.System {
				name += systemUserMark
			}
			return newListResult(ctx, req, postgresClusterUserIdentity, name, &state)
		})
	stream.Results = func(push func(list.ListResult) bool) {
		if !pushAll(results, push) || leftOut == 0 {
			return
		}
		var warning diag.Diagnostics
		warning.AddWarning("System users left out",
			fmt.Sprintf("%d system users of cluster %s were left out of the results: they carry resources (include_resource, "+
				"or -generate-config-out), which Terraform would import, and a system user can never be imported. List them "+
				"without include_resource to see them.", leftOut, clusterID))
		push(list.ListResult{Diagnostics: warning})
	}
}

// pushAll pushes every result, and reports whether Terraform still listens.
func pushAll(results iter.Seq[list.ListResult], push func(list.ListResult) bool) bool {
	for result := range results {
		if !push(result) {
			return false
		}
	}
	return true
}
