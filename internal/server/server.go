// Package server is the pgcloud control plane's HTTP API: routes,
// authentication, authorization (authz.go), decoding of request bodies,
// envelopes, idempotency and rate limits. The platform's rules live in
// package platform, which the handlers and the operator's commands (Admin)
// call alike; errors.go maps its refusals to HTTP answers in one place. It
// never imports the client or the provider.
package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/private"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// DefaultMachineUserQuota is the per-organization quota when Config leaves it 0.
const DefaultMachineUserQuota = platform.DefaultMachineUserQuota

// DefaultUnconfirmedKeyLease is how long an unconfirmed access key waits
// for its confirmation when Config leaves it 0.
const DefaultUnconfirmedKeyLease = platform.DefaultUnconfirmedKeyLease

// Bounds of the lifetime of the session tokens of the token exchange.
const (
	DefaultExchangeLifetime = platform.DefaultExchangeLifetime
	MaxExchangeLifetime     = platform.MaxExchangeLifetime
)

// Config configures a Server (and OpenAdmin).
type Config struct {
	DataDir          string  // the sqlite store and the server key live here unless Store and ServerKeyFile are set
	Store            string  // optional: "sqlite:/path/to/file.db"; "" = DataDir/pgcloud.db
	ServerKeyFile    string  // optional: the server key's file; "" = server.key in DataDir (else beside the store), made on first start
	ServerKey        string  // optional: the server key itself, in base64 (from PGCLOUD_SERVER_KEY); wins over ServerKeyFile
	MachineUserQuota int     // machine users per organization; 0 = DefaultMachineUserQuota
	RateLimit        float64 // requests per second per credential; 0 = unlimited
	RateBurst        int     // bucket size; 0 = twice the rate (at least 1)
	// AuthFailureRate and AuthFailureBurst limit the requests whose
	// credential fails, per client address (see authFailures); 0 = the
	// defaults, a negative rate = unlimited.
	AuthFailureRate  float64
	AuthFailureBurst int
	// TrustedProxies are the networks of load balancers whose
	// X-Forwarded-For names the client (see clientAddress).
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger     // nil = discard
	Now            func() time.Time // test hook for every business time; nil = time.Now
	// AllowHTTPIssuers lets federated credentials trust http issuers on
	// loopback (tests, demos); else only https issuers.
	AllowHTTPIssuers bool
	// OIDCAudience is the default audience of federated credentials; ""
	// = the URL the create request reached the server at.
	OIDCAudience string
	// ExchangeLifetime is how long the session token of a token exchange
	// lives; 0 = DefaultExchangeLifetime, at most MaxExchangeLifetime.
	ExchangeLifetime time.Duration
	// PurgeInterval is how often the server deletes expired session tokens
	// and idempotency records; 0 = every 10 minutes. Tests shorten it.
	PurgeInterval time.Duration
	// UnconfirmedKeyLease is how long a key created with
	// requireConfirmation may wait for its confirmation before it is
	// deleted; 0 = 15 minutes.
	UnconfirmedKeyLease time.Duration
}

