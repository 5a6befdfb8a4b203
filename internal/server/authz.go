package server

import (
	"context"
	"errors"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// The authorization model of this slice:
//   - every user belongs to one organization and reads everything in it
//     (the organization, its projects, roles, users, machine users);
//   - anything in another organization does not exist for the caller: 404,
//     never 403, so ids of other tenants cannot be probed;
//   - writes need a role, checked after the 404 rule; a 403 names the role.

// hasOrgRole reports whether the caller holds role on organization orgID.
func (c *caller) hasOrgRole(orgID, role string) bool {
	for _, b := range c.bindings {
		if b.Scope == store.ScopeOrganization && b.OrganizationID == orgID && b.Role == role {
			return true
		}
	}
	return false
}

func orgNotFound(id string) *apiError {
	return errNotFound("organization %q not found", id)
}

// callerOrg returns the organization orgID when the caller is a member of
// it, else 404.
func (s *Server) callerOrg(ctx context.Context, c *caller, orgID string) (store.Organization, *apiError) {
	if orgID != c.user.OrganizationID {
		return store.Organization{}, orgNotFound(orgID)
	}
	org, err := s.store.GetOrganization(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Organization{}, orgNotFound(orgID)
	} else if err != nil {
		return store.Organization{}, s.internal(ctx, "get organization", err)
	}
	return org, nil
}

// requireOrgOwner is the rule for writing machine users: only an org_owner
// (person or machine) may; a project owner may not.
func requireOrgOwner(c *caller, org store.Organization, action string) *apiError {
	if c.hasOrgRole(org.ID, roleOrgOwner) {
		return nil
	}
	return errForbidden("%s requires the %s role on organization %q (%s); ask an organization owner to do it or to bind you that role",
		action, roleOrgOwner, org.Name, org.ID)
}

// Cluster access (clusters.go, cluster_users.go) goes through project roles:
// a project_viewer reads the project's clusters and their users, a
// project_editor or project_owner also manages those users; an org_owner
// manages and an org_admin reads every cluster of the organization. Any
// other member of the organization gets 403.

// holdsClusterRole reports whether the caller holds one of orgRoles on orgID
// or one of projectRoles on projectID.
func (c *caller) holdsClusterRole(orgID, projectID string, orgRoles, projectRoles []string) bool {
	for _, b := range c.bindings {
		switch {
		case b.Scope == store.ScopeOrganization && b.OrganizationID == orgID && contains(orgRoles, b.Role):
			return true
		case b.Scope == store.ScopeProject && b.ProjectID == projectID && contains(projectRoles, b.Role):
			return true
		}
	}
	return false
}

func requireClusterRead(c *caller, orgID, projectID, action string) *apiError {
	if c.holdsClusterRole(orgID, projectID, []string{roleOrgOwner, roleOrgAdmin},
		[]string{roleProjectOwner, roleProjectEditor, roleProjectViewer}) {
		return nil
	}
	return errForbidden("%s requires a role on project %s (%s, %s or %s) or on its organization (%s or %s); ask a project owner to bind you one",
		action, projectID, roleProjectViewer, roleProjectEditor, roleProjectOwner, roleOrgAdmin, roleOrgOwner)
}

func requireClusterManage(c *caller, orgID, projectID, action string) *apiError {
	if c.holdsClusterRole(orgID, projectID, []string{roleOrgOwner}, []string{roleProjectOwner, roleProjectEditor}) {
		return nil
	}
	return errForbidden("%s requires the %s or %s role on project %s (or %s on its organization); ask a project owner to bind you one",
		action, roleProjectEditor, roleProjectOwner, projectID, roleOrgOwner)
}
