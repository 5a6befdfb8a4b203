package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// testKey looks like a real key so that a leak would be easy to spot.
const testKey = "pgc_abcdefghij12_0123456789abcdefghijABCDEFGHIJklmnopqrst_a1B2c3"

type logEntry struct {
	Level  string
	Msg    string
	Fields map[string]any
}

// captureLogger records every log call.
type captureLogger struct {
	mu      sync.Mutex
	entries []logEntry
}

func (l *captureLogger) add(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cp := make(map[string]any, len(fields))
	for k, v := range fields {
		cp[k] = v
	}
	l.entries = append(l.entries, logEntry{Level: level, Msg: msg, Fields: cp})
}

func (l *captureLogger) Debug(_ context.Context, msg string, f map[string]any) {
	l.add("DEBUG", msg, f)
}
func (l *captureLogger) Info(_ context.Context, msg string, f map[string]any) { l.add("INFO", msg, f) }
func (l *captureLogger) Warn(_ context.Context, msg string, f map[string]any) { l.add("WARN", msg, f) }
func (l *captureLogger) Error(_ context.Context, msg string, f map[string]any) {
	l.add("ERROR", msg, f)
}

func (l *captureLogger) all() []logEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logEntry(nil), l.entries...)
}

func (l *captureLogger) byLevel(level string) []logEntry {
	var out []logEntry
	for _, e := range l.all() {
		if e.Level == level {
			out = append(out, e)
		}
	}
	return out
}

// text renders every entry, fields included, for searching.
func (l *captureLogger) text() string {
	s := ""
	for _, e := range l.all() {
		s += fmt.Sprintf("%s %s %v\n", e.Level, e.Msg, e.Fields)
	}
	return s
}

// newTestClient returns a client of srvURL that waits 5 to 20ms between
// attempts instead of 200ms to 10s.
func newTestClient(t *testing.T, srvURL string, mod ...func(*Config)) (*Client, *captureLogger) {
	t.Helper()
	log := &captureLogger{}
	cfg := Config{
		Endpoint:       srvURL,
		AccessKey:      testKey,
		MaxRetries:     3,
		RequestTimeout: 5 * time.Second,
		UserAgent:      "terraform-provider-pgcloud/test",
		Logger:         log,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.retrying.RetryWaitMin, c.retrying.RetryWaitMax = 5*time.Millisecond, 20*time.Millisecond
	return c, log
}

func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg, reqID string, fields ...FieldMessage) {
	if fields == nil {
		fields = []FieldMessage{}
	}
	w.Header().Set("X-Request-Id", reqID)
	writeJSON(w, status, map[string]any{
		"httpStatus": status, "code": code, "message": msg, "messages": fields, "requestId": reqID,
	})
}

const orgJSON = `{"type":"organization","id":"org-1","href":"/api/v1/organizations/org-1",
 "metadata":{"createdDate":"2025-01-02T03:04:05.123456789Z","createdBy":"u1","lastModifiedDate":"2025-01-03T00:00:00Z",
 "lastModifiedBy":"u2","resourceOwner":"org-1","sequence":3},"properties":{"name":"default"}}`

// statusOf returns the HTTP status of the APIError in err's chain, or 0.
func statusOf(err error) int {
	if e, ok := AsAPIError(err); ok {
		return e.HTTPStatus
	}
	return 0
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
