package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Role bindings through the API: any member of the organization reads its
// bindings and its projects'; who may bind and unbind is in authz.go
// (orgScope, projectScope); the rules of a binding (same organization, last
// owner) are the platform's. The handlers serve both scopes.

type orgRoleBindingProps struct {
	OrganizationID string `json:"organizationId"`
	UserID         string `json:"userId"`
	Role           string `json:"role"`
}

type projectRoleBindingProps struct {
	ProjectID      string `json:"projectId"`
	OrganizationID string `json:"organizationId"`
	UserID         string `json:"userId"`
	Role           string `json:"role"`
}

func orgBindingsHref(orgID string) string {
	return apiPrefix + "/organizations/" + pathID(orgID) + "/role-bindings"
}

func projectBindingsHref(projectID string) string {
	return apiPrefix + "/projects/" + pathID(projectID) + "/role-bindings"
}

// bindingsHref is the href of the bindings of sc.
func bindingsHref(sc platform.Scope) string {
	if sc.Kind() == store.ScopeOrganization {
		return orgBindingsHref(sc.Org.ID)
	}
	return projectBindingsHref(sc.Project.ID)
}

func roleBindingEnvelope(b store.RoleBinding) envelope {
	if b.Scope == store.ScopeOrganization {
		return envelope{Type: "org-role-binding", ID: b.ID, Href: orgBindingsHref(b.OrganizationID) + "/" + pathID(b.ID),
			Metadata:   metadata(b.Meta, b.OrganizationID),
			Properties: orgRoleBindingProps{OrganizationID: b.OrganizationID, UserID: platform.PublicUserID(b.UserID), Role: b.Role}}
	}
	return envelope{Type: "project-role-binding", ID: b.ID, Href: projectBindingsHref(b.ProjectID) + "/" + pathID(b.ID),
		Metadata:   metadata(b.Meta, b.OrganizationID),
		Properties: projectRoleBindingProps{ProjectID: b.ProjectID, OrganizationID: b.OrganizationID, UserID: platform.PublicUserID(b.UserID), Role: b.Role}}
}

var roleBindingCreateFields = []string{"userId", "role"}

func parseRoleBindingCreate(body []byte, sc platform.Scope) (platform.RoleBindingCreate, error) {
	return decodeInput(body, roleBindingCreateFields, nil, func(o *jsonObject, _ *platform.Violations) platform.RoleBindingCreate {
		return platform.RoleBindingCreate{Scope: sc, UserID: o.strOrEmpty("userId"), Role: o.str("role")}
	})
}

// ---- handlers, shared by both scopes ----

func (s *Server) listBindings(w http.ResponseWriter, r *http.Request, _ *caller, sc platform.Scope) error {
	return writeList(w, r, bindingsHref(sc), roleBindingEnvelope, func(p store.Page, q *listQuery) ([]store.RoleBinding, int, error) {
		f := sc.Filter()
		userID := q.param("userId")
		if f.Role = q.param("role"); f.Role != "" {
			var v platform.Violations
			platform.CheckRole(&v, "role", f.Role, sc.Kind())
			if err := v.Err(); err != nil {
				return nil, 0, err
			}
		}
		if userID != "" {
			// The filter names the user as the API shows it.
			u, err := platform.UserIn(r.Context(), s.store, sc.Org.ID, userID)
			if errors.Is(err, store.ErrNotFound) {
				return nil, 0, nil // no such user here: no bindings
			} else if err != nil {
				return nil, 0, err
			}
			f.UserID = u.ID
		}
		return s.store.ListRoleBindings(r.Context(), f, p)
	})
}

func (s *Server) getBinding(w http.ResponseWriter, r *http.Request, _ *caller, sc platform.Scope) error {
	b, err := s.platform.RoleBindingOf(r.Context(), s.store, sc, r.PathValue("binding"))
	return writeFound(w, roleBindingEnvelope, b, err)
}

func (s *Server) createBinding(w http.ResponseWriter, r *http.Request, c *caller, sc platform.Scope) error {
	parse := func(body []byte) (platform.RoleBindingCreate, error) { return parseRoleBindingCreate(body, sc) }
	return create(s, w, r, c, parse, func(ctx context.Context, q store.Queries, in platform.RoleBindingCreate) (envelope, error) {
		b, err := s.platform.Bind(ctx, q, c.actor(), in)
		return roleBindingEnvelope(b), err
	})
}

func (s *Server) deleteBinding(w http.ResponseWriter, r *http.Request, _ *caller, sc platform.Scope) error {
	ctx := r.Context()
	id := r.PathValue("binding")
	return writeDeleted(w, s.store.InTx(ctx, func(q store.Queries) error {
		if err := s.platform.Unbind(ctx, q, sc, id); err != nil {
			return err
		}
		return q.ForgetIdempotencyRecords(ctx, bindingsHref(sc)+"/"+pathID(id))
	}))
}

// ---- routes ----

// The scope's rights a route needs (see orgScope and projectScope).
const (
	forRead  = false
	forWrite = true
)

// inScope makes the route handler of a role-bindings handler: it resolves
// the scope of the path with scope (and, forWrite, checks the caller may
// change its bindings), then serves.
func inScope(scope func(s *Server, r *http.Request, c *caller, write bool) (platform.Scope, error), write bool,
	serve func(s *Server, w http.ResponseWriter, r *http.Request, c *caller, sc platform.Scope) error) handler {
	return func(s *Server, w http.ResponseWriter, r *http.Request, c *caller) error {
		sc, err := scope(s, r, c, write)
		if err != nil {
			return err
		}
		return serve(s, w, r, c, sc)
	}
}
