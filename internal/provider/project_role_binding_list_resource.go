package provider

import "github.com/hashicorp/terraform-plugin-framework/list"

// NewProjectRoleBindingListResource is the constructor of the
// pgcloud_project_role_binding list resource: the role-binding list resource
// (role_binding_list.go) on the scope of a project.
func NewProjectRoleBindingListResource() list.ListResource {
	return &roleBindingListResource{scope: projectScope{}}
}
