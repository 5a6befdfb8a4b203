package server

import (
	"errors"
	"maps"
	"net/http"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/pgroles"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Cluster users are the roles of a cluster; the cluster is their source of
// truth (see package platform), so a cluster user has no metadata.

type clusterUserProps struct {
	ClusterID       string   `json:"clusterId"`
	Username        string   `json:"username"`
	System          bool     `json:"system"`
	Login           bool     `json:"login"`
	ConnectionLimit int      `json:"connectionLimit"`
	ValidUntil      *string  `json:"validUntil"`
	CreateDB        bool     `json:"createdb"`
	MemberOf        []string `json:"memberOf"`
	Rotation        string   `json:"rotation"`
	ActiveUsername  string   `json:"activeUsername"`
}

func clusterUserHref(clusterID, username string) string {
	return clusterHref(clusterID) + "/users/" + pathID(username)
}

func formatUntil(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

func clusterUserEnvelope(clusterID string, r pgroles.Role) envelope {
	rotation := platform.RotationNone
	if r.Alternating {
		rotation = platform.RotationAlternating
	}
	memberOf := r.MemberOf
	if memberOf == nil {
		memberOf = []string{}
	}
	active := r.Active
	if active == "" {
		active = r.Name
	}
	return envelope{Type: "cluster-user", ID: r.Name, Href: clusterUserHref(clusterID, r.Name),
		Properties: clusterUserProps{ClusterID: clusterID, Username: r.Name, System: r.System, Login: r.Login,
			ConnectionLimit: r.ConnectionLimit, ValidUntil: formatUntil(r.ValidUntil), CreateDB: r.CreateDB, MemberOf: memberOf,
			Rotation: rotation, ActiveUsername: active}}
}

// forbiddenRoleAttributes are never set through the API: 422 naming them.
var forbiddenRoleAttributes = map[string]string{
	"superuser":   "is never granted through the API: a superuser could take over the cluster and the platform's own role",
	"createrole":  "is never granted through the API: it would let the user create and change roles outside the platform",
	"replication": "is never granted through the API: replication connections bypass the users' privileges",
	"bypassrls":   "is never granted through the API: it would bypass every row-level security policy",
}

func withForbidden(special map[string]string) map[string]string {
	out := maps.Clone(special)
	maps.Copy(out, forbiddenRoleAttributes)
	return out
}

func parseClusterUserCreate(body []byte) (platform.ClusterUserCreate, error) {
	return decodeInput(body, []string{"username", "password", "login", "connectionLimit", "validUntil", "memberOf", "createdb", "rotation"},
		withForbidden(map[string]string{
			"system":         "is not set by the caller: users the platform creates are never system users",
			"activeUsername": "is not set by the caller: it is the username of an alternating user, and changes with each new password",
		}),
		func(o *jsonObject, _ *platform.Violations) platform.ClusterUserCreate {
			return platform.ClusterUserCreate{Username: o.str("username"), Password: o.str("password"), Login: o.boolean("login"),
				ConnectionLimit: o.number("connectionLimit"), ValidUntil: o.nullableStr("validUntil"), MemberOf: o.strList("memberOf"),
				CreateDB: o.boolean("createdb"), Rotation: o.str("rotation")}
		})
}

// parseClusterUserPatch: PATCH changes the password, the attributes and the
// memberships.
func parseClusterUserPatch(body []byte) (platform.ClusterUserPatch, error) {
	return decodeInput(body, []string{"password", "login", "connectionLimit", "validUntil", "memberOf", "createdb"}, withForbidden(map[string]string{
		"username":       "cannot be changed: a cluster user's name is its identity; create a user with the new name and delete this one",
		"clusterId":      "cannot be changed: a cluster user never moves to another cluster",
		"system":         "cannot be changed: it tells whether the platform created the user",
		"rotation":       "cannot be changed: create a user with the other rotation and move the clients to it",
		"activeUsername": "cannot be set: a new password makes the other role of an alternating user the active one",
	}), func(o *jsonObject, _ *platform.Violations) platform.ClusterUserPatch {
		return platform.ClusterUserPatch{Password: o.str("password"), Login: o.boolean("login"),
			ConnectionLimit: o.number("connectionLimit"), ValidUntil: o.nullableStr("validUntil"), MemberOf: o.strList("memberOf"),
			CreateDB: o.boolean("createdb")}
	})
}

func (s *Server) listClusterUsers(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	cl, err := s.callerCluster(ctx, c, r.PathValue("cluster"))
	if err != nil {
		return err
	}
	envelopeOf := func(ro pgroles.Role) envelope { return clusterUserEnvelope(cl.ID, ro) }
	return writeList(w, r, clusterHref(cl.ID)+"/users", envelopeOf, func(p store.Page, q *listQuery) ([]pgroles.Role, int, error) {
		includeSystem := false
		if vals, ok := q.values("system"); ok {
			switch {
			case len(vals) == 1 && vals[0] == "true":
				includeSystem = true
				q.keep("system", "true")
			case len(vals) == 1 && vals[0] == "false":
			default:
				return nil, 0, platform.FieldErrorf(platform.InvalidArgument, "system", "must be true or false, got %q", vals[0])
			}
		}
		return s.platform.ClusterUsers(ctx, cl, includeSystem, p)
	})
}

func (s *Server) getClusterUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	cl, err := s.callerCluster(ctx, c, r.PathValue("cluster"))
	if err != nil {
		return err
	}
	ro, err := s.platform.ClusterUser(ctx, cl, r.PathValue("username"))
	return writeFound(w, func(ro pgroles.Role) envelope { return clusterUserEnvelope(cl.ID, ro) }, ro, err)
}

// createClusterUser creates the role in the cluster. Unlike the store's
// objects, the role cannot be created in the store's transaction, so the
// Idempotency-Key is honoured on a best-effort basis: a stored answer is
// replayed; otherwise the role is created and then the answer is stored.
// A retry that races its own first attempt gets 409 ALREADY_EXISTS, never
// a second role.
func (s *Server) createClusterUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	cl, err := s.managedCluster(r, c, "creating users")
	if err != nil {
		return err
	}
	in, idem, err := readCreate(r, c, parseClusterUserCreate)
	if err != nil {
		return err
	}
	// replayed answers with the first answer of the key, if there is one
	// and its role still exists. The cluster is the source of truth, and a
	// role can be dropped in it without the API (DROP ROLE): the first
	// answer then tells of a user that is gone, so it is forgotten and the
	// user is created anew rather than reported done.
	replayed := func() (bool, error) {
		if idem.key == "" {
			return false, nil
		}
		rec, err := s.firstAnswer(ctx, s.store, c, idem)
		if rec == nil || err != nil {
			return false, err
		}
		if _, err := s.platform.ClusterUser(ctx, cl, *in.Username); errors.Is(err, platform.NotFound) {
			return false, s.store.ForgetIdempotencyRecords(ctx, rec.location)
		} else if err != nil {
			return false, err
		}
		writeReplay(w, rec)
		return true, nil
	}
	if done, err := replayed(); done || err != nil {
		return err
	}
	ro, err := s.platform.CreateClusterUser(ctx, cl, in)
	if errors.Is(err, platform.AlreadyExists) {
		// A first attempt with this key may have finished meanwhile.
		if done, err := replayed(); done || err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	location := clusterUserHref(cl.ID, ro.Name)
	out, err := marshalJSON(clusterUserEnvelope(cl.ID, ro))
	if err != nil {
		return err
	}
	if idem.key != "" {
		err := s.store.InTx(ctx, func(q store.Queries) error {
			return s.keepAnswer(ctx, q, c, idem, http.StatusCreated, location, out)
		})
		if err != nil {
			// The role exists: answer 201 all the same; a retry with this
			// key will get 409 instead of a replay.
			s.log.Warn("could not record the idempotency key of a cluster user", "request_id", requestID(ctx),
				"cluster_id", cl.ID, "error", err.Error())
		}
	}
	writeAnswer(w, http.StatusCreated, location, out, false)
	return nil
}

func (s *Server) updateClusterUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	cl, err := s.managedCluster(r, c, "changing users")
	if err != nil {
		return err
	}
	in, _, err := readInput(r, parseClusterUserPatch)
	if err != nil {
		return err
	}
	ro, err := s.platform.UpdateClusterUser(ctx, cl, r.PathValue("username"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, clusterUserEnvelope(cl.ID, ro))
	return nil
}

func (s *Server) deleteClusterUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	cl, err := s.managedCluster(r, c, "deleting users")
	if err != nil {
		return err
	}
	username := r.PathValue("username")
	if err := s.platform.DeleteClusterUser(ctx, cl, username); err != nil {
		return err
	}
	// The role is gone whatever happens next; should forgetting its create
	// fail, a retry of that create would answer 201 for a user that no
	// longer exists, so it is logged.
	if err := s.store.ForgetIdempotencyRecords(ctx, clusterUserHref(cl.ID, username)); err != nil {
		s.log.Warn("could not forget the idempotency records of a deleted cluster user", "request_id", requestID(ctx),
			"cluster_id", cl.ID, "error", err.Error())
	}
	return writeDeleted(w, nil)
}

