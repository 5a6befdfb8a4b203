// Package testpg starts a throwaway PostgreSQL for tests: initdb and pg_ctl on
// a free loopback port in a temporary directory, every statement logged to a
// file the tests can read, password (SCRAM) authentication over TCP so that
// logins with passwords are real. It imports nothing of the project, so that
// every test package, the server's own included, can use it. Register one as
// a cluster with env.Admin.AddCluster(ctx, env.ProjectID, name, pg.DSN).
package testpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// DSNEnv names the environment variable that points the tests at an existing
// PostgreSQL instead of starting one: the DSN of a superuser of a throwaway
// cluster (roles are cluster-wide, and the tests create and drop roles with
// fixed names). Its log cannot be read then: LogFile is "".
const DSNEnv = "PGCLOUD_TEST_POSTGRES_DSN"

// DebianPackage is the package that provides the PostgreSQL server binaries
// on the machines this project runs on.
const DebianPackage = "postgresql-15"

// Postgres is a running PostgreSQL.
type Postgres struct {
	DSN     string // superuser DSN over TCP, e.g. postgres://postgres:PW@127.0.0.1:PORT/postgres?sslmode=disable
	LogFile string // the server's log (log_statement = 'all'); "" when external
	Port    int

	dir     string              // temporary directory: data/, socket, log; "" when external
	bin     string              // directory of pg_ctl
	cred    *syscall.Credential // set when the binaries must run as the postgres OS user
	stopped sync.Once
}

// Start starts a PostgreSQL, or returns the one named by PGCLOUD_TEST_POSTGRES_DSN.
// When the server binaries are missing, the error names the Debian package to
// install: tests that need PostgreSQL fail with it rather than skip.
func Start() (*Postgres, error) {
	if dsn := os.Getenv(DSNEnv); dsn != "" {
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("%s is not a valid PostgreSQL DSN", DSNEnv)
		}
		return &Postgres{DSN: dsn, Port: int(cfg.Port)}, nil
	}
	bin, err := findBinaries(debianGlob)
	if err != nil {
		return nil, err
	}
	p := &Postgres{bin: bin}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, PostgreSQL must run as the OS user \"postgres\", which does not exist; "+
				"install the Debian package %s (it creates that user), or set %s", DebianPackage, DSNEnv)
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := p.start(); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// debianGlob is where Debian installs the server binaries of each version.
const debianGlob = "/usr/lib/postgresql/*/bin/initdb"

// findBinaries returns the directory holding initdb and pg_ctl: the newest
// match of glob (Debian's layout), else the PATH.
func findBinaries(glob string) (string, error) {
	found, _ := filepath.Glob(glob)
	sort.Slice(found, func(i, j int) bool { return versionOf(found[i]) > versionOf(found[j]) })
	for _, initdb := range found {
		dir := filepath.Dir(initdb)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(initdb)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("the PostgreSQL server binaries (initdb, pg_ctl) are not installed: looked in /usr/lib/postgresql/*/bin and on PATH; "+
		"install the Debian package %s (apt-get install -y --no-install-recommends %s), "+
		"or set %s to the DSN of a PostgreSQL superuser", DebianPackage, DebianPackage, DSNEnv)
}

func versionOf(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func (p *Postgres) start() error {
	base := ""
	if p.cred != nil && !othersCanEnter(os.TempDir()) {
		base = "/tmp" // the postgres user must be able to reach the directory
	}
	dir, err := os.MkdirTemp(base, "pgcloud-pg-")
	if err != nil {
		return err
	}
	p.dir = dir
	if p.cred != nil {
		if err := os.Chown(dir, int(p.cred.Uid), int(p.cred.Gid)); err != nil {
			return err
		}
	}
	password := randomHex(16)
	pwfile := filepath.Join(dir, "pwfile")
	if err := p.writeFile(pwfile, password+"\n"); err != nil {
		return err
	}
	data := filepath.Join(dir, "data")
	// Local (unix socket) connections are trusted: the socket lives in a
	// directory only the postgres user can enter. TCP needs the password.
	if out, err := p.run("initdb", "-D", data, "-U", "postgres", "--pwfile", pwfile, "-E", "UTF8", "--locale", "C",
		"--auth-local", "trust", "--auth-host", "scram-sha-256", "--no-sync", "--no-instructions"); err != nil {
		return fmt.Errorf("initdb: %v: %s", err, out)
	}
	_ = os.Remove(pwfile)
	p.LogFile = filepath.Join(dir, "postgres.log")

	// A free port can be taken between choosing and binding it: try a few.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		conf := strings.Join([]string{
			"",
			"# pgcloud test settings",
			"listen_addresses = '127.0.0.1'",
			"port = " + strconv.Itoa(port),
			"unix_socket_directories = '" + dir + "'",
			"password_encryption = 'scram-sha-256'",
			"log_statement = 'all'",
			"log_line_prefix = '%m [%p] %q%u@%d '",
			"logging_collector = off",
			"fsync = off",
			"synchronous_commit = off",
			"full_page_writes = off",
			"max_connections = 100",
			"",
		}, "\n")
		if err := p.writeFile(filepath.Join(data, "postgresql.auto.conf"), "# overridden by the test settings\n"+conf); err != nil {
			return err
		}
		out, err := p.run("pg_ctl", "start", "-D", data, "-l", p.LogFile, "-w", "-t", "60")
		if err == nil {
			p.Port = port
			p.DSN = fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", password, port)
			return p.waitReady()
		}
		lastErr = fmt.Errorf("pg_ctl start: %v: %s; log: %s", err, out, p.tailLog())
	}
	return lastErr
}

