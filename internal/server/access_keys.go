package server

import (
	"context"
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Access keys through the API: an org_owner manages the keys of the
// organization's machine users (an org_admin reads them); nobody manages a
// person's keys but the person, under /users/me/access-keys (authz.go). The
// secret is in the create response only (and in its idempotent replay);
// reads show maskedKey and state, computed with the server clock.

const (
	keyStateActive      = "active"
	keyStateExpired     = "expired"
	keyStateUnconfirmed = "unconfirmed" // created with requireConfirmation, not confirmed yet
)

type accessKeyProps struct {
	ID             string `json:"id,omitempty"` // only inside a machine-user create response
	UserID         string `json:"userId"`
	OrganizationID string `json:"organizationId"`
	Name           string `json:"name"`
	ExpiresAt      string `json:"expiresAt"`
	MaskedKey      string `json:"maskedKey"`
	State          string `json:"state"`
	// ConfirmBy: when an unconfirmed key is deleted unless confirmed.
	ConfirmBy string `json:"confirmBy,omitempty"`
	Secret    string `json:"secret,omitempty"` // only in a create response
}

func (s *Server) accessKeyProps(k store.AccessKey, orgID string) accessKeyProps {
	now := s.platform.Now()
	p := accessKeyProps{UserID: platform.PublicUserID(k.UserID), OrganizationID: orgID, Name: k.Name, ExpiresAt: timestamp(k.ExpiresAt),
		MaskedKey: platform.MaskedKey(k), State: keyStateActive}
	switch {
	case platform.KeyExpired(k, now):
		p.State = keyStateExpired
	case platform.KeyUnconfirmed(k, now):
		p.State, p.ConfirmBy = keyStateUnconfirmed, timestamp(k.ConfirmBy)
	}
	return p
}

// accessKeyEnvelope: base is the href of the key's collection.
func (s *Server) accessKeyEnvelope(k store.AccessKey, orgID, base string) envelope {
	return envelope{Type: "access-key", ID: k.ID, Href: base + "/" + pathID(k.ID), Metadata: metadata(k.Meta, orgID),
		Properties: s.accessKeyProps(k, orgID)}
}

// ---- request body ----

var (
	accessKeyCreateFields = []string{"name", "expiresInDays"}
	// the fields of a key create's own body
	accessKeyCreateBodyFields = append(accessKeyCreateFields[:len(accessKeyCreateFields):len(accessKeyCreateFields)], "requireConfirmation")
)

// readAccessKeyCreate reads an access key create from o, a whole body or a
// machine user's accessKey member.
func readAccessKeyCreate(o *jsonObject) platform.AccessKeyCreate {
	return platform.AccessKeyCreate{Name: o.str("name"), ExpiresInDays: o.number("expiresInDays")}
}

// parseAccessKeyCreate reads the body of a key create. requireConfirmation
// is a member of that body only: the initial key of a machine user is
// delivered with the machine user, whose create has no confirmation.
func parseAccessKeyCreate(body []byte) (platform.AccessKeyCreate, error) {
	return decodeInput(body, accessKeyCreateBodyFields, nil,
		func(o *jsonObject, _ *platform.Violations) platform.AccessKeyCreate {
			in := readAccessKeyCreate(o)
			in.RequireConfirmation = o.boolean("requireConfirmation")
			return in
		})
}

// ---- answers ----

// writeKeyList lists the keys of user u under the collection href base.
func (s *Server) writeKeyList(w http.ResponseWriter, r *http.Request, u store.User, base string) error {
	envelopeOf := func(k store.AccessKey) envelope { return s.accessKeyEnvelope(k, u.OrganizationID, base) }
	return writeList(w, r, base, envelopeOf, func(p store.Page, _ *listQuery) ([]store.AccessKey, int, error) {
		return s.store.ListAccessKeys(r.Context(), store.AccessKeyFilter{UserID: u.ID, LiveAt: s.platform.Now()}, p)
	})
}

func (s *Server) writeKey(w http.ResponseWriter, r *http.Request, u store.User, base string) error {
	k, err := s.platform.AccessKeyOf(r.Context(), s.store, u, r.PathValue("key"))
	return writeFound(w, func(k store.AccessKey) envelope { return s.accessKeyEnvelope(k, u.OrganizationID, base) }, k, err)
}

// createKey creates a key with issue, for a user of organization orgID,
// under the collection href base. Its answer is the only one with the
// secret.
func (s *Server) createKey(w http.ResponseWriter, r *http.Request, c *caller, orgID, base string,
	issue func(ctx context.Context, q store.Queries, in platform.AccessKeyCreate) (platform.IssuedKey, error)) error {
	return create(s, w, r, c, parseAccessKeyCreate, func(ctx context.Context, q store.Queries, in platform.AccessKeyCreate) (envelope, error) {
		k, err := issue(ctx, q, in)
		if err != nil {
			return envelope{}, err
		}
		env := s.accessKeyEnvelope(k.AccessKey, orgID, base)
		props := env.Properties.(accessKeyProps)
		props.Secret = k.Text
		env.Properties = props
		return env, nil
	})
}

// confirmKey confirms that the creator of a key of user u, whose collection
// href is base, received its secret (platform.ConfirmAccessKey).
func (s *Server) confirmKey(w http.ResponseWriter, r *http.Request, c *caller, u store.User, base string) error {
	ctx := r.Context()
	k, err := store.Tx(ctx, s.store, func(q store.Queries) (store.AccessKey, error) {
		return s.platform.ConfirmAccessKey(ctx, q, c.actor(), u, r.PathValue("key"))
	})
	return writeFound(w, func(k store.AccessKey) envelope { return s.accessKeyEnvelope(k, u.OrganizationID, base) }, k, err)
}

// deleteKey deletes a key of user u, whose collection href is base; a retry
// of the key's create then makes a new key rather than replay the deleted
// one's secret.
func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request, u store.User, base string) error {
	ctx := r.Context()
	id := r.PathValue("key")
	return writeDeleted(w, s.store.InTx(ctx, func(q store.Queries) error {
		if err := s.platform.DeleteAccessKey(ctx, q, u, id); err != nil {
			return err
		}
		return q.ForgetIdempotencyRecords(ctx, base+"/"+pathID(id))
	}))
}

