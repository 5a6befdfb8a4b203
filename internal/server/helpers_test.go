package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// The tests run the real server (Handler over a real SQLite store in a
// temporary directory) behind httptest.NewServer, and check every response
// against api/openapi.yaml on the way out (see openapi_test.go).

// clock is the Now hook of the tests: it stands still unless advanced.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type env struct {
	t     *testing.T
	dir   string
	store testStore // where the server keeps its data (PGCLOUD_TEST_STORE)
	cfg   Config
	clock *clock
	logs  *syncBuffer
	srv   *Server
	ts    *httptest.Server

	adminKey  string
	adminID   string
	orgID     string
	projectID string

	mu      sync.Mutex
	secrets []string // every key handed out, to prove none reaches the log
}

// newEnv starts a server on a fresh data directory; opts adjust the config.
func newEnv(t *testing.T, opts ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, dir: privateDir(t), clock: newClock(), logs: &syncBuffer{}}
	e.store = newTestStore(t, e.dir)
	e.cfg = Config{DataDir: e.dir, Store: e.store.spec, Now: e.clock.Now,
		Logger: newJSONLogger(e.logs)}
	for _, o := range opts {
		o(&e.cfg)
	}
	e.start()
	raw, err := os.ReadFile(e.dir + "/" + BootstrapKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	e.adminKey = strings.TrimSpace(string(raw))
	e.track(e.adminKey)
	var me struct {
		User         struct{ ID string }
		Organization struct{ ID string }
		RoleBindings []struct{ Scope, ProjectID string }
	}
	e.do("GET", "/api/v1/whoami", e.adminKey, nil).decode(200, &me)
	e.adminID, e.orgID = me.User.ID, me.Organization.ID
	for _, b := range me.RoleBindings {
		if b.Scope == "project" {
			e.projectID = b.ProjectID
		}
	}
	t.Cleanup(func() {
		e.stop()
		logs := e.logs.String()
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, s := range e.secrets {
			if strings.Contains(logs, s) || strings.Contains(logs, secretOf(s)) {
				t.Errorf("the log contains an access key or its secret")
			}
		}
	})
	return e
}

// secretOf is the secret part of an access key or a session token.
func secretOf(key string) string {
	if _, _, secret, ok := platform.ParseCredential(key); ok {
		return secret
	}
	return key
}

func (e *env) track(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.secrets = append(e.secrets, key)
}

