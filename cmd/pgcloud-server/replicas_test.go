package main

// Tests of several real pgcloud-server processes (replicas) on one
// PostgreSQL store: the binary built once for the package, a throwaway
// PostgreSQL from testpg, a fresh database per test. They race the replicas
// through HTTP and check the platform's invariants afterwards, through the
// API and in the database; they stop PostgreSQL under a running replica and
// kill a replica in the middle of a burst of writes; they run the admin
// commands against the PostgreSQL store while replicas serve.
//
// Rate limits and replicas: the limits live in each replica's memory, not in
// the store. --rate-limit/--rate-burst are per credential (access key or
// session token) per replica, and --auth-failure-rate/--auth-failure-burst
// (requests with a missing or wrong key) are per client address per replica
// (the address X-Forwarded-For names when the peer is one of
// --trusted-proxies). Behind a load balancer that spreads requests over N
// replicas a credential can therefore make up to N times --rate-limit
// requests per second, and an address up to N times --auth-failure-rate
// failed ones; TestReplicasRateLimitsPerReplica shows it.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// ---- the package's binary and PostgreSQL, made once ----

var (
	binaryOnce sync.Once
	binaryDir  string
	binaryPath string
	binaryErr  error

	replicaPGOnce sync.Once
	replicaPG     *testpg.Postgres
	replicaPGErr  error

	databases atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if replicaPG != nil {
		replicaPG.Stop()
	}
	if binaryDir != "" {
		_ = os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// serverBinary builds pgcloud-server once for the package's tests; with the
// race detector when the tests have it, so that a data race inside a
// replica under the tests' concurrency fails the test too (see
// replica.start).
func serverBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		if binaryDir, binaryErr = os.MkdirTemp("", "pgcloud-server-bin-"); binaryErr != nil {
			return
		}
		binaryPath = filepath.Join(binaryDir, "pgcloud-server")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		args := []string{"build", "-o", binaryPath}
		if raceDetector {
			args = append(args, "-race")
		}
		out, err := exec.CommandContext(ctx, "go", append(args, ".")...).CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// storePostgres is the package's PostgreSQL for stores. Without the
// PostgreSQL binaries the test fails, naming the package to install.
func storePostgres(t *testing.T) *testpg.Postgres {
	t.Helper()
	replicaPGOnce.Do(func() { replicaPG, replicaPGErr = testpg.Start() })
	if replicaPGErr != nil {
		t.Fatal(replicaPGErr)
	}
	return replicaPG
}

// newStoreDatabase creates an empty database for one test's store and
// returns its URL (with the superuser's password); it is dropped when the
// test ends, after the test's processes are gone.
func newStoreDatabase(t *testing.T, pg *testpg.Postgres) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := fmt.Sprintf("replicas_%d_%d", os.Getpid(), databases.Add(1))
	if err := pg.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create the store's database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := pg.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop the store's database: %v", err)
		}
	})
	u, err := url.Parse(pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// passwordOf is the password in a PostgreSQL URL.
func passwordOf(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" {
		t.Fatal("the test PostgreSQL's URL has no password")
	}
	return pw
}

// queryInt runs a query returning one integer on the store's database.
func queryInt(t *testing.T, dsn, sql string, args ...any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the store's database: %v", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var n int
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// ---- server keys and data directories ----

func newServerKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b) + "\n"
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// dataDirWithKey makes a private data directory holding server.key.
func dataDirWithKey(t *testing.T, name, key string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "server.key"), []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// childEnv is the test's environment without any PGCLOUD_SERVER_* or
// PGCLOUD_CLUSTER_DSN variable, plus extra.
func childEnv(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PGCLOUD_SERVER_") || strings.HasPrefix(kv, clusterDSNEnv+"=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}

// ---- replicas ----

// replica is one `pgcloud-server serve` process.
type replica struct {
	name     string
	dataDir  string
	addrFile string
	cmd      *exec.Cmd
	stdout   *syncBuffer
	logs     *syncBuffer // stderr: the JSON log
	exited   chan struct{}
	waitErr  error
	addr     string // host:port once listening
	base     string // http://host:port
}

// newReplica prepares `serve` on the store dsn (given in the environment,
// out of the process list) with dataDir; start runs it.
func newReplica(t *testing.T, name, dsn, dataDir string, args ...string) *replica {
	t.Helper()
	r := &replica{name: name, dataDir: dataDir, addrFile: filepath.Join(t.TempDir(), name+".addr"),
		stdout: &syncBuffer{}, logs: &syncBuffer{}, exited: make(chan struct{})}
	all := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--addr-file", r.addrFile,
		"--rate-limit", "0", "--shutdown-timeout", "5s"}, args...)
	r.cmd = exec.Command(serverBinary(t), all...)
	r.cmd.Env = childEnv("PGCLOUD_SERVER_STORE=" + dsn)
	r.cmd.Stdout, r.cmd.Stderr = r.stdout, r.logs
	return r
}

// start starts the process; the test's end stops it (SIGTERM, then SIGKILL).
func (r *replica) start(t *testing.T) error {
	if err := r.cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	go func() {
		r.waitErr = r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		r.stop()
		if strings.Contains(r.logs.String(), "WARNING: DATA RACE") {
			t.Errorf("the race detector found a data race in %s:\n%s", r.name, r.logs)
		}
	})
	return nil
}

func (r *replica) running() bool {
	select {
	case <-r.exited:
		return false
	default:
		return true
	}
}

