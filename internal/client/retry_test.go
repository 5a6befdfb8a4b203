package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestRetry503Then200(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeError(w, 503, "UNAVAILABLE", "try again", "req-1")
			return
		}
		writeRaw(w, 200, orgJSON)
	})
	c, log := newTestClient(t, srv.URL)
	org, err := c.GetOrganization(context.Background(), "org-1")
	if err != nil {
		t.Fatalf("GetOrganization: %v", err)
	}
	if org.Name != "default" || n.Load() != 2 {
		t.Fatalf("org %+v after %d attempts", org, n.Load())
	}
	warns := log.byLevel("WARN")
	if len(warns) != 1 || warns[0].Fields["attempt"] != 2 || warns[0].Fields["previous"] != "status 503" {
		t.Fatalf("want one retry warning for attempt 2, got %+v", warns)
	}
	debugs := log.byLevel("DEBUG")
	if len(debugs) != 2 {
		t.Fatalf("want a debug entry per attempt, got %+v", debugs)
	}
	last := debugs[1].Fields
	if last["method"] != "GET" || last["path"] != "/api/v1/organizations/org-1" || last["status"] != 200 || last["attempt"] != 2 {
		t.Fatalf("debug fields: %+v", last)
	}
	if _, ok := last["duration_ms"]; !ok {
		t.Fatalf("no duration in %+v", last)
	}
	if debugs[0].Fields["request_id"] != "req-1" {
		t.Fatalf("request id not logged: %+v", debugs[0].Fields)
	}
}

func TestRetryOn429And502And504(t *testing.T) {
	for _, status := range []int{429, 502, 504} {
		var n atomic.Int32
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.WriteHeader(status)
				return
			}
			writeRaw(w, 200, orgJSON)
		})
		c, _ := newTestClient(t, srv.URL)
		if _, err := c.GetOrganization(context.Background(), "org-1"); err != nil || n.Load() != 2 {
			t.Fatalf("status %d: err %v after %d attempts", status, err, n.Load())
		}
	}
}

func TestNoRetryOn500AndClientErrors(t *testing.T) {
	for _, status := range []int{500, 400, 401, 403, 404, 409, 422} {
		var n atomic.Int32
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			writeError(w, status, "X", "no", "r")
		})
		c, _ := newTestClient(t, srv.URL)
		_, err := c.GetOrganization(context.Background(), "org-1")
		if statusOf(err) != status || n.Load() != 1 {
			t.Fatalf("status %d: err %v after %d attempts", status, err, n.Load())
		}
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	var n atomic.Int32
	var times []time.Time
	var mu sync.Mutex
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			writeError(w, 429, "RESOURCE_EXHAUSTED", "slow down", "req-429")
			return
		}
		writeRaw(w, 200, orgJSON)
	})
	c, _ := newTestClient(t, srv.URL)
	start := time.Now()
	if _, err := c.GetOrganization(context.Background(), "org-1"); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if elapsed < 950*time.Millisecond || elapsed > 3*time.Second {
		t.Fatalf("elapsed %v, want about 1s (Retry-After: 1 instead of the 5ms backoff)", elapsed)
	}
	if gap := times[1].Sub(times[0]); gap < 950*time.Millisecond {
		t.Fatalf("gap between attempts %v", gap)
	}
}

