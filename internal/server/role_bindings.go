package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Role bindings through the API (DESIGN.md, "Role bindings"):
//   - any member of the organization reads its bindings and its projects';
//   - an org_owner binds and unbinds any role in its organization; a
//     project_owner binds and unbinds project roles on its own project only;
//     everyone else gets 403;
//   - the user must be in the organization of the binding (422 on userId);
//   - the last org_owner of an organization and the last project_owner of a
//     project cannot be unbound (409 LAST_OWNER), checked in the deleting
//     transaction so two concurrent unbinds cannot both pass.

// hasBindingOnProject reports whether the caller holds role on project projectID.
func (c *caller) hasBindingOnProject(projectID, role string) bool {
	for _, b := range c.bindings {
		if b.Scope == store.ScopeProject && b.ProjectID == projectID && b.Role == role {
			return true
		}
	}
	return false
}

// requireOrgRoleAny: the caller must hold one of roles on org.
func requireOrgRoleAny(c *caller, org store.Organization, action string, roles ...string) *apiError {
	for _, ro := range roles {
		if c.hasOrgRole(org.ID, ro) {
			return nil
		}
	}
	return errForbidden("%s requires the %s role on organization %q (%s); ask an organization owner to bind you one",
		action, strings.Join(roles, " or "), org.Name, org.ID)
}

// requireProjectBinder is the rule for changing a project's bindings.
func requireProjectBinder(c *caller, p store.Project) *apiError {
	if c.hasOrgRole(p.OrganizationID, roleOrgOwner) || c.hasBindingOnProject(p.ID, roleProjectOwner) {
		return nil
	}
	return errForbidden("changing the role bindings of project %q (%s) requires the %s role on the project or the %s role "+
		"on its organization; ask a project or organization owner to do it", p.Name, p.ID, roleProjectOwner, roleOrgOwner)
}

// rolesOf lists the names of the roles of scope, for messages.
func rolesOf(scope string) []string {
	var out []string
	for _, r := range roles {
		if r.Scope == scope {
			out = append(out, r.Name)
		}
	}
	return out
}

// checkRoleOfScope: name must be a role of scope; the message lists them.
func checkRoleOfScope(v *validationErrors, field, name, scope string) {
	if r, ok := findRole(name); ok && r.Scope == scope {
		return
	}
	v.add(field, "must be one of the %s roles %s; got %q", scope, strings.Join(rolesOf(scope), ", "), name)
}

// ---- wire format ----

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

func roleBindingEnvelope(b store.RoleBinding) envelope {
	if b.Scope == store.ScopeOrganization {
		return envelope{Type: "org-role-binding", ID: b.ID, Href: orgBindingsHref(b.OrganizationID) + "/" + pathID(b.ID),
			Metadata:   metadata(b.Meta, b.OrganizationID),
			Properties: orgRoleBindingProps{OrganizationID: b.OrganizationID, UserID: b.UserID, Role: b.Role}}
	}
	return envelope{Type: "project-role-binding", ID: b.ID, Href: projectBindingsHref(b.ProjectID) + "/" + pathID(b.ID),
		Metadata:   metadata(b.Meta, b.OrganizationID),
		Properties: projectRoleBindingProps{ProjectID: b.ProjectID, OrganizationID: b.OrganizationID, UserID: b.UserID, Role: b.Role}}
}

var roleBindingCreateFields = []string{"userId", "role"}

type roleBindingCreate struct{ UserID, Role string }

func parseRoleBindingCreate(body []byte, scope string) (roleBindingCreate, *apiError) {
	o, e := decodeObject(body)
	if e != nil {
		return roleBindingCreate{}, e
	}
	var in roleBindingCreate
	var v validationErrors
	o.rejectOthers(&v, roleBindingCreateFields, nil)
	userID, hasUser := o.str("userId")
	role, hasRole := o.str("role")
	if e := o.typeErr(); e != nil {
		return roleBindingCreate{}, e
	}
	if !hasUser || userID == "" {
		v.add("userId", "is required: the id of a user (person or machine user) of the organization")
	}
	if hasRole {
		checkRoleOfScope(&v, "role", role, scope)
	} else {
		v.add("role", "is required: one of %s", strings.Join(rolesOf(scope), ", "))
	}
	in.UserID, in.Role = userID, role
	return in, v.err()
}

// bindingScope is what the handlers of one kind of binding share: where the
// bindings live and who may change them.
type bindingScope struct {
	scope string
	org   store.Organization
	proj  store.Project // zero for organization bindings
}

func (b bindingScope) href() string {
	if b.scope == store.ScopeOrganization {
		return orgBindingsHref(b.org.ID)
	}
	return projectBindingsHref(b.proj.ID)
}

