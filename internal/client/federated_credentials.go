package client

import "context"

// FederatedCredentialsPerMachineUser is the most federated credentials a
// machine user holds.
const FederatedCredentialsPerMachineUser = 20

// FederatedCredential is a federated credential of a machine user
// ("federated-credential"): the OIDC ID tokens it trusts (of Issuer, for
// Audience, whose sub matches Subject, with every claim of Claims) are
// exchanged for its session tokens (see ExchangeIDToken). It holds no
// secret. There is no update: a change is a new credential.
type FederatedCredential struct {
	ID             string
	UserID         string
	OrganizationID string
	Name           string
	Description    string
	Issuer         string
	Audience       string
	Subject        string
	Claims         map[string]string
	Metadata       Metadata
}

// FederatedCredentialCreate is what to create a federated credential with.
// Audience "" takes the server's default; Claims nil requires none.
type FederatedCredentialCreate struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Issuer      string            `json:"issuer"`
	Audience    string            `json:"audience,omitempty"`
	Subject     string            `json:"subject"`
	Claims      map[string]string `json:"claims,omitempty"`
}

type federatedCredentialProps struct {
	UserID         string            `json:"userId"`
	OrganizationID string            `json:"organizationId"`
	Name           string            `json:"name"`
	Description    string            `json:"description"`
	Issuer         string            `json:"issuer"`
	Audience       string            `json:"audience"`
	Subject        string            `json:"subject"`
	Claims         map[string]string `json:"claims"`
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (f *FederatedCredential) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "federated credential", f, func(e envelope[federatedCredentialProps]) FederatedCredential {
		p := e.Properties
		claims := p.Claims
		if claims == nil {
			claims = map[string]string{}
		}
		return FederatedCredential{ID: e.ID, UserID: p.UserID, OrganizationID: p.OrganizationID, Name: p.Name,
			Description: p.Description, Issuer: p.Issuer, Audience: p.Audience, Subject: p.Subject, Claims: claims,
			Metadata: e.Metadata.model()}
	})
}

// CreateFederatedCredential adds a federated credential to a machine user
// (an org_owner's call). Like every create it sends an Idempotency-Key that
// its retries reuse.
func (c *Client) CreateFederatedCredential(ctx context.Context, orgID, userID string, in FederatedCredentialCreate) (*FederatedCredential, error) {
	return createOne[FederatedCredential](ctx, c, in, "organizations", orgID, "machine-users", userID, "federated-credentials")
}

// ListFederatedCredentials lists the federated credentials of a machine
// user, every page.
func (c *Client) ListFederatedCredentials(ctx context.Context, orgID, userID string) ([]FederatedCredential, error) {
	return listAll[FederatedCredential](ctx, c, nil, "organizations", orgID, "machine-users", userID, "federated-credentials")
}

// GetFederatedCredential reads a federated credential of a machine user.
func (c *Client) GetFederatedCredential(ctx context.Context, orgID, userID, id string) (*FederatedCredential, error) {
	return getOne[FederatedCredential](ctx, c, "organizations", orgID, "machine-users", userID, "federated-credentials", id)
}

// DeleteFederatedCredential deletes a federated credential; a 404 is
// returned as an error (IsNotFound).
func (c *Client) DeleteFederatedCredential(ctx context.Context, orgID, userID, id string) error {
	return deleteOne(ctx, c, "organizations", orgID, "machine-users", userID, "federated-credentials", id)
}
