package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// What the stores share. Both are a database/sql pool of one SQL dialect;
// the store's SQL is written once, with ? placeholders, in sql_<area>.go,
// and runs on either. What differs between the dialects is in dialect.

// dialect is what differs between the SQL databases a store runs on.
type dialect struct {
	// name names the directory of its migrations: migrations/<name>.
	name string
	// placeholders, when set, adapts a pool or a transaction to placeholders
	// other than ?.
	placeholders func(dbtx) dbtx
	// lockWrites, when set, is the statement every write transaction runs
	// first, so that the write transactions of every process on the
	// database take turns. Unset when BEGIN already does that.
	lockWrites string
	// prepare keeps the queries prepared (statements.go), for a driver
	// that does not cache them itself (pgx does).
	prepare bool
	// maxConns bounds the pool's connections; 0 = no bound.
	maxConns int
}

// on is Queries on the store's pool or one of its transactions.
func (s *sqlStore) on(db dbtx) queries {
	if s.prepared != nil {
		switch d := db.(type) {
		case *sql.DB:
			db = preparedQueries{s.prepared, nil}
		case *sql.Tx:
			db = preparedQueries{s.prepared, d}
		}
	}
	if s.dialect.placeholders != nil {
		db = s.dialect.placeholders(db)
	}
	return queries{db: db}
}

// sqlStore is a Store on a database/sql pool.
type sqlStore struct {
	db      *sql.DB
	dialect dialect
	// writer is held by this process's write transaction in progress. The
	// others wait for it here, where waiting holds no connection of the pool
	// and ends with the context, instead of each holding a connection while
	// it waits for the database to let it write.
	writer chan struct{}
	// prepared is nil unless the dialect prepares its queries.
	prepared *preparedStatements
	queries
}

// idleConns is how many connections the pool keeps open between requests.
// database/sql keeps 2 by default: under more concurrent requests than
// that, every request past the second opened a connection and closed it
// again, and a new SQLite connection reads the whole schema.
const idleConns = 16

func newSQLStore(db *sql.DB, d dialect) *sqlStore {
	s := &sqlStore{db: db, dialect: d, writer: make(chan struct{}, 1)}
	idle := idleConns
	if d.maxConns > 0 {
		db.SetMaxOpenConns(d.maxConns)
		idle = min(idle, d.maxConns)
	}
	db.SetMaxIdleConns(idle)
	if d.prepare {
		s.prepared = newPreparedStatements(db)
	}
	s.queries = queries{db: writesInTurn{dbtx: s.on(db).db, store: s}}
	return s
}

// writesInTurn is the pool as the store's own Queries (outside InTx) use it:
// a write there is one statement, which takes its turn as a write
// transaction does, so that it cannot land between the check and the write
// of another process's transaction. (A SQLite write outside a transaction
// waits for the write lock in the same way.) Reads run as they are.
type writesInTurn struct {
	dbtx
	store *sqlStore
}

