package provider

import "github.com/hashicorp/terraform-plugin-framework/list"

// NewOrgRoleBindingListResource is the constructor of the
// pgcloud_org_role_binding list resource: the role-binding list resource
// (role_binding_list.go) on the scope of an organization.
func NewOrgRoleBindingListResource() list.ListResource {
	return &roleBindingListResource{scope: orgScope{}}
}
