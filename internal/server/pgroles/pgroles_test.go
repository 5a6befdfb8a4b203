package pgroles

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// Every test runs against a real, throwaway PostgreSQL (package testpg).

func startPG(t *testing.T) (*testpg.Postgres, *Manager, Cluster) {
	t.Helper()
	pg, err := testpg.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pg.Stop)
	m := NewManager()
	t.Cleanup(m.Close)
	return pg, m, Cluster{ID: "c1", DSN: pg.DSN}
}

var verifierRE = regexp.MustCompile(`^SCRAM-SHA-256\$4096:([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$`)

func TestVerifierFormat(t *testing.T) {
	v, err := Verifier("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	m := verifierRE.FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("verifier %q does not have the form SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>", v)
	}
	for i, want := range []int{16, 32, 32} {
		raw, err := base64.StdEncoding.DecodeString(m[i+1])
		if err != nil || len(raw) != want {
			t.Errorf("part %d: %d bytes (%v), want %d", i+1, len(raw), err, want)
		}
	}
	if v2, _ := Verifier("correct horse battery"); v2 == v {
		t.Error("two verifiers of one password are equal: the salt is not random")
	}
}

// names PostgreSQL accepts as quoted identifiers, chosen to break naive quoting.
var oddNames = []string{
	`o'brien "the quoted"`,
	`with space`,
	`ünïcödé-名前-🐘`,
	`x; DROP ROLE postgres; --`,
	`Robert'); DROP TABLE students;--`,
	`slash/and\back`,
	`UPPER lower`,
	strings.Repeat("n", 63),
}

func TestCreateLoginRotateDrop(t *testing.T) {
	pg, m, c := startPG(t)
	ctx := context.Background()
	for i, name := range oddNames {
		password := fmt.Sprintf("pw-%d-'quote\"-%s", i, strings.Repeat("z", i))
		if _, err := m.Create(ctx, c, name, password); err != nil {
			t.Fatalf("create %q: %v", name, err)
		}
		if err := pg.ConnectAs(ctx, name, password); err != nil {
			t.Fatalf("login as %q: %v", name, err)
		}
		// PostgreSQL stored our verifier as is: recomputing it with the
		// stored salt gives the stored text.
		if !storedVerifierIs(t, pg, name, password) {
			t.Errorf("stored verifier of %q differs from ours", name)
		}
		r, err := m.Get(ctx, c, name)
		if err != nil || r.Name != name || r.System {
			t.Fatalf("get %q: %+v %v", name, r, err)
		}

		newPassword := password + "-rotated"
		if err := m.SetPassword(ctx, c, name, newPassword); err != nil {
			t.Fatalf("set password of %q: %v", name, err)
		}
		if err := pg.ConnectAs(ctx, name, newPassword); err != nil {
			t.Fatalf("login as %q with the new password: %v", name, err)
		}
		if err := pg.ConnectAs(ctx, name, password); err == nil {
			t.Fatalf("login as %q with the old password still works", name)
		}
		if err := m.Drop(ctx, c, name); err != nil {
			t.Fatalf("drop %q: %v", name, err)
		}
		if _, err := m.Get(ctx, c, name); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get %q after drop: %v", name, err)
		}
	}
	// The superuser and the marker survived every name above.
	if n, err := pg.QueryString(ctx, "SELECT count(*)::text FROM pg_roles WHERE rolname IN ('postgres', $1)", MarkerRole); err != nil || n != "2" {
		t.Fatalf("postgres and the marker: %s %v", n, err)
	}

	// Unknown roles.
	if err := m.SetPassword(ctx, c, "nobody", "0123456789"); !errors.Is(err, ErrNotFound) {
		t.Errorf("set password of a missing role: %v", err)
	}
	if err := m.Drop(ctx, c, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("drop of a missing role: %v", err)
	}
	for _, hidden := range []string{"pg_monitor", MarkerRole} {
		if _, err := m.Get(ctx, c, hidden); !errors.Is(err, ErrNotFound) {
			t.Errorf("get %q: %v, want not found", hidden, err)
		}
	}
}

func TestUnicodePasswordLogsIn(t *testing.T) {
	pg, m, c := startPG(t)
	ctx := context.Background()
	password := "pässwörd-ünïcödé-密码"
	if _, err := m.Create(ctx, c, "uni", password); err != nil {
		t.Fatal(err)
	}
	if err := pg.ConnectAs(ctx, "uni", password); err != nil {
		t.Fatalf("login with a unicode password: %v", err)
	}
}

// saslprepPasswords are the passwords whose SASLprep (RFC 4013) matters: the
// non-ASCII ones the tests use, and one of each case where SASLprep changes
// a password or refuses it (then PostgreSQL hashes it as given).
var saslprepPasswords = map[string]string{
	"ascii with quotes":    `pw-0-'quote"-`,
	"accents and cjk":      "pässwörd-ünïcödé-密码",
	"no-break space":       "pass\u00a0word-123",      // C.1.2: a space
	"zero width space":     "pass\u200bword\u200b123", // C.1.2 and B.1: PostgreSQL says space
	"soft hyphen":          "pass\u00adword-123",      // B.1: nothing
	"only soft hyphens":    strings.Repeat("\u00ad", 10),
	"ligature":             "\ufb01nal-password-1", // NFKC: "fi"
	"fullwidth":            "Ｐａｓｓｗｏｒｄ１２３",
	"combining accent":     "e\u0301te-password",
	"unassigned in 3.2":    "\ufb01-🐘-password",  // refused: hashed as given
	"private use":          "pass\ue000word-123", // refused: hashed as given
	"control character":    "pass\tword-123",
	"right to left":        "كلمةالسرسرية",
	"mixed directions":     "abcكلمةالسر123", // refused (bidi): hashed as given
	"hebrew around digits": "\u05d0123\u05d1",
	"presentation form":    "\ufefb1\u0628", // NFKC makes it longer
	"composed by NFKC":     "\u0627\u0653\u0628\u0628",
}