func (r *replica) stop() {
	if !r.running() {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
}

func (r *replica) kill() {
	_ = r.cmd.Process.Kill()
	<-r.exited
}

// waitListening waits until the replica has written its address file, or
// has exited, or timeout passes.
func (r *replica) waitListening(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if raw, err := os.ReadFile(r.addrFile); err == nil && strings.HasSuffix(string(raw), "\n") {
			r.addr = strings.TrimSpace(string(raw))
			r.base = "http://" + r.addr
			return nil
		}
		select {
		case <-r.exited:
			return fmt.Errorf("%s exited (%v) before listening; log:\n%s", r.name, r.waitErr, r.logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s is not listening after %v; log:\n%s", r.name, timeout, r.logs)
}

// startReplicas starts the replicas at the same moment (each from its own
// goroutine, released together) and waits until all listen.
func startReplicas(t *testing.T, rs ...*replica) {
	t.Helper()
	release := make(chan struct{})
	errs := make([]error, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Go(func() {
			<-release
			errs[i] = r.start(t)
		})
	}
	close(release)
	wg.Wait()
	for i, r := range rs {
		if errs[i] == nil {
			errs[i] = r.waitListening(60 * time.Second)
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// bootstrapKey finds the one replica that bootstrapped the store (it wrote
// the bootstrap key into its data directory) and returns the key.
func bootstrapKey(t *testing.T, rs []*replica) (string, *replica) {
	t.Helper()
	var key string
	var by []*replica
	for _, r := range rs {
		raw, err := os.ReadFile(filepath.Join(r.dataDir, "bootstrap-access-key"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		key, by = strings.TrimSpace(string(raw)), append(by, r)
	}
	if len(by) != 1 {
		t.Fatalf("%d replicas wrote a bootstrap key, want exactly 1", len(by))
	}
	return key, by[0]
}

// noSecretIn fails the test if any output holds one of the secrets.
func noSecretIn(t *testing.T, outputs map[string]string, secrets ...string) {
	t.Helper()
	for name, out := range outputs {
		for _, s := range secrets {
			if s != "" && strings.Contains(out, s) {
				t.Errorf("the output of %s holds a secret (%d characters)", name, len(s))
			}
		}
	}
}

func outputsOf(rs ...*replica) map[string]string {
	out := map[string]string{}
	for _, r := range rs {
		out[r.name+" stderr"] = r.logs.String()
		out[r.name+" stdout"] = r.stdout.String()
	}
	return out
}

// ---- HTTP ----

var apiHTTP = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second},
}

// reply is one answer of the API (or the transport error instead).
type reply struct {
	status  int
	header  http.Header
	body    []byte
	err     error
	elapsed time.Duration
}

// code is the error code of an error answer, "" for a success.
func (r reply) code() string {
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Code
}

// outcome is how a reply is counted: "201", "409 QUOTA_EXCEEDED", "transport error".
func (r reply) outcome() string {
	switch {
	case r.err != nil:
		return "transport error"
	case r.status < 300:
		return fmt.Sprint(r.status)
	default:
		return fmt.Sprintf("%d %s", r.status, r.code())
	}
}

// json decodes the body into a map.
func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer %d is not JSON: %q", r.status, r.body)
	}
	return m
}

// call sends one request with access key key (none when ""); body is
// marshalled to JSON unless nil; headers come in pairs.
func call(method, base, path, key string, body any, headers ...string) reply {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return reply{err: err}
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return reply{err: err}
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	res, err := apiHTTP.Do(req)
	if err != nil {
		return reply{err: err, elapsed: time.Since(start)}
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(res.Body)
	return reply{status: res.StatusCode, header: res.Header, body: raw, err: err, elapsed: time.Since(start)}
}

// mustCall is call that fails the test unless the answer has status want.
func mustCall(t *testing.T, want int, method, base, path, key string, body any, headers ...string) map[string]any {
	t.Helper()
	r := call(method, base, path, key, body, headers...)
	if r.err != nil || r.status != want {
		t.Fatalf("%s %s%s: %v %d %s, want %d", method, base, path, r.err, r.status, r.body, want)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(t)
}

// race sends n requests at once (released together), request i through
// replica i mod len(rs), and returns the replies in order.
func race(rs []*replica, n int, send func(i int, base string) reply) []reply {
	out := make([]reply, n)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-release
			out[i] = send(i, rs[i%len(rs)].base)
		})
	}
	close(release)
	wg.Wait()
	return out
}

// tally counts the outcomes of replies, e.g. {"201": 39, "409 QUOTA_EXCEEDED": 81}.
func tally(rs []reply) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		m[r.outcome()]++
	}
	return m
}

func sameTally(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// checkErrorsAreJSON fails the test for an error answer that is not the
// API's JSON error with its status.
func checkErrorsAreJSON(t *testing.T, rs []reply) {
	t.Helper()
	for _, r := range rs {
		if r.err != nil || r.status < 400 {
			continue
		}
		var e struct {
			HTTPStatus int    `json:"httpStatus"`
			Code       string `json:"code"`
			Message    string `json:"message"`
		}
		if err := json.Unmarshal(r.body, &e); err != nil || e.HTTPStatus != r.status || e.Code == "" || e.Message == "" {
			t.Errorf("error answer %d is not the API's JSON error: %q", r.status, r.body)
		}
	}
}

func str(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[p]
	}
	s, _ := v.(string)
	return s
}

func total(m map[string]any) int {
	n, _ := m["total"].(float64)
	return int(n)
}

func items(m map[string]any) []map[string]any {
	var out []map[string]any
	list, _ := m["items"].([]any)
	for _, it := range list {
		if o, ok := it.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// ---- the tests ----

// TestReplicasRace starts three replicas at the same moment on one new
// database (a migration race and a bootstrap race), drives them
// concurrently, and checks that every invariant of the platform held across
// processes; a fourth replica with another server key is refused.
func TestReplicasRace(t *testing.T) {
	pg := storePostgres(t)
	dsn := newStoreDatabase(t, pg)
	key := newServerKey(t)
	const quota = 40
	var rs []*replica
	for i := range 3 {
		name := fmt.Sprintf("replica-%d", i)
		rs = append(rs, newReplica(t, name, dsn, dataDirWithKey(t, name, key), "--machine-user-quota", fmt.Sprint(quota)))
	}
	started := time.Now()
	startReplicas(t, rs...)
	t.Logf("3 replicas started together, all listening after %v", time.Since(started).Round(time.Millisecond))

	// The migration race: each migration applied once.
	migrations, err := filepath.Glob("../../internal/server/store/migrations/postgres/*.sql")
	if err != nil || len(migrations) == 0 {
		t.Fatalf("the PostgreSQL migrations: %v %v", migrations, err)
	}
	if n := queryInt(t, dsn, "SELECT count(*) FROM schema_migrations"); n != len(migrations) {
		t.Errorf("schema_migrations has %d rows, want %d (one per migration)", n, len(migrations))
	}
	if n := queryInt(t, dsn, "SELECT count(*) FROM (SELECT version FROM schema_migrations GROUP BY version HAVING count(*) > 1) d"); n != 0 {
		t.Errorf("%d migrations recorded more than once", n)
	}
	if log, err := pg.Log(); err == nil && log != "" {
		db := strings.TrimPrefix(mustParse(t, dsn).Path, "/")
		inserts := 0
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, "@"+db+" ") && strings.Contains(line, "INSERT INTO schema_migrations") {
				inserts++
			}
		}
		if inserts != len(migrations) {
			t.Errorf("PostgreSQL's log shows %d migrations recorded, want %d", inserts, len(migrations))
		}
		t.Logf("migration race: %d migration(s), each applied once (schema_migrations and PostgreSQL's log agree)", len(migrations))
	}

	// The bootstrap race: one replica bootstrapped, one organization exists.
	adminKey, by := bootstrapKey(t, rs)
	logged := 0
	for _, r := range rs {
		if strings.Contains(r.logs.String(), `"msg":"bootstrapped an empty store"`) {
			logged++
		}
	}
	if logged != 1 {
		t.Errorf("%d replicas logged a bootstrap, want 1", logged)
	}
	if n := queryInt(t, dsn, "SELECT count(*) FROM organizations"); n != 1 {
		t.Errorf("%d organizations after the bootstrap race, want 1", n)
	}
	t.Logf("bootstrap race: %s bootstrapped, the other two found the store bootstrapped", by.name)

	var orgID string
	for _, r := range rs {
		me := mustCall(t, 200, "GET", r.base, "/api/v1/whoami", adminKey, nil)
		if orgID == "" {
			orgID = str(me, "organization", "id")
		} else if got := str(me, "organization", "id"); got != orgID {
			t.Fatalf("%s sees organization %s, another replica %s", r.name, got, orgID)
		}
	}
	org := "/api/v1/organizations/" + orgID
	countMachineUsers := func(base string) int {
		t.Helper()
		return total(mustCall(t, 200, "GET", base, org+"/machine-users?limit=1", adminKey, nil))
	}
	expectTally := func(what string, replies []reply, want map[string]int) {
		t.Helper()
		checkErrorsAreJSON(t, replies)
		got := tally(replies)
		if !sameTally(got, want) {
			t.Errorf("%s: answers %v, want %v", what, got, want)
		}
		t.Logf("%s: %d requests over 3 replicas: %v", what, len(replies), got)
	}
	sent := 0

	// 1. The machine-user quota: 120 creates of distinct usernames at once,
	// in an organization with the admin only: 39 fit under the quota of 40.
	before := countMachineUsers(rs[0].base)
	if before != 1 {
		t.Fatalf("%d machine users after the bootstrap, want 1 (admin)", before)
	}
	replies := race(rs, 120, func(i int, base string) reply {
		return call("POST", base, org+"/machine-users", adminKey, map[string]any{"username": fmt.Sprintf("quota-%03d", i)})
	})
	sent += len(replies)
	expectTally("quota race", replies, map[string]int{"201": quota - before, "409 QUOTA_EXCEEDED": 120 - (quota - before)})
	for _, r := range rs {
		if n := countMachineUsers(r.base); n != quota {
			t.Errorf("%s lists %d machine users, want %d (the quota, admin included)", r.name, n, quota)
		}
	}
	if n := queryInt(t, dsn, "SELECT count(*) FROM users WHERE organization_id = $1 AND user_type = 'machine'", orgID); n != quota {
		t.Errorf("the store holds %d machine users, want %d", n, quota)
	}

	// Make room again: every user made above deleted twice at once, through
	// two replicas: one 204 and one 404 for each.
	var made []string
	for _, r := range replies {
		if r.status == 201 {
			made = append(made, str(r.json(t), "id"))
		}
	}
	replies = race(rs, 2*len(made), func(i int, base string) reply {
		return call("DELETE", base, org+"/machine-users/"+made[i/2], adminKey, nil)
	})
	sent += len(replies)
	expectTally("double deletes", replies, map[string]int{"204": len(made), "404 NOT_FOUND": len(made)})
	if n := countMachineUsers(rs[1].base); n != 1 {
		t.Fatalf("%d machine users after the deletes, want 1", n)
	}

	// 2. No duplicate username: 30 creates of one username at once.
	replies = race(rs, 30, func(i int, base string) reply {
		return call("POST", base, org+"/machine-users", adminKey, map[string]any{"username": "dup", "description": fmt.Sprint(i)})
	})
	sent += len(replies)
	expectTally("same-username race", replies, map[string]int{"201": 1, "409 ALREADY_EXISTS": 29})
	dup := mustCall(t, 200, "GET", rs[2].base, org+"/machine-users?username=dup", adminKey, nil)
	if total(dup) != 1 {
		t.Fatalf("%d machine users named dup, want 1", total(dup))
	}
	dupID := str(items(dup)[0], "id")

	// 3. The 2-key quota of a machine user: 24 key creates at once.
	keys := org + "/machine-users/" + dupID + "/access-keys"
	replies = race(rs, 24, func(i int, base string) reply {
		return call("POST", base, keys, adminKey, map[string]any{"name": fmt.Sprintf("k-%02d", i), "expiresInDays": 1})
	})
	sent += len(replies)
	expectTally("key-quota race", replies, map[string]int{"201": 2, "409 QUOTA_EXCEEDED": 22})
	for _, r := range rs {
		if n := total(mustCall(t, 200, "GET", r.base, keys, adminKey, nil)); n != 2 {
			t.Errorf("%s lists %d keys of dup, want 2", r.name, n)
		}
	}
	// ... and no duplicate key name: 24 creates of one key name at once.
	other := mustCall(t, 201, "POST", rs[0].base, org+"/machine-users", adminKey, map[string]any{"username": "keyname"})
	otherKeys := org + "/machine-users/" + str(other, "id") + "/access-keys"
	replies = race(rs, 24, func(i int, base string) reply {
		return call("POST", base, otherKeys, adminKey, map[string]any{"name": "same", "expiresInDays": 1 + i%5})
	})
	sent += len(replies)
	expectTally("same-key-name race", replies, map[string]int{"201": 1, "409 ALREADY_EXISTS": 23})
	if n := total(mustCall(t, 200, "GET", rs[1].base, otherKeys, adminKey, nil)); n != 1 {
		t.Errorf("%d keys named same, want 1", n)
	}

	// 4. No duplicate binding: 24 binds of one role to one user at once,
	// on the organization and on its default project.
	projects := mustCall(t, 200, "GET", rs[0].base, org+"/projects", adminKey, nil)
	if total(projects) != 1 {
		t.Fatalf("%d projects, want the default one", total(projects))
	}
	projectID := str(items(projects)[0], "id")
	for _, scope := range []struct{ path, role string }{
		{org + "/role-bindings", "org_admin"},
		{"/api/v1/projects/" + projectID + "/role-bindings", "project_viewer"},
	} {
		replies = race(rs, 24, func(i int, base string) reply {
			return call("POST", base, scope.path, adminKey, map[string]any{"userId": dupID, "role": scope.role})
		})
		sent += len(replies)
		expectTally("same-binding race ("+scope.role+")", replies, map[string]int{"201": 1, "409 ALREADY_EXISTS": 23})
		q := scope.path + "?userId=" + dupID + "&role=" + scope.role
		if n := total(mustCall(t, 200, "GET", rs[2].base, q, adminKey, nil)); n != 1 {
			t.Errorf("%d bindings of %s to dup, want 1", n, scope.role)
		}
	}

	// 5. The last owner is never unbound: two owners each unbind themselves
	// at the same moment, through different replicas; one of them stays.
	// (Each unbinds its own binding, so each is an owner when its request is
	// authorized, whichever commits first.)
	owner2 := mustCall(t, 201, "POST", rs[0].base, org+"/machine-users", adminKey,
		map[string]any{"username": "owner2", "accessKey": map[string]any{"name": "k", "expiresInDays": 1}})
	owners := []struct {
		id, key, binding string
	}{{id: str(mustCall(t, 200, "GET", rs[0].base, "/api/v1/whoami", adminKey, nil), "user", "id"), key: adminKey},
		{id: str(owner2, "id"), key: str(owner2, "properties", "accessKey", "secret")}}
	bound := mustCall(t, 201, "POST", rs[1].base, org+"/role-bindings", adminKey, map[string]any{"userId": owners[1].id, "role": "org_owner"})
	owners[1].binding = str(bound, "id")
	for _, b := range items(mustCall(t, 200, "GET", rs[0].base, org+"/role-bindings?role=org_owner&userId="+owners[0].id, adminKey, nil)) {
		owners[0].binding = str(b, "id")
	}
	if owners[0].binding == "" || owners[1].key == "" {
		t.Fatal("no org_owner binding of admin, or no key of owner2")
	}
	const rounds = 8
	kept := map[string]int{}
	var lastOwner []reply
	for round := range rounds {
		replies = race(rs, 2, func(i int, _ string) reply {
			// owner i through replica (round+i) mod 3: always two different ones
			return call("DELETE", rs[(round+i)%3].base, org+"/role-bindings/"+owners[i].binding, owners[i].key, nil)
		})
		sent += len(replies)
		lastOwner = append(lastOwner, replies...)
		if got := tally(replies); !sameTally(got, map[string]int{"204": 1, "409 LAST_OWNER": 1}) {
			t.Fatalf("round %d of the last-owner race: %v", round, got)
		}
		winner, loser := 0, 1 // the one whose unbind was refused stays owner
		if replies[0].status == 409 {
			winner, loser = 1, 0
		}
		kept[[]string{"admin", "owner2"}[loser]]++
		left := mustCall(t, 200, "GET", rs[round%3].base, org+"/role-bindings?role=org_owner", owners[loser].key, nil)
		if total(left) != 1 || str(items(left)[0], "properties", "userId") != owners[loser].id {
			t.Fatalf("round %d: after the race the owners are %v, want only the refused one", round, items(left))
		}
		// The remaining owner makes the other an owner again.
		again := mustCall(t, 201, "POST", rs[(round+1)%3].base, org+"/role-bindings", owners[loser].key,
			map[string]any{"userId": owners[winner].id, "role": "org_owner"})
		owners[winner].binding = str(again, "id")
	}
	checkErrorsAreJSON(t, lastOwner)
	t.Logf("last-owner race: %d rounds of 2 concurrent self-unbinds through 2 replicas: %v; the owner kept: %v",
		rounds, tally(lastOwner), kept)

	// 6. Idempotent replay across replicas: a create on replica 0, the same
	// request again on 1 and 2, then one key sent by 30 requests at once.
	idemBody := map[string]any{"username": "idem-a", "accessKey": map[string]any{"name": "first", "expiresInDays": 1}}
	first := call("POST", rs[0].base, org+"/machine-users", adminKey, idemBody, "Idempotency-Key", "replay-across-replicas")
	if first.status != 201 || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first create: %d %v %s", first.status, first.header, first.body)
	}
	sent++
	for _, r := range rs[1:] {
		again := call("POST", r.base, org+"/machine-users", adminKey, idemBody, "Idempotency-Key", "replay-across-replicas")
		sent++
		if again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) ||
			again.header.Get("Location") != first.header.Get("Location") {
			t.Errorf("replay on %s: %d %v, body identical %v", r.name, again.status, again.header, bytes.Equal(again.body, first.body))
		}
	}
	if n := total(mustCall(t, 200, "GET", rs[2].base, org+"/machine-users?username=idem-a", adminKey, nil)); n != 1 {
		t.Errorf("%d machine users idem-a after 3 sends of one create, want 1", n)
	}
	idemA := first.json(t)
	if n := total(mustCall(t, 200, "GET", rs[1].base, org+"/machine-users/"+str(idemA, "id")+"/access-keys", adminKey, nil)); n != 1 {
		t.Errorf("idem-a has %d keys, want 1", n)
	}
	replies = race(rs, 30, func(_ int, base string) reply {
		return call("POST", base, org+"/machine-users", adminKey, map[string]any{"username": "idem-b"}, "Idempotency-Key", "one-key-thirty-sends")
	})
	sent += len(replies)
	expectTally("one Idempotency-Key sent 30 times at once", replies, map[string]int{"201": 30})
	originals := 0
	for _, r := range replies {
		if r.header.Get("Idempotent-Replayed") == "" {
			originals++
		}
		if !bytes.Equal(r.body, replies[0].body) || r.header.Get("Location") != replies[0].header.Get("Location") {
			t.Errorf("answers to one Idempotency-Key differ:\n%s\n%s", r.body, replies[0].body)
			break
		}
	}
	if originals != 1 {
		t.Errorf("%d answers were not marked replayed, want 1 (the one that created)", originals)
	}
	if n := total(mustCall(t, 200, "GET", rs[0].base, org+"/machine-users?username=idem-b", adminKey, nil)); n != 1 {
		t.Errorf("%d machine users idem-b, want 1", n)
	}

	// 7. Another server key: a fourth replica is refused at start.
	wrong := newReplica(t, "replica-wrong-key", dsn, dataDirWithKey(t, "replica-wrong-key", newServerKey(t)))
	if err := wrong.start(t); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wrong.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("a replica with another server key still runs after 30s; log:\n%s", wrong.logs)
	}
	if wrong.waitErr == nil || !strings.Contains(wrong.logs.String(), "this store was set up with another server key") {
		t.Errorf("a replica with another server key: exit %v, stderr %q", wrong.waitErr, wrong.logs)
	}
	if _, err := os.Stat(wrong.addrFile); err == nil {
		t.Error("a replica with another server key listened")
	}
	t.Logf("a 4th replica with another server key: %v: %s", wrong.waitErr, strings.TrimSpace(wrong.logs.String()))

	// Nothing went wrong inside: no 5xx was answered, none logged.
	for _, r := range rs {
		if strings.Contains(r.logs.String(), `"level":"ERROR"`) {
			t.Errorf("%s logged an error:\n%s", r.name, r.logs)
		}
	}
	t.Logf("%d requests raced in all", sent)
	noSecretIn(t, outputsOf(append(rs, wrong)...), passwordOf(t, dsn), adminKey, owners[1].key)
}