// waitReady connects once over TCP with the password.
func (p *Postgres) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return p.WaitReady(ctx)
}

// WaitReady waits until PostgreSQL accepts a connection of the superuser
// over TCP, or ctx ends: after a backend crashed, for instance, PostgreSQL
// refuses connections until its crash recovery is done.
func (p *Postgres) WaitReady(ctx context.Context) error {
	var err error
	for ctx.Err() == nil {
		var conn *pgx.Conn
		if conn, err = pgx.Connect(ctx, p.DSN); err == nil {
			return conn.Close(ctx)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err == nil {
		err = ctx.Err()
	}
	return fmt.Errorf("PostgreSQL does not accept connections on port %d: %v", p.Port, err)
}

// run runs a PostgreSQL binary, as the postgres OS user when needed.
func (p *Postgres) run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, name), args...)
	cmd.Dir = p.dir // the postgres user may not be allowed into the test's directory
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
		cmd.Env = append(cmd.Env, "HOME="+p.dir, "USER=postgres", "LOGNAME=postgres")
	}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// writeFile writes a file owned by the user PostgreSQL runs as.
func (p *Postgres) writeFile(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return err
	}
	if p.cred != nil {
		return os.Chown(path, int(p.cred.Uid), int(p.cred.Gid))
	}
	return nil
}

func (p *Postgres) tailLog() string {
	raw, err := os.ReadFile(p.LogFile)
	if err != nil {
		return "(no log)"
	}
	s := string(raw)
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}

// Stop stops a PostgreSQL this package started (fast shutdown) and removes
// its directory; for an external one it does nothing. Safe to call twice.
func (p *Postgres) Stop() {
	p.stopped.Do(func() {
		if p.dir == "" {
			return
		}
		if _, err := os.Stat(filepath.Join(p.dir, "data", "postmaster.pid")); err == nil {
			_, _ = p.run("pg_ctl", "stop", "-D", filepath.Join(p.dir, "data"), "-m", "fast", "-w", "-t", "60")
		}
		_ = os.RemoveAll(p.dir)
	})
}

// ErrExternal is what Down and Up answer for the PostgreSQL named by
// PGCLOUD_TEST_POSTGRES_DSN: this package did not start it and does not stop
// it.
var ErrExternal = errors.New("the PostgreSQL named by " + DSNEnv + " was not started by the tests: it cannot be stopped or started by them")

// Down stops the server as an operator's restart would (fast shutdown: open
// sessions are ended) and keeps its data, for tests of what happens while
// PostgreSQL is unreachable; Up starts it again.
func (p *Postgres) Down() error {
	if p.dir == "" {
		return ErrExternal
	}
	if out, err := p.run("pg_ctl", "stop", "-D", filepath.Join(p.dir, "data"), "-m", "fast", "-w", "-t", "60"); err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

// Up starts a server stopped by Down, on the same port with the same data,
// and waits until it accepts connections.
func (p *Postgres) Up() error {
	if p.dir == "" {
		return ErrExternal
	}
	if out, err := p.run("pg_ctl", "start", "-D", filepath.Join(p.dir, "data"), "-l", p.LogFile, "-w", "-t", "60"); err != nil {
		return fmt.Errorf("pg_ctl start: %v: %s; log: %s", err, out, p.tailLog())
	}
	return p.waitReady()
}

// config is the superuser's connection config with user and password
// replaced (when user is not "").
func (p *Postgres) config(user, password string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(p.DSN)
	if err != nil {
		return nil, errors.New("the test PostgreSQL DSN is not valid")
	}
	if user != "" {
		cfg.User = user
		cfg.Password = password
		cfg.Database = "postgres"
	}
	cfg.ConnectTimeout = 10 * time.Second
	return cfg, nil
}

// ConnectAs proves that user can log in with password over TCP (database
// "postgres"): nil when the login works.
func (p *Postgres) ConnectAs(ctx context.Context, user, password string) error {
	cfg, err := p.config(user, password)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// OpenAs opens a connection as user with password over TCP (database
// "postgres") and leaves it open, for tests of what happens to a user's open
// connections; the caller closes it.
func (p *Postgres) OpenAs(ctx context.Context, user, password string) (*pgx.Conn, error) {
	cfg, err := p.config(user, password)
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// Exec runs one statement as the superuser (for tests that change the
// cluster behind the platform's back, e.g. DROP ROLE).
func (p *Postgres) Exec(ctx context.Context, sql string, args ...any) error {
	cfg, err := p.config("", "")
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

// QueryString runs a query returning one text value, as the superuser.
func (p *Postgres) QueryString(ctx context.Context, sql string, args ...any) (string, error) {
	cfg, err := p.config("", "")
	if err != nil {
		return "", err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close(ctx) }()
	var s string
	err = conn.QueryRow(ctx, sql, args...).Scan(&s)
	return s, err
}

// DataDir is the server's data directory, its databases' files and WAL
// ("" when external).
func (p *Postgres) DataDir() string {
	if p.dir == "" {
		return ""
	}
	return filepath.Join(p.dir, "data")
}

// Log returns the server's log so far ("" when external).
func (p *Postgres) Log() (string, error) {
	if p.LogFile == "" {
		return "", nil
	}
	raw, err := os.ReadFile(p.LogFile)
	return string(raw), err
}

// othersCanEnter reports whether every directory on the way to dir can be
// traversed by any user.
func othersCanEnter(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
