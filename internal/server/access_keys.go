package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Access keys through the API:
//   - an org_owner manages the keys of the organization's machine users
//     (an org_admin reads them); nobody manages a person's keys but the
//     person, under /users/me/access-keys;
//   - the secret is in the create response only (and in its idempotent
//     replay); reads show maskedKey and state, computed with the server clock;
//   - quotas: maxMachineUserKeys keys per machine user (all of its keys,
//     expired ones included, until deleted), maxSelfServiceKeys keys a person
//     made for itself (operator-issued keys do not count).

const (
	maxMachineUserKeys = 2
	maxSelfServiceKeys = 1
	maxKeyDays         = 365
	keySuffixLen       = 4

	keyStateActive  = "active"
	keyStateExpired = "expired"
)

// keySuffix is what a masked key shows of the key text: its last characters
// (part of the checksum, not of the secret).
func keySuffix(text string) string { return text[len(text)-keySuffixLen:] }

func maskedKey(k store.AccessKey) string {
	return keyPrefix + "_" + k.ID + "_…" + k.Suffix
}

type accessKeyProps struct {
	ID             string `json:"id,omitempty"` // only inside a machine-user create response
	UserID         string `json:"userId"`
	OrganizationID string `json:"organizationId"`
	Name           string `json:"name"`
	ExpiresAt      string `json:"expiresAt"`
	MaskedKey      string `json:"maskedKey"`
	State          string `json:"state"`
	Secret         string `json:"secret,omitempty"` // only in a create response
}

func (s *Server) accessKeyProps(k store.AccessKey, orgID string) accessKeyProps {
	state := keyStateActive
	if !s.now().Before(k.ExpiresAt) {
		state = keyStateExpired
	}
	return accessKeyProps{UserID: k.UserID, OrganizationID: orgID, Name: k.Name, ExpiresAt: timestamp(k.ExpiresAt),
		MaskedKey: maskedKey(k), State: state}
}

func machineUserKeysHref(orgID, userID string) string {
	return apiPrefix + "/organizations/" + pathID(orgID) + "/machine-users/" + pathID(userID) + "/access-keys"
}

const myKeysHref = apiPrefix + "/users/me/access-keys"

// accessKeyEnvelope: base is the href of the key's collection.
func (s *Server) accessKeyEnvelope(k store.AccessKey, orgID, base string) envelope {
	return envelope{Type: "access-key", ID: k.ID, Href: base + "/" + pathID(k.ID), Metadata: metadata(k.Meta, orgID),
		Properties: s.accessKeyProps(k, orgID)}
}

// ---- request body ----

var accessKeyCreateFields = []string{"name", "expiresInDays"}

type accessKeyCreate struct {
	Name          string
	ExpiresInDays int
}

// parseAccessKeyFields reads an access key create from o; prefix names the
// member o is in ("" for a whole body), so that messages name the field as
// the caller sent it.
func parseAccessKeyFields(o *jsonObject, v *validationErrors, prefix string) accessKeyCreate {
	field := func(name string) string {
		if prefix == "" {
			return name
		}
		return prefix + "." + name
	}
	var nested validationErrors
	o.rejectOthers(&nested, accessKeyCreateFields, nil)
	for _, m := range nested {
		v.add(field(m.Field), "%s", m.Message)
	}
	var in accessKeyCreate
	name, hasName := o.str("name")
	days, hasDays := o.number("expiresInDays")
	if len(o.badTypes) > 0 {
		return in // reported as a 400 by the caller
	}
	in.Name = name
	switch n := runeLen(name); {
	case !hasName:
		v.add(field("name"), "is required")
	case n == 0:
		v.add(field("name"), "must not be empty")
	case n > maxNameLen:
		v.add(field("name"), "must be at most %d characters, got %d", maxNameLen, n)
	}
	switch {
	case !hasDays:
		v.add(field("expiresInDays"), "is required (a whole number of days from 1 to %d)", maxKeyDays)
	case !wholeIn(days, 1, maxKeyDays):
		v.add(field("expiresInDays"), "must be a whole number of days from 1 to %d, got %v", maxKeyDays, days)
	default:
		in.ExpiresInDays = int(days)
	}
	return in
}

func parseAccessKeyCreate(body []byte) (accessKeyCreate, *apiError) {
	o, e := decodeObject(body)
	if e != nil {
		return accessKeyCreate{}, e
	}
	var v validationErrors
	in := parseAccessKeyFields(o, &v, "")
	if e := o.typeErr(); e != nil {
		return accessKeyCreate{}, e
	}
	return in, v.err()
}

// ---- the rules shared by every way of creating a key ----

