package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testoidc"
)

// A client configured with an ID token source instead of an access key
// exchanges it for a session token, sends that, and exchanges a fresh ID
// token before the session token expires: a long apply outlives one token.
func TestExchangeRenewsBeforeExpiry(t *testing.T) {
	ctx := context.Background()
	env := startEnv(t, testenv.Options{AllowHTTPIssuers: true})
	admin := env.Client(env.AdminKey)
	mu := newMachineUser(t, env)
	iss, err := testoidc.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	if _, err := admin.CreateFederatedCredential(ctx, env.OrgID, mu.ID, client.FederatedCredentialCreate{
		Name: "ci", Issuer: iss.URL, Subject: "repo:acme/infra:ref:refs/heads/*"}); err != nil {
		t.Fatal(err)
	}

	var mu2 sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu2.Lock(); defer mu2.Unlock(); return now }
	var minted atomic.Int64
	source := func(context.Context) (string, error) {
		minted.Add(1)
		// The default audience: the URL the server is reached at.
		return iss.Token(testoidc.Claims{"aud": env.URL, "sub": "repo:acme/infra:ref:refs/heads/main"})
	}
	c, err := client.New(client.Config{Endpoint: env.URL, IDToken: source, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	me, err := c.WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.User.ID != mu.ID || minted.Load() != 1 {
		t.Fatalf("acting as %s after %d exchanges, want %s after 1", me.User.ID, minted.Load(), mu.ID)
	}
	first, err := admin.ListMachineUserSessionTokens(ctx, env.OrgID, mu.ID)
	if err != nil || len(first) != 1 {
		t.Fatalf("session tokens %v %v", first, err)
	}
	// Still well within its hour: no new exchange.
	mu2.Lock()
	now = now.Add(50 * time.Minute)
	mu2.Unlock()
	if _, err := c.WhoAmI(ctx); err != nil || minted.Load() != 1 {
		t.Fatalf("at 50 minutes: %v, %d exchanges", err, minted.Load())
	}
	// Within 5 minutes of its expiry: the next request exchanges anew, once,
	// however many requests are under way.
	mu2.Lock()
	now = now.Add(6 * time.Minute)
	mu2.Unlock()
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if _, err := c.WhoAmI(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if minted.Load() != 2 {
		t.Fatalf("%d exchanges, want 2", minted.Load())
	}
	tokens, err := admin.ListMachineUserSessionTokens(ctx, env.OrgID, mu.ID)
	if err != nil || len(tokens) != 2 {
		t.Fatalf("session tokens %v %v, want 2", tokens, err)
	}

	// A refused ID token is an error that says why, without the token.
	bad, err := iss.Token(testoidc.Claims{"aud": "someone-else", "sub": "repo:acme/infra:ref:refs/heads/main"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.ExchangeIDToken(ctx, bad, "")
	if !client.IsUnauthenticated(err) || !strings.Contains(err.Error(), "(audience)") || strings.Contains(err.Error(), bad) {
		t.Fatalf("refused exchange: %v", err)
	}
}

// The GitHub Actions way: the ID token is requested, with the audience, from
// a URL that wants its own bearer token; here a token endpoint in front of
// the test issuer, as GitHub's is in front of its issuer.
func TestIDTokenFromRequestURL(t *testing.T) {
	ctx := context.Background()
	env := startEnv(t, testenv.Options{AllowHTTPIssuers: true})
	admin := env.Client(env.AdminKey)
	mu := newMachineUser(t, env)
	iss, err := testoidc.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	if _, err := admin.CreateFederatedCredential(ctx, env.OrgID, mu.ID, client.FederatedCredentialCreate{
		Name: "ci", Issuer: iss.URL, Audience: "pgcloud-ci", Subject: "repo:acme/infra:ref:refs/heads/main"}); err != nil {
		t.Fatal(err)
	}
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer request-token" || r.URL.Query().Get("api-version") != "2.0" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		tok, err := iss.Token(testoidc.Claims{"aud": r.URL.Query().Get("audience"), "sub": "repo:acme/infra:ref:refs/heads/main"})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"value": tok})
	}))
	t.Cleanup(endpoint.Close)

	c, err := client.New(client.Config{Endpoint: env.URL,
		IDToken: client.IDTokenFromRequestURL(endpoint.URL+"/token?api-version=2.0", "request-token", "pgcloud-ci", 5*time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if me, err := c.WhoAmI(ctx); err != nil || me.User.ID != mu.ID {
		t.Fatalf("whoami: %v %v", me, err)
	}
	// A wrong request token: the error names the host and the permission,
	// never the URL's query or the token.
	bad, err := client.New(client.Config{Endpoint: env.URL,
		IDToken: client.IDTokenFromRequestURL(endpoint.URL+"/token?api-version=2.0", "wrong", "pgcloud-ci", 5*time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Exchange(ctx)
	if err == nil || !strings.Contains(err.Error(), "answered 403") || strings.Contains(err.Error(), "api-version") ||
		strings.Contains(err.Error(), "wrong") {
		t.Fatalf("refused token request: %v", err)
	}
}
