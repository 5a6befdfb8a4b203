package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

var (
	_ resource.ResourceWithConfigure   = (*orgRoleBindingResource)(nil)
	_ resource.ResourceWithImportState = (*orgRoleBindingResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*orgRoleBindingResource)(nil)
)

// defaultRoleBindingTimeout bounds each operation of both role-binding
// resources unless the configuration's timeouts say otherwise.
const defaultRoleBindingTimeout = 5 * time.Minute

// roleBindingFieldPaths maps the API's field names to the attributes of both
// role-binding resources.
var roleBindingFieldPaths = map[string]path.Path{
	"userId": path.Root("user_id"),
	"role":   path.Root("role"),
}

// NewOrgRoleBindingResource is the constructor of pgcloud_org_role_binding.
func NewOrgRoleBindingResource() resource.Resource {
	return &orgRoleBindingResource{}
}

type orgRoleBindingResource struct {
	data *providerData // nil until the provider is configured
}

// orgRoleBindingResourceModel is the pgcloud_org_role_binding resource.
type orgRoleBindingResourceModel struct {
	ID             types.String   `tfsdk:"id"`
	BindingID      types.String   `tfsdk:"binding_id"`
	OrganizationID types.String   `tfsdk:"organization_id"`
	UserID         types.String   `tfsdk:"user_id"`
	Role           types.String   `tfsdk:"role"`
	CreatedAt      types.String   `tfsdk:"created_at"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

func (m *orgRoleBindingResourceModel) setFromAPI(b *client.OrgRoleBinding) {
	m.ID = types.StringValue(roleBindingID(b.OrganizationID, b.UserID, b.Role))
	m.BindingID = types.StringValue(b.ID)
	m.OrganizationID = types.StringValue(b.OrganizationID)
	m.UserID = types.StringValue(b.UserID)
	m.Role = types.StringValue(b.Role)
	m.CreatedAt = timestamp(b.Metadata.CreatedDate)
}

// roleBindingID is the Terraform id (and import ID) of a role binding:
// "<scope id>/<user_id>/<role>". A user holds a role on a scope at most once,
// so it names the binding as well as the platform's id does, and can be
// written down before the binding exists.
func roleBindingID(scopeID, userID, role string) string {
	return scopeID + "/" + userID + "/" + role
}

// splitRoleBindingID splits "<scope id>/<user_id>/<role>"; ids never contain
// "/".
func splitRoleBindingID(id string) (scopeID, userID, role string, ok bool) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// roleBindingTimeoutsAttribute is the timeouts attribute of both role-binding
// resources: a binding is created, read and deleted, never updated.
func roleBindingTimeoutsAttribute(ctx context.Context) schema.SingleNestedAttribute {
	a := timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Delete: true}).(schema.SingleNestedAttribute)
	a.MarkdownDescription = "How long each operation may take, as durations such as `30s` or `10m`. Each defaults to `5m`."
	return a
}

// roleValidator checks a role against the roles of one scope; its message
// lists the valid ones, so an organization role on a project binding (or the
// reverse) fails at plan time with the fix in the message.
func roleValidator(roles []string) validator.String {
	return stringvalidator.OneOf(roles...)
}

func quotedList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}

func (r *orgRoleBindingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_org_role_binding"
}

func (r *orgRoleBindingResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Binds an organization role to a user (a machine user or a person) of the " +
			"organization: `org_owner` manages everything in the organization, `org_admin` reads " +
			"everything. Every user of an organization is a member of it without any binding. Binding " +
			"needs the `org_owner` role. The last `org_owner` of an organization cannot be unbound. " +
			"Every change replaces the binding.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<organization_id>/<user_id>/<role>`, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"binding_id": schema.StringAttribute{
				MarkdownDescription: "The platform's identifier of the binding.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization the role applies to. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key. The user must " +
					"belong to it; the plan checks that.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"user_id": schema.StringAttribute{
				MarkdownDescription: "Id of the user (machine user or person) that gets the role.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "An organization role: " + quotedList(client.OrganizationRoles()) +
					". Project roles are bound with `pgcloud_project_role_binding`.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{roleValidator(client.OrganizationRoles())},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the binding was created (RFC 3339, UTC).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"timeouts": roleBindingTimeoutsAttribute(ctx),
		},
	}
}

