package server

import (
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// userProps is the common view of people and machine users (/users).
type userProps struct {
	UserType       string `json:"userType"`
	OrganizationID string `json:"organizationId"`
	Username       string `json:"username"`
	Name           string `json:"name"`
	Email          string `json:"email"`
}

func usersHref(orgID string) string { return organizationHref(orgID) + "/users" }

func userEnvelope(u store.User) envelope {
	id := platform.PublicUserID(u.ID)
	return envelope{Type: "user", ID: id, Href: usersHref(u.OrganizationID) + "/" + pathID(id), Metadata: metadata(u.Meta, u.OrganizationID),
		Properties: userProps{UserType: u.Type, OrganizationID: u.OrganizationID, Username: u.Username, Name: u.Name, Email: u.Email}}
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c *caller) error {
	orgID, err := callerOrgID(c, r.PathValue("org"))
	if err != nil {
		return err
	}
	return writeList(w, r, usersHref(orgID), userEnvelope, func(p store.Page, q *listQuery) ([]store.User, int, error) {
		typ := q.param("type")
		if typ != "" && typ != store.UserTypePerson && typ != store.UserTypeMachine {
			return nil, 0, platform.FieldErrorf(platform.InvalidArgument, "type",
				"must be %q or %q, got %q", store.UserTypePerson, store.UserTypeMachine, typ)
		}
		return s.store.ListUsers(r.Context(), store.UserFilter{OrganizationID: orgID, Type: typ}, p)
	})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	orgID, err := callerOrgID(c, r.PathValue("org"))
	if err != nil {
		return err
	}
	id := r.PathValue("user")
	u, err := platform.Find(func() (store.User, error) { return platform.UserIn(r.Context(), s.store, orgID, id) },
		func(store.User) bool { return true },
		errNotFound("user %q not found in organization %q", id, orgID), "get user")
	return writeFound(w, userEnvelope, u, err)
}
