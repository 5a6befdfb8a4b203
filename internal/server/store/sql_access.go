package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ---- access keys ----

var accessKeyRows = table[AccessKey]{from: "access_keys",
	cols: "id, user_id, name, secret_hash, expires_at, key_suffix, self_service, confirm_by, " + metaCols,
	scan: func(s scanner) (k AccessKey, err error) {
		var expires, confirmBy int64
		err = scanRow(s, &k.Meta, &k.ID, &k.UserID, &k.Name, &k.SecretHash, &expires, &k.Suffix, &k.SelfService, &confirmBy)
		k.ExpiresAt = fromNS(expires)
		if confirmBy != 0 {
			k.ConfirmBy = fromNS(confirmBy)
		}
		return
	}}

// confirmByNS is the confirm_by column of t: 0 for a confirmed key.
func confirmByNS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ns(t)
}

func (q queries) CreateAccessKey(ctx context.Context, k AccessKey) error {
	return q.insert(ctx, "access_keys", "id, user_id, name, secret_hash, expires_at, key_suffix, self_service, confirm_by",
		k.Meta, k.ID, k.UserID, k.Name, k.SecretHash, ns(k.ExpiresAt), k.Suffix, k.SelfService, confirmByNS(k.ConfirmBy))
}

func (q queries) GetAccessKey(ctx context.Context, id string) (AccessKey, error) {
	return accessKeyRows.one(ctx, q, "id = ?", id)
}

func (q queries) GetAccessKeyWithUser(ctx context.Context, id string) (AccessKey, User, error) {
	return withUser(ctx, q, accessKeyRows, id)
}

func (q queries) ListAccessKeys(ctx context.Context, f AccessKeyFilter, p Page) ([]AccessKey, int, error) {
	var w where
	w.add("user_id = ?", f.UserID)
	if f.SelfServiceOnly {
		w.holds("self_service")
	}
	if !f.ActiveAt.IsZero() {
		w.with("expires_at > ?", ns(f.ActiveAt))
		w.holds("confirm_by = 0")
	}
	if !f.UnconfirmedAt.IsZero() {
		w.with("confirm_by > ?", ns(f.UnconfirmedAt))
	}
	if !f.LiveAt.IsZero() {
		w.with("(confirm_by = 0 OR confirm_by > ?)", ns(f.LiveAt))
	}
	return accessKeyRows.page(ctx, q, w, p)
}

func (q queries) DeleteAccessKey(ctx context.Context, id string) error {
	res, err := q.db.ExecContext(ctx, "DELETE FROM access_keys WHERE id = ?", id)
	return affected(res, err)
}

func (q queries) ConfirmAccessKey(ctx context.Context, id string, m Meta) error {
	res, err := q.db.ExecContext(ctx, "UPDATE access_keys SET confirm_by = 0, updated_at = ?, updated_by = ?, sequence = sequence + 1 "+
		"WHERE id = ?", ns(m.UpdatedAt), m.UpdatedBy, id)
	return affected(res, err)
}

func (q queries) ListLapsedAccessKeys(ctx context.Context, at time.Time, limit int) ([]AccessKey, error) {
	rows, err := q.db.QueryContext(ctx, "SELECT "+accessKeyRows.cols+" FROM access_keys WHERE confirm_by > 0 AND confirm_by <= ? "+
		"ORDER BY confirm_by, id LIMIT ?", ns(at), limit)
	return collect(rows, err, accessKeyRows.scan)
}

// ---- session tokens ----

var sessionTokenRows = table[SessionToken]{from: "session_tokens",
	cols: "id, user_id, name, secret_hash, expires_at, token_suffix, " + metaCols,
	scan: func(s scanner) (t SessionToken, err error) {
		var expires int64
		err = scanRow(s, &t.Meta, &t.ID, &t.UserID, &t.Name, &t.SecretHash, &expires, &t.Suffix)
		t.ExpiresAt = fromNS(expires)
		return
	}}

func (q queries) CreateSessionToken(ctx context.Context, t SessionToken) error {
	return q.insert(ctx, "session_tokens", "id, user_id, name, secret_hash, expires_at, token_suffix",
		t.Meta, t.ID, t.UserID, t.Name, t.SecretHash, ns(t.ExpiresAt), t.Suffix)
}

func (q queries) GetSessionToken(ctx context.Context, id string) (SessionToken, error) {
	return sessionTokenRows.one(ctx, q, "id = ?", id)
}

func (q queries) GetSessionTokenWithUser(ctx context.Context, id string) (SessionToken, User, error) {
	return withUser(ctx, q, sessionTokenRows, id)
}

func (q queries) ListSessionTokens(ctx context.Context, f SessionTokenFilter, p Page) ([]SessionToken, int, error) {
	var w where
	w.add("user_id = ?", f.UserID)
	if !f.ActiveAt.IsZero() {
		w.with("expires_at > ?", ns(f.ActiveAt))
	}
	return sessionTokenRows.page(ctx, q, w, p)
}

func (q queries) ListExpiredSessionTokens(ctx context.Context, at time.Time, limit int) ([]SessionToken, error) {
	rows, err := q.db.QueryContext(ctx, "SELECT "+sessionTokenRows.cols+" FROM session_tokens WHERE expires_at <= ? "+
		"ORDER BY expires_at, id LIMIT ?", ns(at), limit)
	return collect(rows, err, sessionTokenRows.scan)
}

func (q queries) DeleteSessionToken(ctx context.Context, id string) error {
	res, err := q.db.ExecContext(ctx, "DELETE FROM session_tokens WHERE id = ?", id)
	return affected(res, err)
}

