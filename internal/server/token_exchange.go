package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// The token exchange (RFC 8693 in shape): a job holding an OIDC ID token of
// an issuer that a federated credential trusts trades it for a session
// token of that credential's machine user, and holds no secret of its own.
// The route is public (the ID token is the credential); what it checks, in
// order, each refusal a 401 that names the check:
//
//  1. the token is a JWS signed with an asymmetric algorithm (alg none and
//     the HMAC algorithms are refused before anything else: an HS256 token
//     "signed" with an issuer's public key proves nothing);
//  2. its iss is trusted by some federated credential (only then is the
//     issuer contacted: a token cannot make the server fetch from a URL no
//     credential names);
//  3. the signature, by go-oidc against the keys the issuer publishes
//     (discovery through /.well-known/openid-configuration; keys cached,
//     fetched again when a token names an unknown kid), and iss equal to
//     the discovered issuer;
//  4. exp, nbf and iat, with exchangeSkew of clock skew;
//  5. among the credentials that trust the issuer (of the machine user the
//     optional machine_user_id names): the audience, then the subject
//     pattern, then the required claims.
//
// A caller learns which check failed but nothing about machine users it
// does not hold a matching token for: the answers before step 5 do not
// depend on them, and a machine_user_id that names no machine user gets
// the answer of one that has no credential for the issuer.
//
// The answer: access_token (a pgs_ session token, platform/session_tokens.go:
// it authenticates as an access key of the machine user would, counts
// against no key quota and is stored as a hash only), issued_token_type,
// token_type Bearer and expires_in. Each exchange is logged (machine user,
// credential, sub, jti), the tokens never.

const (
	grantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeIDToken       = "urn:ietf:params:oauth:token-type:id_token"
	tokenTypeJWT           = "urn:ietf:params:oauth:token-type:jwt"
	tokenTypeAccessToken   = "urn:ietf:params:oauth:token-type:access_token"

	// exchangeSkew is the clock skew allowed between the issuer and the
	// server on exp, nbf and iat.
	exchangeSkew = time.Minute
	// discoveryTTL is how long an issuer's discovery document is trusted
	// before it is fetched again (its keys are fetched again sooner, for
	// every unknown kid).
	discoveryTTL = time.Hour
)

// exchangeAlgorithms are the signature algorithms an ID token may use: the
// asymmetric ones of JWA. Never none, never HMAC.
var exchangeAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512,
	jose.PS256, jose.PS384, jose.PS512, jose.EdDSA}

func algorithmNames() []string {
	out := make([]string, len(exchangeAlgorithms))
	for i, a := range exchangeAlgorithms {
		out[i] = string(a)
	}
	return out
}

// oidcVerifiers caches a go-oidc verifier per issuer: the discovery
// document for discoveryTTL, the keys in go-oidc's RemoteKeySet.
type oidcVerifiers struct {
	mu     sync.Mutex
	byIss  map[string]cachedVerifier
	client *http.Client
}

type cachedVerifier struct {
	v  *oidc.IDTokenVerifier
	at time.Time
}

func newOIDCVerifiers() *oidcVerifiers {
	return &oidcVerifiers{byIss: map[string]cachedVerifier{}, client: &http.Client{Timeout: 10 * time.Second}}
}

// verifier returns the verifier of issuer, discovering it when it is not
// cached. It checks the signature and iss only: the exchange checks the
// times itself, with the server's clock.
func (o *oidcVerifiers) verifier(ctx context.Context, issuer string) (*oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	c, ok := o.byIss[issuer]
	o.mu.Unlock()
	if ok && time.Since(c.at) < discoveryTTL {
		return c.v, nil
	}
	// The keys are fetched later, outside any one request: with a context
	// of their own that only carries the HTTP client.
	keysCtx := oidc.ClientContext(context.Background(), o.client)
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, o.client), issuer)
	if err != nil {
		return nil, err
	}
	algs := algorithmNames()
	v := p.VerifierContext(keysCtx, &oidc.Config{SkipClientIDCheck: true, SkipExpiryCheck: true, SupportedSigningAlgs: algs})
	o.mu.Lock()
	o.byIss[issuer] = cachedVerifier{v: v, at: time.Now()}
	o.mu.Unlock()
	return v, nil
}

