package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	_ resource.ResourceWithConfigure   = (*projectRoleBindingResource)(nil)
	_ resource.ResourceWithImportState = (*projectRoleBindingResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*projectRoleBindingResource)(nil)
)

// NewProjectRoleBindingResource is the constructor of
// pgcloud_project_role_binding.
func NewProjectRoleBindingResource() resource.Resource {
	return &projectRoleBindingResource{}
}

type projectRoleBindingResource struct {
	data *providerData // nil until the provider is configured
}

// projectRoleBindingResourceModel is the pgcloud_project_role_binding
// resource.
type projectRoleBindingResourceModel struct {
	ID             types.String   `tfsdk:"id"`
	BindingID      types.String   `tfsdk:"binding_id"`
	ProjectID      types.String   `tfsdk:"project_id"`
	OrganizationID types.String   `tfsdk:"organization_id"`
	UserID         types.String   `tfsdk:"user_id"`
	Role           types.String   `tfsdk:"role"`
	CreatedAt      types.String   `tfsdk:"created_at"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

func (m *projectRoleBindingResourceModel) setFromAPI(b *client.ProjectRoleBinding) {
	m.ID = types.StringValue(roleBindingID(b.ProjectID, b.UserID, b.Role))
	m.BindingID = types.StringValue(b.ID)
	m.ProjectID = types.StringValue(b.ProjectID)
	m.OrganizationID = types.StringValue(b.OrganizationID)
	m.UserID = types.StringValue(b.UserID)
	m.Role = types.StringValue(b.Role)
	m.CreatedAt = timestamp(b.Metadata.CreatedDate)
}

func (r *projectRoleBindingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_project_role_binding"
}

func (r *projectRoleBindingResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Binds a project role to a user (a machine user or a person) of the project's " +
			"organization: `project_owner` manages the project and binds project roles on it, " +
			"`project_editor` manages its clusters' users, `project_viewer` reads. Binding needs the " +
			"`org_owner` role, or `project_owner` on the project. The last `project_owner` of a project " +
			"cannot be unbound. Every change replaces the binding.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<project_id>/<user_id>/<role>`, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"binding_id": schema.StringAttribute{
				MarkdownDescription: "The platform's identifier of the binding.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"project_id": schema.StringAttribute{
				MarkdownDescription: "Project the role applies to. The user must belong to the project's " +
					"organization; the plan checks that.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization of the project (and of the user).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"user_id": schema.StringAttribute{
				MarkdownDescription: "Id of the user (machine user or person) that gets the role.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "A project role: " + quotedList(client.ProjectRoles()) +
					". Organization roles are bound with `pgcloud_org_role_binding`.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{roleValidator(client.ProjectRoles())},
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

func (r *projectRoleBindingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan, before a binding is created, asks the API (reads only) for the
// project and whether the user is in the project's organization, so a binding
// across organizations fails the plan with nothing written. It also plans the
// id and the organization.
func (r *projectRoleBindingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() || r.data == nil {
		return // destroying, or changing (which replaces: its create plan checks)
	}
	var plan projectRoleBindingResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.ProjectID.IsUnknown() {
		return
	}
	if !plan.UserID.IsUnknown() && !plan.Role.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"),
			roleBindingID(plan.ProjectID.ValueString(), plan.UserID.ValueString(), plan.Role.ValueString()))...)
	}

	project, err := r.data.client.GetProject(ctx, plan.ProjectID.ValueString())
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("project_id"), "Project not found",
			fmt.Sprintf("Project %q does not exist or is not in the organization of the provider's access key, which sees only its own organization's projects.",
				plan.ProjectID.ValueString()))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not check project "+plan.ProjectID.ValueString(), err, nil)
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("organization_id"), project.OrganizationID)...)
	checkUserInOrganization(ctx, r.data, project.OrganizationID, plan.UserID,
		fmt.Sprintf("project %s (%s)", project.ID, project.Name), &resp.Diagnostics)
}

func (r *projectRoleBindingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if r.data == nil {
		resp.Diagnostics.AddError(unconfiguredSummary, unconfiguredDetail)
		return
	}
	var plan projectRoleBindingResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultRoleBindingTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	b, err := r.data.client.CreateProjectRoleBinding(ctx, plan.ProjectID.ValueString(), plan.UserID.ValueString(), plan.Role.ValueString())
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not bind role %s to user %s on project %s",
			plan.Role.ValueString(), plan.UserID.ValueString(), plan.ProjectID.ValueString()), err, roleBindingFieldPaths)
		return
	}
	plan.setFromAPI(b)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// Read finds the binding by user and role (not by binding_id), so an import
// needs no platform id and a binding re-created outside Terraform is found
// again.
func (r *projectRoleBindingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		resp.Diagnostics.AddError(unconfiguredSummary, unconfiguredDetail)
		return
	}
	var state projectRoleBindingResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, defaultRoleBindingTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// A deleted project answers 404: its bindings are gone with it.
	found, err := r.data.client.ListProjectRoleBindings(ctx, state.ProjectID.ValueString(), client.RoleBindingFilter{
		UserID: state.UserID.ValueString(), Role: state.Role.ValueString(),
	})
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read the role bindings of project %s", state.ProjectID.ValueString()), err, nil)
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
		fmt.Sprintf("role %s of user %s on project %s was unbound outside Terraform (or the user or project was deleted); it will be bound again",
			state.Role.ValueString(), state.UserID.ValueString(), state.ProjectID.ValueString()))
	resp.State.RemoveResource(ctx)
}

// Update is never called: every attribute of a binding replaces it.
func (r *projectRoleBindingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan projectRoleBindingResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *projectRoleBindingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.data == nil {
		resp.Diagnostics.AddError(unconfiguredSummary, unconfiguredDetail)
		return
	}
	var state projectRoleBindingResourceModel
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

	err := r.data.client.DeleteProjectRoleBinding(ctx, state.ProjectID.ValueString(), state.BindingID.ValueString())
	if err != nil && !client.IsNotFound(err) { // already gone is what Delete wants
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not unbind role %s from user %s on project %s",
			state.Role.ValueString(), state.UserID.ValueString(), state.ProjectID.ValueString()), err, nil)
	}
}

// ImportState takes "<project_id>/<user_id>/<role>".
func (r *projectRoleBindingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	projectID, userID, role, ok := splitRoleBindingID(req.ID)
	if !ok {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf(`Import ID %q is not a project role binding import ID. Use "<project_id>/<user_id>/<role>", where role is one of %s.`,
				req.ID, strings.Join(client.ProjectRoles(), ", ")))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project_id"), projectID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("user_id"), userID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("role"), role)...)
}