func (b bindingScope) describe() string {
	if b.scope == store.ScopeOrganization {
		return "organization " + strconv.Quote(b.org.Name)
	}
	return "project " + strconv.Quote(b.proj.Name)
}

func (b bindingScope) filter() store.RoleBindingFilter {
	return store.RoleBindingFilter{Scope: b.scope, OrganizationID: b.org.ID, ProjectID: b.proj.ID}
}

// contains reports whether binding rb is one of this scope's.
func (b bindingScope) contains(rb store.RoleBinding) bool {
	return rb.Scope == b.scope && rb.OrganizationID == b.org.ID && rb.ProjectID == b.proj.ID
}

// orgScope and projectScope resolve the path (404 outside the caller's
// organization) and, for writes, check the caller may change the bindings.
func (s *Server) orgScope(r *http.Request, c *caller, write bool) (bindingScope, *apiError) {
	org, e := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if e != nil {
		return bindingScope{}, e
	}
	if write {
		if e := requireOrgOwner(c, org, "changing the role bindings of an organization"); e != nil {
			return bindingScope{}, e
		}
	}
	return bindingScope{scope: store.ScopeOrganization, org: org}, nil
}

func (s *Server) projectScope(r *http.Request, c *caller, write bool) (bindingScope, *apiError) {
	ctx := r.Context()
	p, e := s.callerProject(ctx, c, r.PathValue("project"))
	if e != nil {
		return bindingScope{}, e
	}
	if write {
		if e := requireProjectBinder(c, p); e != nil {
			return bindingScope{}, e
		}
	}
	org, e := s.callerOrg(ctx, c, p.OrganizationID)
	if e != nil {
		return bindingScope{}, e
	}
	return bindingScope{scope: store.ScopeProject, org: org, proj: p}, nil
}

// ---- handlers, shared by both kinds ----

func (s *Server) listBindings(w http.ResponseWriter, r *http.Request, bs bindingScope) *apiError {
	p, e := parsePage(r)
	if e != nil {
		return e
	}
	f := bs.filter()
	filters := url.Values{}
	query := r.URL.Query()
	if f.UserID = query.Get("userId"); f.UserID != "" {
		filters.Set("userId", f.UserID)
	}
	if f.Role = query.Get("role"); f.Role != "" {
		var v validationErrors
		checkRoleOfScope(&v, "role", f.Role, bs.scope)
		if e := v.err(); e != nil {
			return e
		}
		filters.Set("role", f.Role)
	}
	items, total, err := s.store.ListRoleBindings(r.Context(), f, p)
	if err != nil {
		return s.internal(r.Context(), "list role bindings", err)
	}
	out := make([]envelope, len(items))
	for i, b := range items {
		out[i] = roleBindingEnvelope(b)
	}
	writeJSON(w, http.StatusOK, newCollection(bs.href(), filters, p, total, out))
	return nil
}

func bindingNotFound(id string) *apiError {
	return errNotFound("role binding %q not found", id)
}

// bindingIn loads binding id of scope bs; bindings elsewhere are 404.
func (s *Server) bindingIn(ctx context.Context, q store.Queries, bs bindingScope, id string) (store.RoleBinding, *apiError) {
	b, err := q.GetRoleBinding(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !bs.contains(b)) {
		return store.RoleBinding{}, bindingNotFound(id)
	} else if err != nil {
		return store.RoleBinding{}, s.internal(ctx, "get role binding", err)
	}
	return b, nil
}

func (s *Server) getBinding(w http.ResponseWriter, r *http.Request, bs bindingScope) *apiError {
	b, e := s.bindingIn(r.Context(), s.store, bs, r.PathValue("binding"))
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, roleBindingEnvelope(b))
	return nil
}

func (s *Server) createBinding(w http.ResponseWriter, r *http.Request, c *caller, bs bindingScope) *apiError {
	body, e := readBody(r)
	if e != nil {
		return e
	}
	in, e := parseRoleBindingCreate(body, bs.scope)
	if e != nil {
		return e
	}
	return s.create(w, r, c, body, func(ctx context.Context, q store.Queries) (created, *apiError) {
		u, err := q.GetUser(ctx, in.UserID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && u.OrganizationID != bs.org.ID) {
			// Unknown and other-organization users get one answer, so ids
			// of other tenants cannot be probed.
			return created{}, fieldError(http.StatusUnprocessableEntity, codeInvalidArgument, "userId",
				"no user %q in organization %q: a user can only hold roles in its own organization", in.UserID, bs.org.Name)
		} else if err != nil {
			return created{}, s.internal(ctx, "get user", err)
		}
		f := bs.filter()
		f.UserID, f.Role = u.ID, in.Role
		found, _, err := q.ListRoleBindings(ctx, f, store.Page{Limit: 1})
		if err != nil {
			return created{}, s.internal(ctx, "check role binding", err)
		}
		errExists := func(id string) *apiError {
			return newError(http.StatusConflict, codeAlreadyExists, "user %q already has role %s on %s (role binding %s)",
				u.Username, in.Role, bs.describe(), id)
		}
		if len(found) > 0 {
			return created{}, errExists(found[0].ID)
		}
		b := store.RoleBinding{ID: uuid.NewString(), Scope: bs.scope, OrganizationID: bs.org.ID, ProjectID: bs.proj.ID,
			UserID: u.ID, Role: in.Role, Meta: store.NewMeta(s.now(), c.user.ID)}
		if err := q.CreateRoleBinding(ctx, b); errors.Is(err, store.ErrConflict) {
			return created{}, errExists("")
		} else if err != nil {
			return created{}, s.internal(ctx, "create role binding", err)
		}
		env := roleBindingEnvelope(b)
		return created{status: http.StatusCreated, location: env.Href, body: env}, nil
	})
}

