package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewValidatesAndNormalisesEndpoint(t *testing.T) {
	cases := map[string]string{
		"http://127.0.0.1:8080":             "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/":            "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/api/v1":      "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/api/v1/":     "http://127.0.0.1:8080",
		" https://pg.example.com/pgc/ ":     "https://pg.example.com/pgc",
		"https://pg.example.com/pgc/api/v1": "https://pg.example.com/pgc",
	}
	for in, want := range cases {
		c, err := New(Config{Endpoint: in, AccessKey: testKey})
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if c.base != want+"/api/v1" {
			t.Fatalf("%q: got %q", in, c.base)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:8080", "ftp://x", "http://", "http://u:p@host", "http://h/?a=b"} {
		if _, err := New(Config{Endpoint: bad, AccessKey: testKey}); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
	if _, err := New(Config{Endpoint: "http://h"}); err == nil {
		t.Fatal("empty access key accepted")
	}
	_, err := New(Config{Endpoint: "http://u:" + testKey + "@host", AccessKey: testKey})
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Fatalf("credentials in endpoint: %v", err)
	}
}

func TestHeaders(t *testing.T) {
	var got http.Header
	var method string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got, method = r.Header.Clone(), r.Method
		if r.Method == http.MethodPost {
			writeRaw(w, 201, `{"type":"machine-user","id":"m"}`)
			return
		}
		writeRaw(w, 200, orgJSON)
	})
	c, _ := newTestClient(t, srv.URL)
	if _, err := c.GetOrganization(context.Background(), "org-1"); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "Bearer "+testKey || got.Get("User-Agent") != "terraform-provider-pgcloud/test" ||
		got.Get("Accept") != "application/json" || got.Get("Idempotency-Key") != "" || method != "GET" {
		t.Fatalf("headers %v", got)
	}
	if _, err := c.CreateMachineUser(context.Background(), "org-1", MachineUserCreate{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	if got.Get("Content-Type") != "application/json" || got.Get("Idempotency-Key") == "" || got.Get("User-Agent") != "terraform-provider-pgcloud/test" {
		t.Fatalf("headers %v", got)
	}

	c2, err := New(Config{Endpoint: srv.URL, AccessKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.GetOrganization(context.Background(), "org-1"); err != nil {
		t.Fatal(err)
	}
	if got.Get("User-Agent") != defaultUserAgent {
		t.Fatalf("default user agent: %q", got.Get("User-Agent"))
	}
}

func TestAPIErrorParsed(t *testing.T) {
	type tc struct {
		status int
		code   string
	}
	cases := []tc{
		{404, "NOT_FOUND"},
		{409, "ALREADY_EXISTS"},
		{409, "QUOTA_EXCEEDED"},
		{409, "LAST_OWNER"},
		{403, "PERMISSION_DENIED"},
		{401, "UNAUTHENTICATED"},
		{422, "INVALID_ARGUMENT"},
		{400, "INVALID_ARGUMENT"},
	}
	for _, k := range cases {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, k.status, k.code, "Something is wrong.", "req-"+strconv.Itoa(k.status),
				FieldMessage{ErrorCode: k.code, Message: "must not contain whitespace", Field: "username"},
				FieldMessage{ErrorCode: k.code, Message: "is not a valid address", Field: "email"})
		})
		c, _ := newTestClient(t, srv.URL)
		_, err := c.CreateMachineUser(context.Background(), "org-1", MachineUserCreate{Username: "a b"})
		apiErr, ok := AsAPIError(err)
		if !ok {
			t.Fatalf("not an APIError: %T", err)
		}
		want := &APIError{
			HTTPStatus: k.status, Code: k.code, Message: "Something is wrong.",
			Messages: []FieldMessage{
				{ErrorCode: k.code, Message: "must not contain whitespace", Field: "username"},
				{ErrorCode: k.code, Message: "is not a valid address", Field: "email"},
			},
			RequestID: "req-" + strconv.Itoa(k.status),
			Method:    "POST", Path: "/api/v1/organizations/org-1/machine-users", Attempts: 1,
		}
		if !reflect.DeepEqual(apiErr, want) {
			t.Fatalf("got %+v\nwant %+v", apiErr, want)
		}
		msg := err.Error()
		for _, s := range []string{strconv.Itoa(k.status), k.code, "Something is wrong.", "username: must not contain whitespace",
			"email: is not a valid address", want.RequestID} {
			if !strings.Contains(msg, s) {
				t.Fatalf("message %q lacks %q", msg, s)
			}
		}
		// Each helper says yes to its status only.
		if IsNotFound(err) != (k.status == 404) || IsUnauthenticated(err) != (k.status == 401) {
			t.Fatalf("%d %s: wrong helper matched", k.status, k.code)
		}
	}

	// Wrapped errors still match (errors.As).
	wrapped := fmt.Errorf("reading machine user: %w", &APIError{HTTPStatus: 404, Code: "NOT_FOUND"})
	if !IsNotFound(wrapped) || IsNotFound(errors.New("404")) || IsNotFound(nil) {
		t.Fatal("IsNotFound on wrapped/plain/nil")
	}

	// The request id falls back to X-Request-Id.
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "hdr-id")
		writeRaw(w, 404, `{"httpStatus":404,"code":"NOT_FOUND","message":"No such organization."}`)
	})
	c, _ := newTestClient(t, srv.URL)
	_, err := c.GetOrganization(context.Background(), "nope")
	if e, _ := AsAPIError(err); e == nil || e.RequestID != "hdr-id" || !IsNotFound(err) || e.Messages != nil {
		t.Fatalf("got %#v", err)
	}
}