func (q queries) DeleteSessionTokensOfUser(ctx context.Context, userID string) (int, error) {
	res, err := q.db.ExecContext(ctx, "DELETE FROM session_tokens WHERE user_id = ?", userID)
	if err != nil {
		return 0, mapErr(err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ---- federated credentials ----

var federatedCredentialRows = table[FederatedCredential]{from: "federated_credentials",
	cols: "id, user_id, name, description, issuer, audience, subject, claims, " + metaCols,
	scan: func(s scanner) (c FederatedCredential, err error) {
		var claims string
		if err = scanRow(s, &c.Meta, &c.ID, &c.UserID, &c.Name, &c.Description, &c.Issuer, &c.Audience, &c.Subject, &claims); err != nil {
			return c, err
		}
		c.Claims = map[string]string{}
		if err = json.Unmarshal([]byte(claims), &c.Claims); err != nil {
			err = fmt.Errorf("claims of federated credential %s: %w", c.ID, err)
		}
		return c, err
	}}

func (q queries) CreateFederatedCredential(ctx context.Context, c FederatedCredential) error {
	claims := c.Claims
	if claims == nil {
		claims = map[string]string{}
	}
	raw, err := json.Marshal(claims)
	if err != nil {
		return err
	}
	return q.insert(ctx, "federated_credentials", "id, user_id, name, description, issuer, audience, subject, claims",
		c.Meta, c.ID, c.UserID, c.Name, c.Description, c.Issuer, c.Audience, c.Subject, string(raw))
}

func (q queries) GetFederatedCredential(ctx context.Context, id string) (FederatedCredential, error) {
	return federatedCredentialRows.one(ctx, q, "id = ?", id)
}

func (q queries) ListFederatedCredentials(ctx context.Context, f FederatedCredentialFilter, p Page) ([]FederatedCredential, int, error) {
	if f.UserID == "" && f.Issuer == "" {
		return nil, 0, fmt.Errorf("list federated credentials: select by user or issuer")
	}
	var w where
	w.add("user_id = ?", f.UserID)
	w.add("issuer = ?", f.Issuer)
	return federatedCredentialRows.page(ctx, q, w, p)
}

func (q queries) DeleteFederatedCredential(ctx context.Context, id string) error {
	res, err := q.db.ExecContext(ctx, "DELETE FROM federated_credentials WHERE id = ?", id)
	return affected(res, err)
}

// ---- role bindings ----

// The two scopes live in two tables, each with the foreign key of its
// scope, so that deleting an organization or a project deletes its bindings.

// roleBindingRows reads both kinds of bindings as RoleBinding rows, with the
// organization of project bindings taken from their project.
var roleBindingRows = table[RoleBinding]{from: `(
	SELECT id, 'organization' AS scope, organization_id, '' AS project_id, user_id, role,
	       created_at, created_by, updated_at, updated_by, sequence
	  FROM org_role_bindings
	UNION ALL
	SELECT b.id, 'project', p.organization_id, b.project_id, b.user_id, b.role,
	       b.created_at, b.created_by, b.updated_at, b.updated_by, b.sequence
	  FROM project_role_bindings b JOIN projects p ON p.id = b.project_id
) AS role_bindings`,
	cols: "id, scope, organization_id, project_id, user_id, role, " + metaCols,
	scan: func(s scanner) (b RoleBinding, err error) {
		err = scanRow(s, &b.Meta, &b.ID, &b.Scope, &b.OrganizationID, &b.ProjectID, &b.UserID, &b.Role)
		return
	}}

func (q queries) CreateRoleBinding(ctx context.Context, b RoleBinding) error {
	switch b.Scope {
	case ScopeOrganization:
		return q.insert(ctx, "org_role_bindings", "id, organization_id, user_id, role", b.Meta, b.ID, b.OrganizationID, b.UserID, b.Role)
	case ScopeProject:
		return q.insert(ctx, "project_role_bindings", "id, project_id, user_id, role", b.Meta, b.ID, b.ProjectID, b.UserID, b.Role)
	default:
		return fmt.Errorf("role binding scope %q: want %q or %q", b.Scope, ScopeOrganization, ScopeProject)
	}
}

func (q queries) GetRoleBinding(ctx context.Context, id string) (RoleBinding, error) {
	return roleBindingRows.one(ctx, q, "id = ?", id)
}

func (q queries) ListRoleBindings(ctx context.Context, f RoleBindingFilter, p Page) ([]RoleBinding, int, error) {
	var w where
	w.add("scope = ?", f.Scope)
	w.add("organization_id = ?", f.OrganizationID)
	w.add("project_id = ?", f.ProjectID)
	w.add("user_id = ?", f.UserID)
	w.add("role = ?", f.Role)
	return roleBindingRows.page(ctx, q, w, p)
}

func (q queries) ListRoleBindingsByUser(ctx context.Context, userID string) ([]RoleBinding, error) {
	var w where
	w.add("user_id = ?", userID)
	return roleBindingRows.all(ctx, q, w)
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

func (q queries) CountOrgRoleHolders(ctx context.Context, orgID, role string) (int, error) {
	return q.count(ctx, "SELECT count(DISTINCT user_id) FROM org_role_bindings WHERE organization_id = ? AND role = ?", orgID, role)
}

func (q queries) CountProjectRoleHolders(ctx context.Context, projectID, role string) (int, error) {
	return q.count(ctx, "SELECT count(DISTINCT user_id) FROM project_role_bindings WHERE project_id = ? AND role = ?", projectID, role)
}

// ---- invitations ----

func (q queries) CreateInvitation(ctx context.Context, inv Invitation) error {
	return q.insert(ctx, "invitations", "id, organization_id, email, role, state", inv.Meta,
		inv.ID, inv.OrganizationID, inv.Email, inv.Role, inv.State)
}