func TestBackoff(t *testing.T) {
	now := time.Now()
	if d, ok := parseRetryAfter("3", now); !ok || d != 3*time.Second {
		t.Fatalf("seconds: %v %v", d, ok)
	}
	date := now.Add(5 * time.Second).UTC().Format(http.TimeFormat)
	if d, ok := parseRetryAfter(date, now); !ok || d < 3*time.Second || d > 5*time.Second {
		t.Fatalf("date: %v %v", d, ok)
	}
	if d, ok := parseRetryAfter(now.Add(-time.Hour).UTC().Format(http.TimeFormat), now); !ok || d != 0 {
		t.Fatalf("past date: %v %v", d, ok)
	}
	if d, ok := parseRetryAfter("999999", now); !ok || d != maxRetryAfter {
		t.Fatalf("cap: %v %v", d, ok)
	}
	for _, bad := range []string{"", "soon", "-1", "1.5"} {
		if _, ok := parseRetryAfter(bad, now); ok {
			t.Fatalf("%q parsed", bad)
		}
	}
	min, max := 200*time.Millisecond, 10*time.Second
	resp := &http.Response{Header: http.Header{"Retry-After": {"2"}}}
	if d := backoff(min, max, 0, resp); d != 2*time.Second {
		t.Fatalf("Retry-After preferred: %v", d)
	}
	resp0 := &http.Response{Header: http.Header{"Retry-After": {"0"}}}
	if d := backoff(min, max, 0, resp0); d != min {
		t.Fatalf("Retry-After 0 floored at min: %v", d)
	}
	for attempt := range 12 {
		want := min << attempt
		if want > max {
			want = max
		}
		for range 50 {
			d := backoff(min, max, attempt, nil)
			if d < min || d > max || d < want/2 || d > want {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
	if d := backoff(min, max, 1000, nil); d < max/2 || d > max {
		t.Fatalf("huge attempt: %v", d)
	}
}

func TestPostWithoutIdempotencyKeyNotRetried(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeError(w, 503, "UNAVAILABLE", "down", "r-post")
	})
	c, _ := newTestClient(t, srv.URL)
	err := c.do(context.Background(), http.MethodPost, "/organizations/o/invitations", nil, map[string]string{"email": "a@b.c"}, "", nil)
	if n.Load() != 1 {
		t.Fatalf("POST without Idempotency-Key sent %d times", n.Load())
	}
	if statusOf(err) != 503 {
		t.Fatalf("err %v", err)
	}

	// A connection error is not retried either.
	var m atomic.Int32
	srv2 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		m.Add(1)
		hijackClose(t, w)
	})
	c2, _ := newTestClient(t, srv2.URL)
	err = c2.do(context.Background(), http.MethodPost, "/x", nil, map[string]string{}, "", nil)
	var re *RequestError
	if !errors.As(err, &re) || m.Load() != 1 {
		t.Fatalf("err %v after %d attempts", err, m.Load())
	}
}

// hijackClose drops the connection without an answer.
func hijackClose(t *testing.T, w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}

func TestCreateRetriesReuseIdempotencyKey(t *testing.T) {
	var mu sync.Mutex
	var keys, bodies []string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		bodies = append(bodies, string(b))
		n := len(keys)
		mu.Unlock()
		switch {
		case n == 1:
			hijackClose(t, w) // connection lost: the create may or may not have happened
		case n == 2:
			writeError(w, 503, "UNAVAILABLE", "down", "r2")
		case n == 3:
			w.Header().Set("Retry-After", "0")
			writeError(w, 429, "RESOURCE_EXHAUSTED", "slow", "r3")
		default:
			w.Header().Set("Location", "/api/v1/organizations/org-1/machine-users/mu-1")
			writeRaw(w, 201, `{"type":"machine-user","id":"mu-1","metadata":{"sequence":1},
				"properties":{"organizationId":"org-1","username":"ci","name":"ci","description":"","email":"","accessTokenType":"bearer"}}`)
		}
	})
	c, log := newTestClient(t, srv.URL)
	mu1, err := c.CreateMachineUser(context.Background(), "org-1", MachineUserCreate{Username: "ci"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if mu1.ID != "mu-1" || mu1.AccessTokenType != "bearer" {
		t.Fatalf("got %+v", mu1)
	}
	if len(keys) != 4 {
		t.Fatalf("attempts %d", len(keys))
	}
	if _, err := uuid.Parse(keys[0]); err != nil {
		t.Fatalf("key %q is not a uuid", keys[0])
	}
	for i := range keys {
		if keys[i] != keys[0] || bodies[i] != bodies[0] {
			t.Fatalf("attempt %d: key %q body %q, first key %q body %q", i, keys[i], bodies[i], keys[0], bodies[0])
		}
	}
	if bodies[0] != `{"username":"ci"}` {
		t.Fatalf("body %s", bodies[0])
	}
	if w := log.byLevel("WARN"); len(w) != 3 {
		t.Fatalf("want 3 retry warnings, got %d", len(w))
	}

	// A second logical create gets a new key.
	if _, err := c.CreateMachineUser(context.Background(), "org-1", MachineUserCreate{Username: "ci"}); err != nil {
		t.Fatal(err)
	}
	if keys[4] == keys[0] || keys[4] == "" {
		t.Fatalf("second create reused key %q", keys[4])
	}

	// A caller-chosen key is used as is.
	ctx := WithIdempotencyKey(context.Background(), "my-key")
	if _, err := c.CreateMachineUser(ctx, "org-1", MachineUserCreate{Username: "ci"}); err != nil {
		t.Fatal(err)
	}
	if keys[5] != "my-key" {
		t.Fatalf("key %q", keys[5])
	}
}

func TestPatchAndDeleteRetried(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			writeError(w, 502, "BAD_GATEWAY", "proxy", "r")
			return
		}
		if r.Method == http.MethodDelete {
			w.WriteHeader(204)
			return
		}
		writeRaw(w, 200, `{"type":"machine-user","id":"mu-1","properties":{"username":"x"}}`)
	})
	c, _ := newTestClient(t, srv.URL)
	name := "x"
	if _, err := c.UpdateMachineUser(context.Background(), "o", "mu-1", MachineUserUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteMachineUser(context.Background(), "o", "mu-1"); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 4 {
		t.Fatalf("attempts %d", n.Load())
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "30")
		writeError(w, 503, "UNAVAILABLE", "maintenance", "r-503")
	})
	c, _ := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetOrganization(ctx, "org-1")
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("took %v: the wait was not bounded by the context", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
	if n.Load() != 1 {
		t.Fatalf("attempts %d", n.Load())
	}
	var re *RequestError
	if !errors.As(err, &re) || re.Last == nil || re.Last.HTTPStatus != 503 || re.Last.Message != "maintenance" {
		t.Fatalf("want a RequestError carrying the last 503, got %#v", err)
	}
	if !strings.Contains(err.Error(), "GET "+srv.URL+"/api/v1/organizations/org-1") || !strings.Contains(err.Error(), "r-503") {
		t.Fatalf("message: %s", err)
	}

	// A context already done sends nothing.
	n.Store(0)
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := c.GetOrganization(done, "org-1"); !errors.Is(err, context.Canceled) || n.Load() != 0 {
		t.Fatalf("err %v after %d attempts", err, n.Load())
	}

	// Cancelled while an attempt is in flight: no retry.
	n.Store(0)
	srv2 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		<-r.Context().Done()
	})
	c2, _ := newTestClient(t, srv2.URL)
	ctx3, cancel3 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel3()
	if _, err := c2.GetOrganization(ctx3, "org-1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if n.Load() != 1 {
		t.Fatalf("attempts %d", n.Load())
	}
}

