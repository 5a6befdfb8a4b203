package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*accessKeyEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*accessKeyEphemeralResource)(nil)
)

const (
	// defaultEphemeralKeyDays is the life of an ephemeral key unless
	// configured: a run rarely lasts longer, and Close deletes it anyway.
	defaultEphemeralKeyDays = 1
	ephemeralKeyNamePrefix  = "terraform-ephemeral-"
	// ephemeralKeyPrivateKey names the private data that carries the key's
	// ids from Open to Close.
	ephemeralKeyPrivateKey = "access_key"
)

// NewAccessKeyEphemeralResource is the constructor of the pgcloud_access_key
// ephemeral resource.
func NewAccessKeyEphemeralResource() ephemeral.EphemeralResource {
	return &accessKeyEphemeralResource{}
}

type accessKeyEphemeralResource struct {
	ephemeralResourceBase
}

type accessKeyEphemeralModel struct {
	ID             types.String `tfsdk:"id"`
	OrganizationID types.String `tfsdk:"organization_id"`
	MachineUserID  types.String `tfsdk:"machine_user_id"`
	Name           types.String `tfsdk:"name"`
	ExpiresInDays  types.Int64  `tfsdk:"expires_in_days"`
	ExpiresAt      types.String `tfsdk:"expires_at"`
	Secret         types.String `tfsdk:"secret"`
	MaskedKey      types.String `tfsdk:"masked_key"`
}

// ephemeralKeyRef is what Close needs to delete the key Open created.
type ephemeralKeyRef struct {
	OrganizationID string `json:"organization_id"`
	MachineUserID  string `json:"machine_user_id"`
	KeyID          string `json:"key_id"`
}

func (e *accessKeyEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_access_key"
}

func (e *accessKeyEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-lived access key of a machine user that exists only while Terraform " +
			"runs: it is created when Terraform opens it (during plan and again during apply) and deleted " +
			"when Terraform closes it at the end of the run, so runs never pile up keys and the secret " +
			"never reaches the plan or the state. Use it to configure another provider, or to write a " +
			"key into a secret store with a write-only attribute. Each open key counts toward the " +
			"machine user's quota of " + fmt.Sprint(client.AccessKeysPerMachineUser) + " keys while the run lasts. " +
			"Needs the `org_owner` role; keys of people are self-service.",
		Attributes: map[string]schema.Attribute{
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization of the machine user. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"machine_user_id": schema.StringAttribute{
				MarkdownDescription: "Id of the machine user the key belongs to.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the key, 1–200 characters, unique among the machine user's keys. " +
					"Defaults to `" + ephemeralKeyNamePrefix + "` followed by the time and a random suffix.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, maxAccessKeyNameLength)},
			},
			"expires_in_days": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many days the key lives if Terraform never gets to delete "+
					"it (a crash, a killed run), from 1 to 365. Defaults to `%d`.", defaultEphemeralKeyDays),
				Optional:   true,
				Computed:   true,
				Validators: []validator.Int64{int64validator.Between(client.MinAccessKeyDays, client.MaxAccessKeyDays)},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the key.",
				Computed:            true,
			},
			"secret": schema.StringAttribute{
				MarkdownDescription: "The key itself (`pgc_...`). Sensitive; valid until the run ends.",
				Computed:            true,
				Sensitive:           true,
			},
			"masked_key": schema.StringAttribute{
				MarkdownDescription: "The key with its secret part hidden, to recognise it in logs.",
				Computed:            true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the key would expire if it were not deleted first (RFC 3339, UTC).",
				Computed:            true,
			},
		},
	}
}

func (e *accessKeyEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	ctx, ok := e.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var config accessKeyEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	organizationID := e.data.organizationID(ctx, config.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	checkMachineUser(ctx, e.data, types.StringValue(organizationID), config.MachineUserID, path.Root("machine_user_id"), false, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	name := config.Name.ValueString()
	if config.Name.IsNull() {
		name = generatedKeyName(ephemeralKeyNamePrefix)
	}
	days := int64(defaultEphemeralKeyDays)
	if !config.ExpiresInDays.IsNull() {
		days = config.ExpiresInDays.ValueInt64()
	}
	k, err := e.data.client.CreateMachineUserAccessKey(ctx, organizationID, config.MachineUserID.ValueString(), client.AccessKeyCreate{
		Name: name, ExpiresInDays: int(days),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not open an access key for machine user %s", config.MachineUserID.ValueString()), err, accessKeyFieldPaths)
		return
	}

	ref, err := json.Marshal(ephemeralKeyRef{OrganizationID: k.OrganizationID, MachineUserID: k.UserID, KeyID: k.ID})
	if err == nil {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, ephemeralKeyPrivateKey, ref)...)
	} else {
		resp.Diagnostics.AddError("Could not remember the access key", err.Error())
	}
	if resp.Diagnostics.HasError() {
		// Without its ids Close could not delete the key, so do it now.
		if err := e.data.client.DeleteMachineUserAccessKey(ctx, k.OrganizationID, k.UserID, k.ID); err != nil && !client.IsNotFound(err) {
			addAPIError(&resp.Diagnostics, "Could not delete access key "+k.ID, err, nil)
		}
		return
	}

	result := accessKeyEphemeralModel{
		ID:             types.StringValue(k.ID),
		OrganizationID: types.StringValue(k.OrganizationID),
		MachineUserID:  types.StringValue(k.UserID),
		Name:           types.StringValue(k.Name),
		ExpiresInDays:  types.Int64Value(days),
		ExpiresAt:      timestamp(k.ExpiresAt),
		Secret:         types.StringValue(k.Secret),
		MaskedKey:      types.StringValue(k.MaskedKey),
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, result)...)
}

// Close deletes the key Open created; a key already gone (deleted by hand,
// or with its machine user) is fine.
func (e *accessKeyEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	ctx, ok := e.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	raw, diags := req.Private.GetKey(ctx, ephemeralKeyPrivateKey)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || len(raw) == 0 {
		return
	}
	var ref ephemeralKeyRef
	if err := json.Unmarshal(raw, &ref); err != nil {
		resp.Diagnostics.AddError("Could not close the access key",
			fmt.Sprintf("The ids of the key to delete could not be read (%s). Delete the key by hand; it expires on its own in any case.", err))
		return
	}
	err := e.data.client.DeleteMachineUserAccessKey(ctx, ref.OrganizationID, ref.MachineUserID, ref.KeyID)
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not delete the ephemeral access key %s of machine user %s (it expires on its own)", ref.KeyID, ref.MachineUserID), err, nil)
	}
}
