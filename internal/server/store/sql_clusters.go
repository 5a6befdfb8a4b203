package store

import "context"

func (q queries) CreateCluster(ctx context.Context, c Cluster) error {
	return q.insert(ctx, "clusters", "id, project_id, name, dsn, postgres_version", c.Meta,
		c.ID, c.ProjectID, c.Name, c.DSN, c.PostgresVersion)
}

// clusterRows reads the clusters with the organization of their project.
var clusterRows = table[Cluster]{from: `(
	SELECT c.id, c.project_id, p.organization_id, c.name, c.dsn, c.postgres_version,
	       c.created_at, c.created_by, c.updated_at, c.updated_by, c.sequence
	  FROM clusters c JOIN projects p ON p.id = c.project_id
) AS clusters_with_organization`,
	cols: "id, project_id, organization_id, name, dsn, postgres_version, " + metaCols,
	scan: func(s scanner) (c Cluster, err error) {
		err = scanRow(s, &c.Meta, &c.ID, &c.ProjectID, &c.OrganizationID, &c.Name, &c.DSN, &c.PostgresVersion)
		return
	}}

func (q queries) GetCluster(ctx context.Context, id string) (Cluster, error) {
	return clusterRows.one(ctx, q, "id = ?", id)
}

func (q queries) ListClusters(ctx context.Context, f ClusterFilter, p Page) ([]Cluster, int, error) {
	var w where
	w.add("project_id = ?", f.ProjectID)
	w.add("name = ?", f.Name)
	return clusterRows.page(ctx, q, w, p)
}

func (q queries) SetClusterDSN(ctx context.Context, id, dsn string) error {
	return q.exec(ctx, "UPDATE clusters SET dsn = ? WHERE id = ?", dsn, id)
}
