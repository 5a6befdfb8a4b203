package server

import (
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
// holds at the time of the request.
type caller struct {
	user     store.User
	keyID    string
	bindings []store.RoleBinding
	// credential is the access key the request came with. It lives as long
	// as the request, never in the store or a log: the keys that seal the
	// caller's idempotency records derive from it (idempotency.go).
	credential []byte
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

// authenticate resolves the request's access key to its user. Every failure
// is 401; the messages never repeat the key.
func (s *Server) authenticate(r *http.Request) (*caller, error) {
	text, err := credential(r)
	if err != nil {
		return nil, err
	}
	id, secret, ok := platform.ParseAccessKey(text)
	if !ok {
		return nil, errUnauthenticated("the access key is not a valid pgcloud access key (wrong format or checksum); check that it was copied completely")
	}
	ctx := r.Context()
	key, err := s.store.GetAccessKey(ctx, id)
	stored := key.SecretHash
	if errors.Is(err, store.ErrNotFound) {
		stored = dummyHash
	} else if err != nil {
		return nil, fmt.Errorf("look up access key: %w", err)
	}
	if subtle.ConstantTimeCompare(platform.HashSecret(secret), stored) != 1 || err != nil {
		return nil, errUnauthenticated("the access key is unknown or was deleted; create a new access key")
	}
	if platform.KeyExpired(key, s.platform.Now()) {
		return nil, errUnauthenticated("the access key expired at %s; create a new access key", timestamp(key.ExpiresAt))
	}
	user, err := s.store.GetUser(ctx, key.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthenticated("the access key's user was deleted; use another access key")
	} else if err != nil {
		return nil, fmt.Errorf("look up user: %w", err)
	}
	bindings, err := s.store.ListRoleBindingsByUser(ctx, user.ID)
	if err != nil {
		return nil, fmt.Errorf("look up role bindings: %w", err)
	}
	return &caller{user: user, keyID: id, bindings: bindings, credential: []byte(text)}, nil
}
