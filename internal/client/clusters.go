package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Cluster is a PostgreSQL registered by the platform operator as a cluster of
// a project. Its connection string never leaves the server.
type Cluster struct {
	ID              string
	Name            string
	ProjectID       string
	OrganizationID  string
	PostgresVersion string
	Metadata        Metadata
}

type clusterProps struct {
	Name            string `json:"name"`
	ProjectID       string `json:"projectId"`
	OrganizationID  string `json:"organizationId"`
	PostgresVersion string `json:"postgresVersion"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (cl *Cluster) UnmarshalJSON(b []byte) error {
	var e envelope[clusterProps]
	if err := json.Unmarshal(b, &e); err != nil {
		return fmt.Errorf("decoding cluster: %w", err)
	}
	p := e.Properties
	*cl = Cluster{ID: e.ID, Name: p.Name, ProjectID: p.ProjectID, OrganizationID: p.OrganizationID,
		PostgresVersion: p.PostgresVersion, Metadata: e.Metadata.model()}
	return nil
}

// ClusterUser is a role of a cluster. The cluster itself is the source of
// truth: System is true for every role the platform did not create, which
// the platform neither changes nor drops. Passwords are never returned.
type ClusterUser struct {
	ClusterID string
	Username  string
	System    bool
}

type clusterUserProps struct {
	ClusterID string `json:"clusterId"`
	Username  string `json:"username"`
	System    bool   `json:"system"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (u *ClusterUser) UnmarshalJSON(b []byte) error {
	var e envelope[clusterUserProps]
	if err := json.Unmarshal(b, &e); err != nil {
		return fmt.Errorf("decoding cluster user: %w", err)
	}
	*u = ClusterUser{ClusterID: e.Properties.ClusterID, Username: e.Properties.Username, System: e.Properties.System}
	return nil
}

// ListClustersOptions filters ListClusters; empty fields match everything.
type ListClustersOptions struct {
	Name string
}

// ListClusters lists the clusters of a project (all pages).
func (c *Client) ListClusters(ctx context.Context, projectID string, opts ListClustersOptions) ([]Cluster, error) {
	p, err := resourcePath("projects", projectID, "clusters")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if opts.Name != "" {
		q.Set("name", opts.Name)
	}
	return listAll[Cluster](ctx, c, p, q)
}

// GetCluster reads a cluster.
func (c *Client) GetCluster(ctx context.Context, clusterID string) (*Cluster, error) {
	p, err := resourcePath("clusters", clusterID)
	if err != nil {
		return nil, err
	}
	var out Cluster
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListClusterUsers lists the users of a cluster (all pages); system users
// only when includeSystem is set.
func (c *Client) ListClusterUsers(ctx context.Context, clusterID string, includeSystem bool) ([]ClusterUser, error) {
	p, err := resourcePath("clusters", clusterID, "users")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if includeSystem {
		q.Set("system", "true")
	}
	return listAll[ClusterUser](ctx, c, p, q)
}

// GetClusterUser reads a user of a cluster, system users included.
func (c *Client) GetClusterUser(ctx context.Context, clusterID, username string) (*ClusterUser, error) {
	p, err := resourcePath("clusters", clusterID, "users", username)
	if err != nil {
		return nil, err
	}
	var out ClusterUser
	if err := c.get(ctx, p, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

type clusterUserCreate struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type clusterUserPasswordUpdate struct {
	Password string `json:"password"`
}

// CreateClusterUser creates a login role in the cluster. The server passes
// PostgreSQL only a SCRAM-SHA-256 verifier of the password. Like every create
// it sends one Idempotency-Key, reused by its retries.
func (c *Client) CreateClusterUser(ctx context.Context, clusterID, username, password string) (*ClusterUser, error) {
	p, err := resourcePath("clusters", clusterID, "users")
	if err != nil {
		return nil, err
	}
	var out ClusterUser
	if err := c.create(ctx, p, clusterUserCreate{Username: username, Password: password}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateClusterUserPassword sets a new password; the password is the only
// thing about a cluster user that can change.
func (c *Client) UpdateClusterUserPassword(ctx context.Context, clusterID, username, password string) error {
	p, err := resourcePath("clusters", clusterID, "users", username)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPatch, p, nil, clusterUserPasswordUpdate{Password: password}, "", nil)
}

// DeleteClusterUser drops the role. A role that still owns objects or holds
// privileges is refused (409 FAILED_PRECONDITION) and left intact.
func (c *Client) DeleteClusterUser(ctx context.Context, clusterID, username string) error {
	p, err := resourcePath("clusters", clusterID, "users", username)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, "", nil)
}
