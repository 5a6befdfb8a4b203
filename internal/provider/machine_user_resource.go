package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/planmodifiers"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/validators"
)

var (
	_ resource.ResourceWithConfigure   = (*machineUserResource)(nil)
	_ resource.ResourceWithImportState = (*machineUserResource)(nil)
	_ resource.ResourceWithIdentity    = (*machineUserResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*machineUserResource)(nil)
)

// The platform's rules for machine users that a configuration alone can
// break, checked at plan time so nothing is written when one is broken.
var (
	// Caller-chosen ids are part of the API's URLs and of import IDs, so
	// they keep to URL-path-safe characters and never contain "/".
	machineUserIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)
	// No whitespace (what unicode.IsSpace counts, as the API does: the
	// separators \p{Z} plus control characters such as tab and newline), no
	// other control characters, no invisible formatting characters (\p{Cf}:
	// zero-width and bidirectional marks, which make one name look like
	// another), and none of + = @, which the platform reserves.
	machineUserUsernamePattern = regexp.MustCompile(`^[^\p{Z}\p{Cc}\p{Cf}+=@]*$`)
)

// machineUserFieldPaths maps the API's field names to the attributes, so a
// 422 about a field points at the attribute that holds it.
var machineUserFieldPaths = map[string]path.Path{
	"id":              path.Root("id"),
	"organizationId":  path.Root("organization_id"),
	"username":        path.Root("username"),
	"name":            path.Root("name"),
	"description":     path.Root("description"),
	"email":           path.Root("email"),
	"accessTokenType": path.Root("access_token_type"),
}

// NewMachineUserResource is the constructor of pgcloud_machine_user.
func NewMachineUserResource() resource.Resource {
	return &machineUserResource{}
}

type machineUserResource struct {
	resourceBase
}

func (r *machineUserResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + machineUserTypeName
}

