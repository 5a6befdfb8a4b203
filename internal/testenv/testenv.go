// Package testenv starts a real pgcloud-server for the tests of a package: the
// production HTTP handler over a real SQLite store in a temporary data directory,
// listening on a free loopback port. Nothing in it stands in for the platform; it
// only records which requests the server served, so tests can prove that a plan
// refused bad input before anything was written.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server"
)

// Options tune the server a test package runs against.
type Options struct {
	// MachineUserQuota is the per-organization quota; 0 keeps the server default.
	MachineUserQuota int
	// Now replaces the server's clock (for expiry and rotation tests); nil is time.Now.
	Now func() time.Time
	// PurgeInterval is how often the server deletes expired session tokens
	// (and idempotency records), in real time; 0 keeps the server default
	// (10 minutes). Tests that watch a purge shorten it.
	PurgeInterval time.Duration
	// LogTo receives the server's JSON log lines; nil discards them.
	LogTo io.Writer
	// RateLimit is the server's rate limit per credential, in requests per
	// second, and RateBurst its bucket size; 0 leaves the server unlimited
	// (RateBurst 0 with a RateLimit is the server's default burst).
	RateLimit float64
	RateBurst int
	// UnconfirmedKeyLease is how long an access key created with
	// requireConfirmation waits for its confirmation; 0 keeps the server
	// default (15 minutes).
	UnconfirmedKeyLease time.Duration
	// AllowHTTPIssuers lets federated credentials trust an OIDC issuer on
	// loopback (testoidc), as --allow-http-issuers does.
	AllowHTTPIssuers bool
}

// Env is a running server and what a test needs to talk to it.
type Env struct {
	URL       string // http://127.0.0.1:PORT, without /api/v1
	AdminKey  string // key of the bootstrap org_owner machine user "admin"
	OrgID     string // id of organization "default"
	ProjectID string // id of project "default"
	DataDir   string
	Admin     *server.Admin // operator API on the same store

	srv      *server.Server
	http     *http.Server
	listener net.Listener
	requests *requestLog
}

// Start opens a fresh data directory, starts the server on a free port and waits
// until it answers /readyz.
func Start(opts Options) (*Env, error) {
	ctx := context.Background()
	dataDir, err := os.MkdirTemp("", "pgcloud-testenv-")
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if opts.LogTo != nil {
		logger = slog.New(slog.NewJSONHandler(opts.LogTo, nil))
	}
	srv, err := server.New(ctx, server.Config{
		DataDir:             dataDir,
		MachineUserQuota:    opts.MachineUserQuota,
		RateLimit:           opts.RateLimit,
		RateBurst:           opts.RateBurst,
		Logger:              logger,
		Now:                 opts.Now,
		PurgeInterval:       opts.PurgeInterval,
		UnconfirmedKeyLease: opts.UnconfirmedKeyLease,
		AllowHTTPIssuers:    opts.AllowHTTPIssuers,
	})
	if err != nil {
		_ = os.RemoveAll(dataDir)
		return nil, fmt.Errorf("start pgcloud-server: %w", err)
	}
	env := &Env{DataDir: dataDir, srv: srv, Admin: srv.Admin(), requests: &requestLog{}}
	if err := env.listen(); err != nil {
		env.Close()
		return nil, err
	}
	if err := env.discover(ctx); err != nil {
		env.Close()
		return nil, err
	}
	return env, nil
}

func (e *Env) listen() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	e.listener = l
	e.URL = "http://" + l.Addr().String()
	e.http = &http.Server{Handler: e.requests.wrap(e.srv.Handler()), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.http.Serve(l) }()
	return nil
}

// discover reads the bootstrap key the way an operator would (from the data
// directory) and looks up the ids of the default organization and project.
func (e *Env) discover(ctx context.Context) error {
	raw, err := os.ReadFile(filepath.Join(e.DataDir, "bootstrap-access-key"))
	if err != nil {
		return fmt.Errorf("read bootstrap key: %w", err)
	}
	e.AdminKey = strings.TrimSpace(string(raw))
	c := e.Client(e.AdminKey)
	me, err := c.WhoAmI(ctx)
	if err != nil {
		return fmt.Errorf("whoami with the bootstrap key: %w", err)
	}
	e.OrgID = me.Organization.ID
	projects, err := c.ListProjects(ctx, e.OrgID, client.ListProjectsOptions{Name: "default"})
	if err != nil {
		return fmt.Errorf("find the default project: %w", err)
	}
	if len(projects) != 1 {
		return fmt.Errorf("expected one default project, found %d", len(projects))
	}
	e.ProjectID = projects[0].ID
	return nil
}

// Client returns a client of the server that authenticates with key.
func (e *Env) Client(key string) *client.Client {
	c, err := client.New(client.Config{
		Endpoint:       e.URL,
		AccessKey:      key,
		MaxRetries:     2,
		RequestTimeout: 30 * time.Second,
		UserAgent:      "pgcloud-testenv",
	})
	if err != nil {
		// New only fails on a malformed endpoint, which Start built itself.
		panic(err)
	}
	return c
}

// WriteCount is the number of requests other than GET and HEAD that the server
// has served so far; take it before a step and compare after.
func (e *Env) WriteCount() int { return e.requests.writeCount() }

// Writes lists the writes served after mark (a WriteCount taken earlier) as
// "METHOD /path status".
func (e *Env) Writes(since int) []string { return e.requests.writesSince(since) }

// StatusCount is the number of answers with the HTTP status code the server
// has given so far, to any method: StatusCount(429) counts the requests the
// rate limit refused.
func (e *Env) StatusCount(code int) int { return e.requests.statusCount(code) }

// AnswerCount is the number of answers the server has given so far.
func (e *Env) AnswerCount() int { return e.requests.answerCount() }

// Close stops the server and removes its data directory.
func (e *Env) Close() {
	if e.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.http.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = e.http.Close()
		}
	}
	if e.srv != nil {
		_ = e.srv.Close()
	}
	if e.DataDir != "" {
		_ = os.RemoveAll(e.DataDir)
	}
}

// requestLog remembers every write the server served, in order, and how
// many answers of each status it gave.
type requestLog struct {
	mu       sync.Mutex
	writes   []string
	statuses map[int]int
}

// wrap records each answer when its status is sent, before any of it can
// reach the client: recorded after the handler returned, a large answer
// (whose body the client may read in full before that) could be counted
// after the client had moved on, in the count of the test's next step.
func (l *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, record: func(status int) { l.record(r, status) }}
		next.ServeHTTP(rec, r)
		rec.sent(http.StatusOK) // a handler that wrote nothing answered 200
	})
}

func (l *requestLog) record(r *http.Request, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.statuses == nil {
		l.statuses = map[int]int{}
	}
	l.statuses[status]++
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return
	}
	l.writes = append(l.writes, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, status))
}

func (l *requestLog) answerCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.statuses {
		n += c
	}
	return n
}

func (l *requestLog) statusCount(code int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.statuses[code]
}

func (l *requestLog) writeCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.writes)
}

func (l *requestLog) writesSince(mark int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if mark >= len(l.writes) {
		return nil
	}
	return append([]string(nil), l.writes[mark:]...)
}

type statusRecorder struct {
	http.ResponseWriter
	record   func(status int)
	recorded bool
}

// sent records the answer's status, once.
func (r *statusRecorder) sent(status int) {
	if !r.recorded {
		r.recorded = true
		r.record(status)
	}
}

func (r *statusRecorder) WriteHeader(code int) {
	if code >= 200 { // 1xx answers are not the answer
		r.sent(code)
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.sent(http.StatusOK)
	return r.ResponseWriter.Write(b)
}
