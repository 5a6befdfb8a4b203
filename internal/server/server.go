// Package server is the pgcloud control plane: the HTTP API (routing,
// authentication, authorization, validation, idempotency, rate limits) over
// a durable store (package store). It never imports the client or the
// provider.
package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/pgroles"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// DefaultMachineUserQuota is the per-organization quota when Config leaves it 0.
const DefaultMachineUserQuota = 100

// Config configures a Server (and OpenAdmin).
type Config struct {
	DataDir          string           // the sqlite store lives here unless Store is set
	Store            string           // optional: "sqlite:/path/to/file.db"; "" = DataDir/pgcloud.db
	MachineUserQuota int              // machine users per organization; 0 = DefaultMachineUserQuota
	RateLimit        float64          // requests per second per credential; 0 = unlimited
	RateBurst        int              // bucket size; 0 = twice the rate (at least 1)
	Logger           *slog.Logger     // nil = discard
	Now              func() time.Time // test hook for every business time; nil = time.Now
}

// withDefaults fills the zero values and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.MachineUserQuota == 0 {
		c.MachineUserQuota = DefaultMachineUserQuota
	}
	if c.MachineUserQuota < 0 {
		return c, fmt.Errorf("machine user quota must be 0 or more, got %d", c.MachineUserQuota)
	}
	if c.RateLimit < 0 || c.RateBurst < 0 {
		return c, fmt.Errorf("rate limit and burst must be 0 or more")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Store == "" {
		if c.DataDir == "" {
			return c, fmt.Errorf("set a data directory (or a store)")
		}
		c.Store = "sqlite:" + filepath.Join(c.DataDir, "pgcloud.db")
	}
	return c, nil
}

// Server is the control plane. Its Handler is safe for concurrent use.
type Server struct {
	cfg     Config
	store   store.Store
	log     *slog.Logger
	limiter *rateLimiter
	pg      *pgroles.Manager // connection pools of the clusters (clusters.go)
	handler http.Handler
}

// New opens the store, applies migrations and, on the first start of an
// empty store, bootstraps the default organization and its admin.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: st, log: cfg.Logger, limiter: newRateLimiter(cfg.RateLimit, cfg.RateBurst, cfg.Now)}
	s.pg = pgroles.NewManager()
	if err := s.bootstrap(ctx); err != nil {
		st.Close()
		return nil, err
	}
	s.handler = s.buildHandler()
	return s, nil
}

func (s *Server) now() time.Time { return s.cfg.Now().UTC() }

// Handler is the whole HTTP API.
func (s *Server) Handler() http.Handler { return s.handler }

// Admin gives the operator commands on the server's own store. Closing it
// does not close the server.
func (s *Server) Admin() *Admin {
	return &Admin{store: s.store, now: s.now, owned: false}
}

// Close closes the store. Call it after the HTTP server has shut down.
func (s *Server) Close() error {
	s.pg.Close()
	return s.store.Close()
}