// TestVerifierMatchesPostgres lets PostgreSQL hash each password itself
// (CREATE ROLE ... PASSWORD 'plain', SCRAM-SHA-256 by default), recomputes
// the verifier with PostgreSQL's salt, and wants the same text; then it
// creates a role through the Manager with that password and logs in with
// libpq (psql), whose SASLprep is PostgreSQL's own. pgx's client is no
// judge here: it prepares passwords with PRECIS, which differs from
// SASLprep for some of them (NFC, not NFKC).
func TestVerifierMatchesPostgres(t *testing.T) {
	pg, m, c := startPG(t)
	ctx := context.Background()
	psql := findPsql(t)
	i := 0
	for what, password := range saslprepPasswords {
		i++
		byPostgres := fmt.Sprintf("hashed_by_postgres_%d", i)
		literal := "'" + strings.ReplaceAll(password, "'", "''") + "'"
		if err := pg.Exec(ctx, "CREATE ROLE "+byPostgres+" LOGIN PASSWORD "+literal); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !storedVerifierIs(t, pg, byPostgres, password) {
			t.Errorf("%s: our verifier differs from PostgreSQL's", what)
		}

		// A non-ASCII role name too: PostgreSQL's SCRAM never prepares names.
		name := fmt.Sprintf("ünïcödé-名前-🐘-%d", i)
		if _, err := m.Create(ctx, c, name, password); err != nil {
			t.Fatalf("%s: create: %v", what, err)
		}
		if err := psqlLogin(ctx, psql, pg.Port, name, password); err != nil {
			t.Errorf("%s: libpq login: %v", what, err)
		}
		if err := psqlLogin(ctx, psql, pg.Port, name, password+"x"); err == nil {
			t.Errorf("%s: libpq login with a wrong password worked", what)
		}
	}
}

// storedVerifierIs reports whether the SCRAM verifier PostgreSQL stored for
// role is the one Verifier computes for password with the stored salt.
func storedVerifierIs(t *testing.T, pg *testpg.Postgres, role, password string) bool {
	t.Helper()
	stored, err := pg.QueryString(context.Background(), "SELECT rolpassword FROM pg_authid WHERE rolname = $1", role)
	if err != nil {
		t.Fatal(err)
	}
	parts := verifierRE.FindStringSubmatch(stored)
	if parts == nil {
		t.Fatalf("the stored password of %q is not a SCRAM verifier: %q", role, stored)
	}
	salt, _ := base64.StdEncoding.DecodeString(parts[1])
	ours, _ := verifierWithSalt(password, salt, 4096)
	return ours == stored
}

// findPsql returns the psql of the newest Debian PostgreSQL, else the one
// on PATH. It comes with the server package the tests need anyway.
func findPsql(t *testing.T) string {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/psql")
	sort.Strings(found) // a newer major version sorts later up to 99
	if len(found) > 0 {
		return found[len(found)-1]
	}
	path, err := exec.LookPath("psql")
	if err != nil {
		t.Fatal("psql (package postgresql-client) is needed to log in with libpq")
	}
	return path
}

