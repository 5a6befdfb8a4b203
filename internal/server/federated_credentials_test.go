package server

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testoidc"
)

// federatedCredential is the decoded envelope of a federated credential.
type federatedCredential struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Href       string `json:"href"`
	Properties struct {
		UserID         string            `json:"userId"`
		OrganizationID string            `json:"organizationId"`
		Name           string            `json:"name"`
		Description    string            `json:"description"`
		Issuer         string            `json:"issuer"`
		Audience       string            `json:"audience"`
		Subject        string            `json:"subject"`
		Claims         map[string]string `json:"claims"`
	} `json:"properties"`
}

func (e *env) credentialsPath(userID string) string {
	return e.machineUsersPath() + "/" + userID + "/federated-credentials"
}

// createFederatedCredential creates one for machine user userID as admin
// and checks the 201.
func (e *env) createFederatedCredential(userID string, body any) federatedCredential {
	e.t.Helper()
	var fc federatedCredential
	r := e.do("POST", e.credentialsPath(userID), e.adminKey, body)
	r.decode(201, &fc)
	if r.header.Get("Location") != fc.Href {
		e.t.Errorf("Location %q, href %q", r.header.Get("Location"), fc.Href)
	}
	return fc
}

func TestFederatedCredentials(t *testing.T) {
	e := newEnv(t)
	mu := e.createMachineUser(map[string]any{"username": "deployer"})
	path := e.credentialsPath(mu.ID)

	// The audience defaults to the URL the server was reached at; the
	// claims to none.
	fc := e.createFederatedCredential(mu.ID, map[string]any{"name": "main", "issuer": "https://token.actions.githubusercontent.com",
		"subject": "repo:acme/infra:ref:refs/heads/*"})
	p := fc.Properties
	if fc.Type != "federated-credential" || p.Audience != e.ts.URL || p.Subject != "repo:acme/infra:ref:refs/heads/*" ||
		p.Issuer != "https://token.actions.githubusercontent.com" || p.Claims == nil || len(p.Claims) != 0 || p.UserID != mu.ID ||
		p.OrganizationID != e.orgID || p.Description != "" {
		t.Errorf("created %+v", fc)
	}
	full := e.createFederatedCredential(mu.ID, map[string]any{"name": "prod", "description": "production deploys",
		"issuer": "https://gitlab.example.com", "audience": "pgcloud", "subject": "project_path:acme/infra:ref_type:branch:ref:main",
		"claims": map[string]any{"environment": "production", "namespace_path": "acme"}})
	var got federatedCredential
	e.do("GET", full.Href, e.adminKey, nil).decode(200, &got)
	if got.Properties.Audience != "pgcloud" || got.Properties.Claims["environment"] != "production" || got.Properties.Description != "production deploys" {
		t.Errorf("read %+v", got)
	}
	if n := e.total(path); n != 2 {
		t.Errorf("%d credentials listed, want 2", n)
	}

	// Field rules: every broken one named at once.
	for _, c := range []struct {
		name   string
		body   map[string]any
		fields []string
	}{
		{"nothing", map[string]any{}, []string{"name", "issuer", "subject"}},
		{"http issuer without --allow-http-issuers", map[string]any{"name": "x", "issuer": "http://127.0.0.1:1", "subject": "s"}, []string{"issuer"}},
		{"not a URL", map[string]any{"name": "x", "issuer": "token.actions.githubusercontent.com", "subject": "s"}, []string{"issuer"}},
		{"issuer with a query", map[string]any{"name": "x", "issuer": "https://i.example/?a=b", "subject": "s"}, []string{"issuer"}},
		{"subject only *", map[string]any{"name": "x", "issuer": "https://i.example", "subject": "*"}, []string{"subject"}},
		{"subject with **", map[string]any{"name": "x", "issuer": "https://i.example", "subject": "repo:**"}, []string{"subject"}},
		{"subject with a line break", map[string]any{"name": "x", "issuer": "https://i.example", "subject": "repo:\nx"}, []string{"subject"}},
		{"subject with a trailing space", map[string]any{"name": "x", "issuer": "https://i.example", "subject": "repo:x "}, []string{"subject"}},
		{"reserved and bad claim names", map[string]any{"name": "x", "issuer": "https://i.example", "subject": "s",
			"claims": map[string]any{"aud": "x", "bad name": "y", "ok": ""}}, []string{"claims.aud", "claims.bad name", "claims.ok"}},
		{"a claim that is not a string", map[string]any{"name": "x", "issuer": "https://i.example", "subject": "s",
			"claims": map[string]any{"run_attempt": 1}}, []string{"claims.run_attempt"}},
		{"empty audience", map[string]any{"name": "x", "issuer": "https://i.example", "subject": "s", "audience": ""}, []string{"audience"}},
		{"unknown field", map[string]any{"name": "x", "issuer": "https://i.example", "subject": "s", "secret": "y"}, []string{"secret"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.do("POST", path, e.adminKey, c.body).wantError(422, "INVALID_ARGUMENT", c.fields...)
		})
	}
	if n := e.total(path); n != 2 {
		t.Errorf("refused creates left %d credentials, want 2", n)
	}

	// Names are unique per machine user; 20 at most.
	e.do("POST", path, e.adminKey, map[string]any{"name": "main", "issuer": "https://i.example", "subject": "s"}).
		wantError(409, "ALREADY_EXISTS", "name")
	for i := 3; i <= 20; i++ {
		e.createFederatedCredential(mu.ID, map[string]any{"name": fmt.Sprintf("c%d", i), "issuer": "https://i.example", "subject": "s"})
	}
	if msg := e.do("POST", path, e.adminKey, map[string]any{"name": "c21", "issuer": "https://i.example", "subject": "s"}).
		wantError(409, "QUOTA_EXCEEDED").Message; !strings.Contains(msg, "20") {
		t.Errorf("quota message %q", msg)
	}

	// Deleted: gone, a second delete is 404; deleting the machine user
	// deletes the rest.
	e.do("DELETE", fc.Href, e.adminKey, nil).want(204)
	e.do("GET", fc.Href, e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("DELETE", fc.Href, e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("DELETE", e.machineUsersPath()+"/"+mu.ID, e.adminKey, nil).want(204)
	if _, n, err := e.srv.store.ListFederatedCredentials(context.Background(), store.FederatedCredentialFilter{UserID: mu.ID},
		store.Page{Limit: 1}); err != nil || n != 0 {
		t.Errorf("%d credentials (%v) left after deleting their machine user", n, err)
	}

	// --oidc-audience sets the default audience.
	e2 := newEnv(t, func(c *Config) { c.OIDCAudience = "https://pgcloud.example.com" })
	mu2 := e2.createMachineUser(map[string]any{"username": "deployer"})
	if a := e2.createFederatedCredential(mu2.ID, map[string]any{"name": "x", "issuer": "https://i.example", "subject": "s"}).Properties.Audience; a != "https://pgcloud.example.com" {
		t.Errorf("default audience %q", a)
	}
}

func TestSubjectPatterns(t *testing.T) {
	for _, c := range []struct {
		pattern, sub string
		want         bool
	}{
		{"repo:acme/infra:ref:refs/heads/main", "repo:acme/infra:ref:refs/heads/main", true},
		{"repo:acme/infra:ref:refs/heads/main", "repo:acme/infra:ref:refs/heads/mainline", false},
		{"repo:acme/infra:ref:refs/heads/*", "repo:acme/infra:ref:refs/heads/feature/x", true},
		{"repo:acme/infra:ref:refs/heads/*", "repo:acme/infra:ref:refs/heads/", true},
		{"repo:acme/infra:ref:refs/heads/*", "repo:acme/infra-evil:ref:refs/heads/main", false},
		{"repo:acme/*:environment:production", "repo:acme/web:environment:production", true},
		{"repo:acme/*:environment:production", "repo:acme/web:environment:staging", false},
		{"*:production", "x:production", true},
		{"organization:acme:project:Default Project:workspace:infra:run_phase:*", "organization:acme:project:Default Project:workspace:infra:run_phase:apply", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "ac", false},
		{"a*a", "a", false},
	} {
		if got := platform.SubjectMatches(c.pattern, c.sub); got != c.want {
			t.Errorf("%q matches %q: %v, want %v", c.pattern, c.sub, got, c.want)
		}
	}
}

// exchangeEnv is a server that trusts a real OIDC issuer on loopback (so
// with --allow-http-issuers), on the server's clock.
type exchangeEnv struct {
	*env
	iss  *testoidc.Issuer
	user machineUser
	cred federatedCredential
}

func newExchangeEnv(t *testing.T, opts ...func(*Config)) *exchangeEnv {
	t.Helper()
	e := newEnv(t, append([]func(*Config){func(c *Config) { c.AllowHTTPIssuers = true; c.AuthFailureRate = -1 }}, opts...)...)
	iss, err := testoidc.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	iss.Now = e.clock.Now
	x := &exchangeEnv{env: e, iss: iss}
	x.user = e.createMachineUser(map[string]any{"username": "ci"})
	x.cred = e.createFederatedCredential(x.user.ID, map[string]any{"name": "main", "issuer": iss.URL, "audience": "pgcloud",
		"subject": "repo:acme/infra:ref:refs/heads/*", "claims": map[string]any{"environment": "production"}})
	return x
}

// good are the claims of a token the credential trusts.
func good() testoidc.Claims {
	return testoidc.Claims{"aud": "pgcloud", "sub": "repo:acme/infra:ref:refs/heads/main", "environment": "production",
		"jti": "run-42", "repository": "acme/infra"}
}

func (x *exchangeEnv) token(claims testoidc.Claims) string {
	x.t.Helper()
	tok, err := x.iss.Token(claims)
	if err != nil {
		x.t.Fatal(err)
	}
	x.track(tok)
	return tok
}

type exchanged struct {
	AccessToken     string `json:"access_token"`
	IssuedTokenType string `json:"issued_token_type"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int64  `json:"expires_in"`
	MachineUserID   string `json:"machine_user_id"`
	SessionTokenID  string `json:"session_token_id"`
}

// exchange posts the RFC 8693 form; extra are more form fields.
func (x *exchangeEnv) exchange(idToken string, extra ...string) *resp {
	x.t.Helper()
	form := url.Values{"grant_type": {grantTypeTokenExchange}, "subject_token": {idToken}, "subject_token_type": {tokenTypeIDToken}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	return x.do("POST", "/api/v1/token-exchange", "", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// sessionTokens counts the session tokens of the whole store.
func (x *exchangeEnv) sessionTokens() int {
	x.t.Helper()
	db := x.store.open()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM session_tokens").Scan(&n); err != nil {
		x.t.Fatal(err)
	}
	return n
}

func TestTokenExchange(t *testing.T) {
	x := newExchangeEnv(t)
	idToken := x.token(good())

	var out exchanged
	x.exchange(idToken).decode(200, &out)
	x.track(out.AccessToken)
	if !strings.HasPrefix(out.AccessToken, "pgs_") || out.TokenType != "Bearer" || out.IssuedTokenType != tokenTypeAccessToken ||
		out.ExpiresIn != 3600 || out.MachineUserID != x.user.ID {
		t.Errorf("answer %+v", out)
	}
	// The token works as the machine user, and is one of its session
	// tokens, not a key.
	var me struct{ User struct{ ID, Type string } }
	x.do("GET", "/api/v1/whoami", out.AccessToken, nil).decode(200, &me)
	if me.User.ID != x.user.ID {
		t.Errorf("the exchanged token is %+v", me.User)
	}
	if n := x.total(x.tokensPath(x.user.ID)); n != 1 {
		t.Errorf("%d session tokens, want 1", n)
	}
	if n := x.total(x.machineUsersPath() + "/" + x.user.ID + "/access-keys"); n != 0 {
		t.Errorf("%d access keys, want 0", n)
	}
	// The same as JSON, and with the machine user named.
	var again exchanged
	x.do("POST", "/api/v1/token-exchange", "", map[string]any{"subject_token": idToken, "subject_token_type": tokenTypeIDToken,
		"machine_user_id": x.user.ID}).decode(200, &again)
	x.track(again.AccessToken)
	if again.AccessToken == out.AccessToken || again.MachineUserID != x.user.ID {
		t.Errorf("second exchange %+v", again)
	}
	// Logged: the machine user, the credential, sub and jti; never a token.
	logs := x.logs.String()
	for _, want := range []string{`"msg":"token exchange"`, `"jti":"run-42"`, `"sub":"repo:acme/infra:ref:refs/heads/main"`,
		`"federated_credential":"` + x.cred.ID + `"`, `"machine_user":"` + x.user.ID + `"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s", want)
		}
	}

	// Malformed requests are 422 (or 400), naming the field.
	x.exchange("").wantError(422, "INVALID_ARGUMENT", "subject_token")
	x.exchange(idToken, "subject_token_type", "urn:ietf:params:oauth:token-type:access_token").wantError(422, "INVALID_ARGUMENT", "subject_token_type")
	x.exchange(idToken, "grant_type", "client_credentials").wantError(422, "INVALID_ARGUMENT", "grant_type")
}

