package client

import (
	"context"
	"errors"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is the pacer's clock in tests: time moves only when the test
// says, and the test can see how many timers are waiting.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at   time.Time
	d    time.Duration
	fire chan time.Time
	done bool // fired or stopped
}

func newFakeClock(p *pacer) *fakeClock {
	f := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	p.now = f.Now
	p.newTimer = f.NewTimer
	return f
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{at: f.now.Add(d), d: d, fire: make(chan time.Time, 1)}
	f.timers = append(f.timers, t)
	return t.fire, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		stopped := !t.done
		t.done = true
		return stopped
	}
}

// Advance moves the clock and fires the timers that are due.
func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	for _, t := range f.timers {
		if !t.done && !t.at.After(f.now) {
			t.done = true
			t.fire <- f.now
		}
	}
}

// waitTimers waits until n timers of duration d are waiting: n requests are
// blocked until d from now.
func (f *fakeClock) waitTimers(t *testing.T, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		got := 0
		for _, tm := range f.timers {
			if !tm.done && tm.at.Equal(f.now.Add(d)) {
				got++
			}
		}
		f.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d timers of %v waiting, want %d", got, d, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func rateHeader(limit, remaining, reset int) http.Header {
	return http.Header{
		"X-Ratelimit-Limit":     {strconv.Itoa(limit)},
		"X-Ratelimit-Remaining": {strconv.Itoa(remaining)},
		"X-Ratelimit-Reset":     {strconv.Itoa(reset)},
	}
}

// waitN takes n admissions from admitted, failing after a while.
func waitN(t *testing.T, admitted <-chan ticket, n int) []ticket {
	t.Helper()
	var got []ticket
	for i := range n {
		select {
		case tk := <-admitted:
			got = append(got, tk)
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d of %d requests let go", i, n)
		}
	}
	return got
}

// noMore checks that no further request is let go. (It cannot fail when
// the pacer is right, however slow the machine.)
func noMore(t *testing.T, admitted <-chan ticket) {
	t.Helper()
	select {
	case tk := <-admitted:
		t.Fatalf("request %d let go", tk.seq)
	case <-time.After(50 * time.Millisecond):
	}
}

// waiters starts n requests that wait for the pacer, and returns where the
// tickets of those let go arrive. Those still waiting when the test ends
// stop waiting.
func waiters(t *testing.T, p *pacer, n int) <-chan ticket {
	ctx := t.Context()
	admitted := make(chan ticket, n)
	for range n {
		go func() {
			tk, _, err := p.wait(ctx)
			if err != nil {
				if ctx.Err() == nil {
					t.Errorf("wait: %v", err)
				}
				return
			}
			admitted <- tk
		}()
	}
	return admitted
}

// The pacer on its own, on the test's clock: with the budget spent,
// requests wait for the reset, then go as many as the bucket holds; the rest
// wait for answers or the next reset.
func TestPacerSharesOneBudget(t *testing.T) {
	p := newPacer()
	clock := newFakeClock(p)

	// Nothing known yet: the first request goes, to find out the budget;
	// the others wait for its answer.
	first, waited, err := p.wait(context.Background())
	if err != nil || waited != 0 {
		t.Fatalf("first request: waited %v, %v", waited, err)
	}
	admitted := waiters(t, p, 2)
	noMore(t, admitted)
	// The server says 2 are left of a bucket of 5: the two go.
	p.done(first, rateHeader(5, 2, 1))
	sent := waitN(t, admitted, 2)
	// It says the bucket is empty, and full in 2 seconds.
	p.done(sent[0], rateHeader(5, 1, 2))
	p.done(sent[1], rateHeader(5, 0, 2))

	admitted = waiters(t, p, 8)
	clock.waitTimers(t, 8, 2*time.Second)
	noMore(t, admitted)

	// Not before the reset.
	clock.Advance(2*time.Second - time.Millisecond)
	noMore(t, admitted)
	// At the reset, the bucket's 5 go; the 3 others wait for answers.
	clock.Advance(time.Millisecond)
	sent = waitN(t, admitted, 5)
	noMore(t, admitted)

	// The first answer after the reset is the truth: 3 left, full in 1s;
	// with 4 requests in flight, nothing more goes until the reset.
	p.done(sent[0], rateHeader(5, 3, 1))
	clock.waitTimers(t, 3, time.Second)
	noMore(t, admitted)
	// An answer that says more is left speaks of an older bucket: until the
	// reset, answers only lower the count.
	p.done(sent[1], rateHeader(5, 4, 1))
	noMore(t, admitted)
	// Two requests end without an answer (say, the connection broke): they
	// spent nothing, and with 1 in flight, 2 of the 3 tokens are free.
	p.done(sent[2], nil)
	p.done(sent[3], nil)
	sent = append(sent[4:], waitN(t, admitted, 2)...)
	noMore(t, admitted)
	// The last one goes at the reset.
	clock.Advance(time.Second)
	sent = append(sent, waitN(t, admitted, 1)...)

	// A request whose context ends while it waits gives up with its error.
	for _, tk := range sent {
		p.done(tk, rateHeader(5, 0, 60))
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := p.wait(ctx)
		errc <- err
	}()
	clock.waitTimers(t, 1, time.Minute)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	// A Reset of an hour is heeded for a minute at most.
	clock.Advance(time.Minute)
	tk, _, _ := p.wait(context.Background())
	p.done(tk, rateHeader(5, 0, 3600))
	if p.resetAt.Sub(clock.Now()) != maxPace {
		t.Fatalf("reset in %v", p.resetAt.Sub(clock.Now()))
	}
}

