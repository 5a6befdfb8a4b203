package client

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps how long a single Retry-After is honoured, so that a
// misbehaving server cannot park a caller without a deadline for hours.
const maxRetryAfter = 60 * time.Second

// backoff is the retryablehttp.Backoff of the client: it prefers the
// response's Retry-After (seconds or HTTP date, at least min, at most
// maxRetryAfter) and otherwise waits exponentially (min·2^attempt, capped at
// max) with jitter in [d/2, d].
func backoff(min, max time.Duration, attemptNum int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			if d < min {
				d = min
			}
			return d
		}
	}
	return exponentialJitter(min, max, attemptNum)
}

func exponentialJitter(min, max time.Duration, attemptNum int) time.Duration {
	if min <= 0 {
		min = defaultRetryWaitMin
	}
	if max < min {
		max = min
	}
	d := max
	if attemptNum < 32 {
		if m := min << uint(attemptNum); m > 0 && m < max {
			d = m
		}
	}
	half := d / 2
	j := half + time.Duration(rand.Int64N(int64(d-half)+1))
	if j < min {
		j = min
	}
	return j
}

// parseRetryAfter parses a Retry-After value: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0, false
	}
	if d < 0 {
		d = 0
	}
	if d > maxRetryAfter {
		d = maxRetryAfter
	}
	return d, true
}