func TestTokenExchangeLifetime(t *testing.T) {
	x := newExchangeEnv(t, func(c *Config) { c.ExchangeLifetime = 2 * time.Hour })
	var out exchanged
	x.exchange(x.token(good())).decode(200, &out)
	x.track(out.AccessToken)
	if out.ExpiresIn != 7200 {
		t.Errorf("expires_in %d, want 7200", out.ExpiresIn)
	}
	// An hour later it still works; two hours later it does not.
	x.clock.Advance(time.Hour)
	x.do("GET", "/api/v1/whoami", out.AccessToken, nil).want(200)
	x.clock.Advance(time.Hour)
	x.do("GET", "/api/v1/whoami", out.AccessToken, nil).wantError(401, "UNAUTHENTICATED")
}

// Every refusal is a 401 that names the failed check and writes nothing.
func TestTokenExchangeRefusals(t *testing.T) {
	x := newExchangeEnv(t)
	ctx := context.Background()
	// Another issuer whose tokens carry the same sub, aud and claims.
	other, err := testoidc.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	other.Now = x.clock.Now
	stranger, err := x.iss.UnpublishedKey()
	if err != nil {
		t.Fatal(err)
	}
	with := func(changes testoidc.Claims) testoidc.Claims {
		c := good()
		for k, v := range changes {
			c[k] = v
		}
		return c
	}
	must := func(tok string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		x.track(tok)
		return tok
	}
	// A second machine user of the same organization with a credential of
	// another issuer: named as machine_user_id, it is refused exactly as a
	// machine user that does not exist.
	bystander := x.createMachineUser(map[string]any{"username": "bystander"})
	x.createFederatedCredential(bystander.ID, map[string]any{"name": "other", "issuer": "https://other.example", "audience": "pgcloud",
		"subject": "repo:acme/infra:ref:refs/heads/*"})

	now := x.clock.Now()
	cases := []struct {
		name  string
		token string
		extra []string
		check string // in the message: "(check)"
	}{
		{"wrong audience", x.token(with(testoidc.Claims{"aud": "someone-else"})), nil, "audience"},
		{"wrong subject", x.token(with(testoidc.Claims{"sub": "repo:acme/other:ref:refs/heads/main"})), nil, "subject"},
		{"a required claim with another value", x.token(with(testoidc.Claims{"environment": "staging"})), nil, "claims"},
		{"a required claim missing", x.token(with(testoidc.Claims{"environment": nil})), nil, "claims"},
		{"expired", x.token(with(testoidc.Claims{"iat": now.Add(-time.Hour).Unix(), "nbf": now.Add(-time.Hour).Unix(),
			"exp": now.Add(-2 * time.Minute).Unix()})), nil, "expired"},
		{"no exp", x.token(with(testoidc.Claims{"exp": nil})), nil, "expired"},
		{"not yet valid", x.token(with(testoidc.Claims{"nbf": now.Add(10 * time.Minute).Unix()})), nil, "not yet valid"},
		{"signed by an unknown key", must(x.iss.TokenWith(stranger, good())), nil, "signature"},
		{"alg none", must(x.iss.Unsigned(good())), nil, "signature"},
		{"HS256 with the public key as secret", must(x.iss.HS256WithPublicKey(good())), nil, "signature"},
		{"another issuer with the same sub", must(other.Token(good())), nil, "issuer unknown"},
		{"another issuer claiming to be the trusted one", must(other.Token(with(testoidc.Claims{"iss": x.iss.URL}))), nil, "signature"},
		{"not a JWT", "not-a-jwt", nil, "signature"},
		{"machine_user_id of a machine user without such a credential", x.token(good()), []string{"machine_user_id", bystander.ID}, "issuer unknown"},
		{"machine_user_id of no machine user", x.token(good()), []string{"machine_user_id", "no-such-user"}, "issuer unknown"},
	}
	before := x.sessionTokens()
	messages := map[string]string{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := x.exchange(c.token, c.extra...).wantError(401, "UNAUTHENTICATED")
			if !strings.Contains(e.Message, "("+c.check+")") {
				t.Errorf("message %q does not name the check %q", e.Message, c.check)
			}
			t.Logf("%s", e.Message)
			messages[c.name] = strings.ReplaceAll(e.Message, bystander.ID, "no-such-user")
		})
	}
	if a, b := messages["machine_user_id of a machine user without such a credential"], messages["machine_user_id of no machine user"]; a != b {
		t.Errorf("an existing machine user is told apart from none:\n%s\n%s", a, b)
	}
	// A deleted credential, then a deleted machine user: their tokens are
	// refused too.
	tok := x.token(good())
	x.do("DELETE", x.cred.Href, x.adminKey, nil).want(204)
	if e := x.exchange(tok).wantError(401, "UNAUTHENTICATED"); !strings.Contains(e.Message, "(issuer unknown)") {
		t.Errorf("deleted credential: %s", e.Message)
	}
	x.createFederatedCredential(x.user.ID, map[string]any{"name": "again", "issuer": x.iss.URL, "audience": "pgcloud",
		"subject": "repo:acme/infra:*"})
	x.do("DELETE", x.machineUsersPath()+"/"+x.user.ID, x.adminKey, nil).want(204)
	if e := x.exchange(tok).wantError(401, "UNAUTHENTICATED"); !strings.Contains(e.Message, "(issuer unknown)") {
		t.Errorf("deleted machine user: %s", e.Message)
	}
	if after := x.sessionTokens(); after != before {
		t.Errorf("refused exchanges wrote session tokens: %d -> %d", before, after)
	}
	if _, n, err := x.srv.store.ListFederatedCredentials(ctx, store.FederatedCredentialFilter{Issuer: x.iss.URL}, store.Page{Limit: 1}); err != nil || n != 0 {
		t.Errorf("%d credentials (%v) of the deleted machine user", n, err)
	}
}

// The issuer rotates its key during a run: the next token, signed with the
// new key, is verified after one fetch of the key set; the old key's
// tokens fail once the key set without it has been fetched.
func TestTokenExchangeKeyRotation(t *testing.T) {
	x := newExchangeEnv(t)
	var out exchanged
	x.exchange(x.token(good())).decode(200, &out)
	x.track(out.AccessToken)
	fetches := x.iss.JWKSFetches.Load()
	oldKeyToken := x.token(good())

	if err := x.iss.Rotate(true); err != nil {
		t.Fatal(err)
	}
	x.exchange(x.token(good())).decode(200, &out)
	x.track(out.AccessToken)
	if got := x.iss.JWKSFetches.Load(); got != fetches+1 {
		t.Errorf("%d fetches of the key set for the new key, want 1", got-fetches)
	}
	// The cached key set now holds only the new key.
	if e := x.exchange(oldKeyToken).wantError(401, "UNAUTHENTICATED"); !strings.Contains(e.Message, "(signature)") {
		t.Errorf("token of the retired key: %s", e.Message)
	}
}
