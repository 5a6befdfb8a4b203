package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

var _ list.ListResourceWithConfigure = (*accessKeyListResource)(nil)

// NewAccessKeyListResource is the constructor of the pgcloud_access_key list
// resource.
func NewAccessKeyListResource() list.ListResource {
	return &accessKeyListResource{}
}

type accessKeyListResource struct {
	resourceBase
}

// accessKeyListConfig is the config block of a pgcloud_access_key list
// block.
type accessKeyListConfig struct {
	OrganizationID types.String `tfsdk:"organization_id"`
	MachineUserID  types.String `tfsdk:"machine_user_id"`
}

func (r *accessKeyListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + accessKeyTypeName
}

func (r *accessKeyListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "Finds the access keys of a machine user, expired ones included, for `terraform query`; " +
			"`-generate-config-out` writes an `import` block and a `pgcloud_access_key` resource for each, which " +
			"plan with no change (`expires_in_days` is the key's life span, from its creation to its expiry). " +
			"Each result is named by the key's name, its state and its expiry. The secret of a key is never " +
			"listed: the platform shows it only once, when the key is created. Listing needs the `org_admin` or " +
			"`org_owner` role; managing keys needs `org_owner`.",
		Attributes: map[string]listschema.Attribute{
			"organization_id": listschema.StringAttribute{
				MarkdownDescription: "Organization of the machine user. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"machine_user_id": listschema.StringAttribute{
				MarkdownDescription: "Id of the machine user whose keys are listed.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

func (r *accessKeyListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config accessKeyListConfig
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
	machineUserID := config.MachineUserID.ValueString()
	keys := r.data.client.EachMachineUserAccessKey(ctx, organizationID, machineUserID)
	stream.Results = listResults(req, keys, fmt.Sprintf("Could not list the access keys of machine user %s", machineUserID),
		func(k client.AccessKey) list.ListResult {
			// What an import leaves null: no keepers, no secret, and
			// expires_in_days, which setFromAPI derives.
			state := accessKeyResourceModel{Timeouts: noTimeouts, Keepers: types.MapNull(types.StringType)}
			state.setFromAPI(&k)
			return newListResult(ctx, req, accessKeyIdentity, accessKeyDisplayName(k), &state)
		})
}

// accessKeyDisplayName is the key's name, its state and its expiry, such as
// "deploy (active, expires 2027-01-31T12:00:00Z)".
func accessKeyDisplayName(k client.AccessKey) string {
	if k.State == client.AccessKeyStateExpired {
		return fmt.Sprintf("%s (expired %s)", k.Name, k.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("%s (%s, expires %s)", k.Name, k.State, k.ExpiresAt.UTC().Format(time.RFC3339))
}
