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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-retryablehttp"
)

// apiPrefix is the path prefix of the v1 API.
const apiPrefix = "/api/v1"

const (
	defaultRequestTimeout = 30 * time.Second
	defaultRetryWaitMin   = 200 * time.Millisecond
	defaultRetryWaitMax   = 10 * time.Second
	defaultUserAgent      = "pgcloud-go-client"

	// maxSuccessBody bounds how much of a successful response is decoded.
	maxSuccessBody = 32 << 20
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 1 << 20
)

// Logger is a leveled logger; the provider adapts it to tflog. The client
// never passes secrets (access key, Authorization header, passwords, secret
// body fields) to it.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Info(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
	Error(ctx context.Context, msg string, fields map[string]any)
}

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
	rc         *retryablehttp.Client
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
	c.rc = &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport: &loggingTransport{base: http.DefaultTransport.(*http.Transport).Clone(), c: c},
			Timeout:   timeout, // per attempt, including reading the body
		},
		Logger:         nil, // never log on its own
		RetryWaitMin:   defaultRetryWaitMin,
		RetryWaitMax:   defaultRetryWaitMax,
		RetryMax:       maxRetries,
		CheckRetry:     checkRetry,
		Backoff:        backoff,
		ErrorHandler:   errorHandler,
		RequestLogHook: c.requestLogHook,
	}
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

// ---- per-request state, shared by the transport, retry policy and hooks ----

type ctxKey int

const (
	stateKey ctxKey = iota
	idempotencyKeyKey
)

// WithIdempotencyKey returns a context whose creates use key as their
// Idempotency-Key instead of a freshly generated one.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKeyKey, key)
}

type reqState struct {
	mu        sync.Mutex
	retryable bool
	attempts  int
	lastEnd   time.Time
	lastDesc  string    // status or error of the previous attempt, for logs
	lastAPI   *APIError // last retried error response, if any
}

func stateFrom(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey).(*reqState)
	return st
}

// loggingTransport counts attempts and logs each at Debug. It never logs
// headers or bodies.
type loggingTransport struct {
	base http.RoundTripper
	c    *Client
}

func (t *loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := stateFrom(req.Context())
	attempt := 1
	if st != nil {
		st.mu.Lock()
		st.attempts++
		attempt = st.attempts
		st.mu.Unlock()
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	end := time.Now()
	desc := ""
	fields := map[string]any{
		"method":      req.Method,
		"path":        req.URL.EscapedPath(),
		"attempt":     attempt,
		"duration_ms": end.Sub(start).Milliseconds(),
	}
	if k := req.Header.Get("Idempotency-Key"); k != "" {
		fields["idempotency_key"] = k
	}
	if err != nil {
		desc = "error: " + t.c.redact(err.Error())
		fields["error"] = t.c.redact(err.Error())
	} else {
		desc = "status " + strconv.Itoa(resp.StatusCode)
		fields["status"] = resp.StatusCode
		if id := resp.Header.Get("X-Request-Id"); id != "" {
			fields["request_id"] = t.c.redact(id)
		}
	}
	if st != nil {
		st.mu.Lock()
		st.lastEnd = end
		st.lastDesc = desc
		st.mu.Unlock()
	}
	if t.c.logger != nil {
		t.c.logger.Debug(req.Context(), "pgcloud API request", fields)
	}
	return resp, err
}

// requestLogHook runs before every attempt; it logs retries at Warn.
func (c *Client) requestLogHook(_ retryablehttp.Logger, req *http.Request, i int) {
	if i == 0 || c.logger == nil {
		return
	}
	fields := map[string]any{
		"method":       req.Method,
		"path":         req.URL.EscapedPath(),
		"attempt":      i + 1,
		"max_attempts": c.maxRetries + 1,
	}
	if st := stateFrom(req.Context()); st != nil {
		st.mu.Lock()
		fields["previous"] = st.lastDesc
		if !st.lastEnd.IsZero() {
			fields["waited_ms"] = time.Since(st.lastEnd).Milliseconds()
		}
		st.mu.Unlock()
	}
	c.logger.Warn(req.Context(), "retrying pgcloud API request", fields)
}

// ---- retry policy ----

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// methodRetryable reports whether a request may be sent again: safe and
// idempotent methods always, POST only with an Idempotency-Key.
func methodRetryable(method string, h http.Header) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	case http.MethodPost:
		return h.Get("Idempotency-Key") != ""
	}
	return false
}

// checkRetry retries connection errors and 429/502/503/504, only for
// retryable requests, and never once ctx is done.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if err == nil && !retryableStatus(resp.StatusCode) {
		return false, nil // a final answer, whatever the context says
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st := stateFrom(ctx)
	if st == nil || !st.retryable {
		return false, nil
	}
	if err != nil {
		// Retries connection errors, not TLS/scheme/redirect errors.
		return retryablehttp.DefaultRetryPolicy(ctx, nil, err)
	}
	// Keep the body of the response we are about to retry past, so that the
	// error stays informative if the context ends during the wait.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	apiErr := apiErrorFrom(resp.StatusCode, resp.Header, body)
	st.mu.Lock()
	st.lastAPI = apiErr
	st.mu.Unlock()
	return true, nil
}

