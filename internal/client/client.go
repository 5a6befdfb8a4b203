// Package client is the Go client of the pgcloud control-plane HTTP API (v1).
//
// It knows HTTP and JSON only. Each API resource has one file with its models
// and methods (machine_users.go, access_keys.go, …) over a few shared pieces:
// request.go sends one logical request, pages.go reads every page of a list,
// envelope.go decodes the objects' wire form, retry.go retries through
// go-retryablehttp (connection errors, 502, 503 and 504 up to MaxRetries
// times, 429 until the context's deadline; a POST only when it carries an
// Idempotency-Key; Retry-After honoured, with jitter), pace.go makes every
// request of a Client wait for room in the rate limit the server announces,
// errors.go turns error answers into APIError, and logging.go logs each
// attempt without the access key.
package client

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// apiPrefix is the path prefix of the v1 API.
const apiPrefix = "/api/v1"

const (
	defaultRequestTimeout = 30 * time.Second
	defaultUserAgent      = "pgcloud-go-client"
)

// Config configures a Client.
type Config struct {
	// Endpoint of the platform, e.g. http://127.0.0.1:8080; with or without a
	// trailing "/api/v1" or "/".
	Endpoint string
	// AccessKey is sent as "Authorization: Bearer <key>". Either it or
	// IDToken is required, not both.
	AccessKey string
	// IDToken, instead of an access key, gives the OIDC ID token the client
	// exchanges (POST /token-exchange) for a session token of a machine
	// user; it is called again, for a fresh ID token, when the session
	// token nears its expiry (see exchange.go).
	IDToken IDTokenSource
	// MachineUserID, with IDToken, names the machine user to act as when
	// the ID token matches federated credentials of several; "" lets the
	// token choose.
	MachineUserID string
	// MaxRetries bounds the retries of a request after connection errors
	// and 502, 503 or 504 answers; 0 means no such retries (negative values
	// are treated as 0). The provider defaults to 4. A 429 (rate limited)
	// is not counted: it is retried until the context's deadline (see
	// checkRetry).
	MaxRetries int
	// MaxRetriesSetting and DeadlineSetting name, in the error of a request
	// whose retries were exhausted, what its user changes to allow more
	// retries, and to give a request more time: the provider says
	// "max_retries (or PGCLOUD_MAX_RETRIES)" and "the resource's timeouts".
	// Empty = "Config.MaxRetries" and "a later deadline on the context".
	MaxRetriesSetting string
	DeadlineSetting   string
	// RequestTimeout bounds each attempt (connect, headers and body); 0 = 30s.
	RequestTimeout time.Duration
	// UserAgent is sent on every request, e.g.
	// "terraform-provider-pgcloud/<version>". Empty = "pgcloud-go-client".
	UserAgent string
	// Logger receives request logs; nil = no logging.
	Logger Logger
	// Clock is when the client thinks it is, to judge when an exchanged
	// session token nears its expiry; nil = time.Now. Tests set it.
	Clock func() time.Time
}

// Client talks to the pgcloud API. It is safe for concurrent use.
type Client struct {
	base       string // scheme://host[/prefix]/api/v1, no trailing slash
	accessKey  string
	userAgent  string
	logger     Logger
	maxRetries int
	// maxRetriesSetting and deadlineSetting: see Config.
	maxRetriesSetting string
	deadlineSetting   string
	pageSize          int
	// rateLimitPatience: see checkRetry.
	rateLimitPatience time.Duration
	// jitter returns a random number in [0, n) (rand.Int64N; tests seed it).
	jitter   func(n int64) int64
	http     *http.Client          // sends one attempt
	retrying *retryablehttp.Client // sends attempts until one is final
	pacer    *pacer                // shares the API's rate limit between requests
	// exchange holds the session token exchanged for an ID token, when the
	// client authenticates that way (exchange.go); nil with an access key.
	exchange *exchanged
}

// New validates cfg and returns a Client. It does not contact the server.
func New(cfg Config) (*Client, error) {
	endpoint, err := normalizeEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(cfg.AccessKey) == "" && cfg.IDToken == nil:
		return nil, errors.New("pgcloud client: an access key (or an ID token source) is required")
	case cfg.AccessKey != "" && cfg.IDToken != nil:
		return nil, errors.New("pgcloud client: set an access key or an ID token source, not both")
	}
	if strings.ContainsAny(cfg.AccessKey, "\r\n") {
		return nil, errors.New("pgcloud client: the access key must not contain line breaks")
	}
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = defaultRequestTimeout
	}
	maxRetries := max(cfg.MaxRetries, 0)
	ua := strings.TrimSpace(cfg.UserAgent)
	if ua == "" {
		ua = defaultUserAgent
	}

	c := &Client{
		base:       endpoint + apiPrefix,
		accessKey:  cfg.AccessKey,
		userAgent:  ua,
		logger:     cfg.Logger,
		maxRetries: maxRetries,
		pageSize:   defaultPageSize,

		rateLimitPatience: defaultRateLimitPatience,
		jitter:            rand.Int64N,
		pacer:             newPacer(),
		maxRetriesSetting: cmp.Or(strings.TrimSpace(cfg.MaxRetriesSetting), "Config.MaxRetries"),
		deadlineSetting:   cmp.Or(strings.TrimSpace(cfg.DeadlineSetting), "a later deadline on the context"),
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// Keep a connection for each request in flight: net/http keeps 2 per
	// host by default, so under terraform's -parallelism of 10 every
	// request past the second dialed the API again (and, on https, did a
	// TLS handshake) and closed its connection after the answer.
	transport.MaxIdleConnsPerHost = maxIdleConns
	c.http = &http.Client{
		Transport: &loggingTransport{base: transport, c: c},
		Timeout:   timeout, // per attempt, including reading the body
	}
	c.retrying = c.newRetryingClient(c.http)
	if cfg.IDToken != nil {
		clock := cfg.Clock
		if clock == nil {
			clock = time.Now
		}
		c.exchange = &exchanged{source: cfg.IDToken, machineUserID: cfg.MachineUserID, now: clock}
	}
	return c, nil
}

// maxIdleConns is how many connections to the API the client keeps open
// between requests: more than Terraform runs at once by default (10).
const maxIdleConns = 64

func normalizeEndpoint(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("pgcloud client: an endpoint is required, e.g. http://127.0.0.1:8080")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("pgcloud client: invalid endpoint %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("pgcloud client: invalid endpoint %q: it must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:8080", u.Redacted())
	}
	if u.User != nil {
		return "", errors.New("pgcloud client: the endpoint must not contain credentials; set the access key instead")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("pgcloud client: invalid endpoint %q: it must not have a query or fragment", u.Redacted())
	}
	p := strings.TrimRight(u.EscapedPath(), "/")
	p = strings.TrimSuffix(p, apiPrefix)
	p = strings.TrimRight(p, "/")
	return u.Scheme + "://" + u.Host + p, nil
}
