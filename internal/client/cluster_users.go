package client

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"
)

// ClusterUser is a role of a cluster. The cluster itself is the source of
// truth: System is true for every role the platform did not create, which
// the platform neither changes nor drops; the attributes and memberships
// are read from the cluster's catalogs. Passwords are never returned.
type ClusterUser struct {
	ClusterID       string
	Username        string
	System          bool
	Login           bool
	ConnectionLimit int     // -1: none
	ValidUntil      *string // RFC 3339 in UTC; nil: never
	CreateDB        bool
	MemberOf        []string // sorted
	Rotation        string   // "none" or "alternating"
	ActiveUsername  string   // the role to log in as with the password set last
}

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

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (u *ClusterUser) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "cluster user", u, func(e envelope[clusterUserProps]) ClusterUser {
		p := e.Properties
		if p.MemberOf == nil {
			p.MemberOf = []string{}
		}
		if p.ActiveUsername == "" {
			p.ActiveUsername = p.Username
		}
		return ClusterUser(p)
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

// ClusterUserCreate is a new cluster user. Nil fields take the server's
// defaults (login true, no connection limit, no expiry, no memberships, no
// CREATEDB, no rotation).
type ClusterUserCreate struct {
	Username        string    `json:"username"`
	Password        string    `json:"password"`
	Login           *bool     `json:"login,omitempty"`
	ConnectionLimit *int      `json:"connectionLimit,omitempty"`
	ValidUntil      *string   `json:"validUntil,omitempty"`
	CreateDB        *bool     `json:"createdb,omitempty"`
	MemberOf        *[]string `json:"memberOf,omitempty"`
	Rotation        string    `json:"rotation,omitempty"`
}

// ClusterUserUpdate changes a cluster user; nil fields stay as they are.
// ClearValidUntil removes the expiry (sent as validUntil: null).
type ClusterUserUpdate struct {
	Password        *string
	Login           *bool
	ConnectionLimit *int
	ValidUntil      *string
	ClearValidUntil bool
	CreateDB        *bool
	MemberOf        *[]string
}

// IsEmpty reports whether u changes nothing.
func (u ClusterUserUpdate) IsEmpty() bool {
	return u.Password == nil && u.Login == nil && u.ConnectionLimit == nil && u.ValidUntil == nil && !u.ClearValidUntil &&
		u.CreateDB == nil && u.MemberOf == nil
}

// MarshalJSON sends only what changes.
func (u ClusterUserUpdate) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	if u.Password != nil {
		m["password"] = *u.Password
	}
	if u.Login != nil {
		m["login"] = *u.Login
	}
	if u.ConnectionLimit != nil {
		m["connectionLimit"] = *u.ConnectionLimit
	}
	if u.ValidUntil != nil {
		m["validUntil"] = *u.ValidUntil
	} else if u.ClearValidUntil {
		m["validUntil"] = nil
	}
	if u.CreateDB != nil {
		m["createdb"] = *u.CreateDB
	}
	if u.MemberOf != nil {
		m["memberOf"] = *u.MemberOf
	}
	return json.Marshal(m)
}

// CreateClusterUser creates a login role (two, for an alternating user) in
// the cluster, with its attributes and memberships, in one transaction. The
// server passes PostgreSQL only a SCRAM-SHA-256 verifier of the password.
// Like every create it sends one Idempotency-Key, reused by its retries.
func (c *Client) CreateClusterUser(ctx context.Context, clusterID string, in ClusterUserCreate) (*ClusterUser, error) {
	return createOne[ClusterUser](ctx, c, in, "clusters", clusterID, "users")
}

// UpdateClusterUser changes a cluster user in one transaction and returns
// it as it is afterwards. A new password of an alternating user goes to its
// inactive role, which becomes ActiveUsername.
func (c *Client) UpdateClusterUser(ctx context.Context, clusterID, username string, in ClusterUserUpdate) (*ClusterUser, error) {
	return updateOne[ClusterUser](ctx, c, in, "clusters", clusterID, "users", username)
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
