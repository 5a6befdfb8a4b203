package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

type clusterUser struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Href       string         `json:"href"`
	Metadata   map[string]any `json:"metadata"`
	Properties struct {
		ClusterID       string   `json:"clusterId"`
		Username        string   `json:"username"`
		System          bool     `json:"system"`
		Login           bool     `json:"login"`
		ConnectionLimit int      `json:"connectionLimit"`
		ValidUntil      *string  `json:"validUntil"`
		CreateDB        bool     `json:"createdb"`
		MemberOf        []string `json:"memberOf"`
		Rotation        string   `json:"rotation"`
		ActiveUsername  string   `json:"activeUsername"`
	} `json:"properties"`
}

func usersOf(t *testing.T, p page) []clusterUser {
	t.Helper()
	out := make([]clusterUser, len(p.Items))
	for i, raw := range p.Items {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func names(us []clusterUser) string {
	var out []string
	for _, u := range us {
		s := u.Properties.Username
		if u.Properties.System {
			s += "(system)"
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

func TestClusterUsersLifecycle(t *testing.T) {
	e := newEnv(t)
	pg, id := e.startPG("main")
	ctx := context.Background()
	users := "/api/v1/clusters/" + id + "/users"

	// Names that break naive quoting, and a "/" that must survive the URL.
	odd := []string{`o'brien "q"`, `with space`, `ünïcödé-名前`, `x; DROP ROLE postgres; --`, `a/b`, strings.Repeat("n", 63)}
	for i, name := range odd {
		password := "password-" + strings.Repeat("x", i) + "-'\";"
		r := e.do("POST", users, e.adminKey, map[string]any{"username": name, "password": password})
		var u clusterUser
		r.decode(201, &u)
		wantHref := users + "/" + url.PathEscape(name)
		if u.Type != "cluster-user" || u.ID != name || u.Href != wantHref || r.header.Get("Location") != wantHref ||
			u.Properties.Username != name || u.Properties.ClusterID != id || u.Properties.System || u.Metadata != nil {
			t.Fatalf("created %q: %+v, Location %q", name, u, r.header.Get("Location"))
		}
		if strings.Contains(string(r.body), password) {
			t.Fatal("the answer contains the password")
		}
		if err := pg.ConnectAs(ctx, name, password); err != nil {
			t.Fatalf("login as %q: %v", name, err)
		}
		var got clusterUser
		e.do("GET", u.Href, e.adminKey, nil).decode(200, &got)
		if got.ID != name || got.Properties.System {
			t.Fatalf("read %q: %+v", name, got)
		}
		newPassword := "rotated-" + password
		e.do("PATCH", u.Href, e.adminKey, map[string]any{"password": newPassword}).decode(200, &got)
		if got.ID != name || got.Href != wantHref {
			t.Fatalf("patched %q: %+v", name, got)
		}
		if err := pg.ConnectAs(ctx, name, newPassword); err != nil {
			t.Fatalf("login as %q with the new password: %v", name, err)
		}
		if err := pg.ConnectAs(ctx, name, password); err == nil {
			t.Fatalf("%q still logs in with the old password", name)
		}
	}

	// Lists: ordered by name, system users only on request, pages.
	if err := pg.Exec(ctx, `CREATE ROLE "by hand" LOGIN PASSWORD 'by-hand-password'`); err != nil {
		t.Fatal(err)
	}
	var all page
	e.do("GET", users, e.adminKey, nil).decode(200, &all)
	if all.Total != len(odd) || len(all.Items) != len(odd) || strings.Contains(names(usersOf(t, all)), "(system)") {
		t.Fatalf("managed users: %d %s", all.Total, names(usersOf(t, all)))
	}
	var sys page
	e.do("GET", users+"?system=true", e.adminKey, nil).decode(200, &sys)
	got := names(usersOf(t, sys))
	if sys.Total != len(odd)+2 || !strings.Contains(got, "by hand(system)") || !strings.Contains(got, "postgres(system)") ||
		strings.Contains(got, "pg_") || strings.Contains(got, "pgcloud_managed") {
		t.Fatalf("all users: %d %s", sys.Total, got)
	}
	var p2 page
	e.do("GET", users+"?system=true&limit=2&offset=2", e.adminKey, nil).decode(200, &p2)
	if p2.Total != sys.Total || len(p2.Items) != 2 || p2.Links.Next != users+"?system=true&limit=2&offset=4" ||
		p2.Links.Prev != users+"?system=true&limit=2&offset=0" {
		t.Fatalf("page: %+v", p2)
	}
	if names(usersOf(t, p2)) != names(usersOf(t, sys)[2:4]) {
		t.Errorf("page 2 %s is not items 2-3 of %s", names(usersOf(t, p2)), got)
	}
	e.do("GET", users+"?system=false", e.adminKey, nil).want(200)
	e.do("GET", users+"?system=yes", e.adminKey, nil).wantError(422, "INVALID_ARGUMENT", "system")
	e.do("GET", users+"?offset=-1", e.adminKey, nil).wantError(422, "INVALID_ARGUMENT", "offset")

	// System users: readable, immutable, and their names are taken.
	var bh clusterUser
	e.do("GET", users+"/by%20hand", e.adminKey, nil).decode(200, &bh)
	if !bh.Properties.System {
		t.Fatalf("by hand: %+v", bh)
	}
	e.do("PATCH", users+"/by%20hand", e.adminKey, map[string]any{"password": "0123456789"}).wantError(409, "SYSTEM_USER_IMMUTABLE")
	e.do("DELETE", users+"/by%20hand", e.adminKey, nil).wantError(409, "SYSTEM_USER_IMMUTABLE")
	e.do("DELETE", users+"/postgres", e.adminKey, nil).wantError(409, "SYSTEM_USER_IMMUTABLE")
	e.do("POST", users, e.adminKey, map[string]any{"username": "by hand", "password": "0123456789"}).
		wantError(409, "ALREADY_EXISTS", "username")
	if err := pg.ConnectAs(ctx, "by hand", "by-hand-password"); err != nil {
		t.Fatalf("the system user was changed: %v", err)
	}
	e.do("GET", users+"/pg_monitor", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("GET", users+"/pgcloud_managed", e.adminKey, nil).wantError(404, "NOT_FOUND")

	// Drift: a role dropped by hand is gone from the API.
	if err := pg.Exec(ctx, `DROP ROLE "with space"`); err != nil {
		t.Fatal(err)
	}
	e.do("GET", users+"/with%20space", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("PATCH", users+"/with%20space", e.adminKey, map[string]any{"password": "0123456789"}).wantError(404, "NOT_FOUND")
	e.do("DELETE", users+"/with%20space", e.adminKey, nil).wantError(404, "NOT_FOUND")

	// Delete.
	for _, name := range odd {
		if name == "with space" {
			continue
		}
		e.do("DELETE", users+"/"+url.PathEscape(name), e.adminKey, nil).want(204)
		e.do("GET", users+"/"+url.PathEscape(name), e.adminKey, nil).wantError(404, "NOT_FOUND")
	}
	e.do("GET", users, e.adminKey, nil).decode(200, &all)
	if all.Total != 0 {
		t.Fatalf("%d users left: %s", all.Total, names(usersOf(t, all)))
	}
}

func TestClusterUserRules(t *testing.T) {
	e := newEnv(t)
	_, id := e.startPG("main")
	users := "/api/v1/clusters/" + id + "/users"
	ok := "0123456789"
	for _, c := range []struct {
		body   any
		status int
		fields []string
	}{
		{map[string]any{"password": ok}, 422, []string{"username"}},
		{map[string]any{"username": "", "password": ok}, 422, []string{"username"}},
		{map[string]any{"username": strings.Repeat("é", 32), "password": ok}, 422, []string{"username"}}, // 64 bytes
		{map[string]any{"username": "pg_x", "password": ok}, 422, []string{"username"}},
		{map[string]any{"username": "PG_X", "password": ok}, 422, []string{"username"}},
		{map[string]any{"username": "postgres", "password": ok}, 422, []string{"username"}},
		{map[string]any{"username": "Admin", "password": ok}, 422, []string{"username"}},
		{map[string]any{"username": "STANDBY", "password": ok}, 422, []string{"username"}},
		{map[string]any{"username": "pgcloud_managed", "password": ok}, 422, []string{"username"}},
		{map[string]any{"username": "a\x00b", "password": ok}, 422, []string{"username"}},
		{map[string]any{"username": "u"}, 422, []string{"password"}},
		{map[string]any{"username": "u", "password": "012345678"}, 422, []string{"password"}},
		{map[string]any{"username": "u", "password": strings.Repeat("p", 64)}, 422, []string{"password"}},
		{map[string]any{"username": "u", "password": ok, "system": true, "extra": 1}, 422, []string{"extra", "system"}},
		{map[string]any{"username": 5, "password": ok}, 400, []string{"username"}},
		{`{"username":`, 400, nil},
	} {
		e.do("POST", users, e.adminKey, c.body).wantError(c.status, "INVALID_ARGUMENT", c.fields...)
	}
	// Names only PostgreSQL itself knows to refuse.
	for _, name := range []string{"public", "none"} {
		e.do("POST", users, e.adminKey, map[string]any{"username": name, "password": ok}).wantError(422, "INVALID_ARGUMENT", "username")
	}
	// 63 bytes of two-byte characters minus one: fine; 10 and 63 characters of password: fine.
	e.do("POST", users, e.adminKey, map[string]any{"username": strings.Repeat("é", 31) + "x", "password": strings.Repeat("ü", 10)}).want(201)
	e.do("POST", users, e.adminKey, map[string]any{"username": "u", "password": strings.Repeat("p", 63)}).want(201)

	for _, c := range []struct {
		body   any
		fields []string
	}{
		{map[string]any{}, []string{"password"}},
		{map[string]any{"username": "v"}, []string{"username"}},
		{map[string]any{"password": ok, "clusterId": "x"}, []string{"clusterId"}},
		{map[string]any{"password": "short"}, []string{"password"}},
	} {
		e.do("PATCH", users+"/u", e.adminKey, c.body).wantError(422, "INVALID_ARGUMENT", c.fields...)
	}
	// A name no role can have, in the path: NUL, invalid UTF-8 (raw or
	// escaped). "No such user", never a failure of the server.
	for _, name := range []string{"a%00b", "%ff%fe", "ok%c3"} {
		e.do("GET", users+"/"+name, e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.do("DELETE", users+"/"+name, e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.do("PATCH", users+"/"+name, e.adminKey, map[string]any{"password": ok}).wantError(404, "NOT_FOUND")
	}
	var all page
	e.do("GET", users, e.adminKey, nil).decode(200, &all)
	if all.Total != 2 {
		t.Fatalf("refused requests wrote something: %s", names(usersOf(t, all)))
	}
}

func TestClusterUserDeleteOfOwner(t *testing.T) {
	e := newEnv(t)
	pg, id := e.startPG("main")
	ctx := context.Background()
	users := "/api/v1/clusters/" + id + "/users"
	e.do("POST", users, e.adminKey, map[string]any{"username": "app owner", "password": "0123456789"}).want(201)
	if err := pg.Exec(ctx, `CREATE TABLE orders (id int); ALTER TABLE orders OWNER TO "app owner"`); err != nil {
		t.Fatal(err)
	}
	er := e.do("DELETE", users+"/app%20owner", e.adminKey, nil).wantError(409, "FAILED_PRECONDITION")
	for _, want := range []string{"owner of table orders", `REASSIGN OWNED BY "app owner"`, `DROP OWNED BY "app owner"`, "revoke"} {
		if !strings.Contains(er.Message, want) {
			t.Errorf("message %q does not say %q", er.Message, want)
		}
	}
	// Left intact.
	e.do("GET", users+"/app%20owner", e.adminKey, nil).want(200)
	if err := pg.ConnectAs(ctx, "app owner", "0123456789"); err != nil {
		t.Fatal(err)
	}
	if err := pg.Exec(ctx, `DROP TABLE orders`); err != nil {
		t.Fatal(err)
	}
	e.do("DELETE", users+"/app%20owner", e.adminKey, nil).want(204)
}

func TestClusterUserConcurrentCreates(t *testing.T) {
	e := newEnv(t)
	_, id := e.startPG("main")
	users := "/api/v1/clusters/" + id + "/users"
	const n = 6
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		errs     []error
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.try("POST", users, e.adminKey, map[string]any{"username": "racer", "password": "0123456789"})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			statuses[r.status]++
		}()
	}
	wg.Wait()
	if len(errs) > 0 || statuses[201] != 1 || statuses[409] != n-1 {
		t.Fatalf("statuses %v, errors %v; want one 201 and %d 409", statuses, errs, n-1)
	}
}

func TestClusterUserIdempotency(t *testing.T) {
	e := newEnv(t)
	_, id := e.startPG("main")
	users := "/api/v1/clusters/" + id + "/users"
	body := map[string]any{"username": "once", "password": "0123456789"}
	first := e.do("POST", users, e.adminKey, body, "Idempotency-Key", "k-1").want(201)
	again := e.do("POST", users, e.adminKey, body, "Idempotency-Key", "k-1").want(201)
	if again.header.Get("Idempotent-Replayed") != "true" || string(again.body) != string(first.body) ||
		again.header.Get("Location") != first.header.Get("Location") {
		t.Fatalf("replay: %s %v", again.body, again.header)
	}
	e.do("POST", users, e.adminKey, map[string]any{"username": "other", "password": "0123456789"}, "Idempotency-Key", "k-1").
		wantError(422, "INVALID_ARGUMENT", "Idempotency-Key")
	e.do("POST", users, e.adminKey, body, "Idempotency-Key", "").wantError(422, "INVALID_ARGUMENT", "Idempotency-Key")
	// Without the key, the same request is a conflict: the role exists.
	e.do("POST", users, e.adminKey, body).wantError(409, "ALREADY_EXISTS", "username")
	// The record survives a restart.
	e.restart()
	after := e.do("POST", users, e.adminKey, body, "Idempotency-Key", "k-1").want(201)
	if after.header.Get("Idempotent-Replayed") != "true" || string(after.body) != string(first.body) {
		t.Fatalf("replay after restart: %s", after.body)
	}
	if n := e.total(users); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
}

// A role dropped in the cluster itself (not through the API) is not
// reported created again by a replay of its first answer: the create runs
// anew and the role exists afterwards.
func TestClusterUserReplayOfADroppedRole(t *testing.T) {
	e := newEnv(t)
	pg, id := e.startPG("main")
	users := "/api/v1/clusters/" + id + "/users"
	body := map[string]any{"username": "dropped", "password": "0123456789"}
	e.do("POST", users, e.adminKey, body, "Idempotency-Key", "k-1").want(201)
	if err := pg.Exec(context.Background(), `DROP ROLE "dropped"`); err != nil {
		t.Fatal(err)
	}
	again := e.do("POST", users, e.adminKey, body, "Idempotency-Key", "k-1").want(201)
	if again.header.Get("Idempotent-Replayed") != "" {
		t.Fatal("the create of a dropped role was answered from its first answer")
	}
	if err := pg.ConnectAs(context.Background(), "dropped", "0123456789"); err != nil {
		t.Fatalf("the role is not there after the create: %v", err)
	}
	if r := e.do("POST", users, e.adminKey, body, "Idempotency-Key", "k-1").want(201); r.header.Get("Idempotent-Replayed") != "true" {
		t.Error("the new first answer is not replayed")
	}
}

// TestClusterPasswordsStayOutOfLogs: with log_statement = 'all', neither
// PostgreSQL's log nor the server's shows a password (nor the server's the
// DSN); PostgreSQL's log shows the verifier that was sent instead.
func TestClusterPasswordsStayOutOfLogs(t *testing.T) {
	e := newEnv(t)
	pg, id := e.startPG("main")
	users := "/api/v1/clusters/" + id + "/users"
	first, second := "first-Secret-Pw-9731", "second-Secret-Pw-2864"
	e.do("POST", users, e.adminKey, map[string]any{"username": "logged", "password": first}, "Idempotency-Key", "log-1").want(201)
	e.do("PATCH", users+"/logged", e.adminKey, map[string]any{"password": second}).want(200)
	e.do("POST", users, e.adminKey, map[string]any{"username": "logged", "password": first}).wantError(409, "ALREADY_EXISTS")
	e.do("DELETE", users+"/logged", e.adminKey, nil).want(204)

	pgLog, err := pg.Log()
	if err != nil {
		t.Fatal(err)
	}
	if pg.LogFile != "" && (!strings.Contains(pgLog, `CREATE ROLE "logged" LOGIN PASSWORD 'SCRAM-SHA-256$4096:`) ||
		!strings.Contains(pgLog, `ALTER ROLE "logged" PASSWORD 'SCRAM-SHA-256$4096:`)) {
		t.Fatalf("PostgreSQL did not log the statements; log_statement is not 'all'?\n%s", pgLog)
	}
	serverLog := e.logs.String()
	if !strings.Contains(serverLog, `"path":"/api/v1/clusters/`+id+`/users/logged"`) {
		t.Fatalf("the server log misses the requests:\n%s", serverLog)
	}
	for _, secret := range []string{first, second} {
		if strings.Contains(pgLog, secret) {
			t.Errorf("PostgreSQL's log contains a plain password")
		}
		if strings.Contains(serverLog, secret) {
			t.Errorf("the server's log contains a plain password")
		}
	}
	if strings.Contains(serverLog, pg.DSN) || strings.Contains(serverLog, dsnPassword(pg.DSN)) {
		t.Errorf("the server's log contains the DSN")
	}
}

func TestClusterUnavailable(t *testing.T) {
	e := newEnv(t)
	pg, id := e.startPG("main")
	users := "/api/v1/clusters/" + id + "/users"
	e.do("GET", users, e.adminKey, nil).want(200)
	pg.Stop()
	for _, r := range []*resp{
		e.do("GET", users, e.adminKey, nil),
		e.do("GET", users+"/x", e.adminKey, nil),
		e.do("POST", users, e.adminKey, map[string]any{"username": "x", "password": "0123456789"}),
		e.do("PATCH", users+"/x", e.adminKey, map[string]any{"password": "0123456789"}),
		e.do("DELETE", users+"/x", e.adminKey, nil),
		e.do("POST", users+"/x/terminate-connections", e.adminKey, nil),
	} {
		er := r.wantError(503, "UNAVAILABLE")
		if got := r.header.Get("Retry-After"); got != "2" {
			t.Errorf("Retry-After %q, want 2: the client waits that long before its retry", got)
		}
		if !strings.Contains(er.Message, `cluster "main" cannot be reached`) || strings.Contains(er.Message, dsnPassword(pg.DSN)) ||
			strings.Contains(er.Message, "127.0.0.1") {
			t.Errorf("message: %s", er.Message)
		}
	}
	// The cluster itself is still readable: it lives in the store.
	e.do("GET", "/api/v1/clusters/"+id, e.adminKey, nil).want(200)
}

// connectionTermination is the decoded answer of ending a cluster user's
// connections.
type connectionTermination struct {
	Type       string `json:"type"`
	Href       string `json:"href"`
	Properties struct {
		ClusterID  string `json:"clusterId"`
		Username   string `json:"username"`
		Terminated int    `json:"terminated"`
	} `json:"properties"`
}

// openConns opens n connections to pg as user, closed when the test ends.
func openConns(t *testing.T, pg *testpg.Postgres, user, password string, n int) []*pgx.Conn {
	t.Helper()
	var out []*pgx.Conn
	for range n {
		conn, err := pg.OpenAs(context.Background(), user, password)
		if err != nil {
			t.Fatalf("connect as %q: %v", user, err)
		}
		t.Cleanup(func() { _ = conn.Close(context.Background()) })
		out = append(out, conn)
	}
	return out
}

// connAlive reports whether conn still answers a query.
func connAlive(conn *pgx.Conn) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one) == nil
}

// Right after a password rotation: one request ends the open connections of
// the cluster user, for real, and only those.
func TestClusterUserTerminateConnections(t *testing.T) {
	e := newEnv(t)
	pg, id := e.startPG("main")
	ctx := context.Background()
	users := "/api/v1/clusters/" + id + "/users"
	for _, name := range []string{"app user", "other"} {
		e.do("POST", users, e.adminKey, map[string]any{"username": name, "password": "0123456789"}).want(201)
	}
	app := openConns(t, pg, "app user", "0123456789", 2)
	other := openConns(t, pg, "other", "0123456789", 1)[0]
	// The password rotates, then the sessions opened with the old one end.
	e.do("PATCH", users+"/app%20user", e.adminKey, map[string]any{"password": "rotated-password"}).want(200)
	terminate := users + "/app%20user/terminate-connections"

	var got connectionTermination
	r := e.do("POST", terminate, e.adminKey, nil)
	r.decode(200, &got)
	if got.Type != "connection-termination" || got.Href != terminate || got.Properties.ClusterID != id ||
		got.Properties.Username != "app user" || got.Properties.Terminated != 2 || r.header.Get("Location") != "" {
		t.Fatalf("answer %+v", got)
	}
	for i, conn := range app {
		if connAlive(conn) {
			t.Errorf("connection %d of the user still works", i)
		}
	}
	if n, err := pg.QueryString(ctx, `SELECT count(*)::text FROM pg_stat_activity WHERE usename = 'app user'`); err != nil || n != "0" {
		t.Errorf("%s backends of the user left (%v)", n, err)
	}
	if !connAlive(other) {
		t.Error("another user's connection was ended")
	}
	if err := pg.ConnectAs(ctx, "app user", "rotated-password"); err != nil {
		t.Errorf("the user cannot log in with its new password: %v", err)
	}
	// That login's backend ends a moment after its client closed it; until
	// then a termination would count it.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n, err := pg.QueryString(ctx, `SELECT count(*)::text FROM pg_stat_activity WHERE usename = 'app user'`)
		if err == nil && n == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s backends of the user 10 s after its last client closed (%v)", n, err)
		}
	}

	// None left: 0. An empty object is no input either.
	e.do("POST", terminate, e.adminKey, map[string]any{}).decode(200, &got)
	if got.Properties.Terminated != 0 {
		t.Errorf("second termination: %d, want 0", got.Properties.Terminated)
	}

	// With an Idempotency-Key, a repeat is answered with the first answer
	// (a retry of a lost answer reports what the first attempt ended).
	openConns(t, pg, "app user", "rotated-password", 1)
	first := e.do("POST", terminate, e.adminKey, nil, "Idempotency-Key", "end-1")
	first.decode(200, &got)
	if got.Properties.Terminated != 1 {
		t.Fatalf("terminated %d, want 1", got.Properties.Terminated)
	}
	again := e.do("POST", terminate, e.adminKey, nil, "Idempotency-Key", "end-1").want(200)
	if string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %s %v", again.body, again.header)
	}
	e.do("POST", users+"/other/terminate-connections", e.adminKey, nil, "Idempotency-Key", "end-1").
		wantError(422, "INVALID_ARGUMENT", "Idempotency-Key")
	if !connAlive(other) {
		t.Error("a refused termination ended a connection")
	}

	// No input is taken; unknown, system and impossible users end nothing.
	e.do("POST", terminate, e.adminKey, map[string]any{"force": true, "all": 1}).wantError(422, "INVALID_ARGUMENT", "all", "force")
	e.do("POST", terminate, e.adminKey, `[]`).wantError(400, "INVALID_ARGUMENT")
	e.do("POST", users+"/nobody/terminate-connections", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("POST", users+"/a%00b/terminate-connections", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("POST", "/api/v1/clusters/nope/users/other/terminate-connections", e.adminKey, nil).wantError(404, "NOT_FOUND")
	super, err := pg.OpenAs(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = super.Close(ctx) }()
	er := e.do("POST", users+"/postgres/terminate-connections", e.adminKey, nil).wantError(409, "SYSTEM_USER_IMMUTABLE")
	if !strings.Contains(er.Message, "system user") {
		t.Errorf("409 message %q", er.Message)
	}
	if !connAlive(super) || !connAlive(other) {
		t.Error("a refused termination ended a connection")
	}
	// A project viewer may read the user, not end its connections; the 403
	// says which roles may.
	viewer := e.person("viewer@example.com", "project_viewer")
	er = e.do("POST", users+"/other/terminate-connections", viewer, nil).wantError(403, "PERMISSION_DENIED")
	if !strings.Contains(er.Message, "project_editor or project_owner") {
		t.Errorf("403 message %q does not name the roles", er.Message)
	}
	if !connAlive(other) {
		t.Error("a refused termination ended a connection")
	}
	// Deleting the user forgets the recorded answer with it.
	e.do("DELETE", users+"/app%20user", e.adminKey, nil).want(204)
	e.do("POST", terminate, e.adminKey, nil, "Idempotency-Key", "end-1").wantError(404, "NOT_FOUND")
}

// A cluster registered with a CREATEROLE role manages its users, but ending
// their connections needs pg_signal_backend as well: the answer says so,
// and nothing ends.
func TestClusterUserTerminateConnectionsNeedsSignalBackend(t *testing.T) {
	e := newEnv(t)
	pg, _ := e.startPG("main")
	ctx := context.Background()
	if err := pg.Exec(ctx, `CREATE ROLE operator LOGIN CREATEROLE PASSWORD 'operator-password'`); err != nil {
		t.Fatal(err)
	}
	id, err := e.srv.Admin().AddCluster(ctx, e.projectID, "limited",
		fmt.Sprintf("postgres://operator:operator-password@127.0.0.1:%d/postgres?sslmode=disable", pg.Port))
	if err != nil {
		t.Fatal(err)
	}
	users := "/api/v1/clusters/" + id + "/users"
	e.do("POST", users, e.adminKey, map[string]any{"username": "app", "password": "0123456789"}).want(201)
	conn := openConns(t, pg, "app", "0123456789", 1)[0]
	er := e.do("POST", users+"/app/terminate-connections", e.adminKey, nil).wantError(409, "FAILED_PRECONDITION")
	if !strings.Contains(er.Message, `GRANT pg_signal_backend TO "operator"`) || !strings.Contains(er.Message, `cluster "limited"`) {
		t.Errorf("409 message %q does not say what to grant", er.Message)
	}
	if !connAlive(conn) {
		t.Fatal("the refused termination ended the connection")
	}
	if err := pg.Exec(ctx, `GRANT pg_signal_backend TO operator`); err != nil {
		t.Fatal(err)
	}
	var got connectionTermination
	e.do("POST", users+"/app/terminate-connections", e.adminKey, nil).decode(200, &got)
	if got.Properties.Terminated != 1 || connAlive(conn) {
		t.Errorf("terminated %d, connection alive %v", got.Properties.Terminated, connAlive(conn))
	}
}
