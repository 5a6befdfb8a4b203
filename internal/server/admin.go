package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Errors of the Admin operations, for errors.Is. The platform's refusals
// match the first three by their code (platform.NotFound, ...); any other
// platform.Code works too, e.g. errors.Is(err, platform.QuotaExceeded).
var (
	ErrNotFound      error = platform.NotFound
	ErrAlreadyExists error = platform.AlreadyExists
	ErrInvalid       error = platform.InvalidArgument
	// ErrAmbiguous: a name the operator gave matches several objects.
	ErrAmbiguous = errors.New("ambiguous")
)

// Admin is the platform operator's access to the store, used by
// `pgcloud-server admin` (also while a server runs on the same store) and by
// tests. It bypasses the API's authorization (it is for whoever holds the
// store) but not the platform's rules: every operation goes through package
// platform exactly as the API's does. Objects it creates have createdBy
// "system".
type Admin struct {
	store    store.Store
	platform *platform.Service
	owned    bool // Close closes the store only when Admin opened it
}

// OpenAdmin opens the store of cfg and applies migrations; it never
// bootstraps.
func OpenAdmin(ctx context.Context, cfg Config) (*Admin, error) {
	_, st, svc, err := cfg.open(ctx)
	if err != nil {
		return nil, err
	}
	return &Admin{store: st, platform: svc, owned: true}, nil
}

// Close releases the store if this Admin opened it.
func (a *Admin) Close() error {
	if a.owned {
		a.platform.Close()
		return a.store.Close()
	}
	return nil
}

// CreateOrganization creates an organization; names are unique.
func (a *Admin) CreateOrganization(ctx context.Context, name string) (string, error) {
	o, err := store.Tx(ctx, a.store, func(q store.Queries) (store.Organization, error) {
		return a.platform.CreateOrganization(ctx, q, platform.System, name)
	})
	return o.ID, err
}

// CreateProject creates a project in org (an id or a name); project names are
// unique within their organization.
func (a *Admin) CreateProject(ctx context.Context, org, name string) (string, error) {
	p, err := inOrg(ctx, a, org, func(q store.Queries, o store.Organization) (store.Project, error) {
		return a.platform.CreateProject(ctx, q, platform.System, o, name)
	})
	return p.ID, err
}

// CreateHumanUser adds a person to org (an id or a name). A person's username
// is its email and so is its name. It holds no role until one is bound.
func (a *Admin) CreateHumanUser(ctx context.Context, org, email string) (string, error) {
	u, err := inOrg(ctx, a, org, func(q store.Queries, o store.Organization) (store.User, error) {
		return a.platform.CreatePerson(ctx, q, platform.System, o, email)
	})
	return u.ID, err
}

// inOrg runs fn in one transaction, with the organization org (an id or a
// name).
func inOrg[T any](ctx context.Context, a *Admin, org string, fn func(q store.Queries, o store.Organization) (T, error)) (T, error) {
	return store.Tx(ctx, a.store, func(q store.Queries) (T, error) {
		o, err := resolveOrg(ctx, q, org)
		if err != nil {
			var none T
			return none, err
		}
		return fn(q, o)
	})
}

// DefaultAccessKeyDays is the lifetime of a key made by CreateAccessKey with
// days = 0.
const DefaultAccessKeyDays = 365

// CreateAccessKey creates an access key for user (an id, a person's email or
// a machine username) valid for days (1–365; 0 = DefaultAccessKeyDays) and
// returns the key itself — the only time it is ever visible. The key obeys
// the platform's rules for keys, the quota of a machine user's keys
// included; it is named "admin-" and a unique suffix.
func (a *Admin) CreateAccessKey(ctx context.Context, user string, days int) (string, error) {
	if days == 0 {
		days = DefaultAccessKeyDays
	}
	name, expires := "admin-"+uuid.NewString(), float64(days)
	k, err := store.Tx(ctx, a.store, func(q store.Queries) (platform.IssuedKey, error) {
		u, err := resolveUser(ctx, q, user)
		if err != nil {
			return platform.IssuedKey{}, err
		}
		return a.platform.CreateAccessKey(ctx, q, platform.System, u, platform.AccessKeyCreate{Name: &name, ExpiresInDays: &expires})
	})
	return k.Text, err
}

// BindOrgRole binds an organization role (org_owner, org_admin) to user on
// org; both must be in the same organization. It returns the binding id.
func (a *Admin) BindOrgRole(ctx context.Context, user, org, role string) (string, error) {
	return a.bind(ctx, user, role, func(q store.Queries) (platform.Scope, error) {
		o, err := resolveOrg(ctx, q, org)
		return platform.Scope{Org: o}, err
	})
}

