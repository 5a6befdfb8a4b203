package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

const specFile = "../../api/openapi.yaml"

var (
	specOnce sync.Once
	spec     *openapi3.T
	specErr  error

	// validated counts, per "METHOD pattern status", the responses checked
	// against the spec during this test binary's run.
	validatedMu sync.Mutex
	validated   = map[string]int{}
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		spec, specErr = loader.LoadFromFile(specFile)
		if specErr == nil {
			specErr = spec.Validate(context.Background())
		}
	})
	if specErr != nil {
		t.Fatalf("api/openapi.yaml: %v", specErr)
	}
	return spec
}

// routeMux maps a request to its route pattern exactly as the server does,
// from the same table.
var routeMux = sync.OnceValue(func() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Pattern, http.NotFoundHandler())
	}
	return mux
})

// specValidating wraps the server's handler: every response is recorded,
// passed on, and validated against api/openapi.yaml — the operation's
// declared statuses, headers and body schema. Answers to requests that match
// no route (404/405) must still be the Error schema.
func specValidating(t *testing.T, next http.Handler) http.Handler {
	doc := loadSpec(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())

		if rec.Header().Get("X-Request-Id") == "" {
			t.Errorf("%s %s: response without X-Request-Id", r.Method, r.URL)
		}
		_, pattern := routeMux().Handler(r)
		if p := r.URL.EscapedPath(); path.Clean(p) != p {
			pattern = "" // the server refuses paths that are not canonical
		}
		if pattern == "" {
			var body any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Errorf("%s %s: %d answer is not JSON: %s", r.Method, r.URL, rec.Code, rec.Body)
				return
			}
			if err := doc.Components.Schemas["Error"].Value.VisitJSON(body); err != nil {
				t.Errorf("%s %s: %d answer is not an Error: %v", r.Method, r.URL, rec.Code, err)
			}
			return
		}
		method, specPath, _ := strings.Cut(pattern, " ")
		item := doc.Paths.Value(specPath)
		var op *openapi3.Operation
		if item != nil {
			op = item.GetOperation(method)
		}
		if op == nil {
			t.Errorf("%s is served but not in api/openapi.yaml", pattern)
			return
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{
				Request: r,
				Route:   &routers.Route{Spec: doc, Path: specPath, PathItem: item, Method: method, Operation: op},
			},
			Status:  rec.Code,
			Header:  rec.Header(),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		in.SetBodyBytes(rec.Body.Bytes())
		if err := openapi3filter.ValidateResponse(r.Context(), in); err != nil {
			t.Errorf("%s %s: %d response does not match api/openapi.yaml: %v\nbody: %s", r.Method, r.URL, rec.Code, err, rec.Body)
		}
		validatedMu.Lock()
		validated[pattern+" "+http.StatusText(rec.Code)]++
		validatedMu.Unlock()
	})
}

// TestSpecMatchesRoutes: every route the server serves is in the spec, and
// every operation of the spec is served.
func TestSpecMatchesRoutes(t *testing.T) {
	doc := loadSpec(t)
	served := map[string]bool{}
	for _, rt := range routes {
		served[rt.Method+" "+rt.Pattern] = true
	}
	inSpec := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inSpec[strings.ToUpper(method)+" "+path] = true
		}
	}
	for _, k := range sortedKeys(served) {
		if !inSpec[k] {
			t.Errorf("served but missing from api/openapi.yaml: %s", k)
		}
	}
	for _, k := range sortedKeys(inSpec) {
		if !served[k] {
			t.Errorf("in api/openapi.yaml but not served: %s", k)
		}
	}
	if len(served) != len(routes) {
		t.Errorf("the route table has duplicates")
	}
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSpecTour calls every route at least once with a success and checks
// that the answers were validated against the spec (the validation itself
// happens in specValidating, for every test).
func TestSpecTour(t *testing.T) {
	e := newEnv(t)
	mu := e.createMachineUser(map[string]any{"username": "tour", "description": "d", "email": "tour@example.com"})
	org := "/api/v1/organizations/" + e.orgID
	calls := []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/healthz", nil, 200},
		{"GET", "/readyz", nil, 200},
		{"GET", "/api/v1/whoami", nil, 200},
		{"GET", "/api/v1/roles", nil, 200},
		{"GET", "/api/v1/roles/org_owner", nil, 200},
		{"GET", org, nil, 200},
		{"GET", org + "/projects", nil, 200},
		{"GET", "/api/v1/projects/" + e.projectID, nil, 200},
		{"GET", org + "/users?type=machine&limit=1", nil, 200},
		{"GET", org + "/users/" + e.adminID, nil, 200},
		{"GET", org + "/machine-users", nil, 200},
		{"GET", org + "/machine-users/" + mu.ID, nil, 200},
		{"PATCH", org + "/machine-users/" + mu.ID, map[string]any{"name": "Tour"}, 200},
		{"DELETE", org + "/machine-users/" + mu.ID, nil, 204},
		{"POST", org + "/machine-users", map[string]any{"username": "tour2"}, 201},
	}
	for _, c := range calls {
		e.do(c.method, c.path, e.adminKey, c.body).want(c.status)
	}
	tourAccess(t, e)   // access keys, role bindings, invitations
	tourClusters(t, e) // clusters and cluster users (clusters_test.go)
	validatedMu.Lock()
	defer validatedMu.Unlock()
	for _, rt := range routes {
		n := 0
		for k, v := range validated {
			if strings.HasPrefix(k, rt.Method+" "+rt.Pattern+" ") {
				n += v
			}
		}
		if n == 0 {
			t.Errorf("no response of %s %s was validated against the spec", rt.Method, rt.Pattern)
		}
	}
}
