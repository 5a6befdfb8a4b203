package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/planmodifiers"
)

// The organization every floor machine user belongs to: the floor has no
// platform to ask.
const floorOrganization = "00000000-0000-0000-0000-000000000000"

var (
	idPattern       = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)
	usernamePattern = regexp.MustCompile(`^[^\p{Z}\p{Cc}\p{Cf}+=@]*$`)
	emailPattern    = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

type machineUserModel struct {
	ID              types.String   `tfsdk:"id"`
	OrganizationID  types.String   `tfsdk:"organization_id"`
	Username        types.String   `tfsdk:"username"`
	Name            types.String   `tfsdk:"name"`
	Description     types.String   `tfsdk:"description"`
	Email           types.String   `tfsdk:"email"`
	AccessTokenType types.String   `tfsdk:"access_token_type"`
	CreatedAt       types.String   `tfsdk:"created_at"`
	UpdatedAt       types.String   `tfsdk:"updated_at"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

type machineUserResource struct{}

func newMachineUserResource() resource.Resource { return machineUserResource{} }

func (machineUserResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_machine_user"
}

// Schema is pgcloud_machine_user's (internal/provider/machine_user_resource.go),
// descriptions shortened: what the framework validates and plans per
// attribute is what it costs.
func (machineUserResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A machine user that exists only in the state.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Description: "Identifier.", Optional: true, Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(1, 200),
					stringvalidator.RegexMatches(idPattern, "may contain only letters, digits, '.', '_' and '-'"),
					stringvalidator.NoneOf(".", ".."),
				},
			},
			"organization_id": schema.StringAttribute{
				Description: "Organization.", Optional: true, Computed: true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"username": schema.StringAttribute{
				Description: "Login name.", Required: true,
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(1, 200),
					stringvalidator.RegexMatches(usernamePattern, "must not contain whitespace or '+', '=', '@'"),
				},
			},
			"name": schema.StringAttribute{
				Description: "Display name.", Optional: true, Computed: true,
				PlanModifiers: []planmodifier.String{planmodifiers.StringDefaultToAttribute(path.Root("username"))},
				Validators:    []validator.String{stringvalidator.UTF8LengthBetween(1, 200)},
			},
			"description": schema.StringAttribute{
				Description: "What it is for.", Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				Validators: []validator.String{stringvalidator.UTF8LengthAtMost(500)},
			},
			"email": schema.StringAttribute{
				Description: "Contact address.", Optional: true,
				Validators: []validator.String{stringvalidator.RegexMatches(emailPattern, "must be an address")},
			},
			"access_token_type": schema.StringAttribute{
				Description: "bearer or jwt.", Optional: true, Computed: true, Default: stringdefault.StaticString("bearer"),
				Validators: []validator.String{stringvalidator.OneOf("bearer", "jwt")},
			},
			"created_at": schema.StringAttribute{
				Description: "Created.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{Description: "Last changed.", Computed: true},
			"timeouts":   timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (machineUserResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan machineUserModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.ID.IsUnknown() {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		plan.ID = types.StringValue(hex.EncodeToString(b))
	}
	if plan.OrganizationID.IsUnknown() {
		plan.OrganizationID = types.StringValue(floorOrganization)
	}
	now := types.StringValue(time.Now().UTC().Format(time.RFC3339))
	plan.CreatedAt, plan.UpdatedAt = now, now
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// Read keeps the state as it is: there is nothing to ask.
func (machineUserResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state machineUserModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (machineUserResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan machineUserModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.UpdatedAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (machineUserResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