// psqlLogin logs in as user over TCP with libpq and runs SELECT 1.
func psqlLogin(ctx context.Context, psql string, port int, user, password string) error {
	cmd := exec.CommandContext(ctx, psql, "-X", "-q", "-t", "-c", "SELECT 1")
	cmd.Env = append(os.Environ(), "PGHOST=127.0.0.1", "PGPORT="+strconv.Itoa(port), "PGDATABASE=postgres",
		"PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10", "PGUSER="+user, "PGPASSWORD="+password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func TestSystemUsersAndLists(t *testing.T) {
	pg, m, c := startPG(t)
	ctx := context.Background()
	if err := pg.Exec(ctx, `CREATE ROLE "by hand" LOGIN PASSWORD 'by-hand-password'`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b", "a", "c"} {
		if _, err := m.Create(ctx, c, name, "0123456789"); err != nil {
			t.Fatal(err)
		}
	}
	got, total, err := m.List(ctx, c, false, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if total != 3 || brief(got) != "[{a false} {b false} {c false}]" {
		t.Fatalf("managed roles: %v total %d", got, total)
	}
	got, total, err = m.List(ctx, c, false, 2, 1)
	if err != nil || total != 3 || brief(got) != "[{b false} {c false}]" {
		t.Fatalf("page 2 of 2: %v total %d %v", got, total, err)
	}
	got, total, err = m.List(ctx, c, false, 2, 5)
	if err != nil || total != 3 || len(got) != 0 {
		t.Fatalf("page past the end: %v total %d %v", got, total, err)
	}
	got, total, err = m.List(ctx, c, true, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if total != 5 || brief(got) != "[{a false} {b false} {by hand true} {c false} {postgres true}]" {
		t.Fatalf("all roles: %v total %d", got, total)
	}
	for _, r := range got {
		if strings.HasPrefix(r.Name, "pg_") || r.Name == MarkerRole {
			t.Errorf("listed %q", r.Name)
		}
	}
	for _, name := range []string{"by hand", "postgres"} {
		r, err := m.Get(ctx, c, name)
		if err != nil || !r.System {
			t.Errorf("get %q: %+v %v, want a system user", name, r, err)
		}
		if err := m.SetPassword(ctx, c, name, "0123456789"); !errors.Is(err, ErrSystemUser) {
			t.Errorf("set password of %q: %v, want ErrSystemUser", name, err)
		}
		if err := m.Drop(ctx, c, name); !errors.Is(err, ErrSystemUser) {
			t.Errorf("drop %q: %v, want ErrSystemUser", name, err)
		}
	}
	if err := pg.ConnectAs(ctx, "by hand", "by-hand-password"); err != nil {
		t.Errorf("the system user's password changed: %v", err)
	}
	if _, err := m.Create(ctx, c, "by hand", "0123456789"); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("create over a system user: %v", err)
	}
	// Dropped by hand: gone from the API.
	if err := pg.Exec(ctx, `DROP ROLE b`); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx, c, "b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get a role dropped by hand: %v", err)
	}
	// The marker dropped by hand comes back on the next create.
	for _, name := range []string{"a", "c"} {
		if err := m.Drop(ctx, c, name); err != nil {
			t.Fatal(err)
		}
	}
	if err := pg.Exec(ctx, `DROP ROLE `+MarkerRole); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(ctx, c, "after marker", "0123456789"); err != nil {
		t.Fatalf("create after the marker was dropped: %v", err)
	}
}

func TestDropOfRoleInUse(t *testing.T) {
	pg, m, c := startPG(t)
	ctx := context.Background()
	if _, err := m.Create(ctx, c, "owner", "0123456789"); err != nil {
		t.Fatal(err)
	}
	if err := pg.Exec(ctx, `CREATE TABLE things (id int); ALTER TABLE things OWNER TO owner`); err != nil {
		t.Fatal(err)
	}
	err := m.Drop(ctx, c, "owner")
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "owner of table things") {
		t.Fatalf("drop of an owner: %v", err)
	}
	if r, err := m.Get(ctx, c, "owner"); err != nil || r.System {
		t.Fatalf("the role is not intact: %+v %v", r, err)
	}
	if err := pg.ConnectAs(ctx, "owner", "0123456789"); err != nil {
		t.Fatalf("the role cannot log in any more: %v", err)
	}
	if err := pg.Exec(ctx, `ALTER TABLE things OWNER TO postgres; GRANT SELECT ON things TO owner`); err != nil {
		t.Fatal(err)
	}
	if err := m.Drop(ctx, c, "owner"); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "privileges for table things") {
		t.Fatalf("drop of a grantee: %v", err)
	}
	if err := pg.Exec(ctx, `REVOKE ALL ON things FROM owner`); err != nil {
		t.Fatal(err)
	}
	if err := m.Drop(ctx, c, "owner"); err != nil {
		t.Fatalf("drop after revoke: %v", err)
	}
}

func TestConcurrentCreatesOneWins(t *testing.T) {
	_, m, c := startPG(t)
	ctx := context.Background()
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ok, dup int
		other   []error
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := m.Create(ctx, c, "racer", "0123456789")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrAlreadyExists):
				dup++
			default:
				other = append(other, err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || dup != n-1 || len(other) > 0 {
		t.Fatalf("%d created, %d already exists, others: %v", ok, dup, other)
	}
}

