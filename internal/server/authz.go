package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Authorization: who may do what through the API. It lives here, in the
// HTTP layer, rather than in package platform: it is decided by the
// caller's credential and role bindings, and by the API's policy on what a
// refusal may reveal (404 across organizations); the operator's commands
// bypass it by design. The model:
//   - every user belongs to one organization and reads everything in it
//     (the organization, its projects, roles, users, machine users, role
//     bindings);
//   - anything in another organization does not exist for the caller: 404,
//     never 403, so ids of other tenants cannot be probed;
//   - writes need a role, checked after the 404 rule; a 403 names the role:
//     an org_owner (person or machine) writes machine users, their keys and
//     session tokens (revoking them all at once too), and every role binding
//     of the organization; a project_owner binds project
//     roles on its own project; people manage their own keys; only an
//     org_owner who is a person invites;
//   - clusters go through project roles: a project_viewer reads the
//     project's clusters and their users, a project_editor or project_owner
//     also manages those users (ending their connections too); an org_owner
//     manages and an org_admin reads
//     every cluster of the organization.

// hasOrgRole reports whether the caller holds role on organization orgID.
func (c *caller) hasOrgRole(orgID, role string) bool {
	return c.holds(orgID, "", []string{role}, nil)
}

// holds reports whether the caller holds one of orgRoles on organization
// orgID or one of projectRoles on project projectID.
func (c *caller) holds(orgID, projectID string, orgRoles, projectRoles []string) bool {
	for _, b := range c.bindings {
		switch {
		case b.Scope == store.ScopeOrganization && b.OrganizationID == orgID && slices.Contains(orgRoles, b.Role):
			return true
		case b.Scope == store.ScopeProject && b.ProjectID == projectID && slices.Contains(projectRoles, b.Role):
			return true
		}
	}
	return false
}

// ---- the caller's organization: everything else is 404 ----

func orgNotFound(id string) error {
	return errNotFound("organization %q not found", id)
}

// callerOrg returns the organization orgID when the caller is a member of
// it, else 404.
func (s *Server) callerOrg(ctx context.Context, c *caller, orgID string) (store.Organization, error) {
	if _, err := callerOrgID(c, orgID); err != nil {
		return store.Organization{}, err
	}
	org, err := s.store.GetOrganization(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Organization{}, orgNotFound(orgID)
	} else if err != nil {
		return store.Organization{}, fmt.Errorf("get organization: %w", err)
	}
	return org, nil
}

// callerOrgID returns orgID when it is the caller's organization, else
// 404, without reading the organization: the caller's user, read while
// authenticating, exists only while its organization does (ON DELETE
// CASCADE). Reads that need only the id use it and save a query.
func callerOrgID(c *caller, orgID string) (string, error) {
	if orgID != c.user.OrganizationID {
		return "", orgNotFound(orgID)
	}
	return orgID, nil
}

// callerProject returns the project when it is in the caller's organization;
// a project of another organization is reported exactly like a missing one.
func (s *Server) callerProject(ctx context.Context, c *caller, id string) (store.Project, error) {
	return platform.Find(func() (store.Project, error) { return s.store.GetProject(ctx, id) },
		func(p store.Project) bool { return p.OrganizationID == c.user.OrganizationID },
		errNotFound("project %q not found", id), "get project")
}

// callerCluster returns the cluster id when it is in the caller's
// organization (else 404) and the caller may read it (else 403).
func (s *Server) callerCluster(ctx context.Context, c *caller, id string) (store.Cluster, error) {
	cl, err := platform.Find(func() (store.Cluster, error) { return s.store.GetCluster(ctx, id) },
		func(cl store.Cluster) bool { return cl.OrganizationID == c.user.OrganizationID },
		errNotFound("cluster %q not found", id), "get cluster")
	if err != nil {
		return store.Cluster{}, err
	}
	if err := requireClusterRead(c, cl.OrganizationID, cl.ProjectID, fmt.Sprintf("reading cluster %q", cl.Name)); err != nil {
		return store.Cluster{}, err
	}
	return cl, nil
}

