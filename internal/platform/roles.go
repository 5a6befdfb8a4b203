package platform

import (
	"strings"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// The built-in roles. The platform's rules are written against them, so
// they are code, not data.
const (
	RoleOrgOwner      = "org_owner"
	RoleOrgAdmin      = "org_admin"
	RoleProjectOwner  = "project_owner"
	RoleProjectEditor = "project_editor"
	RoleProjectViewer = "project_viewer"
)

// Role is a built-in role: its name, its scope (store.ScopeOrganization or
// store.ScopeProject) and what it grants.
type Role struct {
	Name        string
	Scope       string
	Description string
}

// Roles are all the roles, in the order the API lists them.
var Roles = []Role{
	{RoleOrgOwner, store.ScopeOrganization, "Full control of the organization: its machine users, their access keys, and every role binding in it."},
	{RoleOrgAdmin, store.ScopeOrganization, "Reads everything in the organization; changes nothing."},
	{RoleProjectOwner, store.ScopeProject, "Full control of the project: its clusters, their users, and the project's role bindings."},
	{RoleProjectEditor, store.ScopeProject, "Reads the project and manages the users of its clusters."},
	{RoleProjectViewer, store.ScopeProject, "Reads the project and its clusters."},
}

// FindRole returns the role named name.
func FindRole(name string) (Role, bool) {
	for _, r := range Roles {
		if r.Name == name {
			return r, true
		}
	}
	return Role{}, false
}

// rolesOf lists the names of the roles of scope, for messages.
func rolesOf(scope string) []string {
	var out []string
	for _, r := range Roles {
		if r.Scope == scope {
			out = append(out, r.Name)
		}
	}
	return out
}

// CheckRole: name must be a role of scope; the message lists them. The API
// uses it for the role filter of its lists too.
func CheckRole(v *Violations, field, name, scope string) {
	if r, ok := FindRole(name); ok && r.Scope == scope {
		return
	}
	v.Add(field, "must be one of the %s roles %s; got %q", scope, strings.Join(rolesOf(scope), ", "), name)
}
