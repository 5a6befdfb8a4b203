package platform

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Scope is where a role binding applies: an organization, or a project of it.
type Scope struct {
	Org     store.Organization
	Project store.Project // zero for the organization itself
}

// Kind is store.ScopeOrganization or store.ScopeProject.
func (sc Scope) Kind() string {
	if sc.Project.ID == "" {
		return store.ScopeOrganization
	}
	return store.ScopeProject
}

func (sc Scope) describe() string {
	if sc.Kind() == store.ScopeOrganization {
		return "organization " + strconv.Quote(sc.Org.Name)
	}
	return "project " + strconv.Quote(sc.Project.Name)
}

// Filter selects the bindings of this scope.
func (sc Scope) Filter() store.RoleBindingFilter {
	return store.RoleBindingFilter{Scope: sc.Kind(), OrganizationID: sc.Org.ID, ProjectID: sc.Project.ID}
}

// Holds reports whether binding b is one of this scope's.
func (sc Scope) Holds(b store.RoleBinding) bool {
	return b.Scope == sc.Kind() && b.OrganizationID == sc.Org.ID && b.ProjectID == sc.Project.ID
}

// RoleBindingCreate is the input of Bind: a user and one of the roles of
// the scope. A nil Role was left out by the caller.
type RoleBindingCreate struct {
	Scope  Scope
	UserID string  // required
	Role   *string // required
}

// Check adds the field rules the input breaks to v.
func (in RoleBindingCreate) Check(v *Violations) {
	if in.UserID == "" {
		v.Add("userId", "is required: the id of a user (person or machine user) of the organization")
	}
	kind := in.Scope.Kind()
	checkRequired(v, "role", in.Role, "is required: one of "+strings.Join(rolesOf(kind), ", "),
		func(v *Violations, field, role string) { CheckRole(v, field, role, kind) })
}

// Bind binds a user to a role on a scope. The user must be of the scope's
// organization, people and machine users alike.
func (s *Service) Bind(ctx context.Context, q store.Queries, by Actor, in RoleBindingCreate) (store.RoleBinding, error) {
	if err := check(in); err != nil {
		return store.RoleBinding{}, err
	}
	sc := in.Scope
	u, err := UserIn(ctx, q, sc.Org.ID, in.UserID)
	if errors.Is(err, store.ErrNotFound) {
		// Unknown and other-organization users get one answer, so ids of
		// other tenants cannot be probed.
		return store.RoleBinding{}, FieldErrorf(InvalidArgument, "userId",
			"no user %q in organization %q: a user can only hold roles in its own organization", in.UserID, sc.Org.Name)
	} else if err != nil {
		return store.RoleBinding{}, fmt.Errorf("get user: %w", err)
	}
	role := *in.Role
	exists := func(id string) error {
		return Errorf(AlreadyExists, "user %q already has role %s on %s (role binding %s)", u.Username, role, sc.describe(), id)
	}
	f := sc.Filter()
	f.UserID, f.Role = u.ID, role
	found, _, err := q.ListRoleBindings(ctx, f, store.Page{Limit: 1})
	if err != nil {
		return store.RoleBinding{}, fmt.Errorf("check role binding: %w", err)
	}
	if len(found) > 0 {
		return store.RoleBinding{}, exists(found[0].ID)
	}
	b := store.RoleBinding{ID: uuid.NewString(), Scope: sc.Kind(), OrganizationID: sc.Org.ID, ProjectID: sc.Project.ID,
		UserID: u.ID, Role: role, Meta: store.NewMeta(s.Now(), string(by))}
	if err := q.CreateRoleBinding(ctx, b); errors.Is(err, store.ErrConflict) {
		return store.RoleBinding{}, exists("")
	} else if err != nil {
		return store.RoleBinding{}, fmt.Errorf("create role binding: %w", err)
	}
	return b, nil
}

// RoleBindingNotFound is the answer about a binding that is not one of the
// scope's.
func RoleBindingNotFound(id string) *Error {
	return Errorf(NotFound, "role binding %q not found", id)
}

// RoleBindingOf returns binding id of scope sc.
func (s *Service) RoleBindingOf(ctx context.Context, q store.Queries, sc Scope, id string) (store.RoleBinding, error) {
	return Find(func() (store.RoleBinding, error) { return q.GetRoleBinding(ctx, id) }, sc.Holds,
		RoleBindingNotFound(id), "get role binding")
}

// Unbind deletes binding id of scope sc, unless it is the last owner's.
func (s *Service) Unbind(ctx context.Context, q store.Queries, sc Scope, id string) error {
	b, err := s.RoleBindingOf(ctx, q, sc, id)
	if err != nil {
		return err
	}
	u, err := q.GetUser(ctx, b.UserID)
	if err != nil {
		return fmt.Errorf("get user: %w", err)
	}
	if err := checkNotLastOwner(ctx, q, b, "user "+strconv.Quote(u.Username), "removing this role binding"); err != nil {
		return err
	}
	if err := q.DeleteRoleBinding(ctx, b.ID); errors.Is(err, store.ErrNotFound) {
		return RoleBindingNotFound(id)
	} else if err != nil {
		return fmt.Errorf("delete role binding: %w", err)
	}
	return nil
}

// checkNotLastOwner refuses (LastOwner) to remove binding b when that would
// leave its organization without an org_owner, or its project without a
// project_owner. who names the user of b, doing what is about to be done.
// Call it inside the transaction that removes b, so that two concurrent
// removals cannot both pass.
func checkNotLastOwner(ctx context.Context, q store.Queries, b store.RoleBinding, who, doing string) error {
	var (
		owners int
		err    error
	)
	switch {
	case b.Scope == store.ScopeOrganization && b.Role == RoleOrgOwner:
		owners, err = q.CountOrgRoleHolders(ctx, b.OrganizationID, b.Role)
	case b.Scope == store.ScopeProject && b.Role == RoleProjectOwner:
		owners, err = q.CountProjectRoleHolders(ctx, b.ProjectID, b.Role)
	default:
		return nil
	}
	switch {
	case err != nil:
		return fmt.Errorf("count owners: %w", err)
	case owners > 1:
		return nil
	}
	where, err := scopeOf(ctx, q, b)
	if err != nil {
		return fmt.Errorf("name the scope of a role binding: %w", err)
	}
	return Errorf(LastOwner, "%s is the last %s of %s; bind %s to another user before %s", who, b.Role, where, b.Role, doing)
}

// scopeOf names the organization or the project of binding b, for messages.
func scopeOf(ctx context.Context, q store.Queries, b store.RoleBinding) (string, error) {
	if b.Scope == store.ScopeOrganization {
		o, err := q.GetOrganization(ctx, b.OrganizationID)
		return "organization " + strconv.Quote(o.Name), err
	}
	p, err := q.GetProject(ctx, b.ProjectID)
	return "project " + strconv.Quote(p.Name), err
}
