package provider

import "github.com/hashicorp/terraform-plugin-framework/resource"

// NewOrgRoleBindingResource is the constructor of pgcloud_org_role_binding:
// the role-binding resource (role_binding.go) on the scope of an
// organization.
func NewOrgRoleBindingResource() resource.Resource {
	return &roleBindingResource{scope: orgScope{}}
}
