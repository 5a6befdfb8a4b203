package platform

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/pgroles"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Clusters are PostgreSQL servers that the operator registers in a project.
// Their users are the cluster's roles (package pgroles does the SQL): the
// cluster is their source of truth, so nothing about them is stored, and a
// role the platform did not create is a system user, which can be neither
// changed nor deleted. A cluster's DSN is a secret: no error or message
// repeats it, and the store keeps it sealed under the server key (see
// sealDSN), bound to the cluster's id.

// AddCluster registers the PostgreSQL at dsn as cluster name of project p.
// It first connects and checks that the DSN's role may manage roles
// (CREATEROLE or superuser); the server version it reports is recorded.
// Names are unique per project. Call it outside a transaction: it waits for
// the cluster.
func (s *Service) AddCluster(ctx context.Context, q store.Queries, by Actor, p store.Project, name, dsn string) (store.Cluster, error) {
	if err := checkOne(checkResourceName, "cluster name", name); err != nil {
		return store.Cluster{}, err
	}
	if dsn == "" {
		return store.Cluster{}, FieldErrorf(InvalidArgument, "dsn",
			"must not be empty (the connection string of a role with CREATEROLE)")
	}
	taken := Errorf(AlreadyExists, "project %q already has a cluster named %q", p.Name, name)
	if _, total, err := q.ListClusters(ctx, store.ClusterFilter{ProjectID: p.ID, Name: name}, store.Page{Limit: 1}); err != nil {
		return store.Cluster{}, fmt.Errorf("check cluster name: %w", err)
	} else if total > 0 {
		return store.Cluster{}, taken
	}
	version, err := pgroles.Check(ctx, dsn)
	switch {
	case errors.Is(err, pgroles.ErrInvalidDSN) || errors.Is(err, pgroles.ErrNotPermitted):
		return store.Cluster{}, Errorf(InvalidArgument, "cannot register cluster %q: %v", name, err)
	case errors.Is(err, pgroles.ErrUnavailable):
		return store.Cluster{}, Errorf(Unavailable, "cannot register cluster %q: %v", name, err)
	case err != nil:
		return store.Cluster{}, fmt.Errorf("cannot register cluster %q: %v", name, err)
	}
	id := uuid.NewString()
	cl := store.Cluster{ID: id, ProjectID: p.ID, OrganizationID: p.OrganizationID, Name: name, DSN: s.sealDSN(id, dsn),
		PostgresVersion: version, Meta: store.NewMeta(s.Now(), string(by))}
	if err := q.CreateCluster(ctx, cl); errors.Is(err, store.ErrConflict) {
		return store.Cluster{}, taken
	} else if err != nil {
		return store.Cluster{}, fmt.Errorf("create cluster: %w", err)
	}
	return cl, nil
}

// Rules of cluster users (DESIGN.md, "Clusters and their users").
const (
	maxClusterUsernameBytes = 63 // PostgreSQL's NAMEDATALEN - 1
	minClusterPasswordLen   = 10
	maxClusterPasswordLen   = 63
)

// reservedClusterUsernames cannot be created (compared case-insensitively);
// nor can a name starting with pg_, PostgreSQL's own prefix.
var reservedClusterUsernames = []string{"postgres", "admin", "standby", pgroles.MarkerRole}

func checkClusterUsername(v *Violations, field, s string) {
	lower := strings.ToLower(s)
	switch {
	case s == "":
		v.Add(field, "must not be empty")
	case len(s) > maxClusterUsernameBytes:
		v.Add(field, "must be at most %d bytes (PostgreSQL's limit for names), got %d", maxClusterUsernameBytes, len(s))
	case strings.ContainsRune(s, 0):
		v.Add(field, "must not contain the NUL character")
	case strings.HasPrefix(lower, "pg_"):
		v.Add(field, "must not start with pg_ (reserved for PostgreSQL's own roles)")
	case slices.Contains(reservedClusterUsernames, lower):
		v.Add(field, "%q is reserved; choose another username", s)
	case s == "." || s == "..":
		v.Add(field, "must not be %q (it cannot be addressed in a URL path)", s)
	}
}

func checkClusterPassword(v *Violations, field, s string) {
	switch n := runeLen(s); {
	case n < minClusterPasswordLen || n > maxClusterPasswordLen:
		v.Add(field, "must be %d to %d characters, got %d", minClusterPasswordLen, maxClusterPasswordLen, n)
	case strings.ContainsRune(s, 0):
		v.Add(field, "must not contain the NUL character")
	}
}

// ClusterUserCreate is the input of CreateClusterUser. A nil field was left
// out by the caller.
type ClusterUserCreate struct {
	Username *string // required
	Password *string // required; sent to PostgreSQL only as a SCRAM verifier
}