// TestReplicasStoreOutage stops PostgreSQL under running replicas and
// starts it again: /readyz says 503 while it is down (/healthz stays 200),
// API calls fail fast with a 5xx JSON error, and once PostgreSQL is back the
// same processes are ready and serve again. Then one replica is killed in
// the middle of a burst of creates: the others keep serving, and every
// create answered 201 is in the store.
func TestReplicasStoreOutage(t *testing.T) {
	if os.Getenv(testpg.DSNEnv) != "" {
		t.Skipf("stops PostgreSQL, which the tests cannot do to the one %s names", testpg.DSNEnv)
	}
	pg := storePostgres(t)
	dsn := newStoreDatabase(t, pg)
	key := newServerKey(t)
	var rs []*replica
	for i := range 3 {
		name := fmt.Sprintf("replica-%d", i)
		rs = append(rs, newReplica(t, name, dsn, dataDirWithKey(t, name, key), "--machine-user-quota", "1000"))
	}
	startReplicas(t, rs...)
	adminKey, _ := bootstrapKey(t, rs)
	me := mustCall(t, 200, "GET", rs[0].base, "/api/v1/whoami", adminKey, nil)
	org := "/api/v1/organizations/" + str(me, "organization", "id")
	// Open connections in every replica's pool, to die with PostgreSQL.
	race(rs, 12, func(i int, base string) reply {
		return call("POST", base, org+"/machine-users", adminKey, map[string]any{"username": fmt.Sprintf("warm-%d", i)})
	})

	downAt := time.Now()
	if err := pg.Down(); err != nil {
		t.Fatal(err)
	}
	up := false
	defer func() {
		if !up { // the package's other tests need it
			if err := pg.Up(); err != nil {
				t.Error(err)
			}
		}
	}()
	t.Logf("PostgreSQL stopped in %v", time.Since(downAt).Round(time.Millisecond))
	const failFast = 15 * time.Second
	for i, r := range rs {
		ready := call("GET", r.base, "/readyz", "", nil)
		health := call("GET", r.base, "/healthz", "", nil)
		who := call("GET", r.base, "/api/v1/whoami", adminKey, nil)
		create := call("POST", r.base, org+"/machine-users", adminKey, map[string]any{"username": fmt.Sprintf("during-outage-%d", i)})
		checkErrorsAreJSON(t, []reply{ready, who, create})
		if ready.err != nil || ready.status != 503 {
			t.Errorf("%s /readyz while PostgreSQL is down: %v %d %s, want 503", r.name, ready.err, ready.status, ready.body)
		}
		if health.err != nil || health.status != 200 {
			t.Errorf("%s /healthz while PostgreSQL is down: %v %d, want 200", r.name, health.err, health.status)
		}
		for _, c := range []reply{who, create} {
			// 503 with Retry-After, which clients retry (not 500).
			if c.err != nil || c.status != 503 || c.code() != "UNAVAILABLE" || c.header.Get("Retry-After") == "" || c.elapsed > failFast {
				t.Errorf("%s: an API call while PostgreSQL is down: %v %d %v %s after %v, want 503 UNAVAILABLE with Retry-After within %v",
					r.name, c.err, c.status, c.header, c.body, c.elapsed, failFast)
			}
		}
		t.Logf("%s while PostgreSQL is down: /readyz %s in %v, /healthz %s, GET whoami %s in %v, POST machine-users %s in %v (Retry-After %q)",
			r.name, ready.outcome(), ready.elapsed.Round(time.Millisecond), health.outcome(), who.outcome(),
			who.elapsed.Round(time.Millisecond), create.outcome(), create.elapsed.Round(time.Millisecond), create.header.Get("Retry-After"))
	}

	upAt := time.Now()
	if err := pg.Up(); err != nil {
		t.Fatal(err)
	}
	up = true
	t.Logf("PostgreSQL started again in %v (%v after it stopped)", time.Since(upAt).Round(time.Millisecond),
		time.Since(downAt).Round(time.Millisecond))
	upAt = time.Now()
	const readyWithin = 30 * time.Second
	for i, r := range rs {
		var ready reply
		var notReady []string
		for deadline := time.Now().Add(readyWithin); ; time.Sleep(100 * time.Millisecond) {
			if ready = call("GET", r.base, "/readyz", "", nil); ready.status == 200 || time.Now().After(deadline) {
				break
			}
			notReady = append(notReady, ready.outcome())
		}
		if ready.status != 200 {
			t.Fatalf("%s is not ready %v after PostgreSQL came back: %v %d %s", r.name, readyWithin, ready.err, ready.status, ready.body)
		}
		readyAfter := time.Since(upAt)
		// The first API calls after /readyz, on the same process: no restart.
		who := call("GET", r.base, "/api/v1/whoami", adminKey, nil)
		create := call("POST", r.base, org+"/machine-users", adminKey, map[string]any{"username": fmt.Sprintf("after-outage-%d", i)})
		if who.status != 200 || create.status != 201 {
			t.Errorf("%s after PostgreSQL came back: whoami %s %s, create %s %s", r.name, who.outcome(), who.body, create.outcome(), create.body)
		}
		if !r.running() {
			t.Errorf("%s exited", r.name)
		}
		t.Logf("%s: /readyz 200 %v after PostgreSQL was started again (answers before: %v); then whoami %s, create %s",
			r.name, readyAfter.Round(time.Millisecond), notReady, who.outcome(), create.outcome())
	}

	// A quick restart with no request while PostgreSQL is down: each
	// replica's connections died with it unnoticed. The first request may
	// find its connection dead (503, which a client retries), never a 500;
	// the next works.
	if err := pg.Down(); err != nil {
		t.Fatal(err)
	}
	up = false
	if err := pg.Up(); err != nil {
		t.Fatal(err)
	}
	up = true
	var quiet []string
	for _, r := range rs {
		first := call("GET", r.base, "/api/v1/whoami", adminKey, nil)
		second := call("GET", r.base, "/api/v1/whoami", adminKey, nil)
		checkErrorsAreJSON(t, []reply{first})
		if (first.status != 200 && (first.status != 503 || first.header.Get("Retry-After") == "")) || second.status != 200 {
			t.Errorf("%s after a quick restart of PostgreSQL: %s %s, then %s", r.name, first.outcome(), first.body, second.outcome())
		}
		quiet = append(quiet, first.outcome()+" then "+second.outcome())
	}
	t.Logf("after a quick restart of PostgreSQL with no request during it, whoami on each replica: %v", quiet)
	// Again, with the platform's Go client (as the provider uses it): its
	// retry of the 503 makes the restart invisible.
	if err := pg.Down(); err != nil {
		t.Fatal(err)
	}
	up = false
	if err := pg.Up(); err != nil {
		t.Fatal(err)
	}
	up = true
	clientErrs := make([]error, len(rs))
	clientStart := time.Now()
	var cwg sync.WaitGroup
	for i, r := range rs {
		cwg.Go(func() {
			c, err := client.New(client.Config{Endpoint: r.base, AccessKey: adminKey, MaxRetries: 4, RequestTimeout: 10 * time.Second})
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				_, err = c.WhoAmI(ctx)
			}
			clientErrs[i] = err
		})
	}
	cwg.Wait()
	if err := errors.Join(clientErrs...); err != nil {
		t.Errorf("the Go client after a quick restart of PostgreSQL: %v", err)
	}
	t.Logf("after another quick restart, the Go client's WhoAmI worked on every replica in %v (retries included)",
		time.Since(clientStart).Round(time.Millisecond))

	// A burst of creates from 9 workers over the three replicas; replica-2
	// is killed (SIGKILL) once a third of them have been answered.
	const burst, workers = 90, 9
	victim := rs[2]
	var (
		answered atomic.Int64
		killOnce sync.Once
		replies  = make([]reply, burst)
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= burst {
					return
				}
				replies[i] = call("POST", rs[i%3].base, org+"/machine-users", adminKey, map[string]any{"username": fmt.Sprintf("burst-%03d", i)})
				if answered.Add(1) == burst/3 {
					killOnce.Do(victim.kill)
				}
			}
		})
	}
	wg.Wait()
	if victim.running() {
		t.Fatal("the victim was not killed")
	}
	bySurvivors, byVictim := []reply{}, []reply{}
	for i, r := range replies {
		if i%3 == 2 {
			byVictim = append(byVictim, r)
		} else {
			bySurvivors = append(bySurvivors, r)
		}
	}
	checkErrorsAreJSON(t, replies)
	if got := tally(bySurvivors); got["201"] != len(bySurvivors) {
		t.Errorf("the survivors answered %v during the burst, want only 201", got)
	}
	var slowest time.Duration
	for _, r := range bySurvivors {
		slowest = max(slowest, r.elapsed)
	}
	t.Logf("burst of %d creates from %d workers, %s killed after %d answers: survivors %v (slowest %v), victim %v",
		burst, workers, victim.name, burst/3, tally(bySurvivors), slowest.Round(time.Millisecond), tally(byVictim))

	// Every 201 is in the store, through each survivor and in the database;
	// of the victim's unanswered creates, some may have committed.
	for _, r := range rs[:2] {
		who := call("GET", r.base, "/api/v1/whoami", adminKey, nil)
		if who.status != 200 {
			t.Errorf("%s after the kill: whoami %s", r.name, who.outcome())
		}
		list := mustCall(t, 200, "GET", r.base, org+"/machine-users?limit=1000", adminKey, nil)
		have := map[string]bool{}
		for _, u := range items(list) {
			have[str(u, "properties", "username")] = true
		}
		missing, unanswered, committedAnyway := 0, 0, 0
		for i, rep := range replies {
			name := fmt.Sprintf("burst-%03d", i)
			switch {
			case rep.status == 201 && !have[name]:
				missing++
			case rep.status != 201:
				unanswered++
				if have[name] {
					committedAnyway++
				}
			}
		}
		if missing > 0 {
			t.Errorf("%s: %d creates answered 201 are not in the store", r.name, missing)
		}
		if r == rs[0] {
			t.Logf("after the kill: %d machine users listed, every 201 among them; of %d creates without a 201, %d committed before the kill",
				total(list), unanswered, committedAnyway)
		}
	}
	created := 0
	for _, rep := range replies {
		if rep.status == 201 {
			created++
		}
	}
	if n := queryInt(t, dsn, "SELECT count(*) FROM users WHERE username LIKE 'burst-%'"); n < created {
		t.Errorf("the store holds %d burst users, fewer than the %d creates answered 201", n, created)
	}
	// The survivors still write, and the killed replica starts again on
	// its data directory.
	for i, r := range rs[:2] {
		mustCall(t, 201, "POST", r.base, org+"/machine-users", adminKey, map[string]any{"username": fmt.Sprintf("after-kill-%d", i)})
	}
	again := newReplica(t, "replica-2-again", dsn, victim.dataDir, "--machine-user-quota", "1000")
	startReplicas(t, again)
	mustCall(t, 201, "POST", again.base, org+"/machine-users", adminKey, map[string]any{"username": "after-restart"})

	if strings.Contains(again.logs.String(), "bootstrapped an empty store") {
		t.Errorf("%s bootstrapped again", again.name)
	}
	for _, r := range append(rs, again) {
		if strings.Contains(r.logs.String(), `"msg":"internal error"`) {
			t.Errorf("%s answered an internal error (500):\n%s", r.name, r.logs)
		}
	}
	noSecretIn(t, outputsOf(append(rs, again)...), passwordOf(t, dsn), adminKey)
}

