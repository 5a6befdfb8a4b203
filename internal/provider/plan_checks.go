package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// The plan-time checks that several resources make. Each asks the API with
// reads only, so that a plan that breaks one of the platform's rules fails
// before anything is written, and leaves values unknown until apply to the
// apply.

// checkOrganizationVisible asks whether the organization exists for the
// provider's access key; explain continues the error's first sentence with
// what that means for this resource and how to fix it.
func checkOrganizationVisible(ctx context.Context, data *providerData, organizationID, explain string, diags *diag.Diagnostics) {
	_, err := data.client.GetOrganization(ctx, organizationID)
	if client.IsNotFound(err) {
		diags.AddAttributeError(path.Root("organization_id"), "Organization not found",
			fmt.Sprintf("Organization %q does not exist or is not visible to the provider's access key%s", organizationID, explain))
		return
	}
	if err != nil {
		addAPIError(diags, "Could not check organization "+organizationID, err, nil)
	}
}

// A resource whose parent (its machine user, its user) was deleted outside
// Terraform is dropped from state by its Read, and the plan of the same run
// then wants to create it again, for a parent that is gone. When that plan is
// the refresh that terraform destroy runs first, an error there would stop
// the destroy, so a check whose resource was just dropped this way reports a
// missing parent as a warning (parentGone): the create, if it is applied,
// fails at apply with the API's answer.

// parentGone adds the missing parent at attr: an error, or a warning when
// the resource was dropped from state in this run because its parent went
// (providerData.dropped).
func parentGone(diags *diag.Diagnostics, asWarning bool, attr path.Path, summary, detail string) {
	if asWarning {
		diags.AddAttributeWarning(attr, summary, detail+" The resource was deleted with it outside Terraform and dropped from the state; "+
			"creating it again fails unless the user exists again (this is a warning, not an error, so that terraform destroy can finish).")
		return
	}
	diags.AddAttributeError(attr, summary, detail)
}

// checkMachineUser asks whether userID is a machine user of the
// organization, and explains at attr why not; wasDropped as for parentGone.
func checkMachineUser(ctx context.Context, data *providerData, organizationID, userID types.String, attr path.Path, wasDropped bool, diags *diag.Diagnostics) {
	if organizationID.IsUnknown() || userID.IsUnknown() || userID.IsNull() {
		return
	}
	if data.plannedMachineUser(organizationID.ValueString(), userID.ValueString()) {
		return // created earlier in this apply, with a chosen id
	}
	u, err := data.client.GetUser(ctx, organizationID.ValueString(), userID.ValueString())
	if client.IsNotFound(err) {
		parentGone(diags, wasDropped, attr, "Machine user not found",
			fmt.Sprintf("Organization %s has no user with id %q visible to the provider's access key, so no access key can be created for it. "+
				"Check the id (the id of a pgcloud_machine_user, not its username) and the organization.",
				organizationID.ValueString(), userID.ValueString()))
		return
	}
	if err != nil {
		addAPIError(diags, "Could not check user "+userID.ValueString(), err, nil)
		return
	}
	if u.Type != client.UserTypeMachine {
		diags.AddAttributeError(attr, "Not a machine user",
			fmt.Sprintf("User %q (%s) is a person, not a machine user. Access keys of people are self-service: each person creates and deletes their own keys "+
				"(under /api/v1/users/me/access-keys), and nobody else can. Set this to the id of a machine user, such as pgcloud_machine_user.<name>.id.",
				u.ID, u.Username))
	}
}

// checkUserInOrganization asks whether userID is a user of organizationID; a
// user of another organization is not visible there (404). where names the
// organization or project for the error; wasDropped as for parentGone.
func checkUserInOrganization(ctx context.Context, data *providerData, organizationID string, userID types.String, where string, wasDropped bool, diags *diag.Diagnostics) {
	if userID.IsUnknown() || userID.IsNull() || data.plannedMachineUser(organizationID, userID.ValueString()) {
		return // unknown until apply, or created earlier in this apply with a chosen id
	}
	_, err := data.client.GetUser(ctx, organizationID, userID.ValueString())
	if client.IsNotFound(err) {
		parentGone(diags, wasDropped, path.Root("user_id"), "User not in the organization",
			fmt.Sprintf("User %q is not a user of organization %s, so it cannot get a role on %s. A user belongs to exactly one organization "+
				"and can only get roles in that organization. Check user_id (the id, not the username or email).",
				userID.ValueString(), organizationID, where))
		return
	}
	if err != nil {
		addAPIError(diags, "Could not check user "+userID.ValueString(), err, nil)
	}
}
