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
	_ action.ActionWithConfigure  = (*machineUserRevokeSessionsAction)(nil)
	_ action.ActionWithModifyPlan = (*machineUserRevokeSessionsAction)(nil)
)

// pgcloud_machine_user_revoke_sessions is incident response: when the
// session tokens of a machine user may have leaked (a pipeline printed one,
// a runner was compromised), one command makes every one of them
// worthless. It is an action, not a resource, because nothing of it belongs
// in state: it happens once, when someone asks for it.

// NewMachineUserRevokeSessionsAction is the constructor of the
// pgcloud_machine_user_revoke_sessions action.
func NewMachineUserRevokeSessionsAction() action.Action {
	return &machineUserRevokeSessionsAction{}
}

type machineUserRevokeSessionsAction struct {
	actionBase
}

type machineUserRevokeSessionsActionModel struct {
	MachineUserID  types.String `tfsdk:"machine_user_id"`
	OrganizationID types.String `tfsdk:"organization_id"`
}

// revokeSessionsRole is the role the API requires, named in the error of a
// caller without it.
const revokeSessionsRole = "org_owner"

func (a *machineUserRevokeSessionsAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_machine_user_revoke_sessions"
}

func (a *machineUserRevokeSessionsAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Revokes every session token (`pgs_...`) of a machine user at once: from then on none of them " +
			"authenticates (the API answers 401). Use it when the short-lived credentials of a machine user may have " +
			"leaked, for example from a pipeline's logs: the tokens the ephemeral `pgcloud_access_key` and the token " +
			"exchange of a secretless pipeline (`pgcloud_machine_user_federated_credential`) opened stop working at once, " +
			"instead of at their expiry (up to 24 hours later). The machine user's " +
			"access keys (`pgc_...`), and the tokens of other machine users, are not touched; the machine user can open " +
			"new session tokens afterwards. Reports how many tokens it revoked. Needs the `" + revokeSessionsRole + "` role " +
			"on the machine user's organization.\n\n" +
			"Actions need Terraform v1.14 or later. Run it on demand, outside any plan of resources, with\n\n" +
			"```shell\nterraform apply -invoke=action.pgcloud_machine_user_revoke_sessions.<name>\n```\n\n" +
			"or from a resource's `lifecycle { action_trigger { ... } }`. Nothing is kept in state.",
		Attributes: map[string]schema.Attribute{
			"machine_user_id": schema.StringAttribute{
				MarkdownDescription: "Id of the machine user whose session tokens to revoke, such as " +
					"`pgcloud_machine_user.<name>.id`.",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization of the machine user. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

// ModifyPlan checks during plan, with reads only, that the machine user
// exists, so that a mistyped id fails the plan rather than the invocation.
// Values that are not known yet (a machine user created by the same run)
// are checked when the action runs.
func (a *machineUserRevokeSessionsAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data == nil {
		return // unconfigured: Invoke explains
	}
	var config machineUserRevokeSessionsActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || config.MachineUserID.IsUnknown() || config.OrganizationID.IsUnknown() {
		return
	}
	ctx, cancel := context.WithTimeout(a.data.apiContext(ctx), defaultOperationTimeout)
	defer cancel()
	organizationID := a.data.organizationID(ctx, config.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if a.data.plannedMachineUser(organizationID, config.MachineUserID.ValueString()) {
		return // created by this run, with a chosen id
	}
	_, err := a.data.client.GetMachineUser(ctx, organizationID, config.MachineUserID.ValueString())
	switch {
	case client.IsNotFound(err):
		resp.Diagnostics.AddAttributeError(path.Root("machine_user_id"), "Machine user not found", fmt.Sprintf(
			"Organization %s has no machine user with id %q visible to the provider's access key, so it has no session tokens to revoke. "+
				"Check the id (the id of a pgcloud_machine_user, not its username) and the organization.",
			organizationID, config.MachineUserID.ValueString()))
	case err != nil:
		addAPIError(&resp.Diagnostics, "Could not check machine user "+config.MachineUserID.ValueString(), err, nil)
	}
}

func (a *machineUserRevokeSessionsAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	ctx, ok := a.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var config machineUserRevokeSessionsActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, defaultOperationTimeout)
	defer cancel()
	organizationID := a.data.organizationID(ctx, config.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	userID := config.MachineUserID.ValueString()
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(
		"Revoking every session token of machine user %s (organization %s)...", userID, organizationID)})

	got, err := a.data.client.RevokeMachineUserSessionTokens(ctx, organizationID, userID)
	if err != nil {
		addRevokeSessionsError(&resp.Diagnostics, organizationID, userID, err)
		return
	}
	message := fmt.Sprintf("Revoked %s of machine user %s: from now on none of them authenticates. Its access keys are unchanged.",
		countOf(got.Revoked, "session token", "session tokens"), userID)
	if got.Revoked == 0 {
		message = fmt.Sprintf("Machine user %s had no session token that still worked: nothing to revoke. Its access keys are unchanged.", userID)
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: message})
}

// addRevokeSessionsError explains a failed revocation: a 403 says in its
// summary which role is needed, a 404 what was not found.
func addRevokeSessionsError(diags *diag.Diagnostics, organizationID, userID string, err error) {
	summary := fmt.Sprintf("Could not revoke the session tokens of machine user %s", userID)
	switch {
	case client.IsPermissionDenied(err):
		summary = fmt.Sprintf("Revoking the session tokens of machine user %s needs the %s role", userID, revokeSessionsRole)
	case client.IsNotFound(err):
		summary = fmt.Sprintf("Machine user %s not found in organization %s", userID, organizationID)
	}
	addAPIError(diags, summary, err, nil)
}