func (s *Server) deleteBinding(w http.ResponseWriter, r *http.Request, bs bindingScope) *apiError {
	ctx := r.Context()
	id := r.PathValue("binding")
	var failure *apiError
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var b store.RoleBinding
		if b, failure = s.bindingIn(ctx, q, bs, id); failure != nil {
			return errRollback
		}
		u, err := q.GetUser(ctx, b.UserID)
		if err != nil {
			return err
		}
		if failure, err = s.lastOwner(ctx, q, b, "user "+strconv.Quote(u.Username), "removing this role binding"); err != nil {
			return err
		} else if failure != nil {
			return errRollback
		}
		return q.DeleteRoleBinding(ctx, b.ID)
	})
	switch {
	case failure != nil:
		return failure
	case errors.Is(err, store.ErrNotFound):
		return bindingNotFound(id)
	case err != nil:
		return s.internal(ctx, "delete role binding", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// lastOwner returns the LAST_OWNER error when removing binding b would leave
// its organization without an org_owner, or its project without a
// project_owner; nil when b is not such a binding. who names the user of b,
// doing what the caller was about to do. Call it inside the transaction that
// removes b.
func (s *Server) lastOwner(ctx context.Context, q store.Queries, b store.RoleBinding, who, doing string) (*apiError, error) {
	var (
		n     int
		where string
		err   error
	)
	switch {
	case b.Scope == store.ScopeOrganization && b.Role == roleOrgOwner:
		n, err = q.CountOrgRoleHolders(ctx, b.OrganizationID, roleOrgOwner)
		if err == nil {
			var o store.Organization
			o, err = q.GetOrganization(ctx, b.OrganizationID)
			where = "organization " + strconv.Quote(o.Name)
		}
	case b.Scope == store.ScopeProject && b.Role == roleProjectOwner:
		n, err = q.CountProjectRoleHolders(ctx, b.ProjectID, roleProjectOwner)
		if err == nil {
			var p store.Project
			p, err = q.GetProject(ctx, b.ProjectID)
			where = "project " + strconv.Quote(p.Name)
		}
	default:
		return nil, nil
	}
	if err != nil || n > 1 {
		return nil, err
	}
	return newError(http.StatusConflict, codeLastOwner, "%s is the last %s of %s; bind %s to another user before %s",
		who, b.Role, where, b.Role, doing), nil
}

// ---- routes ----

func (s *Server) listOrgRoleBindings(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	bs, e := s.orgScope(r, c, false)
	if e != nil {
		return e
	}
	return s.listBindings(w, r, bs)
}

func (s *Server) getOrgRoleBinding(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	bs, e := s.orgScope(r, c, false)
	if e != nil {
		return e
	}
	return s.getBinding(w, r, bs)
}

func (s *Server) createOrgRoleBinding(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	bs, e := s.orgScope(r, c, true)
	if e != nil {
		return e
	}
	return s.createBinding(w, r, c, bs)
}

func (s *Server) deleteOrgRoleBinding(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	bs, e := s.orgScope(r, c, true)
	if e != nil {
		return e
	}
	return s.deleteBinding(w, r, bs)
}

func (s *Server) listProjectRoleBindings(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	bs, e := s.projectScope(r, c, false)
	if e != nil {
		return e
	}
	return s.listBindings(w, r, bs)
}

func (s *Server) getProjectRoleBinding(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	bs, e := s.projectScope(r, c, false)
	if e != nil {
		return e
	}
	return s.getBinding(w, r, bs)
}

func (s *Server) createProjectRoleBinding(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	bs, e := s.projectScope(r, c, true)
	if e != nil {
		return e
	}
	return s.createBinding(w, r, c, bs)
}

func (s *Server) deleteProjectRoleBinding(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	bs, e := s.projectScope(r, c, true)
	if e != nil {
		return e
	}
	return s.deleteBinding(w, r, bs)
}
