package server

import (
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
)

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RateLimit = 0.5; c.RateBurst = 3 })
	// A machine user holds at most two keys: the bootstrap key (whose bucket
	// newEnv used) makes room for two fresh ones.
	bootstrapKey, _, _ := platform.ParseAccessKey(e.adminKey)
	e.do("DELETE", e.machineUsersPath()+"/"+e.adminID+"/access-keys/"+bootstrapKey, e.adminKey, nil).want(204)
	key := e.newKey("admin", 30)   // a fresh bucket
	other := e.newKey("admin", 30) // same user, another credential: its own bucket

	for i := range 3 {
		r := e.do("GET", "/api/v1/whoami", key, nil).want(200)
		if got := r.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(2-i) {
			t.Errorf("request %d: remaining %q", i, got)
		}
		if r.header.Get("X-RateLimit-Limit") != "3" || r.header.Get("X-RateLimit-Reset") == "" {
			t.Errorf("headers %v", r.header)
		}
	}
	r := e.do("GET", "/api/v1/whoami", key, nil)
	r.wantError(429, "RESOURCE_EXHAUSTED")
	if r.header.Get("Retry-After") != "2" { // one token at 0.5/s
		t.Errorf("Retry-After %q, want 2", r.header.Get("Retry-After"))
	}
	e.do("POST", e.machineUsersPath(), key, map[string]any{"username": "x"}).wantError(429, "RESOURCE_EXHAUSTED")
	e.do("GET", "/api/v1/whoami", other, nil).want(200)
	e.do("GET", "/healthz", "", nil).want(200) // public, not limited

	e.clock.Advance(time.Second)
	e.do("GET", "/api/v1/whoami", key, nil).wantError(429, "RESOURCE_EXHAUSTED")
	e.clock.Advance(time.Second)
	e.do("GET", "/api/v1/whoami", key, nil).want(200)
	e.clock.Advance(time.Hour) // refills to the burst, not beyond
	for range 3 {
		e.do("GET", "/api/v1/whoami", key, nil).want(200)
	}
	e.do("GET", "/api/v1/whoami", key, nil).wantError(429, "RESOURCE_EXHAUSTED")
}

func TestRateLimiterSweepsFullBuckets(t *testing.T) {
	c := newClock()
	l := newRateLimiter(10, 5, c.Now)
	for i := range 100 {
		l.take(strconv.Itoa(i))
	}
	c.Advance(2 * sweepEvery)
	l.take("new")
	if n := len(l.buckets); n != 1 {
		t.Errorf("%d buckets after the sweep, want 1", n)
	}
	if newRateLimiter(0, 10, c.Now) != nil {
		t.Error("rate 0 should mean no limiter")
	}
	if l := newRateLimiter(2.2, 0, c.Now); l.burst != 5 {
		t.Errorf("default burst %v, want 5", l.burst)
	}
}

// Requests whose credential fails are limited per client address, before
// any key is looked up; behind a trusted load balancer the address is the
// client's from X-Forwarded-For.
func TestAuthFailuresAreLimitedPerAddress(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.AuthFailureRate, c.AuthFailureBurst = 1, 5
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	const wrong = "pgc_notarealkey0_notarealsecretnotarealsecretnotarealsec_000000"
	from := func(client string) []string { return []string{"X-Forwarded-For", "198.51.100.9, " + client} }
	for range 5 {
		e.do("GET", "/api/v1/whoami", wrong, nil, from("203.0.113.7")...).wantError(401, "UNAUTHENTICATED")
	}
	r := e.do("GET", "/api/v1/whoami", wrong, nil, from("203.0.113.7")...)
	r.wantError(429, "RESOURCE_EXHAUSTED")
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want 1", r.header.Get("Retry-After"))
	}
	// The address is blocked as a whole, valid key or not: the limit comes
	// before the key is looked up.
	e.do("GET", "/api/v1/whoami", e.adminKey, nil, from("203.0.113.7")...).wantError(429, "RESOURCE_EXHAUSTED")
	// Another client behind the same balancer is not.
	e.do("GET", "/api/v1/whoami", e.adminKey, nil, from("203.0.113.8")...).want(200)
	e.do("GET", "/api/v1/whoami", wrong, nil, from("203.0.113.8")...).wantError(401, "UNAUTHENTICATED")
	// Successes spend nothing; after a second one failure is allowed again.
	for range 10 {
		e.do("GET", "/api/v1/whoami", e.adminKey, nil, from("203.0.113.8")...).want(200)
	}
	e.clock.Advance(time.Second)
	e.do("GET", "/api/v1/whoami", wrong, nil, from("203.0.113.7")...).wantError(401, "UNAUTHENTICATED")
	e.do("GET", "/api/v1/whoami", wrong, nil, from("203.0.113.7")...).wantError(429, "RESOURCE_EXHAUSTED")
}

func TestClientAddress(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	for _, c := range []struct{ remote, forwarded, want string }{
		{"192.0.2.1:5000", "", "192.0.2.1"},
		{"192.0.2.1:5000", "203.0.113.7", "192.0.2.1"}, // not a trusted proxy: its header means nothing
		{"10.1.2.3:5000", "203.0.113.7", "203.0.113.7"},
		{"10.1.2.3:5000", "6.6.6.6, 203.0.113.7, 10.9.9.9", "203.0.113.7"}, // the client wrote 6.6.6.6 itself
		{"10.1.2.3:5000", "", "10.1.2.3"},
		{"10.1.2.3:5000", "garbage, 203.0.113.7", "203.0.113.7"},
		{"10.1.2.3:5000", "203.0.113.7, garbage", "10.1.2.3"},
		{"[::ffff:192.0.2.1]:5000", "", "192.0.2.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.forwarded != "" {
			r.Header.Set("X-Forwarded-For", c.forwarded)
		}
		if got := s.clientAddress(r); got != c.want {
			t.Errorf("%s with X-Forwarded-For %q: %s, want %s", c.remote, c.forwarded, got, c.want)
		}
	}
}
