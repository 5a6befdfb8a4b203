package pgroles

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

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
	if total != 3 || fmt.Sprint(got) != "[{a false} {b false} {c false}]" {
		t.Fatalf("managed roles: %v total %d", got, total)
	}
	got, total, err = m.List(ctx, c, false, 2, 1)
	if err != nil || total != 3 || fmt.Sprint(got) != "[{b false} {c false}]" {
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
	if total != 5 || fmt.Sprint(got) != "[{a false} {b false} {by hand true} {c false} {postgres true}]" {
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