// retriesExhausted carries the outcome of the last attempt out of
// retryablehttp when it stops without a usable response.
type retriesExhausted struct {
	attempts int
	err      error
	last     *APIError
}

func (e *retriesExhausted) Error() string { return e.err.Error() }

// errorHandler returns the last response as an *APIError (with the attempt
// count) instead of retryablehttp's "giving up after N attempts".
func errorHandler(resp *http.Response, err error, numTries int) (*http.Response, error) {
	if resp != nil {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
		apiErr := apiErrorFrom(resp.StatusCode, resp.Header, body)
		apiErr.Attempts = numTries
		if err != nil { // the context ended
			return nil, &retriesExhausted{attempts: numTries, err: err, last: apiErr}
		}
		return nil, apiErr
	}
	if err == nil {
		err = errors.New("request failed")
	}
	return nil, &retriesExhausted{attempts: numTries, err: err}
}

// ---- request execution ----

// RequestError is a failure that produced no usable HTTP response: a
// connection error, a timeout, a cancelled context. It names the method and
// URL (never the access key). If retried responses were received before the
// failure, Last holds the last of them.
type RequestError struct {
	Method   string
	URL      string
	Attempts int
	Err      error
	Last     *APIError
}

func (e *RequestError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %v", e.Method, e.URL, e.Err)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.Last != nil {
		fmt.Fprintf(&b, "; last response: %s", e.Last.Error())
	}
	return b.String()
}

// Unwrap returns the cause and, if any, the last API error.
func (e *RequestError) Unwrap() []error {
	if e.Last != nil {
		return []error{e.Err, e.Last}
	}
	return []error{e.Err}
}

// redactAPIError removes the access key from texts the server sent back.
func (c *Client) redactAPIError(e *APIError) {
	e.Message = c.redact(e.Message)
	e.Code = c.redact(e.Code)
	e.RequestID = c.redact(e.RequestID)
	for i := range e.Messages {
		m := &e.Messages[i]
		m.Message, m.Field, m.ErrorCode = c.redact(m.Message), c.redact(m.Field), c.redact(m.ErrorCode)
	}
}

func (c *Client) redact(s string) string {
	if c.accessKey == "" {
		return s
	}
	return strings.ReplaceAll(s, c.accessKey, "[REDACTED]")
}

// do sends one logical request. path is relative to /api/v1, already escaped.
// body (if non-nil) is JSON-encoded; out (if non-nil) receives the decoded
// JSON body of a 2xx response. A non-empty idemKey is sent as
// Idempotency-Key, which also makes a POST retryable.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, idemKey string, out any) error {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	rawURL := c.base + path
	if len(query) > 0 {
		rawURL += "?" + query.Encode()
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("%s %s: encoding request: %w", method, rawURL, err)
		}
	}
	st := &reqState{}
	rctx := context.WithValue(ctx, stateKey, st)
	var rawBody any
	if payload != nil {
		rawBody = payload
	}
	req, err := retryablehttp.NewRequestWithContext(rctx, method, rawURL, rawBody)
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
	st.retryable = methodRetryable(method, req.Header)

	resp, err := c.rc.Do(req)
	if err != nil {
		return c.wrapDoError(method, rawURL, st, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		apiErr := apiErrorFrom(resp.StatusCode, resp.Header, b)
		apiErr.Method, apiErr.Path = method, req.URL.EscapedPath()
		st.mu.Lock()
		apiErr.Attempts = st.attempts
		st.mu.Unlock()
		c.redactAPIError(apiErr)
		return apiErr
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

func (c *Client) wrapDoError(method, rawURL string, st *reqState, err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		if u, perr := url.Parse(rawURL); perr == nil {
			apiErr.Method, apiErr.Path = method, u.EscapedPath()
		}
		c.redactAPIError(apiErr)
		return apiErr
	}
	st.mu.Lock()
	re := &RequestError{Method: method, URL: rawURL, Attempts: st.attempts, Last: st.lastAPI}
	st.mu.Unlock()
	var ex *retriesExhausted
	if errors.As(err, &ex) {
		err = ex.err
		re.Attempts = max(re.Attempts, ex.attempts)
		if ex.last != nil {
			re.Last = ex.last
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err // the URL is already in the message
	}
	re.Err = err
	if re.Last != nil {
		re.Last.Method = method
		if u, perr := url.Parse(rawURL); perr == nil {
			re.Last.Path = u.EscapedPath()
		}
		c.redactAPIError(re.Last)
	}
	return re
}

func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, http.MethodGet, path, query, nil, "", out)
}

// create POSTs body with an Idempotency-Key generated once for this logical
// create (or taken from ctx, see WithIdempotencyKey) and reused by its retries.
func (c *Client) create(ctx context.Context, path string, body, out any) error {
	key, _ := ctx.Value(idempotencyKeyKey).(string)
	if key == "" {
		key = uuid.NewString()
	}
	return c.do(ctx, http.MethodPost, path, nil, body, key, out)
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
