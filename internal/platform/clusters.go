package platform

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
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
var reservedClusterUsernames = []string{"postgres", "admin", "standby", pgroles.MarkerRole, pgroles.GroupMarker, pgroles.AlternateMarker}

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
	Username        *string // required
	Password        *string // required; sent to PostgreSQL only as a SCRAM verifier
	Login           *bool   // default true
	ConnectionLimit *float64
	ValidUntil      *Nullable
	MemberOf        *[]string
	CreateDB        *bool
	Rotation        *string // RotationNone (default) or RotationAlternating
}

// Nullable is a member that may be null: Value nil.
type Nullable struct{ Value *string }

// Rotations of a cluster user.
const (
	RotationNone        = "none"
	RotationAlternating = "alternating"
)

// maxMemberOf bounds memberOf: a user in more roles than this is a design
// to rethink, not a list to grow.
const maxMemberOf = 50

// Check adds the field rules the input breaks to v.
func (in ClusterUserCreate) Check(v *Violations) {
	checkRequired(v, "username", in.Username, "is required", checkClusterUsername)
	checkRequired(v, "password", in.Password, "is required", checkClusterPassword)
	checkRoleAttributes(v, in.ConnectionLimit, in.ValidUntil, in.MemberOf)
	if in.Rotation != nil {
		switch *in.Rotation {
		case RotationNone:
		case RotationAlternating:
			if in.Username != nil && len(*in.Username)+len(pgroles.AltSuffix) > maxClusterUsernameBytes {
				v.Add("username", "must be at most %d bytes for an alternating user (its second role is <username>%s), got %d",
					maxClusterUsernameBytes-len(pgroles.AltSuffix), pgroles.AltSuffix, len(*in.Username))
			}
		default:
			v.Add("rotation", "must be %q or %q, got %q", RotationNone, RotationAlternating, *in.Rotation)
		}
	}
}

// checkRoleAttributes: the rules of the attributes a create and a PATCH
// share. Whether a role of memberOf may be granted is the cluster's to say
// (package pgroles), except for PostgreSQL's own roles.
func checkRoleAttributes(v *Violations, limit *float64, until *Nullable, memberOf *[]string) {
	if limit != nil {
		if n := *limit; n != float64(int(n)) || (n != -1 && (n < 1 || n > pgroles.MaxConnectionLimit)) {
			v.Add("connectionLimit", "must be -1 (no limit) or a whole number from 1 to %d, got %v", pgroles.MaxConnectionLimit, n)
		}
	}
	if until != nil && until.Value != nil {
		if _, err := time.Parse(time.RFC3339Nano, *until.Value); err != nil {
			v.Add("validUntil", "must be an RFC 3339 timestamp such as 2030-01-31T00:00:00Z, or null for no expiry; got %q", *until.Value)
		}
	}
	checkMemberOf(v, memberOf)
}

func checkMemberOf(v *Violations, memberOf *[]string) {
	if memberOf == nil {
		return
	}
	if len(*memberOf) > maxMemberOf {
		v.Add("memberOf", "must list at most %d roles, got %d", maxMemberOf, len(*memberOf))
		return
	}
	seen := map[string]bool{}
	for _, name := range *memberOf {
		lower := strings.ToLower(name)
		switch {
		case name == "" || len(name) > maxClusterUsernameBytes || !possibleRoleName(name):
			v.Add("memberOf", "%q is not a valid role name", name)
		case seen[name]:
			v.Add("memberOf", "lists %q twice", name)
		case strings.HasPrefix(lower, "pg_") && !slices.Contains(pgroles.PredefinedRoles, name):
			v.Add("memberOf", "%q is not one of the predefined roles a user may be a member of (%s)",
				name, strings.Join(pgroles.PredefinedRoles, ", "))
		case slices.Contains(reservedClusterUsernames, lower):
			v.Add("memberOf", "%q may not be granted through the API; use a group role the platform manages or one of %s",
				name, strings.Join(pgroles.PredefinedRoles, ", "))
		}
		seen[name] = true
	}
}