func (r *machineUserResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A machine user of a pgcloud organization: a non-human identity for CI " +
			"pipelines, automation and services. It authenticates with access keys and gets its " +
			"permissions from role bindings. A machine user belongs to one organization for life. " +
			"Creating, changing and deleting machine users needs the `org_owner` role.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the machine user. Set it to choose the id yourself " +
					"(1–200 letters, digits, `.`, `_` or `-`, not `.` or `..`, unique in the organization); otherwise the " +
					"platform assigns one. Changing it replaces the machine user.",
				Optional: true,
				Computed: true,
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplace(),
				},
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(1, 200),
					stringvalidator.RegexMatches(machineUserIDPattern,
						"may contain only letters, digits, '.', '_' and '-' (it is used in URLs and import IDs); remove other characters"),
					// "." and ".." would be path segments that URLs resolve away.
					stringvalidator.NoneOf(".", ".."),
				},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization the machine user belongs to. Defaults to the " +
					"provider's `organization_id`, else the organization of the provider's access key. " +
					"A machine user never moves: a different organization replaces it.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "Login name, unique in the organization: 1–200 characters, without " +
					"whitespace, control or invisible formatting characters (such as zero-width spaces), or the " +
					"characters `+`, `=` and `@`. Can be changed in place.",
				Required: true,
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(1, 200),
					stringvalidator.RegexMatches(machineUserUsernamePattern,
						"must not contain whitespace, control or invisible formatting characters, or the characters '+', '=' and '@'; use letters, digits, '.', '_' or '-' instead"),
				},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Display name, 1–200 characters. Defaults to `username` (and follows " +
					"it while not set). Can be changed in place.",
				Optional: true,
				Computed: true,
				PlanModifiers: []planmodifier.String{
					planmodifiers.StringDefaultToAttribute(path.Root("username")),
				},
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, 200)},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the machine user is for, at most 500 characters. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.UTF8LengthAtMost(500)},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "Contact address for the machine user, such as the owning team's " +
					"list. Must be a bare address (`ci@example.com`). Leave it out for none.",
				Optional:   true,
				Validators: []validator.String{validators.Email()},
			},
			"access_token_type": schema.StringAttribute{
				MarkdownDescription: "Kind of token the machine user's access keys obtain: `bearer` " +
					"(an opaque token) or `jwt`. Defaults to `bearer`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString("bearer"),
				Validators: []validator.String{stringvalidator.OneOf("bearer", "jwt")},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the machine user was created (RFC 3339, UTC).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{
				MarkdownDescription: "When the machine user last changed (RFC 3339, UTC).",
				Computed:            true,
			},
			"timeouts": timeoutsAttribute(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

// ModifyPlan plans the organization: the configured one, else the provider's
// default, so the plan shows the real organization id instead of "known after
// apply". A machine user never moves, so a different organization than the
// one in state replaces it.
//
// Before promising a move (which deletes the machine user first) it asks the
// API (a read) whether the new organization is there for the caller, so that
// a move that cannot succeed fails at plan time with nothing deleted.
//
// It also marks updated_at unknown when the machine user will change: the
// framework only does that on its own for changes it sees before plan
// modifiers run, and a name that follows the username is planned by one.
func (r *machineUserResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		// Destroying, or the provider's configuration is still unknown (the
		// organization then stays "known after apply").
		return
	}
	if r.unchanged(ctx, req) {
		// Before apiContext: setting up the client's log subsystem costs
		// more than this check, and the check makes at most the one
		// /whoami the provider caches (whose lines the client logger then
		// sets up by itself).
		return
	}
	ctx = r.data.apiContext(ctx)
	if req.State.Raw.IsNull() {
		r.modifyCreatePlan(ctx, req, resp)
		return
	}

	var config, plan, state machineUserResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	organizationID := r.data.planOrganizationID(ctx, config.OrganizationID, &resp.Plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.changesInPlace(state.machineUserModel) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("updated_at"), types.StringUnknown())...)
	}
	if !plan.Username.Equal(state.Username) && !plan.Username.IsUnknown() && !organizationID.IsUnknown() {
		// A rename onto a username another user has taken since.
		found, err := r.data.client.ListMachineUsers(ctx, organizationID.ValueString(), client.ListMachineUsersOptions{Username: plan.Username.ValueString()})
		if err == nil && len(found) > 0 && found[0].ID != state.ID.ValueString() {
			resp.Diagnostics.AddAttributeError(path.Root("username"), "Username taken", usernameTakenDetail(organizationID.ValueString(), found[0]))
		}
	}
	if !plan.ID.Equal(state.ID) || !organizationID.Equal(state.OrganizationID) {
		// Replaced: its username is free again when its replacement (whose
		// plan comes next) is created, unless create_before_destroy creates
		// that first, which the apply then refuses.
		r.data.noteReplaced(machineUserTypeName, state.OrganizationID.ValueString()+"/"+state.ID.ValueString())
	}
	if !organizationID.Equal(state.OrganizationID) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("organization_id"))
		if organizationID.IsUnknown() {
			return
		}
		// Replacing deletes the old machine user first; make sure the new
		// organization can take it before the plan promises that.
		checkOrganizationVisible(ctx, r.data, organizationID.ValueString(),
			fmt.Sprintf(", so the machine user cannot move there. A key sees only its own organization: use a key of an org_owner of %q, "+
				"or keep organization_id as it was.", organizationID.ValueString()), &resp.Diagnostics)
	}
}

// modifyCreatePlan plans the organization of a new machine user and checks
// its username. It reads the four attributes that takes, not the whole
// configuration and plan: Terraform plans each create twice (at plan and
// again at apply), and decoding both in full was a tenth of the provider's
// CPU in an apply of a thousand machine users.
func (r *machineUserResource) modifyCreatePlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var configuredOrganization, id, username, name types.String
	diags := &resp.Diagnostics
	diags.Append(req.Config.GetAttribute(ctx, path.Root("organization_id"), &configuredOrganization)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("id"), &id)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("username"), &username)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &name)...)
	if diags.HasError() {
		return
	}
	organizationID := r.data.planOrganizationID(ctx, configuredOrganization, &resp.Plan, diags)
	if diags.HasError() {
		return
	}
	// Resources planned after this one (keys, role bindings) may refer to
	// a chosen id that does not exist on the platform yet.
	r.data.notePlannedMachineUser(organizationID, id)
	if organizationID.IsUnknown() || username.IsUnknown() || name.IsUnknown() {
		return
	}
	r.checkUsernameFree(ctx, organizationID.ValueString(), username.ValueString(), req.Plan, diags)
}

// unchanged tells whether the plan is the state, as every plan of a
// machine user nobody touched is: then the one question left is whether
// the organization it would be planned in (the configured one, else the
// provider's default) is still its own, which two attributes answer. A
// plan of a thousand untouched machine users spent a tenth of the
// provider's CPU decoding their configuration, plan and state in full to
// find that out.
func (r *machineUserResource) unchanged(ctx context.Context, req resource.ModifyPlanRequest) bool {
	if req.State.Raw.IsNull() || !req.Plan.Raw.Equal(req.State.Raw) {
		return false
	}
	var configured, current types.String
	diags := req.Config.GetAttribute(ctx, path.Root("organization_id"), &configured)
	diags.Append(req.State.GetAttribute(ctx, path.Root("organization_id"), &current)...)
	if diags.HasError() {
		return false // the full path reports it
	}
	if !configured.IsNull() {
		return configured.Equal(current)
	}
	planned := r.data.organizationID(ctx, configured, &diags)
	return !diags.HasError() && planned == current.ValueString()
}

