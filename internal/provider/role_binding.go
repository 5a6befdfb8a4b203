package provider

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
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

// pgcloud_org_role_binding and pgcloud_project_role_binding are one resource
// with two scopes: a binding of a role to a user on an organization or on a
// project is created, found again by user and role, and deleted the same way
// on both, and never updated. roleBindingResource is that resource; what
// differs (the scope's attributes, its roles, how the plan finds its
// organization, which endpoints) is the scope's, behind roleBindingScope.

var (
	_ resource.ResourceWithConfigure   = (*roleBindingResource)(nil)
	_ resource.ResourceWithImportState = (*roleBindingResource)(nil)
	_ resource.ResourceWithIdentity    = (*roleBindingResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*roleBindingResource)(nil)
)

// roleBindingScope is what makes a role binding an organization's or a
// project's.
type roleBindingScope interface {
	// typeName is the resource type's name without the provider's.
	typeName() string
	// kind is "organization" or "project", as messages name the scope.
	kind() string
	// attribute is the scope's attribute, which holds the scope's id:
	// "organization_id" or "project_id".
	attribute() string
	// roles are the roles that can be bound on the scope.
	roles() []string
	// describe returns the resource's description and the attributes that
	// are the scope's own: the scope's id, organization_id and role.
	describe() (description string, scopeAttributes map[string]schema.Attribute)
	// newModel returns an empty model of the resource, for Get and Set.
	newModel() roleBindingState

	// planScope plans what the scope decides about a binding: before it is
	// created, its scope's id (for the Terraform id), its organization and
	// a phrase that names the scope in errors (ok false while they are
	// unknown, or after adding an error); for a binding in state, whether
	// a change of the scope replaces it.
	planScope(ctx context.Context, data *providerData, config, plan, state roleBindingState, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) (scopeID, organizationID, where string, ok bool)
	// scopeID is the scope's id for an operation: held, the value of the
	// scope's attribute in the state, the plan or a list block, or the
	// default where the scope has one.
	scopeID(ctx context.Context, data *providerData, held types.String, diags *diag.Diagnostics) string
	// listAttribute is the scope's attribute in the config of a list
	// block (scopeID takes its value).
	listAttribute() listschema.StringAttribute

	create(ctx context.Context, c *client.Client, scopeID, userID, role string) (*client.RoleBinding, error)
	list(ctx context.Context, c *client.Client, scopeID string, filter client.RoleBindingFilter) ([]client.RoleBinding, error)
	each(ctx context.Context, c *client.Client, scopeID string, filter client.RoleBindingFilter) iter.Seq2[client.RoleBinding, error]
	delete(ctx context.Context, c *client.Client, scopeID, bindingID string) error
}

