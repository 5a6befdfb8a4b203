package client

import (
	"context"
	"encoding/json"
	"fmt"
)

// TypeInvitation is the envelope "type" of an invitation.
const TypeInvitation = "invitation"

// InvitationStatePending is the state of an invitation not accepted yet.
const InvitationStatePending = "pending"

// Invitation invites a person by email into an organization ("invitation").
type Invitation struct {
	ID             string
	OrganizationID string
	Email          string
	Role           string // an organization role, or "" for plain membership
	State          string // "pending"
	Metadata       Metadata
}

type invitationCreate struct {
	Email string `json:"email"`
	Role  string `json:"role,omitempty"`
}

type invitationProps struct {
	OrganizationID string `json:"organizationId"`
	Email          string `json:"email"`
	Role           string `json:"role"`
	State          string `json:"state"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (i *Invitation) UnmarshalJSON(b []byte) error {
	var e envelope[invitationProps]
	if err := json.Unmarshal(b, &e); err != nil {
		return fmt.Errorf("decoding invitation: %w", err)
	}
	*i = Invitation{
		ID: e.ID, OrganizationID: e.Properties.OrganizationID, Email: e.Properties.Email,
		Role: e.Properties.Role, State: e.Properties.State, Metadata: e.Metadata.model(),
	}
	return nil
}

// MarshalJSON encodes the envelope form.
func (i Invitation) MarshalJSON() ([]byte, error) {
	return json.Marshal(envelope[invitationProps]{
		Type: TypeInvitation, ID: i.ID, Metadata: wireMetadataOf(i.Metadata),
		Properties: invitationProps{OrganizationID: i.OrganizationID, Email: i.Email, Role: i.Role, State: i.State},
	})
}

// CreateInvitation invites email into an organization, with an organization
// role ("" = membership only). Only people who are org owners may invite; a
// machine user gets 403 MACHINE_USER_CANNOT_INVITE (see
// IsMachineUserCannotInvite). It sends an Idempotency-Key, generated once for
// this call and reused by its retries.
func (c *Client) CreateInvitation(ctx context.Context, orgID, email, role string) (*Invitation, error) {
	p, err := resourcePath("organizations", orgID, "invitations")
	if err != nil {
		return nil, err
	}
	var out Invitation
	if err := c.create(ctx, p, invitationCreate{Email: email, Role: role}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