// newKeyFor creates a key for u inside the transaction q, checking the name
// and the quota that applies; it returns the stored key and its text.
func (s *Server) newKeyFor(ctx context.Context, q store.Queries, c *caller, u store.User, in accessKeyCreate,
	selfService bool) (store.AccessKey, string, *apiError) {
	all, total, err := q.ListAccessKeys(ctx, store.AccessKeyFilter{UserID: u.ID}, store.Page{Limit: maxLimit})
	if err != nil {
		return store.AccessKey{}, "", s.internal(ctx, "list access keys", err)
	}
	selfMade := 0
	for _, k := range all {
		if k.Name == in.Name {
			return store.AccessKey{}, "", fieldError(http.StatusConflict, codeAlreadyExists, "name",
				"user %q already has an access key named %q; choose another name", u.Username, in.Name)
		}
		if k.SelfService {
			selfMade++
		}
	}
	switch {
	case selfService && selfMade >= maxSelfServiceKeys:
		return store.AccessKey{}, "", newError(http.StatusConflict, codeQuotaExceeded,
			"you already have %d access key created under %s, the most a person may create there; "+
				"delete it (DELETE %s/{key}) before creating another", selfMade, myKeysHref, myKeysHref)
	case u.Type == store.UserTypeMachine && total >= maxMachineUserKeys:
		return store.AccessKey{}, "", newError(http.StatusConflict, codeQuotaExceeded,
			"machine user %q already has %d access keys, the most a machine user may have; delete a key first "+
				"(DELETE %s/{key}) — to rotate, create the new key while the old one still works, switch to it, "+
				"then delete the old one", u.Username, total, machineUserKeysHref(u.OrganizationID, u.ID))
	}
	text, id, hash := newAccessKey()
	now := s.now()
	k := store.AccessKey{ID: id, UserID: u.ID, Name: in.Name, SecretHash: hash, Suffix: keySuffix(text),
		SelfService: selfService, ExpiresAt: now.AddDate(0, 0, in.ExpiresInDays), Meta: store.NewMeta(now, c.user.ID)}
	if err := q.CreateAccessKey(ctx, k); errors.Is(err, store.ErrConflict) {
		return store.AccessKey{}, "", fieldError(http.StatusConflict, codeAlreadyExists, "name",
			"user %q already has an access key named %q; choose another name", u.Username, in.Name)
	} else if err != nil {
		return store.AccessKey{}, "", s.internal(ctx, "create access key", err)
	}
	return k, text, nil
}

func accessKeyNotFound(id string) *apiError {
	return errNotFound("access key %q not found", id)
}

// keyOf loads the key id of user u; keys of other users are 404.
func (s *Server) keyOf(ctx context.Context, q store.Queries, u store.User, id string) (store.AccessKey, *apiError) {
	k, err := q.GetAccessKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && k.UserID != u.ID) {
		return store.AccessKey{}, accessKeyNotFound(id)
	} else if err != nil {
		return store.AccessKey{}, s.internal(ctx, "get access key", err)
	}
	return k, nil
}

// deleteKeyOf deletes the key id of user u. From the commit on, the key
// authenticates nothing: every request looks its key up in the store.
func (s *Server) deleteKeyOf(ctx context.Context, u store.User, id string) *apiError {
	var failure *apiError
	err := s.store.InTx(ctx, func(q store.Queries) error {
		if _, failure = s.keyOf(ctx, q, u, id); failure != nil {
			return errRollback
		}
		return q.DeleteAccessKey(ctx, id)
	})
	switch {
	case failure != nil:
		return failure
	case errors.Is(err, store.ErrNotFound):
		return accessKeyNotFound(id) // deleted by a concurrent request
	case err != nil:
		return s.internal(ctx, "delete access key", err)
	}
	return nil
}

func (s *Server) writeKeyList(w http.ResponseWriter, r *http.Request, u store.User, base string) *apiError {
	p, e := parsePage(r)
	if e != nil {
		return e
	}
	items, total, err := s.store.ListAccessKeys(r.Context(), store.AccessKeyFilter{UserID: u.ID}, p)
	if err != nil {
		return s.internal(r.Context(), "list access keys", err)
	}
	out := make([]envelope, len(items))
	for i, k := range items {
		out[i] = s.accessKeyEnvelope(k, u.OrganizationID, base)
	}
	writeJSON(w, http.StatusOK, newCollection(base, nil, p, total, out))
	return nil
}

// createKeyAnswer is the 201 of a key create: the only answer with the secret.
func (s *Server) createKeyAnswer(k store.AccessKey, text, orgID, base string) created {
	env := s.accessKeyEnvelope(k, orgID, base)
	props := env.Properties.(accessKeyProps)
	props.Secret = text
	env.Properties = props
	return created{status: http.StatusCreated, location: env.Href, body: env}
}

// ---- keys of machine users ----

