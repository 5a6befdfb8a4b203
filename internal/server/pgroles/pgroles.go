// Package pgroles is the only code that speaks SQL to a managed PostgreSQL
// cluster: it checks a cluster's DSN at registration and creates, lists,
// changes and drops the cluster's roles, and ends their connections.
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
	// ErrMembership: a role of MemberOf may not be granted (not one of
	// PredefinedRoles nor a group role of the platform, missing, or a
	// cycle); the error's text says which and why.
	ErrMembership = errors.New("membership not allowed")
)

// Role is a role of a cluster as the API shows it, read from the catalogs.
type Role struct {
	Name            string
	System          bool // not created by the platform (not a member of MarkerRole)
	Login           bool
	ConnectionLimit int        // -1: none
	ValidUntil      *time.Time // nil: the password never expires
	CreateDB        bool
	MemberOf        []string // the roles it is a direct member of, by name, sorted; the markers left out
	// Alternating: the user is a pair of login roles, Name and Name+AltSuffix
	// (see Update); Active is the one whose password was set last.
	Alternating bool
	Active      string
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
	defer func() { _ = conn.Close(context.Background()) }()
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

// memberExpr is true for the role r when it is a direct member of marker.
func memberExpr(marker string) string {
	return `EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles mr ON mr.oid = m.roleid
	WHERE m.member = r.oid AND mr.rolname = '` + marker + `')`
}

// managedExpr is true for the role r when it is a member of the marker role.
var managedExpr = memberExpr(MarkerRole)

// markerList is the markers as an SQL list, for NOT IN.
const markerList = `('` + MarkerRole + `', '` + GroupMarker + `', '` + AlternateMarker + `')`

// visibleExpr: the roles the users API shows: not PostgreSQL's own pg_*
// roles, not the markers, not the platform's group roles, not the second
// roles of alternating users.
var visibleExpr = `left(r.rolname, 3) <> 'pg_' AND r.rolname NOT IN ` + markerList +
	` AND NOT ` + memberExpr(GroupMarker) + ` AND NOT ` + memberExpr(AlternateMarker)

// groupExpr: the roles the roles API shows, the platform's group roles.
var groupExpr = managedExpr + ` AND ` + memberExpr(GroupMarker)

// roleColumns are the columns scanRole reads, of the role r.
var roleColumns = `r.rolname::text, NOT ` + managedExpr + `, r.rolcanlogin, r.rolconnlimit,
	CASE WHEN isfinite(r.rolvaliduntil) THEN r.rolvaliduntil END, r.rolcreatedb,
	array(SELECT g.rolname::text FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid
		WHERE am.member = r.oid AND g.rolname NOT IN ` + markerList + ` ORDER BY 1),
	EXISTS (SELECT 1 FROM pg_roles a JOIN pg_auth_members am ON am.member = a.oid JOIN pg_roles mr ON mr.oid = am.roleid
		WHERE a.rolname = r.rolname || '` + AltSuffix + `' AND mr.rolname = '` + AlternateMarker + `'),
	coalesce(shobj_description(r.oid, 'pg_authid'), '')`

func scanRole(row pgx.Row) (Role, error) {
	var (
		r       Role
		comment string
	)
	if err := row.Scan(&r.Name, &r.System, &r.Login, &r.ConnectionLimit, &r.ValidUntil, &r.CreateDB, &r.MemberOf,
		&r.Alternating, &comment); err != nil {
		return Role{}, err
	}
	if r.ValidUntil != nil {
		t := r.ValidUntil.UTC()
		r.ValidUntil = &t
	}
	r.Alternating = r.Alternating && !r.System
	r.Active = r.Name
	if r.Alternating && comment == activeAltComment {
		r.Active = r.Name + AltSuffix
	}
	return r, nil
}

// kind tells the users (login roles) and the group roles apart.
type kind int

const (
	userKind kind = iota
	groupKind
)

func (k kind) where() string {
	if k == groupKind {
		return groupExpr
	}
	return visibleExpr
}

// List returns one page of the cluster's roles, ordered by name, and how many
// there are. Without includeSystem only the platform's roles are listed.
func (m *Manager) List(ctx context.Context, c Cluster, includeSystem bool, limit, offset int) ([]Role, int, error) {
	return m.list(ctx, c, userKind, includeSystem, limit, offset)
}

// ListGroups returns one page of the platform's group roles of the cluster.
func (m *Manager) ListGroups(ctx context.Context, c Cluster, limit, offset int) ([]Role, int, error) {
	return m.list(ctx, c, groupKind, false, limit, offset)
}

func (m *Manager) list(ctx context.Context, c Cluster, k kind, includeSystem bool, limit, offset int) ([]Role, int, error) {
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
		where := ` WHERE ` + k.where() + ` AND ($1 OR ` + managedExpr + `)`
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM pg_roles r`+where, includeSystem).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+roleColumns+` FROM pg_roles r`+where+
			` ORDER BY r.rolname LIMIT $2 OFFSET $3`, includeSystem, limit, offset)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRole(rows)
			if err != nil {
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

// Get returns the role name; PostgreSQL's own pg_* roles, the markers, the
// group roles and the second roles of alternating users are ErrNotFound
// like missing ones.
func (m *Manager) Get(ctx context.Context, c Cluster, name string) (Role, error) {
	return m.get(ctx, c, userKind, name)
}

// GetGroup returns the platform's group role name.
func (m *Manager) GetGroup(ctx context.Context, c Cluster, name string) (Role, error) {
	return m.get(ctx, c, groupKind, name)
}

func (m *Manager) get(ctx context.Context, c Cluster, k kind, name string) (Role, error) {
	pool, err := m.pool(c)
	if err != nil {
		return Role{}, err
	}
	r, err := getRole(ctx, pool, k, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Role{}, safeErr("read the role", err)
	}
	return r, err
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func getRole(ctx context.Context, q querier, k kind, name string) (Role, error) {
	r, err := scanRole(q.QueryRow(ctx, `SELECT `+roleColumns+` FROM pg_roles r WHERE r.rolname = $1 AND `+k.where(), name))
	if errors.Is(err, pgx.ErrNoRows) {
		return Role{}, ErrNotFound
	}
	return r, err
}

// ensureMarker creates the marker roles that are missing. Two servers (or
// requests) doing it at once are fine: the loser's duplicate is ignored.
// Every create runs it, so it asks about the three markers in one query:
// once they exist, that is all it costs.
func ensureMarker(ctx context.Context, pool *pgxpool.Pool) error {
	var missing []string
	err := pool.QueryRow(ctx, `SELECT coalesce(array_agg(m ORDER BY i), '{}') FROM unnest($1::text[]) WITH ORDINALITY AS t(m, i)
		WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = m)`, []string{MarkerRole, GroupMarker, AlternateMarker}).Scan(&missing)
	if err != nil {
		return err
	}
	for _, marker := range missing {
		_, err := pool.Exec(ctx, `CREATE ROLE `+pgx.Identifier{marker}.Sanitize()+` NOLOGIN`)
		if code := sqlState(err); err != nil && code != "42710" && code != "23505" {
			return err
		}
	}
	return nil
}

// Create creates a plain login role (see CreateWith) with the password.
func (m *Manager) Create(ctx context.Context, c Cluster, name, password string) (Role, error) {
	return m.CreateWith(ctx, c, Spec{Name: name, Login: true, ConnectionLimit: -1}, password)
}

// CreateWith creates the role spec describes, a member of the marker role
// (and of spec.MemberOf), with the SCRAM-SHA-256 verifier of password; an
// alternating user is two roles, spec.Name and spec.Name+AltSuffix, the
// second with a random password nobody knows until the first rotation. A
// group role (CreateGroup) has no password. An existing role of that name
// (also one created a moment ago by a concurrent request) is
// ErrAlreadyExists; a role of MemberOf that may not be granted is
// ErrMembership.
//
// Everything is one statement string, so one implicit transaction, that
// takes the cluster's role lock (see lockStmt) for the memberships: all or
// nothing.
//
// CreateWith never reports a role it has not seen created. When the answer
// is lost (see outcomeUnknown), the role may or may not exist: CreateWith
// then finds out on a connection of its own (see settleCreate) and answers
// ErrUnavailable when it cannot tell, so that the API answers 503 and the
// client retries.
func (m *Manager) CreateWith(ctx context.Context, c Cluster, spec Spec, password string) (Role, error) {
	pool, err := m.pool(c)
	if err != nil {
		return Role{}, err
	}
	if err := checkSpec(spec); err != nil {
		return Role{}, err
	}
	verifier := ""
	if spec.kind != groupKind {
		if verifier, err = Verifier(password); err != nil {
			return Role{}, err
		}
	}
	if err := ensureMarker(ctx, pool); err != nil {
		return Role{}, safeErr("create the marker role", err)
	}
	if err := checkGrantable(ctx, pool, spec.MemberOf); err != nil {
		return Role{}, err
	}
	stmt, err := createStmt(spec, verifier)
	if err != nil {
		return Role{}, err
	}
	// A connection of our own rather than pool.Exec: should the answer be
	// lost, its backend's pid is what tells settleCreate which backend may
	// still be running the statement.
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return Role{}, safeErr("connect", err) // nothing was sent
	}
	pid := conn.Conn().PgConn().PID()
	_, err = conn.Exec(ctx, stmt)
	conn.Release() // a broken connection is destroyed, not reused
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return spec.role(), nil
	case outcomeUnknown(err):
		resetAfterLoss(ctx, pool)
		if err := settleCreate(ctx, c.DSN, backend{pid: pid, stmt: stmt}, spec.Name, verifier, err); err != nil {
			return Role{}, err
		}
		return spec.role(), nil
	case sqlState(err) == "42710" || sqlState(err) == "23505": // duplicate_object; unique_violation when a concurrent create won
		if errors.As(err, &pgErr) && spec.Alternating {
			return Role{}, fmt.Errorf("%w: %s (an alternating user needs the names %q and %q)", ErrAlreadyExists, pgErr.Message,
				spec.Name, spec.Name+AltSuffix)
		}
		return Role{}, fmt.Errorf("%w: %q", ErrAlreadyExists, spec.Name)
	case (sqlState(err) == "42939" || sqlState(err) == "42602") && errors.As(err, &pgErr): // reserved_name, invalid_name
		return Role{}, fmt.Errorf("%w: %s", ErrReservedName, pgErr.Message)
	case (sqlState(err) == "42704" || sqlState(err) == "0LP01") && errors.As(err, &pgErr): // a group dropped meanwhile; a cycle
		return Role{}, fmt.Errorf("%w: %s", ErrMembership, pgErr.Message)
	default:
		// PostgreSQL answered with an error: the statement's implicit
		// transaction rolled back, nothing was created. That includes
		// 57014 (query_canceled), which safeErr makes ErrUnavailable.
		return Role{}, safeErr("create the role", err)
	}
}

// outcomeUnknown reports whether err leaves open whether the statement that
// failed with it committed. Only an ERROR that PostgreSQL sent for the
// statement proves that it rolled back. Everything else may have come after
// the commit: the connection lost (EOF, reset, a backend killed and the
// server restarting), the context cancelled or timed out (pgx then stops
// waiting and closes the connection; the cancel request it sends on the
// way, in the background, may stop the statement, or come too late, or
// never arrive), and a FATAL that ends the session, such as the 57P0x
// terminations, which can arrive after the commit record was written.
//
// pgconn.SafeToRetry ("nothing was sent") is no help here: when the
// connection breaks while pgx waits for the answer, pgx v5 reports the
// statement it did send as "conn closed", an error it says is safe to retry.
func outcomeUnknown(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return true
	}
	severity := pgErr.SeverityUnlocalized
	if severity == "" {
		severity = pgErr.Severity
	}
	switch {
	case severity == "FATAL" || severity == "PANIC":
		return true
	case pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
		return true
	}
	return strings.HasPrefix(pgErr.Code, "08") // connection_exception
}

// resetAfterLoss closes the idle connections of pool after a connection
// broke without ctx having ended: the cluster probably restarted or the
// network failed, which breaks the other connections too, and the pool
// only checks those idle for more than a second before it hands them out.
// Without this the next requests could each get a dead one (and a 503).
func resetAfterLoss(ctx context.Context, pool *pgxpool.Pool) {
	if ctx.Err() == nil {
		pool.Reset()
	}
}

// verifyTimeout bounds settleCreate. It is not taken from the request's
// context, which may be the very reason the answer was lost (cancelled or
// expired): it is long enough for a crashed PostgreSQL to finish its crash
// recovery (about a second on a small cluster), short enough to keep the
// request well within the client's timeout (30 s by default).
const verifyTimeout = 5 * time.Second

// backend names the server process that ran a statement: its pid, as the
// server announced it when the connection was made, and the statement.
type backend struct {
	pid  uint32
	stmt string
}

// settleCreate finds out whether CREATE ROLE name ... with verifier, whose
// answer was lost with cause, committed: nil when it did, ErrAlreadyExists
// when the role is another's, and an error wrapping ErrUnavailable when the
// role does not exist or the question cannot be answered now. Never nil on a
// guess: a nil makes the API answer 201, which the client believes and the
// idempotency store replays.
//
// First it makes sure the statement cannot still commit: a backend whose
// client went away while the statement waited (for a lock, for a
// synchronous standby) goes on until something stops it, and may commit a
// moment after "the role does not exist" was answered; pgx's cancel request
// is best effort and not ordered with this check. So the backend is
// terminated and waited for. Then the role is looked up. Its stored verifier settles who
// created it: the verifier carries a random salt, so only this very
// statement can have stored this one. A role whose verifier cannot be read
// (pg_authid is for superusers; a CREATEROLE role gets "permission denied"),
// or a group role's, which has none (verifier ""), is taken as ours when it is a member of the marker role: the platform
// created it, and the name was free a moment ago or CREATE ROLE would have
// said so.
func settleCreate(ctx context.Context, dsn string, b backend, name, verifier string, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), verifyTimeout)
	defer cancel()
	lost := "the answer to CREATE ROLE was lost (" + Summarize(cause) + ")"
	unverified := func(err error) error {
		return &safeError{kind: ErrUnavailable, summary: fmt.Sprintf(
			"create the role: %s, and whether the role was created cannot be checked now (%s); retry", lost, Summarize(err))}
	}
	conn, err := connectRetrying(ctx, dsn)
	if err != nil {
		return unverified(err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if err := stopBackend(ctx, conn, b); err != nil {
		return unverified(err)
	}
	var (
		managed  bool
		readable = true
		stored   *string // NULL: the role has no password
	)
	err = conn.QueryRow(ctx, `SELECT `+managedExpr+`, r.rolpassword FROM pg_authid r WHERE r.rolname = $1`, name).Scan(&managed, &stored)
	if sqlState(err) == "42501" { // insufficient_privilege: pg_authid is for superusers
		readable = false
		err = conn.QueryRow(ctx, `SELECT `+managedExpr+` FROM pg_roles r WHERE r.rolname = $1`, name).Scan(&managed)
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return &safeError{kind: ErrUnavailable, summary: fmt.Sprintf(
			"create the role: %s, and the role does not exist: it was not created; retry", lost)}
	case err != nil:
		return unverified(err)
	case !managed || (readable && verifier != "" && (stored == nil || *stored != verifier)):
		return fmt.Errorf("%w: %q", ErrAlreadyExists, name)
	}
	return nil
}

// connectRetrying connects with dsn, again and again until ctx ends: right
// after a crash PostgreSQL refuses connections while it recovers.
func connectRetrying(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := poolConfig(dsn)
	if err != nil {
		return nil, err
	}
	for {
		conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
		if err == nil {
			return conn, nil
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stopBackend terminates the backend that may still be running b.stmt and
// waits until it has exited; nil when there is none (any more). A backend
// whose client has gone finishes what it is doing: if it commits, it does so
// before it exits (termination waits for a commit in progress), so once it
// is gone the catalogs tell the final outcome.
//
// The backend is the one with b's pid whose current (or last) statement is
// b.stmt, or a prefix of it (pg_stat_activity cuts statements at
// track_activity_query_size), so that a pid the system gave to another
// process meanwhile is left alone; or any backend showing exactly b.stmt,
// for connections through a pooler, whose pid is not the backend's. The
// statement holds a fresh random salt: no other backend runs it. The DSN's
// role may terminate it, since it runs as that role.
func stopBackend(ctx context.Context, conn *pgx.Conn, b backend) error {
	for {
		var left int
		err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE pid <> pg_backend_pid() AND query <> ''
			AND ((pid = $1 AND left($2, length(query)) = query) OR query = $2)`, int64(b.pid), b.stmt).Scan(&left)
		if err != nil || left == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the backend that ran the statement is still running: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// SetPassword replaces the password of a platform user (see Update).