// adminRun runs `pgcloud-server admin` as its own process on the store dsn
// (in the environment, with env's other variables) and returns its exit
// code, stdout and stderr.
func adminRun(t *testing.T, dsn string, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, serverBinary(t), append([]string{"admin"}, args...)...)
	cmd.Env = childEnv(append([]string{"PGCLOUD_SERVER_STORE=" + dsn}, env...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("admin %v: %v", args, err)
	}
	return code, stdout.String(), stderr.String()
}

// TestReplicasAdminCommands runs the admin commands, each its own process,
// against the PostgreSQL store while two replicas serve it: what they make
// is visible through every replica at once; a cluster registered by one
// (its DSN sealed with the shared server key) is used through both. The
// store's password and the cluster's appear in no output and no process
// list.
func TestReplicasAdminCommands(t *testing.T) {
	pg := storePostgres(t)
	dsn := newStoreDatabase(t, pg)
	key := newServerKey(t)
	rs := []*replica{
		newReplica(t, "replica-0", dsn, dataDirWithKey(t, "replica-0", key)),
		newReplica(t, "replica-1", dsn, dataDirWithKey(t, "replica-1", key)),
	}
	startReplicas(t, rs...)
	password := passwordOf(t, dsn)
	for _, r := range rs {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", r.cmd.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(cmdline), password) || strings.Contains(string(cmdline), "postgres://") {
			t.Errorf("the process list shows the store of %s", r.name)
		}
	}

	dir := dataDirWithKey(t, "admin", key)
	outputs := map[string]string{}
	admin := func(env []string, args ...string) string {
		t.Helper()
		code, stdout, stderr := adminRun(t, dsn, env, append([]string{"--data-dir", dir}, args...)...)
		outputs[fmt.Sprint("admin ", args, " stdout")] = stdout
		outputs[fmt.Sprint("admin ", args, " stderr")] = stderr
		out := strings.TrimSpace(stdout)
		if code != 0 || stderr != "" || out == "" || strings.Contains(out, "\n") {
			t.Fatalf("admin %v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
		return out
	}
	orgID := admin(nil, "org", "create", "acme")
	projectID := admin(nil, "project", "create", "web", "--org", "acme")
	userID := admin(nil, "user", "create-human", "--org", orgID, "--email", "ops@acme.example")
	admin(nil, "binding", "create", "--user", "ops@acme.example", "--org", "acme", "--role", "org_owner")
	opsKey := admin(nil, "key", "create", "--user", "ops@acme.example", "--days", "1")
	clusterID := admin([]string{clusterDSNEnv + "=" + pg.DSN}, "cluster", "add", "--project", "web", "--name", "main")
	for _, id := range []string{orgID, projectID, userID, clusterID} {
		if len(id) != 36 {
			t.Fatalf("admin printed %q, want an id", id)
		}
	}
	if !strings.HasPrefix(opsKey, "pgc_") {
		t.Fatalf("admin key create printed %q", opsKey)
	}

	// Admin commands race too: three processes create one organization
	// name at once; one succeeds.
	codes := make([]int, 3)
	raceOut := make([]string, len(codes))
	raceErr := make([]string, len(codes))
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			codes[i], raceOut[i], raceErr[i] = adminRun(t, dsn, nil, "--data-dir", dir, "org", "create", "contested")
		})
	}
	wg.Wait()
	created := 0
	for i, code := range codes {
		outputs[fmt.Sprint("admin race ", i)] = raceOut[i] + raceErr[i]
		switch {
		case code == 0 && len(strings.TrimSpace(raceOut[i])) == 36:
			created++
		case code != 0 && raceOut[i] == "" && strings.Contains(raceErr[i], "contested"):
		default:
			t.Errorf("concurrent `admin org create contested`: exit %d, stdout %q, stderr %q", code, raceOut[i], raceErr[i])
		}
	}
	if created != 1 {
		t.Errorf("3 concurrent `admin org create contested`: exit codes %v, want one 0", codes)
	}
	if n := queryInt(t, dsn, "SELECT count(*) FROM organizations WHERE name = 'contested'"); n != 1 {
		t.Errorf("%d organizations named contested, want 1", n)
	}

	// Everything is visible through every replica at once.
	for _, r := range rs {
		me := mustCall(t, 200, "GET", r.base, "/api/v1/whoami", opsKey, nil)
		if str(me, "organization", "id") != orgID || str(me, "user", "id") != userID {
			t.Errorf("%s: whoami with the admin-made key: %v", r.name, me)
		}
		if got := str(mustCall(t, 200, "GET", r.base, "/api/v1/organizations/"+orgID, opsKey, nil), "properties", "name"); got != "acme" {
			t.Errorf("%s: organization name %q", r.name, got)
		}
		projects := mustCall(t, 200, "GET", r.base, "/api/v1/organizations/"+orgID+"/projects", opsKey, nil)
		if total(projects) != 1 || str(items(projects)[0], "id") != projectID {
			t.Errorf("%s: projects %v", r.name, projects)
		}
		clusters := mustCall(t, 200, "GET", r.base, "/api/v1/projects/"+projectID+"/clusters", opsKey, nil)
		if total(clusters) != 1 || str(items(clusters)[0], "id") != clusterID {
			t.Errorf("%s: clusters %v", r.name, clusters)
		}
		if got := str(mustCall(t, 200, "GET", r.base, "/api/v1/clusters/"+clusterID, opsKey, nil), "properties", "name"); got != "main" {
			t.Errorf("%s: cluster name %q", r.name, got)
		}
	}

	// The cluster registered by the admin command, through both replicas:
	// each opens its DSN with the shared server key.
	role := fmt.Sprintf("replicas_user_%d", os.Getpid())
	rolePassword := "Rp-" + randomHex(t, 12)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = pg.Exec(ctx, `DROP ROLE IF EXISTS "`+role+`"`)
	})
	users := "/api/v1/clusters/" + clusterID + "/users"
	mustCall(t, 201, "POST", rs[0].base, users, opsKey, map[string]any{"username": role, "password": rolePassword})
	mustCall(t, 200, "GET", rs[1].base, users+"/"+role, opsKey, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := pg.ConnectAs(ctx, role, rolePassword); err != nil {
		t.Errorf("the cluster user made through %s cannot log in: %v", rs[0].name, err)
	}
	mustCall(t, 204, "DELETE", rs[1].base, users+"/"+role, opsKey, nil)
	mustCall(t, 404, "GET", rs[0].base, users+"/"+role, opsKey, nil)

	// An admin command with another server key is refused, and says why.
	code, stdout, stderr := adminRun(t, dsn, nil, "--data-dir", dataDirWithKey(t, "admin-wrong-key", newServerKey(t)), "org", "create", "never")
	outputs["admin with another key"] = stdout + stderr
	if code == 0 || stdout != "" || !strings.Contains(stderr, "this store was set up with another server key") {
		t.Errorf("admin with another server key: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if n := queryInt(t, dsn, "SELECT count(*) FROM organizations WHERE name = 'never'"); n != 0 {
		t.Error("an admin command with another server key wrote to the store")
	}

	for k, v := range outputsOf(rs...) {
		outputs[k] = v
	}
	// PostgreSQL logs every statement (testpg sets log_statement = 'all'):
	// the sealed DSN and the SCRAM verifier are there, the passwords not.
	if log, err := pg.Log(); err != nil {
		t.Fatal(err)
	} else if log != "" {
		outputs["PostgreSQL's log"] = log
	}
	noSecretIn(t, outputs, password, rolePassword)
	noSecretIn(t, outputsOf(rs...), opsKey)
	t.Logf("admin commands on the PostgreSQL store while 2 replicas ran: org, project, person, binding, key, cluster; "+
		"3 concurrent org creates of one name: exit codes %v (%q); %d outputs free of the store's and the cluster user's passwords",
		codes, strings.TrimSpace(strings.Join(raceErr, "")), len(outputs))
}

// TestReplicasRateLimitsPerReplica shows what the comment at the top of
// this file says: each replica keeps its own rate limits, per credential
// and, for failed authentications, per client address.
func TestReplicasRateLimitsPerReplica(t *testing.T) {
	pg := storePostgres(t)
	dsn := newStoreDatabase(t, pg)
	key := newServerKey(t)
	// The bucket barely refills during the test: 1 request per 100 s.
	limits := []string{"--rate-limit", "0.01", "--rate-burst", "3", "--auth-failure-rate", "0.01", "--auth-failure-burst", "2"}
	rs := []*replica{
		newReplica(t, "replica-0", dsn, dataDirWithKey(t, "replica-0", key), limits...),
		newReplica(t, "replica-1", dsn, dataDirWithKey(t, "replica-1", key), limits...),
	}
	startReplicas(t, rs...)
	adminKey, _ := bootstrapKey(t, rs)
	wrongKey := "pgc_" + randomHex(t, 8) + "_" + randomHex(t, 16) + "_0000"
	var seen []string
	for _, r := range rs {
		var keyed, wrong []string
		for range 4 {
			keyed = append(keyed, call("GET", r.base, "/api/v1/whoami", adminKey, nil).outcome())
		}
		for range 3 {
			wrong = append(wrong, call("GET", r.base, "/api/v1/whoami", wrongKey, nil).outcome())
		}
		wantKeyed := []string{"200", "200", "200", "429 RESOURCE_EXHAUSTED"}
		wantWrong := []string{"401 UNAUTHENTICATED", "401 UNAUTHENTICATED", "429 RESOURCE_EXHAUSTED"}
		if fmt.Sprint(keyed) != fmt.Sprint(wantKeyed) || fmt.Sprint(wrong) != fmt.Sprint(wantWrong) {
			t.Errorf("%s: one key 4 times: %v, want %v; a wrong key 3 times: %v, want %v", r.name, keyed, wantKeyed, wrong, wantWrong)
		}
		seen = append(seen, fmt.Sprintf("%s: key %v, wrong key %v", r.name, keyed, wrong))
	}
	t.Logf("--rate-burst 3 and --auth-failure-burst 2 on each replica, in turn: %s", strings.Join(seen, "; "))
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
