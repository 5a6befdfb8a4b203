package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/validators"
)

var (
	_ resource.ResourceWithConfigure        = (*accessKeyResource)(nil)
	_ resource.ResourceWithImportState      = (*accessKeyResource)(nil)
	_ resource.ResourceWithIdentity         = (*accessKeyResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*accessKeyResource)(nil)
	_ resource.ResourceWithConfigValidators = (*accessKeyResource)(nil)
)

const (
	// A generated name is the prefix, a UTC timestamp and a random suffix
	// ("-20261124T112233Z-1a2b3c", 24 characters).
	generatedNameSuffixLength = 24
	maxAccessKeyNamePrefix    = maxAccessKeyNameLength - generatedNameSuffixLength
	defaultAccessKeyPrefix    = "terraform-"
)

// NewAccessKeyResource is the constructor of pgcloud_access_key.
func NewAccessKeyResource() resource.Resource {
	return &accessKeyResource{}
}

type accessKeyResource struct {
	resourceBase
}

// keyParent names the machine user of a key, for noteDropped and wasDropped.
func keyParent(organizationID, machineUserID string) string {
	return organizationID + "/" + machineUserID
}

func (r *accessKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + accessKeyTypeName
}

func (r *accessKeyResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An access key of a machine user: the credential (`pgc_...`) a CI pipeline, " +
			"a service or another Terraform configuration authenticates to the pgcloud API with. A key " +
			"lives 1 to 365 days and cannot be changed: every change of its settings creates a new key. " +
			"The secret is only known when the key is created. A machine user holds at most " +
			fmt.Sprint(client.AccessKeysPerMachineUser) + " unexpired keys, enough to rotate with overlap. Managing keys needs the " +
			"`org_owner` role; keys of people are self-service and not managed here.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the key (12 characters, also part of the key text).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization of the machine user. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key. A different " +
					"organization replaces the key.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"machine_user_id": schema.StringAttribute{
				MarkdownDescription: "Id of the machine user the key belongs to. The plan checks that it is " +
					"a machine user of the organization: keys of people are self-service. A different " +
					"machine user replaces the key.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the key, 1–200 characters, unique among the machine user's " +
					"keys. Defaults to `name_prefix` (else `" + defaultAccessKeyPrefix + "`) followed by the " +
					"creation time and a random suffix, which keeps names unique when a key is rotated with " +
					"`create_before_destroy`; a fixed name collides then. A different name replaces the key.",
				Optional: true,
				Computed: true,
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplaceIf(nameChangedInConfig, "A different configured name replaces the key.",
						"A different configured `name` replaces the key."),
				},
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, maxAccessKeyNameLength)},
			},
			"name_prefix": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Start of a generated `name`, at most %d characters; "+
					"conflicts with `name`. A different prefix replaces the key.", maxAccessKeyNamePrefix),
				Optional:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(1, maxAccessKeyNamePrefix),
					stringvalidator.ConflictsWith(path.MatchRoot("name")),
				},
			},
			"expires_in_days": schema.Int64Attribute{
				MarkdownDescription: "How many days the key lives, from 1 to 365. A different value replaces the key.",
				Required:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
				Validators:          []validator.Int64{int64validator.Between(client.MinAccessKeyDays, client.MaxAccessKeyDays)},
			},
			"rotate_before_days": schema.Int64Attribute{
				MarkdownDescription: "Rotate the key this many days before it expires: once the key is " +
					"within this window of `expires_at`, the plan replaces it. Must be less than " +
					"`expires_in_days`. Pair it with `lifecycle { create_before_destroy = true }` so the new " +
					"key exists before the old one is deleted. Without it, an expired key is not replaced: the " +
					"plan warns instead. Changing it changes nothing on the platform.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, client.MaxAccessKeyDays-1)},
			},
			"keepers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that, when changed, replace the key, such as a " +
					"rotation date from the `time_rotating` resource or a deployment version.",
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the key expires (RFC 3339, UTC). An expired key authenticates nothing.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"secret": schema.StringAttribute{
				MarkdownDescription: "The key itself (`pgc_...`), to give to whatever authenticates with it. " +
					"Known only after the key is created: the platform never shows it again, so it is null " +
					"after an import. Sensitive; it is stored in the Terraform state, so protect the state, or " +
					"use the `pgcloud_access_key` ephemeral resource for a key that only lives during a run.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"masked_key": schema.StringAttribute{
				MarkdownDescription: "The key with its secret part hidden (`pgc_<id>_…<last 4 characters>`), " +
					"to recognise it in logs.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"state": schema.StringAttribute{
				MarkdownDescription: "`active` or `expired`, as of the last refresh.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the key was created (RFC 3339, UTC).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"timeouts": timeoutsAttribute(ctx, timeouts.Opts{Create: true, Read: true, Delete: true}),
		},
	}
}