// Requests sent together are served in any order and answered in any
// order: the last answer to arrive, with nothing else in flight, may be the
// first the server gave. Only an answer to a request that was alone in
// flight is the truth as it stands.
func TestPacerAnswersOutOfOrder(t *testing.T) {
	p := newPacer()
	clock := newFakeClock(p)
	tk, _, _ := p.wait(context.Background())
	p.done(tk, rateHeader(3, 3, 0)) // a full bucket of 3

	sent := waitN(t, waiters(t, p, 3), 3)
	// The server served them in the order 1, 2, 0 (2, 1 and 0 left), and
	// the answers arrive in the order 0, 2, 1.
	p.done(sent[0], rateHeader(3, 0, 1))
	p.done(sent[2], rateHeader(3, 1, 1))
	p.done(sent[1], rateHeader(3, 2, 1))
	admitted := waiters(t, p, 1)
	clock.waitTimers(t, 1, time.Second)
	noMore(t, admitted)
	clock.Advance(time.Second)
	alone := waitN(t, admitted, 1)[0]
	if !alone.alone {
		t.Fatal("the only request in flight is not alone")
	}

	// A request alone in flight tells the truth, even that more is left
	// than the pacer thought before the reset: 1 left, then (the bucket
	// refilled meanwhile) 2, and 2 requests may go at once.
	p.done(alone, rateHeader(3, 1, 1))
	sent = waitN(t, waiters(t, p, 1), 1)
	if !sent[0].alone {
		t.Fatal("the only request in flight is not alone")
	}
	p.done(sent[0], rateHeader(3, 2, 1))
	admitted = waiters(t, p, 3)
	waitN(t, admitted, 2)
	noMore(t, admitted)
}

// A server that answers without the headers is not paced, once it has
// answered; a request that got no answer does not say so.
func TestPacerWithoutHeaders(t *testing.T) {
	p := newPacer()
	newFakeClock(p)
	first, _, _ := p.wait(context.Background())
	admitted := waiters(t, p, 3)
	noMore(t, admitted)
	p.done(first, nil) // no answer: the next one finds out
	next := waitN(t, admitted, 1)
	noMore(t, admitted)
	p.done(next[0], http.Header{"Content-Type": {"application/json"}})
	waitN(t, admitted, 2)
	sent := waitN(t, waiters(t, p, 10), 10)

	// Once an answer has the headers, they count.
	p.done(sent[0], rateHeader(5, 0, 1))
	noMore(t, waiters(t, p, 1))
}

// rateLimitHeaders reads the three headers, and refuses answers without
// the two it needs.
func TestRateLimitHeaders(t *testing.T) {
	if limit, rem, reset, ok := rateLimitHeaders(rateHeader(5, 2, 3)); !ok || limit != 5 || rem != 2 || reset != 3*time.Second {
		t.Fatalf("got %d %d %v %v", limit, rem, reset, ok)
	}
	h := rateHeader(5, 2, 3)
	h.Del("X-RateLimit-Limit")
	if limit, _, _, ok := rateLimitHeaders(h); !ok || limit != 0 {
		t.Fatalf("without a limit: %d %v", limit, ok)
	}
	for _, bad := range []http.Header{nil, {}, {"X-Ratelimit-Remaining": {"1"}}, {"X-Ratelimit-Reset": {"1"}},
		{"X-Ratelimit-Remaining": {"-1"}, "X-Ratelimit-Reset": {"1"}}, {"X-Ratelimit-Remaining": {"1"}, "X-Ratelimit-Reset": {"soon"}}} {
		if _, _, _, ok := rateLimitHeaders(bad); ok {
			t.Fatalf("%v read", bad)
		}
	}
}

