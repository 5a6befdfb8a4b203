package server

import (
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