// BindProjectRole binds a project role (project_owner, project_editor,
// project_viewer) to user on project (an id, or a name that is unique across
// organizations); both must be in the same organization.
func (a *Admin) BindProjectRole(ctx context.Context, user, project, role string) (string, error) {
	return a.bind(ctx, user, role, func(q store.Queries) (platform.Scope, error) {
		p, err := resolveProject(ctx, q, project)
		if err != nil {
			return platform.Scope{}, err
		}
		o, err := q.GetOrganization(ctx, p.OrganizationID)
		return platform.Scope{Org: o, Project: p}, err
	})
}

// bind binds user to role on the scope that scope resolves.
func (a *Admin) bind(ctx context.Context, user, role string, scope func(q store.Queries) (platform.Scope, error)) (string, error) {
	b, err := store.Tx(ctx, a.store, func(q store.Queries) (store.RoleBinding, error) {
		sc, err := scope(q)
		if err != nil {
			return store.RoleBinding{}, err
		}
		u, err := resolveUser(ctx, q, user)
		if err != nil {
			return store.RoleBinding{}, err
		}
		return a.platform.Bind(ctx, q, platform.System, platform.RoleBindingCreate{Scope: sc, UserID: u.ID, Role: &role})
	})
	return b.ID, err
}

// AddCluster registers the PostgreSQL at dsn as a cluster named name of
// project (an id, or a name unique across organizations). It first connects
// and checks that the DSN's role may manage roles (CREATEROLE or superuser);
// the server version it reports is recorded. Names are unique per project.
// No error repeats the DSN.
func (a *Admin) AddCluster(ctx context.Context, project, name, dsn string) (string, error) {
	p, err := resolveProject(ctx, a.store, project)
	if err != nil {
		return "", err
	}
	// Not in a transaction: registering waits for the cluster to answer.
	cl, err := a.platform.AddCluster(ctx, a.store, platform.System, p, name, dsn)
	return cl.ID, err
}

// ---- resolving operator input (an id or a name) ----

func resolveOrg(ctx context.Context, q store.Queries, ref string) (store.Organization, error) {
	o, err := q.GetOrganization(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		o, err = q.GetOrganizationByName(ctx, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return o, platform.Errorf(platform.NotFound, "no organization has id or name %q", ref)
	}
	return o, err
}

// maxMatches bounds ambiguity reports; a handful of candidates is enough to
// tell the operator to pass an id.
const maxMatches = 10

func resolveUser(ctx context.Context, q store.Queries, ref string) (store.User, error) {
	// People's usernames are their emails, so one lookup covers both.
	return resolve(ctx, ref, "user", "id, email or username", q.GetUser,
		func(p store.Page) ([]store.User, int, error) {
			return q.ListUsers(ctx, store.UserFilter{Username: ref}, p)
		},
		func(u store.User) string { return u.OrganizationID })
}

func resolveProject(ctx context.Context, q store.Queries, ref string) (store.Project, error) {
	return resolve(ctx, ref, "project", "id or name", q.GetProject,
		func(p store.Page) ([]store.Project, int, error) {
			return q.ListProjects(ctx, store.ProjectFilter{Name: ref}, p)
		},
		func(p store.Project) string { return p.OrganizationID })
}

// resolve finds the object whose id is ref, else the only one whose name is
// ref; kind and by name them in messages, org tells the organization of a
// candidate when the name is ambiguous.
func resolve[T any](ctx context.Context, ref, kind, by string, get func(context.Context, string) (T, error),
	byName func(store.Page) ([]T, int, error), org func(T) string) (T, error) {
	var none T
	obj, err := get(ctx, ref)
	if !errors.Is(err, store.ErrNotFound) {
		return obj, err
	}
	found, total, err := byName(store.Page{Limit: maxMatches})
	switch {
	case err != nil:
		return none, err
	case total == 0:
		return none, platform.Errorf(platform.NotFound, "no %s has %s %q", kind, by, ref)
	case total == 1:
		return found[0], nil
	}
	orgs := make([]string, len(found))
	for i, f := range found {
		orgs[i] = org(f)
	}
	return none, fmt.Errorf("%w: %d %ss are named %q (in organizations %s); pass the %s id instead",
		ErrAmbiguous, total, kind, ref, strings.Join(orgs, ", "), kind)
}

// Backup writes a consistent copy of a SQLite store to the new file path,
// also while servers use the store. A PostgreSQL store is backed up with
// PostgreSQL's own tools (pg_dump, or the cluster's backups). Either way the
// server key must be kept beside the backup: the clusters' DSNs are sealed
// with it.
func (a *Admin) Backup(ctx context.Context, path string) (string, error) {
	sq, ok := a.store.(*store.SQLite)
	if !ok {
		return "", platform.Errorf(platform.InvalidArgument,
			"admin backup copies a SQLite store; back up a PostgreSQL store with pg_dump (or its cluster's backups), and keep the server key with it")
	}
	if err := sq.Backup(ctx, path); err != nil {
		return "", err
	}
	return path, nil
}
