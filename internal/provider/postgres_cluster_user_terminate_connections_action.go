package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

var (
	_ action.ActionWithConfigure  = (*postgresClusterUserTerminateConnectionsAction)(nil)
	_ action.ActionWithModifyPlan = (*postgresClusterUserTerminateConnectionsAction)(nil)
)

// pgcloud_postgres_cluster_user_terminate_connections ends the open
// PostgreSQL sessions of a database user. Rotating a password (a new
// password_wo_version of pgcloud_postgres_cluster_user) keeps out new
// logins with the old one, but PostgreSQL lets the sessions already open
// go on: after a leak those are the attacker's. Like every action it is
// run on demand and keeps nothing in state.

// NewPostgresClusterUserTerminateConnectionsAction is the constructor of the
// pgcloud_postgres_cluster_user_terminate_connections action.
func NewPostgresClusterUserTerminateConnectionsAction() action.Action {
	return &postgresClusterUserTerminateConnectionsAction{}
}

type postgresClusterUserTerminateConnectionsAction struct {
	actionBase
}

type postgresClusterUserTerminateConnectionsActionModel struct {
	ClusterID types.String `tfsdk:"cluster_id"`
	Username  types.String `tfsdk:"username"`
}

// terminateConnectionsRoles are the roles the API requires (those that may
// change the cluster user), named in the error of a caller without them.
const terminateConnectionsRoles = "project_editor or project_owner role on the cluster's project, or org_owner on its organization"

func (a *postgresClusterUserTerminateConnectionsAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_postgres_cluster_user_terminate_connections"
}

func (a *postgresClusterUserTerminateConnectionsAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Ends every open PostgreSQL connection of a database user of a cluster, in every database, and " +
			"reports how many it ended; they are gone when the action finishes. Changing a user's password keeps new " +
			"logins with the old password out, but PostgreSQL lets the sessions already open go on: run this right after " +
			"rotating a password that leaked. A connection opened after the action ran is not ended, so rotate the " +
			"password (or delete the user) first. Only users the platform created: a system user's connections are not " +
			"the platform's to end. Needs the `project_editor` or `project_owner` role on the cluster's project, or " +
			"`org_owner` on its organization.\n\n" +
			"Actions need Terraform v1.14 or later. Run it on demand, outside any plan of resources, with\n\n" +
			"```shell\nterraform apply -invoke=action.pgcloud_postgres_cluster_user_terminate_connections.<name>\n```\n\n" +
			"or from a resource's `lifecycle { action_trigger { ... } }`. Nothing is kept in state.",
		Attributes: map[string]schema.Attribute{
			"cluster_id": schema.StringAttribute{
				MarkdownDescription: "Id of the cluster, such as `data.pgcloud_postgres_cluster.<name>.id`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "Name of the database user (the PostgreSQL role) whose connections to end, such as " +
					"`pgcloud_postgres_cluster_user.<name>.username`.",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

// ModifyPlan checks during plan, with reads only, that the user exists and
// is one the platform created, so that a wrong name or a system user fails
// the plan rather than the invocation. Values not known yet are checked
// when the action runs.
func (a *postgresClusterUserTerminateConnectionsAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data == nil {
		return // unconfigured: Invoke explains
	}
	var config postgresClusterUserTerminateConnectionsActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || config.ClusterID.IsUnknown() || config.Username.IsUnknown() {
		return
	}
	ctx, cancel := context.WithTimeout(a.data.apiContext(ctx), defaultOperationTimeout)
	defer cancel()
	clusterID, username := config.ClusterID.ValueString(), config.Username.ValueString()
	if a.data.plannedClusterUser(clusterID, username) {
		return // created by this run: it has no connections yet, and is no system user
	}
	u, err := a.data.client.GetClusterUser(ctx, clusterID, username)
	switch {
	case client.IsNotFound(err):
		addAPIError(&resp.Diagnostics, fmt.Sprintf("User %q or cluster %s not found", username, clusterID), err, nil)
	case err != nil:
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not check user %q of cluster %s", username, clusterID), err, nil)
	case u.System:
		resp.Diagnostics.AddAttributeError(path.Root("username"), "System user",
			fmt.Sprintf("%q is a system user of cluster %s: the platform did not create it, so its connections are not the platform's "+
				"to end. Set username to a user the platform manages, such as pgcloud_postgres_cluster_user.<name>.username.", username, clusterID))
	}
}

func (a *postgresClusterUserTerminateConnectionsAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	ctx, ok := a.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var config postgresClusterUserTerminateConnectionsActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, defaultOperationTimeout)
	defer cancel()
	clusterID, username := config.ClusterID.ValueString(), config.Username.ValueString()
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(
		"Ending the open connections of user %q of cluster %s...", username, clusterID)})

	got, err := a.data.client.TerminateClusterUserConnections(ctx, clusterID, username)
	if err != nil {
		addTerminateConnectionsError(&resp.Diagnostics, clusterID, username, err)
		return
	}
	message := fmt.Sprintf("Ended %s of user %q of cluster %s; they are closed.",
		countOf(got.Terminated, "open connection", "open connections"), username, clusterID)
	if got.Terminated == 0 {
		message = fmt.Sprintf("User %q of cluster %s had no open connection: nothing to end.", username, clusterID)
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: message})
}

// addTerminateConnectionsError explains a failed termination: a 403 says
// in its summary which roles are needed.
func addTerminateConnectionsError(diags *diag.Diagnostics, clusterID, username string, err error) {
	summary := fmt.Sprintf("Could not end the connections of user %q of cluster %s", username, clusterID)
	if client.IsPermissionDenied(err) {
		summary = fmt.Sprintf("Ending the connections of user %q of cluster %s needs the %s", username, clusterID, terminateConnectionsRoles)
	}
	addAPIError(diags, summary, err, nil)
}