func TestNonJSONErrorBody(t *testing.T) {
	long := strings.Repeat("x", 5000)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-Request-Id", "proxy-1")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html>\n<body>Bad   Gateway</body></html>"+long)
	})
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 1 })
	_, err := c.GetOrganization(context.Background(), "org-1")
	e, ok := AsAPIError(err)
	if !ok || e.HTTPStatus != 502 || e.Code != "" || e.RequestID != "proxy-1" || e.Attempts != 2 {
		t.Fatalf("got %#v", err)
	}
	if !strings.HasPrefix(e.Message, "unexpected response: <html> <body>Bad Gateway</body></html>xxx") || len(e.Message) > 700 {
		t.Fatalf("message %q", e.Message)
	}
	if !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Fatalf("Error() %q", err)
	}

	// Empty body, and JSON that is not error JSON.
	srv2 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/organizations/a" {
			w.WriteHeader(404)
			return
		}
		writeRaw(w, 418, `{"teapot":true}`)
	})
	c2, _ := newTestClient(t, srv2.URL)
	_, err = c2.GetOrganization(context.Background(), "a")
	if !IsNotFound(err) || !strings.Contains(err.Error(), "empty body") {
		t.Fatalf("got %v", err)
	}
	_, err = c2.GetOrganization(context.Background(), "b")
	if statusOf(err) != 418 || !strings.Contains(err.Error(), `{"teapot":true}`) {
		t.Fatalf("got %v", err)
	}
}

func TestSuccessBodyErrors(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/organizations/empty":
			w.WriteHeader(200)
		case "/api/v1/organizations/nocontent":
			w.WriteHeader(204)
		default:
			writeRaw(w, 200, `{"type":"organization","id":`)
		}
	})
	c, _ := newTestClient(t, srv.URL)
	for _, id := range []string{"empty", "nocontent", "broken"} {
		_, err := c.GetOrganization(context.Background(), id)
		if err == nil || !strings.Contains(err.Error(), "GET "+srv.URL+"/api/v1/organizations/"+id) {
			t.Fatalf("%s: %v", id, err)
		}
	}
}

func TestPagesWalksThreePages(t *testing.T) {
	const total = 5
	var offsets []string
	var mu sync.Mutex
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		offsets = append(offsets, q.Get("offset"))
		mu.Unlock()
		if q.Get("name") != "prod" || q.Get("limit") != "2" {
			t.Errorf("query %v", q)
		}
		off, _ := strconv.Atoi(q.Get("offset"))
		lim, _ := strconv.Atoi(q.Get("limit"))
		items := []string{}
		for i := off; i < min(off+lim, total); i++ {
			items = append(items, fmt.Sprintf(`{"type":"project","id":"p%d","properties":{"name":"prod","organizationId":"o"}}`, i))
		}
		writeRaw(w, 200, fmt.Sprintf(`{"type":"collection","offset":%d,"limit":%d,"total":%d,"_links":{},"items":[%s]}`,
			off, lim, total, strings.Join(items, ",")))
	})
	c, _ := newTestClient(t, srv.URL)
	c.pageSize = 2
	ps, err := c.ListProjects(context.Background(), "o", ListProjectsOptions{Name: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	if strings.Join(ids, ",") != "p0,p1,p2,p3,p4" || strings.Join(offsets, ",") != "0,2,4" {
		t.Fatalf("ids %v offsets %v", ids, offsets)
	}

	// Breaking out early stops fetching.
	offsets = nil
	for p, err := range pages[Project](context.Background(), c, "/organizations/o/projects", url.Values{"name": {"prod"}}) {
		if err != nil || p.ID != "p0" {
			t.Fatalf("%v %v", p, err)
		}
		break
	}
	if len(offsets) != 1 {
		t.Fatalf("fetched %v", offsets)
	}
}

func TestPagesStopsOnEmptyPageEvenIfTotalLies(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		off := r.URL.Query().Get("offset")
		n.Add(1)
		switch off {
		case "0":
			writeRaw(w, 200, `{"type":"collection","offset":0,"limit":2,"total":1000,"items":[
				{"type":"role","id":"org_owner","properties":{"name":"org_owner","scope":"organization","description":"owns"}},
				{"type":"role","id":"org_admin","properties":{"scope":"organization"}}]}`)
		case "2":
			writeRaw(w, 200, `{"type":"collection","offset":2,"limit":2,"total":1000,"items":[]}`)
		default:
			t.Errorf("unexpected offset %s", off)
			writeRaw(w, 200, `{"type":"collection","items":[]}`)
		}
	})
	c, _ := newTestClient(t, srv.URL)
	c.pageSize = 2
	roles, err := c.ListRoles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Role{{Name: "org_owner", Scope: "organization", Description: "owns"}, {Name: "org_admin", Scope: "organization"}}
	if !reflect.DeepEqual(roles, want) || n.Load() != 2 {
		t.Fatalf("roles %+v after %d requests", roles, n.Load())
	}
}

