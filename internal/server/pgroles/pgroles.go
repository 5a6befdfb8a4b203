// Package pgroles is the only code that speaks SQL to a managed PostgreSQL
// cluster: it checks a cluster's DSN at registration and creates, lists,
// changes and drops the cluster's roles.
//
// The cluster is the source of truth. A role the platform creates is a member
// of the NOLOGIN marker role pgcloud_managed (created on first use); every
// other role is a system user, which can be read but neither changed nor
// dropped. Nothing about roles is copied into the platform's store: a role
// dropped by hand is gone from the API, a role created by hand is a system
// user.
//
// Secrets stay out of logs: passwords are sent as SCRAM-SHA-256 verifiers
// (never in plain text, so log_statement = 'all' shows no password), and no
// error of this package contains a DSN or a driver message that could
// (see Summarize).
package pgroles

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// MarkerRole is the NOLOGIN role whose members are the platform's roles.
const MarkerRole = "pgcloud_managed"

// Errors (wrapped; test with errors.Is).
var (
	ErrNotFound      = errors.New("role not found")
	ErrAlreadyExists = errors.New("role already exists")
	ErrSystemUser    = errors.New("system user")
	// ErrInUse: the role owns objects or holds privileges (SQLSTATE 2BP01);
	// the error's text says which (PostgreSQL's detail).
	ErrInUse = errors.New("role owns objects or holds privileges")
	// ErrUnavailable: the cluster could not be reached or did not answer.
	ErrUnavailable = errors.New("cluster unavailable")
	// ErrReservedName: PostgreSQL refuses the role name (e.g. "public",
	// "none"); the error's text is PostgreSQL's message.
	ErrReservedName = errors.New("reserved role name")
	// ErrInvalidDSN: the DSN cannot be parsed.
	ErrInvalidDSN = errors.New("invalid DSN")
	// ErrNotPermitted: the cluster's role may not do this (e.g. it lacks
	// CREATEROLE).
	ErrNotPermitted = errors.New("not permitted")
)

// Role is a role of a cluster as the API shows it.
type Role struct {
	Name   string
	System bool // not created by the platform (not a member of MarkerRole)
}

// Cluster names a registered cluster: its id (the key of its pool) and DSN.
type Cluster struct {
	ID  string
	DSN string
}

// Pool settings: few connections per cluster (role changes are rare and
// quick); idle connections are closed so an unused cluster holds none.
const (
	maxConns       = 4
	maxIdle        = 5 * time.Minute
	connectTimeout = 10 * time.Second
)

// Manager keeps one small connection pool per cluster, created on first use.
// It is safe for concurrent use.
type Manager struct {
	mu    sync.Mutex
	pools map[string]*clusterPool
}

type clusterPool struct {
	dsn  string
	pool *pgxpool.Pool
}

// NewManager returns a Manager without pools.
func NewManager() *Manager { return &Manager{pools: map[string]*clusterPool{}} }

// Close closes every pool.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, p := range m.pools {
		p.pool.Close()
		delete(m.pools, id)
	}
}

func poolConfig(dsn string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: it cannot be parsed; use a URL like postgres://user:password@host:5432/postgres or key=value pairs", ErrInvalidDSN)
	}
	cfg.MaxConns = maxConns
	cfg.MinConns = 0
	cfg.MaxConnIdleTime = maxIdle
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > connectTimeout {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "pgcloud-server"
	// No prepared statement cache: every CREATE/ALTER ROLE is a new text,
	// and the cache would keep them all; this also works through poolers.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	return cfg, nil
}

// pool returns the pool of c, creating it (without connecting) if needed.
func (m *Manager) pool(c Cluster) (*pgxpool.Pool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.pools[c.ID]; ok {
		if p.dsn == c.DSN {
			return p.pool, nil
		}
		p.pool.Close() // the cluster was re-registered with another DSN
		delete(m.pools, c.ID)
	}
	cfg, err := poolConfig(c.DSN)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, safeErr("open a connection pool", err)
	}
	m.pools[c.ID] = &clusterPool{dsn: c.DSN, pool: pool}
	return pool, nil
}

// Check connects with dsn and verifies that its role may manage roles
// (superuser or CREATEROLE). It returns the server's version (SHOW
// server_version). It is what registering a cluster runs.
func Check(ctx context.Context, dsn string) (version string, err error) {
	cfg, err := poolConfig(dsn)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout+5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return "", safeErr("connect", err)
	}
	defer conn.Close(context.Background())
	var (
		user       string
		canManage  bool
		rawVersion string
	)
	err = conn.QueryRow(ctx, `SELECT current_user::text, coalesce((SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user), false),
		current_setting('server_version')`).Scan(&user, &canManage, &rawVersion)
	if err != nil {
		return "", safeErr("check the role", err)
	}
	if !canManage {
		return "", fmt.Errorf("%w: the role %q of this DSN has neither CREATEROLE nor SUPERUSER; grant it CREATEROLE (ALTER ROLE %s CREATEROLE) or use another role",
			ErrNotPermitted, user, pgx.Identifier{user}.Sanitize())
	}
	return shortVersion(rawVersion), nil
}

