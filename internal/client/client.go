// Package client is the Go client of the pgcloud control-plane HTTP API (v1).
//
// It knows HTTP and JSON only: typed models, APIError with helpers such as
// IsNotFound, a generic limit/offset page iterator, retries through
// go-retryablehttp (connection errors, 429, 502, 503, 504; a POST only when it
// carries an Idempotency-Key), Retry-After, per-attempt timeouts and leveled
// logging that never sees the access key.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-retryablehttp"
)

// apiPrefix is the path prefix of the v1 API.
const apiPrefix = "/api/v1"

const (
	defaultRequestTimeout = 30 * time.Second
	defaultUserAgent      = "pgcloud-go-client"

	// maxSuccessBody bounds how much of a successful response is decoded.
	maxSuccessBody = 32 << 20
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 1 << 20
)

// Config configures a Client.
type Config struct {
	// Endpoint of the platform, e.g. http://127.0.0.1:8080; with or without a
	// trailing "/api/v1" or "/".
	Endpoint string
	// AccessKey is sent as "Authorization: Bearer <key>". Required.
	AccessKey string
	// MaxRetries is the number of retries after the first attempt; 0 means no
	// retries (negative values are treated as 0). The provider defaults to 4.
	MaxRetries int
	// RequestTimeout bounds each attempt (connect, headers and body); 0 = 30s.
	RequestTimeout time.Duration
	// UserAgent is sent on every request, e.g.
	// "terraform-provider-pgcloud/<version>". Empty = "pgcloud-go-client".
	UserAgent string
	// Logger receives request logs; nil = no logging.
	Logger Logger
}

// Client talks to the pgcloud API. It is safe for concurrent use.
type Client struct {
	base       string // scheme://host[/prefix]/api/v1, no trailing slash
	accessKey  string
	userAgent  string
	logger     Logger
	maxRetries int
	pageSize   int
	http       *http.Client          // sends one attempt
	retrying   *retryablehttp.Client // sends attempts until one is final
}

// New validates cfg and returns a Client. It does not contact the server.
func New(cfg Config) (*Client, error) {
	endpoint, err := normalizeEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.AccessKey) == "" {
		return nil, errors.New("pgcloud client: an access key is required")
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
	}
	c.http = &http.Client{
		Transport: &loggingTransport{base: http.DefaultTransport.(*http.Transport).Clone(), c: c},
		Timeout:   timeout, // per attempt, including reading the body
	}
	c.retrying = newRetryingClient(c.http, maxRetries)
	return c, nil
}

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

// WithIdempotencyKey returns a context whose creates use key as their
// Idempotency-Key instead of a freshly generated one.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKeyKey{}, key)
}

type idempotencyKeyKey struct{}

func isSuccess(status int) bool { return status >= 200 && status <= 299 }

// do sends one logical request. path is relative to /api/v1, already escaped.
// body (if non-nil) is JSON-encoded; out (if non-nil) receives the decoded
// JSON body of a 2xx response. A non-empty idemKey is sent as
// Idempotency-Key, which also makes a POST retryable.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, idemKey string, out any) error {
	rawURL := c.base + path
	if len(query) > 0 {
		rawURL += "?" + query.Encode()
	}
	var payload io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encoding request: %w", method, rawURL, err)
		}
		payload = bytes.NewReader(b)
	}
	tries := &attempts{}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, attemptsKey{}, tries), method, rawURL, payload)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, rawURL, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.accessKey)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}

	resp, err := c.send(req)
	if err != nil {
		return c.requestError(req, rawURL, tries, err)
	}
	defer resp.Body.Close()

	if !isSuccess(resp.StatusCode) {
		// The transport decoded the answer as it arrived.
		return c.completeAPIError(tries.lastAnswer, req, tries.count)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	if resp.StatusCode == http.StatusNoContent {
		return fmt.Errorf("%s %s: unexpected 204 No Content, a JSON body was expected", method, rawURL)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxSuccessBody))
	if err := dec.Decode(out); err != nil {
		reqID := resp.Header.Get("X-Request-Id")
		if errors.Is(err, io.EOF) {
			err = errors.New("empty body, a JSON body was expected")
		}
		if reqID != "" {
			return fmt.Errorf("%s %s: decoding %d response (request id %s): %w", method, rawURL, resp.StatusCode, reqID, err)
		}
		return fmt.Errorf("%s %s: decoding %d response: %w", method, rawURL, resp.StatusCode, err)
	}
	return nil
}

// getOne reads the object at the path made of parts (see resourcePath).
func getOne[T any](ctx context.Context, c *Client, parts ...string) (*T, error) {
	return sendOne[T](ctx, c, http.MethodGet, nil, "", parts)
}

// createOne POSTs body to the collection at parts. Its Idempotency-Key, taken
// from ctx (see WithIdempotencyKey) or made here, is reused by every retry of
// this create, so that a retry returns the first answer instead of making a
// second object.
func createOne[T any](ctx context.Context, c *Client, body any, parts ...string) (*T, error) {
	key, _ := ctx.Value(idempotencyKeyKey{}).(string)
	if key == "" {
		key = uuid.NewString()
	}
	return sendOne[T](ctx, c, http.MethodPost, body, key, parts)
}

// updateOne PATCHes the object at parts with body.
func updateOne[T any](ctx context.Context, c *Client, body any, parts ...string) (*T, error) {
	return sendOne[T](ctx, c, http.MethodPatch, body, "", parts)
}

func sendOne[T any](ctx context.Context, c *Client, method string, body any, idemKey string, parts []string) (*T, error) {
	path, err := resourcePath(parts...)
	if err != nil {
		return nil, err
	}
	var out T
	if err := c.do(ctx, method, path, nil, body, idemKey, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// deleteOne deletes the object at parts. A 404 is returned as an error;
// callers that treat it as done use IsNotFound.
func deleteOne(ctx context.Context, c *Client, parts ...string) error {
	path, err := resourcePath(parts...)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil, "", nil)
}

// pathOf joins escaped path segments; every segment must be non-empty and
// neither "." nor "..".
func pathOf(segments ...string) (string, error) {
	var b strings.Builder
	for _, s := range segments {
		if s == "" || s == "." || s == ".." {
			return "", fmt.Errorf("pgcloud client: invalid empty or dot path segment %q in %v", s, segments)
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String(), nil
}

// resourcePath builds a path from fixed words (odd positions) and ids (even
// positions), naming the missing id in the error.
func resourcePath(parts ...string) (string, error) {
	for i := 1; i < len(parts); i += 2 {
		if strings.TrimSpace(parts[i]) == "" {
			return "", fmt.Errorf("pgcloud client: an id is required after %q", parts[i-1])
		}
	}
	return pathOf(parts...)
}