type connectionTerminationProps struct {
	ClusterID  string `json:"clusterId"`
	Username   string `json:"username"`
	Terminated int    `json:"terminated"`
}

// terminateClusterUserConnections ends the open PostgreSQL connections of a
// cluster user the platform created (POST .../terminate-connections), for
// whoever may change that user. Repeating it is harmless (it ends only the
// connections opened since), and an Idempotency-Key is honoured as for a
// cluster user's create, on a best-effort basis: a stored first answer is
// replayed, so a client's retry of a lost answer reports the connections
// the first attempt ended rather than none.
func (s *Server) terminateClusterUserConnections(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	cl, err := s.managedCluster(r, c, "ending the connections of users")
	if err != nil {
		return err
	}
	body, err := readNoInput(r)
	if err != nil {
		return err
	}
	idem, err := readIdempotency(r, c, body)
	if err != nil {
		return err
	}
	if idem.key != "" {
		rec, err := s.firstAnswer(ctx, s.store, c, idem)
		if err != nil {
			return err
		}
		if rec != nil {
			writeAnswer(w, rec.status, "", rec.body, true)
			return nil
		}
	}
	username := r.PathValue("username")
	n, err := s.platform.TerminateClusterUserConnections(ctx, cl, username)
	if err != nil {
		return err
	}
	// Below the user's href, so that deleting the user forgets it too.
	href := clusterUserHref(cl.ID, username) + "/terminate-connections"
	out, err := marshalJSON(operationResult{Type: "connection-termination", Href: href,
		Properties: connectionTerminationProps{ClusterID: cl.ID, Username: username, Terminated: n}})
	if err != nil {
		return err
	}
	if idem.key != "" {
		if err := s.store.InTx(ctx, func(q store.Queries) error {
			return s.keepAnswer(ctx, q, c, idem, http.StatusOK, href, out)
		}); err != nil {
			// The connections are ended whatever happens to the record; a
			// retry with this key ends those opened since, and counts them.
			s.log.Warn("could not record the idempotency key of a connection termination", "request_id", requestID(ctx),
				"cluster_id", cl.ID, "error", err.Error())
		}
	}
	writeAnswer(w, http.StatusOK, "", out, false)
	return nil
}
