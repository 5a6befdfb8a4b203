package client

import "context"

// WhoAmI is the caller: its user, organization and role bindings.
type WhoAmI struct {
	User         User             `json:"user"`
	Organization Organization     `json:"organization"`
	RoleBindings []RoleBindingRef `json:"roleBindings"`
}

// RoleBindingRef is a role binding of the caller, as listed by /whoami.
type RoleBindingRef struct {
	ID             string `json:"id"`
	Role           string `json:"role"`
	Scope          string `json:"scope"`
	OrganizationID string `json:"organizationId"`
	ProjectID      string `json:"projectId"` // "" for organization bindings
}

// WhoAmI returns the caller: user, organization and role bindings.
func (c *Client) WhoAmI(ctx context.Context) (*WhoAmI, error) {
	me, err := getOne[WhoAmI](ctx, c, "whoami")
	if err != nil {
		return nil, err
	}
	if me.RoleBindings == nil {
		me.RoleBindings = []RoleBindingRef{}
	}
	return me, nil
}
