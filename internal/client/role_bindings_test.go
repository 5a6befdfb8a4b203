package client_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

func TestOrgRoleBindingLifecycle(t *testing.T) {
	env, admin, mu := startWithMachineUser(t)
	ctx := context.Background()

	b, err := admin.CreateOrgRoleBinding(ctx, env.OrgID, mu.ID, client.RoleOrgAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if b.ID == "" || b.OrganizationID != env.OrgID || b.UserID != mu.ID || b.Role != client.RoleOrgAdmin || b.Metadata.CreatedDate.IsZero() {
		t.Fatalf("created %+v", b)
	}
	got, err := admin.GetOrgRoleBinding(ctx, env.OrgID, b.ID)
	if err != nil || *got != *b {
		t.Fatalf("read %v %+v, want %+v", err, got, b)
	}

	found, err := admin.ListOrgRoleBindings(ctx, env.OrgID, client.RoleBindingFilter{UserID: mu.ID, Role: client.RoleOrgAdmin})
	if err != nil || len(found) != 1 || found[0].ID != b.ID {
		t.Fatalf("filtered list: %v %+v", err, found)
	}
	found, err = admin.ListOrgRoleBindings(ctx, env.OrgID, client.RoleBindingFilter{UserID: mu.ID, Role: client.RoleOrgOwner})
	if err != nil || len(found) != 0 {
		t.Fatalf("list by another role: %v %+v", err, found)
	}
	all, err := admin.ListOrgRoleBindings(ctx, env.OrgID, client.RoleBindingFilter{})
	if err != nil || len(all) < 2 { // the bootstrap admin's org_owner and this one
		t.Fatalf("unfiltered list: %v %+v", err, all)
	}

	// The binding works: org_admin reads everything of the organization.
	key, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "k", ExpiresInDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client(key.Secret).ListMachineUserAccessKeys(ctx, env.OrgID, mu.ID); err != nil {
		t.Fatalf("org_admin cannot read keys: %v", err)
	}

	_, err = admin.CreateOrgRoleBinding(ctx, env.OrgID, mu.ID, client.RoleOrgAdmin)
	wantStatus(t, "duplicate", err, 409, "ALREADY_EXISTS")

	if err := admin.DeleteOrgRoleBinding(ctx, env.OrgID, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.GetOrgRoleBinding(ctx, env.OrgID, b.ID); !client.IsNotFound(err) {
		t.Fatalf("read after delete: want 404, got %v", err)
	}
	if err := admin.DeleteOrgRoleBinding(ctx, env.OrgID, b.ID); !client.IsNotFound(err) {
		t.Fatalf("second delete: want 404, got %v", err)
	}
}

func TestOrgRoleBindingRules(t *testing.T) {
	env, admin, mu := startWithMachineUser(t)
	ctx := context.Background()

	_, err := admin.CreateOrgRoleBinding(ctx, env.OrgID, mu.ID, client.RoleProjectOwner)
	wantStatus(t, "project role on an organization", err, 422, "INVALID_ARGUMENT")
	if m := fieldMessage(err, "role"); !strings.Contains(m, client.RoleOrgOwner) || !strings.Contains(m, client.RoleOrgAdmin) {
		t.Fatalf("the role message does not list the valid roles: %v", err)
	}
	_, err = admin.CreateOrgRoleBinding(ctx, env.OrgID, "no-such-user", client.RoleOrgAdmin)
	wantStatus(t, "unknown user", err, 422, "INVALID_ARGUMENT")

	// A user of another organization cannot be bound here.
	other, err := env.Admin.CreateOrganization(ctx, "other-"+uuid.NewString()[:8])
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := env.Admin.CreateHumanUser(ctx, other, "s-"+uuid.NewString()[:8]+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.CreateOrgRoleBinding(ctx, env.OrgID, stranger, client.RoleOrgAdmin)
	wantStatus(t, "user of another organization", err, 422, "INVALID_ARGUMENT")
	if fieldMessage(err, "userId") == "" {
		t.Fatalf("no userId field message: %v", err)
	}
	// ... and another organization is not visible at all.
	_, err = admin.CreateOrgRoleBinding(ctx, other, stranger, client.RoleOrgAdmin)
	if !client.IsNotFound(err) {
		t.Fatalf("binding in another organization: want 404, got %v", err)
	}

	// The last org_owner stays.
	me, err := admin.WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	owners, err := admin.ListOrgRoleBindings(ctx, env.OrgID, client.RoleBindingFilter{Role: client.RoleOrgOwner})
	if err != nil || len(owners) != 1 || owners[0].UserID != me.User.ID {
		t.Fatalf("owners: %v %+v", err, owners)
	}
	err = admin.DeleteOrgRoleBinding(ctx, env.OrgID, owners[0].ID)
	wantStatus(t, "unbind the last org_owner", err, 409, "LAST_OWNER")
}

func TestProjectRoleBindingLifecycle(t *testing.T) {
	env, admin, mu := startWithMachineUser(t)
	ctx := context.Background()

	b, err := admin.CreateProjectRoleBinding(ctx, env.ProjectID, mu.ID, client.RoleProjectViewer)
	if err != nil {
		t.Fatal(err)
	}
	if b.ID == "" || b.ProjectID != env.ProjectID || b.OrganizationID != env.OrgID || b.UserID != mu.ID || b.Role != client.RoleProjectViewer {
		t.Fatalf("created %+v", b)
	}
	got, err := admin.GetProjectRoleBinding(ctx, env.ProjectID, b.ID)
	if err != nil || *got != *b {
		t.Fatalf("read %v %+v, want %+v", err, got, b)
	}
	found, err := admin.ListProjectRoleBindings(ctx, env.ProjectID, client.RoleBindingFilter{UserID: mu.ID})
	if err != nil || len(found) != 1 || found[0].ID != b.ID {
		t.Fatalf("filtered list: %v %+v", err, found)
	}
	_, err = admin.CreateProjectRoleBinding(ctx, env.ProjectID, mu.ID, client.RoleProjectViewer)
	wantStatus(t, "duplicate", err, 409, "ALREADY_EXISTS")
	if err := admin.DeleteProjectRoleBinding(ctx, env.ProjectID, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.GetProjectRoleBinding(ctx, env.ProjectID, b.ID); !client.IsNotFound(err) {
		t.Fatalf("read after delete: want 404, got %v", err)
	}
}

func TestProjectRoleBindingRules(t *testing.T) {
	env, admin, mu := startWithMachineUser(t)
	ctx := context.Background()

	_, err := admin.CreateProjectRoleBinding(ctx, env.ProjectID, mu.ID, client.RoleOrgOwner)
	wantStatus(t, "organization role on a project", err, 422, "INVALID_ARGUMENT")
	if !strings.Contains(fieldMessage(err, "role"), client.RoleProjectViewer) {
		t.Fatalf("the role message does not list the valid roles: %v", err)
	}

	other, err := env.Admin.CreateOrganization(ctx, "other-"+uuid.NewString()[:8])
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := env.Admin.CreateHumanUser(ctx, other, "s-"+uuid.NewString()[:8]+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.CreateProjectRoleBinding(ctx, env.ProjectID, stranger, client.RoleProjectViewer)
	wantStatus(t, "user of another organization", err, 422, "INVALID_ARGUMENT")

	// A project owner binds project roles on its own project only, and
	// manages no keys and no machine users.
	owner := newMachineUser(t, env)
	if _, err := env.Admin.BindProjectRole(ctx, owner.ID, env.ProjectID, client.RoleProjectOwner); err != nil {
		t.Fatal(err)
	}
	ownerKey, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, owner.ID, client.AccessKeyCreate{Name: "k", ExpiresInDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	po := env.Client(ownerKey.Secret)
	b, err := po.CreateProjectRoleBinding(ctx, env.ProjectID, mu.ID, client.RoleProjectEditor)
	if err != nil {
		t.Fatalf("project owner binds on its project: %v", err)
	}
	secondProject, err := env.Admin.CreateProject(ctx, env.OrgID, "second-"+uuid.NewString()[:8])
	if err != nil {
		t.Fatal(err)
	}
	_, err = po.CreateProjectRoleBinding(ctx, secondProject, mu.ID, client.RoleProjectEditor)
	wantStatus(t, "project owner on another project", err, 403, "PERMISSION_DENIED")
	_, err = po.CreateOrgRoleBinding(ctx, env.OrgID, mu.ID, client.RoleOrgAdmin)
	wantStatus(t, "project owner binds an organization role", err, 403, "PERMISSION_DENIED")
	_, err = po.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "k", ExpiresInDays: 1})
	wantStatus(t, "project owner creates a key", err, 403, "PERMISSION_DENIED")
	if err := po.DeleteProjectRoleBinding(ctx, env.ProjectID, b.ID); err != nil {
		t.Fatalf("project owner unbinds on its project: %v", err)
	}
}