func TestPagesErrors(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("offset") {
		case "0":
			writeRaw(w, 200, `{"type":"collection","offset":0,"limit":1,"total":3,"items":[{"type":"user","id":"u0"}]}`)
		case "1":
			writeError(w, 422, "INVALID_ARGUMENT", "bad offset", "r", FieldMessage{Field: "offset", Message: "bad"})
		}
	})
	c, _ := newTestClient(t, srv.URL)
	c.pageSize = 1
	users, err := c.ListUsers(context.Background(), "o", ListUsersOptions{})
	if users != nil || statusOf(err) != 422 {
		t.Fatalf("%v %v", users, err)
	}

	// A server that ignores offset is caught, not looped on forever.
	srv2 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 200, `{"type":"collection","offset":0,"limit":1,"items":[{"type":"user","id":"u0"}]}`)
	})
	c2, _ := newTestClient(t, srv2.URL)
	c2.pageSize = 1
	if _, err := c2.ListUsers(context.Background(), "o", ListUsersOptions{}); err == nil || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("err %v", err)
	}

	// Empty collection: an empty, non-nil slice.
	srv3 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("username") != "ci" {
			t.Errorf("query %v", r.URL.Query())
		}
		writeRaw(w, 200, `{"type":"collection","offset":0,"limit":100,"total":0,"items":[]}`)
	})
	c3, _ := newTestClient(t, srv3.URL)
	mus, err := c3.ListMachineUsers(context.Background(), "o", ListMachineUsersOptions{Username: "ci"})
	if err != nil || mus == nil || len(mus) != 0 {
		t.Fatalf("%v %v", mus, err)
	}
}

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

func TestPathEscaping(t *testing.T) {
	var paths []string
	var mu sync.Mutex
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.EscapedPath())
		mu.Unlock()
		writeRaw(w, 200, `{"type":"user","id":"x"}`)
	})
	c, _ := newTestClient(t, srv.URL)
	if _, err := c.GetUser(context.Background(), "org/1", "a b?c#d"); err != nil {
		t.Fatal(err)
	}
	if paths[0] != "/api/v1/organizations/org%2F1/users/a%20b%3Fc%23d" {
		t.Fatalf("path %q", paths[0])
	}
	for _, bad := range [][2]string{{"", "u"}, {"o", ""}, {"o", ".."}, {"o", "."}, {" ", "u"}} {
		if _, err := c.GetUser(context.Background(), bad[0], bad[1]); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
	if err := c.DeleteMachineUser(context.Background(), "o", ""); err == nil {
		t.Fatal("empty id accepted")
	}
	if len(paths) != 1 {
		t.Fatalf("invalid ids reached the server: %v", paths)
	}
}