func TestRetriesExhaustedReturnLastAPIError(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeError(w, 503, "UNAVAILABLE", "The platform is down for maintenance.", "r-last")
	})
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 2 })
	_, err := c.GetOrganization(context.Background(), "org-1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want *APIError, got %T %v", err, err)
	}
	if apiErr.HTTPStatus != 503 || apiErr.Code != "UNAVAILABLE" || apiErr.RequestID != "r-last" || apiErr.Attempts != 3 || n.Load() != 3 {
		t.Fatalf("got %+v after %d attempts", apiErr, n.Load())
	}
	msg := err.Error()
	if !strings.Contains(msg, "after 3 attempts") || strings.Contains(msg, "giving up") ||
		!strings.Contains(msg, "The platform is down for maintenance.") {
		t.Fatalf("message: %s", msg)
	}

	// MaxRetries 0 means a single attempt.
	n.Store(0)
	c0, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 0 })
	if _, err := c0.GetOrganization(context.Background(), "org-1"); statusOf(err) != 503 || n.Load() != 1 {
		t.Fatalf("err %v after %d attempts", err, n.Load())
	}
}

func TestConnectionErrors(t *testing.T) {
	// Retried, then succeeds.
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			hijackClose(t, w)
			return
		}
		writeRaw(w, 200, orgJSON)
	})
	c, _ := newTestClient(t, srv.URL)
	if _, err := c.GetOrganization(context.Background(), "org-1"); err != nil || n.Load() != 2 {
		t.Fatalf("err %v after %d attempts", err, n.Load())
	}

	// Nothing listens: a RequestError naming method and URL, after all attempts.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c2, log := newTestClient(t, "http://"+addr+"/api/v1/", func(cfg *Config) { cfg.MaxRetries = 2 })
	_, err = c2.WhoAmI(context.Background())
	var re *RequestError
	if !errors.As(err, &re) || re.Attempts != 3 || re.Method != "GET" || re.URL != "http://"+addr+"/api/v1/whoami" {
		t.Fatalf("got %#v", err)
	}
	if _, isAPI := AsAPIError(err); isAPI {
		t.Fatalf("a connection error is no APIError: %v", err)
	}
	if !strings.Contains(err.Error(), "GET http://"+addr+"/api/v1/whoami") || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("message: %s", err)
	}
	if strings.Contains(err.Error(), testKey) || strings.Contains(log.text(), testKey) {
		t.Fatal("key leaked")
	}
	if len(log.byLevel("WARN")) != 2 || log.byLevel("DEBUG")[0].Fields["error"] == nil {
		t.Fatalf("logs: %s", log.text())
	}
}

