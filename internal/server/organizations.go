package server

import (
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

type organizationProps struct {
	Name string `json:"name"`
}

func organizationHref(id string) string { return apiPrefix + "/organizations/" + pathID(id) }

func organizationEnvelope(o store.Organization) envelope {
	return envelope{Type: "organization", ID: o.ID, Href: organizationHref(o.ID),
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

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request, c *caller) error {
	org, err := s.callerOrg(r.Context(), c, r.PathValue("org"))
	return writeFound(w, organizationEnvelope, org, err)
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request, c *caller) error {
	org, err := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if err != nil {
		return err
	}
	return writeList(w, r, organizationHref(org.ID)+"/projects", projectEnvelope, func(p store.Page, q *listQuery) ([]store.Project, int, error) {
		return s.store.ListProjects(r.Context(), store.ProjectFilter{OrganizationID: org.ID, Name: q.param("name")}, p)
	})
}

func (s *Server) getProject(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := s.callerProject(r.Context(), c, r.PathValue("project"))
	return writeFound(w, projectEnvelope, p, err)
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

func (s *Server) whoami(w http.ResponseWriter, r *http.Request, c *caller) error {
	org, err := s.callerOrg(r.Context(), c, c.user.OrganizationID)
	if err != nil {
		return err
	}
	refs := make([]roleBindingRef, len(c.bindings))
	for i, b := range c.bindings {
		refs[i] = roleBindingRef{ID: b.ID, Role: b.Role, Scope: b.Scope, OrganizationID: b.OrganizationID, ProjectID: b.ProjectID}
	}
	writeJSON(w, http.StatusOK, whoamiJSON{Type: "whoami", User: userEnvelope(c.user), Organization: organizationEnvelope(org), RoleBindings: refs})
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *caller) error {
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.Warn("store is not ready", "request_id", requestID(r.Context()), "error", err.Error())
		return errStoreUnavailable()
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}