// ownedOrg returns the organization in the path when the caller is one of
// its org_owners; doing is what the caller is about to do, for the 403.
func (s *Server) ownedOrg(r *http.Request, c *caller, doing string) (store.Organization, error) {
	org, err := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if err != nil {
		return store.Organization{}, err
	}
	return org, requireOrgOwner(c, org, doing)
}

// managedCluster returns the cluster in the path when the caller may manage
// its users and roles; doing is what the caller is about to do ("creating
// users"), for the 403.
func (s *Server) managedCluster(r *http.Request, c *caller, doing string) (store.Cluster, error) {
	cl, err := s.callerCluster(r.Context(), c, r.PathValue("cluster"))
	if err != nil {
		return store.Cluster{}, err
	}
	return cl, requireClusterManage(c, cl, doing+" of cluster \""+cl.Name+"\"")
}

// ---- roles ----

// requireOrgOwner is the rule for writing machine users: only an org_owner
// (person or machine) may; a project owner may not.
func requireOrgOwner(c *caller, org store.Organization, action string) error {
	if c.hasOrgRole(org.ID, platform.RoleOrgOwner) {
		return nil
	}
	return errForbidden("%s requires the %s role on organization %q (%s); ask an organization owner to do it or to bind you that role",
		action, platform.RoleOrgOwner, org.Name, org.ID)
}

// requireOrgRoleAny: the caller must hold one of roles on org.
func requireOrgRoleAny(c *caller, org store.Organization, action string, roles ...string) error {
	if c.holds(org.ID, "", roles, nil) {
		return nil
	}
	return errForbidden("%s requires the %s role on organization %q (%s); ask an organization owner to bind you one",
		action, strings.Join(roles, " or "), org.Name, org.ID)
}

// requireProjectBinder is the rule for changing a project's bindings.
func requireProjectBinder(c *caller, p store.Project) error {
	if c.holds(p.OrganizationID, p.ID, []string{platform.RoleOrgOwner}, []string{platform.RoleProjectOwner}) {
		return nil
	}
	return errForbidden("changing the role bindings of project %q (%s) requires the %s role on the project or the %s role "+
		"on its organization; ask a project or organization owner to do it", p.Name, p.ID, platform.RoleProjectOwner, platform.RoleOrgOwner)
}

// requirePerson: /users/me/access-keys is for people's own keys.
func requirePerson(c *caller) error {
	if c.user.Type == store.UserTypePerson {
		return nil
	}
	return errForbidden("%s is for people's own keys; the keys of a machine user are managed by an organization owner "+
		"under %s", platform.OwnKeysPath, platform.MachineUserKeysPath(c.user))
}

// requireInviter: only an org_owner invites, and only a person: people join
// through people.
func requireInviter(c *caller, org store.Organization) error {
	if !c.hasOrgRole(org.ID, platform.RoleOrgOwner) {
		return errForbidden("inviting people to organization %q (%s) requires the %s role, held by a person; "+
			"ask an organization owner to send the invitation", org.Name, org.ID, platform.RoleOrgOwner)
	}
	if c.user.Type != store.UserTypePerson {
		return newError(http.StatusForbidden, codeMachineUserCannotInvite,
			"machine users cannot invite anyone; an organization owner who is a person must send the invitation")
	}
	return nil
}

func requireClusterRead(c *caller, orgID, projectID, action string) error {
	if c.holds(orgID, projectID, []string{platform.RoleOrgOwner, platform.RoleOrgAdmin},
		[]string{platform.RoleProjectOwner, platform.RoleProjectEditor, platform.RoleProjectViewer}) {
		return nil
	}
	return errForbidden("%s requires a role on project %s (%s, %s or %s) or on its organization (%s or %s); ask a project owner to bind you one",
		action, projectID, platform.RoleProjectViewer, platform.RoleProjectEditor, platform.RoleProjectOwner,
		platform.RoleOrgAdmin, platform.RoleOrgOwner)
}

