package server

import (
	"context"
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Invitations: an organization owner who is a person invites another person
// by email, optionally with an organization role (who may: requireInviter).

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

func parseInvitationCreate(body []byte) (platform.InvitationCreate, error) {
	return decodeInput(body, invitationCreateFields, nil, func(o *jsonObject, _ *platform.Violations) platform.InvitationCreate {
		return platform.InvitationCreate{Email: o.strOrEmpty("email"), Role: o.strOrEmpty("role")}
	})
}

func (s *Server) createInvitation(w http.ResponseWriter, r *http.Request, c *caller) error {
	org, err := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if err != nil {
		return err
	}
	if err := requireInviter(c, org); err != nil {
		return err
	}
	return create(s, w, r, c, parseInvitationCreate, func(ctx context.Context, q store.Queries, in platform.InvitationCreate) (envelope, error) {
		inv, err := s.platform.Invite(ctx, q, c.actor(), org, in)
		return invitationEnvelope(inv), err
	})
}
