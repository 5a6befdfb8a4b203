package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite is the embedded store: one file, pure Go (no cgo), safe to share
// between the running server and `pgcloud-server admin` processes.
type SQLite struct {
	db *sql.DB
	queries
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating if needed) the database file at path and applies
// pending migrations.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite store path %q: must not contain '?' or '#'", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create directory of the sqlite store: %w", err)
		}
	}
	// Every connection gets these settings:
	//   - WAL: readers never block the writer, and the admin CLI can write
	//     while the server runs;
	//   - busy_timeout: a writer waits for another (possibly another process)
	//     instead of failing at once;
	//   - foreign_keys: deleting a user really deletes its keys and bindings;
	//   - _txlock=immediate: a write transaction takes the write lock at
	//     BEGIN, so two transactions never both read and then fight over the
	//     upgrade (which SQLite answers with SQLITE_BUSY, ignoring the
	//     timeout). This is what makes check-then-write inside InTx safe.
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	s := &SQLite{db: db, queries: queries{db: db}}
	if err := pingUntilNotBusy(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	if err := migrate(ctx, db, "sqlite"); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate sqlite store %s: %w", path, err)
	}
	return s, nil
}

// pingUntilNotBusy opens the first connection. Turning a new database file to
// WAL needs an exclusive lock, and SQLite answers a competing opener (a server
// and an admin command starting together) with SQLITE_BUSY at once, without
// the busy timeout; so the open is retried for as long as the busy timeout
// would have waited.
func pingUntilNotBusy(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (s *SQLite) InTx(ctx context.Context, fn func(q Queries) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(queries{db: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

func (s *SQLite) Ping(ctx context.Context) error {
	var one int
	return s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

func (s *SQLite) Close() error { return s.db.Close() }

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
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", ErrConflict, se.Error())
		}
	}
	return err
}

func ns(t time.Time) int64 { return t.UTC().UnixNano() }

func fromNS(n int64) time.Time { return time.Unix(0, n).UTC() }

const metaCols = "created_at, created_by, updated_at, updated_by, sequence"

func metaArgs(m Meta) []any {
	return []any{ns(m.CreatedAt), m.CreatedBy, ns(m.UpdatedAt), m.UpdatedBy, m.Sequence}
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// metaScan returns scan targets for the metadata columns and a function that
// fills m from them after Scan.
func metaScan(m *Meta) ([]any, func()) {
	var created, updated int64
	dest := []any{&created, &m.CreatedBy, &updated, &m.UpdatedBy, &m.Sequence}
	return dest, func() {
		m.CreatedAt = fromNS(created)
		m.UpdatedAt = fromNS(updated)
	}
}

func (q queries) exec(ctx context.Context, query string, args ...any) error {
	_, err := q.db.ExecContext(ctx, query, args...)
	return mapErr(err)
}

// ---- organizations ----

func (q queries) CreateOrganization(ctx context.Context, o Organization) error {
	return q.exec(ctx, "INSERT INTO organizations (id, name, "+metaCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		append([]any{o.ID, o.Name}, metaArgs(o.Meta)...)...)
}

func scanOrganization(s scanner) (Organization, error) {
	var o Organization
	md, fill := metaScan(&o.Meta)
	if err := s.Scan(append([]any{&o.ID, &o.Name}, md...)...); err != nil {
		return Organization{}, mapErr(err)
	}
	fill()
	return o, nil
}

func (q queries) GetOrganization(ctx context.Context, id string) (Organization, error) {
	return scanOrganization(q.db.QueryRowContext(ctx,
		"SELECT id, name, "+metaCols+" FROM organizations WHERE id = ?", id))
}

func (q queries) GetOrganizationByName(ctx context.Context, name string) (Organization, error) {
	return scanOrganization(q.db.QueryRowContext(ctx,
		"SELECT id, name, "+metaCols+" FROM organizations WHERE name = ?", name))
}

func (q queries) CountOrganizations(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, "SELECT count(*) FROM organizations").Scan(&n)
	return n, mapErr(err)
}

// ---- projects ----

func (q queries) CreateProject(ctx context.Context, p Project) error {
	return q.exec(ctx, "INSERT INTO projects (id, organization_id, name, "+metaCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		append([]any{p.ID, p.OrganizationID, p.Name}, metaArgs(p.Meta)...)...)
}

const projectCols = "id, organization_id, name, " + metaCols

func scanProject(s scanner) (Project, error) {
	var p Project
	md, fill := metaScan(&p.Meta)
	if err := s.Scan(append([]any{&p.ID, &p.OrganizationID, &p.Name}, md...)...); err != nil {
		return Project{}, mapErr(err)
	}
	fill()
	return p, nil
}

func (q queries) GetProject(ctx context.Context, id string) (Project, error) {
	return scanProject(q.db.QueryRowContext(ctx, "SELECT "+projectCols+" FROM projects WHERE id = ?", id))
}

func (q queries) ListProjects(ctx context.Context, f ProjectFilter, p Page) ([]Project, int, error) {
	var w where
	w.add("organization_id = ?", f.OrganizationID)
	w.add("name = ?", f.Name)
	items := []Project{}
	total, err := q.list(ctx, "projects", projectCols, w, p, func(rows *sql.Rows) error {
		pr, err := scanProject(rows)
		items = append(items, pr)
		return err
	})
	return items, total, err
}

// ---- users ----

const userCols = "id, organization_id, user_type, username, name, description, email, access_token_type, " + metaCols

func (q queries) CreateUser(ctx context.Context, u User) error {
	return q.exec(ctx, "INSERT INTO users ("+userCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		append([]any{u.ID, u.OrganizationID, u.Type, u.Username, u.Name, u.Description, u.Email, u.AccessTokenType},
			metaArgs(u.Meta)...)...)
}

func scanUser(s scanner) (User, error) {
	var u User
	md, fill := metaScan(&u.Meta)
	if err := s.Scan(append([]any{&u.ID, &u.OrganizationID, &u.Type, &u.Username, &u.Name,
		&u.Description, &u.Email, &u.AccessTokenType}, md...)...); err != nil {
		return User{}, mapErr(err)
	}
	fill()
	return u, nil
}

func (q queries) GetUser(ctx context.Context, id string) (User, error) {
	return scanUser(q.db.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE id = ?", id))
}

func (q queries) ListUsers(ctx context.Context, f UserFilter, p Page) ([]User, int, error) {
	var w where
	w.add("organization_id = ?", f.OrganizationID)
	w.add("user_type = ?", f.Type)
	w.add("username = ?", f.Username)
	items := []User{}
	total, err := q.list(ctx, "users", userCols, w, p, func(rows *sql.Rows) error {
		u, err := scanUser(rows)
		items = append(items, u)
		return err
	})
	return items, total, err
}

func (q queries) UpdateUser(ctx context.Context, u User) error {
	res, err := q.db.ExecContext(ctx, `UPDATE users SET username = ?, name = ?, description = ?, email = ?,
		access_token_type = ?, updated_at = ?, updated_by = ?, sequence = ? WHERE id = ?`,
		u.Username, u.Name, u.Description, u.Email, u.AccessTokenType,
		ns(u.Meta.UpdatedAt), u.Meta.UpdatedBy, u.Meta.Sequence, u.ID)
	return affected(res, err)
}

func (q queries) DeleteUser(ctx context.Context, id string) error {
	// Keys, role bindings and idempotency records go by ON DELETE CASCADE.
	res, err := q.db.ExecContext(ctx, "DELETE FROM users WHERE id = ?", id)
	return affected(res, err)
}

// ---- access keys: sqlite_access.go ----

// ---- role bindings ----

func (q queries) CreateRoleBinding(ctx context.Context, b RoleBinding) error {
	switch b.Scope {
	case ScopeOrganization:
		return q.exec(ctx, "INSERT INTO org_role_bindings (id, organization_id, user_id, role, "+metaCols+
			") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			append([]any{b.ID, b.OrganizationID, b.UserID, b.Role}, metaArgs(b.Meta)...)...)
	case ScopeProject:
		return q.exec(ctx, "INSERT INTO project_role_bindings (id, project_id, user_id, role, "+metaCols+
			") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			append([]any{b.ID, b.ProjectID, b.UserID, b.Role}, metaArgs(b.Meta)...)...)
	default:
		return fmt.Errorf("role binding scope %q: want %q or %q", b.Scope, ScopeOrganization, ScopeProject)
	}
}

func (q queries) ListRoleBindingsByUser(ctx context.Context, userID string) ([]RoleBinding, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT id, 'organization', organization_id, '', user_id, role, `+metaCols+`
		  FROM org_role_bindings WHERE user_id = ?
		UNION ALL
		SELECT b.id, 'project', p.organization_id, b.project_id, b.user_id, b.role,
		       b.created_at, b.created_by, b.updated_at, b.updated_by, b.sequence
		  FROM project_role_bindings b JOIN projects p ON p.id = b.project_id
		 WHERE b.user_id = ?
		ORDER BY 7, 1`, userID, userID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []RoleBinding{}
	for rows.Next() {
		var b RoleBinding
		md, fill := metaScan(&b.Meta)
		if err := rows.Scan(append([]any{&b.ID, &b.Scope, &b.OrganizationID, &b.ProjectID, &b.UserID, &b.Role}, md...)...); err != nil {
			return nil, mapErr(err)
		}
		fill()
		out = append(out, b)
	}
	return out, mapErr(rows.Err())
}

func (q queries) CountOrgRoleHolders(ctx context.Context, orgID, role string) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx,
		"SELECT count(DISTINCT user_id) FROM org_role_bindings WHERE organization_id = ? AND role = ?",
		orgID, role).Scan(&n)
	return n, mapErr(err)
}

// ---- idempotency ----

func (q queries) GetIdempotencyRecord(ctx context.Context, userID, key string) (IdempotencyRecord, error) {
	var r IdempotencyRecord
	var created int64
	err := q.db.QueryRowContext(ctx, `SELECT user_id, key, request_hash, status, location, body, created_at
		FROM idempotency_keys WHERE user_id = ? AND key = ?`, userID, key).
		Scan(&r.UserID, &r.Key, &r.RequestHash, &r.Status, &r.Location, &r.Body, &created)
	if err != nil {
		return IdempotencyRecord{}, mapErr(err)
	}
	r.CreatedAt = fromNS(created)
	return r, nil
}

func (q queries) PutIdempotencyRecord(ctx context.Context, r IdempotencyRecord) error {
	return q.exec(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, status, location, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.UserID, r.Key, r.RequestHash, r.Status, r.Location, r.Body, ns(r.CreatedAt))
}

func (q queries) DeleteIdempotencyRecord(ctx context.Context, userID, key string) error {
	return q.exec(ctx, "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ?", userID, key)
}

func (q queries) DeleteIdempotencyRecordsBefore(ctx context.Context, t time.Time) error {
	return q.exec(ctx, "DELETE FROM idempotency_keys WHERE created_at < ?", ns(t))
}

// ---- server state ----

func (q queries) GetState(ctx context.Context, key string) (string, error) {
	var v string
	err := q.db.QueryRowContext(ctx, "SELECT value FROM server_state WHERE key = ?", key).Scan(&v)
	return v, mapErr(err)
}

func (q queries) SetState(ctx context.Context, key, value string) error {
	return q.exec(ctx, `INSERT INTO server_state (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
}

// ---- helpers ----

// where collects "column = ?" conditions for the non-empty values only.
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

func (w where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// list counts the matching rows of table and scans one page of them, oldest
// first.
func (q queries) list(ctx context.Context, table, cols string, w where, p Page, scan func(*sql.Rows) error) (int, error) {
	var total int
	if err := q.db.QueryRowContext(ctx, "SELECT count(*) FROM "+table+w.String(), w.args...).Scan(&total); err != nil {
		return 0, mapErr(err)
	}
	rows, err := q.db.QueryContext(ctx, "SELECT "+cols+" FROM "+table+w.String()+
		" ORDER BY created_at, id LIMIT ? OFFSET ?", append(w.args, p.Limit, p.Offset)...)
	if err != nil {
		return 0, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return 0, err
		}
	}
	return total, mapErr(rows.Err())
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
