package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Errors of the Admin operations (wrapped; test with errors.Is).
var (
	ErrNotFound      = errors.New("not found")
	ErrAmbiguous     = errors.New("ambiguous")
	ErrAlreadyExists = errors.New("already exists")
	ErrInvalid       = errors.New("invalid")
)

// Admin is the platform operator's access to the store, used by
// `pgcloud-server admin` (also while a server runs on the same store) and by
// tests. It bypasses the API's authorization: it is for whoever holds the
// store. Objects it creates have createdBy "system".
type Admin struct {
	store store.Store
	now   func() time.Time
	owned bool // Close closes the store only when Admin opened it
}

// OpenAdmin opens the store of cfg and applies migrations; it never
// bootstraps.
func OpenAdmin(ctx context.Context, cfg Config) (*Admin, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	return &Admin{store: st, now: func() time.Time { return cfg.Now().UTC() }, owned: true}, nil
}

// Close releases the store if this Admin opened it.
func (a *Admin) Close() error {
	if a.owned {
		return a.store.Close()
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// conflictOr turns a store conflict into ErrAlreadyExists with msg.
func conflictOr(err error, format string, args ...any) error {
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("%w: %s", ErrAlreadyExists, fmt.Sprintf(format, args...))
	}
	return err
}

func checkObjectName(kind, name string) error {
	if strings.TrimSpace(name) == "" {
		return invalid("%s name must not be empty", kind)
	}
	if n := runeLen(name); n > maxNameLen {
		return invalid("%s name must be at most %d characters, got %d", kind, maxNameLen, n)
	}
	return nil
}

// CreateOrganization creates an organization; names are unique.
func (a *Admin) CreateOrganization(ctx context.Context, name string) (string, error) {
	if err := checkObjectName("organization", name); err != nil {
		return "", err
	}
	o := store.Organization{ID: uuid.NewString(), Name: name, Meta: store.NewMeta(a.now(), systemActor)}
	if err := a.store.CreateOrganization(ctx, o); err != nil {
		return "", conflictOr(err, "an organization named %q already exists", name)
	}
	return o.ID, nil
}

// CreateProject creates a project in org (an id or a name); project names are
// unique within their organization.
func (a *Admin) CreateProject(ctx context.Context, org, name string) (string, error) {
	if err := checkObjectName("project", name); err != nil {
		return "", err
	}
	o, err := a.resolveOrg(ctx, a.store, org)
	if err != nil {
		return "", err
	}
	p := store.Project{ID: uuid.NewString(), OrganizationID: o.ID, Name: name, Meta: store.NewMeta(a.now(), systemActor)}
	if err := a.store.CreateProject(ctx, p); err != nil {
		return "", conflictOr(err, "organization %q already has a project named %q", o.Name, name)
	}
	return p.ID, nil
}

// CreateHumanUser adds a person to org (an id or a name). A person's username
// is its email and so is its name. It holds no role until one is bound.
func (a *Admin) CreateHumanUser(ctx context.Context, org, email string) (string, error) {
	if !validEmail(email) {
		return "", invalid("%q is not a valid email address (want a bare address like name@example.com)", email)
	}
	o, err := a.resolveOrg(ctx, a.store, org)
	if err != nil {
		return "", err
	}
	u := store.User{ID: uuid.NewString(), OrganizationID: o.ID, Type: store.UserTypePerson, Username: email,
		Name: email, Email: email, Meta: store.NewMeta(a.now(), systemActor)}
	if err := a.store.CreateUser(ctx, u); err != nil {
		return "", conflictOr(err, "organization %q already has a user %q", o.Name, email)
	}
	return u.ID, nil
}

// DefaultAccessKeyDays is the lifetime of a key made by CreateAccessKey with
// days = 0.
const DefaultAccessKeyDays = 365

// CreateAccessKey creates an access key for user (an id, a person's email or
// a machine username) valid for days (1–365; 0 = DefaultAccessKeyDays) and
// returns the key itself — the only time it is ever visible.
func (a *Admin) CreateAccessKey(ctx context.Context, user string, days int) (string, error) {
	if days == 0 {
		days = DefaultAccessKeyDays
	}
	if days < 1 || days > 365 {
		return "", invalid("days must be from 1 to 365, got %d", days)
	}
	u, err := a.resolveUser(ctx, a.store, user)
	if err != nil {
		return "", err
	}
	text, id, hash := newAccessKey()
	now := a.now()
	k := store.AccessKey{ID: id, UserID: u.ID, Name: "admin-" + id, SecretHash: hash, Suffix: keySuffix(text),
		ExpiresAt: now.AddDate(0, 0, days), Meta: store.NewMeta(now, systemActor)}
	if err := a.store.CreateAccessKey(ctx, k); err != nil {
		return "", err
	}
	return text, nil
}

// BindOrgRole binds an organization role (org_owner, org_admin) to user on
// org; both must be in the same organization. It returns the binding id.
func (a *Admin) BindOrgRole(ctx context.Context, user, org, role string) (string, error) {
	if r, ok := findRole(role); !ok || r.Scope != store.ScopeOrganization {
		return "", invalid("%q is not an organization role (want %s or %s)", role, roleOrgOwner, roleOrgAdmin)
	}
	var id string
	err := a.store.InTx(ctx, func(q store.Queries) error {
		o, err := a.resolveOrg(ctx, q, org)
		if err != nil {
			return err
		}
		u, err := a.resolveUser(ctx, q, user)
		if err != nil {
			return err
		}
		if u.OrganizationID != o.ID {
			return invalid("user %q is not in organization %q", user, o.Name)
		}
		id = uuid.NewString()
		err = q.CreateRoleBinding(ctx, store.RoleBinding{ID: id, Scope: store.ScopeOrganization, OrganizationID: o.ID,
			UserID: u.ID, Role: role, Meta: store.NewMeta(a.now(), systemActor)})
		return conflictOr(err, "user %q already has role %s on organization %q", user, role, o.Name)
	})
	return id, err
}

// BindProjectRole binds a project role (project_owner, project_editor,
// project_viewer) to user on project (an id, or a name that is unique across
// organizations); both must be in the same organization.
func (a *Admin) BindProjectRole(ctx context.Context, user, project, role string) (string, error) {
	if r, ok := findRole(role); !ok || r.Scope != store.ScopeProject {
		return "", invalid("%q is not a project role (want %s, %s or %s)", role, roleProjectOwner, roleProjectEditor, roleProjectViewer)
	}
	var id string
	err := a.store.InTx(ctx, func(q store.Queries) error {
		p, err := a.resolveProject(ctx, q, project)
		if err != nil {
			return err
		}
		u, err := a.resolveUser(ctx, q, user)
		if err != nil {
			return err
		}
		if u.OrganizationID != p.OrganizationID {
			return invalid("user %q and project %q are not in the same organization", user, project)
		}
		id = uuid.NewString()
		err = q.CreateRoleBinding(ctx, store.RoleBinding{ID: id, Scope: store.ScopeProject, OrganizationID: p.OrganizationID,
			ProjectID: p.ID, UserID: u.ID, Role: role, Meta: store.NewMeta(a.now(), systemActor)})
		return conflictOr(err, "user %q already has role %s on project %q", user, role, project)
	})
	return id, err
}

// ---- resolving operator input (an id or a name) ----

func (a *Admin) resolveOrg(ctx context.Context, q store.Queries, ref string) (store.Organization, error) {
	o, err := q.GetOrganization(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		o, err = q.GetOrganizationByName(ctx, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return o, fmt.Errorf("%w: no organization has id or name %q", ErrNotFound, ref)
	}
	return o, err
}

// maxMatches bounds ambiguity reports; a handful of candidates is enough to
// tell the operator to pass an id.
const maxMatches = 10

func (a *Admin) resolveUser(ctx context.Context, q store.Queries, ref string) (store.User, error) {
	u, err := q.GetUser(ctx, ref)
	if !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	// People's usernames are their emails, so one lookup covers both.
	found, total, err := q.ListUsers(ctx, store.UserFilter{Username: ref}, store.Page{Limit: maxMatches})
	if err != nil {
		return store.User{}, err
	}
	switch total {
	case 0:
		return store.User{}, fmt.Errorf("%w: no user has id, email or username %q", ErrNotFound, ref)
	case 1:
		return found[0], nil
	}
	orgs := make([]string, len(found))
	for i, f := range found {
		orgs[i] = f.OrganizationID
	}
	return store.User{}, fmt.Errorf("%w: %d users are named %q (in organizations %s); pass the user id instead",
		ErrAmbiguous, total, ref, strings.Join(orgs, ", "))
}

func (a *Admin) resolveProject(ctx context.Context, q store.Queries, ref string) (store.Project, error) {
	p, err := q.GetProject(ctx, ref)
	if !errors.Is(err, store.ErrNotFound) {
		return p, err
	}
	found, total, err := q.ListProjects(ctx, store.ProjectFilter{Name: ref}, store.Page{Limit: maxMatches})
	if err != nil {
		return store.Project{}, err
	}
	switch total {
	case 0:
		return store.Project{}, fmt.Errorf("%w: no project has id or name %q", ErrNotFound, ref)
	case 1:
		return found[0], nil
	}
	orgs := make([]string, len(found))
	for i, f := range found {
		orgs[i] = f.OrganizationID
	}
	return store.Project{}, fmt.Errorf("%w: %d projects are named %q (in organizations %s); pass the project id instead",
		ErrAmbiguous, total, ref, strings.Join(orgs, ", "))
}
