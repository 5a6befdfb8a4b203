package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

var _ list.ListResourceWithConfigure = (*machineUserListResource)(nil)

// NewMachineUserListResource is the constructor of the pgcloud_machine_user
// list resource.
func NewMachineUserListResource() list.ListResource {
	return &machineUserListResource{}
}

type machineUserListResource struct {
	resourceBase
}

// machineUserListConfig is the config block of a pgcloud_machine_user list
// block.
type machineUserListConfig struct {
	OrganizationID types.String `tfsdk:"organization_id"`
	UsernamePrefix types.String `tfsdk:"username_prefix"`
}

func (r *machineUserListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + machineUserTypeName
}

func (r *machineUserListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "Finds the machine users of an organization, such as those made by hand before " +
			"Terraform managed them, for `terraform query`; `-generate-config-out` writes an `import` block and a " +
			"`pgcloud_machine_user` resource for each, which plan with no change. Each result is named by the " +
			"machine user's username. Any user of the organization may list them; managing them needs `org_owner`.",
		Attributes: map[string]listschema.Attribute{
			"organization_id": listschema.StringAttribute{
				MarkdownDescription: "Organization whose machine users are listed. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"username_prefix": listschema.StringAttribute{
				MarkdownDescription: "Only the machine users whose username starts with this (case-sensitive), " +
					"such as `ci-`. Leave it out for all.",
				Optional: true,
			},
		},
	}
}

func (r *machineUserListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config machineUserListConfig
	ctx, noTimeouts, ok := r.beginList(ctx, req, &config, stream)
	if !ok {
		return
	}
	var diags diag.Diagnostics
	organizationID := r.data.organizationID(ctx, config.OrganizationID, &diags)
	if diags.HasError() {
		stream.Results = listFailed(diags)
		return
	}
	// The API filters by exact username only; the prefix is applied here,
	// as the pages come.
	prefix := config.UsernamePrefix.ValueString()
	users := keepOnly(r.data.client.EachMachineUser(ctx, organizationID, client.ListMachineUsersOptions{}),
		func(mu client.MachineUser) bool { return strings.HasPrefix(mu.Username, prefix) })
	stream.Results = listResults(req, users, "Could not list the machine users of organization "+organizationID,
		func(mu client.MachineUser) list.ListResult {
			state := machineUserResourceModel{Timeouts: noTimeouts}
			state.setFromAPI(&mu)
			return newListResult(ctx, req, machineUserIdentity, machineUserDisplayName(mu), &state)
		})
}

// machineUserDisplayName is the username, and the display name where it
// says something else.
func machineUserDisplayName(mu client.MachineUser) string {
	if mu.Name == "" || mu.Name == mu.Username {
		return mu.Username
	}
	return mu.Username + " (" + mu.Name + ")"
}
