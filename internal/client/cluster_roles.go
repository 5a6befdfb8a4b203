package client

import (
	"context"
	"iter"
)

// ClusterRole is a NOLOGIN group role the platform manages in a cluster:
// users get privileges through it (their MemberOf).
type ClusterRole struct {
	ClusterID string
	Name      string
	MemberOf  []string // sorted
}

type clusterRoleProps struct {
	ClusterID string   `json:"clusterId"`
	Name      string   `json:"name"`
	MemberOf  []string `json:"memberOf"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (r *ClusterRole) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "cluster role", r, func(e envelope[clusterRoleProps]) ClusterRole {
		p := e.Properties
		if p.MemberOf == nil {
			p.MemberOf = []string{}
		}
		return ClusterRole(p)
	})
}

type clusterRoleCreate struct {
	Name     string   `json:"name"`
	MemberOf []string `json:"memberOf"`
}

type clusterRoleUpdate struct {
	MemberOf []string `json:"memberOf"`
}

// EachClusterRole walks the group roles of a cluster, a page at a time.
func (c *Client) EachClusterRole(ctx context.Context, clusterID string) iter.Seq2[ClusterRole, error] {
	return each[ClusterRole](ctx, c, nil, "clusters", clusterID, "roles")
}

// GetClusterRole reads a group role of a cluster.
func (c *Client) GetClusterRole(ctx context.Context, clusterID, name string) (*ClusterRole, error) {
	return getOne[ClusterRole](ctx, c, "clusters", clusterID, "roles", name)
}

// CreateClusterRole creates a group role, a member of memberOf; like every
// create it sends one Idempotency-Key, reused by its retries.
func (c *Client) CreateClusterRole(ctx context.Context, clusterID, name string, memberOf []string) (*ClusterRole, error) {
	if memberOf == nil {
		memberOf = []string{}
	}
	return createOne[ClusterRole](ctx, c, clusterRoleCreate{Name: name, MemberOf: memberOf}, "clusters", clusterID, "roles")
}

// UpdateClusterRole sets the memberships of a group role.
func (c *Client) UpdateClusterRole(ctx context.Context, clusterID, name string, memberOf []string) (*ClusterRole, error) {
	if memberOf == nil {
		memberOf = []string{}
	}
	return updateOne[ClusterRole](ctx, c, clusterRoleUpdate{MemberOf: memberOf}, "clusters", clusterID, "roles", name)
}

// DeleteClusterRole drops a group role; its members lose the membership.
func (c *Client) DeleteClusterRole(ctx context.Context, clusterID, name string) error {
	return deleteOne(ctx, c, "clusters", clusterID, "roles", name)
}
