package server

import (
	"errors"
	"net/http"
	"net/url"

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

func userHref(u store.User) string {
	return apiPrefix + "/organizations/" + pathID(u.OrganizationID) + "/users/" + pathID(u.ID)
}

func userEnvelope(u store.User) envelope {
	return envelope{Type: "user", ID: u.ID, Href: userHref(u), Metadata: metadata(u.Meta, u.OrganizationID),
		Properties: userProps{UserType: u.Type, OrganizationID: u.OrganizationID, Username: u.Username, Name: u.Name, Email: u.Email}}
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	org, e := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if e != nil {
		return e
	}
	p, e := parsePage(r)
	if e != nil {
		return e
	}
	filters := url.Values{}
	typ := r.URL.Query().Get("type")
	switch typ {
	case "":
	case store.UserTypePerson, store.UserTypeMachine:
		filters.Set("type", typ)
	default:
		return fieldError(http.StatusUnprocessableEntity, codeInvalidArgument, "type",
			"must be %q or %q, got %q", store.UserTypePerson, store.UserTypeMachine, typ)
	}
	items, total, err := s.store.ListUsers(r.Context(), store.UserFilter{OrganizationID: org.ID, Type: typ}, p)
	if err != nil {
		return s.internal(r.Context(), "list users", err)
	}
	out := make([]envelope, len(items))
	for i, u := range items {
		out[i] = userEnvelope(u)
	}
	writeJSON(w, http.StatusOK, newCollection(apiPrefix+"/organizations/"+pathID(org.ID)+"/users", filters, p, total, out))
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	org, e := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if e != nil {
		return e
	}
	id := r.PathValue("user")
	u, err := s.store.GetUser(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.OrganizationID != org.ID) {
		return errNotFound("user %q not found in organization %q", id, org.ID)
	} else if err != nil {
		return s.internal(r.Context(), "get user", err)
	}
	writeJSON(w, http.StatusOK, userEnvelope(u))
	return nil
}
