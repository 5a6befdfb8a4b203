package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

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
	return decodeEnvelope(b, "cluster user", u, func(e envelope[clusterUserProps]) ClusterUser {
		return ClusterUser{ClusterID: e.Properties.ClusterID, Username: e.Properties.Username, System: e.Properties.System}
	})
}

// ListClusterUsers lists the users of a cluster (all pages); system users
// only when includeSystem is set.
func (c *Client) ListClusterUsers(ctx context.Context, clusterID string, includeSystem bool) ([]ClusterUser, error) {
	return listAll[ClusterUser](ctx, c, clusterUsersQuery(includeSystem), "clusters", clusterID, "users")
}

// EachClusterUser walks the users of a cluster, system users only when
// includeSystem is set, a page at a time; breaking out of the loop fetches
// no further page.
func (c *Client) EachClusterUser(ctx context.Context, clusterID string, includeSystem bool) iter.Seq2[ClusterUser, error] {
	return each[ClusterUser](ctx, c, clusterUsersQuery(includeSystem), "clusters", clusterID, "users")
}

func clusterUsersQuery(includeSystem bool) url.Values {
	q := url.Values{}
	if includeSystem {
		q.Set("system", "true")
	}
	return q
}

// GetClusterUser reads a user of a cluster, system users included.
func (c *Client) GetClusterUser(ctx context.Context, clusterID, username string) (*ClusterUser, error) {
	return getOne[ClusterUser](ctx, c, "clusters", clusterID, "users", username)
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
	return createOne[ClusterUser](ctx, c, clusterUserCreate{Username: username, Password: password}, "clusters", clusterID, "users")
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
	return deleteOne(ctx, c, "clusters", clusterID, "users", username)
}

// ConnectionTermination is what ending the connections of a cluster user
// did.
type ConnectionTermination struct {
	ClusterID  string
	Username   string
	Terminated int // how many open connections of the user were ended
}

type connectionTerminationProps struct {
	ClusterID  string `json:"clusterId"`
	Username   string `json:"username"`
	Terminated int    `json:"terminated"`
}

// UnmarshalJSON decodes the answer's form; unknown fields are ignored.
func (t *ConnectionTermination) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "connection termination", t, func(e envelope[connectionTerminationProps]) ConnectionTermination {
		return ConnectionTermination(e.Properties)
	})
}

// TerminateClusterUserConnections ends the open PostgreSQL connections of
// a cluster user the platform created (a system user is 409), and returns
// once they are gone. It is sent, as a create is, with one Idempotency-Key
// that its retries reuse: a retry of a lost answer gets the first answer,
// with the count of what the first attempt ended.
func (c *Client) TerminateClusterUserConnections(ctx context.Context, clusterID, username string) (*ConnectionTermination, error) {
	return createOne[ConnectionTermination](ctx, c, nil, "clusters", clusterID, "users", username, "terminate-connections")
}