// Through a real server: after an answer that says the bucket is empty
// (X-RateLimit-Remaining: 0, X-RateLimit-Reset: 1), the client's next request
// — another call, or the retry of a 429 whose Retry-After says 0 — is not
// sent before the reset.
func TestPacingWaitsForTheReset(t *testing.T) {
	var mu sync.Mutex
	var arrived, answered []time.Time
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrived = append(arrived, time.Now())
		mu.Unlock()
		h := w.Header()
		h.Set("X-RateLimit-Limit", "5")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", "1")
		defer func() {
			mu.Lock()
			answered = append(answered, time.Now())
			mu.Unlock()
		}()
		if n.Add(1) == 2 {
			h.Set("Retry-After", "0")
			writeError(w, 429, "RESOURCE_EXHAUSTED", "slow down", "r-429")
			return
		}
		writeRaw(w, 200, orgJSON)
	})
	c, log := newTestClient(t, srv.URL)
	for range 2 {
		if _, err := c.GetOrganization(context.Background(), "org-1"); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(arrived) != 3 {
		t.Fatalf("%d requests", len(arrived))
	}
	for i := 1; i < 3; i++ {
		if gap := arrived[i].Sub(answered[i-1]); gap < time.Second {
			t.Fatalf("request %d sent %v after the answer that said the bucket is empty for 1s", i+1, gap)
		}
	}
	var paced int
	for _, e := range log.byLevel("DEBUG") {
		if e.Msg == "pgcloud API request waited for the rate limit" {
			paced++
		}
	}
	if paced != 2 {
		t.Fatalf("want 2 logged waits, got %d:\n%s", paced, log.text())
	}
}

// One client shares one budget between concurrent requests: against a
// token bucket of 3 that refills at 6 a second, 16 requests at once all
// succeed without a single 429 (the first finds out the budget, the others
// wait for its answer), and no faster than the bucket allows.
func TestPacingSharesTheBudgetBetweenRequests(t *testing.T) {
	const burst, rate = 3.0, 6.0
	var mu sync.Mutex
	tokens, at := burst, time.Now()
	var refused, served atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		now := time.Now()
		tokens = math.Min(burst, tokens+now.Sub(at).Seconds()*rate)
		at = now
		allowed := tokens >= 1
		if allowed {
			tokens--
		}
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(int(burst)))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(int(math.Floor(tokens))))
		h.Set("X-RateLimit-Reset", strconv.Itoa(int(math.Ceil((burst-tokens)/rate))))
		mu.Unlock()
		if !allowed {
			refused.Add(1)
			h.Set("Retry-After", "1")
			writeError(w, 429, "RESOURCE_EXHAUSTED", "slow down", "r-429")
			return
		}
		served.Add(1)
		writeRaw(w, 200, orgJSON)
	})
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 0 })
	const requests = 16
	start := time.Now()
	var wg sync.WaitGroup
	for range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetOrganization(context.Background(), "org-1"); err != nil {
				t.Errorf("request: %v", err)
			}
		}()
	}
	wg.Wait()
	if refused.Load() != 0 || served.Load() != requests {
		t.Fatalf("%d served, %d refused", served.Load(), refused.Load())
	}
	// 3 go at once; the other 13 need refills of 3: at least 4 full
	// buckets, a second each at the pacer's whole-second resets.
	if elapsed := time.Since(start); elapsed < 4*time.Second {
		t.Fatalf("%d requests in %v", requests, elapsed)
	}
}

// A request that the rate limit has no room for before its deadline is not
// sent, and says so.
func TestPacingGivesUpAtTheDeadline(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("X-RateLimit-Limit", "5")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "5")
		writeRaw(w, 200, orgJSON)
	})
	c, _ := newTestClient(t, srv.URL, withSettings)
	if _, err := c.GetOrganization(context.Background(), "org-1"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.GetOrganization(ctx, "org-1")
	var re *RequestError
	if !errors.As(err, &re) || re.Attempts != 0 || n.Load() != 1 ||
		!errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrRetriesExhausted) {
		t.Fatalf("got %#v after %d requests", err, n.Load())
	}
	want := regexp.MustCompile("^" + regexp.QuoteMeta("GET "+srv.URL+"/api/v1/organizations/org-1: waiting for room in the API's rate limit: "+
		"context deadline exceeded. Retries exhausted before the first attempt: the API's rate limit had no room for it within the deadline (") +
		`[0-9.]+m?s` + regexp.QuoteMeta("); give it more time with the resource's timeouts.") + "$")
	if !want.MatchString(err.Error()) {
		t.Fatalf("message:\n%s\nwant:\n%s", err, want)
	}
}