func (e *env) start() {
	e.t.Helper()
	srv, err := New(context.Background(), e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv = srv
	e.ts = httptest.NewServer(specValidating(e.t, srv.Handler()))
}

func (e *env) stop() {
	if e.ts != nil {
		e.ts.Close()
		e.ts = nil
	}
	if e.srv != nil {
		if err := e.srv.Close(); err != nil {
			e.t.Error(err)
		}
		e.srv = nil
	}
}

// restart stops the server and starts a new one on the same data directory.
func (e *env) restart() {
	e.t.Helper()
	e.stop()
	e.start()
}

// newKey makes an access key for user (id, email or machine username).
func (e *env) newKey(user string, days int) string {
	e.t.Helper()
	key, err := e.srv.Admin().CreateAccessKey(context.Background(), user, days)
	if err != nil {
		e.t.Fatal(err)
	}
	e.track(key)
	return key
}

// foreignOwner creates organization org with the person email as its
// org_owner, and returns the organization's id and a key of that person.
func (e *env) foreignOwner(org, email string) (orgID, key string) {
	e.t.Helper()
	ctx := context.Background()
	a := e.srv.Admin()
	orgID, err := a.CreateOrganization(ctx, org)
	if err == nil {
		_, err = a.CreateHumanUser(ctx, orgID, email)
	}
	if err == nil {
		_, err = a.BindOrgRole(ctx, email, orgID, platform.RoleOrgOwner)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return orgID, e.newKey(email, 30)
}

// total is the total of the list at path, as admin sees it.
func (e *env) total(path string) int {
	e.t.Helper()
	var all page
	e.do("GET", path, e.adminKey, nil).decode(200, &all)
	return all.Total
}

type resp struct {
	t      *testing.T
	status int
	header http.Header
	body   []byte
}

// do sends a request authenticated with key as Bearer (none when key is "").
// body is sent as is when it is a string or []byte, else as JSON. headers
// are name, value pairs.
func (e *env) do(method, path, key string, body any, headers ...string) *resp {
	e.t.Helper()
	r, err := e.try(method, path, key, body, headers...)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// try is do for other goroutines than the test's: it returns errors
// instead of stopping the test.
func (e *env) try(method, path, key string, body any, headers ...string) (*resp, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		return nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.trySend(req)
}

func (e *env) send(req *http.Request) *resp {
	e.t.Helper()
	r, err := e.trySend(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) trySend(req *http.Request) (*resp, error) {
	res, err := e.ts.Client().Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &resp{t: e.t, status: res.StatusCode, header: res.Header, body: raw}, nil
}

// decode checks the status and decodes the body into v.
func (r *resp) decode(status int, v any) {
	r.t.Helper()
	r.want(status)
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r *resp) want(status int) *resp {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

type errorBody struct {
	HTTPStatus int    `json:"httpStatus"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	Messages   []struct {
		ErrorCode, Message, Field string
	} `json:"messages"`
	RequestID string `json:"requestId"`
}

// wantError checks an error answer: status, code and (when given) the
// fields that messages[] names, in order.
func (r *resp) wantError(status int, code string, fields ...string) errorBody {
	r.t.Helper()
	var e errorBody
	r.decode(status, &e)
	if e.HTTPStatus != status || e.Code != code {
		r.t.Fatalf("error %d %s, want %d %s: %s", e.HTTPStatus, e.Code, status, code, r.body)
	}
	if e.RequestID == "" || e.RequestID != r.header.Get("X-Request-Id") {
		r.t.Fatalf("requestId %q does not match X-Request-Id %q", e.RequestID, r.header.Get("X-Request-Id"))
	}
	if e.Message == "" {
		r.t.Fatalf("error without message: %s", r.body)
	}
	if len(fields) > 0 {
		var got []string
		for _, m := range e.Messages {
			got = append(got, m.Field)
		}
		if strings.Join(got, ",") != strings.Join(fields, ",") {
			r.t.Fatalf("error fields %q, want %q: %s", got, fields, r.body)
		}
	}
	return e
}

// machineUser is the decoded envelope of a machine user.
type machineUser struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Href     string `json:"href"`
	Metadata struct {
		CreatedDate      string `json:"createdDate"`
		CreatedBy        string `json:"createdBy"`
		LastModifiedDate string `json:"lastModifiedDate"`
		LastModifiedBy   string `json:"lastModifiedBy"`
		ResourceOwner    string `json:"resourceOwner"`
		Sequence         int64  `json:"sequence"`
	} `json:"metadata"`
	Properties struct {
		OrganizationID  string `json:"organizationId"`
		Username        string `json:"username"`
		Name            string `json:"name"`
		Description     string `json:"description"`
		Email           string `json:"email"`
		AccessTokenType string `json:"accessTokenType"`
	} `json:"properties"`
}

type page struct {
	Type   string `json:"type"`
	Href   string `json:"href"`
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
	Total  int    `json:"total"`
	Links  struct {
		Prev, Self, Next string
	} `json:"_links"`
	Items []json.RawMessage `json:"items"`
}

func (e *env) machineUsersPath() string { return "/api/v1/organizations/" + e.orgID + "/machine-users" }

// createMachineUser creates one as admin and returns it.
func (e *env) createMachineUser(body map[string]any) machineUser {
	e.t.Helper()
	var mu machineUser
	e.do("POST", e.machineUsersPath(), e.adminKey, body).decode(201, &mu)
	return mu
}

var pageAll = store.Page{Limit: 1000}

func userFilterPeople(orgID string) store.UserFilter {
	return store.UserFilter{OrganizationID: orgID, Type: store.UserTypePerson}
}

func newJSONLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func basicOf(key string) string {
	return base64.StdEncoding.EncodeToString([]byte("user:" + key))
}

// privateDir is a data directory that does not exist yet: the server makes
// it 0700 (t.TempDir's own directories are 0755, which it refuses).
// closeAtEnd closes c when the test ends, and fails the test if that fails.
func closeAtEnd(t *testing.T, c io.Closer) {
	t.Helper()
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close %T: %v", c, err)
		}
	})
}

func privateDir(t *testing.T) string {
	return filepath.Join(t.TempDir(), "data")
}
