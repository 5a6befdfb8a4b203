package store

import (
	"context"
	"database/sql"
	"sync"
)

// preparedStatements keeps the store's queries prepared on the
// connections of its pool, for a dialect whose driver prepares each
// statement from its text on every call (SQLite's): parsing a query cost
// more than running it. Under 16 clients reading one machine user, 38 % of
// the server's CPU went to SQLite's parser before this cache.
//
// A query's text is its key. The store builds its texts from constants and
// from which filters a list sets, so there are a few hundred at most;
// maxPrepared bounds the cache all the same, and a query past it runs
// unprepared.
type preparedStatements struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

const maxPrepared = 1000

func newPreparedStatements(db *sql.DB) *preparedStatements {
	return &preparedStatements{db: db, stmts: map[string]*sql.Stmt{}}
}

// stmt is query prepared, or nil when it cannot be (the cache is full, or
// the prepare failed: the caller runs the query as it is and gets the
// error from there).
func (p *preparedStatements) stmt(ctx context.Context, query string) *sql.Stmt {
	p.mu.Lock()
	st, ok := p.stmts[query]
	full := len(p.stmts) >= maxPrepared
	p.mu.Unlock()
	if ok || full {
		return st
	}
	// Prepared outside the lock, which must not wait for a connection of
	// the pool: a transaction holding one may be waiting for the lock.
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if first, ok := p.stmts[query]; ok {
		_ = st.Close() // another caller prepared it meanwhile
		return first
	}
	p.stmts[query] = st
	return st
}

func (p *preparedStatements) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range p.stmts {
		_ = st.Close() // closing the pool next ends them anyway
	}
	p.stmts = map[string]*sql.Stmt{}
}

// preparedQueries runs the queries prepared: on the pool, or in tx when
// it is set, with the statement prepared on tx's connection where the pool
// already has it there (database/sql looks it up).
type preparedQueries struct {
	*preparedStatements
	tx *sql.Tx
}

// prepared is query's statement, bound to tx when there is one; nil when
// the query runs unprepared.
func (p preparedQueries) prepared(ctx context.Context, query string) *sql.Stmt {
	st := p.stmt(ctx, query)
	if st != nil && p.tx != nil {
		st = p.tx.StmtContext(ctx, st)
	}
	return st
}

// unprepared is where a query runs as it is.
func (p preparedQueries) unprepared() dbtx {
	if p.tx != nil {
		return p.tx
	}
	return p.db
}

func (p preparedQueries) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.prepared(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.unprepared().ExecContext(ctx, query, args...)
}

func (p preparedQueries) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.prepared(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.unprepared().QueryContext(ctx, query, args...)
}

func (p preparedQueries) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.unprepared().QueryRowContext(ctx, query, args...)
}
