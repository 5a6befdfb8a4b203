package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

type clusterRole struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Href       string `json:"href"`
	Properties struct {
		ClusterID string   `json:"clusterId"`
		Name      string   `json:"name"`
		MemberOf  []string `json:"memberOf"`
	} `json:"properties"`
}

// Attributes and memberships of cluster users, and group roles, on a real
// PostgreSQL: what the API says is what the cluster does.
func TestClusterUserAttributesAndGroups(t *testing.T) {
	e := newEnv(t)
	pg, id := e.startPG("main")
	ctx := context.Background()
	users := "/api/v1/clusters/" + id + "/users"
	roles := "/api/v1/clusters/" + id + "/roles"

	// Defaults.
	var u clusterUser
	e.do("POST", users, e.adminKey, map[string]any{"username": "plain", "password": "0123456789"}).decode(201, &u)
	p := u.Properties
	if !p.Login || p.ConnectionLimit != -1 || p.ValidUntil != nil || p.CreateDB || len(p.MemberOf) != 0 ||
		p.Rotation != "none" || p.ActiveUsername != "plain" {
		t.Fatalf("defaults: %+v", p)
	}

	// A group role, and a user that reads everything through predefined
	// roles and the group.
	var g clusterRole
	e.do("POST", roles, e.adminKey, map[string]any{"name": "app_readers"}).decode(201, &g)
	if g.Type != "cluster-role" || g.ID != "app_readers" || g.Href != roles+"/app_readers" || len(g.Properties.MemberOf) != 0 {
		t.Fatalf("group: %+v", g)
	}
	e.do("POST", roles, e.adminKey, map[string]any{"name": "app_readers"}).wantError(409, "ALREADY_EXISTS", "name")
	e.do("POST", users, e.adminKey, map[string]any{"username": "reporting", "password": "0123456789",
		"memberOf": []string{"pg_read_all_data", "app_readers"}, "connectionLimit": 1, "createdb": true,
		"validUntil": "2099-12-31T23:00:00+01:00"}).decode(201, &u)
	p = u.Properties
	if fmt.Sprint(p.MemberOf) != "[app_readers pg_read_all_data]" || p.ConnectionLimit != 1 || !p.CreateDB ||
		p.ValidUntil == nil || *p.ValidUntil != "2099-12-31T22:00:00Z" {
		t.Fatalf("created: %+v", p)
	}
	var got clusterUser
	e.do("GET", users+"/reporting", e.adminKey, nil).decode(200, &got)
	if asJSON(t, got.Properties) != asJSON(t, p) {
		t.Fatalf("read %+v, created %+v", got.Properties, p)
	}
	// Group roles are neither users nor listed as such.
	e.do("GET", users+"/app_readers", e.adminKey, nil).wantError(404, "NOT_FOUND")
	var all page
	e.do("GET", users+"?system=true", e.adminKey, nil).decode(200, &all)
	if strings.Contains(names(usersOf(t, all)), "app_readers") || strings.Contains(names(usersOf(t, all)), "pgcloud_") {
		t.Fatalf("users list: %s", names(usersOf(t, all)))
	}
	e.do("GET", roles, e.adminKey, nil).decode(200, &all)
	if all.Total != 1 {
		t.Fatalf("%d group roles, want 1", all.Total)
	}
	e.do("GET", roles+"/reporting", e.adminKey, nil).wantError(404, "NOT_FOUND")

	// pg_read_all_data reads a table another role owns, and writes nothing.
	if err := pg.Exec(ctx, `CREATE TABLE sales (amount int); INSERT INTO sales VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	conn := openConns(t, pg, "reporting", "0123456789", 1)[0]
	var amount int
	if err := conn.QueryRow(ctx, `SELECT amount FROM sales`).Scan(&amount); err != nil || amount != 42 {
		t.Fatalf("SELECT as reporting: %d %v", amount, err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO sales VALUES (1)`); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("INSERT as reporting: %v, want permission denied", err)
	}
	// connectionLimit 1: a second connection is refused.
	if err := pg.ConnectAs(ctx, "reporting", "0123456789"); err == nil || !strings.Contains(err.Error(), "too many connections") {
		t.Fatalf("second connection: %v, want too many connections", err)
	}

	// Drift: a membership revoked by hand shows, and PATCH puts it back.
	if err := pg.Exec(ctx, `REVOKE pg_read_all_data FROM reporting`); err != nil {
		t.Fatal(err)
	}
	e.do("GET", users+"/reporting", e.adminKey, nil).decode(200, &got)
	if fmt.Sprint(got.Properties.MemberOf) != "[app_readers]" {
		t.Fatalf("after the revoke by hand: %v", got.Properties.MemberOf)
	}
	e.do("PATCH", users+"/reporting", e.adminKey, map[string]any{"memberOf": []string{"pg_read_all_data", "pg_monitor"},
		"connectionLimit": -1, "validUntil": nil, "createdb": false, "login": false}).decode(200, &got)
	p = got.Properties
	if fmt.Sprint(p.MemberOf) != "[pg_monitor pg_read_all_data]" || p.ConnectionLimit != -1 || p.ValidUntil != nil || p.CreateDB || p.Login {
		t.Fatalf("patched: %+v", p)
	}
	if n, _ := pg.QueryString(ctx, `SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
		JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = 'reporting'`); n != "pg_monitor,pg_read_all_data,pgcloud_managed" {
		t.Fatalf("memberships in the cluster: %s", n)
	}
	if err := pg.ConnectAs(ctx, "reporting", "0123456789"); err == nil || !strings.Contains(err.Error(), "not permitted to log in") {
		t.Fatalf("login with login=false: %v", err)
	}
	// validUntil in the past: the password no longer works.
	e.do("PATCH", users+"/reporting", e.adminKey, map[string]any{"login": true, "validUntil": "2001-01-01T00:00:00Z"}).want(200)
	if err := pg.ConnectAs(ctx, "reporting", "0123456789"); err == nil || !strings.Contains(err.Error(), "password authentication failed") {
		t.Fatalf("login after validUntil: %v", err)
	}
	e.do("PATCH", users+"/reporting", e.adminKey, map[string]any{"validUntil": time.Now().Add(time.Hour).Format(time.RFC3339)}).want(200)
	if err := pg.ConnectAs(ctx, "reporting", "0123456789"); err != nil {
		t.Fatalf("login with validUntil in an hour: %v", err)
	}

	// Group roles in groups; a cycle is refused, naming memberOf.
	e.do("POST", roles, e.adminKey, map[string]any{"name": "app_writers", "memberOf": []string{"app_readers", "pg_write_all_data"}}).want(201)
	e.do("PATCH", roles+"/app_readers", e.adminKey, map[string]any{"memberOf": []string{"app_writers"}}).wantError(422, "INVALID_ARGUMENT", "memberOf")
	e.do("PATCH", roles+"/app_readers", e.adminKey, map[string]any{"memberOf": []string{"pg_read_all_data"}}).decode(200, &g)
	if fmt.Sprint(g.Properties.MemberOf) != "[pg_read_all_data]" {
		t.Fatalf("group patched: %+v", g)
	}

	// Never: superuser and friends, roles the platform does not manage,
	// other pg_* roles, the markers, users as groups.
	if err := pg.Exec(ctx, `CREATE ROLE "dba stuff" NOLOGIN`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, path string
		body         map[string]any
		status       int
		fields       []string
	}{
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "superuser": true, "createrole": false,
			"replication": true, "bypassrls": true}, 422, []string{"bypassrls", "createrole", "replication", "superuser"}},
		{"PATCH", users + "/plain", map[string]any{"superuser": true}, 422, []string{"superuser"}},
		{"PATCH", users + "/plain", map[string]any{"rotation": "alternating"}, 422, []string{"rotation"}},
		{"POST", roles, map[string]any{"name": "y", "createrole": true}, 422, []string{"createrole"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "memberOf": []string{"dba stuff"}}, 422, []string{"memberOf"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "memberOf": []string{"postgres"}}, 422, []string{"memberOf"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "memberOf": []string{"plain"}}, 422, []string{"memberOf"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "memberOf": []string{"pg_execute_server_program"}}, 422, []string{"memberOf"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "memberOf": []string{"pgcloud_managed"}}, 422, []string{"memberOf"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "memberOf": []string{"app_readers", "app_readers"}}, 422, []string{"memberOf"}},
		{"PATCH", users + "/plain", map[string]any{"memberOf": []string{"dba stuff"}}, 422, []string{"memberOf"}},
		{"PATCH", roles + "/app_readers", map[string]any{"memberOf": []string{"pg_write_server_files"}}, 422, []string{"memberOf"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "connectionLimit": 0}, 422, []string{"connectionLimit"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "connectionLimit": 1001}, 422, []string{"connectionLimit"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "connectionLimit": 1.5}, 422, []string{"connectionLimit"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "validUntil": "tomorrow"}, 422, []string{"validUntil"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "rotation": "daily"}, 422, []string{"rotation"}},
		{"POST", users, map[string]any{"username": strings.Repeat("n", 60), "password": "0123456789", "rotation": "alternating"}, 422, []string{"username"}},
		{"PATCH", users + "/plain", map[string]any{}, 422, []string{"password"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "login": "yes"}, 400, []string{"login"}},
		{"POST", users, map[string]any{"username": "x", "password": "0123456789", "memberOf": "app_readers"}, 400, []string{"memberOf"}},
	} {
		e.do(c.method, c.path, e.adminKey, c.body).wantError(c.status, "INVALID_ARGUMENT", c.fields...)
	}
	if n, _ := pg.QueryString(ctx, `SELECT count(*)::text FROM pg_roles WHERE rolname IN ('x', 'y')`); n != "0" {
		t.Fatal("a refused request created a role")
	}
	e.do("PATCH", users+"/postgres", e.adminKey, map[string]any{"memberOf": []string{}}).wantError(409, "SYSTEM_USER_IMMUTABLE")

	// Dropping a group: its members lose the membership.
	e.do("PATCH", users+"/plain", e.adminKey, map[string]any{"memberOf": []string{"app_writers"}}).want(200)
	e.do("DELETE", roles+"/app_writers", e.adminKey, nil).want(204)
	e.do("GET", users+"/plain", e.adminKey, nil).decode(200, &got)
	if len(got.Properties.MemberOf) != 0 {
		t.Fatalf("member of a dropped group: %v", got.Properties.MemberOf)
	}
	e.do("DELETE", roles+"/app_writers", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("DELETE", roles+"/plain", e.adminKey, nil).wantError(404, "NOT_FOUND")
}

