package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestUnknownRoutesAndMethods(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/nope", "", nil).wantError(404, "NOT_FOUND")
	e.do("GET", "/api/v1/nope", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("GET", "/api/v2/whoami", e.adminKey, nil).wantError(404, "NOT_FOUND")
	r := e.do("PUT", "/api/v1/roles", e.adminKey, "{}")
	r.wantError(405, "METHOD_NOT_ALLOWED")
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") {
		t.Errorf("Allow %q", allow)
	}
	e.do("POST", e.machineUsersPath()+"/x", e.adminKey, "{}").wantError(405, "METHOD_NOT_ALLOWED")
	e.do("DELETE", e.machineUsersPath(), e.adminKey, nil).wantError(405, "METHOD_NOT_ALLOWED")
	// Not canonical: an error, not a redirect with an HTML body.
	for _, p := range []string{"/api/v1//roles", "/api/v1/roles/../whoami", "/api/v1/./whoami", "/api/v1/roles/"} {
		req, _ := http.NewRequest("GET", e.ts.URL+p, nil)
		req.URL.RawPath, req.URL.Path = p, p
		req.Header.Set("x-access-key", e.adminKey)
		e.send(req).wantError(404, "NOT_FOUND")
	}
}

func TestPanicIsAnErrorJSON(t *testing.T) {
	logs := &syncBuffer{}
	s := &Server{log: newJSONLogger(logs)}
	h := s.withCommon(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom: secret detail") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", rec.Code, rec.Header())
	}
	var e errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code != "INTERNAL" || e.RequestID == "" {
		t.Fatalf("%v %s", err, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "boom") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("the answer leaks the panic: %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), e.RequestID) {
		t.Errorf("the panic is not in the log with the request id: %s", logs)
	}
}

func TestReadyzWhenTheStoreIsGone(t *testing.T) {
	s, err := New(context.Background(), Config{DataDir: privateDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"code":"UNAVAILABLE"`) {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Errorf("healthz %d", rec.Code)
	}
}

// TestRequestLog: one JSON line per request with its id, method, route
// pattern, status and duration — and never a credential (newEnv's cleanup
// checks every key of every test against the log).
func TestRequestLog(t *testing.T) {
	e := newEnv(t)
	basic := e.do("GET", "/api/v1/whoami", "", nil, "Authorization", "Basic "+basicOf(e.adminKey)).want(200)
	e.do("GET", "/api/v1/whoami", "", nil, "x-access-key", e.adminKey).want(200)
	e.do("POST", e.machineUsersPath(), e.adminKey, map[string]any{"username": "logged"}).want(201)
	e.do("GET", "/api/v1/whoami", e.adminKey+"x", nil).want(401)

	var found bool
	sc := bufio.NewScanner(strings.NewReader(e.logs.String()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not a JSON log line: %s", sc.Text())
		}
		if line["msg"] != "request" {
			continue
		}
		for _, k := range []string{"request_id", "method", "route", "status", "duration_ms"} {
			if _, ok := line[k]; !ok {
				t.Errorf("request line without %s: %s", k, sc.Text())
			}
		}
		if line["request_id"] == basic.header.Get("X-Request-Id") {
			found = true
			if line["route"] != "GET /api/v1/whoami" || line["status"] != float64(200) || line["user_id"] != e.adminID {
				t.Errorf("line %s", sc.Text())
			}
		}
	}
	if !found {
		t.Error("no log line for the request")
	}
	if strings.Contains(strings.ToLower(e.logs.String()), "authorization") || strings.Contains(e.logs.String(), basicOf(e.adminKey)) {
		t.Error("the log mentions the Authorization header")
	}
}
