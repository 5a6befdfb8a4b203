package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/pgroles"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Clusters are PostgreSQL servers that the platform operator registers in a
// project (Admin.AddCluster, `pgcloud-server admin cluster add`). The API
// reads them; their DSN is never returned, logged, or put in an error.

type clusterProps struct {
	Name            string `json:"name"`
	ProjectID       string `json:"projectId"`
	OrganizationID  string `json:"organizationId"`
	PostgresVersion string `json:"postgresVersion"`
}

func clusterHref(id string) string { return apiPrefix + "/clusters/" + pathID(id) }

func clusterEnvelope(c store.Cluster) envelope {
	return envelope{Type: "cluster", ID: c.ID, Href: clusterHref(c.ID), Metadata: metadata(c.Meta, c.OrganizationID),
		Properties: clusterProps{Name: c.Name, ProjectID: c.ProjectID, OrganizationID: c.OrganizationID, PostgresVersion: c.PostgresVersion}}
}

func clusterNotFound(id string) *apiError {
	return errNotFound("cluster %q not found", id)
}

// callerProject returns the project when it is in the caller's organization;
// a project of another organization is reported exactly like a missing one.
func (s *Server) callerProject(ctx context.Context, c *caller, id string) (store.Project, *apiError) {
	p, err := s.store.GetProject(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.OrganizationID != c.user.OrganizationID) {
		return store.Project{}, errNotFound("project %q not found", id)
	} else if err != nil {
		return store.Project{}, s.internal(ctx, "get project", err)
	}
	return p, nil
}

// callerCluster returns the cluster id when it is in the caller's
// organization (else 404) and the caller may read it (else 403).
func (s *Server) callerCluster(ctx context.Context, c *caller, id string) (store.Cluster, *apiError) {
	cl, err := s.store.GetCluster(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && cl.OrganizationID != c.user.OrganizationID) {
		return store.Cluster{}, clusterNotFound(id)
	} else if err != nil {
		return store.Cluster{}, s.internal(ctx, "get cluster", err)
	}
	if e := requireClusterRead(c, cl.OrganizationID, cl.ProjectID, "reading cluster "+fmt.Sprintf("%q", cl.Name)); e != nil {
		return store.Cluster{}, e
	}
	return cl, nil
}

func (s *Server) listClusters(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	ctx := r.Context()
	p, e := s.callerProject(ctx, c, r.PathValue("project"))
	if e != nil {
		return e
	}
	if e := requireClusterRead(c, p.OrganizationID, p.ID, fmt.Sprintf("listing the clusters of project %q", p.Name)); e != nil {
		return e
	}
	page, e := parsePage(r)
	if e != nil {
		return e
	}
	filters := url.Values{}
	name := r.URL.Query().Get("name")
	if name != "" {
		filters.Set("name", name)
	}
	items, total, err := s.store.ListClusters(ctx, store.ClusterFilter{ProjectID: p.ID, Name: name}, page)
	if err != nil {
		return s.internal(ctx, "list clusters", err)
	}
	out := make([]envelope, len(items))
	for i, cl := range items {
		out[i] = clusterEnvelope(cl)
	}
	writeJSON(w, http.StatusOK, newCollection(apiPrefix+"/projects/"+pathID(p.ID)+"/clusters", filters, page, total, out))
	return nil
}

func (s *Server) getCluster(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	cl, e := s.callerCluster(r.Context(), c, r.PathValue("cluster"))
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, clusterEnvelope(cl))
	return nil
}

// AddCluster registers the PostgreSQL at dsn as a cluster named name of
// project (an id, or a name unique across organizations). It first connects
// and checks that the DSN's role may manage roles (CREATEROLE or superuser);
// the server version it reports is recorded. Names are unique per project.
// No error repeats the DSN.
func (a *Admin) AddCluster(ctx context.Context, project, name, dsn string) (string, error) {
	if err := checkObjectName("cluster", name); err != nil {
		return "", err
	}
	if dsn == "" {
		return "", invalid("the DSN must not be empty (the connection string of a role with CREATEROLE)")
	}
	p, err := a.resolveProject(ctx, a.store, project)
	if err != nil {
		return "", err
	}
	if _, total, err := a.store.ListClusters(ctx, store.ClusterFilter{ProjectID: p.ID, Name: name}, store.Page{Limit: 1}); err != nil {
		return "", err
	} else if total > 0 {
		return "", fmt.Errorf("%w: project %q already has a cluster named %q", ErrAlreadyExists, p.Name, name)
	}
	version, err := pgroles.Check(ctx, dsn)
	if err != nil {
		if errors.Is(err, pgroles.ErrInvalidDSN) || errors.Is(err, pgroles.ErrNotPermitted) {
			return "", fmt.Errorf("%w: cannot register cluster %q: %v", ErrInvalid, name, err)
		}
		return "", fmt.Errorf("cannot register cluster %q: %v", name, err)
	}
	cl := store.Cluster{ID: uuid.NewString(), ProjectID: p.ID, Name: name, DSN: dsn, PostgresVersion: version,
		Meta: store.NewMeta(a.now(), systemActor)}
	if err := a.store.CreateCluster(ctx, cl); err != nil {
		return "", conflictOr(err, "project %q already has a cluster named %q", p.Name, name)
	}
	return cl.ID, nil
}
