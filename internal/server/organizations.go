package server

import (
	"net/http"
	"net/url"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

type organizationProps struct {
	Name string `json:"name"`
}

func organizationEnvelope(o store.Organization) envelope {
	return envelope{Type: "organization", ID: o.ID, Href: apiPrefix + "/organizations/" + pathID(o.ID),
		Metadata: metadata(o.Meta, o.ID), Properties: organizationProps{Name: o.Name}}
}

type projectProps struct {
	Name           string `json:"name"`
	OrganizationID string `json:"organizationId"`
}

func projectEnvelope(p store.Project) envelope {
	return envelope{Type: "project", ID: p.ID, Href: apiPrefix + "/projects/" + pathID(p.ID),
		Metadata: metadata(p.Meta, p.OrganizationID), Properties: projectProps{Name: p.Name, OrganizationID: p.OrganizationID}}
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	org, e := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, organizationEnvelope(org))
	return nil
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	org, e := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if e != nil {
		return e
	}
	p, e := parsePage(r)
	if e != nil {
		return e
	}
	filters := url.Values{}
	name := r.URL.Query().Get("name")
	if name != "" {
		filters.Set("name", name)
	}
	items, total, err := s.store.ListProjects(r.Context(), store.ProjectFilter{OrganizationID: org.ID, Name: name}, p)
	if err != nil {
		return s.internal(r.Context(), "list projects", err)
	}
	out := make([]envelope, len(items))
	for i, pr := range items {
		out[i] = projectEnvelope(pr)
	}
	writeJSON(w, http.StatusOK, newCollection(apiPrefix+"/organizations/"+pathID(org.ID)+"/projects", filters, p, total, out))
	return nil
}

func (s *Server) getProject(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	p, e := s.callerProject(r.Context(), c, r.PathValue("project"))
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, projectEnvelope(p))
	return nil
}

type roleBindingRef struct {
	ID             string `json:"id"`
	Role           string `json:"role"`
	Scope          string `json:"scope"`
	OrganizationID string `json:"organizationId"`
	ProjectID      string `json:"projectId"`
}

type whoamiJSON struct {
	Type         string           `json:"type"`
	User         envelope         `json:"user"`
	Organization envelope         `json:"organization"`
	RoleBindings []roleBindingRef `json:"roleBindings"`
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	org, e := s.callerOrg(r.Context(), c, c.user.OrganizationID)
	if e != nil {
		return e
	}
	refs := make([]roleBindingRef, len(c.bindings))
	for i, b := range c.bindings {
		refs[i] = roleBindingRef{ID: b.ID, Role: b.Role, Scope: b.Scope, OrganizationID: b.OrganizationID, ProjectID: b.ProjectID}
	}
	writeJSON(w, http.StatusOK, whoamiJSON{Type: "whoami", User: userEnvelope(c.user), Organization: organizationEnvelope(org), RoleBindings: refs})
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ *caller) *apiError {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *caller) *apiError {
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.Warn("store is not ready", "request_id", requestID(r.Context()), "error", err.Error())
		return newError(http.StatusServiceUnavailable, codeUnavailable, "the store does not answer; retry later")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}