// Check adds the field rules the input breaks to v.
func (in ClusterUserCreate) Check(v *Violations) {
	checkRequired(v, "username", in.Username, "is required", checkClusterUsername)
	checkRequired(v, "password", in.Password, "is required", checkClusterPassword)
}

// ClusterUserPatch is the input of UpdateClusterUser: only the password
// changes.
type ClusterUserPatch struct {
	Password *string
}

// Check adds the field rules the patch breaks to v. A missing password is
// reported only when v holds nothing else: a patch that tried to change
// another field is told about that field first.
func (in ClusterUserPatch) Check(v *Violations) {
	if in.Password != nil || len(*v) == 0 {
		checkRequired(v, "password", in.Password, "is required: PATCH changes only the password", checkClusterPassword)
	}
}

// possibleRoleName reports whether a role could be named name: PostgreSQL
// (with the UTF8 encoding every cluster uses) refuses invalid UTF-8 and NUL
// in a query, which would otherwise surface as a failure of the server
// instead of "no such user".
func possibleRoleName(name string) bool {
	return utf8.ValidString(name) && !strings.ContainsRune(name, 0)
}

// sealedDSNPrefix marks a DSN the store keeps sealed; older servers stored
// them as they came, and SealStoredDSNs seals those.
const sealedDSNPrefix = "sealed:v1:"

func (s *Service) sealDSN(clusterID, dsn string) string {
	return sealedDSNPrefix + base64.StdEncoding.EncodeToString(s.dsnKey.Seal([]byte(dsn), []byte(clusterID)))
}

// pgCluster is cl as pgroles connects to it, its DSN opened.
func (s *Service) pgCluster(cl store.Cluster) (pgroles.Cluster, error) {
	dsn := cl.DSN
	if sealed, ok := strings.CutPrefix(cl.DSN, sealedDSNPrefix); ok {
		raw, err := base64.StdEncoding.DecodeString(sealed)
		if err == nil {
			var b []byte
			b, err = s.dsnKey.Open(raw, []byte(cl.ID))
			dsn = string(b)
		}
		if err != nil {
			return pgroles.Cluster{}, fmt.Errorf("open the DSN of cluster %s: %w; was the server started with another server key "+
				"than the one that registered it?", cl.ID, err)
		}
	}
	return pgroles.Cluster{ID: cl.ID, DSN: dsn}, nil
}

// SealStoredDSNs seals the DSNs that a server older than sealing stored in
// plain text, and checks that the server key opens the sealed ones, so that
// a server started with the wrong key says so at once rather than at the
// first request for a cluster. The server and the admin commands call it
// when they open the store; it writes nothing when every DSN is sealed.
func (s *Service) SealStoredDSNs(ctx context.Context, st store.Store) error {
	return st.InTx(ctx, func(q store.Queries) error {
		for offset := 0; ; offset += 100 {
			clusters, total, err := q.ListClusters(ctx, store.ClusterFilter{}, store.Page{Limit: 100, Offset: offset})
			if err != nil {
				return err
			}
			for _, cl := range clusters {
				if !strings.HasPrefix(cl.DSN, sealedDSNPrefix) {
					if err := q.SetClusterDSN(ctx, cl.ID, s.sealDSN(cl.ID, cl.DSN)); err != nil {
						return err
					}
				} else if _, err := s.pgCluster(cl); err != nil {
					return err
				}
			}
			if offset+len(clusters) >= total || len(clusters) == 0 {
				return nil
			}
		}
	})
}

// ClusterUsers lists one page of the users of cl, the system users only
// when asked.
func (s *Service) ClusterUsers(ctx context.Context, cl store.Cluster, includeSystem bool, p store.Page) ([]pgroles.Role, int, error) {
	pc, err := s.pgCluster(cl)
	if err != nil {
		return nil, 0, err
	}
	roles, total, err := s.clusters.List(ctx, pc, includeSystem, p.Limit, p.Offset)
	if err != nil {
		return nil, 0, clusterError(cl, "", err)
	}
	return roles, total, nil
}

// ClusterUser returns the user username of cl.
func (s *Service) ClusterUser(ctx context.Context, cl store.Cluster, username string) (pgroles.Role, error) {
	if !possibleRoleName(username) {
		return pgroles.Role{}, clusterError(cl, username, pgroles.ErrNotFound)
	}
	pc, err := s.pgCluster(cl)
	if err != nil {
		return pgroles.Role{}, err
	}
	r, err := s.clusters.Get(ctx, pc, username)
	if err != nil {
		return pgroles.Role{}, clusterError(cl, username, err)
	}
	return r, nil
}

// CreateClusterUser creates a role of cl that can log in with the password.
func (s *Service) CreateClusterUser(ctx context.Context, cl store.Cluster, in ClusterUserCreate) (pgroles.Role, error) {
	if err := check(in); err != nil {
		return pgroles.Role{}, err
	}
	pc, err := s.pgCluster(cl)
	if err != nil {
		return pgroles.Role{}, err
	}
	r, err := s.clusters.Create(ctx, pc, *in.Username, *in.Password)
	if err != nil {
		return pgroles.Role{}, clusterError(cl, *in.Username, err)
	}
	return r, nil
}