// withDefaults fills the zero values and checks the rest (the platform's
// settings are checked by platform.New).
func (c Config) withDefaults() (Config, error) {
	if c.RateLimit < 0 || c.RateBurst < 0 {
		return c, fmt.Errorf("rate limit and burst must be 0 or more")
	}
	if c.PurgeInterval < 0 {
		return c, fmt.Errorf("the purge interval must be 0 or more")
	}
	if c.PurgeInterval == 0 {
		c.PurgeInterval = purgeInterval
	}
	if c.ExchangeLifetime == 0 {
		c.ExchangeLifetime = DefaultExchangeLifetime
	}
	if c.ExchangeLifetime < time.Minute || c.ExchangeLifetime > MaxExchangeLifetime {
		return c, fmt.Errorf("the token exchange lifetime must be from 1 minute to %v, got %v", MaxExchangeLifetime, c.ExchangeLifetime)
	}
	if c.AuthFailureBurst < 0 {
		return c, fmt.Errorf("the burst of failed authentications must be 0 or more")
	}
	if c.AuthFailureRate == 0 {
		c.AuthFailureRate, c.AuthFailureBurst = defaultAuthFailureRate, max(c.AuthFailureBurst, defaultAuthFailureBurst)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.DataDir != "" {
		if err := private.Dir(c.DataDir); err != nil {
			return c, fmt.Errorf("data directory: %w", err)
		}
	}
	if c.Store == "" {
		if c.DataDir == "" {
			return c, fmt.Errorf("set a data directory (or a store)")
		}
		c.Store = "sqlite:" + filepath.Join(c.DataDir, "pgcloud.db")
	}
	if c.ServerKeyFile == "" && c.ServerKey == "" {
		path, err := c.besideStore(serverKeyFileName)
		if err != nil {
			return c, err
		}
		c.ServerKeyFile = path
	}
	return c, nil
}

// open fills the defaults of c, opens its store (applying migrations) and
// makes the platform's Service: what a Server and an Admin both stand on.
func (c Config) open(ctx context.Context) (Config, store.Store, *platform.Service, error) {
	c, err := c.withDefaults()
	if err != nil {
		return c, nil, nil, err
	}
	var key []byte
	if c.ServerKey != "" {
		key, err = parseServerKey(c.ServerKey, ServerKeyEnv)
	} else {
		key, err = loadServerKey(c.ServerKeyFile)
	}
	if err != nil {
		return c, nil, nil, err
	}
	svc, err := platform.New(platform.Config{MachineUserQuota: c.MachineUserQuota, Now: c.Now, ServerKey: key,
		UnconfirmedKeyLease: c.UnconfirmedKeyLease, AllowHTTPIssuers: c.AllowHTTPIssuers})
	if err != nil {
		return c, nil, nil, err
	}
	st, err := store.Open(ctx, c.Store)
	if err != nil {
		svc.Close()
		return c, nil, nil, err
	}
	if err := svc.PrepareStore(ctx, st); err != nil {
		svc.Close()
		_ = st.Close()
		return c, nil, nil, err
	}
	return c, st, svc, nil
}

// Server is the control plane. Its Handler is safe for concurrent use.
type Server struct {
	cfg      Config
	store    store.Store
	platform *platform.Service
	log      *slog.Logger
	limiter  *rateLimiter
	// authFailures limits failed authentications per client address.
	authFailures *rateLimiter
	handler      http.Handler
	// oidc verifies the ID tokens of the token exchange (token_exchange.go).
	oidc *oidcVerifiers
	// stopPurge stops the deleting of expired idempotency records and
	// session tokens.
	stopPurge func()
}

// New opens the store, applies migrations and, on the first start of an
// empty store, bootstraps the default organization and its admin.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg, st, svc, err := cfg.open(ctx)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: st, platform: svc, log: cfg.Logger,
		limiter: newRateLimiter(cfg.RateLimit, cfg.RateBurst, svc.Now), oidc: newOIDCVerifiers(), authFailures: newRateLimiter(cfg.AuthFailureRate, cfg.AuthFailureBurst, svc.Now)}
	if err := s.bootstrap(ctx); err != nil {
		_ = s.Close() // err is the one to report
		return nil, err
	}
	s.handler = s.buildHandler()
	s.stopPurge = s.purgeEvery(cfg.PurgeInterval)
	return s, nil
}

// Handler is the whole HTTP API.
func (s *Server) Handler() http.Handler { return s.handler }

// Admin gives the operator commands on the server's own store. Closing it
// does not close the server.
func (s *Server) Admin() *Admin {
	return &Admin{store: s.store, platform: s.platform, owned: false}
}

// Close closes the store and the connections to the clusters. Call it after
// the HTTP server has shut down.
func (s *Server) Close() error {
	if s.stopPurge != nil {
		s.stopPurge()
	}
	s.platform.Close()
	return s.store.Close()
}