func (w writesInTurn) ExecContext(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	err = w.store.writeTx(ctx, func(q queries) error {
		res, err = q.db.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

func (s *sqlStore) InTx(ctx context.Context, fn func(q Queries) error) error {
	return s.writeTx(ctx, func(q queries) error { return fn(q) })
}

// writeTx runs fn in a write transaction that waits for its turn: first
// behind this process's other writers, then behind every other process's
// (see dialect.lockWrites). Nothing else writes between fn's reads and its
// writes, which is what Store.InTx promises.
func (s *sqlStore) writeTx(ctx context.Context, fn func(q queries) error) error {
	select {
	case s.writer <- struct{}{}:
		defer func() { <-s.writer }()
	case <-ctx.Done():
		return ctx.Err()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	q := s.on(tx)
	if s.dialect.lockWrites != "" {
		if err := q.exec(ctx, s.dialect.lockWrites); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("wait for the turn to write: %w", err)
		}
	}
	if err := fn(q); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

func (s *sqlStore) Ping(ctx context.Context) error {
	_, err := s.count(ctx, "SELECT 1")
	return err
}

func (s *sqlStore) Close() error {
	if s.prepared != nil {
		s.prepared.close()
	}
	return s.db.Close()
}

// dbtx is what *sql.DB and *sql.Tx have in common.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements Queries on a connection pool or a transaction.
type queries struct{ db dbtx }

// mapErr turns driver errors into the store's errors.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case sqliteUniqueViolation(err) || postgresUniqueViolation(err):
		return fmt.Errorf("%w: %s", ErrConflict, err.Error())
	case postgresUnstorableText(err):
		return fmt.Errorf("%w: %w", ErrNotFound, errUnstorableText)
	}
	return err
}

// errUnstorableText is a value the database cannot store as text
// (PostgreSQL's text holds no NUL, and only UTF-8), so no row holds it: a
// lookup by it finds nothing, a list filtered by it is empty. Ids come from
// request paths, which may hold anything; what the platform stores it has
// validated.
var errUnstorableText = errors.New("the value holds NUL or bytes that are not UTF-8, which PostgreSQL cannot store")

// Times are stored as Unix nanoseconds (UTC) in a 64-bit integer column:
// that keeps Go's precision on every dialect (PostgreSQL's timestamptz
// would cut it to microseconds), and ordering and expiry are integer
// comparisons.
func ns(t time.Time) int64 { return t.UTC().UnixNano() }

func fromNS(n int64) time.Time { return time.Unix(0, n).UTC() }

const metaCols = "created_at, created_by, updated_at, updated_by, sequence"

func metaArgs(m Meta) []any {
	return []any{ns(m.CreatedAt), m.CreatedBy, ns(m.UpdatedAt), m.UpdatedBy, m.Sequence}
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanRow scans a row whose columns are dest followed by metaCols.
func scanRow(s scanner, m *Meta, dest ...any) error {
	var created, updated int64
	if err := s.Scan(append(dest, &created, &m.CreatedBy, &updated, &m.UpdatedBy, &m.Sequence)...); err != nil {
		return mapErr(err)
	}
	m.CreatedAt, m.UpdatedAt = fromNS(created), fromNS(updated)
	return nil
}

func (q queries) exec(ctx context.Context, query string, args ...any) error {
	_, err := q.db.ExecContext(ctx, query, args...)
	return mapErr(err)
}

// insert adds a row to table: values are those of cols, in order; the
// metadata columns follow from m.
func (q queries) insert(ctx context.Context, table, cols string, m Meta, values ...any) error {
	args := append(values, metaArgs(m)...)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
	return q.exec(ctx, "INSERT INTO "+table+" ("+cols+", "+metaCols+") VALUES ("+marks+")", args...)
}

// where collects conditions: "column = ?" ones for the non-empty values
// only.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond, value string) {
	if value != "" {
		w.conds = append(w.conds, cond)
		w.args = append(w.args, value)
	}
}

// with adds a condition on a value that is not text, such as a time.
func (w *where) with(cond string, value any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, value)
}

// holds adds a condition without an argument, such as a boolean column.
func (w *where) holds(cond string) {
	w.conds = append(w.conds, cond)
}

func (w where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// table is how to read the rows of one kind: from where (a table, or a view
// in parentheses), which columns, and how to scan them.
type table[T any] struct {
	from string
	cols string
	scan func(scanner) (T, error)
}

// one reads the row where cond (e.g. "id = ?") holds; ErrNotFound if none.
func (t table[T]) one(ctx context.Context, q queries, cond string, args ...any) (T, error) {
	return t.scan(q.db.QueryRowContext(ctx, "SELECT "+t.cols+" FROM "+t.from+" WHERE "+cond, args...))
}

// all reads every row matching w, oldest first.
func (t table[T]) all(ctx context.Context, q queries, w where) ([]T, error) {
	rows, err := q.db.QueryContext(ctx, "SELECT "+t.cols+" FROM "+t.from+w.String()+" ORDER BY created_at, id", w.args...)
	items, err := collect(rows, err, t.scan)
	if errors.Is(err, errUnstorableText) {
		return []T{}, nil
	}
	return items, err
}

// count counts the rows matching w.
func (t table[T]) count(ctx context.Context, q queries, w where) (int, error) {
	n, err := q.count(ctx, "SELECT count(*) FROM "+t.from+w.String(), w.args...)
	if errors.Is(err, errUnstorableText) {
		return 0, nil
	}
	return n, err
}

// page counts the rows matching w and reads one page of them, oldest first.
func (t table[T]) page(ctx context.Context, q queries, w where, p Page) ([]T, int, error) {
	total, err := t.count(ctx, q, w)
	if err != nil {
		return nil, 0, err
	}
	if total == 0 {
		return []T{}, 0, nil
	}
	rows, err := q.db.QueryContext(ctx, "SELECT "+t.cols+" FROM "+t.from+w.String()+
		" ORDER BY created_at, id LIMIT ? OFFSET ?", append(w.args, p.Limit, p.Offset)...)
	items, err := collect(rows, err, t.scan)
	return items, total, err
}

// withUser reads the row of t (a credential table with id and user_id
// columns) whose id is id, and the user it belongs to, in one query:
// authentication needs both on every request, and on the PostgreSQL store
// each query is a round trip. ErrNotFound if either is missing.
func withUser[T any](ctx context.Context, q queries, t table[T], id string) (T, User, error) {
	row := q.db.QueryRowContext(ctx, "SELECT "+qualified("c", t.cols)+", "+qualified("u", userRows.cols)+
		" FROM "+t.from+" c JOIN users u ON u.id = c.user_id WHERE c.id = ?", id)
	var u User
	c, err := t.scan(scanFunc(func(credentialDest ...any) error {
		var userErr error
		u, userErr = userRows.scan(scanFunc(func(userDest ...any) error {
			return row.Scan(append(credentialDest, userDest...)...)
		}))
		return userErr
	}))
	return c, u, err
}

// scanFunc is a scanner made of a function. Nesting two lets two tables'
// scan functions read one joined row: the outer one's destinations wait
// while the inner one adds its own, then a single Scan fills both.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// qualified prefixes each column of cols ("id, name") with alias
// ("c.id, c.name").
func qualified(alias, cols string) string {
	return alias + "." + strings.ReplaceAll(cols, ", ", ", "+alias+".")
}

// collect scans every row of a query's result (rows, err) with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, mapErr(err)
	}
	defer func() { _ = rows.Close() }() // rows.Err() reports what went wrong
	items := []T{}
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, mapErr(rows.Err())
}

// count runs a query whose answer is one number, e.g. SELECT count(...).
func (q queries) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, mapErr(err)
}

// affected turns "no row changed" into ErrNotFound.
func affected(res sql.Result, err error) error {
	if err != nil {
		return mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
