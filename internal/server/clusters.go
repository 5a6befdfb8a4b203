package server

import (
	"fmt"
	"net/http"

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

func (s *Server) listClusters(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := s.callerProject(r.Context(), c, r.PathValue("project"))
	if err != nil {
		return err
	}
	if err := requireClusterRead(c, p.OrganizationID, p.ID, fmt.Sprintf("listing the clusters of project %q", p.Name)); err != nil {
		return err
	}
	return writeList(w, r, apiPrefix+"/projects/"+pathID(p.ID)+"/clusters", clusterEnvelope,
		func(page store.Page, q *listQuery) ([]store.Cluster, int, error) {
			return s.store.ListClusters(r.Context(), store.ClusterFilter{ProjectID: p.ID, Name: q.param("name")}, page)
		})
}

func (s *Server) getCluster(w http.ResponseWriter, r *http.Request, c *caller) error {
	cl, err := s.callerCluster(r.Context(), c, r.PathValue("cluster"))
	return writeFound(w, clusterEnvelope, cl, err)
}