// UpdateClusterUser sets a new password of a user the platform created.
func (s *Service) UpdateClusterUser(ctx context.Context, cl store.Cluster, username string, in ClusterUserPatch) error {
	if !possibleRoleName(username) {
		return clusterError(cl, username, pgroles.ErrNotFound)
	}
	if err := check(in); err != nil {
		return err
	}
	pc, err := s.pgCluster(cl)
	if err != nil {
		return err
	}
	if err := s.clusters.SetPassword(ctx, pc, username, *in.Password); err != nil {
		return clusterError(cl, username, err)
	}
	return nil
}

// DeleteClusterUser drops a user the platform created, unless it still owns
// objects or holds privileges.
func (s *Service) DeleteClusterUser(ctx context.Context, cl store.Cluster, username string) error {
	if !possibleRoleName(username) {
		return clusterError(cl, username, pgroles.ErrNotFound)
	}
	pc, err := s.pgCluster(cl)
	if err != nil {
		return err
	}
	if err := s.clusters.Drop(ctx, pc, username); err != nil {
		return clusterError(cl, username, err)
	}
	return nil
}

// TerminateClusterUserConnections ends the open connections of a user the
// platform created, for when its sessions must not go on (its password was
// just rotated because it leaked, a runaway client): it returns how many it
// ended, and they are gone when it returns. The connections of a system user
// are not the platform's to end.
func (s *Service) TerminateClusterUserConnections(ctx context.Context, cl store.Cluster, username string) (int, error) {
	if !possibleRoleName(username) {
		return 0, clusterError(cl, username, pgroles.ErrNotFound)
	}
	pc, err := s.pgCluster(cl)
	if err != nil {
		return 0, err
	}
	n, err := s.clusters.TerminateConnections(ctx, pc, username)
	switch {
	case errors.Is(err, pgroles.ErrSystemUser):
		return 0, Errorf(SystemUserImmutable,
			"%q is a system user of cluster %q (the platform did not create it); its connections are not the platform's to end", username, cl.Name)
	case errors.Is(err, pgroles.ErrNotPermitted):
		return 0, Errorf(FailedPrecondition,
			"the platform's role in cluster %q may not end the connections of its users (%s); ask the platform operator to grant it", cl.Name, err.Error())
	case err != nil:
		return 0, clusterError(cl, username, err)
	}
	return n, nil
}

// clusterError turns an error of package pgroles about user username of cl
// into the platform's. The errors of pgroles never contain a DSN or a
// password, so their text can be shown.
func clusterError(cl store.Cluster, username string, err error) error {
	switch {
	case errors.Is(err, pgroles.ErrNotFound):
		return Errorf(NotFound, "user %q not found in cluster %q (a role dropped in the cluster itself is gone from the API too)", username, cl.Name)
	case errors.Is(err, pgroles.ErrAlreadyExists):
		return FieldErrorf(AlreadyExists, "username", "a role named %q already exists in cluster %q; choose another username", username, cl.Name)
	case errors.Is(err, pgroles.ErrReservedName):
		return FieldErrorf(InvalidArgument, "username", "PostgreSQL refuses this name (%s); choose another username",
			strings.TrimPrefix(err.Error(), pgroles.ErrReservedName.Error()+": "))
	case errors.Is(err, pgroles.ErrSystemUser):
		return Errorf(SystemUserImmutable,
			"%q is a system user of cluster %q (the platform did not create it); it can be neither changed nor deleted through the API",
			username, cl.Name)
	case errors.Is(err, pgroles.ErrInUse):
		quoted := pgx.Identifier{username}.Sanitize()
		detail := strings.TrimPrefix(err.Error(), pgroles.ErrInUse.Error()+": ")
		return Errorf(FailedPrecondition,
			"user %q of cluster %q owns objects or holds privileges, so it was left unchanged (%s); "+
				"in each database concerned, reassign or drop what it owns (REASSIGN OWNED BY %s TO <another role>; DROP OWNED BY %s;) "+
				"or revoke its privileges, then delete it again", username, cl.Name, detail, quoted, quoted)
	case errors.Is(err, pgroles.ErrUnavailable):
		return Errorf(Unavailable,
			"cluster %q cannot be reached (%s); retry later, and ask the platform operator to check it if this persists", cl.Name, err.Error())
	case errors.Is(err, pgroles.ErrNotPermitted):
		return Errorf(FailedPrecondition,
			"the platform's role in cluster %q is not allowed to do this (%s); ask the platform operator to grant it CREATEROLE", cl.Name, err.Error())
	default:
		return fmt.Errorf("cluster %s: %w", cl.ID, err)
	}
}
