package server

import (
	"errors"
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/pgroles"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Cluster roles are the NOLOGIN group roles the platform manages in a
// cluster (/clusters/{cluster}/roles): users get privileges through them
// (memberOf), and a DBA grants them privileges on schemas and tables. Like
// cluster users, they live in the cluster only.

type clusterRoleProps struct {
	ClusterID string   `json:"clusterId"`
	Name      string   `json:"name"`
	MemberOf  []string `json:"memberOf"`
}

func clusterRoleHref(clusterID, name string) string {
	return clusterHref(clusterID) + "/roles/" + pathID(name)
}

func clusterRoleEnvelope(clusterID string, r pgroles.Role) envelope {
	memberOf := r.MemberOf
	if memberOf == nil {
		memberOf = []string{}
	}
	return envelope{Type: "cluster-role", ID: r.Name, Href: clusterRoleHref(clusterID, r.Name),
		Properties: clusterRoleProps{ClusterID: clusterID, Name: r.Name, MemberOf: memberOf}}
}

func parseClusterRoleCreate(body []byte) (platform.ClusterRoleCreate, error) {
	return decodeInput(body, []string{"name", "memberOf"}, withForbidden(map[string]string{
		"login":    "is not set on a group role: group roles never log in; create a cluster user (POST /clusters/{cluster}/users) that is a member of it",
		"password": "is not set on a group role: group roles never log in",
	}), func(o *jsonObject, _ *platform.Violations) platform.ClusterRoleCreate {
		return platform.ClusterRoleCreate{Name: o.str("name"), MemberOf: o.strList("memberOf")}
	})
}

func parseClusterRolePatch(body []byte) (platform.ClusterRolePatch, error) {
	return decodeInput(body, []string{"memberOf"}, withForbidden(map[string]string{
		"name":      "cannot be changed: a group role's name is its identity; create a role with the new name and delete this one",
		"clusterId": "cannot be changed: a group role never moves to another cluster",
	}), func(o *jsonObject, _ *platform.Violations) platform.ClusterRolePatch {
		return platform.ClusterRolePatch{MemberOf: o.strList("memberOf")}
	})
}

func (s *Server) listClusterRoles(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	cl, err := s.callerCluster(ctx, c, r.PathValue("cluster"))
	if err != nil {
		return err
	}
	envelopeOf := func(ro pgroles.Role) envelope { return clusterRoleEnvelope(cl.ID, ro) }
	return writeList(w, r, clusterHref(cl.ID)+"/roles", envelopeOf, func(p store.Page, _ *listQuery) ([]pgroles.Role, int, error) {
		return s.platform.ClusterRoles(ctx, cl, p)
	})
}

func (s *Server) getClusterRole(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	cl, err := s.callerCluster(ctx, c, r.PathValue("cluster"))
	if err != nil {
		return err
	}
	ro, err := s.platform.ClusterRole(ctx, cl, r.PathValue("name"))
	return writeFound(w, func(ro pgroles.Role) envelope { return clusterRoleEnvelope(cl.ID, ro) }, ro, err)
}

// createClusterRole honours the Idempotency-Key as createClusterUser does:
// on a best-effort basis, a stored first answer replayed while its role
// exists.
func (s *Server) createClusterRole(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	cl, err := s.managedCluster(r, c, "creating group roles")
	if err != nil {
		return err
	}
	in, idem, err := readCreate(r, c, parseClusterRoleCreate)
	if err != nil {
		return err
	}
	replayed := func() (bool, error) {
		if idem.key == "" {
			return false, nil
		}
		rec, err := s.firstAnswer(ctx, s.store, c, idem)
		if rec == nil || err != nil {
			return false, err
		}
		if _, err := s.platform.ClusterRole(ctx, cl, *in.Name); errors.Is(err, platform.NotFound) {
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
	ro, err := s.platform.CreateClusterRole(ctx, cl, in)
	if errors.Is(err, platform.AlreadyExists) {
		if done, err := replayed(); done || err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	location := clusterRoleHref(cl.ID, ro.Name)
	out, err := marshalJSON(clusterRoleEnvelope(cl.ID, ro))
	if err != nil {
		return err
	}
	if idem.key != "" {
		if err := s.store.InTx(ctx, func(q store.Queries) error {
			return s.keepAnswer(ctx, q, c, idem, http.StatusCreated, location, out)
		}); err != nil {
			s.log.Warn("could not record the idempotency key of a cluster role", "request_id", requestID(ctx),
				"cluster_id", cl.ID, "error", err.Error())
		}
	}
	writeAnswer(w, http.StatusCreated, location, out, false)
	return nil
}

func (s *Server) updateClusterRole(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	cl, err := s.managedCluster(r, c, "changing group roles")
	if err != nil {
		return err
	}
	in, _, err := readInput(r, parseClusterRolePatch)
	if err != nil {
		return err
	}
	ro, err := s.platform.UpdateClusterRole(ctx, cl, r.PathValue("name"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, clusterRoleEnvelope(cl.ID, ro))
	return nil
}

func (s *Server) deleteClusterRole(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	cl, err := s.managedCluster(r, c, "deleting group roles")
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	if err := s.platform.DeleteClusterRole(ctx, cl, name); err != nil {
		return err
	}
	if err := s.store.ForgetIdempotencyRecords(ctx, clusterRoleHref(cl.ID, name)); err != nil {
		s.log.Warn("could not forget the idempotency records of a deleted cluster role", "request_id", requestID(ctx),
			"cluster_id", cl.ID, "error", err.Error())
	}
	return writeDeleted(w, nil)
}