func TestRequestTimeoutPerAttempt(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select { // hang until the client gives up on this attempt
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		writeRaw(w, 200, orgJSON)
	})
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.RequestTimeout = 200 * time.Millisecond })
	start := time.Now()
	if _, err := c.GetOrganization(context.Background(), "org-1"); err != nil {
		t.Fatalf("err %v", err)
	}
	if n.Load() != 2 || time.Since(start) > 2*time.Second {
		t.Fatalf("%d attempts in %v", n.Load(), time.Since(start))
	}
}

// withSettings names the settings the way the provider does.
func withSettings(cfg *Config) {
	cfg.MaxRetriesSetting = "max_retries (or PGCLOUD_MAX_RETRIES)"
	cfg.DeadlineSetting = "the resource's timeouts"
}

// A 429 does not count against MaxRetries: with MaxRetries 1, eight of them
// in a row are waited out and the request succeeds.
func TestRateLimitedRetriedPastMaxRetries(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 8 {
			w.Header().Set("Retry-After", "0")
			writeError(w, 429, "RESOURCE_EXHAUSTED", "slow down", "r-429")
			return
		}
		writeRaw(w, 200, orgJSON)
	})
	c, log := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.GetOrganization(ctx, "org-1"); err != nil || n.Load() != 9 {
		t.Fatalf("err %v after %d attempts", err, n.Load())
	}
	warns := log.byLevel("WARN")
	if len(warns) != 8 || warns[7].Fields["rate_limited_answers"] != 8 || warns[7].Fields["failure_retries"] != 0 {
		t.Fatalf("retry warnings: %+v", warns)
	}
}

// 429s are retried until the context's deadline; then the error says that
// the retries were exhausted, after how many attempts, and what gives the
// request more time. It is a RequestError that carries the last 429 as Last
// but keeps it out of its chain, so that a caller that shows the API error
// it finds (the provider's diagnostics) shows the whole story instead.
func TestRateLimitedRetriedUntilDeadline(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "0")
		writeError(w, 429, "RESOURCE_EXHAUSTED", "too many requests; retry after 0 seconds", "r-429")
	})
	c, _ := newTestClient(t, srv.URL, withSettings, func(cfg *Config) { cfg.MaxRetries = 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetOrganization(ctx, "org-1")
	if elapsed := time.Since(start); elapsed < 400*time.Millisecond {
		t.Fatalf("gave up after %v, before the deadline", elapsed)
	}
	attempts := int(n.Load())
	if attempts < 5 {
		t.Fatalf("only %d attempts in 400ms of 5 to 30ms waits", attempts)
	}
	var re *RequestError
	if !errors.As(err, &re) || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrRetriesExhausted) {
		t.Fatalf("want a RequestError of the deadline with ErrRetriesExhausted, got %#v", err)
	}
	// The deadline may cut the last attempt before the server counts it.
	if re.Attempts != attempts && re.Attempts != attempts+1 || re.Last == nil || re.Last.HTTPStatus != 429 {
		t.Fatalf("attempts %d (server saw %d), last %+v", re.Attempts, attempts, re.Last)
	}
	attempts = re.Attempts
	if _, ok := AsAPIError(err); ok {
		t.Fatalf("the last 429 is in the chain: %v", err)
	}
	want := fmt.Sprintf("Retries exhausted after %d attempts in ", attempts)
	msg := err.Error()
	if !strings.Contains(msg, want) || !strings.Contains(msg, " of them answered 429 (rate limited)") ||
		!strings.Contains(msg, "give it more time with the resource's timeouts.") || !strings.Contains(msg, "r-429") {
		t.Fatalf("message: %s", msg)
	}
	t.Log(msg)

	// Cancelled rather than timed out: someone stopped the request, which
	// is no giving up.
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel2)
	_, err = c.GetOrganization(ctx2, "org-1")
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrRetriesExhausted) || strings.Contains(err.Error(), "exhausted") {
		t.Fatalf("cancelled: %v", err)
	}
}