// TestConcurrentCreatesWithMemberships: creates of different users and
// groups at once, each granted the same group role and predefined role.
// CreateWith creates the roles before it takes the cluster's role lock and
// grants their memberships under it, so the creates overlap; every one
// must succeed, with every membership, alternating users' second roles
// included.
func TestConcurrentCreatesWithMemberships(t *testing.T) {
	_, m, c := startPG(t)
	ctx := context.Background()
	if _, err := m.CreateGroup(ctx, c, "readers", []string{"pg_read_all_data"}); err != nil {
		t.Fatal(err)
	}
	const n = 12
	errs := make(chan error, n)
	for i := range n {
		go func() {
			var err error
			if i%4 == 3 {
				_, err = m.CreateGroup(ctx, c, fmt.Sprintf("group%d", i), []string{"readers", "pg_monitor"})
			} else {
				_, err = m.CreateWith(ctx, c, Spec{Name: fmt.Sprintf("member%d", i), Login: true, ConnectionLimit: -1,
					MemberOf: []string{"readers", "pg_monitor"}, Alternating: i%4 == 0}, "0123456789")
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for i := range n {
		if i%4 == 3 {
			g, err := m.get(ctx, c, groupKind, fmt.Sprintf("group%d", i))
			if err != nil || !slices.Equal(g.MemberOf, []string{"pg_monitor", "readers"}) {
				t.Errorf("group%d: %+v, %v; want a member of pg_monitor and readers", i, g, err)
			}
			continue
		}
		u, err := m.Get(ctx, c, fmt.Sprintf("member%d", i))
		if err != nil || u.System || !slices.Equal(u.MemberOf, []string{"pg_monitor", "readers"}) || u.Alternating != (i%4 == 0) {
			t.Errorf("member%d: %+v, %v; want a platform user, member of pg_monitor and readers, alternating %v", i, u, err, i%4 == 0)
		}
	}
}

func TestPasswordsStayOutOfPostgresLog(t *testing.T) {
	pg, m, c := startPG(t)
	ctx := context.Background()
	first, second := "first-secret-Zq81x", "second-secret-Yp27w"
	if _, err := m.Create(ctx, c, "logged", first); err != nil {
		t.Fatal(err)
	}
	if err := m.SetPassword(ctx, c, "logged", second); err != nil {
		t.Fatal(err)
	}
	log, err := pg.Log()
	if err != nil {
		t.Fatal(err)
	}
	if pg.LogFile != "" && (!strings.Contains(log, `CREATE ROLE "logged" LOGIN PASSWORD 'SCRAM-SHA-256$4096:`) ||
		!strings.Contains(log, `ALTER ROLE "logged" PASSWORD 'SCRAM-SHA-256$4096:`)) {
		t.Fatalf("the statements are not logged (is log_statement = 'all'?):\n%s", log)
	}
	for _, p := range []string{first, second} {
		if strings.Contains(log, p) {
			t.Errorf("the PostgreSQL log contains a plain password")
		}
	}
}

func TestErrorsNeverShowTheDSN(t *testing.T) {
	pg, m, _ := startPG(t)
	ctx := context.Background()
	const secret = "hunter2-very-secret"
	bad := []struct {
		dsn  string
		kind error
	}{
		{fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", secret, pg.Port), ErrUnavailable}, // wrong password
		{fmt.Sprintf("postgres://postgres:%s@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", secret), ErrUnavailable},
		{"postgres://postgres:" + secret + "@[::1", ErrInvalidDSN},
		{"host=127.0.0.1 password=" + secret + " port=notanumber", ErrInvalidDSN},
	}
	for _, b := range bad {
		_, err := Check(ctx, b.dsn)
		if err == nil || !errors.Is(err, b.kind) {
			t.Errorf("check: %v, want %v", err, b.kind)
		}
		if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "127.0.0.1")) {
			t.Errorf("the error shows the DSN: %v", err)
		}
		_, _, err = m.List(ctx, Cluster{ID: b.dsn, DSN: b.dsn}, true, 10, 0)
		if err == nil || !errors.Is(err, b.kind) || strings.Contains(err.Error(), secret) {
			t.Errorf("list: %v, want %v without the DSN", err, b.kind)
		}
	}

	// A role without CREATEROLE cannot be registered.
	if err := pg.Exec(ctx, `CREATE ROLE weak LOGIN PASSWORD 'weak-password'`); err != nil {
		t.Fatal(err)
	}
	weak := fmt.Sprintf("postgres://weak:weak-password@127.0.0.1:%d/postgres?sslmode=disable", pg.Port)
	if _, err := Check(ctx, weak); !errors.Is(err, ErrNotPermitted) || !strings.Contains(err.Error(), "CREATEROLE") {
		t.Errorf("check of a role without CREATEROLE: %v", err)
	}
	if err := pg.Exec(ctx, `ALTER ROLE weak CREATEROLE`); err != nil {
		t.Fatal(err)
	}
	v, err := Check(ctx, weak)
	if err != nil || !regexp.MustCompile(`^\d+(\.\d+)*$`).MatchString(v) {
		t.Errorf("check of a CREATEROLE role: %q %v", v, err)
	}
}

// A cluster registered with a CREATEROLE (not superuser) role manages its
// users too.
func TestCreateRoleIsEnough(t *testing.T) {
	pg, m, _ := startPG(t)
	ctx := context.Background()
	if err := pg.Exec(ctx, `CREATE ROLE operator LOGIN CREATEROLE PASSWORD 'operator-password'`); err != nil {
		t.Fatal(err)
	}
	c := Cluster{ID: "op", DSN: fmt.Sprintf("postgres://operator:operator-password@127.0.0.1:%d/postgres?sslmode=disable", pg.Port)}
	if _, err := m.Create(ctx, c, "app", "0123456789"); err != nil {
		t.Fatal(err)
	}
	if err := pg.ConnectAs(ctx, "app", "0123456789"); err != nil {
		t.Fatal(err)
	}
	if err := m.SetPassword(ctx, c, "app", "9876543210"); err != nil {
		t.Fatal(err)
	}
	if err := m.Drop(ctx, c, "app"); err != nil {
		t.Fatal(err)
	}
	if r, err := m.Get(ctx, c, "operator"); err != nil || !r.System {
		t.Fatalf("the operator role: %+v %v", r, err)
	}
}

// The tests below lose the answer to a statement for real: a
// PostgreSQL backend killed with SIGKILL (the postmaster then resets every
// connection and runs crash recovery), a context cancelled while the
// statement waits. They need a PostgreSQL that this process started on this
// machine, as root or as its OS user, to signal its processes.

// needOwnPG skips when the tests use an external PostgreSQL (DSNEnv): its
// processes are not ours to kill.
func needOwnPG(t *testing.T, pg *testpg.Postgres) {
	t.Helper()
	if pg.LogFile == "" {
		t.Skipf("%s names an external PostgreSQL: this test signals PostgreSQL's processes, which needs one it started", testpg.DSNEnv)
	}
}

// superConn is a connection of the superuser, closed at the end of the test.
func superConn(t *testing.T, pg *testpg.Postgres) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pg.DSN)
	if err != nil {
		t.Fatalf("connect as the superuser: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// lockAuthid takes a SHARE lock on pg_authid in an open transaction of its
// own connection: reading roles still works, but CREATE/ALTER/DROP ROLE
// (ROW EXCLUSIVE) wait until the transaction ends.
func lockAuthid(t *testing.T, pg *testpg.Postgres) *pgx.Conn {
	t.Helper()
	conn := superConn(t, pg)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, `BEGIN; LOCK TABLE pg_catalog.pg_authid IN SHARE MODE`); err != nil {
		t.Fatalf("lock pg_authid: %v", err)
	}
	return conn
}

// waitForBackend polls pg_stat_activity until a backend of the platform
// (application_name pgcloud-server) whose statement contains prefix
// waits for wait (a wait_event_type such as Lock, or a wait_event such as
// SyncRep), and returns its pid. done is the channel of the
// operation under test: should it end first, the test fails with its result.
func waitForBackend(t *testing.T, pg *testpg.Postgres, wait, prefix string, done <-chan error) int {
	t.Helper()
	conn := superConn(t, pg)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var pid int
		err := conn.QueryRow(ctx, `SELECT pid FROM pg_stat_activity
			WHERE application_name = 'pgcloud-server' AND $1 IN (wait_event_type, wait_event) AND strpos(query, $2) > 0`,
			wait, prefix).Scan(&pid)
		cancel()
		switch {
		case err == nil:
			return pid
		case !errors.Is(err, pgx.ErrNoRows):
			t.Fatalf("poll pg_stat_activity: %v", err)
		}
		select {
		case err := <-done:
			t.Fatalf("the operation ended (error: %v) before a backend waited (%s) on %q", err, wait, prefix)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no backend of the platform waited (%s) on %q within 20s", wait, prefix)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// result waits for the operation under test, at most 30 seconds (a
// verification is bounded by verifyTimeout, crash recovery takes about a
// second).
func result(t *testing.T, done <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not return within 30s", what)
		return nil
	}
}

// killBackend sends SIGKILL to a backend and waits until PostgreSQL accepts
// connections again, so that the rest of the test (and its cleanup) has a
// working server.
func killBackend(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v (the test must run as root or as PostgreSQL's OS user)", pid, err)
	}
}

func waitReady(t *testing.T, pg *testpg.Postgres) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := pg.WaitReady(ctx); err != nil {
		t.Fatalf("after the crash: %v", err)
	}
}

// roleCount counts the roles named name, as the superuser.
func roleCount(t *testing.T, pg *testpg.Postgres, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	n, err := pg.QueryString(ctx, `SELECT count(*)::text FROM pg_roles WHERE rolname = $1`, name)
	if err != nil {
		t.Fatalf("count roles %q: %v", name, err)
	}
	return n
}

// TestCreateBackendKilledWhileWaiting is the probe's scenario: the backend
// running CREATE ROLE is killed while it waits on a lock. The role was not
// created, so Create must not say it was (the API would answer 201 and
// replay it); it says ErrUnavailable, so that the client retries, and the
// retry creates the role.
func TestCreateBackendKilledWhileWaiting(t *testing.T) {
	pg, m, c := startPG(t)
	needOwnPG(t, pg)
	ctx := context.Background()
	// The marker exists first: the one CREATE ROLE that waits is the victim's.
	if _, err := m.Create(ctx, c, "warm-up", "0123456789"); err != nil {
		t.Fatal(err)
	}
	lockAuthid(t, pg) // its connection dies in the crash

	const name, password = "victim", "victim-password-1"
	done := make(chan error, 1)
	go func() {
		_, err := m.Create(ctx, c, name, password)
		done <- err
	}()
	pid := waitForBackend(t, pg, "Lock", `CREATE ROLE "victim"`, done)
	killBackend(t, pid)
	err := result(t, done, "Create")
	if err == nil {
		t.Fatalf("Create reported success, but its backend (pid %d) was killed before CREATE ROLE could take its lock", pid)
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Create: %v, want an error wrapping ErrUnavailable", err)
	}
	t.Logf("Create: %v", err)

	waitReady(t, pg)
	if n := roleCount(t, pg, name); n != "0" {
		t.Fatalf("%s roles %q exist after the crash, want none: the statement did not commit", n, name)
	}
	// The client's retry: the same Manager, whose pool lost its connections.
	if _, err := m.Create(ctx, c, name, password); err != nil {
		t.Fatalf("the retry of Create: %v", err)
	}
	if err := pg.ConnectAs(ctx, name, password); err != nil {
		t.Fatalf("login as the role the retry created: %v", err)
	}
}

// TestCreateCancelledWhileWaiting: the request's context ends while CREATE
// ROLE waits on a lock. pgx closes the connection and sends a cancel
// request in the background; a backend that the request does not reach
// (in time) goes on waiting and creates the role once the lock is free,
// after Create had answered. Create must make sure no backend runs the
// statement any more, then answer what is true: the role does not exist,
// ErrUnavailable.
func TestCreateCancelledWhileWaiting(t *testing.T) {
	pg, m, c := startPG(t)
	needOwnPG(t, pg)
	if _, err := m.Create(context.Background(), c, "warm-up", "0123456789"); err != nil {
		t.Fatal(err)
	}
	holder := lockAuthid(t, pg)

	const name, password = "cancelled", "cancelled-password-1"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := m.Create(ctx, c, name, password)
		done <- err
	}()
	pid := waitForBackend(t, pg, "Lock", `CREATE ROLE "cancelled"`, done)
	cancel()
	err := result(t, done, "Create")
	if err == nil {
		t.Fatal("Create reported success, but its context was cancelled while CREATE ROLE waited on a lock")
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Create: %v, want an error wrapping ErrUnavailable", err)
	}
	t.Logf("Create: %v", err)

	// No backend runs the statement any more: once the lock is free,
	// nothing can create the role behind the answer's back.
	qctx, qcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer qcancel()
	if n, err := pg.QueryString(qctx, `SELECT count(*)::text FROM pg_stat_activity WHERE pid = $1 OR starts_with(query, 'CREATE ROLE "cancelled"')`, pid); err != nil || n != "0" {
		t.Fatalf("backends still running the cancelled CREATE ROLE: %s %v", n, err)
	}
	if _, err := holder.Exec(qctx, `ROLLBACK`); err != nil {
		t.Fatalf("release the lock: %v", err)
	}
	if n := roleCount(t, pg, name); n != "0" {
		t.Fatalf("%s roles %q exist after the lock was released, want none", n, name)
	}
	if _, err := m.Create(context.Background(), c, name, password); err != nil {
		t.Fatalf("the retry of Create: %v", err)
	}
	if err := pg.ConnectAs(qctx, name, password); err != nil {
		t.Fatalf("login as the role the retry created: %v", err)
	}
}

// waitSyncRep makes every commit that writes wait for a synchronous standby
// that does not exist (what a cluster whose standby is gone does). The
// commit record is written (and flushed) before the wait. It returns the
// undo, which the test's cleanup calls too.
func waitSyncRep(t *testing.T, pg *testpg.Postgres) (undo func()) {
	t.Helper()
	set := func(standby, commit string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := pg.WaitReady(ctx); err != nil {
			return err
		}
		// ALTER SYSTEM cannot run in a transaction block: one statement each.
		for _, stmt := range []string{
			`ALTER SYSTEM SET synchronous_standby_names = '` + standby + `'`,
			`ALTER SYSTEM SET synchronous_commit = '` + commit + `'`,
			`SELECT pg_reload_conf()`,
		} {
			if err := pg.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		// The reload is asynchronous: wait until a new session has it.
		for ctx.Err() == nil {
			if v, err := pg.QueryString(ctx, `SHOW synchronous_standby_names`); err == nil && v == standby {
				return nil
			}
			time.Sleep(20 * time.Millisecond)
		}
		return ctx.Err()
	}
	if err := set("nonexistent_standby", "on"); err != nil {
		t.Fatalf("require a synchronous standby: %v", err)
	}
	var once sync.Once
	undo = func() {
		once.Do(func() {
			if err := set("", "off"); err != nil {
				t.Errorf("reset synchronous replication: %v", err)
			}
		})
	}
	t.Cleanup(undo)
	return undo
}

// TestCreateCancelledAfterCommit: the context ends while CREATE ROLE's
// commit waits for a synchronous standby. The role is created (the backend
// commits when it is stopped), so Create must say so: the verifier stored
// is the one it sent.
func TestCreateCancelledAfterCommit(t *testing.T) {
	pg, m, c := startPG(t)
	needOwnPG(t, pg)
	if _, err := m.Create(context.Background(), c, "warm-up", "0123456789"); err != nil {
		t.Fatal(err)
	}
	waitSyncRep(t, pg)

	const name, password = "committed", "committed-password-1"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := m.Create(ctx, c, name, password)
		done <- err
	}()
	waitForBackend(t, pg, "SyncRep", `CREATE ROLE "committed"`, done)
	cancel()
	if err := result(t, done, "Create"); err != nil {
		t.Fatalf("Create: %v, want success: the role was committed", err)
	}
	if err := pg.ConnectAs(context.Background(), name, password); err != nil {
		t.Fatalf("login as the role: %v", err)
	}
	if !storedVerifierIs(t, pg, name, password) {
		t.Fatal("the stored verifier is not of the password")
	}
}

// TestCreateBackendKilledAfterCommit: the backend is killed while CREATE
// ROLE's commit waits for a synchronous standby, after the commit record
// was written. Crash recovery keeps the role; Create, which settles the
// outcome once PostgreSQL accepts connections again (about a second, well
// within verifyTimeout), must say it was created, with the password asked.
func TestCreateBackendKilledAfterCommit(t *testing.T) {
	pg, m, c := startPG(t)
	needOwnPG(t, pg)
	ctx := context.Background()
	if _, err := m.Create(ctx, c, "warm-up", "0123456789"); err != nil {
		t.Fatal(err)
	}
	undo := waitSyncRep(t, pg)

	const name, password = "durable", "durable-password-1"
	done := make(chan error, 1)
	go func() {
		_, err := m.Create(ctx, c, name, password)
		done <- err
	}()
	pid := waitForBackend(t, pg, "SyncRep", `CREATE ROLE "durable"`, done)
	killBackend(t, pid)
	if err := result(t, done, "Create"); err != nil {
		t.Fatalf("Create: %v, want success: the role was committed before its backend (pid %d) was killed", err, pid)
	}
	waitReady(t, pg)
	undo()
	if err := pg.ConnectAs(ctx, name, password); err != nil {
		t.Fatalf("login as the role: %v", err)
	}
}

// TestSettleCreateStopsTheBackend: the client of a backend running CREATE
// ROLE is gone, and nothing stopped the backend (pgx's cancel request can be
// lost): here the connection stays open and silent while its statement
// waits on a lock. settleCreate must terminate that backend, found by its
// pid or (behind a pooler, where the pid is another) by its statement,
// before it says that the role does not exist; else the role would appear
// once the lock is free.
func TestSettleCreateStopsTheBackend(t *testing.T) {
	pg, m, c := startPG(t)
	ctx := context.Background()
	if _, err := m.Create(ctx, c, "warm-up", "0123456789"); err != nil {
		t.Fatal(err)
	}
	for _, byPID := range []bool{true, false} {
		holder := lockAuthid(t, pg)
		cfg, err := pgx.ParseConfig(pg.DSN)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RuntimeParams["application_name"] = "pgcloud-server"
		orphan, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		verifier, _ := Verifier("orphan-password-1")
		stmt := `CREATE ROLE orphan LOGIN PASSWORD '` + verifier + `' IN ROLE ` + MarkerRole
		done := make(chan error, 1)
		go func() {
			_, err := orphan.Exec(context.Background(), stmt)
			done <- err
		}()
		pid := waitForBackend(t, pg, "Lock", "CREATE ROLE orphan", done)
		b := backend{pid: uint32(pid), stmt: stmt}
		if !byPID {
			b.pid = 0
		}
		err = settleCreate(ctx, c.DSN, b, "orphan", verifier, io.ErrUnexpectedEOF)
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "does not exist") {
			t.Fatalf("by pid %v: %v, want ErrUnavailable: the role does not exist", byPID, err)
		}
		if err := result(t, done, "the orphan's CREATE ROLE"); sqlState(err) != "57P01" {
			t.Errorf("by pid %v: the orphan's CREATE ROLE ended with %v, want 57P01 (terminated)", byPID, err)
		}
		if _, err := holder.Exec(ctx, `ROLLBACK`); err != nil {
			t.Fatal(err)
		}
		if n := roleCount(t, pg, "orphan"); n != "0" {
			t.Fatalf("by pid %v: the role exists after the lock was released", byPID)
		}
		_ = orphan.Close(ctx)
	}
}