// replacedByConfig reports whether an attribute whose change replaces the key
// (a RequiresReplace plan modifier, which ModifyPlan does not see) changes.
func replacedByConfig(config, plan, state accessKeyResourceModel) bool {
	return !plan.MachineUserID.Equal(state.MachineUserID) || !plan.NamePrefix.Equal(state.NamePrefix) ||
		!plan.ExpiresInDays.Equal(state.ExpiresInDays) || !plan.Keepers.Equal(state.Keepers) ||
		(!config.Name.IsNull() && !config.Name.Equal(state.Name))
}

// checkKeyQuota refuses, at plan time, a key the machine user has no room
// for: the active keys it holds, plus those this plan creates for it, minus
// those this plan replaces, must stay within the platform's quota. The error
// lists the keys, so that the user sees which to delete.
func (r *accessKeyResource) checkKeyQuota(ctx context.Context, organizationID, machineUserID string, diags *diag.Diagnostics) {
	if r.data.plannedMachineUser(organizationID, machineUserID) {
		r.data.plannedKeyChange(keyParent(organizationID, machineUserID), +1)
		return // new in this run: it holds no key yet
	}
	keys, err := r.data.client.ListMachineUserAccessKeys(ctx, organizationID, machineUserID)
	if err != nil {
		// A caller that may not read the keys may not create one either: the
		// create says so, with the role it needs.
		if !client.IsNotFound(err) && !client.IsPermissionDenied(err) {
			addAPIError(diags, "Could not list the access keys of machine user "+machineUserID, err, nil)
		}
		return
	}
	var active []string
	for _, k := range keys {
		if k.State == client.AccessKeyStateActive { // expired and unconfirmed keys take no place
			active = append(active, fmt.Sprintf("%s (%s, expires %s)", k.Name, k.ID, k.ExpiresAt.UTC().Format(time.RFC3339)))
		}
	}
	planned := r.data.plannedKeyChange(keyParent(organizationID, machineUserID), +1)
	if len(active)+planned <= client.AccessKeysPerMachineUser {
		return
	}
	diags.AddAttributeError(path.Root("machine_user_id"), "No room for another access key",
		fmt.Sprintf("Machine user %s holds %d active access keys (%s), and this plan creates %d more for it, but a machine user "+
			"holds at most %d. Make room first: delete a key it no longer needs (terraform destroy -target on its "+
			"pgcloud_access_key, or the API), or let this configuration replace a key rather than add one.",
			machineUserID, len(active), strings.Join(active, ", "), planned, client.AccessKeysPerMachineUser))
}

// checkRoomToRotate warns, when the key in state is to be replaced, if its
// machine user has no room for the replacement while the key still exists.
// checkKeyQuota counts a replaced key as gone before its replacement is
// created, which holds only when Terraform deletes it first. With
// create_before_destroy, the way to rotate a key, Terraform creates the new
// key first, and the provider cannot tell which of the two this plan does:
// so a warning, not an error. It is made here, in the plan of the replaced
// key: Terraform drops the warnings of the plan of the replacement.
func (r *accessKeyResource) checkRoomToRotate(ctx context.Context, state accessKeyResourceModel, diags *diag.Diagnostics) {
	organizationID, machineUserID := state.OrganizationID.ValueString(), state.MachineUserID.ValueString()
	keys, err := r.data.client.ListMachineUserAccessKeys(ctx, organizationID, machineUserID)
	if err != nil {
		// Gone, or not readable with this key: the replacement's own plan
		// and its create say so.
		if !client.IsNotFound(err) && !client.IsPermissionDenied(err) {
			addAPIError(diags, "Could not list the access keys of machine user "+machineUserID, err, nil)
		}
		return
	}
	var active []string
	for _, k := range keys {
		if k.State == client.AccessKeyStateActive { // expired and unconfirmed keys take no place
			active = append(active, fmt.Sprintf("%s (%s)", k.Name, k.ID))
		}
	}
	if len(active) < client.AccessKeysPerMachineUser {
		return
	}
	diags.AddAttributeWarning(path.Root("machine_user_id"), "Rotation without room for both keys",
		fmt.Sprintf("This plan replaces access key %s, and machine user %s holds %d active access keys (%s), the most it may hold. "+
			"The replacement fits only if the old key is deleted before it is created. With lifecycle { create_before_destroy = true } "+
			"Terraform creates the new key first, and the apply fails (No room for another access key) before anything is deleted. "+
			"Make room first (delete a key the machine user no longer needs), or keep a key that rotates on a machine user that "+
			"holds no other key.", state.ID.ValueString(), machineUserID, len(active), strings.Join(active, ", ")))
}

