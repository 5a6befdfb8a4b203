package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Session tokens through the API (platform/session_tokens.go has their
// rules): an org_owner opens and closes the session tokens of the
// organization's machine users, an org_admin also reads them; people have
// none. They live under their own path, .../machine-users/{user}/session-
// tokens, so no list of access keys shows them. The token is in the create
// response only (and in its idempotent replay); reads show maskedToken and
// state, computed with the server clock. Expired tokens are deleted by the
// server (purgeExpiredSessionTokens), so a read finds a token at most
// purgeInterval after it expired.

type sessionTokenProps struct {
	UserID         string `json:"userId"`
	OrganizationID string `json:"organizationId"`
	Name           string `json:"name"`
	ExpiresAt      string `json:"expiresAt"`
	MaskedToken    string `json:"maskedToken"`
	State          string `json:"state"`
	Secret         string `json:"secret,omitempty"` // only in a create response
}

// sessionTokenEnvelope: base is the href of the token's collection.
func (s *Server) sessionTokenEnvelope(t store.SessionToken, orgID, base string) envelope {
	state := keyStateActive
	if platform.SessionTokenExpired(t, s.platform.Now()) {
		state = keyStateExpired
	}
	return envelope{Type: "session-token", ID: t.ID, Href: base + "/" + pathID(t.ID), Metadata: metadata(t.Meta, orgID),
		Properties: sessionTokenProps{UserID: platform.PublicUserID(t.UserID), OrganizationID: orgID, Name: t.Name,
			ExpiresAt: timestamp(t.ExpiresAt), MaskedToken: platform.MaskedSessionToken(t), State: state}}
}

func parseSessionTokenCreate(body []byte) (platform.SessionTokenCreate, error) {
	return decodeInput(body, []string{"name", "expiresInSeconds"}, nil, func(o *jsonObject, _ *platform.Violations) platform.SessionTokenCreate {
		return platform.SessionTokenCreate{Name: o.str("name"), ExpiresInSeconds: o.number("expiresInSeconds")}
	})
}

// ---- handlers ----

func (s *Server) listSessionTokens(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := s.sessionTokenOwner(r.Context(), s.store, c, r, false)
	if err != nil {
		return err
	}
	base := platform.SessionTokensPath(u)
	envelopeOf := func(t store.SessionToken) envelope { return s.sessionTokenEnvelope(t, u.OrganizationID, base) }
	return writeList(w, r, base, envelopeOf, func(p store.Page, _ *listQuery) ([]store.SessionToken, int, error) {
		return s.store.ListSessionTokens(r.Context(), store.SessionTokenFilter{UserID: u.ID}, p)
	})
}

func (s *Server) getSessionToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := s.sessionTokenOwner(r.Context(), s.store, c, r, false)
	if err != nil {
		return err
	}
	t, err := s.platform.SessionTokenOf(r.Context(), s.store, u, r.PathValue("token"))
	return writeFound(w, func(t store.SessionToken) envelope {
		return s.sessionTokenEnvelope(t, u.OrganizationID, platform.SessionTokensPath(u))
	}, t, err)
}

func (s *Server) createSessionToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	// As for keys: authorization first (a 403 or 404 must not depend on the
	// body), then the body, then the writes in one transaction with the
	// idempotency record, where the owner is looked up again.
	if _, err := s.sessionTokenOwner(r.Context(), s.store, c, r, true); err != nil {
		return err
	}
	return create(s, w, r, c, parseSessionTokenCreate, func(ctx context.Context, q store.Queries, in platform.SessionTokenCreate) (envelope, error) {
		u, err := s.sessionTokenOwner(ctx, q, c, r, true)
		if err != nil {
			return envelope{}, err
		}
		t, err := s.platform.CreateSessionToken(ctx, q, c.actor(), u, in)
		if err != nil {
			return envelope{}, err
		}
		env := s.sessionTokenEnvelope(t.SessionToken, u.OrganizationID, platform.SessionTokensPath(u))
		props := env.Properties.(sessionTokenProps)
		props.Secret = t.Text
		env.Properties = props
		return env, nil
	})
}

// deleteSessionToken closes a token; a retry of its create then opens a new
// token rather than replay the closed one.
func (s *Server) deleteSessionToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	u, err := s.sessionTokenOwner(ctx, s.store, c, r, true)
	if err != nil {
		return err
	}
	id := r.PathValue("token")
	return writeDeleted(w, s.store.InTx(ctx, func(q store.Queries) error {
		if err := s.platform.DeleteSessionToken(ctx, q, u, id); err != nil {
			return err
		}
		return q.ForgetIdempotencyRecords(ctx, platform.SessionTokensPath(u)+"/"+pathID(id))
	}))
}

type sessionTokenRevocationProps struct {
	UserID         string `json:"userId"`
	OrganizationID string `json:"organizationId"`
	Revoked        int    `json:"revoked"` // tokens that still worked
}

// revokeSessionTokens closes every session token of the machine user at
// once (DELETE on the collection), for when they may have leaked; its
// access keys are untouched. Who may is who may close one token: an
// org_owner. The answer says how many tokens still worked; a repeat (the
// client's retry of a lost answer too) finds none and answers 0. A retry of
// the create of a revoked token opens a new one rather than replay it.
func (s *Server) revokeSessionTokens(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	u, err := s.sessionTokenOwner(ctx, s.store, c, r, true)
	if err != nil {
		return err
	}
	n, err := store.Tx(ctx, s.store, func(q store.Queries) (int, error) {
		n, err := s.platform.RevokeSessionTokens(ctx, q, u)
		if err != nil {
			return 0, err
		}
		return n, q.ForgetIdempotencyRecords(ctx, platform.SessionTokensPath(u))
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, operationResult{Type: "session-token-revocation", Href: platform.SessionTokensPath(u),
		Properties: sessionTokenRevocationProps{UserID: platform.PublicUserID(u.ID), OrganizationID: u.OrganizationID, Revoked: n}})
	return nil
}

// ---- the purge ----

// purgeBatch is how many expired tokens one transaction of the purge
// deletes, so that a large backlog does not hold the store's write turn for
// long.
const purgeBatch = 500

// purgeExpiredSessionTokens deletes the session tokens that have expired,
// with the idempotency records of their creates: a retry of such a create
// then opens a new token instead of replaying one that no longer works. It
// runs with the purge of idempotency records (purgeEvery); an expired token
// authenticates nothing even before it is deleted.
func (s *Server) purgeExpiredSessionTokens(ctx context.Context) error {
	now := s.platform.Now()
	for {
		n, err := store.Tx(ctx, s.store, func(q store.Queries) (int, error) {
			expired, err := q.ListExpiredSessionTokens(ctx, now, purgeBatch)
			if err != nil {
				return 0, err
			}
			users := map[string]store.User{}
			for _, t := range expired {
				u, seen := users[t.UserID]
				if !seen {
					// The user exists: deleting it deletes its tokens.
					if u, err = q.GetUser(ctx, t.UserID); err != nil {
						return 0, fmt.Errorf("get the user of session token %s: %w", t.ID, err)
					}
					users[t.UserID] = u
				}
				if err := q.ForgetIdempotencyRecords(ctx, platform.SessionTokensPath(u)+"/"+pathID(t.ID)); err != nil {
					return 0, err
				}
				if err := q.DeleteSessionToken(ctx, t.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
					return 0, err
				}
			}
			return len(expired), nil
		})
		if err != nil || n < purgeBatch {
			return err
		}
	}
}
