package client_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

func TestInvitations(t *testing.T) {
	env := startEnv(t, testenv.Options{})
	ctx := context.Background()

	// A machine user never invites, even as org_owner.
	_, err := env.Client(env.AdminKey).CreateInvitation(ctx, env.OrgID, "new@example.com", "")
	if !client.IsMachineUserCannotInvite(err) {
		t.Fatalf("machine org_owner invites: want 403 MACHINE_USER_CANNOT_INVITE, got %v", err)
	}

	// A person who is org_owner does.
	ownerID, ownerKey := newPerson(t, env)
	if _, err := env.Admin.BindOrgRole(ctx, ownerID, env.OrgID, client.RoleOrgOwner); err != nil {
		t.Fatal(err)
	}
	email := "invitee-" + uuid.NewString()[:8] + "@example.com"
	inv, err := env.Client(ownerKey).CreateInvitation(ctx, env.OrgID, email, client.RoleOrgAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if inv.ID == "" || inv.OrganizationID != env.OrgID || inv.Email != email || inv.Role != client.RoleOrgAdmin || inv.State != client.InvitationStatePending {
		t.Fatalf("invitation %+v", inv)
	}
	plain, err := env.Client(ownerKey).CreateInvitation(ctx, env.OrgID, "plain-"+uuid.NewString()[:8]+"@example.com", "")
	if err != nil || plain.Role != "" {
		t.Fatalf("invitation without a role: %v %+v", err, plain)
	}

	// A person without a role does not.
	_, memberKey := newPerson(t, env)
	_, err = env.Client(memberKey).CreateInvitation(ctx, env.OrgID, "x-"+uuid.NewString()[:8]+"@example.com", "")
	if !client.IsPermissionDenied(err) || client.IsMachineUserCannotInvite(err) {
		t.Fatalf("member invites: want 403 PERMISSION_DENIED, got %v", err)
	}
}
