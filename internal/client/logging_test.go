package client

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoggerNeverReceivesKey(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		// A hostile server echoes the credential everywhere it can.
		w.Header().Set("X-Request-Id", "id-"+strconv.Itoa(int(n.Add(1))))
		switch r.URL.Path {
		case "/api/v1/whoami":
			if n.Load()%2 == 1 {
				writeError(w, 503, "UNAVAILABLE", "echo "+r.Header.Get("Authorization"), "r")
				return
			}
			writeRaw(w, 200, `{"type":"whoami","user":{"type":"user","id":"u"},"organization":{"type":"organization","id":"o"},"roleBindings":[]}`)
		case "/api/v1/organizations/o/machine-users":
			writeError(w, 401, "UNAUTHENTICATED", "bad key "+r.Header.Get("Authorization"), "r",
				FieldMessage{Field: "Authorization", Message: "got " + r.Header.Get("Authorization")})
		default:
			w.Header().Set("X-Request-Id", r.Header.Get("Authorization"))
			w.WriteHeader(500)
			_, _ = io.WriteString(w, "boom "+r.Header.Get("Authorization"))
		}
	})
	c, log := newTestClient(t, srv.URL)
	ctx := context.Background()
	var errs []error
	_, err := c.WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateMachineUser(ctx, "o", MachineUserCreate{Username: "ci", Description: testKey})
	errs = append(errs, err)
	_, err = c.GetOrganization(ctx, "o")
	errs = append(errs, err)
	ctx2, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	srv503 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "5")
		writeError(w, 503, "UNAVAILABLE", "echo "+r.Header.Get("Authorization"), "r")
	})
	c503, log503 := newTestClient(t, srv503.URL)
	_, err = c503.WhoAmI(ctx2)
	errs = append(errs, err)

	text := log.text() + log503.text()
	if len(log.all()) < 4 {
		t.Fatalf("too few log entries: %s", text)
	}
	// The whole key, its secret part, and the header itself (the server echoed
	// "Bearer <key>"; only the redacted form may appear).
	for _, secret := range []string{testKey, "0123456789abcdefghijABCDEFGHIJklmnopqrst", "Bearer pgc_"} {
		if strings.Contains(text, secret) {
			t.Fatalf("log contains %q:\n%s", secret, text)
		}
	}
	for _, e := range log.all() {
		for k := range e.Fields {
			if strings.Contains(strings.ToLower(k), "auth") || strings.Contains(strings.ToLower(k), "key") && k != "idempotency_key" {
				t.Fatalf("suspicious field %q", k)
			}
		}
	}
	// The server's echoes are not repeated in errors either.
	for _, err := range errs {
		if err == nil || strings.Contains(err.Error(), testKey) {
			t.Fatalf("error leaks key or is nil: %v", err)
		}
	}
}

// Following a redirect is a second attempt in the debug log, not a retry.
func TestRedirectIsNoRetry(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/organizations/old" {
			http.Redirect(w, r, "/api/v1/organizations/org-1", http.StatusTemporaryRedirect)
			return
		}
		writeRaw(w, 200, orgJSON)
	})
	c, log := newTestClient(t, srv.URL)
	if _, err := c.GetOrganization(context.Background(), "old"); err != nil {
		t.Fatal(err)
	}
	if w, d := log.byLevel("WARN"), log.byLevel("DEBUG"); len(w) != 0 || len(d) != 2 {
		t.Fatalf("logs: %s", log.text())
	}
}

// Passwords travel in request bodies only, which the client never logs.
func TestLoggerNeverReceivesPasswords(t *testing.T) {
	const password = "s3cret-password-1"
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			writeRaw(w, 201, `{"type":"cluster-user","id":"app","properties":{"clusterId":"cl","username":"app"}}`)
			return
		case http.MethodPatch:
			writeRaw(w, 200, `{"type":"cluster-user","id":"app","properties":{"clusterId":"cl","username":"app"}}`)
			return
		}
		w.WriteHeader(204)
	})
	c, log := newTestClient(t, srv.URL)
	ctx := context.Background()
	if _, err := c.CreateClusterUser(ctx, "cl", ClusterUserCreate{Username: "app", Password: password}); err != nil {
		t.Fatal(err)
	}
	newPassword := password + "2"
	if _, err := c.UpdateClusterUser(ctx, "cl", "app", ClusterUserUpdate{Password: &newPassword}); err != nil {
		t.Fatal(err)
	}
	if text := log.text(); len(log.all()) != 2 || strings.Contains(text, password) {
		t.Fatalf("logs: %s", text)
	}
}
