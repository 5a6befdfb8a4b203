package store

import "context"

// Clusters: the PostgreSQL servers whose roles the platform manages.

// Cluster is a PostgreSQL registered by the platform operator in a project.
// DSN is a secret: the platform stores it sealed under the server key, uses
// it to connect and never shows it.
type Cluster struct {
	ID              string
	ProjectID       string
	OrganizationID  string // the project's organization (read only: derived from the project)
	Name            string
	DSN             string
	PostgresVersion string
	Meta            Meta
}

// ClusterFilter selects clusters; empty fields match everything.
type ClusterFilter struct {
	ProjectID string
	Name      string
}

// ClusterQueries are the operations on clusters (part of Queries).
type ClusterQueries interface {
	CreateCluster(ctx context.Context, c Cluster) error
	GetCluster(ctx context.Context, id string) (Cluster, error)
	ListClusters(ctx context.Context, f ClusterFilter, p Page) (items []Cluster, total int, err error)
	// SetClusterDSN replaces the stored DSN of cluster id (to seal one that
	// an older server stored in plain text).
	SetClusterDSN(ctx context.Context, id, dsn string) error
}