// Failures other than 429 are retried MaxRetries times per request; 429s in
// between neither count nor reset the count. The last answer comes back as
// the APIError, its message ending with the sentence that names the setting.
func TestMaxRetriesBoundsFailuresNotRateLimits(t *testing.T) {
	// 503, 429, 429, 502, 429, 504: with MaxRetries 2 the 504 is the third
	// failure, and the last attempt.
	statuses := []int{503, 429, 429, 502, 429, 504, 200}
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		status := statuses[min(int(n.Add(1))-1, len(statuses)-1)]
		if status == 200 {
			writeRaw(w, 200, orgJSON)
			return
		}
		if status == 429 {
			w.Header().Set("Retry-After", "0")
		}
		writeError(w, status, "X", "The platform is busy", "r-last")
	})
	c, _ := newTestClient(t, srv.URL, withSettings, func(cfg *Config) { cfg.MaxRetries = 2 })
	_, err := c.GetOrganization(context.Background(), "org-1")
	apiErr, ok := AsAPIError(err)
	if !ok || apiErr.HTTPStatus != 504 || apiErr.Attempts != 6 || n.Load() != 6 || !errors.Is(err, ErrRetriesExhausted) {
		t.Fatalf("got %#v after %d attempts", err, n.Load())
	}
	note := "Retries exhausted after 6 attempts: max_retries (or PGCLOUD_MAX_RETRIES) allows 2 retries of connection errors " +
		"and 502, 503 and 504 answers; raise it to retry more."
	if apiErr.GaveUp != note || apiErr.Message != "The platform is busy. "+note || !strings.Contains(err.Error(), note) {
		t.Fatalf("message %q, gave up %q", apiErr.Message, apiErr.GaveUp)
	}

	// The same with the client's defaults for the setting names, and a
	// single attempt.
	n.Store(0)
	statuses = []int{503}
	c0, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 0 })
	_, err = c0.GetOrganization(context.Background(), "org-1")
	if apiErr, _ := AsAPIError(err); apiErr == nil || n.Load() != 1 || apiErr.GaveUp != "Retries exhausted after 1 attempt: "+
		"Config.MaxRetries allows 0 retries of connection errors and 502, 503 and 504 answers; raise it to retry more." {
		t.Fatalf("got %#v after %d attempts", err, n.Load())
	}

	// An answer that is never retried is no giving up.
	statuses = []int{500}
	_, err = c.GetOrganization(context.Background(), "org-1")
	if statusOf(err) != 500 || errors.Is(err, ErrRetriesExhausted) || strings.Contains(err.Error(), "exhausted") {
		t.Fatalf("500: %v", err)
	}
}

// Connection errors exhausted: a RequestError that says so.
func TestConnectionErrorsExhausted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c, _ := newTestClient(t, "http://"+addr, withSettings, func(cfg *Config) { cfg.MaxRetries = 1 })
	_, err = c.WhoAmI(context.Background())
	var re *RequestError
	if !errors.As(err, &re) || re.Attempts != 2 || !errors.Is(err, ErrRetriesExhausted) {
		t.Fatalf("got %#v", err)
	}
	if !strings.HasSuffix(err.Error(), "(after 2 attempts). Retries exhausted after 2 attempts: max_retries (or PGCLOUD_MAX_RETRIES) "+
		"allows 1 retry of connection errors and 502, 503 and 504 answers; raise it to retry more.") {
		t.Fatalf("message: %s", err)
	}
}

// Without a deadline, 429s are retried for the client's patience, then the
// last one comes back saying so.
func TestRateLimitedWithoutDeadline(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "0")
		writeError(w, 429, "RESOURCE_EXHAUSTED", "slow down", "r-429")
	})
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 0 })
	c.rateLimitPatience = 200 * time.Millisecond
	_, err := c.GetOrganization(context.Background(), "org-1")
	apiErr, ok := AsAPIError(err)
	if !ok || apiErr.HTTPStatus != 429 || n.Load() < 3 || apiErr.Attempts != int(n.Load()) || !errors.Is(err, ErrRetriesExhausted) {
		t.Fatalf("got %#v after %d attempts", err, n.Load())
	}
	if !strings.HasPrefix(apiErr.GaveUp, fmt.Sprintf("Retries exhausted after %d attempts in ", n.Load())) ||
		!strings.Contains(apiErr.GaveUp, "a request without a deadline is retried for at most 200ms") {
		t.Fatalf("gave up: %q", apiErr.GaveUp)
	}
}