// createKey is the Idempotency-Key of the create of m (see
// providerData.createKey): everything the create sends.
func (r *machineUserResource) createKey(organizationID string, m machineUserResourceModel) string {
	return r.data.createKey("machine-user", organizationID, m.ID.ValueString(), m.Username.ValueString(), m.Name.ValueString(),
		m.Description.ValueString(), m.Email.ValueString(), m.AccessTokenType.ValueString())
}

// checkUsernameFree refuses, at plan time, a machine user whose username
// another user of the organization has taken (since the last refresh, or by
// hand), with the import that adopts it. A user this very create made in an
// earlier run whose answer was lost is no conflict: the server holds that
// answer for the create's key, and the apply collects it.
func (r *machineUserResource) checkUsernameFree(ctx context.Context, org, username string, planned tfsdk.Plan, diags *diag.Diagnostics) {
	found, err := r.data.findMachineUserByUsername(ctx, org, username)
	if err != nil || found == nil || r.data.wasReplaced(machineUserTypeName, org+"/"+found.ID) {
		return // a failed look-up is left to the create, which reports it
	}
	// Taken: unless by this very create, whose key covers the whole plan.
	var plan machineUserResourceModel
	if d := planned.Get(ctx, &plan); d.HasError() || r.data.wouldReplay(ctx, r.createKey(org, plan)) {
		return
	}
	diags.AddAttributeError(path.Root("username"), "Username taken", usernameTakenDetail(org, *found))
}

// readMachineUser reads machine user id of org for a refresh: from the
// organization's listing when the run reads many (listing.go), else with
// its own GET.
func (d *providerData) readMachineUser(ctx context.Context, org, id string) (*client.MachineUser, error) {
	if mu, found, _ := d.machineUsers.find(ctx, lookupOptions[client.MachineUser]{scope: org, index: "id", key: id,
		keyOf: func(u client.MachineUser) string { return u.ID }, list: d.machineUsersOf(org)}); found {
		return &mu, nil
	}
	return d.client.GetMachineUser(ctx, org, id)
}

// findMachineUserByUsername is the machine user of org named username, if
// there is one; an error is a failed look-up.
func (d *providerData) findMachineUserByUsername(ctx context.Context, org, username string) (*client.MachineUser, error) {
	mu, found, answered := d.machineUsers.find(ctx, lookupOptions[client.MachineUser]{scope: org, index: "username", key: username,
		keyOf: func(u client.MachineUser) string { return u.Username }, list: d.machineUsersOf(org), despiteChanges: true})
	switch {
	case answered && found:
		return &mu, nil
	case answered:
		return nil, nil
	}
	all, err := d.client.ListMachineUsers(ctx, org, client.ListMachineUsersOptions{Username: username})
	if err != nil || len(all) == 0 {
		return nil, err
	}
	return &all[0], nil
}

func (d *providerData) machineUsersOf(org string) func(context.Context) ([]client.MachineUser, error) {
	return func(ctx context.Context) ([]client.MachineUser, error) {
		return d.client.ListMachineUsers(ctx, org, client.ListMachineUsersOptions{})
	}
}

// usernameTakenDetail says which machine user has the username, and how to
// adopt it.
func usernameTakenDetail(organizationID string, existing client.MachineUser) string {
	return fmt.Sprintf("Organization %s already has a machine user named %q (id %s). To manage it with Terraform, import it: "+
		"terraform import <address> %s/%s (or an import block with id = %q); or choose another username.",
		organizationID, existing.Username, existing.ID, organizationID, existing.ID, organizationID+"/"+existing.ID)
}

// changesInPlace tells whether the plan changes any attribute that an update
// (PATCH) changes.
func (m machineUserModel) changesInPlace(state machineUserModel) bool {
	return !m.Username.Equal(state.Username) || !m.Name.Equal(state.Name) ||
		!m.Description.Equal(state.Description) || !m.Email.Equal(state.Email) ||
		!m.AccessTokenType.Equal(state.AccessTokenType)
}

