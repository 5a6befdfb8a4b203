package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/pgroles"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Cluster users are the roles of a cluster (package pgroles does the SQL).
// The cluster is their source of truth: nothing about them is stored here,
// lists read pg_roles every time, and a cluster user has no metadata.

// codeSystemUserImmutable: a role the platform did not create cannot be
// changed or deleted through the API.
const codeSystemUserImmutable = "SYSTEM_USER_IMMUTABLE"

// Rules of cluster users (DESIGN.md, "Clusters and their users").
const (
	maxClusterUsernameBytes = 63 // PostgreSQL's NAMEDATALEN - 1
	minClusterPasswordLen   = 10
	maxClusterPasswordLen   = 63
)

// reservedClusterUsernames cannot be created (compared case-insensitively);
// nor can a name starting with pg_, PostgreSQL's own prefix.
var reservedClusterUsernames = []string{"postgres", "admin", "standby", pgroles.MarkerRole}

type clusterUserProps struct {
	ClusterID string `json:"clusterId"`
	Username  string `json:"username"`
	System    bool   `json:"system"`
}

func clusterUserHref(clusterID, username string) string {
	return clusterHref(clusterID) + "/users/" + url.PathEscape(username)
}

func clusterUserEnvelope(clusterID string, r pgroles.Role) envelope {
	return envelope{Type: "cluster-user", ID: r.Name, Href: clusterUserHref(clusterID, r.Name),
		Properties: clusterUserProps{ClusterID: clusterID, Username: r.Name, System: r.System}}
}

func checkClusterUsername(v *validationErrors, field, s string) {
	lower := strings.ToLower(s)
	switch {
	case s == "":
		v.add(field, "must not be empty")
	case len(s) > maxClusterUsernameBytes:
		v.add(field, "must be at most %d bytes (PostgreSQL's limit for names), got %d", maxClusterUsernameBytes, len(s))
	case strings.ContainsRune(s, 0):
		v.add(field, "must not contain the NUL character")
	case strings.HasPrefix(lower, "pg_"):
		v.add(field, "must not start with pg_ (reserved for PostgreSQL's own roles)")
	case contains(reservedClusterUsernames, lower):
		v.add(field, "%q is reserved; choose another username", s)
	case s == "." || s == "..":
		v.add(field, "must not be %q (it cannot be addressed in a URL path)", s)
	}
}

func checkClusterPassword(v *validationErrors, field, s string) {
	switch n := runeLen(s); {
	case n < minClusterPasswordLen || n > maxClusterPasswordLen:
		v.add(field, "must be %d to %d characters, got %d", minClusterPasswordLen, maxClusterPasswordLen, n)
	case strings.ContainsRune(s, 0):
		v.add(field, "must not contain the NUL character")
	}
}

type clusterUserCreate struct{ Username, Password string }

func parseClusterUserCreate(body []byte) (clusterUserCreate, *apiError) {
	o, e := decodeObject(body)
	if e != nil {
		return clusterUserCreate{}, e
	}
	var v validationErrors
	o.rejectOthers(&v, []string{"username", "password"}, map[string]string{
		"system": "is not set by the caller: users the platform creates are never system users"})
	var in clusterUserCreate
	username, hasUsername := o.str("username")
	password, hasPassword := o.str("password")
	if e := o.typeErr(); e != nil {
		return clusterUserCreate{}, e
	}
	if hasUsername {
		checkClusterUsername(&v, "username", username)
	} else {
		v.add("username", "is required")
	}
	if hasPassword {
		checkClusterPassword(&v, "password", password)
	} else {
		v.add("password", "is required")
	}
	in.Username, in.Password = username, password
	return in, v.err()
}

// parseClusterUserPatch: PATCH changes the password only.
func parseClusterUserPatch(body []byte) (string, *apiError) {
	o, e := decodeObject(body)
	if e != nil {
		return "", e
	}
	var v validationErrors
	o.rejectOthers(&v, []string{"password"}, map[string]string{
		"username":  "cannot be changed: a cluster user's name is its identity; create a user with the new name and delete this one",
		"clusterId": "cannot be changed: a cluster user never moves to another cluster",
		"system":    "cannot be changed: it tells whether the platform created the user",
	})
	password, hasPassword := o.str("password")
	if e := o.typeErr(); e != nil {
		return "", e
	}
	if hasPassword {
		checkClusterPassword(&v, "password", password)
	} else if len(v) == 0 {
		v.add("password", "is required: PATCH changes only the password")
	}
	return password, v.err()
}

