package server

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rateLimiter is a token bucket per credential (an access key or a session
// token): each bucket holds up to burst tokens, refills at rate tokens per
// second, and a request takes one. Per credential, not per address, because a credential is what a
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

func (l *rateLimiter) take(key string) rateDecision { return l.decide(key, true) }

// peek tells whether key has a token left without spending it.
func (l *rateLimiter) peek(key string) rateDecision { return l.decide(key, false) }

func (l *rateLimiter) decide(key string, spend bool) rateDecision {
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
		if spend {
			b.tokens--
		}
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
	d := s.limiter.take(c.credentialID)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(int(s.limiter.burst)))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	h.Set("X-RateLimit-Reset", strconv.Itoa(ceilSeconds(d.reset)))
	if d.allowed {
		return nil
	}
	retry := max(1, ceilSeconds(d.retryAfter))
	e := newError(http.StatusTooManyRequests, codeResourceExhausted,
		"too many requests with this %s (limit %g per second, burst %d); retry after %d seconds",
		c.credentialKind(), s.limiter.rate, int(s.limiter.burst), retry)
	e.header = http.Header{"Retry-After": {strconv.Itoa(retry)}}
	return e
}

// Failed authentications are limited per client address, before the key is
// looked up: a credential that fails has no bucket of its own, and without a
// limit anyone can make the server hash and look up keys as fast as it
// answers (a probe sent 2,000 wrong keys in 0.8 s). A request from an
// address whose bucket is empty gets 429 whatever its credential, so the
// limit is generous: a run whose key was revoked fails a handful of times,
// not dozens a second.
const (
	defaultAuthFailureRate  = 10  // per second and client address
	defaultAuthFailureBurst = 100 // at once
)

// checkAuthFailures answers 429 when the client address of r has spent its
// failed authentications.
func (s *Server) checkAuthFailures(r *http.Request) error {
	if s.authFailures == nil {
		return nil
	}
	d := s.authFailures.peek(s.clientAddress(r))
	if d.allowed {
		return nil
	}
	retry := max(1, ceilSeconds(d.retryAfter))
	e := newError(http.StatusTooManyRequests, codeResourceExhausted,
		"too many requests with a missing or wrong access key from this address (limit %g per second, burst %d); "+
			"check the access key, and retry after %d seconds", s.authFailures.rate, int(s.authFailures.burst), retry)
	e.header = http.Header{"Retry-After": {strconv.Itoa(retry)}}
	return e
}

// noteAuthFailure spends one failed authentication of r's client address.
func (s *Server) noteAuthFailure(r *http.Request) {
	if s.authFailures != nil {
		s.authFailures.take(s.clientAddress(r))
	}
}

// clientAddress is the address a request came from: the peer's, or, when
// the peer is a trusted load balancer, the last address of X-Forwarded-For
// that is not one (the ones before it could be made up by the client).
func (s *Server) clientAddress(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := peer.Addr().Unmap()
	if !s.trustedProxy(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed entry: trust nothing before it
		}
		if addr = hop.Unmap(); !s.trustedProxy(addr) {
			return addr.String()
		}
	}
	return addr.String()
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
