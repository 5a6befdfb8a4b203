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

// checkMachineUser asks whether userID is a machine user of the
// organization, and explains at attr why not.
func checkMachineUser(ctx context.Context, data *providerData, organizationID, userID types.String, attr path.Path, diags *diag.Diagnostics) {
	if organizationID.IsUnknown() || userID.IsUnknown() || userID.IsNull() {
		return
	}
	if data.plannedMachineUser(organizationID.ValueString(), userID.ValueString()) {
		return // created earlier in this apply, with a chosen id
	}
	u, err := data.client.GetUser(ctx, organizationID.ValueString(), userID.ValueString())
	if client.IsNotFound(err) {
		diags.AddAttributeError(attr, "Machine user not found",
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
// organization or project for the error.
func checkUserInOrganization(ctx context.Context, data *providerData, organizationID string, userID types.String, where string, diags *diag.Diagnostics) {
	if userID.IsUnknown() || userID.IsNull() || data.plannedMachineUser(organizationID, userID.ValueString()) {
		return // unknown until apply, or created earlier in this apply with a chosen id
	}
	_, err := data.client.GetUser(ctx, organizationID, userID.ValueString())
	if client.IsNotFound(err) {
		diags.AddAttributeError(path.Root("user_id"), "User not in the organization",
			fmt.Sprintf("User %q is not a user of organization %s, so it cannot get a role on %s. A user belongs to exactly one organization "+
				"and can only get roles in that organization. Check user_id (the id, not the username or email).",
				userID.ValueString(), organizationID, where))
		return
	}
	if err != nil {
		addAPIError(diags, "Could not check user "+userID.ValueString(), err, nil)
	}
}