// keyOwner checks that the caller may read (or, with write, change) the keys
// of the user in the path, and loads that machine user. The order of the
// checks: another organization is 404; then the caller's role (403); then
// the user: unknown is 404, a person is 403 (people's keys are
// self-service).
func (s *Server) keyOwner(ctx context.Context, q store.Queries, c *caller, r *http.Request, write bool) (store.User, *apiError) {
	org, e := s.callerOrg(ctx, c, r.PathValue("org"))
	if e != nil {
		return store.User{}, e
	}
	if write {
		e = requireOrgOwner(c, org, "managing the access keys of machine users")
	} else {
		e = requireOrgRoleAny(c, org, "reading the access keys of machine users", roleOrgOwner, roleOrgAdmin)
	}
	if e != nil {
		return store.User{}, e
	}
	id := r.PathValue("user")
	u, err := q.GetUser(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && u.OrganizationID != org.ID):
		return store.User{}, machineUserNotFound(id)
	case err != nil:
		return store.User{}, s.internal(ctx, "get user", err)
	case u.Type != store.UserTypeMachine:
		return store.User{}, errForbidden("user %q is a person: access keys of people are self-service: "+
			"a person manages their own keys under %s", id, myKeysHref)
	}
	return u, nil
}

func (s *Server) listMachineUserKeys(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	u, e := s.keyOwner(r.Context(), s.store, c, r, false)
	if e != nil {
		return e
	}
	return s.writeKeyList(w, r, u, machineUserKeysHref(u.OrganizationID, u.ID))
}

func (s *Server) getMachineUserKey(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	ctx := r.Context()
	u, e := s.keyOwner(ctx, s.store, c, r, false)
	if e != nil {
		return e
	}
	k, e := s.keyOf(ctx, s.store, u, r.PathValue("key"))
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, s.accessKeyEnvelope(k, u.OrganizationID, machineUserKeysHref(u.OrganizationID, u.ID)))
	return nil
}

func (s *Server) createMachineUserKey(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	// Authorization first (a 403 or 404 must not depend on the body), then
	// the body, then the writes in one transaction with the idempotency record.
	if _, e := s.keyOwner(r.Context(), s.store, c, r, true); e != nil {
		return e
	}
	body, e := readBody(r)
	if e != nil {
		return e
	}
	in, e := parseAccessKeyCreate(body)
	if e != nil {
		return e
	}
	return s.create(w, r, c, body, func(ctx context.Context, q store.Queries) (created, *apiError) {
		u, e := s.keyOwner(ctx, q, c, r, true)
		if e != nil {
			return created{}, e
		}
		k, text, e := s.newKeyFor(ctx, q, c, u, in, false)
		if e != nil {
			return created{}, e
		}
		return s.createKeyAnswer(k, text, u.OrganizationID, machineUserKeysHref(u.OrganizationID, u.ID)), nil
	})
}

func (s *Server) deleteMachineUserKey(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	ctx := r.Context()
	u, e := s.keyOwner(ctx, s.store, c, r, true)
	if e != nil {
		return e
	}
	if e := s.deleteKeyOf(ctx, u, r.PathValue("key")); e != nil {
		return e
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- a person's own keys ----

func requirePerson(c *caller) *apiError {
	if c.user.Type == store.UserTypePerson {
		return nil
	}
	return errForbidden("%s is for people's own keys; the keys of a machine user are managed by an organization owner "+
		"under %s", myKeysHref, machineUserKeysHref(c.user.OrganizationID, c.user.ID))
}

func (s *Server) listMyKeys(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	if e := requirePerson(c); e != nil {
		return e
	}
	return s.writeKeyList(w, r, c.user, myKeysHref)
}

func (s *Server) getMyKey(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	if e := requirePerson(c); e != nil {
		return e
	}
	k, e := s.keyOf(r.Context(), s.store, c.user, r.PathValue("key"))
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, s.accessKeyEnvelope(k, c.user.OrganizationID, myKeysHref))
	return nil
}

func (s *Server) createMyKey(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	if e := requirePerson(c); e != nil {
		return e
	}
	body, e := readBody(r)
	if e != nil {
		return e
	}
	in, e := parseAccessKeyCreate(body)
	if e != nil {
		return e
	}
	return s.create(w, r, c, body, func(ctx context.Context, q store.Queries) (created, *apiError) {
		k, text, e := s.newKeyFor(ctx, q, c, c.user, in, true)
		if e != nil {
			return created{}, e
		}
		return s.createKeyAnswer(k, text, c.user.OrganizationID, myKeysHref), nil
	})
}

func (s *Server) deleteMyKey(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	if e := requirePerson(c); e != nil {
		return e
	}
	if e := s.deleteKeyOf(r.Context(), c.user, r.PathValue("key")); e != nil {
		return e
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