func (r *machineUserResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var plan machineUserResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	organizationID := r.data.organizationID(ctx, plan.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// Values still unknown here (id, when not chosen) are "" and so omitted.
	r.data.machineUsers.changing(organizationID)
	mu, err := r.data.client.CreateMachineUser(withCreateKey(ctx, r.createKey(organizationID, plan)), organizationID, client.MachineUserCreate{
		ID:              plan.ID.ValueString(),
		Username:        plan.Username.ValueString(),
		Name:            plan.Name.ValueString(),
		Description:     plan.Description.ValueString(),
		Email:           plan.Email.ValueString(),
		AccessTokenType: plan.AccessTokenType.ValueString(),
	})
	if err != nil {
		summary := fmt.Sprintf("Could not create machine user %q", plan.Username.ValueString())
		if apiErr, ok := client.AsAPIError(err); ok && apiErr.Code == "ALREADY_EXISTS" {
			// Taken since the plan: name the user, and the import.
			found, lerr := r.data.client.ListMachineUsers(ctx, organizationID, client.ListMachineUsersOptions{Username: plan.Username.ValueString()})
			if lerr == nil && len(found) == 1 {
				resp.Diagnostics.AddAttributeError(path.Root("username"), summary, usernameTakenDetail(organizationID, found[0])+
					"\n\n"+apiErrorTrailer(apiErr))
				return
			}
		}
		addAPIError(&resp.Diagnostics, summary, err, machineUserFieldPaths)
		return
	}
	plan.setFromAPI(mu)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *machineUserResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var state machineUserResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	// An import by "<id>" alone leaves the organization to the default.
	organizationID := r.data.organizationID(ctx, state.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	mu, err := r.data.readMachineUser(ctx, organizationID, state.ID.ValueString())
	if client.IsNotFound(err) {
		dropFromState(ctx, req, resp, r.identity(), "Machine user deleted outside Terraform",
			fmt.Sprintf("machine user %s was deleted outside Terraform; it will be re-created", state.ID.ValueString()))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read machine user %s", state.ID.ValueString()), err, nil)
		return
	}
	state.setFromAPI(mu)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *machineUserResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var plan, state machineUserResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	// Every updatable field is sent, so the machine user ends up exactly as
	// planned even if it drifted in a field the plan did not touch. An email
	// removed from the configuration is sent as "", which clears it.
	r.data.machineUsers.changing(state.OrganizationID.ValueString())
	mu, err := r.data.client.UpdateMachineUser(ctx, state.OrganizationID.ValueString(), state.ID.ValueString(), client.MachineUserUpdate{
		Username:        plan.Username.ValueStringPointer(),
		Name:            plan.Name.ValueStringPointer(),
		Description:     plan.Description.ValueStringPointer(),
		Email:           new(plan.Email.ValueString()),
		AccessTokenType: plan.AccessTokenType.ValueStringPointer(),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not update machine user %s", state.ID.ValueString()), err, machineUserFieldPaths)
		return
	}
	plan.setFromAPI(mu)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *machineUserResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	// Three attributes, not the whole state: a destroy of a thousand
	// machine users decoded each state in full for these.
	var organizationID, id types.String
	var limits timeouts.Value
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("organization_id"), &organizationID)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("timeouts"), &limits)...)
	ctx, cancel := withTimeout(ctx, limits.Delete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	r.data.machineUsers.changing(organizationID.ValueString())
	err := r.data.client.DeleteMachineUser(ctx, organizationID.ValueString(), id.ValueString())
	if err != nil && !client.IsNotFound(err) { // already gone is what Delete wants
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not delete machine user %s", id.ValueString()), err, nil)
	}
}

// machineUserImportIDForms documents the import IDs in every error about one.
const machineUserImportIDForms = `Use "<id>" (the machine user in the provider's default organization) or "<organization_id>/<id>".`

// ImportState takes "<id>" or "<organization_id>/<id>". Machine user ids never
// contain "/", so the split is unambiguous.
func (r *machineUserResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importID := r.identity().importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	parts := strings.Split(importID, "/")
	var organizationID, id string
	switch len(parts) {
	case 1:
		id = parts[0]
	case 2:
		organizationID, id = parts[0], parts[1]
		if organizationID == "" {
			id = ""
		}
	}
	if id == "" {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Import ID %q is not a machine user import ID. %s", importID, machineUserImportIDForms))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	if organizationID != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization_id"), organizationID)...)
	}
}

func (r *machineUserResource) identity() resourceIdentity { return machineUserIdentity }

func (r *machineUserResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = r.identity().schema()
}
