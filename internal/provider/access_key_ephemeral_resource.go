package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/validators"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*accessKeyEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*accessKeyEphemeralResource)(nil)
)

// The ephemeral pgcloud_access_key opens a session token of the machine
// user, not an access key. An access key counts against the machine user's
// quota of 2 until it is deleted, and Terraform does not always close what
// it opened: a killed run never does, and a run in which a node fails skips
// the close of the ephemeral resources that node depends on. Each such run
// left a key behind, and the second one locked the machine user out of new
// keys, and so every later run out, until a person deleted keys by hand. A
// session token counts against no quota and expires on its own, by default
// an hour after the run opened it, so a run that could not close its token
// never blocks the next one.
const (
	// defaultEphemeralTokenLife is the life of the token unless configured:
	// longer than most runs, short for a credential nobody closed.
	defaultEphemeralTokenLife = "1h"
	ephemeralKeyNamePrefix    = "terraform-ephemeral-"
	// ephemeralTokenPrivateKey names the private data that carries the
	// token's ids from Open to Close.
	ephemeralTokenPrivateKey = "session_token"
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
	ExpiresIn      types.String `tfsdk:"expires_in"`
	ExpiresInDays  types.Int64  `tfsdk:"expires_in_days"`
	ExpiresAt      types.String `tfsdk:"expires_at"`
	Secret         types.String `tfsdk:"secret"`
	MaskedKey      types.String `tfsdk:"masked_key"`
}

// ephemeralTokenRef is what Close needs to close the token Open opened.
type ephemeralTokenRef struct {
	OrganizationID string `json:"organization_id"`
	MachineUserID  string `json:"machine_user_id"`
	TokenID        string `json:"token_id"`
}

// ephemeralTokenFieldPaths maps the API's field names to the attributes, so
// a 422 about a field points at the attribute that holds it.
var ephemeralTokenFieldPaths = map[string]path.Path{
	"name":             path.Root("name"),
	"expiresInSeconds": path.Root("expires_in"),
	"userId":           path.Root("machine_user_id"),
}

func (e *accessKeyEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_access_key"
}