// exchangeRequest is the body of a token exchange.
type exchangeRequest struct {
	grantType, subjectToken, subjectTokenType, machineUserID string
}

// readExchangeRequest reads the body: application/x-www-form-urlencoded as
// RFC 8693 has it, or a JSON object with the same member names.
func readExchangeRequest(r *http.Request) (exchangeRequest, error) {
	body, err := readBody(r)
	if err != nil {
		return exchangeRequest{}, err
	}
	fields := []string{"grant_type", "subject_token", "subject_token_type", "machine_user_id"}
	values := map[string]string{}
	var v platform.Violations
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return exchangeRequest{}, errBadRequest("the form body could not be parsed: %v", err)
		}
		for name, vs := range form {
			switch {
			case !slices.Contains(fields, name):
				v.Add(name, "unknown field; allowed fields are %s", strings.Join(fields, ", "))
			case len(vs) > 1:
				v.Add(name, "must be sent once")
			default:
				values[name] = vs[0]
			}
		}
	} else {
		o, err := decodeObject(body)
		if err != nil {
			return exchangeRequest{}, errBadRequest("the request body must be a form (application/x-www-form-urlencoded, as RFC 8693 has it) " +
				"or a JSON object")
		}
		o.rejectOthers(&v, "", fields, nil)
		for _, name := range fields {
			if s := o.str(name); s != nil {
				values[name] = *s
			}
		}
		if err := o.typeErr(); err != nil {
			return exchangeRequest{}, err
		}
	}
	in := exchangeRequest{grantType: values["grant_type"], subjectToken: values["subject_token"],
		subjectTokenType: values["subject_token_type"], machineUserID: values["machine_user_id"]}
	if _, sent := values["grant_type"]; sent && in.grantType != grantTypeTokenExchange {
		v.Add("grant_type", "must be %s", grantTypeTokenExchange)
	}
	if in.subjectToken == "" {
		v.Add("subject_token", "is required: the OIDC ID token your CI system gave the job")
	}
	if in.subjectTokenType != tokenTypeIDToken && in.subjectTokenType != tokenTypeJWT {
		v.Add("subject_token_type", "must be %s (or %s)", tokenTypeIDToken, tokenTypeJWT)
	}
	if _, sent := values["machine_user_id"]; sent && in.machineUserID == "" {
		v.Add("machine_user_id", "must not be empty (leave it out to let the token choose)")
	}
	return in, v.Err()
}

// exchangeAnswer is the 200 of a token exchange.
type exchangeAnswer struct {
	AccessToken     string `json:"access_token"`
	IssuedTokenType string `json:"issued_token_type"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int64  `json:"expires_in"`
	ExpiresAt       string `json:"expires_at"`
	MachineUserID   string `json:"machine_user_id"`
	OrganizationID  string `json:"organization_id"`
	SessionTokenID  string `json:"session_token_id"`
}

// refused is a 401 of the exchange; check names the check that failed, for
// the log.
type refused struct {
	check string
	err   *apiError
}

func (r *refused) Error() string { return r.err.Error() }

func refuse(check, format string, args ...any) *refused {
	return &refused{check: check, err: errUnauthenticated("the ID token was refused (%s): %s", check, fmt.Sprintf(format, args...))}
}

// tokenExchange is POST /api/v1/token-exchange.
func (s *Server) tokenExchange(w http.ResponseWriter, r *http.Request, _ *caller) error {
	if err := s.checkAuthFailures(r); err != nil {
		return err
	}
	in, err := readExchangeRequest(r)
	if err != nil {
		return err
	}
	out, err := s.exchange(r.Context(), in)
	var ref *refused
	if errors.As(err, &ref) {
		s.noteAuthFailure(r)
		s.log.Info("token exchange refused", "request_id", requestID(r.Context()), "check", ref.check)
		return ref.err
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, out)
	return nil
}

// tokenClaims are the claims the exchange reads beside go-oidc's.
type tokenClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  jwt.Audience     `json:"aud"`
	Expiry    *jwt.NumericDate `json:"exp"`
	NotBefore *jwt.NumericDate `json:"nbf"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	ID        string           `json:"jti"`
}

