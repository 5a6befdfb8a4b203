package client

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
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

// loggingTransport counts and records the attempts of each request, logs
// each at Debug and every retry at Warn. It logs neither headers nor bodies.
type loggingTransport struct {
	base http.RoundTripper
	c    *Client
}

// attempts is what one logical request remembers across its attempts. The
// logging transport, which sees each attempt, and checkRetry, which judges
// it, write it; do reads it when the request is over. The attempts of a
// request run one after another on the caller's goroutine, so it needs no
// lock.
type attempts struct {
	start      time.Time // when the request began
	count      int
	lastEnd    time.Time // when the previous attempt ended
	lastResult string    // "status 503" or "error: …", for the retry warning
	// lastAnswer is the last error answer, decoded as it arrived: it is the
	// request's error, or if the context ends while waiting to retry past
	// it, the Last of its RequestError.
	lastAnswer *APIError

	// Kept by checkRetry (see there): the retries of connection errors,
	// 502, 503 and 504, which MaxRetries bounds; the 429 answers, which it
	// does not; whether the request is waiting to be retried; and why it
	// stopped retrying, if it gave up.
	transientRetries int
	rateLimited      int
	waiting          bool
	gaveUp           giveUp

	// ticket is the pacer's for the attempt under way, until handed back.
	ticket ticket
}

type attemptsKey struct{}

// attemptsOf returns the attempts of the request whose context is ctx, or
// fresh ones for a request that do did not send.
func attemptsOf(ctx context.Context) *attempts {
	if tries, ok := ctx.Value(attemptsKey{}).(*attempts); ok {
		return tries
	}
	return &attempts{start: time.Now()}
}

func (t *loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tries := attemptsOf(req.Context())
	tries.count++
	tries.waiting = false
	path := req.URL.EscapedPath()
	// A second attempt is a retry, unless the client is following a redirect.
	if tries.count > 1 && req.Response == nil && t.c.logger != nil {
		t.c.logger.Warn(req.Context(), "retrying pgcloud API request", map[string]any{
			"method":   req.Method,
			"path":     path,
			"attempt":  tries.count,
			"previous": tries.lastResult,
			// 429s are retried until the deadline; the rest MaxRetries times.
			"rate_limited_answers": tries.rateLimited,
			"failure_retries":      tries.transientRetries,
			"max_retries":          t.c.maxRetries,
			"waited_ms":            time.Since(tries.lastEnd).Milliseconds(),
		})
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	tries.lastEnd = time.Now()
	if resp != nil {
		t.c.paced(tries, resp.Header)
	} else {
		t.c.paced(tries, nil)
	}
	fields := map[string]any{
		"method":      req.Method,
		"path":        path,
		"attempt":     tries.count,
		"duration_ms": tries.lastEnd.Sub(start).Milliseconds(),
	}
	if k := req.Header.Get("Idempotency-Key"); k != "" {
		fields["idempotency_key"] = k
	}
	if err != nil {
		tries.lastResult = "error: " + t.c.redact(err.Error())
		fields["error"] = t.c.redact(err.Error())
	} else {
		tries.lastResult = "status " + strconv.Itoa(resp.StatusCode)
		fields["status"] = resp.StatusCode
		if id := resp.Header.Get("X-Request-Id"); id != "" {
			fields["request_id"] = t.c.redact(id)
		}
		if !isSuccess(resp.StatusCode) {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
			_ = resp.Body.Close()
			resp.Body = http.NoBody
			tries.lastAnswer = apiErrorFrom(resp.StatusCode, resp.Header, body)
		}
	}
	if t.c.logger != nil {
		t.c.logger.Debug(req.Context(), "pgcloud API request", fields)
	}
	return resp, err
}

// redact removes the access key from texts that the server or the network
// stack produced, before they reach a log or an error.
func (c *Client) redact(s string) string {
	if c.accessKey != "" {
		s = strings.ReplaceAll(s, c.accessKey, "[REDACTED]")
	}
	if c.exchange != nil {
		for _, secret := range c.exchange.secrets() {
			s = strings.ReplaceAll(s, secret, "[REDACTED]")
		}
	}
	return s
}
