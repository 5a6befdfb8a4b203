package platform

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// InvitationCreate is the input of Invite: a person's email and, optionally,
// an organization role to bind when the invitation is accepted.
type InvitationCreate struct {
	Email string // required
	Role  string // "": none
}

// Check adds the field rules the input breaks to v.
func (in InvitationCreate) Check(v *Violations) {
	if in.Email == "" {
		v.Add("email", "is required: the email address of the person to invite")
	} else {
		checkEmail(v, "email", in.Email)
	}
	if in.Role != "" {
		CheckRole(v, "role", in.Role, store.ScopeOrganization)
	}
}

// Invite invites a person who is not yet a member into org; one pending
// invitation per email.
func (s *Service) Invite(ctx context.Context, q store.Queries, by Actor, org store.Organization, in InvitationCreate) (store.Invitation, error) {
	if err := check(in); err != nil {
		return store.Invitation{}, err
	}
	// People's usernames are their emails.
	found, _, err := q.ListUsers(ctx, store.UserFilter{OrganizationID: org.ID, Type: store.UserTypePerson, Username: in.Email},
		store.Page{Limit: 1})
	if err != nil {
		return store.Invitation{}, fmt.Errorf("check member: %w", err)
	}
	if len(found) > 0 {
		return store.Invitation{}, FieldErrorf(AlreadyExists, "email",
			"%q is already a member of organization %q (user %s); bind it a role instead", in.Email, org.Name, found[0].ID)
	}
	inv := store.Invitation{ID: uuid.NewString(), OrganizationID: org.ID, Email: in.Email, Role: in.Role,
		State: store.InvitationPending, Meta: store.NewMeta(s.Now(), string(by))}
	if err := q.CreateInvitation(ctx, inv); errors.Is(err, store.ErrConflict) {
		return store.Invitation{}, FieldErrorf(AlreadyExists, "email",
			"an invitation of %q to organization %q is already pending", in.Email, org.Name)
	} else if err != nil {
		return store.Invitation{}, fmt.Errorf("create invitation: %w", err)
	}
	return inv, nil
}