func requireClusterManage(c *caller, cl store.Cluster, action string) error {
	if c.holds(cl.OrganizationID, cl.ProjectID, []string{platform.RoleOrgOwner},
		[]string{platform.RoleProjectOwner, platform.RoleProjectEditor}) {
		return nil
	}
	return errForbidden("%s requires the %s or %s role on project %s (or %s on its organization); ask a project owner to bind you one",
		action, platform.RoleProjectEditor, platform.RoleProjectOwner, cl.ProjectID, platform.RoleOrgOwner)
}

// ---- whose keys, which bindings ----

// keyOwner checks that the caller may read (or, with write, change) the keys
// of the user in the path, and loads that machine user (see
// credentialOwner). A person in the path is 403: people's keys are
// self-service.
func (s *Server) keyOwner(ctx context.Context, q store.Queries, c *caller, r *http.Request, write bool) (store.User, error) {
	return s.credentialOwner(ctx, q, c, r, write, "the access keys of machine users", func(id string) error {
		return errForbidden("user %q is a person: access keys of people are self-service: "+
			"a person manages their own keys under %s", id, platform.OwnKeysPath)
	})
}

// sessionTokenOwner is keyOwner for session tokens, which only machine
// users have.
func (s *Server) sessionTokenOwner(ctx context.Context, q store.Queries, c *caller, r *http.Request, write bool) (store.User, error) {
	return s.credentialOwner(ctx, q, c, r, write, "the session tokens of machine users", func(id string) error {
		return errForbidden("user %q is a person: session tokens are for machine users only; "+
			"a person authenticates with its own access key (%s)", id, platform.OwnKeysPath)
	})
}

// credentialOwner checks that the caller may read (or, with write, change)
// the credentials (what) of the user in the path, and loads that machine
// user. The order of the checks: another organization is 404; then the
// caller's role (403): an org_owner reads and writes, an org_admin reads;
// then the user: unknown is 404, a person is person's 403.
func (s *Server) credentialOwner(ctx context.Context, q store.Queries, c *caller, r *http.Request, write bool, what string,
	person func(id string) error) (store.User, error) {
	org, err := s.callerOrg(ctx, c, r.PathValue("org"))
	if err != nil {
		return store.User{}, err
	}
	if write {
		err = requireOrgOwner(c, org, "managing "+what)
	} else {
		err = requireOrgRoleAny(c, org, "reading "+what, platform.RoleOrgOwner, platform.RoleOrgAdmin)
	}
	if err != nil {
		return store.User{}, err
	}
	id := r.PathValue("user")
	u, err := platform.Find(func() (store.User, error) { return platform.UserIn(ctx, q, org.ID, id) },
		func(store.User) bool { return true }, platform.MachineUserNotFound(id), "get user")
	if err == nil && u.Type != store.UserTypeMachine {
		return store.User{}, person(id)
	}
	return u, err
}

// orgScope and projectScope resolve the scope of the role bindings in the
// path (404 outside the caller's organization) and, for writes, check that
// the caller may change them: an org_owner any, a project_owner its own
// project's.
func (s *Server) orgScope(r *http.Request, c *caller, write bool) (platform.Scope, error) {
	if write {
		org, err := s.ownedOrg(r, c, "changing the role bindings of an organization")
		return platform.Scope{Org: org}, err
	}
	org, err := s.callerOrg(r.Context(), c, r.PathValue("org"))
	return platform.Scope{Org: org}, err
}

func (s *Server) projectScope(r *http.Request, c *caller, write bool) (platform.Scope, error) {
	ctx := r.Context()
	p, err := s.callerProject(ctx, c, r.PathValue("project"))
	if err != nil {
		return platform.Scope{}, err
	}
	if write {
		if err := requireProjectBinder(c, p); err != nil {
			return platform.Scope{}, err
		}
	}
	org, err := s.callerOrg(ctx, c, p.OrganizationID)
	if err != nil {
		return platform.Scope{}, err
	}
	return platform.Scope{Org: org, Project: p}, nil
}
