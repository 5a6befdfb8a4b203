package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// Authenticating with an OIDC ID token instead of an access key: the
// client trades the ID token its IDTokenSource gives (a CI system's, such
// as GitHub Actions') for a session token of a machine user at POST
// /token-exchange, sends that session token as its access key, and trades
// a fresh ID token for a new session token when the current one nears its
// expiry, so that a long apply outlives one session token. Neither token is
// ever logged or returned in an error (redact).

// IDTokenSource returns an OIDC ID token to exchange: a fresh one where the
// source can mint one (a CI system's token endpoint), else the one it has
// (a file that the CI system refreshes, a variable).
type IDTokenSource func(ctx context.Context) (string, error)

// ExchangedToken is the answer of a token exchange.
type ExchangedToken struct {
	AccessToken    string    // a session token, pgs_…
	ExpiresAt      time.Time // by the client's clock: now + expires_in
	MachineUserID  string
	OrganizationID string
	SessionTokenID string
}

type exchangeAnswer struct {
	AccessToken    string `json:"access_token"`
	TokenType      string `json:"token_type"`
	ExpiresIn      int64  `json:"expires_in"`
	MachineUserID  string `json:"machine_user_id"`
	OrganizationID string `json:"organization_id"`
	SessionTokenID string `json:"session_token_id"`
}

// Token exchange constants of RFC 8693.
const (
	grantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeIDToken       = "urn:ietf:params:oauth:token-type:id_token"
)

// exchanged is the session token a client exchanged and uses, and what it
// needs to exchange again.
type exchanged struct {
	source        IDTokenSource
	machineUserID string
	now           func() time.Time

	// exchanging is held by the one request that exchanges anew; the
	// others wait for its session token rather than each exchange.
	exchanging sync.Mutex
	mu         sync.Mutex
	token      ExchangedToken
	refreshAt  time.Time // exchange again from then on
	seen       []string  // every ID token and session token used, to redact
}

func (x *exchanged) secrets() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]string(nil), x.seen...)
}

func (x *exchanged) remember(s string) {
	if s != "" {
		x.mu.Lock()
		x.seen = append(x.seen, s)
		x.mu.Unlock()
	}
}

// refreshMargin is how long before its expiry a session token is replaced:
// a fifth of its life, at most 5 minutes, so that a request sent with it
// does not arrive after it expired.
func refreshMargin(life time.Duration) time.Duration { return min(life/5, 5*time.Minute) }

// credential is the key to send: the access key, or the current exchanged
// session token, exchanged anew when it nears its expiry.
func (c *Client) credential(ctx context.Context) (string, error) {
	if c.exchange == nil {
		return c.accessKey, nil
	}
	x := c.exchange
	current := func() (string, bool) {
		x.mu.Lock()
		defer x.mu.Unlock()
		return x.token.AccessToken, x.token.AccessToken == "" || !x.now().Before(x.refreshAt)
	}
	if tok, due := current(); !due {
		return tok, nil
	}
	x.exchanging.Lock()
	defer x.exchanging.Unlock()
	if tok, due := current(); !due {
		return tok, nil // exchanged by another request meanwhile
	}
	got, err := c.Exchange(ctx)
	if err != nil {
		return "", err
	}
	return got.AccessToken, nil
}

// Exchange trades a fresh ID token of the client's IDTokenSource for a
// session token, which the client then sends until it nears its expiry.
// The client calls it by itself; call it to fail early (at configure
// time) on a token the server refuses.
func (c *Client) Exchange(ctx context.Context) (*ExchangedToken, error) {
	x := c.exchange
	if x == nil {
		return nil, errors.New("pgcloud client: this client authenticates with an access key, not an ID token")
	}
	idToken, err := x.source(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgcloud client: get the OIDC ID token to exchange: %w", err)
	}
	idToken = strings.TrimSpace(idToken)
	if idToken == "" {
		return nil, errors.New("pgcloud client: the OIDC ID token to exchange is empty")
	}
	x.remember(idToken)
	got, err := c.ExchangeIDToken(ctx, idToken, x.machineUserID)
	if err != nil {
		return nil, err
	}
	life := got.ExpiresAt.Sub(x.now())
	x.mu.Lock()
	x.token = *got
	x.refreshAt = got.ExpiresAt.Add(-refreshMargin(life))
	x.mu.Unlock()
	return got, nil
}