// nameChangedInConfig replaces the key when a configured name changes. A name
// that was generated (none configured) never forces a replacement on its own.
func nameChangedInConfig(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !req.ConfigValue.IsNull() && !req.ConfigValue.Equal(req.StateValue)
}

func (r *accessKeyResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		validators.Int64LessThan(path.Root("rotate_before_days"), path.Root("expires_in_days"),
			"a key would be due for rotation as soon as it is created, and every plan would replace it"),
	}
}

// ModifyPlan plans the organization (the configured one, else the provider's
// default; a different one replaces the key) and, asking the API with reads
// only, refuses a key for a user that is not a machine user before anything
// is written.
//
// For a key that exists it applies the rotation window: once the key is
// within rotate_before_days of its expiry (by the provider's clock), the
// plan replaces it. A key that has expired without a rotation window is not
// replaced behind the user's back; the plan warns instead.
func (r *accessKeyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	ctx = r.data.apiContext(ctx)
	var config, plan, state accessKeyResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	creating := req.State.Raw.IsNull()
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	organizationID := r.data.planOrganizationID(ctx, config.OrganizationID, &resp.Plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	if creating {
		parent := keyParent(organizationID.ValueString(), plan.MachineUserID.ValueString())
		checkMachineUser(ctx, r.data, organizationID, plan.MachineUserID, path.Root("machine_user_id"),
			r.data.wasDropped(accessKeyTypeName, parent), &resp.Diagnostics)
		if !resp.Diagnostics.HasError() && !organizationID.IsUnknown() && !plan.MachineUserID.IsUnknown() {
			r.checkKeyQuota(ctx, organizationID.ValueString(), plan.MachineUserID.ValueString(), &resp.Diagnostics)
		}
		return
	}
	if !organizationID.Equal(state.OrganizationID) {
		// The replacement's own plan (with no prior state) checks the user.
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("organization_id"))
	} else {
		r.planRotation(ctx, plan, state, resp)
	}
	// A key that is replaced makes room for its replacement, whose own plan
	// (checkKeyQuota) comes next: Terraform plans the create half of a
	// replacement right after this one.
	if len(resp.RequiresReplace) > 0 || replacedByConfig(config, plan, state) {
		r.data.plannedKeyChange(keyParent(state.OrganizationID.ValueString(), state.MachineUserID.ValueString()), -1)
		r.checkRoomToRotate(ctx, state, &resp.Diagnostics)
	}
}

// planRotation replaces a key within its rotation window and warns about an
// expired key that nothing will rotate.
func (r *accessKeyResource) planRotation(ctx context.Context, plan, state accessKeyResourceModel, resp *resource.ModifyPlanResponse) {
	if state.ExpiresAt.IsNull() || state.ExpiresAt.IsUnknown() {
		return
	}
	expiresAt, err := time.Parse(time.RFC3339, state.ExpiresAt.ValueString())
	if err != nil {
		return // not written by this provider; the next refresh fixes it
	}
	now := r.data.clock()
	keyID := state.ID.ValueString()

	if days := plan.RotateBeforeDays; !days.IsNull() && !days.IsUnknown() {
		rotateAt := expiresAt.Add(-time.Duration(days.ValueInt64()) * 24 * time.Hour)
		if now.Before(rotateAt) {
			return
		}
		// Replacing needs an attribute whose planned value differs from the
		// state: the new key's expiry is not known yet.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("expires_at"), types.StringUnknown())...)
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("expires_at"))
		resp.Diagnostics.AddAttributeWarning(path.Root("rotate_before_days"), "Access key due for rotation",
			fmt.Sprintf("Access key %s expires at %s, which is within rotate_before_days (%d) of now, so the plan replaces it with a new key. "+
				"With lifecycle { create_before_destroy = true } the new key is created before the old one is deleted.",
				keyID, state.ExpiresAt.ValueString(), days.ValueInt64()))
		return
	}

	if !now.Before(expiresAt) || state.State.ValueString() == client.AccessKeyStateExpired {
		resp.Diagnostics.AddAttributeWarning(path.Root("expires_at"), "Access key expired",
			fmt.Sprintf("Access key %s of machine user %s expired at %s and authenticates nothing any more. Terraform does not replace an expired key on its own: "+
				"set rotate_before_days to rotate keys before they expire, change keepers or expires_in_days, or run terraform apply -replace on this resource.",
				keyID, state.MachineUserID.ValueString(), state.ExpiresAt.ValueString()))
	}
}

