// Package testoidc is a real OIDC issuer for tests: an HTTP server on
// loopback that serves the discovery document
// (/.well-known/openid-configuration) and the JSON Web Key Set of its
// signing keys, and signs ID tokens with go-jose. Its keys can be rotated
// while it runs. It is what a CI system (GitHub Actions, GitLab CI, ...)
// is to pgcloud-server's token exchange, with nothing of the verification
// replaced. It imports nothing of the project, so that every test package,
// the server's own included, can use it.
package testoidc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Key is a signing key of the issuer (or one it never published).
type Key struct {
	ID      string
	Private *rsa.PrivateKey
}

// Issuer is a running OIDC issuer. Its URL (http://127.0.0.1:<port>) is
// the iss of its tokens.
type Issuer struct {
	URL string
	// Now is the clock of iat, nbf and exp; the tests of a server with a
	// clock of its own set it to that clock.
	Now func() time.Time

	srv       *httptest.Server
	mu        sync.Mutex
	current   Key
	published []Key
	n         int
	// JWKSFetches counts the requests for the key set.
	JWKSFetches atomic.Int64
}

// New starts an issuer with one signing key; Close stops it.
func New() (*Issuer, error) {
	iss := &Issuer{Now: time.Now}
	k, err := iss.newKey()
	if err != nil {
		return nil, err
	}
	iss.current, iss.published = k, []Key{k}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{
			"issuer":                                iss.URL,
			"jwks_uri":                              iss.URL + "/keys",
			"authorization_endpoint":                iss.URL + "/authorize",
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"claims_supported":                      []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository", "environment"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) {
		iss.JWKSFetches.Add(1)
		iss.mu.Lock()
		set := jose.JSONWebKeySet{}
		for _, k := range iss.published {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Private.Public(), KeyID: k.ID, Algorithm: string(jose.RS256), Use: "sig"})
		}
		iss.mu.Unlock()
		writeJSON(w, set)
	})
	iss.srv = httptest.NewServer(mux)
	iss.URL = iss.srv.URL
	return iss, nil
}

// Close stops the issuer.
func (iss *Issuer) Close() { iss.srv.Close() }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (iss *Issuer) newKey() (Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return Key{}, err
	}
	iss.n++
	return Key{ID: fmt.Sprintf("key-%d", iss.n), Private: priv}, nil
}

// Rotate makes a new key the signing key and publishes it; with retire,
// the old key is no longer published.
func (iss *Issuer) Rotate(retire bool) error {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	k, err := iss.newKey()
	if err != nil {
		return err
	}
	if retire {
		iss.published = nil
	}
	iss.current = k
	iss.published = append(iss.published, k)
	return nil
}

// UnpublishedKey is a key the issuer never publishes: a token it signs has
// the right iss but no key of the issuer verifies it.
func (iss *Issuer) UnpublishedKey() (Key, error) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	return iss.newKey()
}

// Claims are the claims of a token; Token fills iss, iat, nbf and exp that
// are not set.
type Claims map[string]any

// Token signs claims with the current key, after filling iss (the issuer's
// URL), iat and nbf (now) and exp (in 5 minutes) where claims has none.
func (iss *Issuer) Token(claims Claims) (string, error) {
	iss.mu.Lock()
	k := iss.current
	iss.mu.Unlock()
	return iss.TokenWith(k, claims)
}

// TokenWith is Token signed with key k.
func (iss *Issuer) TokenWith(k Key, claims Claims) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.Private},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), k.ID))
	if err != nil {
		return "", err
	}
	return sign(signer, iss.fill(claims))
}

// HS256WithPublicKey is the classic confusion attack: a token "signed" with
// HMAC-SHA256 under the issuer's public key (as the bytes of its PKIX DER
// form), which a verifier that lets the token pick the algorithm would take
// for the issuer's signature.
func (iss *Issuer) HS256WithPublicKey(claims Claims) (string, error) {
	iss.mu.Lock()
	k := iss.current
	iss.mu.Unlock()
	der, err := x509.MarshalPKIXPublicKey(k.Private.Public())
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: der},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), k.ID))
	if err != nil {
		return "", err
	}
	return sign(signer, iss.fill(claims))
}

// Unsigned is a token with alg none and no signature, which go-jose will not
// make: its three parts are put together here.
func (iss *Issuer) Unsigned(claims Claims) (string, error) {
	payload, err := json.Marshal(iss.fill(claims))
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(payload) + ".", nil
}

func (iss *Issuer) fill(claims Claims) Claims {
	out := Claims{}
	now := iss.Now()
	out["iss"] = iss.URL
	out["iat"] = now.Unix()
	out["nbf"] = now.Unix()
	out["exp"] = now.Add(5 * time.Minute).Unix()
	for k, v := range claims {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

func sign(signer jose.Signer, claims Claims) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}
