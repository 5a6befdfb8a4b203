package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// Postgres is the store for several replicas behind a load balancer: a
// PostgreSQL database (which a team already knows how to back up and fail
// over) shared by every server process and admin command. It runs the same
// SQL as the SQLite store (sql_<area>.go) through database/sql on a pgx
// pool.
type Postgres struct {
	*sqlStore
	pool *pgxpool.Pool
}

var _ Store = (*Postgres)(nil)

// writeLockKey names the advisory lock that write transactions take in turn
// (see postgresDialect). Advisory locks are per database, so the key only
// has to differ from those of other software using the same database: it is
// "pgcloud" in ASCII.
const writeLockKey = 0x7067636c6f7564

// postgresDialect: placeholders are numbered, and a write transaction begins
// by waiting for the database's one write lock.
//
// Why a lock: Store.InTx promises that write transactions do not interleave,
// so that a check inside one (a username is free, a quota has room, an owner
// is not the last, an idempotency key is new) still holds when it writes.
// SQLite keeps that promise with BEGIN IMMEDIATE; on PostgreSQL, replicas
// are separate processes, and READ COMMITTED transactions interleave. The
// transaction-scoped advisory lock, taken first, makes them take turns
// across every process on the database, and is released by COMMIT or
// ROLLBACK, also when a connection dies. The transaction stays READ
// COMMITTED on purpose: each of its statements sees what was committed
// before it, so after the lock it sees every earlier writer's rows
// (REPEATABLE READ would keep a snapshot taken before the wait).
// SERIALIZABLE would also keep the promise but answers conflicts with
// errors to retry, which every caller of InTx would have to handle.
//
// A write outside InTx takes its turn too (see writesInTurn), as a SQLite
// write outside a transaction waits for the write lock.
//
// What it costs: writes of all replicas are serialized, as with SQLite's
// one writer, so write throughput is one transaction at a time (each a few
// round trips: BEGIN, the lock, fn's statements, COMMIT; a write outside
// InTx pays the same four instead of one); a slow transaction delays every
// writer. Reads outside InTx take no lock and run in parallel. Each process
// queues its own writers before they take a connection (see
// sqlStore.writer), so at most one connection per process waits for the
// lock.
var postgresDialect = dialect{
	name:         "postgres",
	placeholders: func(db dbtx) dbtx { return numberedPlaceholders{db} },
	lockWrites:   "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(writeLockKey, 10) + ")",
}

// OpenPostgres connects to the database that connURL names and applies
// pending migrations. connURL has the form postgres://user:password@host:port/db
// (or postgresql://) with libpq's parameters (sslmode, connect_timeout, …)
// and pgxpool's (pool_max_conns, …). Its errors never show the password:
// they show the URL with xxxxx in its place.
func OpenPostgres(ctx context.Context, connURL string) (*Postgres, error) {
	shown, secrets, err := redactURL(connURL)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(connURL)
	if err != nil {
		return nil, fmt.Errorf("postgres store %s: %w", shown, withoutSecrets(err, secrets))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// An unreachable host fails a request (and /readyz) in seconds
		// rather than after the operating system's TCP timeout.
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "pgcloud-server"
	}
	reset := &resetOnDeadConn{}
	cfg.ConnConfig.Tracer = reset
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres store %s: %w", shown, withoutSecrets(err, secrets))
	}
	reset.pool.Store(pool)
	// Each connection of database/sql's pool holds one of pgxpool's for
	// its life, idle ones too: the first must not hold more than the second
	// has, or a request would wait for a connection no one gives back.
	d := postgresDialect
	d.maxConns = int(cfg.MaxConns)
	s := &Postgres{sqlStore: newSQLStore(stdlib.OpenDBFromPool(pool), d), pool: pool}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open postgres store %s: %w", shown, withoutSecrets(err, secrets))
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("migrate postgres store %s: %w", shown, withoutSecrets(err, secrets))
	}
	return s, nil
}

func (s *Postgres) Close() error {
	err := s.sqlStore.Close()
	s.pool.Close()
	return err
}

// resetOnDeadConn empties the pool when a statement finds its connection
// dead. When PostgreSQL restarts or fails over, every connection of the pool
// dies with it, but the pool learns so only as each is used (or pinged,
// once idle for a second): without the reset, each would fail one more
// statement after the database is back. With it, one statement fails and
// the next gets a new connection. It costs nothing while connections live.
type resetOnDeadConn struct {
	pool atomic.Pointer[pgxpool.Pool]
}