func (m *Manager) SetPassword(ctx context.Context, c Cluster, name, password string) error {
	_, err := m.Update(ctx, c, name, Change{Password: &password})
	return err
}

// Drop drops a platform user (both roles of an alternating one). A role
// that owns objects or holds privileges (in any database of the cluster)
// is left as it was: ErrInUse, whose text tells what depends on it.
func (m *Manager) Drop(ctx context.Context, c Cluster, name string) error {
	return m.drop(ctx, c, userKind, name)
}

// DropGroup drops a platform group role; its members lose the membership.
func (m *Manager) DropGroup(ctx context.Context, c Cluster, name string) error {
	return m.drop(ctx, c, groupKind, name)
}

func (m *Manager) drop(ctx context.Context, c Cluster, k kind, name string) error {
	pool, err := m.pool(c)
	if err != nil {
		return err
	}
	return m.managedTx(ctx, pool, k, name, func(tx pgx.Tx, r Role) error {
		stmt := `DROP ROLE ` + pgx.Identifier{name}.Sanitize()
		if r.Alternating {
			stmt += `, ` + pgx.Identifier{name + AltSuffix}.Sanitize()
		}
		_, err := tx.Exec(ctx, stmt)
		return err
	}, "drop the role")
}

// TerminateConnections ends every open connection of the platform user
// name (its client backends, in every database; those of both roles of an
// alternating user) and returns how many it ended. It waits, at most terminateWait, until they are gone, so that a
// caller that has just changed the role's password can count on no session
// opened with the old one being left; a backend that takes longer is still
// ending (it got SIGTERM, and PostgreSQL stops it at its next chance) and is
// counted. A connection opened after the statement ran is not ended: to keep
// a role out, change its password (or drop it) first, then terminate.
//
// A system user is ErrSystemUser: the connections of roles the platform did
// not create, the platform's own among them, are not its to end. A role
// without connections is 0, not an error.
//
// pg_terminate_backend needs the privileges of the role whose backend it
// ends, or those of pg_signal_backend: a superuser has them, a CREATEROLE
// role does not (ErrNotPermitted, whose text names the grant it needs).
func (m *Manager) TerminateConnections(ctx context.Context, c Cluster, name string) (int, error) {
	pool, err := m.pool(c)
	if err != nil {
		return 0, err
	}
	var pids []int32
	err = m.managedTx(ctx, pool, userKind, name, func(tx pgx.Tx, r Role) error {
		// The subquery (OFFSET 0 keeps the planner from merging it) picks
		// the backends first: pg_terminate_backend must only ever see
		// those of this role, whatever order the planner would evaluate
		// the conditions of one WHERE in. backend_type keeps out the
		// parallel workers of a query, which end with their leader; it is
		// NULL to a DSN role without pg_read_all_stats, and such a
		// backend counts (a parallel worker then too, a rare and passing
		// thing).
		rows, err := tx.Query(ctx, `SELECT pid FROM (SELECT pid FROM pg_stat_activity
			WHERE usename::text = ANY($1::text[]) AND coalesce(backend_type, 'client backend') = 'client backend' AND pid <> pg_backend_pid()
			OFFSET 0) AS of_role
			WHERE pg_terminate_backend(pid)`, r.loginNames())
		if err != nil {
			return err
		}
		pids, err = pgx.CollectRows(rows, pgx.RowTo[int32])
		return err
	}, "end the connections")
	if errors.Is(err, ErrNotPermitted) {
		var user string
		if cfg, perr := pgx.ParseConfig(c.DSN); perr == nil {
			user = cfg.User
		}
		return 0, &safeError{kind: ErrNotPermitted, summary: fmt.Sprintf("%s; the role %q of the cluster's DSN needs pg_signal_backend "+
			"to end the connections of other roles (GRANT pg_signal_backend TO %s)", err.Error(), user, pgx.Identifier{user}.Sanitize())}
	}
	if err != nil {
		return 0, err
	}
	waitForExit(ctx, pool, pids)
	return len(pids), nil
}