// spec is the role in.Check has accepted.
func (in ClusterUserCreate) spec() pgroles.Spec {
	s := pgroles.Spec{Name: *in.Username, Login: true, ConnectionLimit: -1,
		Alternating: in.Rotation != nil && *in.Rotation == RotationAlternating}
	if in.Login != nil {
		s.Login = *in.Login
	}
	if in.ConnectionLimit != nil {
		s.ConnectionLimit = int(*in.ConnectionLimit)
	}
	if in.ValidUntil != nil {
		s.ValidUntil = parseUntil(in.ValidUntil.Value)
	}
	if in.MemberOf != nil {
		s.MemberOf = *in.MemberOf
	}
	if in.CreateDB != nil {
		s.CreateDB = *in.CreateDB
	}
	return s
}

func parseUntil(v *string) *time.Time {
	if v == nil {
		return nil
	}
	t, _ := time.Parse(time.RFC3339Nano, *v) // checked
	return &t
}

// ClusterUserPatch is the input of UpdateClusterUser; nil fields stay as
// they are.
type ClusterUserPatch struct {
	Password        *string
	Login           *bool
	ConnectionLimit *float64
	ValidUntil      *Nullable
	MemberOf        *[]string
	CreateDB        *bool
}

// Check adds the field rules the patch breaks to v. An empty patch is
// reported only when v holds nothing else: a patch that tried to change
// a field that cannot change is told about that field first.
func (in ClusterUserPatch) Check(v *Violations) {
	if in.Password != nil {
		checkClusterPassword(v, "password", *in.Password)
	}
	checkRoleAttributes(v, in.ConnectionLimit, in.ValidUntil, in.MemberOf)
	if in == (ClusterUserPatch{}) && len(*v) == 0 {
		v.Add("password", "is required when nothing else changes: send at least one of password, login, connectionLimit, "+
			"validUntil, memberOf, createdb")
	}
}

func (in ClusterUserPatch) change() pgroles.Change {
	ch := pgroles.Change{Password: in.Password, Login: in.Login, CreateDB: in.CreateDB, MemberOf: in.MemberOf}
	if in.ConnectionLimit != nil {
		n := int(*in.ConnectionLimit)
		ch.ConnectionLimit = &n
	}
	if in.ValidUntil != nil {
		ch.ValidUntil = &pgroles.Expiry{At: parseUntil(in.ValidUntil.Value)}
	}
	return ch
}

// ClusterRoleCreate is the input of CreateClusterRole: a group role.
type ClusterRoleCreate struct {
	Name     *string // required
	MemberOf *[]string
}

// Check adds the field rules the input breaks to v.
func (in ClusterRoleCreate) Check(v *Violations) {
	checkRequired(v, "name", in.Name, "is required", checkClusterUsername)
	checkMemberOf(v, in.MemberOf)
}

// ClusterRolePatch is the input of UpdateClusterRole: its memberships.
type ClusterRolePatch struct {
	MemberOf *[]string // required
}

// Check adds the field rules the patch breaks to v.
func (in ClusterRolePatch) Check(v *Violations) {
	if in.MemberOf == nil {
		if len(*v) == 0 {
			v.Add("memberOf", "is required: PATCH changes only the memberships of a group role")
		}
		return
	}
	checkMemberOf(v, in.MemberOf)
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
	r, err := s.clusters.CreateWith(ctx, pc, in.spec(), *in.Password)
	if err != nil {
		return pgroles.Role{}, clusterError(cl, *in.Username, err)
	}
	return r, nil
}

// UpdateClusterUser changes a user the platform created: its attributes,
// memberships and password (that of the inactive role of an alternating
// user, which becomes the active one), in one transaction in the cluster.
func (s *Service) UpdateClusterUser(ctx context.Context, cl store.Cluster, username string, in ClusterUserPatch) (pgroles.Role, error) {
	if !possibleRoleName(username) {
		return pgroles.Role{}, clusterError(cl, username, pgroles.ErrNotFound)
	}
	if err := check(in); err != nil {
		return pgroles.Role{}, err
	}
	pc, err := s.pgCluster(cl)
	if err != nil {
		return pgroles.Role{}, err
	}
	r, err := s.clusters.Update(ctx, pc, username, in.change())
	if err != nil {
		return pgroles.Role{}, clusterError(cl, username, err)
	}
	return r, nil
}

