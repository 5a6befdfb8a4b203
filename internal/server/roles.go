package server

import (
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

const (
	roleOrgOwner      = "org_owner"
	roleOrgAdmin      = "org_admin"
	roleProjectOwner  = "project_owner"
	roleProjectEditor = "project_editor"
	roleProjectViewer = "project_viewer"
)

type role struct {
	Name        string `json:"name"`
	Scope       string `json:"scope"`
	Description string `json:"description"`
}

// roles are built in: the platform's rules are written against them, so they
// are code, not data.
var roles = []role{
	{roleOrgOwner, store.ScopeOrganization, "Full control of the organization: its machine users, their access keys, and every role binding in it."},
	{roleOrgAdmin, store.ScopeOrganization, "Reads everything in the organization; changes nothing."},
	{roleProjectOwner, store.ScopeProject, "Full control of the project: its clusters, their users, and the project's role bindings."},
	{roleProjectEditor, store.ScopeProject, "Reads the project and manages the users of its clusters."},
	{roleProjectViewer, store.ScopeProject, "Reads the project and its clusters."},
}

func findRole(name string) (role, bool) {
	for _, r := range roles {
		if r.Name == name {
			return r, true
		}
	}
	return role{}, false
}

// roleEnvelope has no metadata: nobody created the built-in roles.
func roleEnvelope(r role) envelope {
	return envelope{Type: "role", ID: r.Name, Href: apiPrefix + "/roles/" + pathID(r.Name), Properties: r}
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request, _ *caller) *apiError {
	p, e := parsePage(r)
	if e != nil {
		return e
	}
	items := []envelope{}
	for i := p.Offset; i < len(roles) && i < p.Offset+p.Limit; i++ {
		items = append(items, roleEnvelope(roles[i]))
	}
	writeJSON(w, http.StatusOK, newCollection(apiPrefix+"/roles", nil, p, len(roles), items))
	return nil
}

func (s *Server) getRole(w http.ResponseWriter, r *http.Request, _ *caller) *apiError {
	name := r.PathValue("role")
	ro, ok := findRole(name)
	if !ok {
		return errNotFound("role %q not found; GET /api/v1/roles lists the roles", name)
	}
	writeJSON(w, http.StatusOK, roleEnvelope(ro))
	return nil
}
