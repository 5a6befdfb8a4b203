package client

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Without Retry-After the waits grow from defaultRetryWaitMin to
// defaultRetryWaitMax.
const (
	defaultRetryWaitMin = 200 * time.Millisecond
	defaultRetryWaitMax = 10 * time.Second
)

// maxRetryAfter caps how long a single Retry-After is honoured, so that a
// misbehaving server cannot park a caller without a deadline for hours.
const maxRetryAfter = 60 * time.Second

// newRetryingClient sends a request again after a connection error or a
// 429, 502, 503 or 504 answer, in go-retryablehttp's own shape: checkRetry
// says which outcomes are worth another attempt, backoff how long to wait.
func newRetryingClient(hc *http.Client, maxRetries int) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   hc,
		RetryWaitMin: defaultRetryWaitMin,
		RetryWaitMax: defaultRetryWaitMax,
		RetryMax:     maxRetries,
		CheckRetry:   checkRetry,
		Backoff:      backoff,
		// The last answer comes back as it is, to be read like any other,
		// and the last error without "giving up after N attempts".
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		// No Logger: the logging transport logs every attempt.
	}
}

// send sends req once if it may not be repeated (see mayRepeat), else
// through the retrying client.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	if !mayRepeat(req) {
		return c.http.Do(req)
	}
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, err
	}
	resp, err := c.retrying.Do(rreq)
	if err != nil && resp != nil {
		// The context ended right after an answer worth retrying; the
		// transport kept that answer for the error.
		_ = resp.Body.Close()
		resp = nil
	}
	return resp, err
}

// mayRepeat reports whether req may be sent again: safe and idempotent
// methods always, a POST only with an Idempotency-Key, so that the server
// answers a repeat with the first answer instead of creating twice.
func mayRepeat(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	case http.MethodPost:
		return req.Header.Get("Idempotency-Key") != ""
	}
	return false
}

// checkRetry retries 429, 502, 503 and 504, and connection errors but not
// TLS, scheme or redirect errors; never once ctx is done, but a final answer
// is returned whatever the context says.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if err == nil && !retryableStatus(resp.StatusCode) {
		return false, nil
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is the retryablehttp.Backoff of the client. It prefers the
// answer's Retry-After (seconds or HTTP date, at most maxRetryAfter, at least
// waitMin); without one it waits waitMin·2^attempt, at most waitMax, with
// jitter in [d/2, d] so that clients that failed together do not all come
// back together.
func backoff(waitMin, waitMax time.Duration, attemptNum int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return max(d, waitMin)
		}
	}
	d := retryablehttp.DefaultBackoff(waitMin, waitMax, attemptNum, nil)
	return max(d/2+rand.N(d-d/2+1), waitMin)
}

// parseRetryAfter parses a Retry-After value, delay-seconds or an HTTP date,
// into a wait of 0 to maxRetryAfter.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		d = time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0, false
	}
	return min(max(d, 0), maxRetryAfter), true
}