// terminateWait bounds how long TerminateConnections waits for the backends
// it signalled to exit; they normally do within milliseconds.
const terminateWait = 5 * time.Second

// waitForExit polls until none of pids is in pg_stat_activity any more, or
// terminateWait or ctx ends; a failure to look is no reason to report the
// termination failed, so it only ends the wait.
func waitForExit(ctx context.Context, pool *pgxpool.Pool, pids []int32) {
	if len(pids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, terminateWait)
	defer cancel()
	for {
		var left int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)`, pids).Scan(&left); err != nil || left == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// managedTx runs fn in a transaction after taking the cluster's role lock
// (see lockStmt) and checking that name is a platform role of kind k; fn
// gets the role as it is. Any failure rolls everything back.
func (m *Manager) managedTx(ctx context.Context, pool *pgxpool.Pool, k kind, name string, fn func(pgx.Tx, Role) error, what string) error {
	var known error
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockStmt); err != nil {
			return err
		}
		r, err := getRole(ctx, tx, k, name)
		if err != nil {
			return err
		}
		if r.System {
			known = fmt.Errorf("%w: %q was not created by the platform", ErrSystemUser, name)
			return known
		}
		if err := fn(tx, r); err != nil {
			var mErr *membershipError
			if errors.As(err, &mErr) {
				known = err
			}
			return err
		}
		return nil
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
	case sqlState(err) == "0LP01" && errors.As(err, &pgErr): // invalid_grant_operation: a cycle of memberships
		return fmt.Errorf("%w: %s", ErrMembership, pgErr.Message)
	case err != nil:
		// When the answer to a statement or to COMMIT was lost, the
		// change may have been made: that is ErrUnavailable (503), never
		// a success, whatever SQLSTATE a FATAL carried. Unlike Create,
		// nothing needs settling, as the client's retry is harmless
		// either way: the same password and attributes are set again; a
		// role already dropped is ErrNotFound, a 404 that the provider
		// takes as deleted. Only a lost COMMIT can hide a change: a
		// backend whose client has gone before COMMIT was sent rolls
		// back. (A retried rotation of an alternating user flips once
		// more: the password it sends is then the active one's, and the
		// other keeps working, so no client is locked out.)
		if outcomeUnknown(err) {
			resetAfterLoss(ctx, pool)
			return &safeError{kind: ErrUnavailable, summary: what + ": " + Summarize(err)}
		}
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
	case errors.Is(err, pgconn.ErrConnClosed):
		// What pgx says when the connection broke while it waited for
		// the answer (it closed it then, and reports that instead).
		return "the connection was lost"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the host is unreachable"
	default:
		return "could not connect to or talk with the cluster"
	}
}