// clusterError turns an error of package pgroles into the API's answer. The
// errors of pgroles never contain a DSN or a password, so their text can be
// shown and logged.
func (s *Server) clusterError(ctx context.Context, cl store.Cluster, username string, err error) *apiError {
	switch {
	case errors.Is(err, pgroles.ErrNotFound):
		return errNotFound("user %q not found in cluster %q (a role dropped in the cluster itself is gone from the API too)", username, cl.Name)
	case errors.Is(err, pgroles.ErrAlreadyExists):
		return fieldError(http.StatusConflict, codeAlreadyExists, "username",
			"a role named %q already exists in cluster %q; choose another username", username, cl.Name)
	case errors.Is(err, pgroles.ErrReservedName):
		return fieldError(http.StatusUnprocessableEntity, codeInvalidArgument, "username",
			"PostgreSQL refuses this name (%s); choose another username", strings.TrimPrefix(err.Error(), pgroles.ErrReservedName.Error()+": "))
	case errors.Is(err, pgroles.ErrSystemUser):
		return newError(http.StatusConflict, codeSystemUserImmutable,
			"%q is a system user of cluster %q (the platform did not create it); it can be neither changed nor deleted through the API",
			username, cl.Name)
	case errors.Is(err, pgroles.ErrInUse):
		quoted := pgx.Identifier{username}.Sanitize()
		detail := strings.TrimPrefix(err.Error(), pgroles.ErrInUse.Error()+": ")
		return newError(http.StatusConflict, codeFailedPrecondition,
			"user %q of cluster %q owns objects or holds privileges, so it was left unchanged (%s); "+
				"in each database concerned, reassign or drop what it owns (REASSIGN OWNED BY %s TO <another role>; DROP OWNED BY %s;) "+
				"or revoke its privileges, then delete it again", username, cl.Name, detail, quoted, quoted)
	case errors.Is(err, pgroles.ErrUnavailable):
		s.log.Warn("cluster unavailable", "request_id", requestID(ctx), "cluster_id", cl.ID, "error", err.Error())
		return newError(http.StatusServiceUnavailable, codeUnavailable,
			"cluster %q cannot be reached (%s); retry later, and ask the platform operator to check it if this persists", cl.Name, err.Error())
	case errors.Is(err, pgroles.ErrNotPermitted):
		return newError(http.StatusConflict, codeFailedPrecondition,
			"the platform's role in cluster %q is not allowed to do this (%s); ask the platform operator to grant it CREATEROLE", cl.Name, err.Error())
	default:
		return s.internal(ctx, "cluster "+cl.ID, err)
	}
}

func pgCluster(cl store.Cluster) pgroles.Cluster { return pgroles.Cluster{ID: cl.ID, DSN: cl.DSN} }

func (s *Server) listClusterUsers(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	ctx := r.Context()
	cl, e := s.callerCluster(ctx, c, r.PathValue("cluster"))
	if e != nil {
		return e
	}
	p, e := parsePage(r)
	if e != nil {
		return e
	}
	filters := url.Values{}
	includeSystem := false
	if vals, ok := r.URL.Query()["system"]; ok {
		switch {
		case len(vals) == 1 && vals[0] == "true":
			includeSystem = true
			filters.Set("system", "true")
		case len(vals) == 1 && vals[0] == "false":
		default:
			return fieldError(http.StatusUnprocessableEntity, codeInvalidArgument, "system", "must be true or false, got %q", vals[0])
		}
	}
	roles, total, err := s.pg.List(ctx, pgCluster(cl), includeSystem, p.Limit, p.Offset)
	if err != nil {
		return s.clusterError(ctx, cl, "", err)
	}
	out := make([]envelope, len(roles))
	for i, ro := range roles {
		out[i] = clusterUserEnvelope(cl.ID, ro)
	}
	writeJSON(w, http.StatusOK, newCollection(clusterHref(cl.ID)+"/users", filters, p, total, out))
	return nil
}

func (s *Server) getClusterUser(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	ctx := r.Context()
	cl, e := s.callerCluster(ctx, c, r.PathValue("cluster"))
	if e != nil {
		return e
	}
	username := r.PathValue("username")
	ro, err := s.pg.Get(ctx, pgCluster(cl), username)
	if err != nil {
		return s.clusterError(ctx, cl, username, err)
	}
	writeJSON(w, http.StatusOK, clusterUserEnvelope(cl.ID, ro))
	return nil
}

