package server

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Federated credentials through the API (platform/federated_credentials.go
// has their rules): an org_owner adds and deletes the federated credentials
// of the organization's machine users, an org_admin also reads them; people
// have none. There is no update: a change is a new credential (and the old
// one deleted), as for keys. They hold no secret, so every read shows all
// of them.

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

// federatedCredentialEnvelope: base is the href of the credential's
// collection.
func federatedCredentialEnvelope(c store.FederatedCredential, orgID, base string) envelope {
	claims := c.Claims
	if claims == nil {
		claims = map[string]string{}
	}
	return envelope{Type: "federated-credential", ID: c.ID, Href: base + "/" + pathID(c.ID), Metadata: metadata(c.Meta, orgID),
		Properties: federatedCredentialProps{UserID: platform.PublicUserID(c.UserID), OrganizationID: orgID, Name: c.Name,
			Description: c.Description, Issuer: c.Issuer, Audience: c.Audience, Subject: c.Subject, Claims: claims}}
}

var federatedCredentialFields = []string{"name", "description", "issuer", "audience", "subject", "claims"}

func parseFederatedCredentialCreate(body []byte) (platform.FederatedCredentialCreate, error) {
	return decodeInput(body, federatedCredentialFields, nil, func(o *jsonObject, _ *platform.Violations) platform.FederatedCredentialCreate {
		in := platform.FederatedCredentialCreate{Name: o.str("name"), Description: o.str("description"), Issuer: o.str("issuer"),
			Audience: o.str("audience"), Subject: o.str("subject")}
		if claims := o.object("claims"); claims != nil {
			in.Claims = map[string]string{}
			for _, name := range slices.Sorted(maps.Keys(claims.raw)) {
				var value string
				if err := json.Unmarshal(claims.raw[name], &value); err != nil {
					in.ClaimsNotStrings = append(in.ClaimsNotStrings, name)
					continue
				}
				in.Claims[name] = value
			}
		}
		return in
	})
}

// defaultAudience is the audience of a federated credential created without
// one: the server's --oidc-audience, else the URL the request reached the
// server at.
func (s *Server) defaultAudience(r *http.Request) string {
	if s.cfg.OIDCAudience != "" {
		return s.cfg.OIDCAudience
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// federatedCredentialOwner is keyOwner for federated credentials, which
// only machine users have.
func (s *Server) federatedCredentialOwner(ctx context.Context, q store.Queries, c *caller, r *http.Request, write bool) (store.User, error) {
	return s.credentialOwner(ctx, q, c, r, write, "the federated credentials of machine users", func(id string) error {
		return errForbidden("user %q is a person: federated credentials are for machine users only", id)
	})
}

// ---- handlers ----

func (s *Server) listFederatedCredentials(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := s.federatedCredentialOwner(r.Context(), s.store, c, r, false)
	if err != nil {
		return err
	}
	base := platform.FederatedCredentialsPath(u)
	envelopeOf := func(fc store.FederatedCredential) envelope {
		return federatedCredentialEnvelope(fc, u.OrganizationID, base)
	}
	return writeList(w, r, base, envelopeOf, func(p store.Page, _ *listQuery) ([]store.FederatedCredential, int, error) {
		return s.store.ListFederatedCredentials(r.Context(), store.FederatedCredentialFilter{UserID: u.ID}, p)
	})
}

func (s *Server) getFederatedCredential(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := s.federatedCredentialOwner(r.Context(), s.store, c, r, false)
	if err != nil {
		return err
	}
	fc, err := s.platform.FederatedCredentialOf(r.Context(), s.store, u, r.PathValue("credential"))
	return writeFound(w, func(fc store.FederatedCredential) envelope {
		return federatedCredentialEnvelope(fc, u.OrganizationID, platform.FederatedCredentialsPath(u))
	}, fc, err)
}

func (s *Server) createFederatedCredential(w http.ResponseWriter, r *http.Request, c *caller) error {
	// As for keys: authorization first (a 403 or 404 must not depend on the
	// body), then the body, then the writes in one transaction with the
	// idempotency record, where the owner is looked up again.
	if _, err := s.federatedCredentialOwner(r.Context(), s.store, c, r, true); err != nil {
		return err
	}
	audience := s.defaultAudience(r)
	return create(s, w, r, c, parseFederatedCredentialCreate,
		func(ctx context.Context, q store.Queries, in platform.FederatedCredentialCreate) (envelope, error) {
			u, err := s.federatedCredentialOwner(ctx, q, c, r, true)
			if err != nil {
				return envelope{}, err
			}
			fc, err := s.platform.CreateFederatedCredential(ctx, q, c.actor(), u, in, audience)
			if err != nil {
				return envelope{}, err
			}
			return federatedCredentialEnvelope(fc, u.OrganizationID, platform.FederatedCredentialsPath(u)), nil
		})
}

// deleteFederatedCredential deletes a credential; a retry of its create then
// makes a new one rather than replay the deleted one.
func (s *Server) deleteFederatedCredential(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	u, err := s.federatedCredentialOwner(ctx, s.store, c, r, true)
	if err != nil {
		return err
	}
	id := r.PathValue("credential")
	return writeDeleted(w, s.store.InTx(ctx, func(q store.Queries) error {
		if err := s.platform.DeleteFederatedCredential(ctx, q, u, id); err != nil {
			return err
		}
		return q.ForgetIdempotencyRecords(ctx, platform.FederatedCredentialsPath(u)+"/"+pathID(id))
	}))
}