func (s *Server) exchange(ctx context.Context, in exchangeRequest) (exchangeAnswer, error) {
	// 1. The shape and the algorithm, before anything is looked up.
	tok, err := jwt.ParseSigned(in.subjectToken, exchangeAlgorithms)
	if err != nil {
		return exchangeAnswer{}, refuse("signature", "subject_token is not a JWT signed with an accepted algorithm (%s): %v",
			strings.Join(algorithmNames(), ", "), err)
	}
	var unverified tokenClaims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return exchangeAnswer{}, refuse("issuer", "the token has no iss claim, or its claims are not a JSON object")
	}
	iss := unverified.Issuer

	// 2. A credential trusts the issuer: only then is it contacted.
	trusting, _, err := s.store.ListFederatedCredentials(ctx, store.FederatedCredentialFilter{Issuer: iss},
		store.Page{Limit: 1 << 20})
	if err != nil {
		return exchangeAnswer{}, fmt.Errorf("list federated credentials: %w", err)
	}
	if len(trusting) == 0 {
		return exchangeAnswer{}, refuse("issuer unknown", "no federated credential trusts issuer %q; a machine user's federated "+
			"credential must name this issuer exactly as the token's iss has it", iss)
	}
	if problem := platform.IssuerSchemeProblem(iss, s.platform.AllowHTTPIssuers()); problem != "" {
		return exchangeAnswer{}, refuse("issuer unknown", "issuer %q %s", iss, problem)
	}

	// 3. The signature, against the issuer's published keys.
	v, err := s.oidc.verifier(ctx, iss)
	if err != nil {
		s.log.Warn("token exchange: issuer discovery failed", "issuer", iss, "error", err.Error())
		return exchangeAnswer{}, platform.Errorf(platform.Unavailable,
			"the keys of issuer %q could not be fetched (discovery at %s/.well-known/openid-configuration failed); retry later",
			iss, strings.TrimSuffix(iss, "/"))
	}
	idt, err := v.Verify(ctx, in.subjectToken)
	if err != nil {
		return exchangeAnswer{}, refuse("signature", "the token's signature does not verify with the keys issuer %q publishes: %v", iss, err)
	}
	var claims tokenClaims
	var all map[string]any
	if err := idt.Claims(&claims); err != nil {
		return exchangeAnswer{}, refuse("claims", "the token's claims could not be read: %v", err)
	}
	if err := idt.Claims(&all); err != nil {
		return exchangeAnswer{}, refuse("claims", "the token's claims could not be read: %v", err)
	}

	// 4. Its time.
	now := s.platform.Now()
	switch {
	case claims.Expiry == nil:
		return exchangeAnswer{}, refuse("expired", "the token has no exp claim: an ID token must expire")
	case now.After(claims.Expiry.Time().Add(exchangeSkew)):
		return exchangeAnswer{}, refuse("expired", "the token expired at %s (the server's time is %s); ask the issuer for a fresh token",
			timestamp(claims.Expiry.Time()), timestamp(now))
	case claims.NotBefore != nil && claims.NotBefore.Time().After(now.Add(exchangeSkew)):
		return exchangeAnswer{}, refuse("not yet valid", "the token is valid from %s (nbf) on; the server's time is %s",
			timestamp(claims.NotBefore.Time()), timestamp(now))
	case claims.IssuedAt != nil && claims.IssuedAt.Time().After(now.Add(exchangeSkew)):
		return exchangeAnswer{}, refuse("not yet valid", "the token was issued at %s (iat), after the server's time %s; check the clocks",
			timestamp(claims.IssuedAt.Time()), timestamp(now))
	}

	// 5. Audience, subject and claims, among the credentials of the
	// machine user asked for.
	if in.machineUserID != "" {
		trusting = slices.DeleteFunc(trusting, func(c store.FederatedCredential) bool {
			return platform.PublicUserID(c.UserID) != in.machineUserID && c.UserID != in.machineUserID
		})
		if len(trusting) == 0 {
			return exchangeAnswer{}, refuse("issuer unknown", "no federated credential of machine user %q trusts issuer %q",
				in.machineUserID, iss)
		}
	}
	matching := slices.DeleteFunc(slices.Clone(trusting), func(c store.FederatedCredential) bool {
		return !slices.Contains(claims.Audience, c.Audience)
	})
	if len(matching) == 0 {
		return exchangeAnswer{}, refuse("audience", "the token's aud %q is not the audience of a federated credential that trusts "+
			"issuer %q; ask the issuer for a token with the credential's audience", []string(claims.Audience), iss)
	}
	matching = slices.DeleteFunc(matching, func(c store.FederatedCredential) bool { return !platform.SubjectMatches(c.Subject, claims.Subject) })
	if len(matching) == 0 {
		return exchangeAnswer{}, refuse("subject", "the token's sub %q matches the subject of no federated credential that trusts "+
			"issuer %q with audience %q", claims.Subject, iss, []string(claims.Audience))
	}
	var claimProblem string
	matching = slices.DeleteFunc(matching, func(c store.FederatedCredential) bool {
		p := claimsProblem(c.Claims, all)
		if p != "" && claimProblem == "" {
			claimProblem = p
		}
		return p != ""
	})
	if len(matching) == 0 {
		return exchangeAnswer{}, refuse("claims", "the token's sub %q matches a federated credential, but %s", claims.Subject, claimProblem)
	}
	users := map[string]bool{}
	for _, c := range matching {
		users[c.UserID] = true
	}
	if len(users) > 1 {
		return exchangeAnswer{}, platform.FieldErrorf(platform.InvalidArgument, "machine_user_id",
			"the token matches federated credentials of %d machine users; send machine_user_id to say which one to act as", len(users))
	}
	chosen := matching[0]

	// The credential and its user are read again in the transaction that
	// opens the session token: one deleted meanwhile exchanges nothing.
	lifetime := s.cfg.ExchangeLifetime
	type issued struct {
		tok platform.IssuedSessionToken
		u   store.User
	}
	got, err := store.Tx(ctx, s.store, func(q store.Queries) (issued, error) {
		c, err := q.GetFederatedCredential(ctx, chosen.ID)
		if errors.Is(err, store.ErrNotFound) {
			return issued{}, refuse("credential deleted", "the federated credential the token matched was deleted meanwhile")
		} else if err != nil {
			return issued{}, fmt.Errorf("get federated credential: %w", err)
		}
		u, err := q.GetUser(ctx, c.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return issued{}, refuse("credential deleted", "the federated credential the token matched was deleted meanwhile")
		} else if err != nil {
			return issued{}, fmt.Errorf("get user: %w", err)
		}
		t, err := s.platform.ExchangeSessionToken(ctx, q, u, c, platform.ExchangeExpiry(now, claims.Expiry.Time(), lifetime, nil))
		return issued{tok: t, u: u}, err
	})
	if err != nil {
		return exchangeAnswer{}, err
	}
	s.log.Info("token exchange", "machine_user", platform.PublicUserID(got.u.ID), "organization", got.u.OrganizationID,
		"federated_credential", chosen.ID, "issuer", iss, "sub", claims.Subject, "jti", claims.ID,
		"session_token", got.tok.ID, "expires_at", timestamp(got.tok.ExpiresAt))
	return exchangeAnswer{AccessToken: got.tok.Text, IssuedTokenType: tokenTypeAccessToken, TokenType: "Bearer",
		ExpiresIn: int64(got.tok.ExpiresAt.Sub(now) / time.Second), ExpiresAt: timestamp(got.tok.ExpiresAt),
		MachineUserID: platform.PublicUserID(got.u.ID), OrganizationID: got.u.OrganizationID, SessionTokenID: got.tok.ID}, nil
}

// claimsProblem says which required claim the token's claims lack or carry
// with another value; "" when they carry them all. A claim that is a
// number or a boolean is compared as its JSON text.
func claimsProblem(required map[string]string, claims map[string]any) string {
	for _, name := range sortedClaimNames(required) {
		got, ok := claims[name]
		if !ok {
			return fmt.Sprintf("it lacks the claim %q the credential requires", name)
		}
		var text string
		switch g := got.(type) {
		case string:
			text = g
		case bool, float64, json.Number:
			raw, _ := json.Marshal(g)
			text = string(raw)
		default:
			return fmt.Sprintf("its claim %q is not a string, number or boolean", name)
		}
		if text != required[name] {
			return fmt.Sprintf("its claim %q is %q, not the value the credential requires", name, text)
		}
	}
	return ""
}

func sortedClaimNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
