package server

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// caller is the authenticated user of a request, with the role bindings it
// holds at the time of the request. The credential is an access key or a
// session token of the user: both authenticate alike.
type caller struct {
	user store.User
	// credentialID names the credential: "pgc_<key id>" or "pgs_<token
	// id>". Each has a rate limit bucket of its own (ratelimit.go).
	credentialID string
	bindings     []store.RoleBinding
	// credential is the access key or session token the request came with.
	// It lives as long as the request, never in the store or a log: the
	// keys that seal the caller's idempotency records derive from it
	// (idempotency.go).
	credential []byte
}

// credentialKind is what the caller authenticated with: "access key" or
// "session token".
func (c *caller) credentialKind() string {
	if strings.HasPrefix(c.credentialID, "pgs_") {
		return platform.CredentialSessionToken
	}
	return platform.CredentialAccessKey
}

// actor is who the caller is to the platform (createdBy, lastModifiedBy).
func (c *caller) actor() platform.Actor { return platform.Actor(c.user.ID) }

// credential extracts the access key from one of the three accepted forms:
// Authorization: Bearer <key>, x-access-key: <key>, or HTTP Basic with the key
// as password (any username; a key given as the username with an empty
// password is accepted too, as some tools put it there).
func credential(r *http.Request) (string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		rest = strings.TrimSpace(rest)
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			return rest, nil
		case strings.EqualFold(scheme, "Basic"):
			raw, err := base64.StdEncoding.DecodeString(rest)
			if err != nil {
				return "", errUnauthenticated("the Basic credentials are not valid base64; send the access key as the password")
			}
			user, pass, _ := strings.Cut(string(raw), ":")
			if pass == "" {
				pass = user
			}
			return pass, nil
		default:
			return "", errUnauthenticated("unsupported Authorization scheme; send Authorization: Bearer <access key>")
		}
	}
	if k := r.Header.Get("X-Access-Key"); k != "" {
		return strings.TrimSpace(k), nil
	}
	return "", errUnauthenticated("missing credentials: send an access key as Authorization: Bearer <key>, as the x-access-key header, or as the Basic auth password")
}

// dummyHash keeps the work done for an unknown key id the same as for a known
// one, so response timing does not reveal which key ids exist.
var dummyHash = platform.HashSecret("")

// authenticate resolves the request's access key or session token to its
// user. Every failure is 401; the messages never repeat the credential.
func (s *Server) authenticate(r *http.Request) (*caller, error) {
	text, err := credential(r)
	if err != nil {
		return nil, err
	}
	kind, id, secret, ok := platform.ParseCredential(text)
	switch {
	case !ok && kind == platform.CredentialSessionToken:
		return nil, errUnauthenticated("the session token is not a valid pgcloud session token (wrong format or checksum); check that it was copied completely")
	case !ok:
		return nil, errUnauthenticated("the access key is not a valid pgcloud access key (wrong format or checksum); check that it was copied completely")
	}
	ctx := r.Context()
	var user store.User
	if kind == platform.CredentialSessionToken {
		user, err = s.sessionTokenUser(ctx, id, secret)
	} else {
		user, err = s.accessKeyUser(ctx, id, secret)
	}
	if err != nil {
		return nil, err
	}
	bindings, err := s.store.ListRoleBindingsByUser(ctx, user.ID)
	if err != nil {
		return nil, fmt.Errorf("look up role bindings: %w", err)
	}
	return &caller{user: user, credentialID: text[:4] + id, bindings: bindings, credential: []byte(text)}, nil
}

// accessKeyUser checks the secret of access key id and returns its user.
// A key goes with its user (ON DELETE CASCADE), so a key whose user was
// deleted is unknown like any deleted key.
func (s *Server) accessKeyUser(ctx context.Context, id, secret string) (store.User, error) {
	key, user, err := s.store.GetAccessKeyWithUser(ctx, id)
	if err := checkSecret(secret, key.SecretHash, err, platform.CredentialAccessKey); err != nil {
		return store.User{}, err
	}
	now := s.platform.Now()
	if platform.KeyExpired(key, now) {
		return store.User{}, errUnauthenticated("the access key expired at %s; create a new access key", timestamp(key.ExpiresAt))
	}
	if platform.KeyLapsed(key, now) {
		return store.User{}, errUnauthenticated("the access key is unknown or was deleted; create a new access key")
	}
	if platform.KeyUnconfirmed(key, now) {
		return store.User{}, errUnauthenticated("the access key was created with requireConfirmation and is not confirmed yet: "+
			"its creator confirms it (POST .../access-keys/%s/confirm) before it works; unconfirmed, it is deleted at %s",
			id, timestamp(key.ConfirmBy))
	}
	return user, nil
}

// sessionTokenUser checks the secret of session token id and returns its
// user. An expired token the purge has not deleted yet is refused like one
// it has.
func (s *Server) sessionTokenUser(ctx context.Context, id, secret string) (store.User, error) {
	tok, user, err := s.store.GetSessionTokenWithUser(ctx, id)
	if err := checkSecret(secret, tok.SecretHash, err, platform.CredentialSessionToken); err != nil {
		return store.User{}, err
	}
	if platform.SessionTokenExpired(tok, s.platform.Now()) {
		return store.User{}, errUnauthenticated("the session token expired at %s; open a new session token", timestamp(tok.ExpiresAt))
	}
	return user, nil
}

// checkSecret compares secret with stored, the hash of the credential found
// by the lookup that returned lookupErr; kind names the credential for the
// 401. An unknown id costs the same work as a known one.
func checkSecret(secret string, stored []byte, lookupErr error, kind string) error {
	if errors.Is(lookupErr, store.ErrNotFound) {
		stored = dummyHash
	} else if lookupErr != nil {
		return fmt.Errorf("look up %s: %w", kind, lookupErr)
	}
	if subtle.ConstantTimeCompare(platform.HashSecret(secret), stored) != 1 || lookupErr != nil {
		if kind == platform.CredentialSessionToken {
			return errUnauthenticated("the session token is unknown, was closed or expired; open a new session token")
		}
		return errUnauthenticated("the access key is unknown or was deleted; create a new access key")
	}
	return nil
}