// Clients told the same Retry-After come back over a spread of up to half
// of it, never sooner. Ten clients, each with its own seeded jitter, are
// refused once with "Retry-After: 1"; the waits their retrying client chose
// are recorded, and the server sees each retry no sooner than a second later.
func TestRetryAfterJitterSpreadsClients(t *testing.T) {
	const clients = 10
	var mu sync.Mutex
	seen := map[string][]time.Time{} // client → arrival times
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ua := r.Header.Get("User-Agent")
		seen[ua] = append(seen[ua], time.Now())
		first := len(seen[ua]) == 1
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			writeError(w, 429, "RESOURCE_EXHAUSTED", "slow down", "r-429")
			return
		}
		writeRaw(w, 200, orgJSON)
	})
	waits := make([]time.Duration, clients)
	var wg sync.WaitGroup
	for i := range clients {
		c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.UserAgent = fmt.Sprintf("client-%d", i) })
		c.jitter = rand.New(rand.NewPCG(uint64(i), 42)).Int64N
		chosen := c.retrying.Backoff
		c.retrying.Backoff = func(waitMin, waitMax time.Duration, n int, resp *http.Response) time.Duration {
			d := chosen(waitMin, waitMax, n, resp)
			waits[i] = d
			return d
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetOrganization(context.Background(), "org-1"); err != nil {
				t.Errorf("client %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	lo, hi := slices.Min(waits), slices.Max(waits)
	if lo < time.Second || hi > 1500*time.Millisecond {
		t.Fatalf("waits %v: want each in [1s, 1.5s]", waits)
	}
	if hi-lo < 250*time.Millisecond {
		t.Fatalf("waits %v spread over only %v", waits, hi-lo)
	}
	for ua, times := range seen {
		if len(times) != 2 || times[1].Sub(times[0]) < time.Second {
			t.Fatalf("%s: arrivals %v, the retry sooner than Retry-After", ua, times)
		}
	}

	// Without Retry-After the wait is backoff's own jittered one.
	c, _ := newTestClient(t, srv.URL)
	for range 20 {
		if d := c.retryWait(200*time.Millisecond, 10*time.Second, 2, &http.Response{Header: http.Header{}}); d < 400*time.Millisecond || d > 800*time.Millisecond {
			t.Fatalf("no Retry-After: %v", d)
		}
	}
	// A long Retry-After gets at most maxRetryAfterJitter more.
	for range 20 {
		resp := &http.Response{Header: http.Header{"Retry-After": {"60"}}}
		if d := c.retryWait(200*time.Millisecond, 10*time.Second, 0, resp); d < time.Minute || d > time.Minute+maxRetryAfterJitter {
			t.Fatalf("Retry-After 60: %v", d)
		}
	}
}

// Ending a cluster user's connections is a POST that creates nothing; its
// retries reuse one Idempotency-Key, so a retry of a lost answer gets the
// count of the first attempt rather than 0. It sends no body.
func TestTerminateConnectionsRetriesReuseIdempotencyKey(t *testing.T) {
	var mu sync.Mutex
	var keys, bodies []string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		bodies = append(bodies, string(b))
		n := len(keys)
		mu.Unlock()
		if r.Method != http.MethodPost || r.URL.EscapedPath() != "/api/v1/clusters/c-1/users/app%20user/terminate-connections" {
			t.Errorf("request %s %s", r.Method, r.URL.EscapedPath())
		}
		switch n {
		case 1:
			hijackClose(t, w) // the answer is lost: the connections may have been ended
		default:
			w.Header().Set("Idempotent-Replayed", "true")
			writeRaw(w, 200, `{"type":"connection-termination","href":"/api/v1/clusters/c-1/users/app%20user/terminate-connections",
				"properties":{"clusterId":"c-1","username":"app user","terminated":2}}`)
		}
	})
	c, _ := newTestClient(t, srv.URL)
	got, err := c.TerminateClusterUserConnections(context.Background(), "c-1", "app user")
	if err != nil {
		t.Fatal(err)
	}
	if *got != (ConnectionTermination{ClusterID: "c-1", Username: "app user", Terminated: 2}) {
		t.Fatalf("got %+v", got)
	}
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Fatalf("Idempotency-Keys of the attempts: %q", keys)
	}
	if bodies[0] != "" || bodies[1] != "" {
		t.Fatalf("bodies %q, want none", bodies)
	}
}