func (r *orgRoleBindingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan plans the organization (configured, else the provider's default;
// a different one replaces the binding) and the id, and before a binding is
// created asks the API (reads only) whether the organization is visible and
// the user is in it, so a binding that would break the single-organization
// rule fails the plan with nothing written.
func (r *orgRoleBindingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var config, plan, state orgRoleBindingResourceModel
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
	if !creating {
		if !organizationID.Equal(state.OrganizationID) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("organization_id"))
		}
		return
	}

	if !organizationID.IsUnknown() && !plan.UserID.IsUnknown() && !plan.Role.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"),
			roleBindingID(organizationID.ValueString(), plan.UserID.ValueString(), plan.Role.ValueString()))...)
	}
	if organizationID.IsUnknown() {
		return
	}
	if _, err := r.data.client.GetOrganization(ctx, organizationID.ValueString()); err != nil {
		if client.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("organization_id"), "Organization not found",
				fmt.Sprintf("Organization %q does not exist or is not visible to the provider's access key. A key sees only its own organization.",
					organizationID.ValueString()))
			return
		}
		addAPIError(&resp.Diagnostics, "Could not check organization "+organizationID.ValueString(), err, nil)
		return
	}
	checkUserInOrganization(ctx, r.data, organizationID.ValueString(), plan.UserID, "that organization", &resp.Diagnostics)
}

// checkUserInOrganization asks the API (a read) whether userID is a user of
// organizationID; a user of another organization is not visible there (404).
// where names the organization or project for the error.
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

func (r *orgRoleBindingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if r.data == nil {
		resp.Diagnostics.AddError(unconfiguredSummary, unconfiguredDetail)
		return
	}
	var plan orgRoleBindingResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultRoleBindingTimeout)
	resp.Diagnostics.Append(diags...)
	organizationID := r.data.organizationID(ctx, plan.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	b, err := r.data.client.CreateOrgRoleBinding(ctx, organizationID, plan.UserID.ValueString(), plan.Role.ValueString())
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not bind role %s to user %s on organization %s",
			plan.Role.ValueString(), plan.UserID.ValueString(), organizationID), err, roleBindingFieldPaths)
		return
	}
	plan.setFromAPI(b)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// Read finds the binding by user and role (not by binding_id), so an import
// needs no platform id and a binding re-created outside Terraform is found
// again.
func (r *orgRoleBindingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		resp.Diagnostics.AddError(unconfiguredSummary, unconfiguredDetail)
		return
	}
	var state orgRoleBindingResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, defaultRoleBindingTimeout)
	resp.Diagnostics.Append(diags...)
	organizationID := r.data.organizationID(ctx, state.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	found, err := r.data.client.ListOrgRoleBindings(ctx, organizationID, client.RoleBindingFilter{
		UserID: state.UserID.ValueString(), Role: state.Role.ValueString(),
	})
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read the role bindings of organization %s", organizationID), err, nil)
		return
	}
	for i := range found {
		if found[i].UserID == state.UserID.ValueString() && found[i].Role == state.Role.ValueString() {
			state.setFromAPI(&found[i])
			resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
			return
		}
	}
	resp.Diagnostics.AddWarning("Role binding deleted outside Terraform",
		fmt.Sprintf("role %s of user %s on organization %s was unbound outside Terraform (or the user was deleted); it will be bound again",
			state.Role.ValueString(), state.UserID.ValueString(), organizationID))
	resp.State.RemoveResource(ctx)
}

// Update is never called: every attribute of a binding replaces it.
func (r *orgRoleBindingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan orgRoleBindingResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *orgRoleBindingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.data == nil {
		resp.Diagnostics.AddError(unconfiguredSummary, unconfiguredDetail)
		return
	}
	var state orgRoleBindingResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultRoleBindingTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	err := r.data.client.DeleteOrgRoleBinding(ctx, state.OrganizationID.ValueString(), state.BindingID.ValueString())
	if err != nil && !client.IsNotFound(err) { // already gone is what Delete wants
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not unbind role %s from user %s on organization %s",
			state.Role.ValueString(), state.UserID.ValueString(), state.OrganizationID.ValueString()), err, nil)
	}
}

// ImportState takes "<organization_id>/<user_id>/<role>".
func (r *orgRoleBindingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	organizationID, userID, role, ok := splitRoleBindingID(req.ID)
	if !ok {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf(`Import ID %q is not an organization role binding import ID. Use "<organization_id>/<user_id>/<role>", where role is one of %s.`,
				req.ID, strings.Join(client.OrganizationRoles(), ", ")))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization_id"), organizationID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("user_id"), userID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("role"), role)...)
}
