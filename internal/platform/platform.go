// Package platform is the platform's rules: what may exist, and what each
// operation checks before it changes anything (DESIGN.md, "The platform's
// rules"). The HTTP API (package server) and the operator's admin commands
// (server.Admin) both go through it, so both obey the same validation,
// uniqueness, quotas, membership and last-owner rules.
//
// The shape of the API: one Service; one method per operation, whose body
// reads as the list of that operation's rules, top to bottom. A method takes
// who acts (an Actor, recorded as createdBy/lastModifiedBy), the objects the
// caller has already resolved (the organization, the user, ...) and an input
// struct whose Check method holds the field rules. A method that writes
// takes the transaction it runs in (a store.Queries inside store.Store.InTx;
// store.Tx runs one), so that a caller can commit its own rows with it: the
// API stores the idempotent answer of a create in the same transaction as
// the object.
//
// A refusal is an *Error carrying a Code, the field at fault and a message a
// person can act on; the API maps the code to its HTTP status in one place.
// Any other error is a failure of the machinery, not a refusal.
//
// What is not here, and why:
//   - authorization (who may do what) stays with the API, in
//     server/authz.go: it depends on the caller's credential and role
//     bindings, and on the API's policy of answering 404 rather than 403
//     across organizations. The admin commands bypass it by design: they are
//     for whoever holds the store;
//   - reads that apply no rule (lists, gets) go from the API to the store;
//   - the objects are the store's rows (store.User, store.AccessKey, ...): a
//     second set of structs would only copy their fields.
//
// Messages name the API's fields and paths because that is what a caller
// acts on; the admin commands show the same text.
package platform

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/pgroles"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/seal"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Actor is who does an operation: the id of the user calling the API, or
// System.
type Actor string

// System is the platform itself and its operator (the admin commands).
const System Actor = "system"

// DefaultMachineUserQuota is the per-organization quota when Config leaves it 0.
const DefaultMachineUserQuota = 100

// Config are the settings of the rules.
type Config struct {
	MachineUserQuota int              // machine users per organization; 0 = DefaultMachineUserQuota
	Now              func() time.Time // the clock of every business time; nil = time.Now
	// ServerKey seals what the platform stores but must not store readable
	// (clusters' DSNs). Required, at least MinServerKeyBytes long; every
	// replica and admin command of one store uses the same key.
	ServerKey []byte
	// UnconfirmedKeyLease is how long a key created with
	// requireConfirmation waits for its confirmation before it is deleted;
	// 0 = DefaultUnconfirmedKeyLease.
	UnconfirmedKeyLease time.Duration
	// AllowHTTPIssuers lets federated credentials trust http issuers on
	// loopback addresses (tests and demos); else only https issuers.
	AllowHTTPIssuers bool
}

// MinServerKeyBytes is the shortest server key accepted.
const MinServerKeyBytes = 32

// Service applies the platform's rules. It is safe for concurrent use.
type Service struct {
	machineUserQuota int
	keyLease         time.Duration // UnconfirmedKeyLease
	clock            func() time.Time
	clusters         *pgroles.Manager // connection pools of the clusters
	dsnKey           seal.Key         // seals clusters' DSNs (clusters.go)
	serverKeyCheck   string           // proves which server key a store was set up with (PrepareStore)
	allowHTTPIssuers bool             // see Config.AllowHTTPIssuers
}

// New returns a Service; Close it to close the clusters' connections.
func New(cfg Config) (*Service, error) {
	if cfg.MachineUserQuota == 0 {
		cfg.MachineUserQuota = DefaultMachineUserQuota
	}
	if cfg.MachineUserQuota < 0 {
		return nil, fmt.Errorf("machine user quota must be 0 or more, got %d", cfg.MachineUserQuota)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UnconfirmedKeyLease == 0 {
		cfg.UnconfirmedKeyLease = DefaultUnconfirmedKeyLease
	}
	if cfg.UnconfirmedKeyLease < 0 {
		return nil, fmt.Errorf("the lease of unconfirmed keys must be positive, got %s", cfg.UnconfirmedKeyLease)
	}
	if len(cfg.ServerKey) < MinServerKeyBytes {
		return nil, fmt.Errorf("the server key must be at least %d bytes, got %d", MinServerKeyBytes, len(cfg.ServerKey))
	}
	return &Service{machineUserQuota: cfg.MachineUserQuota, keyLease: cfg.UnconfirmedKeyLease, clock: cfg.Now, clusters: pgroles.NewManager(), allowHTTPIssuers: cfg.AllowHTTPIssuers,
		dsnKey:         seal.Derive(cfg.ServerKey, "pgcloud cluster dsn v1"),
		serverKeyCheck: hex.EncodeToString(seal.Derive(cfg.ServerKey, "pgcloud server key check v1").MAC([]byte("pgcloud"))),
	}, nil
}

// AllowHTTPIssuers reports whether http issuers on loopback are trusted.
func (s *Service) AllowHTTPIssuers() bool { return s.allowHTTPIssuers }

// Close closes the connection pools of the clusters.
func (s *Service) Close() { s.clusters.Close() }

// Now is the Service's clock, in UTC.
func (s *Service) Now() time.Time { return s.clock().UTC() }

// stateServerKeyCheck names the store's record of its server key: an HMAC
// under the key, which proves the key without revealing it.
const stateServerKeyCheck = "server_key_check"

// PrepareStore readies a store for this Service; the server and the admin
// commands call it when they open the store. The first Service to open a
// store records which server key it uses; one with another key is refused,
// since whatever it sealed no other replica could open (each replica with
// its own data directory would otherwise make a key of its own). Then the
// DSNs an older server kept in plain text are sealed (SealStoredDSNs).
func (s *Service) PrepareStore(ctx context.Context, st store.Store) error {
	err := st.InTx(ctx, func(q store.Queries) error {
		recorded, err := q.GetState(ctx, stateServerKeyCheck)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return q.SetState(ctx, stateServerKeyCheck, s.serverKeyCheck)
		case err != nil:
			return err
		case recorded != s.serverKeyCheck:
			return errors.New("this store was set up with another server key: give every replica and admin command of one store " +
				"the same key (copy the first replica's server.key, or point --server-key-file at it)")
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.SealStoredDSNs(ctx, st)
}