// roleBindingModel holds the attributes of both binding resources; each
// scope's model embeds it and adds the scope's own.
type roleBindingModel struct {
	ID             types.String   `tfsdk:"id"`
	BindingID      types.String   `tfsdk:"binding_id"`
	OrganizationID types.String   `tfsdk:"organization_id"`
	UserID         types.String   `tfsdk:"user_id"`
	Role           types.String   `tfsdk:"role"`
	CreatedAt      types.String   `tfsdk:"created_at"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

// roleBindingState is a scope's model: roleBindingModel and the attribute
// that holds the scope's id.
type roleBindingState interface {
	shared() *roleBindingModel
	scopeAttribute() types.String
	setScopeAttribute(id string)
}

func (m *roleBindingModel) shared() *roleBindingModel { return m }

// setRoleBindingFromAPI copies what the API says about binding b, on the
// scope scopeID, into m.
func setRoleBindingFromAPI(m roleBindingState, scopeID string, b client.RoleBinding) {
	s := m.shared()
	s.ID = types.StringValue(roleBindingID(scopeID, b.UserID, b.Role))
	s.BindingID = types.StringValue(b.ID)
	s.OrganizationID = types.StringValue(b.OrganizationID)
	s.UserID = types.StringValue(b.UserID)
	s.Role = types.StringValue(b.Role)
	s.CreatedAt = timestamp(b.Metadata.CreatedDate)
	m.setScopeAttribute(scopeID)
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

// roleBindingFieldPaths maps the API's field names to the attributes, so a
// 422 about a field points at the attribute that holds it.
var roleBindingFieldPaths = map[string]path.Path{
	"userId": path.Root("user_id"),
	"role":   path.Root("role"),
}

type roleBindingResource struct {
	resourceBase
	scope roleBindingScope
}

func (r *roleBindingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.scope.typeName()
}

func (r *roleBindingResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	description, attributes := r.scope.describe()
	attributes["id"] = schema.StringAttribute{
		MarkdownDescription: "`<" + r.scope.attribute() + ">/<user_id>/<role>`, also the import ID.",
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attributes["binding_id"] = schema.StringAttribute{
		MarkdownDescription: "The platform's identifier of the binding.",
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attributes["user_id"] = schema.StringAttribute{
		MarkdownDescription: "Id of the user (machine user or person) that gets the role.",
		Required:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attributes["created_at"] = schema.StringAttribute{
		MarkdownDescription: "When the binding was created (RFC 3339, UTC).",
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	// A binding is created, read and deleted, never updated.
	attributes["timeouts"] = timeoutsAttribute(ctx, timeouts.Opts{Create: true, Read: true, Delete: true})
	resp.Schema = schema.Schema{MarkdownDescription: description, Attributes: attributes}
}

// roleAttribute is the role attribute of a scope with the given roles. Its
// validator's message lists the valid ones, so an organization role on a
// project binding (or the reverse) fails at plan time with the fix in the
// message.
func roleAttribute(description string, roles []string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: description,
		Required:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		Validators:          []validator.String{stringvalidator.OneOf(roles...)},
	}
}

// ModifyPlan plans what the scope decides (its organization, and whether a
// change of scope replaces the binding) and the id, and before a binding is
// created asks the API (reads only) whether the user is in the scope's
// organization, so a binding across organizations fails the plan with
// nothing written.
func (r *roleBindingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	ctx = r.data.apiContext(ctx)
	config, plan, state := r.scope.newModel(), r.scope.newModel(), r.scope.newModel()
	resp.Diagnostics.Append(req.Config.Get(ctx, config)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	scopeID, organizationID, where, ok := r.scope.planScope(ctx, r.data, config, plan, state, req, resp)
	if !ok || resp.Diagnostics.HasError() {
		return
	}
	userID, role := plan.shared().UserID, plan.shared().Role
	if !userID.IsUnknown() && !role.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"),
			roleBindingID(scopeID, userID.ValueString(), role.ValueString()))...)
	}
	checkUserInOrganization(ctx, r.data, organizationID, userID, where,
		r.data.wasDropped(r.scope.typeName(), roleBindingID(scopeID, userID.ValueString(), role.ValueString())), &resp.Diagnostics)
	if resp.Diagnostics.HasError() || userID.IsUnknown() || role.IsUnknown() ||
		r.data.plannedMachineUser(organizationID, userID.ValueString()) {
		return
	}
	// A user holds a role on a scope at most once: a binding that exists
	// already (made by hand, or by a run whose answer was lost) is refused
	// at plan with the import that adopts it, rather than by a 409 at apply.
	found, err := r.scope.list(ctx, r.data.client, scopeID, client.RoleBindingFilter{UserID: userID.ValueString(), Role: role.ValueString()})
	if err != nil {
		if !client.IsNotFound(err) && !client.IsPermissionDenied(err) { // the create says what is missing
			addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not check the role bindings of %s %s", r.scope.kind(), scopeID), err, nil)
		}
		return
	}
	for _, b := range found {
		if b.UserID == userID.ValueString() && b.Role == role.ValueString() {
			if r.data.wouldReplay(ctx, r.createKey(scopeID, b.UserID, b.Role)) {
				return // this create's own binding, whose answer was lost: the apply collects it
			}
			id := roleBindingID(scopeID, b.UserID, b.Role)
			resp.Diagnostics.AddAttributeError(path.Root("role"), "Role binding already exists",
				fmt.Sprintf("User %s already has role %s on %s %s (binding %s). To manage that binding with Terraform, import it: "+
					"terraform import <address> %s (or an import block with id = %q).", b.UserID, b.Role, r.scope.kind(), scopeID, b.ID, id, id))
			return
		}
	}
}

func (r *roleBindingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	plan := r.scope.newModel()
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	ctx, cancel := withTimeout(ctx, plan.shared().Timeouts.Create, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	scopeID := r.scope.scopeID(ctx, r.data, plan.scopeAttribute(), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	userID, role := plan.shared().UserID.ValueString(), plan.shared().Role.ValueString()
	b, err := r.scope.create(withCreateKey(ctx, r.createKey(scopeID, userID, role)), r.data.client, scopeID, userID, role)
	if err != nil {
		summary := fmt.Sprintf("Could not bind role %s to user %s on %s %s", role, userID, r.scope.kind(), scopeID)
		if apiErr, ok := client.AsAPIError(err); ok && apiErr.Code == "ALREADY_EXISTS" {
			// Bound since the plan: say how to adopt it.
			id := roleBindingID(scopeID, userID, role)
			resp.Diagnostics.AddAttributeError(path.Root("role"), summary,
				fmt.Sprintf("User %s already has role %s on %s %s. To manage that binding with Terraform, import it: "+
					"terraform import <address> %s (or an import block with id = %q).\n\n%s", userID, role, r.scope.kind(), scopeID, id, id,
					apiErrorTrailer(apiErr)))
			return
		}
		addAPIError(&resp.Diagnostics, summary, err, roleBindingFieldPaths)
		return
	}
	setRoleBindingFromAPI(plan, scopeID, *b)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// createKey is the Idempotency-Key of the create of the binding (see
// providerData.createKey).
func (r *roleBindingResource) createKey(scopeID, userID, role string) string {
	return r.data.createKey(r.scope.typeName(), scopeID, userID, role)
}

// Read finds the binding by user and role (not by binding_id), so an import
// needs no platform id and a binding re-created outside Terraform is found
// again.
func (r *roleBindingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	state := r.scope.newModel()
	resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	ctx, cancel := withTimeout(ctx, state.shared().Timeouts.Read, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	scopeID := r.scope.scopeID(ctx, r.data, state.scopeAttribute(), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	userID, role := state.shared().UserID.ValueString(), state.shared().Role.ValueString()
	// A scope that is gone answers 404: its bindings are gone with it.
	found, err := r.scope.list(ctx, r.data.client, scopeID, client.RoleBindingFilter{UserID: userID, Role: role})
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read the role bindings of %s %s", r.scope.kind(), scopeID), err, nil)
		return
	}
	for _, b := range found {
		if b.UserID == userID && b.Role == role {
			setRoleBindingFromAPI(state, scopeID, b)
			resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
			r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
			return
		}
	}
	r.data.noteDropped(r.scope.typeName(), roleBindingID(scopeID, userID, role))
	dropFromState(ctx, req, resp, r.identity(), "Role binding deleted outside Terraform",
		fmt.Sprintf("role %s of user %s on %s %s was unbound outside Terraform (or the user or the %s was deleted); it will be bound again",
			role, userID, r.scope.kind(), scopeID, r.scope.kind()))
}

// Update is never called: every attribute of a binding replaces it.
func (r *roleBindingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan := r.scope.newModel()
	resp.Diagnostics.Append(req.Plan.Get(ctx, plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *roleBindingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	state := r.scope.newModel()
	resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	ctx, cancel := withTimeout(ctx, state.shared().Timeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	scopeID := r.scope.scopeID(ctx, r.data, state.scopeAttribute(), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.scope.delete(ctx, r.data.client, scopeID, state.shared().BindingID.ValueString())
	if err != nil && !client.IsNotFound(err) { // already gone is what Delete wants
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not unbind role %s from user %s on %s %s",
			state.shared().Role.ValueString(), state.shared().UserID.ValueString(), r.scope.kind(), scopeID), err, nil)
	}
}

// ImportState takes "<scope id>/<user_id>/<role>", with a role of the
// scope: a role of the other scope could never be read back.
func (r *roleBindingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importID := r.identity().importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	scopeID, userID, role, ok := splitRoleBindingID(importID)
	if !ok || !slices.Contains(r.scope.roles(), role) {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf(`Import ID %q is not %s role binding import ID. Use "<%s>/<user_id>/<role>", where role is one of %s.`,
				importID, withArticle(r.scope.kind()), r.scope.attribute(), strings.Join(r.scope.roles(), ", ")))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), importID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(r.scope.attribute()), scopeID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("user_id"), userID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("role"), role)...)
}

// withArticle is "an organization" or "a project".
func withArticle(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

func (r *roleBindingResource) identity() resourceIdentity { return roleBindingIdentity(r.scope) }

// roleBindingIdentity is the identity of a binding on scope, which the
// resource keeps and its list resource finds: the same as its import ID
// "<scope id>/<user_id>/<role>".
func roleBindingIdentity(scope roleBindingScope) resourceIdentity {
	return resourceIdentity{
		{name: scope.attribute(), description: "the id of the " + scope.kind()},
		{name: "user_id", description: "the id of the bound user"},
		{name: "role", description: "the role, one of " + strings.Join(scope.roles(), ", ")},
	}
}

func (r *roleBindingResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = r.identity().schema()
}