// createClusterUser creates the role in the cluster. Unlike the store's
// objects, the role cannot be created in the store's transaction, so the
// Idempotency-Key is honoured on a best-effort basis: a stored answer is
// replayed; otherwise the role is created and then the answer is stored.
// A retry that races its own first attempt gets 409 ALREADY_EXISTS, never
// a second role.
func (s *Server) createClusterUser(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	ctx := r.Context()
	cl, e := s.callerCluster(ctx, c, r.PathValue("cluster"))
	if e != nil {
		return e
	}
	if e := requireClusterManage(c, cl.OrganizationID, cl.ProjectID, "creating users of cluster \""+cl.Name+"\""); e != nil {
		return e
	}
	body, e := readBody(r)
	if e != nil {
		return e
	}
	in, e := parseClusterUserCreate(body)
	if e != nil {
		return e
	}
	key := r.Header.Get(idempotencyHeader)
	if _, present := r.Header[idempotencyHeader]; present && (key == "" || len(key) > maxIdempotencyKey || !printableASCII(key)) {
		return fieldError(http.StatusUnprocessableEntity, codeInvalidArgument, idempotencyHeader,
			"must be 1 to %d printable ASCII characters, e.g. a UUID", maxIdempotencyKey)
	}
	sum := sha256.Sum256([]byte(r.Method + "\n" + r.URL.Path + "\n" + string(body)))
	hash := hex.EncodeToString(sum[:])
	if key != "" {
		if done, e := s.replayIdempotent(ctx, w, c, key, hash); done || e != nil {
			return e
		}
	}

	ro, err := s.pg.Create(ctx, pgCluster(cl), in.Username, in.Password)
	if errors.Is(err, pgroles.ErrAlreadyExists) && key != "" {
		// A first attempt with this key may have finished meanwhile.
		if done, e := s.replayIdempotent(ctx, w, c, key, hash); done || e != nil {
			return e
		}
	}
	if err != nil {
		return s.clusterError(ctx, cl, in.Username, err)
	}
	location := clusterUserHref(cl.ID, ro.Name)
	out, err := marshalJSON(clusterUserEnvelope(cl.ID, ro))
	if err != nil {
		return s.internal(ctx, "render cluster user", err)
	}
	if key != "" {
		now := s.now()
		err := s.store.InTx(ctx, func(q store.Queries) error {
			// Any record left under this key has expired (else it was
			// replayed above).
			if err := q.DeleteIdempotencyRecord(ctx, c.user.ID, key); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err := q.DeleteIdempotencyRecordsBefore(ctx, now.Add(-idempotencyTTL)); err != nil {
				return err
			}
			return q.PutIdempotencyRecord(ctx, store.IdempotencyRecord{UserID: c.user.ID, Key: key, RequestHash: hash,
				Status: http.StatusCreated, Location: location, Body: out, CreatedAt: now})
		})
		if err != nil {
			// The role exists: answer 201 all the same; a retry with this
			// key will get 409 instead of a replay.
			s.log.Warn("could not record the idempotency key of a cluster user", "request_id", requestID(ctx),
				"cluster_id", cl.ID, "error", err.Error())
		}
	}
	w.Header().Set("Location", location)
	writeRaw(w, http.StatusCreated, out)
	return nil
}

// replayIdempotent answers with the stored first answer of key when there is
// one (done), or the 422 of a key reused for another request.
func (s *Server) replayIdempotent(ctx context.Context, w http.ResponseWriter, c *caller, key, hash string) (bool, *apiError) {
	rec, err := s.store.GetIdempotencyRecord(ctx, c.user.ID, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, s.internal(ctx, "get idempotency record", err)
	case s.now().Sub(rec.CreatedAt) >= idempotencyTTL:
		return false, nil
	case rec.RequestHash != hash:
		return false, fieldError(http.StatusUnprocessableEntity, codeInvalidArgument, idempotencyHeader,
			"this key was already used for a different request (method, path or body differ); use a new key for a new request")
	}
	if rec.Location != "" {
		w.Header().Set("Location", rec.Location)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	writeRaw(w, rec.Status, rec.Body)
	return true, nil
}

func (s *Server) updateClusterUser(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	ctx := r.Context()
	cl, e := s.callerCluster(ctx, c, r.PathValue("cluster"))
	if e != nil {
		return e
	}
	if e := requireClusterManage(c, cl.OrganizationID, cl.ProjectID, "changing users of cluster \""+cl.Name+"\""); e != nil {
		return e
	}
	body, e := readBody(r)
	if e != nil {
		return e
	}
	password, e := parseClusterUserPatch(body)
	if e != nil {
		return e
	}
	username := r.PathValue("username")
	if err := s.pg.SetPassword(ctx, pgCluster(cl), username, password); err != nil {
		return s.clusterError(ctx, cl, username, err)
	}
	writeJSON(w, http.StatusOK, clusterUserEnvelope(cl.ID, pgroles.Role{Name: username}))
	return nil
}

func (s *Server) deleteClusterUser(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	ctx := r.Context()
	cl, e := s.callerCluster(ctx, c, r.PathValue("cluster"))
	if e != nil {
		return e
	}
	if e := requireClusterManage(c, cl.OrganizationID, cl.ProjectID, "deleting users of cluster \""+cl.Name+"\""); e != nil {
		return e
	}
	username := r.PathValue("username")
	if err := s.pg.Drop(ctx, pgCluster(cl), username); err != nil {
		return s.clusterError(ctx, cl, username, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