// shortVersion keeps the version number of server_version ("15.18 (Debian
// 15.18-0+deb12u1)" → "15.18").
func shortVersion(v string) string {
	for i, r := range v {
		if r == ' ' {
			return v[:i]
		}
	}
	return v
}

// managedExpr is true for the role r when it is a member of the marker role.
const managedExpr = `EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles mr ON mr.oid = m.roleid
	WHERE m.member = r.oid AND mr.rolname = '` + MarkerRole + `')`

// visibleExpr excludes PostgreSQL's own pg_* roles and the marker.
const visibleExpr = `left(r.rolname, 3) <> 'pg_' AND r.rolname <> '` + MarkerRole + `'`

// List returns one page of the cluster's roles, ordered by name, and how many
// there are. Without includeSystem only the platform's roles are listed.
func (m *Manager) List(ctx context.Context, c Cluster, includeSystem bool, limit, offset int) ([]Role, int, error) {
	pool, err := m.pool(c)
	if err != nil {
		return nil, 0, err
	}
	var (
		out   = []Role{}
		total int
	)
	// One snapshot for the count and the page.
	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		where := ` WHERE ` + visibleExpr + ` AND ($1 OR ` + managedExpr + `)`
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM pg_roles r`+where, includeSystem).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT r.rolname::text, NOT `+managedExpr+` FROM pg_roles r`+where+
			` ORDER BY r.rolname LIMIT $2 OFFSET $3`, includeSystem, limit, offset)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r Role
			if err := rows.Scan(&r.Name, &r.System); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, safeErr("list roles", err)
	}
	return out, total, nil
}

// Get returns the role name; PostgreSQL's own pg_* roles and the marker are
// ErrNotFound like missing ones.
func (m *Manager) Get(ctx context.Context, c Cluster, name string) (Role, error) {
	pool, err := m.pool(c)
	if err != nil {
		return Role{}, err
	}
	r, err := getRole(ctx, pool, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Role{}, safeErr("read the role", err)
	}
	return r, err
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func getRole(ctx context.Context, q querier, name string) (Role, error) {
	r := Role{Name: name}
	err := q.QueryRow(ctx, `SELECT NOT `+managedExpr+` FROM pg_roles r WHERE r.rolname = $1 AND `+visibleExpr, name).Scan(&r.System)
	if errors.Is(err, pgx.ErrNoRows) {
		return Role{}, ErrNotFound
	}
	return r, err
}

// ensureMarker creates the marker role when it is missing. Two servers (or
// requests) doing it at once are fine: the loser's duplicate is ignored.
func ensureMarker(ctx context.Context, pool *pgxpool.Pool) error {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, MarkerRole).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err := pool.Exec(ctx, `CREATE ROLE `+pgx.Identifier{MarkerRole}.Sanitize()+` NOLOGIN`)
	if code := sqlState(err); code == "42710" || code == "23505" {
		return nil
	}
	return err
}

// Create creates a login role that is a member of the marker role, with the
// SCRAM-SHA-256 verifier of password. An existing role of that name (also
// one created a moment ago by a concurrent request) is ErrAlreadyExists.
func (m *Manager) Create(ctx context.Context, c Cluster, name, password string) (Role, error) {
	pool, err := m.pool(c)
	if err != nil {
		return Role{}, err
	}
	verifier, err := Verifier(password)
	if err != nil {
		return Role{}, err
	}
	if err := ensureMarker(ctx, pool); err != nil {
		return Role{}, safeErr("create the marker role", err)
	}
	// The verifier is made of base64 characters, '$' and ':' only, so it
	// cannot end the string literal. Utility statements take no parameters.
	_, err = pool.Exec(ctx, `CREATE ROLE `+pgx.Identifier{name}.Sanitize()+` LOGIN PASSWORD '`+verifier+
		`' IN ROLE `+pgx.Identifier{MarkerRole}.Sanitize())
	switch sqlState(err) {
	case "":
	case "42710", "23505": // duplicate_object; unique_violation when a concurrent create won
		return Role{}, fmt.Errorf("%w: %q", ErrAlreadyExists, name)
	case "42939", "42602": // reserved_name, invalid_name
		var pgErr *pgconn.PgError
		errors.As(err, &pgErr)
		return Role{}, fmt.Errorf("%w: %s", ErrReservedName, pgErr.Message)
	default:
		return Role{}, safeErr("create the role", err)
	}
	return Role{Name: name}, nil
}