func TestWhoAmIAndModelMapping(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/whoami" {
			t.Errorf("path %s", r.URL.Path)
		}
		writeRaw(w, 200, `{"type":"whoami","futureField":{"x":1},
		 "user":{"type":"user","id":"u-1","href":"/api/v1/organizations/o-1/users/u-1","newTopLevel":true,
		   "metadata":{"createdDate":"2025-01-02T03:04:05.5Z","createdBy":"","lastModifiedDate":"","resourceOwner":"o-1","sequence":7,"etag":"x"},
		   "properties":{"userType":"machine","organizationId":"o-1","username":"admin","name":"admin","email":"","newProp":1}},
		 "organization":`+orgJSON+`,
		 "roleBindings":[{"id":"rb1","role":"org_owner","scope":"organization","organizationId":"o-1","projectId":""},
		                 {"id":"rb2","role":"project_owner","scope":"project","organizationId":"o-1","projectId":"p-1","extra":"y"}]}`)
	})
	c, _ := newTestClient(t, srv.URL)
	me, err := c.WhoAmI(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := &WhoAmI{
		User: User{ID: "u-1", Type: "machine", OrganizationID: "o-1", Username: "admin", Name: "admin",
			Metadata: Metadata{CreatedDate: time.Date(2025, 1, 2, 3, 4, 5, 5e8, time.UTC), ResourceOwner: "o-1", Sequence: 7}},
		Organization: Organization{ID: "org-1", Name: "default", Metadata: Metadata{
			CreatedDate: time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.UTC), CreatedBy: "u1",
			LastModifiedDate: time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC), LastModifiedBy: "u2", ResourceOwner: "org-1", Sequence: 3}},
		RoleBindings: []RoleBindingRef{
			{ID: "rb1", Role: "org_owner", Scope: "organization", OrganizationID: "o-1"},
			{ID: "rb2", Role: "project_owner", Scope: "project", OrganizationID: "o-1", ProjectID: "p-1"},
		},
	}
	if !reflect.DeepEqual(me, want) {
		t.Fatalf("got  %+v\nwant %+v", me, want)
	}
}

func TestMachineUserCRUD(t *testing.T) {
	type call struct{ method, path, body string }
	var calls []call
	var mu sync.Mutex
	const muJSON = `{"type":"machine-user","id":"mu-1","href":"/api/v1/organizations/o/machine-users/mu-1",
	  "metadata":{"createdDate":"2025-02-01T00:00:00Z","createdBy":"admin","lastModifiedDate":"2025-02-02T00:00:00Z","lastModifiedBy":"admin","resourceOwner":"o","sequence":2},
	  "properties":{"organizationId":"o","username":"ci","name":"CI bot","description":"d","email":"ci@example.com","accessTokenType":"jwt"}}`
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls = append(calls, call{r.Method, r.URL.RequestURI(), string(b)})
		mu.Unlock()
		switch r.Method {
		case http.MethodPost:
			w.Header().Set("Location", "/api/v1/organizations/o/machine-users/mu-1")
			writeRaw(w, 201, muJSON)
		case http.MethodDelete:
			w.WriteHeader(204)
		default:
			writeRaw(w, 200, muJSON)
		}
	})
	c, _ := newTestClient(t, srv.URL)
	ctx := context.Background()
	created, err := c.CreateMachineUser(ctx, "o", MachineUserCreate{ID: "mu-1", Username: "ci", Name: "CI bot", AccessTokenType: "jwt"})
	if err != nil {
		t.Fatal(err)
	}
	want := &MachineUser{ID: "mu-1", OrganizationID: "o", Username: "ci", Name: "CI bot", Description: "d",
		Email: "ci@example.com", AccessTokenType: "jwt", Metadata: Metadata{
			CreatedDate: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), CreatedBy: "admin",
			LastModifiedDate: time.Date(2025, 2, 2, 0, 0, 0, 0, time.UTC), LastModifiedBy: "admin", ResourceOwner: "o", Sequence: 2}}
	if !reflect.DeepEqual(created, want) {
		t.Fatalf("got %+v", created)
	}
	got, err := c.GetMachineUser(ctx, "o", "mu-1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v %v", got, err)
	}
	empty, name := "", "New"
	if _, err := c.UpdateMachineUser(ctx, "o", "mu-1", MachineUserUpdate{Name: &name, Description: &empty}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteMachineUser(ctx, "o", "mu-1"); err != nil {
		t.Fatal(err)
	}
	wantCalls := []call{
		{"POST", "/api/v1/organizations/o/machine-users", `{"id":"mu-1","username":"ci","name":"CI bot","accessTokenType":"jwt"}`},
		{"GET", "/api/v1/organizations/o/machine-users/mu-1", ""},
		{"PATCH", "/api/v1/organizations/o/machine-users/mu-1", `{"name":"New","description":""}`},
		{"DELETE", "/api/v1/organizations/o/machine-users/mu-1", ""},
	}
	if !reflect.DeepEqual(calls, wantCalls) {
		t.Fatalf("calls %+v", calls)
	}
}

// A timestamp that is not RFC 3339 is an error, not a zero time.
func TestBadTimestampRejected(t *testing.T) {
	var bad Organization
	if err := json.Unmarshal([]byte(`{"metadata":{"createdDate":"yesterday"}}`), &bad); err == nil {
		t.Fatal("bad timestamp accepted")
	}
}