// TestSettleCreate checks the verdicts of settleCreate itself, on roles
// made by hand with known verifiers, as a superuser (who reads the stored
// verifier) and as a CREATEROLE role (who cannot).
func TestSettleCreate(t *testing.T) {
	pg, m, c := startPG(t)
	ctx := context.Background()
	if _, err := m.Create(ctx, c, "warm-up", "0123456789"); err != nil {
		t.Fatal(err)
	}
	ours, err := Verifier("settled-password-1")
	if err != nil {
		t.Fatal(err)
	}
	theirs, _ := Verifier("settled-password-1") // same password, another salt
	for _, stmt := range []string{
		`CREATE ROLE settled LOGIN PASSWORD '` + ours + `' IN ROLE ` + MarkerRole,
		`CREATE ROLE unmanaged LOGIN PASSWORD '` + ours + `'`,
		`CREATE ROLE nopassword LOGIN IN ROLE ` + MarkerRole,
		`CREATE ROLE operator LOGIN CREATEROLE PASSWORD 'operator-password'`,
	} {
		if err := pg.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	operator := fmt.Sprintf("postgres://operator:operator-password@127.0.0.1:%d/postgres?sslmode=disable", pg.Port)
	cause := io.ErrUnexpectedEOF
	for _, tc := range []struct {
		dsn, name, verifier string
		want                error // nil: created by this call
	}{
		{pg.DSN, "settled", ours, nil},
		{pg.DSN, "settled", theirs, ErrAlreadyExists},  // another request's
		{pg.DSN, "unmanaged", ours, ErrAlreadyExists},  // not the platform's
		{pg.DSN, "nopassword", ours, ErrAlreadyExists}, // stored no verifier: not ours
		{pg.DSN, "missing", ours, ErrUnavailable},
		// pg_authid is not readable: the marker is what tells.
		{operator, "settled", ours, nil},
		{operator, "settled", theirs, nil},
		{operator, "unmanaged", ours, ErrAlreadyExists},
		{operator, "missing", ours, ErrUnavailable},
	} {
		user := "postgres"
		if tc.dsn == operator {
			user = "operator"
		}
		err := settleCreate(ctx, tc.dsn, backend{}, tc.name, tc.verifier, cause)
		if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("as %s, %q with verifier %.30s…: %v, want %v", user, tc.name, tc.verifier, err, tc.want)
		}
	}
	// An unreachable cluster: not known, not a success.
	down := "postgres://postgres:x@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=1"
	if err := settleCreate(ctx, down, backend{}, "settled", ours, cause); !errors.Is(err, ErrUnavailable) {
		t.Errorf("unreachable cluster: %v, want ErrUnavailable", err)
	}
}