func (r *resetOnDeadConn) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (r *resetOnDeadConn) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	// pgx also closes a connection whose statement's context ended (a
	// client went away): that one died alone.
	if data.Err == nil || !conn.IsClosed() || ctx.Err() != nil {
		return
	}
	if pool := r.pool.Load(); pool != nil {
		pool.Reset()
	}
}

// secretParams are the URL parameters that carry a secret.
var secretParams = []string{"password", "sslpassword"}

// redactURL checks that raw is a postgres:// URL and returns it as errors
// may show it (every secret replaced by xxxxx), and the secrets it holds.
func redactURL(raw string) (shown string, secrets []string, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Opaque != "" {
		// Not even the parser's message: it quotes the text.
		return "", nil, errors.New("postgres store: want a URL like postgres://user:password@host:5432/database " +
			"(the value given is not repeated: it may hold a password)")
	}
	if password, ok := u.User.Password(); ok && password != "" {
		secrets = append(secrets, password)
	}
	q := u.Query()
	for _, p := range secretParams {
		for _, v := range q[p] {
			if v != "" {
				secrets = append(secrets, v)
			}
		}
		if q.Has(p) {
			q.Set(p, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted(), secrets, nil
}

// withoutSecrets is err, or when its text holds one of secrets (as is, or
// escaped as in a URL), an error with the same text but xxxxx in their
// place. The driver hides passwords in its errors already; this is the
// belt to its braces.
func withoutSecrets(err error, secrets []string) error {
	text := err.Error()
	for _, s := range secrets {
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s), url.UserPassword("", s).String()[1:]} {
			text = strings.ReplaceAll(text, form, "xxxxx")
		}
	}
	if text == err.Error() {
		return err
	}
	return errors.New(text)
}

// numberedPlaceholders runs the store's SQL, written with ? placeholders,
// on PostgreSQL, which numbers them: $1, $2, …
type numberedPlaceholders struct{ db dbtx }

func (n numberedPlaceholders) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return n.db.ExecContext(ctx, numbered(query, args), args...)
}

func (n numberedPlaceholders) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return n.db.QueryContext(ctx, numbered(query, args), args...)
}

func (n numberedPlaceholders) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return n.db.QueryRowContext(ctx, numbered(query, args), args...)
}

// numbered rewrites the i-th ? of query as $i. The store's SQL holds no ?
// other than placeholders (none in a string literal); a statement without
// arguments is left as it is, so a migration may hold ? in its comments.
func numbered(query string, args []any) string {
	if len(args) == 0 {
		return query
	}
	var b strings.Builder
	n := 0
	for _, part := range strings.SplitAfter(query, "?") {
		if !strings.HasSuffix(part, "?") {
			b.WriteString(part)
			continue
		}
		n++
		b.WriteString(part[:len(part)-1])
		b.WriteString("$" + strconv.Itoa(n))
	}
	return b.String()
}

// PostgreSQL's SQLSTATE codes the store maps (Appendix A of its manual).
const (
	pgUniqueViolation        = "23505"
	pgCharacterNotInRepetoir = "22021" // NUL, or bytes that are not UTF-8, in text
)

// postgresUniqueViolation reports whether err is PostgreSQL refusing a row
// that would break a UNIQUE or PRIMARY KEY constraint.
func postgresUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgUniqueViolation
}

// postgresUnstorableText reports whether err is PostgreSQL refusing a text
// value holding NUL or bytes that are not UTF-8, which its text type cannot
// hold but SQLite's can. No row holds such a value, so a lookup by one
// finds nothing (ids come from request paths, which may hold anything).
func postgresUnstorableText(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgCharacterNotInRepetoir
}

// Unavailable reports whether err says that the PostgreSQL store could not
// be reached or lost its connection — the database is down, restarting or
// failing over — rather than that it refused a statement: the same request
// may work a moment later. After a restart of PostgreSQL, a statement on a
// connection that died with the old server fails so once (see
// resetOnDeadConn), as does every statement while it is down. Such a
// failure happens before COMMIT, which then never ran, or is the loss of
// COMMIT's answer, which an Idempotency-Key settles on a retry. The SQLite
// store never fails so.
func Unavailable(err error) bool {
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08, connection exception; 57P01-57P03, the server is
		// shutting down, crashed, or cannot accept connections yet; 53300,
		// too many connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" ||
			pe.Code == "57P03" || pe.Code == "53300"
	}
	var ne net.Error
	return errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne)
}