// ExchangeIDToken trades idToken for a session token of the machine user a
// federated credential of which trusts it (machineUserID, when not "",
// limits the exchange to that machine user's). It needs no access key. A
// refusal is an *APIError 401 whose message names the check that failed.
func (c *Client) ExchangeIDToken(ctx context.Context, idToken, machineUserID string) (*ExchangedToken, error) {
	now := time.Now
	if c.exchange != nil {
		now = c.exchange.now // the clock that judges the token's expiry
	}
	form := url.Values{"grant_type": {grantTypeTokenExchange}, "subject_token": {idToken}, "subject_token_type": {tokenTypeIDToken}}
	if machineUserID != "" {
		form.Set("machine_user_id", machineUserID)
	}
	if c.exchange != nil {
		c.exchange.remember(idToken)
	}
	start := now()
	var out exchangeAnswer
	if err := c.send1(ctx, "POST", c.base+"/token-exchange", []byte(form.Encode()), "application/x-www-form-urlencoded", "", "", &out); err != nil {
		return nil, err
	}
	if c.exchange != nil {
		c.exchange.remember(out.AccessToken)
	}
	if out.AccessToken == "" || out.ExpiresIn <= 0 {
		return nil, errors.New("pgcloud client: the token exchange answered without an access token or its lifetime")
	}
	return &ExchangedToken{AccessToken: out.AccessToken, ExpiresAt: start.Add(time.Duration(out.ExpiresIn) * time.Second),
		MachineUserID: out.MachineUserID, OrganizationID: out.OrganizationID, SessionTokenID: out.SessionTokenID}, nil
}

// StaticIDToken is the source of one ID token given as it is.
func StaticIDToken(token string) IDTokenSource {
	return func(context.Context) (string, error) { return token, nil }
}

// IDTokenFromFile reads the ID token from path at every exchange, so that a
// file the CI system refreshes (a Kubernetes projected service account
// token, a runner that rewrites it) gives a fresh token each time.
func IDTokenFromFile(path string) IDTokenSource {
	return func(context.Context) (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
}

// maxIDTokenAnswer bounds the answer of an ID token request.
const maxIDTokenAnswer = 1 << 20

// IDTokenFromRequestURL asks requestURL for a fresh ID token at every
// exchange, the GitHub Actions way: GET requestURL&audience=<audience>
// with Authorization: Bearer <requestToken>, answered with {"value":
// "<ID token>"}. timeout bounds each request.
func IDTokenFromRequestURL(requestURL, requestToken, audience string, timeout time.Duration) IDTokenSource {
	hc := &http.Client{Timeout: timeout}
	return func(ctx context.Context) (string, error) {
		u, err := url.Parse(requestURL)
		if err != nil {
			return "", errors.New("the OIDC token request URL is not a URL")
		}
		if audience != "" {
			q := u.Query()
			q.Set("audience", audience)
			u.RawQuery = q.Encode()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return "", err
		}
		req.Header.Set("Authorization", "Bearer "+requestToken)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			// The URL may carry a secret in its query: name only its host.
			return "", fmt.Errorf("request an ID token from %s: %w", u.Host, errors.Unwrap(err))
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxIDTokenAnswer))
		if err != nil {
			return "", fmt.Errorf("read the ID token answer of %s: %w", u.Host, err)
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("the OIDC token request to %s answered %d (is the job allowed to request ID tokens? "+
				"GitHub Actions needs permissions: id-token: write)", u.Host, resp.StatusCode)
		}
		var out struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(body, &out); err != nil || out.Value == "" {
			return "", fmt.Errorf("the OIDC token request to %s did not answer {\"value\": \"<ID token>\"}", u.Host)
		}
		return out.Value, nil
	}
}
