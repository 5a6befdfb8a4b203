package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// machineUserResourceModel is the pgcloud_machine_user resource, as its
// Read and its list resource both build it.
type machineUserResourceModel struct {
	machineUserModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// machineUserTypeName is the resource's type name without the provider's.
const machineUserTypeName = "machine_user"

// machineUserIdentity is a machine user's identity, which the resource keeps
// and its list resource finds: the same as its import ID
// "<organization_id>/<id>".
var machineUserIdentity = resourceIdentity{
	{name: "organization_id", description: "the id of the machine user's organization (default: the provider's organization)", optional: true},
	{name: "id", description: "the machine user's id"},
}

// machineUserModel holds the attributes of a machine user that the resource
// and the data source share.
type machineUserModel struct {
	ID              types.String `tfsdk:"id"`
	OrganizationID  types.String `tfsdk:"organization_id"`
	Username        types.String `tfsdk:"username"`
	Name            types.String `tfsdk:"name"`
	Description     types.String `tfsdk:"description"`
	Email           types.String `tfsdk:"email"`
	AccessTokenType types.String `tfsdk:"access_token_type"`
	CreatedAt       types.String `tfsdk:"created_at"`
	UpdatedAt       types.String `tfsdk:"updated_at"`
}

// setFromAPI copies what the API says about a machine user into the model.
func (m *machineUserModel) setFromAPI(mu *client.MachineUser) {
	m.ID = types.StringValue(mu.ID)
	m.OrganizationID = types.StringValue(mu.OrganizationID)
	m.Username = types.StringValue(mu.Username)
	m.Name = types.StringValue(mu.Name)
	m.Description = types.StringValue(mu.Description)
	m.Email = optionalString(mu.Email)
	m.AccessTokenType = types.StringValue(mu.AccessTokenType)
	m.CreatedAt = timestamp(mu.Metadata.CreatedDate)
	m.UpdatedAt = timestamp(mu.Metadata.LastModifiedDate)
}
