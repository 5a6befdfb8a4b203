package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Invitations: an organization owner who is a person invites another person
// by email, optionally with an organization role. A machine user never
// invites anyone (403 MACHINE_USER_CANNOT_INVITE): people join through
// people.

// codeMachineUserCannotInvite is the error code (403) of a machine user asking
// to invite (listed with the others in api/openapi.yaml, schema Error).
const codeMachineUserCannotInvite = "MACHINE_USER_CANNOT_INVITE"

type invitationProps struct {
	OrganizationID string `json:"organizationId"`
	Email          string `json:"email"`
	Role           string `json:"role"`
	State          string `json:"state"`
}

func invitationEnvelope(inv store.Invitation) envelope {
	return envelope{Type: "invitation", ID: inv.ID,
		Href:     apiPrefix + "/organizations/" + pathID(inv.OrganizationID) + "/invitations/" + pathID(inv.ID),
		Metadata: metadata(inv.Meta, inv.OrganizationID),
		Properties: invitationProps{OrganizationID: inv.OrganizationID, Email: inv.Email, Role: inv.Role,
			State: inv.State}}
}

var invitationCreateFields = []string{"email", "role"}

type invitationCreate struct{ Email, Role string }

func parseInvitationCreate(body []byte) (invitationCreate, *apiError) {
	o, e := decodeObject(body)
	if e != nil {
		return invitationCreate{}, e
	}
	var in invitationCreate
	var v validationErrors
	o.rejectOthers(&v, invitationCreateFields, nil)
	email, hasEmail := o.str("email")
	role, _ := o.str("role")
	if e := o.typeErr(); e != nil {
		return invitationCreate{}, e
	}
	if !hasEmail || email == "" {
		v.add("email", "is required: the email address of the person to invite")
	} else {
		checkEmail(&v, "email", email)
	}
	if role != "" { // "" or absent: no role
		checkRoleOfScope(&v, "role", role, store.ScopeOrganization)
	}
	in.Email, in.Role = email, role
	return in, v.err()
}

// requireInviter: only an org_owner invites, and only a person.
func requireInviter(c *caller, org store.Organization) *apiError {
	if !c.hasOrgRole(org.ID, roleOrgOwner) {
		return errForbidden("inviting people to organization %q (%s) requires the %s role, held by a person; "+
			"ask an organization owner to send the invitation", org.Name, org.ID, roleOrgOwner)
	}
	if c.user.Type != store.UserTypePerson {
		return newError(http.StatusForbidden, codeMachineUserCannotInvite,
			"machine users cannot invite anyone; an organization owner who is a person must send the invitation")
	}
	return nil
}

func (s *Server) createInvitation(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	org, e := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if e != nil {
		return e
	}
	if e := requireInviter(c, org); e != nil {
		return e
	}
	body, e := readBody(r)
	if e != nil {
		return e
	}
	in, e := parseInvitationCreate(body)
	if e != nil {
		return e
	}
	return s.create(w, r, c, body, func(ctx context.Context, q store.Queries) (created, *apiError) {
		// People's usernames are their emails.
		found, _, err := q.ListUsers(ctx, store.UserFilter{OrganizationID: org.ID, Type: store.UserTypePerson, Username: in.Email},
			store.Page{Limit: 1})
		if err != nil {
			return created{}, s.internal(ctx, "check member", err)
		}
		if len(found) > 0 {
			return created{}, fieldError(http.StatusConflict, codeAlreadyExists, "email",
				"%q is already a member of organization %q (user %s); bind it a role instead", in.Email, org.Name, found[0].ID)
		}
		inv := store.Invitation{ID: uuid.NewString(), OrganizationID: org.ID, Email: in.Email, Role: in.Role,
			State: store.InvitationPending, Meta: store.NewMeta(s.now(), c.user.ID)}
		if err := q.CreateInvitation(ctx, inv); errors.Is(err, store.ErrConflict) {
			return created{}, fieldError(http.StatusConflict, codeAlreadyExists, "email",
				"an invitation of %q to organization %q is already pending", in.Email, org.Name)
		} else if err != nil {
			return created{}, s.internal(ctx, "create invitation", err)
		}
		env := invitationEnvelope(inv)
		return created{status: http.StatusCreated, location: env.Href, body: env}, nil
	})
}
