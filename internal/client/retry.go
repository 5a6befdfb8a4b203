package client

import (
	"context"
	"fmt"
	"math"
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

// defaultRateLimitPatience bounds the retries of a rate-limited (429)
// request whose context has no deadline (see checkRetry): as long as the
// provider's default timeouts.
const defaultRateLimitPatience = 5 * time.Minute

// newRetryingClient sends a request again after a connection error or a
// 429, 502, 503 or 504 answer, in go-retryablehttp's own shape: checkRetry
// says which outcomes are worth another attempt and when to stop, backoff
// how long to wait.
//
// go-retryablehttp would stop after RetryMax attempts of any kind. 429s are
// bounded by time instead (see checkRetry), so RetryMax is set out of reach
// and checkRetry, which counts each request's outcomes by kind, decides.
func (c *Client) newRetryingClient(hc *http.Client) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   hc,
		RetryWaitMin: defaultRetryWaitMin,
		RetryWaitMax: defaultRetryWaitMax,
		RetryMax:     math.MaxInt32,
		CheckRetry:   c.checkRetry,
		Backoff:      c.retryWait,
		// After the backoff, a retry also waits for room in the API's rate
		// limit, as the first attempt did in send.
		PrepareRetry: c.pace,
		// The last answer comes back as it is, to be read like any other,
		// and the last error without "giving up after N attempts": do says
		// that the retries were exhausted, in its own words.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		// No Logger: the logging transport logs every attempt.
	}
}

// send sends req once if it may not be repeated (see mayRepeat), else
// through the retrying client; each attempt first waits for room in the
// API's rate limit (see pacer).
func (c *Client) send(req *http.Request) (*http.Response, error) {
	// Whatever happens, the pacer gets the ticket of the last attempt back.
	defer c.paced(attemptsOf(req.Context()), nil)
	if err := c.pace(req); err != nil {
		return nil, err
	}
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
// is returned whatever the context says. The two kinds of outcome are
// bounded differently:
//
//   - A 429 is the rate limit saying "not yet": nothing was done, the answer
//     says when to come back, and waiting is the whole remedy. A run that
//     creates hundreds of objects in parallel meets it as a matter of
//     course, and with a fixed number of 429s per request a few of them fail
//     however patiently each one waited. So 429s do not count against
//     MaxRetries: they are retried until the request's context ends — the
//     provider bounds it by the resource's timeouts, 5 minutes by default —
//     or, for a context without a deadline, for c.rateLimitPatience.
//   - A connection error, 502, 503 or 504 is a failure that may not go away,
//     and waiting longer rarely helps past a few tries: MaxRetries of them
//     are retried per request (429s in between neither count nor reset the
//     count), within the same deadline.
//
// It records in the request's attempts why it stopped, for the error.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if err == nil && !retryableStatus(resp.StatusCode) {
		return false, nil
	}
	retry, checkErr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	if !retry || checkErr != nil {
		return retry, checkErr
	}
	tries := attemptsOf(ctx)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		tries.rateLimited++
		if _, ok := ctx.Deadline(); !ok && time.Since(tries.start) >= c.rateLimitPatience {
			tries.gaveUp = gaveUpPatience
			return false, nil
		}
	} else {
		if tries.transientRetries >= c.maxRetries {
			tries.gaveUp = gaveUpMaxRetries
			return false, nil
		}
		tries.transientRetries++
	}
	tries.waiting = true
	return true, nil
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// maxRetryAfterJitter bounds the jitter added to a Retry-After.
const maxRetryAfterJitter = 5 * time.Second

// retryWait is the retryablehttp.Backoff of the client: backoff, plus when
// the answer said Retry-After, a jitter of up to half of it (at most
// maxRetryAfterJitter). Never less than the server asked for, but clients
// told the same wait — the requests a busy server refused in the same
// second, from this run or another — do not all come back in the same
// instant, to be refused together again.
func (c *Client) retryWait(waitMin, waitMax time.Duration, attemptNum int, resp *http.Response) time.Duration {
	d := backoff(waitMin, waitMax, attemptNum, resp)
	if resp == nil {
		return d
	}
	if _, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); !ok {
		return d // backoff jittered it already
	}
	return d + time.Duration(c.jitter(int64(min(d/2, maxRetryAfterJitter))+1))
}

// backoff is the wait before a retry. It prefers the answer's Retry-After
// (seconds or HTTP date, at most maxRetryAfter, at least waitMin), exactly;
// without one it waits waitMin·2^attempt, at most waitMax, with jitter in
// [d/2, d] so that clients that failed together do not all come back
// together.
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

// giveUp is why checkRetry, or the context, ended a request's retries.
type giveUp int

const (
	gaveUpMaxRetries giveUp = iota + 1 // MaxRetries failures retried
	gaveUpPatience                     // 429s for rateLimitPatience, with no deadline
	gaveUpDeadline                     // the context's deadline came while waiting to retry
)

// whyGaveUp tells whether, and why, the request with context ctx whose
// attempts are tries gave up retrying: checkRetry said so, or ctx's deadline
// came while it waited to be retried (or sent at all, for the rate limit),
// or after it had been retried. A cancelled context is no giving up:
// someone stopped the request.
func whyGaveUp(ctx context.Context, tries *attempts) giveUp {
	if tries.gaveUp != 0 {
		return tries.gaveUp
	}
	if ctx.Err() == context.DeadlineExceeded && (tries.waiting || tries.count > 1) {
		return gaveUpDeadline
	}
	return 0
}

// giveUpNote is the sentence that says a request's retries were exhausted,
// after how many attempts, and which setting allows more.
func (c *Client) giveUpNote(why giveUp, tries *attempts) string {
	took := time.Since(tries.start).Round(100 * time.Millisecond)
	switch why {
	case gaveUpMaxRetries:
		return fmt.Sprintf("Retries exhausted after %s: %s allows %s of connection errors and 502, 503 and 504 answers; raise it to retry more.",
			plural(tries.count, "attempt", "attempts"), c.maxRetriesSetting, plural(c.maxRetries, "retry", "retries"))
	case gaveUpPatience:
		return fmt.Sprintf("Retries exhausted after %s in %s: the API kept answering 429 (rate limited), and a request without a deadline "+
			"is retried for at most %s; try again later, or with fewer requests at a time.",
			plural(tries.count, "attempt", "attempts"), took, c.rateLimitPatience)
	case gaveUpDeadline:
		if tries.count == 0 {
			return fmt.Sprintf("Retries exhausted before the first attempt: the API's rate limit had no room for it within the deadline (%s); "+
				"give it more time with %s.", took, c.deadlineSetting)
		}
		limited := ""
		if tries.rateLimited > 0 {
			limited = fmt.Sprintf(", %d of them answered 429 (rate limited)", tries.rateLimited)
		}
		return fmt.Sprintf("Retries exhausted after %s in %s%s: the deadline came before a retry succeeded; give it more time with %s.",
			plural(tries.count, "attempt", "attempts"), took, limited, c.deadlineSetting)
	}
	return ""
}

// plural is "1 attempt", "3 attempts".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