// ClusterRoles lists one page of the group roles the platform manages in cl.
func (s *Service) ClusterRoles(ctx context.Context, cl store.Cluster, p store.Page) ([]pgroles.Role, int, error) {
	pc, err := s.pgCluster(cl)
	if err != nil {
		return nil, 0, err
	}
	roles, total, err := s.clusters.ListGroups(ctx, pc, p.Limit, p.Offset)
	if err != nil {
		return nil, 0, roleError(cl, "", err)
	}
	return roles, total, nil
}

// ClusterRole returns the group role name of cl.
func (s *Service) ClusterRole(ctx context.Context, cl store.Cluster, name string) (pgroles.Role, error) {
	if !possibleRoleName(name) {
		return pgroles.Role{}, roleError(cl, name, pgroles.ErrNotFound)
	}
	pc, err := s.pgCluster(cl)
	if err != nil {
		return pgroles.Role{}, err
	}
	r, err := s.clusters.GetGroup(ctx, pc, name)
	if err != nil {
		return pgroles.Role{}, roleError(cl, name, err)
	}
	return r, nil
}

// CreateClusterRole creates a NOLOGIN group role in cl, through which users
// get privileges.
func (s *Service) CreateClusterRole(ctx context.Context, cl store.Cluster, in ClusterRoleCreate) (pgroles.Role, error) {
	if err := check(in); err != nil {
		return pgroles.Role{}, err
	}
	pc, err := s.pgCluster(cl)
	if err != nil {
		return pgroles.Role{}, err
	}
	var memberOf []string
	if in.MemberOf != nil {
		memberOf = *in.MemberOf
	}
	r, err := s.clusters.CreateGroup(ctx, pc, *in.Name, memberOf)
	if err != nil {
		return pgroles.Role{}, roleError(cl, *in.Name, err)
	}
	return r, nil
}

// UpdateClusterRole sets the memberships of a group role of cl.
func (s *Service) UpdateClusterRole(ctx context.Context, cl store.Cluster, name string, in ClusterRolePatch) (pgroles.Role, error) {
	if !possibleRoleName(name) {
		return pgroles.Role{}, roleError(cl, name, pgroles.ErrNotFound)
	}
	if err := check(in); err != nil {
		return pgroles.Role{}, err
	}
	pc, err := s.pgCluster(cl)
	if err != nil {
		return pgroles.Role{}, err
	}
	r, err := s.clusters.UpdateGroup(ctx, pc, name, *in.MemberOf)
	if err != nil {
		return pgroles.Role{}, roleError(cl, name, err)
	}
	return r, nil
}

// DeleteClusterRole drops a group role of cl; its members lose the
// membership, and a role that owns objects or holds privileges is left.
func (s *Service) DeleteClusterRole(ctx context.Context, cl store.Cluster, name string) error {
	if !possibleRoleName(name) {
		return roleError(cl, name, pgroles.ErrNotFound)
	}
	pc, err := s.pgCluster(cl)
	if err != nil {
		return err
	}
	if err := s.clusters.DropGroup(ctx, pc, name); err != nil {
		return roleError(cl, name, err)
	}
	return nil
}

// roleError is clusterError for a group role.
func roleError(cl store.Cluster, name string, err error) error {
	switch {
	case errors.Is(err, pgroles.ErrNotFound):
		return Errorf(NotFound, "group role %q not found in cluster %q (a role dropped in the cluster itself is gone from the API too)", name, cl.Name)
	case errors.Is(err, pgroles.ErrAlreadyExists):
		return FieldErrorf(AlreadyExists, "name", "a role named %q already exists in cluster %q; choose another name", name, cl.Name)
	case errors.Is(err, pgroles.ErrReservedName):
		return FieldErrorf(InvalidArgument, "name", "PostgreSQL refuses this name (%s); choose another name",
			strings.TrimPrefix(err.Error(), pgroles.ErrReservedName.Error()+": "))
	}
	return clusterError(cl, name, err)
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
	case errors.Is(err, pgroles.ErrMembership):
		return FieldErrorf(InvalidArgument, "memberOf", "%s", strings.TrimPrefix(err.Error(), pgroles.ErrMembership.Error()+": "))
	case errors.Is(err, pgroles.ErrAlreadyExists) && strings.Contains(err.Error(), "alternating"):
		return FieldErrorf(AlreadyExists, "username", "%s in cluster %q; choose another username",
			strings.TrimPrefix(err.Error(), pgroles.ErrAlreadyExists.Error()+": "), cl.Name)
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