// TestSetPasswordAndDropKilledInCommit: the backend is killed while the
// COMMIT of ALTER ROLE / DROP ROLE waits for a synchronous standby, after
// the commit record was written. The change happened, but nobody can know
// it from the lost answer: SetPassword and Drop must not report success
// they did not see; they report ErrUnavailable (503), and the client's retry
// is harmless: the same password again, or a role already gone (404, which
// the provider takes as deleted).
func TestSetPasswordAndDropKilledInCommit(t *testing.T) {
	pg, m, c := startPG(t)
	needOwnPG(t, pg)
	ctx := context.Background()
	for _, name := range []string{"rotated", "dropped"} {
		if _, err := m.Create(ctx, c, name, "old-password-1"); err != nil {
			t.Fatal(err)
		}
	}
	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"rotated", func() error { return m.SetPassword(ctx, c, "rotated", "new-password-1") }},
		{"dropped", func() error { return m.Drop(ctx, c, "dropped") }},
	} {
		undo := waitSyncRep(t, pg)
		done := make(chan error, 1)
		go func() { done <- op.run() }()
		pid := waitForBackend(t, pg, "SyncRep", "commit", done)
		killBackend(t, pid)
		err := result(t, done, op.name)
		if err == nil {
			t.Fatalf("%s: success reported, but the answer to COMMIT was lost (backend %d killed)", op.name, pid)
		}
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("%s: %v, want an error wrapping ErrUnavailable", op.name, err)
		}
		t.Logf("%s: %v", op.name, err)
		waitReady(t, pg)
		undo()
	}
	// PostgreSQL had written both commits before it waited: crash recovery
	// kept them. The retries converge on what was asked.
	if err := pg.ConnectAs(ctx, "rotated", "new-password-1"); err != nil {
		t.Errorf("login with the new password after the crash: %v", err)
	}
	if err := m.SetPassword(ctx, c, "rotated", "new-password-1"); err != nil {
		t.Errorf("the retry of SetPassword: %v", err)
	}
	if err := m.Drop(ctx, c, "dropped"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the retry of Drop: %v, want ErrNotFound (the role was dropped)", err)
	}
}

