package store

import (
	"context"
)

// ---- clusters ----

func (q queries) CreateCluster(ctx context.Context, c Cluster) error {
	return q.exec(ctx, "INSERT INTO clusters (id, project_id, name, dsn, postgres_version, "+metaCols+
		") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		append([]any{c.ID, c.ProjectID, c.Name, c.DSN, c.PostgresVersion}, metaArgs(c.Meta)...)...)
}

// clusterCols are read from clusters c joined with their project p.
const clusterCols = "c.id, c.project_id, p.organization_id, c.name, c.dsn, c.postgres_version, " +
	"c.created_at, c.created_by, c.updated_at, c.updated_by, c.sequence"

const clusterFrom = " FROM clusters c JOIN projects p ON p.id = c.project_id"

func scanCluster(s scanner) (Cluster, error) {
	var c Cluster
	md, fill := metaScan(&c.Meta)
	if err := s.Scan(append([]any{&c.ID, &c.ProjectID, &c.OrganizationID, &c.Name, &c.DSN, &c.PostgresVersion}, md...)...); err != nil {
		return Cluster{}, mapErr(err)
	}
	fill()
	return c, nil
}

func (q queries) GetCluster(ctx context.Context, id string) (Cluster, error) {
	return scanCluster(q.db.QueryRowContext(ctx, "SELECT "+clusterCols+clusterFrom+" WHERE c.id = ?", id))
}

func (q queries) ListClusters(ctx context.Context, f ClusterFilter, p Page) ([]Cluster, int, error) {
	var w where
	w.add("c.project_id = ?", f.ProjectID)
	w.add("c.name = ?", f.Name)
	var total int
	if err := q.db.QueryRowContext(ctx, "SELECT count(*)"+clusterFrom+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, mapErr(err)
	}
	rows, err := q.db.QueryContext(ctx, "SELECT "+clusterCols+clusterFrom+w.String()+
		" ORDER BY c.created_at, c.id LIMIT ? OFFSET ?", append(w.args, p.Limit, p.Offset)...)
	if err != nil {
		return nil, 0, mapErr(err)
	}
	defer rows.Close()
	items := []Cluster{}
	for rows.Next() {
		c, err := scanCluster(rows)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, c)
	}
	return items, total, mapErr(rows.Err())
}
