package provider

import "github.com/hashicorp/terraform-plugin-framework/resource"

// NewProjectRoleBindingResource is the constructor of
// pgcloud_project_role_binding: the role-binding resource (role_binding.go)
// on the scope of a project.
func NewProjectRoleBindingResource() resource.Resource {
	return &roleBindingResource{scope: projectScope{}}
}