// openAs opens n connections as user, closed at the end of the test.
func openAs(t *testing.T, pg *testpg.Postgres, user, password string, n int) []*pgx.Conn {
	t.Helper()
	var conns []*pgx.Conn
	for range n {
		conn, err := pg.OpenAs(context.Background(), user, password)
		if err != nil {
			t.Fatalf("connect as %q: %v", user, err)
		}
		t.Cleanup(func() { _ = conn.Close(context.Background()) })
		conns = append(conns, conn)
	}
	return conns
}

// alive reports whether conn still answers a query.
func alive(conn *pgx.Conn) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one) == nil
}

// TerminateConnections ends the open connections of one platform role, all
// of them and only them, and they are gone when it returns.
func TestTerminateConnections(t *testing.T) {
	pg, m, c := startPG(t)
	ctx := context.Background()
	for _, name := range []string{"app", "o'ther"} {
		if _, err := m.Create(ctx, c, name, "0123456789"); err != nil {
			t.Fatal(err)
		}
	}
	apps := openAs(t, pg, "app", "0123456789", 2)
	other := openAs(t, pg, "o'ther", "0123456789", 1)[0]
	super := superConn(t, pg)

	n, err := m.TerminateConnections(ctx, c, "app")
	if err != nil || n != 2 {
		t.Fatalf("terminate the connections of app: %d %v, want 2", n, err)
	}
	// Gone from the cluster when the call returns, not some time later.
	if left, err := pg.QueryString(ctx, `SELECT count(*)::text FROM pg_stat_activity WHERE usename = 'app'`); err != nil || left != "0" {
		t.Errorf("backends of app after the termination: %s %v", left, err)
	}
	for i, conn := range apps {
		if alive(conn) {
			t.Errorf("connection %d of app still works", i)
		}
	}
	if !alive(other) || !alive(super) {
		t.Error("a connection of another role was ended")
	}
	if n, err := m.TerminateConnections(ctx, c, "app"); err != nil || n != 0 {
		t.Errorf("terminate again: %d %v, want 0", n, err)
	}
	// New connections work: ending sessions does not lock the role out.
	if err := pg.ConnectAs(ctx, "app", "0123456789"); err != nil {
		t.Errorf("login after the termination: %v", err)
	}

	// System users (the superuser among them) and unknown roles: nothing ends.
	if err := pg.Exec(ctx, `CREATE ROLE "by hand" LOGIN PASSWORD 'by-hand-password'`); err != nil {
		t.Fatal(err)
	}
	byHand := openAs(t, pg, "by hand", "by-hand-password", 1)[0]
	for _, name := range []string{"postgres", "by hand"} {
		if _, err := m.TerminateConnections(ctx, c, name); !errors.Is(err, ErrSystemUser) {
			t.Errorf("terminate the connections of %q: %v, want ErrSystemUser", name, err)
		}
	}
	for _, name := range []string{"nobody", MarkerRole, "pg_monitor"} {
		if _, err := m.TerminateConnections(ctx, c, name); !errors.Is(err, ErrNotFound) {
			t.Errorf("terminate the connections of %q: %v, want ErrNotFound", name, err)
		}
	}
	if !alive(super) || !alive(byHand) || !alive(other) {
		t.Error("a refused termination ended a connection")
	}
}