func (e *accessKeyEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-lived credential of a machine user that exists only while Terraform " +
			"runs: a session token (`pgs_...`), which authenticates exactly as an access key of the machine user " +
			"would. It is opened when Terraform opens this resource (during plan and again during apply) and " +
			"closed when Terraform closes it at the end of the run, and the secret never reaches the plan or the " +
			"state. Use it to configure another provider, or to write a credential into a secret store with a " +
			"write-only attribute. A session token never counts toward the machine user's quota of " +
			fmt.Sprint(client.AccessKeysPerMachineUser) + " access keys and expires on its own, so a run that " +
			"was killed, or failed before Terraform closed the token, never blocks the next run. " +
			"Needs the `org_owner` role; people have no session tokens.",
		Attributes: map[string]schema.Attribute{
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization of the machine user. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"machine_user_id": schema.StringAttribute{
				MarkdownDescription: "Id of the machine user the token authenticates as.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "What the token is for, 1–200 characters, as the server lists it among the " +
					"machine user's session tokens; it need not be unique. Defaults to `" + ephemeralKeyNamePrefix +
					"` followed by the time and a random suffix.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, maxAccessKeyNameLength)},
			},
			"expires_in": schema.StringAttribute{
				MarkdownDescription: "How long the token lives, as a duration from `1m` to `24h` such as `30m` or " +
					"`2h`. Terraform closes it at the end of the run; this is how long it keeps working if Terraform " +
					"never does (a killed run, or a failed one), and the most a run that uses it may last. Defaults " +
					"to `" + defaultEphemeralTokenLife + "`.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{validators.Duration(), sessionLifetime{}},
			},
			"expires_in_days": schema.Int64Attribute{
				MarkdownDescription: "Deprecated: use `expires_in`. This resource used to open an access key, which " +
					"lived whole days; it now opens a session token, which lives at most 24 hours. When set (1 to " +
					"365), the token lives 24 hours.",
				DeprecationMessage: "pgcloud_access_key (ephemeral) now opens a session token, which lives at most 24 hours: " +
					"use expires_in (a duration such as \"1h\", at most \"24h\") instead of expires_in_days. " +
					"While expires_in_days is set, the token lives 24 hours.",
				Optional: true,
				Validators: []validator.Int64{
					int64validator.Between(client.MinAccessKeyDays, client.MaxAccessKeyDays),
					int64validator.ConflictsWith(path.MatchRoot("expires_in")),
				},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the session token.",
				Computed:            true,
			},
			"secret": schema.StringAttribute{
				MarkdownDescription: "The session token itself (`pgs_...`), to use wherever an access key goes. " +
					"Sensitive; valid until the run ends, and at most until `expires_at`.",
				Computed:  true,
				Sensitive: true,
			},
			"masked_key": schema.StringAttribute{
				MarkdownDescription: "The token with its secret part hidden (`pgs_<id>_…<last 4 characters>`), " +
					"to recognise it in logs.",
				Computed: true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the token expires if it is not closed first (RFC 3339, UTC).",
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
	expiresIn := config.ExpiresIn
	var life time.Duration
	switch {
	case !config.ExpiresIn.IsNull():
		life, _ = time.ParseDuration(config.ExpiresIn.ValueString()) // the validators checked it
	case !config.ExpiresInDays.IsNull():
		life, expiresIn = client.MaxSessionTokenLifetime, types.StringValue("24h")
	default:
		life, _ = time.ParseDuration(defaultEphemeralTokenLife)
		expiresIn = types.StringValue(defaultEphemeralTokenLife)
	}
	tok, err := e.data.client.CreateMachineUserSessionToken(ctx, organizationID, config.MachineUserID.ValueString(), client.SessionTokenCreate{
		Name: name, ExpiresIn: life,
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not open a session token for machine user %s", config.MachineUserID.ValueString()),
			err, ephemeralTokenFieldPaths)
		return
	}

	ref, err := json.Marshal(ephemeralTokenRef{OrganizationID: tok.OrganizationID, MachineUserID: tok.UserID, TokenID: tok.ID})
	if err == nil {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, ephemeralTokenPrivateKey, ref)...)
	} else {
		resp.Diagnostics.AddError("Could not remember the session token", err.Error())
	}
	if resp.Diagnostics.HasError() {
		// Without its ids Close could not close the token, so do it now.
		if err := e.data.client.DeleteMachineUserSessionToken(ctx, tok.OrganizationID, tok.UserID, tok.ID); err != nil && !client.IsNotFound(err) {
			addAPIError(&resp.Diagnostics, "Could not close session token "+tok.ID+" (it expires on its own)", err, nil)
		}
		return
	}

	result := accessKeyEphemeralModel{
		ID:             types.StringValue(tok.ID),
		OrganizationID: types.StringValue(tok.OrganizationID),
		MachineUserID:  types.StringValue(tok.UserID),
		Name:           types.StringValue(tok.Name),
		ExpiresIn:      expiresIn,
		ExpiresInDays:  config.ExpiresInDays,
		ExpiresAt:      timestamp(tok.ExpiresAt),
		Secret:         types.StringValue(tok.Secret),
		MaskedKey:      types.StringValue(tok.MaskedToken),
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, result)...)
}

// Close closes the token Open opened; a token already gone (closed by hand,
// expired and deleted by the server, or gone with its machine user) is
// fine. Should Terraform never call Close, the token expires on its own and
// blocks nothing meanwhile.
func (e *accessKeyEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	ctx, ok := e.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	raw, diags := req.Private.GetKey(ctx, ephemeralTokenPrivateKey)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || len(raw) == 0 {
		return
	}
	var ref ephemeralTokenRef
	if err := json.Unmarshal(raw, &ref); err != nil {
		resp.Diagnostics.AddError("Could not close the session token",
			fmt.Sprintf("The ids of the token to close could not be read (%s). It expires on its own, and blocks nothing meanwhile.", err))
		return
	}
	err := e.data.client.DeleteMachineUserSessionToken(ctx, ref.OrganizationID, ref.MachineUserID, ref.TokenID)
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not close the session token %s of machine user %s (it expires on its own)",
			ref.TokenID, ref.MachineUserID), err, nil)
	}
}

// sessionLifetime validates expires_in against the bounds of a session
// token's life (validators.Duration checks that it is a duration).
type sessionLifetime struct{}

func (sessionLifetime) Description(context.Context) string {
	return "value must be a duration from 1m to 24h, in whole seconds"
}

func (sessionLifetime) MarkdownDescription(context.Context) string {
	return "value must be a duration from `1m` to `24h`, in whole seconds"
}

func (sessionLifetime) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil {
		return // validators.Duration says what is wrong
	}
	switch {
	case d < client.MinSessionTokenLifetime || d > client.MaxSessionTokenLifetime:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid session token lifetime",
			fmt.Sprintf("%s is %s; a session token lives from 1m to 24h. Terraform closes the token when the run ends, so "+
				"this only needs to cover the longest run.", req.Path, req.ConfigValue.ValueString()))
	case d%time.Second != 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid session token lifetime",
			fmt.Sprintf("%s is %s; use a whole number of seconds, such as \"90s\" or \"30m\".", req.Path, req.ConfigValue.ValueString()))
	}
}