// Memberships and role changes of one cluster are serialized: 50 parallel
// membership changes, and not one fails (PostgreSQL alone would answer some
// with "tuple concurrently updated").
func TestClusterMembershipChangesInParallel(t *testing.T) {
	e := newEnv(t)
	_, id := e.startPG("main")
	users := "/api/v1/clusters/" + id + "/users"
	roles := "/api/v1/clusters/" + id + "/roles"
	groups := []string{"g0", "g1", "g2", "g3", "g4"}
	for _, g := range groups {
		e.do("POST", roles, e.adminKey, map[string]any{"name": g}).want(201)
	}
	for i := range 5 {
		e.do("POST", users, e.adminKey, map[string]any{"username": fmt.Sprintf("u%d", i), "password": "0123456789"}).want(201)
	}
	const n = 50
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		fail []string
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var (
				r   *resp
				err error
			)
			if i%5 == 4 { // some change the groups themselves
				r, err = e.try("PATCH", roles+"/"+groups[i%3], e.adminKey, map[string]any{"memberOf": []string{"pg_monitor", groups[3+i%2]}})
			} else {
				r, err = e.try("PATCH", users+fmt.Sprintf("/u%d", i%5), e.adminKey, map[string]any{"memberOf": groups[:1+i%5]})
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fail = append(fail, err.Error())
			} else if r.status != 200 {
				fail = append(fail, fmt.Sprintf("%d %s", r.status, r.body))
			}
		}()
	}
	wg.Wait()
	if len(fail) > 0 {
		t.Fatalf("%d of %d membership changes failed: %s", len(fail), n, strings.Join(fail, "\n"))
	}
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Alternating rotation: two login roles, one user; each new password goes
// to the inactive role, which becomes active, so a client connected with the
// old credentials keeps working and can even log in again, until the next
// rotation. Three rotations, with real connections; no password in any log
// or in the store.
func TestClusterUserAlternatingRotation(t *testing.T) {
	e := newEnv(t)
	pg, id := e.startPG("main")
	ctx := context.Background()
	users := "/api/v1/clusters/" + id + "/users"
	roles := "/api/v1/clusters/" + id + "/roles"
	var secrets secretsAtRest
	e.do("POST", roles, e.adminKey, map[string]any{"name": "app_readers", "memberOf": []string{"pg_read_all_data"}}).want(201)
	passwords := []string{"rotation-Pw-0-4711x", "rotation-Pw-1-0815y", "rotation-Pw-2-1234z", "rotation-Pw-3-9876w"}
	for i, p := range passwords {
		secrets.add(fmt.Sprintf("password %d", i), p)
	}
	var u clusterUser
	e.do("POST", users, e.adminKey, map[string]any{"username": "app", "password": passwords[0], "rotation": "alternating",
		"memberOf": []string{"app_readers"}, "connectionLimit": 10}, "Idempotency-Key", "rot-1").decode(201, &u)
	if u.Properties.Rotation != "alternating" || u.Properties.ActiveUsername != "app" {
		t.Fatalf("created: %+v", u.Properties)
	}
	// One user: the second role is neither listed nor readable, its name is
	// taken, and it is in the same groups with the same attributes.
	var all page
	e.do("GET", users+"?system=true", e.adminKey, nil).decode(200, &all)
	if got := names(usersOf(t, all)); strings.Contains(got, "app_alt") || !strings.Contains(got, "app") {
		t.Fatalf("users: %s", got)
	}
	e.do("GET", users+"/app_alt", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("DELETE", users+"/app_alt", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("POST", users, e.adminKey, map[string]any{"username": "app_alt", "password": "0123456789"}).wantError(409, "ALREADY_EXISTS", "username")
	e.do("POST", roles, e.adminKey, map[string]any{"name": "app_alt"}).wantError(409, "ALREADY_EXISTS", "name")
	alt := func() string {
		s, err := pg.QueryString(ctx, `SELECT r.rolcanlogin || ' ' || r.rolconnlimit || ' ' || string_agg(g.rolname, ',' ORDER BY g.rolname)
			FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid
			WHERE r.rolname = 'app_alt' GROUP BY r.rolcanlogin, r.rolconnlimit`)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := alt(); got != "true 10 app_readers,pgcloud_alternate,pgcloud_managed" {
		t.Fatalf("app_alt: %s", got)
	}

	old := openConns(t, pg, "app", passwords[0], 1)[0]
	active := map[int]string{0: "app"}
	for i := 1; i <= 3; i++ {
		e.do("PATCH", users+"/app", e.adminKey, map[string]any{"password": passwords[i]}).decode(200, &u)
		want := map[bool]string{true: "app_alt", false: "app"}[i%2 == 1]
		active[i] = want
		if u.Properties.ActiveUsername != want {
			t.Fatalf("rotation %d: activeUsername %q, want %q", i, u.Properties.ActiveUsername, want)
		}
		// A new client logs in with the new credentials...
		if err := pg.ConnectAs(ctx, want, passwords[i]); err != nil {
			t.Fatalf("rotation %d: login as %s with the new password: %v", i, want, err)
		}
		// ...while the previous credentials still work, and the client
		// connected since before goes on.
		if err := pg.ConnectAs(ctx, active[i-1], passwords[i-1]); err != nil {
			t.Fatalf("rotation %d: login as %s with the previous password: %v", i, active[i-1], err)
		}
		if !connAlive(old) {
			t.Fatalf("rotation %d: the connection opened before the rotations was ended", i)
		}
		// The credentials before those are gone.
		if i >= 2 {
			if err := pg.ConnectAs(ctx, active[i-2], passwords[i-2]); err == nil {
				t.Fatalf("rotation %d: %s still logs in with password %d", i, active[i-2], i-2)
			}
		}
		var got clusterUser
		e.do("GET", users+"/app", e.adminKey, nil).decode(200, &got)
		if got.Properties.ActiveUsername != want {
			t.Fatalf("rotation %d: read activeUsername %q", i, got.Properties.ActiveUsername)
		}
	}
	// Attributes and memberships change on both roles.
	e.do("PATCH", users+"/app", e.adminKey, map[string]any{"memberOf": []string{"pg_monitor"}, "connectionLimit": 20}).want(200)
	if got := alt(); got != "true 20 pg_monitor,pgcloud_alternate,pgcloud_managed" {
		t.Fatalf("app_alt after PATCH: %s", got)
	}
	// Connections of both roles end together.
	openConns(t, pg, "app_alt", passwords[3], 1)
	var ended connectionTermination
	e.do("POST", users+"/app/terminate-connections", e.adminKey, nil).decode(200, &ended)
	if ended.Properties.Terminated != 2 || connAlive(old) {
		t.Fatalf("terminated %d (old alive %v), want 2", ended.Properties.Terminated, connAlive(old))
	}

	pgLog, err := pg.Log()
	if err != nil {
		t.Fatal(err)
	}
	found := secrets.findIn("PostgreSQL's log", []byte(pgLog), nil)
	found = append(found, secrets.findIn("the server's log", []byte(e.logs.String()), nil)...)
	found = append(found, secrets.scanDir(t, e.dir, e.adminKey)...)
	found = append(found, secrets.scanStore(t, e.store)...)
	for _, f := range found {
		t.Errorf("a password is readable: %s", f)
	}
	// Deleting the user drops both roles.
	e.do("DELETE", users+"/app", e.adminKey, nil).want(204)
	if n, _ := pg.QueryString(ctx, `SELECT count(*)::text FROM pg_roles WHERE rolname IN ('app', 'app_alt')`); n != "0" {
		t.Fatalf("%s roles left", n)
	}
}