// ---- keys of machine users ----

func (s *Server) listMachineUserKeys(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := s.keyOwner(r.Context(), s.store, c, r, false)
	if err != nil {
		return err
	}
	return s.writeKeyList(w, r, u, platform.MachineUserKeysPath(u))
}

func (s *Server) getMachineUserKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := s.keyOwner(r.Context(), s.store, c, r, false)
	if err != nil {
		return err
	}
	return s.writeKey(w, r, u, platform.MachineUserKeysPath(u))
}

func (s *Server) createMachineUserKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	// Authorization first (a 403 or 404 must not depend on the body), then
	// the body, then the writes in one transaction with the idempotency
	// record, where the owner is looked up again.
	u, err := s.keyOwner(r.Context(), s.store, c, r, true)
	if err != nil {
		return err
	}
	return s.createKey(w, r, c, u.OrganizationID, platform.MachineUserKeysPath(u),
		func(ctx context.Context, q store.Queries, in platform.AccessKeyCreate) (platform.IssuedKey, error) {
			u, err := s.keyOwner(ctx, q, c, r, true)
			if err != nil {
				return platform.IssuedKey{}, err
			}
			return s.platform.CreateAccessKey(ctx, q, c.actor(), u, in)
		})
}

func (s *Server) confirmMachineUserKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := s.keyOwner(r.Context(), s.store, c, r, true)
	if err != nil {
		return err
	}
	return s.confirmKey(w, r, c, u, platform.MachineUserKeysPath(u))
}

func (s *Server) deleteMachineUserKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := s.keyOwner(r.Context(), s.store, c, r, true)
	if err != nil {
		return err
	}
	return s.deleteKey(w, r, u, platform.MachineUserKeysPath(u))
}

// ---- a person's own keys ----

func (s *Server) listMyKeys(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := requirePerson(c); err != nil {
		return err
	}
	return s.writeKeyList(w, r, c.user, platform.OwnKeysPath)
}

func (s *Server) getMyKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := requirePerson(c); err != nil {
		return err
	}
	return s.writeKey(w, r, c.user, platform.OwnKeysPath)
}

func (s *Server) createMyKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := requirePerson(c); err != nil {
		return err
	}
	return s.createKey(w, r, c, c.user.OrganizationID, platform.OwnKeysPath,
		func(ctx context.Context, q store.Queries, in platform.AccessKeyCreate) (platform.IssuedKey, error) {
			return s.platform.CreateOwnAccessKey(ctx, q, c.user, in)
		})
}

func (s *Server) confirmMyKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := requirePerson(c); err != nil {
		return err
	}
	return s.confirmKey(w, r, c, c.user, platform.OwnKeysPath)
}

func (s *Server) deleteMyKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := requirePerson(c); err != nil {
		return err
	}
	return s.deleteKey(w, r, c.user, platform.OwnKeysPath)
}

// purgeLapsedAccessKeys deletes the unconfirmed keys whose lease ran out,
// in batches.
func (s *Server) purgeLapsedAccessKeys(ctx context.Context) error {
	for {
		n, err := store.Tx(ctx, s.store, func(q store.Queries) (int, error) {
			return s.platform.PurgeLapsedAccessKeys(ctx, q, purgeBatch)
		})
		if err != nil || n < purgeBatch {
			return err
		}
	}
}