// A CREATEROLE role may manage roles but not end their connections, unless
// it is granted pg_signal_backend; the error says so.
func TestTerminateConnectionsNeedsSignalBackend(t *testing.T) {
	pg, m, _ := startPG(t)
	ctx := context.Background()
	if err := pg.Exec(ctx, `CREATE ROLE operator LOGIN CREATEROLE PASSWORD 'operator-password'`); err != nil {
		t.Fatal(err)
	}
	c := Cluster{ID: "op", DSN: fmt.Sprintf("postgres://operator:operator-password@127.0.0.1:%d/postgres?sslmode=disable", pg.Port)}
	if _, err := m.Create(ctx, c, "app", "0123456789"); err != nil {
		t.Fatal(err)
	}
	conn := openAs(t, pg, "app", "0123456789", 1)[0]
	_, err := m.TerminateConnections(ctx, c, "app")
	if !errors.Is(err, ErrNotPermitted) || !strings.Contains(err.Error(), `GRANT pg_signal_backend TO "operator"`) {
		t.Fatalf("terminate as a CREATEROLE role: %v, want ErrNotPermitted naming the grant", err)
	}
	if !alive(conn) {
		t.Fatal("the refused termination ended the connection")
	}
	if err := pg.Exec(ctx, `GRANT pg_signal_backend TO "operator"`); err != nil {
		t.Fatal(err)
	}
	if n, err := m.TerminateConnections(ctx, c, "app"); err != nil || n != 1 {
		t.Fatalf("terminate with pg_signal_backend: %d %v, want 1", n, err)
	}
	if alive(conn) {
		t.Error("the connection still works")
	}
}

// brief shows roles as [{name system} ...].
func brief(roles []Role) string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = fmt.Sprintf("{%s %v}", r.Name, r.System)
	}
	return "[" + strings.Join(out, " ") + "]"
}
