package server

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rateLimiter is a token bucket per credential (access key id): each bucket
// holds up to burst tokens, refills at rate tokens per second, and a request
// takes one. Per credential, not per address, because a credential is what a
// client (a Terraform run, a script) is; one noisy client must not starve the
// others. It reads time through the server's Now hook so tests can drive it.
type rateLimiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// sweepEvery bounds the memory of the limiter: buckets that have refilled
// completely carry no information and are dropped.
const sweepEvery = time.Minute

func newRateLimiter(rate float64, burst int, now func() time.Time) *rateLimiter {
	if rate <= 0 {
		return nil // unlimited
	}
	if burst <= 0 {
		burst = max(1, int(math.Ceil(2*rate)))
	}
	return &rateLimiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

type rateDecision struct {
	allowed    bool
	remaining  int
	reset      time.Duration // until the bucket is full again
	retryAfter time.Duration // until one token is available (when !allowed)
}

func (l *rateLimiter) take(key string) rateDecision {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastSweep) >= sweepEvery {
		for k, b := range l.buckets {
			if l.refill(b, now) >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens, b.at = l.refill(b, now), now
	d := rateDecision{}
	if b.tokens >= 1 {
		b.tokens--
		d.allowed = true
	} else {
		d.retryAfter = l.duration(1 - b.tokens)
	}
	d.remaining = int(math.Floor(b.tokens))
	d.reset = l.duration(l.burst - b.tokens)
	return d
}

func (l *rateLimiter) refill(b *bucket, now time.Time) float64 {
	elapsed := now.Sub(b.at).Seconds()
	if elapsed < 0 {
		elapsed = 0 // the clock went back: refill nothing
	}
	return math.Min(l.burst, b.tokens+elapsed*l.rate)
}

func (l *rateLimiter) duration(tokens float64) time.Duration {
	return time.Duration(tokens / l.rate * float64(time.Second))
}

// ceilSeconds renders d as whole seconds, rounding up.
func ceilSeconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

// rateLimit spends one token of the caller's credential and sets the
// X-RateLimit-* headers; it returns the 429 when the bucket is empty.
func (s *Server) rateLimit(w http.ResponseWriter, c *caller) *apiError {
	if s.limiter == nil {
		return nil
	}
	d := s.limiter.take(c.keyID)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(int(s.limiter.burst)))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	h.Set("X-RateLimit-Reset", strconv.Itoa(ceilSeconds(d.reset)))
	if d.allowed {
		return nil
	}
	retry := max(1, ceilSeconds(d.retryAfter))
	e := newError(http.StatusTooManyRequests, codeResourceExhausted,
		"too many requests with this access key (limit %g per second, burst %d); retry after %d seconds",
		s.limiter.rate, int(s.limiter.burst), retry)
	e.header = http.Header{"Retry-After": {strconv.Itoa(retry)}}
	return e
}
