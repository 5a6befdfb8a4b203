package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// The list resources of pgcloud_org_role_binding and
// pgcloud_project_role_binding are one list resource with two scopes, as the
// resources are (role_binding.go): the scope says which attribute names it,
// which roles it has, and which endpoint lists its bindings.

var _ list.ListResourceWithConfigure = (*roleBindingListResource)(nil)

type roleBindingListResource struct {
	resourceBase
	scope roleBindingScope
}

func (r *roleBindingListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.scope.typeName()
}

func (r *roleBindingListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: fmt.Sprintf("Finds the role bindings of %s, such as those made by hand before Terraform "+
			"managed them, for `terraform query`; `-generate-config-out` writes an `import` block and a "+
			"`pgcloud_%s` resource for each, which plan with no change. Each result is named by its role and its "+
			"user's username (or email). Any user of the organization may list them.",
			withArticle(r.scope.kind()), r.scope.typeName()),
		Attributes: map[string]listschema.Attribute{
			r.scope.attribute(): r.scope.listAttribute(),
			"user_id": listschema.StringAttribute{
				MarkdownDescription: "Only the bindings of this user (a machine user or a person). Leave it out for all users.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"role": listschema.StringAttribute{
				MarkdownDescription: "Only the bindings of this role, one of " + quotedList(r.scope.roles()) + ". Leave it out for all roles.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(r.scope.roles()...)},
			},
		},
	}
}

func (r *roleBindingListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	// The config's attributes are read one by one: the scope's differs.
	var diags diag.Diagnostics
	var held, userID, role types.String
	diags.Append(req.Config.GetAttribute(ctx, path.Root(r.scope.attribute()), &held)...)
	diags.Append(req.Config.GetAttribute(ctx, path.Root("user_id"), &userID)...)
	diags.Append(req.Config.GetAttribute(ctx, path.Root("role"), &role)...)
	if diags.HasError() {
		stream.Results = listFailed(diags)
		return
	}
	ctx, noTimeouts, ok := r.beginList(ctx, req, nil, stream)
	if !ok {
		return
	}
	scopeID := r.scope.scopeID(ctx, r.data, held, &diags)
	if diags.HasError() {
		stream.Results = listFailed(diags)
		return
	}
	bindings := r.scope.each(ctx, r.data.client, scopeID, client.RoleBindingFilter{UserID: userID.ValueString(), Role: role.ValueString()})
	names := userNames{ctx: ctx, c: r.data.client}
	identity := roleBindingIdentity(r.scope)
	stream.Results = listResults(req, bindings, fmt.Sprintf("Could not list the role bindings of %s %s", r.scope.kind(), scopeID),
		func(b client.RoleBinding) list.ListResult {
			state := r.scope.newModel()
			state.shared().Timeouts = noTimeouts
			setRoleBindingFromAPI(state, scopeID, b)
			return newListResult(ctx, req, identity, b.Role+": "+names.of(b.OrganizationID, b.UserID), state)
		})
}

// userNames names the users of the bindings a list resource finds. It reads
// the organization's users once, when the first binding needs a name; if
// they cannot be read, the user's id names it.
type userNames struct {
	ctx    context.Context
	c      *client.Client
	names  map[string]string // user id -> name; nil until read
	failed bool
}

func (n *userNames) of(organizationID, userID string) string {
	if n.names == nil && !n.failed {
		users, err := n.c.ListUsers(n.ctx, organizationID, client.ListUsersOptions{})
		n.failed = err != nil
		n.names = map[string]string{}
		for _, u := range users {
			name := u.Username
			if name == "" {
				name = u.Email
			}
			n.names[u.ID] = fmt.Sprintf("%s (%s)", name, u.Type)
		}
	}
	if name, ok := n.names[userID]; ok {
		return name
	}
	return "user " + userID
}