// SetPassword replaces the password of a platform role.
func (m *Manager) SetPassword(ctx context.Context, c Cluster, name, password string) error {
	pool, err := m.pool(c)
	if err != nil {
		return err
	}
	verifier, err := Verifier(password)
	if err != nil {
		return err
	}
	return m.managedTx(ctx, pool, name, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `ALTER ROLE `+pgx.Identifier{name}.Sanitize()+` PASSWORD '`+verifier+`'`)
		return err
	}, "set the password")
}

// Drop drops a platform role. A role that owns objects or holds privileges
// (in any database of the cluster) is left as it was: ErrInUse, whose text
// tells what depends on it.
func (m *Manager) Drop(ctx context.Context, c Cluster, name string) error {
	pool, err := m.pool(c)
	if err != nil {
		return err
	}
	return m.managedTx(ctx, pool, name, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DROP ROLE `+pgx.Identifier{name}.Sanitize())
		return err
	}, "drop the role")
}

// managedTx runs fn in a transaction after checking that name is a platform
// role; any failure rolls everything back.
func (m *Manager) managedTx(ctx context.Context, pool *pgxpool.Pool, name string, fn func(pgx.Tx) error, what string) error {
	var known error
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		r, err := getRole(ctx, tx, name)
		if err != nil {
			return err
		}
		if r.System {
			known = fmt.Errorf("%w: %q was not created by the platform", ErrSystemUser, name)
			return known
		}
		return fn(tx)
	})
	var pgErr *pgconn.PgError
	switch {
	case known != nil:
		return known
	case errors.Is(err, ErrNotFound) || sqlState(err) == "42704": // undefined_object: dropped meanwhile
		return fmt.Errorf("%w: %q", ErrNotFound, name)
	case sqlState(err) == "2BP01" && errors.As(err, &pgErr):
		detail := pgErr.Detail
		if detail == "" {
			detail = pgErr.Message
		}
		return fmt.Errorf("%w: %s", ErrInUse, oneLine(detail))
	case err != nil:
		return safeErr(what, err)
	}
	return nil
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// safeError carries a summary of a driver error that names neither the DSN
// nor anything the driver might have put into its message.
type safeError struct {
	kind    error // ErrUnavailable, ErrNotPermitted or nil
	summary string
}

func (e *safeError) Error() string { return e.summary }
func (e *safeError) Unwrap() error { return e.kind }

// safeErr summarizes err (see Summarize) as the failure of the step what.
func safeErr(what string, err error) error {
	var se *safeError
	if errors.As(err, &se) || errors.Is(err, ErrInvalidDSN) {
		return err
	}
	kind := error(nil)
	var (
		pgErr   *pgconn.PgError
		connErr *pgconn.ConnectError
	)
	switch {
	case errors.As(err, &connErr):
		// Also when PostgreSQL refused the login (wrong password, no such
		// database, too many connections): the cluster cannot be used now.
		kind = ErrUnavailable
	case errors.As(err, &pgErr) && len(pgErr.Code) == 5 && (pgErr.Code[:2] == "08" || pgErr.Code[:2] == "53" ||
		pgErr.Code[:2] == "57" || pgErr.Code[:2] == "58"):
		// connection exception, insufficient resources, operator
		// intervention (e.g. a shutdown), system error
		kind = ErrUnavailable
	case errors.As(err, &pgErr) && (pgErr.Code == "42501" || pgErr.Code == "0LP01"):
		kind = ErrNotPermitted
	case errors.As(err, &pgErr):
	default:
		kind = ErrUnavailable
	}
	return &safeError{kind: kind, summary: what + ": " + Summarize(err)}
}

// Summarize describes err without the DSN: PostgreSQL's own message and
// SQLSTATE for errors the server sent, a short cause for the rest
// (connection refused, timeout, unknown host, ...). Driver errors are never
// shown as they are, since connection errors repeat parts of the DSN.
func Summarize(err error) string {
	var (
		pgErr  *pgconn.PgError
		dnsErr *net.DNSError
		netErr net.Error
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pgErr):
		return fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused (is PostgreSQL running and listening on that host and port?)"
	case errors.As(err, &dnsErr):
		return "the host name does not resolve"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed by the server"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the host is unreachable"
	default:
		return "could not connect to or talk with the cluster"
	}
}
