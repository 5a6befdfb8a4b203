package provider

import (
	"context"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// The scope of an organization for the role bindings of role_binding.go: what
// pgcloud_org_role_binding and its list resource share.

// orgScope binds organization roles. Its organization_id defaults to the
// provider's organization, as every organization_id does.
type orgScope struct{}

// orgRoleBindingModel is the pgcloud_org_role_binding resource: the scope's
// id is organization_id, which roleBindingModel already holds.
type orgRoleBindingModel struct {
	roleBindingModel
}

func (m *orgRoleBindingModel) scopeAttribute() types.String { return m.OrganizationID }

// setScopeAttribute has nothing to do: organization_id is one of the shared
// attributes, set with them.
func (m *orgRoleBindingModel) setScopeAttribute(string) {}

func (orgScope) typeName() string           { return "org_role_binding" }
func (orgScope) kind() string               { return "organization" }
func (orgScope) attribute() string          { return "organization_id" }
func (orgScope) roles() []string            { return client.OrganizationRoles() }
func (orgScope) newModel() roleBindingState { return &orgRoleBindingModel{} }
func (s orgScope) describe() (string, map[string]schema.Attribute) {
	return "Binds an organization role to a user (a machine user or a person) of the " +
			"organization: `org_owner` manages everything in the organization, `org_admin` reads " +
			"everything. Every user of an organization is a member of it without any binding. Binding " +
			"needs the `org_owner` role. The last `org_owner` of an organization cannot be unbound. " +
			"Every change replaces the binding.",
		map[string]schema.Attribute{
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization the role applies to. Defaults to the provider's " +
					"`organization_id`, else the organization of the provider's access key. The user must " +
					"belong to it; the plan checks that.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"role": roleAttribute("An organization role: "+quotedList(s.roles())+
				". Project roles are bound with `pgcloud_project_role_binding`.", s.roles()),
		}
}

// planScope plans organization_id (configured, else the provider's default;
// a different one replaces the binding) and before a create checks that the
// organization is visible.
func (orgScope) planScope(ctx context.Context, data *providerData, config, _, state roleBindingState, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) (string, string, string, bool) {
	organizationID := data.planOrganizationID(ctx, config.scopeAttribute(), &resp.Plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return "", "", "", false
	}
	if !req.State.Raw.IsNull() {
		if !organizationID.Equal(state.shared().OrganizationID) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("organization_id"))
		}
		return "", "", "", false
	}
	if organizationID.IsUnknown() {
		return "", "", "", false
	}
	id := organizationID.ValueString()
	checkOrganizationVisible(ctx, data, id, ". A key sees only its own organization.", &resp.Diagnostics)
	return id, id, "that organization", !resp.Diagnostics.HasError()
}

// scopeID is the organization held, else the default: a list block may
// leave it out, and so may a state from before organization_id was planned
// (an import by id alone never does).
func (orgScope) scopeID(ctx context.Context, data *providerData, held types.String, diags *diag.Diagnostics) string {
	return data.organizationID(ctx, held, diags)
}

func (orgScope) listAttribute() listschema.StringAttribute {
	return listschema.StringAttribute{
		MarkdownDescription: "Organization whose role bindings are listed. Defaults to the provider's " +
			"`organization_id`, else the organization of the provider's access key.",
		Optional:   true,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
}

func (orgScope) create(ctx context.Context, c *client.Client, organizationID, userID, role string) (*client.RoleBinding, error) {
	return c.CreateOrgRoleBinding(ctx, organizationID, userID, role)
}

func (orgScope) list(ctx context.Context, c *client.Client, organizationID string, filter client.RoleBindingFilter) ([]client.RoleBinding, error) {
	return c.ListOrgRoleBindings(ctx, organizationID, filter)
}

func (orgScope) each(ctx context.Context, c *client.Client, organizationID string, filter client.RoleBindingFilter) iter.Seq2[client.RoleBinding, error] {
	return c.EachOrgRoleBinding(ctx, organizationID, filter)
}

func (orgScope) delete(ctx context.Context, c *client.Client, organizationID, bindingID string) error {
	return c.DeleteOrgRoleBinding(ctx, organizationID, bindingID)
}