func (r *accessKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var plan accessKeyResourceModel
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
	name := plan.Name.ValueString()
	createCtx := ctx
	if plan.Name.IsUnknown() || plan.Name.IsNull() {
		prefix := defaultAccessKeyPrefix
		if !plan.NamePrefix.IsNull() {
			prefix = plan.NamePrefix.ValueString()
		}
		name = generatedKeyName(prefix)
	} else {
		// A configured name makes the create the same in every run, so a
		// create whose answer was lost is replayed, secret included, by the
		// next run (see providerData.createKey). A generated name differs
		// each time: the next run makes a new key, and the lost one is left
		// unconfirmed, to be deleted by the server (below).
		createCtx = withCreateKey(ctx, r.data.createKey(accessKeyTypeName, organizationID, plan.MachineUserID.ValueString(), name,
			plan.ExpiresInDays.String()))
	}
	// Two steps: the key is created unconfirmed — it works for nobody and
	// takes no place in the machine user's quota — and confirmed once its
	// secret is here. A run that dies between the two (a killed server, a
	// killed terraform) leaves a key nobody holds, which the server deletes
	// when its lease runs out instead of letting it count against the quota
	// of 2 until someone deletes it by hand; with a configured name, the
	// next run's replay picks it up and confirms it.
	k, err := r.data.client.CreateMachineUserAccessKey(createCtx, organizationID, plan.MachineUserID.ValueString(), client.AccessKeyCreate{
		Name:                name,
		ExpiresInDays:       int(plan.ExpiresInDays.ValueInt64()),
		RequireConfirmation: true,
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not create access key %q for machine user %s", name, plan.MachineUserID.ValueString()), err, accessKeyFieldPaths)
		return
	}
	keyID, secret := k.ID, k.Secret
	if k, err = r.data.client.ConfirmMachineUserAccessKey(ctx, organizationID, plan.MachineUserID.ValueString(), keyID); err != nil {
		// Unconfirmed, the key is harmless and goes by itself; deleting it
		// now only tidies up (and frees one of the few places of keys
		// awaiting confirmation), so a failure here changes nothing.
		_ = r.data.client.DeleteMachineUserAccessKey(ctx, organizationID, plan.MachineUserID.ValueString(), keyID)
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not confirm access key %q (%s) for machine user %s (unconfirmed, it works "+
			"for nobody, takes no place in the quota, and the server deletes it by itself)", name, keyID,
			plan.MachineUserID.ValueString()), err, accessKeyFieldPaths)
		return
	}
	k.Secret = secret // the confirmation's answer, like every read, has none
	plan.setFromAPI(k)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *accessKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var state accessKeyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	// An import by "<machine_user_id>/<key_id>" leaves the organization to
	// the default.
	organizationID := r.data.organizationID(ctx, state.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	k, err := r.data.client.GetMachineUserAccessKey(ctx, organizationID, state.MachineUserID.ValueString(), state.ID.ValueString())
	if client.IsNotFound(err) {
		r.data.noteDropped(accessKeyTypeName, keyParent(organizationID, state.MachineUserID.ValueString()))
		dropFromState(ctx, req, resp, r.identity(), "Access key deleted outside Terraform",
			fmt.Sprintf("access key %s of machine user %s was deleted outside Terraform (or its machine user was); it will be re-created",
				state.ID.ValueString(), state.MachineUserID.ValueString()))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read access key %s", state.ID.ValueString()), err, nil)
		return
	}
	state.setFromAPI(k)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// Update only ever changes what lives in Terraform alone (rotate_before_days,
// timeouts): every setting of the key itself replaces it.
func (r *accessKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan accessKeyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *accessKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var state accessKeyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.data.client.DeleteMachineUserAccessKey(ctx, state.OrganizationID.ValueString(), state.MachineUserID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) { // already gone is what Delete wants
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not delete access key %s", state.ID.ValueString()), err, nil)
	}
}

// accessKeyImportIDForms documents the import IDs in every error about one.
const accessKeyImportIDForms = `Use "<organization_id>/<machine_user_id>/<key_id>", or "<machine_user_id>/<key_id>" for a machine user of the provider's default organization.`

// ImportState takes "<organization_id>/<machine_user_id>/<key_id>" or
// "<machine_user_id>/<key_id>". Ids never contain "/". The secret of an
// imported key stays null: the platform shows it only once, at creation.
func (r *accessKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importID := r.identity().importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	importMachineUserObject(ctx, importID, "an access key", accessKeyImportIDForms+" A key's secret is never part of its import ID.", resp)
}

func (r *accessKeyResource) identity() resourceIdentity { return accessKeyIdentity }

func (r *accessKeyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = r.identity().schema()
}
