package provider

import (
	"context"
	"fmt"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// The scope of a project for the role bindings of role_binding.go: what
// pgcloud_project_role_binding and its list resource share.

// projectScope binds project roles. The project is required; its
// organization is read from the API, never configured.
type projectScope struct{}

// projectRoleBindingModel is the pgcloud_project_role_binding resource.
type projectRoleBindingModel struct {
	roleBindingModel
	ProjectID types.String `tfsdk:"project_id"`
}

func (m *projectRoleBindingModel) scopeAttribute() types.String { return m.ProjectID }
func (m *projectRoleBindingModel) setScopeAttribute(id string)  { m.ProjectID = types.StringValue(id) }

func (projectScope) typeName() string           { return "project_role_binding" }
func (projectScope) kind() string               { return "project" }
func (projectScope) attribute() string          { return "project_id" }
func (projectScope) roles() []string            { return client.ProjectRoles() }
func (projectScope) newModel() roleBindingState { return &projectRoleBindingModel{} }
func (s projectScope) describe() (string, map[string]schema.Attribute) {
	return "Binds a project role to a user (a machine user or a person) of the project's " +
			"organization: `project_owner` manages the project and binds project roles on it, " +
			"`project_editor` manages its clusters' users, `project_viewer` reads. Binding needs the " +
			"`org_owner` role, or `project_owner` on the project. The last `project_owner` of a project " +
			"cannot be unbound. Every change replaces the binding.",
		map[string]schema.Attribute{
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
			"role": roleAttribute("A project role: "+quotedList(s.roles())+
				". Organization roles are bound with `pgcloud_org_role_binding`.", s.roles()),
		}
}

// planScope, before a binding is created, reads the project, which must be
// visible to the provider's access key, and plans its organization. A change
// of project_id replaces the binding (its plan modifier says so), and the
// replacement's create plan checks it.
func (projectScope) planScope(ctx context.Context, data *providerData, _, plan, _ roleBindingState, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) (string, string, string, bool) {
	projectID := plan.scopeAttribute()
	if !req.State.Raw.IsNull() || projectID.IsUnknown() {
		return "", "", "", false
	}
	project, err := data.client.GetProject(ctx, projectID.ValueString())
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("project_id"), "Project not found",
			fmt.Sprintf("Project %q does not exist or is not in the organization of the provider's access key, which sees only its own organization's projects.",
				projectID.ValueString()))
		return "", "", "", false
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not check project "+projectID.ValueString(), err, nil)
		return "", "", "", false
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("organization_id"), project.OrganizationID)...)
	return project.ID, project.OrganizationID, fmt.Sprintf("project %s (%s)", project.ID, project.Name), true
}

func (projectScope) scopeID(_ context.Context, _ *providerData, held types.String, _ *diag.Diagnostics) string {
	return held.ValueString()
}

func (projectScope) listAttribute() listschema.StringAttribute {
	return listschema.StringAttribute{
		MarkdownDescription: "Project whose role bindings are listed.",
		Required:            true,
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
}

func (projectScope) create(ctx context.Context, c *client.Client, projectID, userID, role string) (*client.RoleBinding, error) {
	return c.CreateProjectRoleBinding(ctx, projectID, userID, role)
}

func (projectScope) list(ctx context.Context, c *client.Client, projectID string, filter client.RoleBindingFilter) ([]client.RoleBinding, error) {
	return c.ListProjectRoleBindings(ctx, projectID, filter)
}

func (projectScope) each(ctx context.Context, c *client.Client, projectID string, filter client.RoleBindingFilter) iter.Seq2[client.RoleBinding, error] {
	return c.EachProjectRoleBinding(ctx, projectID, filter)
}

func (projectScope) delete(ctx context.Context, c *client.Client, projectID, bindingID string) error {
	return c.DeleteProjectRoleBinding(ctx, projectID, bindingID)
}
