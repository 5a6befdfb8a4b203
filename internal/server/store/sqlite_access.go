package store

import (
	"context"
	"database/sql"
)

// ---- access keys ----

const accessKeyCols = "id, user_id, name, secret_hash, expires_at, key_suffix, self_service, " + metaCols

func (q queries) CreateAccessKey(ctx context.Context, k AccessKey) error {
	return q.exec(ctx, "INSERT INTO access_keys ("+accessKeyCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		append([]any{k.ID, k.UserID, k.Name, k.SecretHash, ns(k.ExpiresAt), k.Suffix, k.SelfService}, metaArgs(k.Meta)...)...)
}

func scanAccessKey(s scanner) (AccessKey, error) {
	var k AccessKey
	var expires int64
	md, fill := metaScan(&k.Meta)
	if err := s.Scan(append([]any{&k.ID, &k.UserID, &k.Name, &k.SecretHash, &expires, &k.Suffix, &k.SelfService}, md...)...); err != nil {
		return AccessKey{}, mapErr(err)
	}
	fill()
	k.ExpiresAt = fromNS(expires)
	return k, nil
}

func (q queries) GetAccessKey(ctx context.Context, id string) (AccessKey, error) {
	return scanAccessKey(q.db.QueryRowContext(ctx, "SELECT "+accessKeyCols+" FROM access_keys WHERE id = ?", id))
}

func (q queries) ListAccessKeys(ctx context.Context, f AccessKeyFilter, p Page) ([]AccessKey, int, error) {
	var w where
	w.add("user_id = ?", f.UserID)
	if f.SelfServiceOnly {
		w.add("self_service = ?", "1")
	}
	items := []AccessKey{}
	total, err := q.list(ctx, "access_keys", accessKeyCols, w, p, func(rows *sql.Rows) error {
		k, err := scanAccessKey(rows)
		items = append(items, k)
		return err
	})
	return items, total, err
}

func (q queries) DeleteAccessKey(ctx context.Context, id string) error {
	res, err := q.db.ExecContext(ctx, "DELETE FROM access_keys WHERE id = ?", id)
	return affected(res, err)
}

// ---- role bindings ----

// roleBindingsView is both kinds of bindings as RoleBinding rows, with the
// organization of project bindings taken from their project.
const roleBindingsView = `(
	SELECT id, 'organization' AS scope, organization_id, '' AS project_id, user_id, role,
	       created_at, created_by, updated_at, updated_by, sequence
	  FROM org_role_bindings
	UNION ALL
	SELECT b.id, 'project', p.organization_id, b.project_id, b.user_id, b.role,
	       b.created_at, b.created_by, b.updated_at, b.updated_by, b.sequence
	  FROM project_role_bindings b JOIN projects p ON p.id = b.project_id
) AS role_bindings`

const roleBindingCols = "id, scope, organization_id, project_id, user_id, role, " + metaCols

func scanRoleBinding(s scanner) (RoleBinding, error) {
	var b RoleBinding
	md, fill := metaScan(&b.Meta)
	if err := s.Scan(append([]any{&b.ID, &b.Scope, &b.OrganizationID, &b.ProjectID, &b.UserID, &b.Role}, md...)...); err != nil {
		return RoleBinding{}, mapErr(err)
	}
	fill()
	return b, nil
}

func (q queries) GetRoleBinding(ctx context.Context, id string) (RoleBinding, error) {
	return scanRoleBinding(q.db.QueryRowContext(ctx, "SELECT "+roleBindingCols+" FROM "+roleBindingsView+" WHERE id = ?", id))
}

func (q queries) ListRoleBindings(ctx context.Context, f RoleBindingFilter, p Page) ([]RoleBinding, int, error) {
	var w where
	w.add("scope = ?", f.Scope)
	w.add("organization_id = ?", f.OrganizationID)
	w.add("project_id = ?", f.ProjectID)
	w.add("user_id = ?", f.UserID)
	w.add("role = ?", f.Role)
	items := []RoleBinding{}
	total, err := q.list(ctx, roleBindingsView, roleBindingCols, w, p, func(rows *sql.Rows) error {
		b, err := scanRoleBinding(rows)
		items = append(items, b)
		return err
	})
	return items, total, err
}

func (q queries) DeleteRoleBinding(ctx context.Context, id string) error {
	res, err := q.db.ExecContext(ctx, "DELETE FROM org_role_bindings WHERE id = ?", id)
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	res, err = q.db.ExecContext(ctx, "DELETE FROM project_role_bindings WHERE id = ?", id)
	return affected(res, err)
}

func (q queries) CountProjectRoleHolders(ctx context.Context, projectID, role string) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx,
		"SELECT count(DISTINCT user_id) FROM project_role_bindings WHERE project_id = ? AND role = ?",
		projectID, role).Scan(&n)
	return n, mapErr(err)
}

// ---- invitations ----

func (q queries) CreateInvitation(ctx context.Context, inv Invitation) error {
	return q.exec(ctx, "INSERT INTO invitations (id, organization_id, email, role, state, "+metaCols+
		") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		append([]any{inv.ID, inv.OrganizationID, inv.Email, inv.Role, inv.State}, metaArgs(inv.Meta)...)...)
}
