package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/validators"
)

var (
	_ resource.ResourceWithConfigure   = (*postgresClusterRoleResource)(nil)
	_ resource.ResourceWithImportState = (*postgresClusterRoleResource)(nil)
	_ resource.ResourceWithIdentity    = (*postgresClusterRoleResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*postgresClusterRoleResource)(nil)
)

// clusterRoleFieldPaths maps the API's field names to the attributes.
var clusterRoleFieldPaths = map[string]path.Path{
	"name":     path.Root("name"),
	"memberOf": path.Root("member_of"),
}

// NewPostgresClusterRoleResource is the constructor of
// pgcloud_postgres_cluster_role.
func NewPostgresClusterRoleResource() resource.Resource {
	return &postgresClusterRoleResource{}
}

type postgresClusterRoleResource struct {
	resourceBase
}

func (r *postgresClusterRoleResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + clusterRoleTypeName
}

func (r *postgresClusterRoleResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A group role (a `NOLOGIN` role) of a pgcloud PostgreSQL cluster, through which database users " +
			"get privileges: list it in a user's `member_of`. The platform creates and drops it and manages its memberships; " +
			"privileges on schemas and tables are granted to it in the cluster itself (for example `GRANT SELECT ON ALL TABLES " +
			"IN SCHEMA public TO app_readers`), which this provider does not manage. Managing group roles needs the " +
			"`project_editor` or `project_owner` role on the cluster's project, or `org_owner`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<cluster_id>/<name>`, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cluster_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the cluster. Changing it creates the role in the other cluster and drops this one.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.RegexMatches(regexp.MustCompile(`^[^/]*$`), "is a cluster id, which never contains '/'"),
				},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the role: the rules of a cluster user's `username` (1–63 bytes, not starting with " +
					"`pg_`, not a reserved name), unique among all roles of the cluster. Changing it replaces the role.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					validators.ByteLengthAtMost(63, "PostgreSQL's limit for names"),
					stringvalidator.RegexMatches(noNUL, "must not contain the NUL character"),
					stringvalidator.RegexMatches(clusterUsernameNotPgPrefixed,
						"must not start with pg_ (PostgreSQL reserves those names for its own roles); choose another prefix"),
					stringvalidator.NoneOfCaseInsensitive(reservedClusterUsernames...),
					stringvalidator.NoneOf(".", ".."),
				},
			},
			"member_of": memberOfAttribute("group role"),
			"timeouts":  timeoutsAttribute(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

// ModifyPlan asks the cluster (a read) whether the name of a role to create
// is free, so that a taken name fails the plan with nothing written.
func (r *postgresClusterRoleResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan, state postgresClusterRoleResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	creating := req.State.Raw.IsNull()
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() || plan.ClusterID.IsUnknown() || plan.Name.IsUnknown() {
		return
	}
	if !creating && plan.ClusterID.Equal(state.ClusterID) && plan.Name.Equal(state.Name) {
		return
	}
	ctx = r.data.apiContext(ctx)
	clusterID, name := plan.ClusterID.ValueString(), plan.Name.ValueString()
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), clusterUserID(clusterID, name))...)
	_, err := r.data.client.GetClusterRole(ctx, clusterID, name)
	switch {
	case client.IsNotFound(err):
		if _, err := r.data.client.GetCluster(ctx, clusterID); client.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("cluster_id"), "Cluster not found",
				fmt.Sprintf("No cluster with id %q is visible to the provider's access key. Check cluster_id, and that the key has a "+
					"role on the cluster's project.", clusterID))
		} else if err != nil {
			addAPIError(&resp.Diagnostics, "Could not check cluster "+clusterID, err, nil)
		}
	case err != nil:
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not check group role %q of cluster %s", name, clusterID), err, nil)
	case r.data.wouldReplay(ctx, r.createKey(plan)):
	default:
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Group role already exists",
			fmt.Sprintf("Cluster %s already has a group role %q. To manage it with Terraform, import it: terraform import <address> %s",
				clusterID, name, clusterUserID(clusterID, name)))
	}
}

func (r *postgresClusterRoleResource) createKey(plan postgresClusterRoleResourceModel) string {
	return r.data.createKey(clusterRoleTypeName, plan.ClusterID.ValueString(), plan.Name.ValueString(),
		strings.Join(setStrings(plan.MemberOf), "\x00"))
}

func (r *postgresClusterRoleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var plan postgresClusterRoleResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	clusterID, name := plan.ClusterID.ValueString(), plan.Name.ValueString()
	ctx = withCreateKey(ctx, r.createKey(plan))
	// A role's changes show in its members' memberOf.
	r.data.clusterUsers.changing(clusterID)
	role, err := r.data.client.CreateClusterRole(ctx, clusterID, name, setStrings(plan.MemberOf))
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not create group role %q in cluster %s", name, clusterID), err, clusterRoleFieldPaths)
		return
	}
	plan.setFromAPI(role)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *postgresClusterRoleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var state postgresClusterRoleResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	clusterID, name := state.ClusterID.ValueString(), state.Name.ValueString()
	role, err := r.data.client.GetClusterRole(ctx, clusterID, name)
	if client.IsNotFound(err) {
		dropFromState(ctx, req, resp, r.identity(), "Group role deleted outside Terraform",
			fmt.Sprintf("group role %q of cluster %s no longer exists (dropped outside Terraform); it will be re-created", name, clusterID))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read group role %q of cluster %s", name, clusterID), err, nil)
		return
	}
	state.setFromAPI(role)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// Update sets the memberships, the only thing of a group role that changes
// in place.
func (r *postgresClusterRoleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var plan postgresClusterRoleResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	clusterID, name := plan.ClusterID.ValueString(), plan.Name.ValueString()
	r.data.clusterUsers.changing(clusterID)
	role, err := r.data.client.UpdateClusterRole(ctx, clusterID, name, setStrings(plan.MemberOf))
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not change group role %q of cluster %s", name, clusterID), err, clusterRoleFieldPaths)
		return
	}
	plan.setFromAPI(role)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *postgresClusterRoleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var state postgresClusterRoleResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	clusterID, name := state.ClusterID.ValueString(), state.Name.ValueString()
	r.data.clusterUsers.changing(clusterID)
	if err := r.data.client.DeleteClusterRole(ctx, clusterID, name); err != nil && !client.IsNotFound(err) {
		// A role that owns objects or holds privileges is refused and left
		// intact; the server's message says what to revoke first.
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not drop group role %q of cluster %s", name, clusterID), err, nil)
	}
}

// ImportState takes "<cluster_id>/<name>".
func (r *postgresClusterRoleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importID := r.identity().importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	clusterID, name, found := strings.Cut(importID, "/")
	if !found || clusterID == "" || name == "" {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf(`Import ID %q is not a group role import ID. Use "<cluster_id>/<name>" (the name may itself contain "/").`, importID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), importID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cluster_id"), clusterID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}

func (r *postgresClusterRoleResource) identity() resourceIdentity { return postgresClusterRoleIdentity }

func (r *postgresClusterRoleResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = r.identity().schema()
}
