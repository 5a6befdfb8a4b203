package server

import (
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

type roleProps struct {
	Name        string `json:"name"`
	Scope       string `json:"scope"`
	Description string `json:"description"`
}

// roleEnvelope has no metadata: nobody created the built-in roles.
func roleEnvelope(r platform.Role) envelope {
	return envelope{Type: "role", ID: r.Name, Href: apiPrefix + "/roles/" + pathID(r.Name),
		Properties: roleProps{Name: r.Name, Scope: r.Scope, Description: r.Description}}
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request, _ *caller) error {
	return writeList(w, r, apiPrefix+"/roles", roleEnvelope, func(p store.Page, _ *listQuery) ([]platform.Role, int, error) {
		all := platform.Roles
		start := min(p.Offset, len(all))
		return all[start : start+min(p.Limit, len(all)-start)], len(all), nil
	})
}

func (s *Server) getRole(w http.ResponseWriter, r *http.Request, _ *caller) error {
	name := r.PathValue("role")
	ro, ok := platform.FindRole(name)
	if !ok {
		return errNotFound("role %q not found; GET /api/v1/roles lists the roles", name)
	}
	return writeFound(w, roleEnvelope, ro, nil)
}
