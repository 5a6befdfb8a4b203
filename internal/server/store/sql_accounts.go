package store

import "context"

// ---- organizations ----

var organizationRows = table[Organization]{from: "organizations", cols: "id, name, " + metaCols,
	scan: func(s scanner) (o Organization, err error) { err = scanRow(s, &o.Meta, &o.ID, &o.Name); return }}

func (q queries) CreateOrganization(ctx context.Context, o Organization) error {
	return q.insert(ctx, "organizations", "id, name", o.Meta, o.ID, o.Name)
}

func (q queries) GetOrganization(ctx context.Context, id string) (Organization, error) {
	return organizationRows.one(ctx, q, "id = ?", id)
}

func (q queries) GetOrganizationByName(ctx context.Context, name string) (Organization, error) {
	return organizationRows.one(ctx, q, "name = ?", name)
}

func (q queries) CountOrganizations(ctx context.Context) (int, error) {
	return q.count(ctx, "SELECT count(*) FROM organizations")
}

// ---- projects ----

var projectRows = table[Project]{from: "projects", cols: "id, organization_id, name, " + metaCols,
	scan: func(s scanner) (p Project, err error) {
		err = scanRow(s, &p.Meta, &p.ID, &p.OrganizationID, &p.Name)
		return
	}}

func (q queries) CreateProject(ctx context.Context, p Project) error {
	return q.insert(ctx, "projects", "id, organization_id, name", p.Meta, p.ID, p.OrganizationID, p.Name)
}

func (q queries) GetProject(ctx context.Context, id string) (Project, error) {
	return projectRows.one(ctx, q, "id = ?", id)
}

func (q queries) ListProjects(ctx context.Context, f ProjectFilter, p Page) ([]Project, int, error) {
	var w where
	w.add("organization_id = ?", f.OrganizationID)
	w.add("name = ?", f.Name)
	return projectRows.page(ctx, q, w, p)
}

// ---- users ----

var userRows = table[User]{from: "users", cols: "id, organization_id, user_type, username, name, description, email, access_token_type, " + metaCols,
	scan: func(s scanner) (u User, err error) {
		err = scanRow(s, &u.Meta, &u.ID, &u.OrganizationID, &u.Type, &u.Username, &u.Name, &u.Description, &u.Email, &u.AccessTokenType)
		return
	}}

func (q queries) CreateUser(ctx context.Context, u User) error {
	return q.insert(ctx, "users", "id, organization_id, user_type, username, name, description, email, access_token_type",
		u.Meta, u.ID, u.OrganizationID, u.Type, u.Username, u.Name, u.Description, u.Email, u.AccessTokenType)
}

func (q queries) GetUser(ctx context.Context, id string) (User, error) {
	return userRows.one(ctx, q, "id = ?", id)
}

func (q queries) ListUsers(ctx context.Context, f UserFilter, p Page) ([]User, int, error) {
	return userRows.page(ctx, q, userWhere(f), p)
}

func (q queries) CountUsers(ctx context.Context, f UserFilter) (int, error) {
	return userRows.count(ctx, q, userWhere(f))
}

func userWhere(f UserFilter) where {
	var w where
	w.add("organization_id = ?", f.OrganizationID)
	w.add("user_type = ?", f.Type)
	w.add("username = ?", f.Username)
	return w
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
