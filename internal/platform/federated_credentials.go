package platform

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Federated credentials (workload identity federation): a machine user
// trusts the OIDC ID tokens an issuer (GitHub Actions, GitLab CI, HCP
// Terraform, a Kubernetes cluster, ...) hands a job, when the token's aud
// holds the credential's audience, its sub matches the credential's subject
// pattern and it carries each required claim with exactly the required
// value. Such a token is exchanged (POST /api/v1/token-exchange) for a
// session token of the machine user (session_tokens.go): a pipeline then
// holds no secret at all. The rules:
//   - at most MaxFederatedCredentials per machine user; people have none;
//   - the issuer is an https URL, exactly as the issuer writes it in its
//     tokens' iss (no query, fragment or user info); http is allowed only
//     for loopback issuers, and only on a server started with
//     --allow-http-issuers (tests, demos);
//   - the audience defaults to the server's (its --oidc-audience, else its URL);
//   - the subject is exact, or a pattern where * stands for any run of
//     characters (repo:acme/infra:ref:refs/heads/*); a pattern must keep
//     something literal: "*" alone would trust every token of the issuer;
//   - claims are claim names and the exact strings a token must carry.
const (
	MaxFederatedCredentials = 20
	MaxRequiredClaims       = 20
	maxIssuerLen            = 500
	maxAudienceLen          = 500
	maxSubjectLen           = 500
	maxClaimNameLen         = 100
	maxClaimValueLen        = 500
)

// reservedClaims are checked by the exchange itself, never by a claim rule.
var reservedClaims = []string{"iss", "aud", "sub", "exp", "nbf", "iat", "jti"}

var claimNameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.:\-]*$`)

// FederatedCredentialsPath is the API path of the federated credentials of
// machine user u.
func FederatedCredentialsPath(u store.User) string {
	return "/api/v1/organizations/" + url.PathEscape(u.OrganizationID) + "/machine-users/" + url.PathEscape(PublicUserID(u.ID)) +
		"/federated-credentials"
}

// FederatedCredentialCreate is the input of creating a federated
// credential. A nil field was left out by the caller.
type FederatedCredentialCreate struct {
	Name        *string
	Description *string
	Issuer      *string
	Audience    *string // nil: the server's default audience
	Subject     *string
	Claims      map[string]string
	// ClaimsNotStrings names the claims sent with a value that is not a
	// JSON string (the API's decoding fills it).
	ClaimsNotStrings []string
}

// Check adds the field rules the input breaks to v; whether an http issuer
// is allowed is the Service's to say (checkIssuerScheme).
func (in FederatedCredentialCreate) Check(v *Violations) {
	checkRequired(v, "name", in.Name, "is required", checkKeyName)
	checkOptional(v, "description", in.Description, checkDescription)
	checkRequired(v, "issuer", in.Issuer, "is required: the issuer's URL exactly as its tokens' iss claim has it, such as "+
		"https://token.actions.githubusercontent.com", checkIssuerSyntax)
	checkOptional(v, "audience", in.Audience, checkAudience)
	checkRequired(v, "subject", in.Subject, "is required: the sub claim to trust, exact or with * for any run of characters, such as "+
		"repo:acme/infra:ref:refs/heads/*", checkSubjectPattern)
	CheckClaims(v, "claims", in.Claims)
	for _, name := range in.ClaimsNotStrings {
		v.Add("claims."+name, "must be a JSON string: a required claim's value is compared as text")
	}
}

// checkIssuerSyntax: an absolute http(s) URL with a host and no user info,
// query or fragment.
func checkIssuerSyntax(v *Violations, field, s string) {
	if !checkLength(v, field, s, maxIssuerLen, "must not be empty") {
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		v.Add(field, "must be an absolute URL such as https://token.actions.githubusercontent.com, got %q", s)
	case u.Scheme != "https" && u.Scheme != "http":
		v.Add(field, "must be an https URL, got scheme %q", u.Scheme)
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#"):
		v.Add(field, "must have no user info, query or fragment: write it exactly as the issuer's tokens have it in iss")
	}
}

// IssuerSchemeProblem says why issuer may not be trusted by a server that
// allows http issuers (allowHTTP) or not; "" when it may. The syntax is
// checkIssuerSyntax's.
func IssuerSchemeProblem(issuer string, allowHTTP bool) string {
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme == "https" {
		return ""
	}
	if !allowHTTP {
		return "must be an https URL: a token's signature is only worth the channel its keys came over (an http issuer " +
			"is accepted only by a server started with --allow-http-issuers, for tests and demos)"
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "must be an https URL: even with --allow-http-issuers, http is accepted only for a loopback issuer " +
			"(http://127.0.0.1:<port>, http://[::1]:<port>, http://localhost:<port>)"
	}
	return ""
}

func checkAudience(v *Violations, field, s string) {
	if checkLength(v, field, s, maxAudienceLen, "must not be empty (omit it to use the server's default audience)") {
		checkNoSpaceOrControl(v, field, s)
	}
}

// checkNoSpaceOrControl: whitespace and control characters have no place in
// an audience or a subject, and would only hide a mistake.
func checkNoSpaceOrControl(v *Violations, field, s string) {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			v.Add(field, "must not contain whitespace, control or invisible characters (found %U)", r)
			return
		}
	}
}

// checkSubjectPattern: exact, or with * for any run of characters; not
// only *, and no ** (which says nothing * does not). Spaces inside are
// allowed: HCP Terraform's subjects name projects such as "Default
// Project".
func checkSubjectPattern(v *Violations, field, s string) {
	if !checkLength(v, field, s, maxSubjectLen, "must not be empty") {
		return
	}
	n := len(*v)
	checkNoControl(v, field, s)
	switch {
	case len(*v) > n:
	case strings.TrimSpace(s) != s:
		v.Add(field, "must not start or end with whitespace")
	case strings.Trim(s, "*") == "":
		v.Add(field, "must not be only *: that would trust every token the issuer signs, for anyone's workflow; "+
			"name the repository, project or service account, such as repo:acme/infra:ref:refs/heads/*")
	case strings.Contains(s, "**"):
		v.Add(field, "must not contain **: a single * already stands for any run of characters")
	}
}

// CheckClaims adds the rules the required claims break: at most
// MaxRequiredClaims, names of letters, digits and _ . : - not reserved,
// values 1–500 characters.
func CheckClaims(v *Violations, field string, claims map[string]string) {
	if len(claims) > MaxRequiredClaims {
		v.Add(field, "must hold at most %d claims, got %d", MaxRequiredClaims, len(claims))
	}
	for _, name := range slices.Sorted(maps.Keys(claims)) {
		f := field + "." + name
		switch {
		case len(name) > maxClaimNameLen:
			v.Add(f, "a claim name must be at most %d characters", maxClaimNameLen)
		case !claimNameRE.MatchString(name):
			v.Add(f, "a claim name must be letters, digits and _ . : - (starting with a letter, digit or _), got %q", name)
		case slices.Contains(reservedClaims, name):
			v.Add(f, "%q is checked by the exchange itself; set it with the issuer, audience or subject field instead", name)
		default:
			if checkLength(v, f, claims[name], maxClaimValueLen, "must not be empty: a required claim has a value") {
				checkNoControl(v, f, claims[name])
			}
		}
	}
}

func checkNoControl(v *Violations, field, s string) {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			v.Add(field, "must not contain control or invisible characters (found %U)", r)
			return
		}
	}
}

// SubjectMatches reports whether sub matches pattern, where * stands for
// any run of characters (none too) and everything else for itself.
func SubjectMatches(pattern, sub string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == sub
	}
	if !strings.HasPrefix(sub, parts[0]) {
		return false
	}
	rest := sub[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, mid)
		if i < 0 {
			return false
		}
		rest = rest[i+len(mid):]
	}
	return len(rest) >= len(last) && strings.HasSuffix(rest, last)
}

// FederatedCredentialNotFound is the answer about a credential that is not
// one of the user's.
func FederatedCredentialNotFound(id string) *Error {
	return Errorf(NotFound, "federated credential %q not found", id)
}

// CreateFederatedCredential adds a federated credential to machine user u,
// for an organization owner; defaultAudience is the audience when the input
// has none.
func (s *Service) CreateFederatedCredential(ctx context.Context, q store.Queries, by Actor, u store.User,
	in FederatedCredentialCreate, defaultAudience string) (store.FederatedCredential, error) {
	var v Violations
	in.Check(&v)
	if in.Issuer != nil {
		if problem := IssuerSchemeProblem(*in.Issuer, s.allowHTTPIssuers); problem != "" && !slices.ContainsFunc(v,
			func(x Violation) bool { return x.Field == "issuer" }) {
			v.Add("issuer", "%s", problem)
		}
	}
	if err := v.Err(); err != nil {
		return store.FederatedCredential{}, err
	}
	if u.Type != store.UserTypeMachine {
		return store.FederatedCredential{}, Errorf(FailedPrecondition,
			"user %q is a person: federated credentials are for machine users only", u.Username)
	}
	all, total, err := q.ListFederatedCredentials(ctx, store.FederatedCredentialFilter{UserID: u.ID}, store.Page{Limit: MaxFederatedCredentials + 1})
	if err != nil {
		return store.FederatedCredential{}, fmt.Errorf("list federated credentials: %w", err)
	}
	nameTaken := FieldErrorf(AlreadyExists, "name", "machine user %q already has a federated credential named %q; choose another name",
		u.Username, *in.Name)
	for _, c := range all {
		if c.Name == *in.Name {
			return store.FederatedCredential{}, nameTaken
		}
	}
	if total >= MaxFederatedCredentials {
		return store.FederatedCredential{}, Errorf(QuotaExceeded,
			"machine user %q already has %d federated credentials, the most a machine user may have; delete one first (DELETE %s/{id}), "+
				"or widen a subject with * instead of adding a credential per branch", u.Username, total, FederatedCredentialsPath(u))
	}
	c := store.FederatedCredential{ID: uuid.NewString(), UserID: u.ID, Name: *in.Name, Issuer: *in.Issuer, Subject: *in.Subject,
		Audience: defaultAudience, Claims: map[string]string{}, Meta: store.NewMeta(s.Now(), string(by))}
	if in.Description != nil {
		c.Description = *in.Description
	}
	if in.Audience != nil {
		c.Audience = *in.Audience
	}
	maps.Copy(c.Claims, in.Claims)
	if err := q.CreateFederatedCredential(ctx, c); errors.Is(err, store.ErrConflict) {
		return store.FederatedCredential{}, nameTaken
	} else if err != nil {
		return store.FederatedCredential{}, fmt.Errorf("create federated credential: %w", err)
	}
	return c, nil
}

// FederatedCredentialOf returns the credential id of user u; other users'
// credentials are not found.
func (s *Service) FederatedCredentialOf(ctx context.Context, q store.Queries, u store.User, id string) (store.FederatedCredential, error) {
	return Find(func() (store.FederatedCredential, error) { return q.GetFederatedCredential(ctx, id) },
		func(c store.FederatedCredential) bool { return c.UserID == u.ID }, FederatedCredentialNotFound(id), "get federated credential")
}

// DeleteFederatedCredential deletes the credential id of user u: from the
// commit on no token is exchanged through it. The session tokens already
// exchanged keep working until they expire (revoke them with DELETE
// .../session-tokens).
func (s *Service) DeleteFederatedCredential(ctx context.Context, q store.Queries, u store.User, id string) error {
	if _, err := s.FederatedCredentialOf(ctx, q, u, id); err != nil {
		return err
	}
	if err := q.DeleteFederatedCredential(ctx, id); errors.Is(err, store.ErrNotFound) {
		return FederatedCredentialNotFound(id)
	} else if err != nil {
		return fmt.Errorf("delete federated credential: %w", err)
	}
	return nil
}

// ---- the exchange's lifetime ----

// Bounds of the session tokens the token exchange issues.
const (
	DefaultExchangeLifetime = time.Hour
	MaxExchangeLifetime     = 12 * time.Hour
)

// ExchangeExpiry is when a session token exchanged at now for an ID token
// that expires at idTokenExpiry expires: after the server's lifetime
// (requested, when the caller asks for less), and never later than lifetime
// past the ID token's own expiry.
func ExchangeExpiry(now, idTokenExpiry time.Time, lifetime time.Duration, requested *time.Duration) time.Time {
	if requested != nil && *requested < lifetime {
		lifetime = *requested
	}
	return minTime(now.Add(lifetime), idTokenExpiry.Add(lifetime))
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// ExchangeSessionToken opens the session token of an exchange through
// credential c of machine user u, expiring at expiresAt; it counts against
// no key quota, as every session token.
func (s *Service) ExchangeSessionToken(ctx context.Context, q store.Queries, u store.User, c store.FederatedCredential,
	expiresAt time.Time) (IssuedSessionToken, error) {
	// Whole seconds, rounded up: the moments this transaction took are not
	// taken from the token's life.
	seconds := max(math.Ceil(expiresAt.Sub(s.Now()).Seconds()), MinSessionTokenSeconds)
	name := "federated:" + c.ID
	return s.CreateSessionToken(ctx, q, Actor(u.ID), u, SessionTokenCreate{Name: &name, ExpiresInSeconds: &seconds})
}
