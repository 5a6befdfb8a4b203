package client

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pacer shares the API's rate limit between all the requests of one Client —
// in the provider, every request of every resource of a run — so that when
// the server says the budget is spent, requests wait for it to come back
// before they are sent, instead of each earning its own 429.
//
// The server keeps a token bucket per access key, and on every answer to an
// authenticated request it says X-RateLimit-Limit (the bucket's size),
// X-RateLimit-Remaining (whole tokens left) and X-RateLimit-Reset (seconds
// until the bucket is full again, rounded up). From them the pacer keeps a
// budget: the tokens left, and when the bucket is full again. A request may
// go when the budget, less the requests in flight, has a token left: the
// tokens left before the reset, the whole Limit after it. Otherwise it waits
// for the reset, or for a request to end, whichever comes first.
//
// Requests sent together are served in any order and answered in any order,
// so an answer may speak of a bucket from before requests that were sent
// before it and are still in flight, or answered since. So:
//
//   - until the reset, an answer can only lower the tokens left (the lowest
//     count is the latest one), and postpone the reset;
//   - the first answer after the reset, and the answer to a request that
//     was alone in flight from the moment it was sent (no other was in
//     flight, none was sent meanwhile), are the truth as it stands: they
//     set both. (Nothing else in flight when an answer arrives is not
//     enough: answers that arrived before it may speak of later buckets.)
//   - every request in flight counts as spent, although the server may have
//     counted it already. That errs on the side of waiting.
//
// Waiting for the bucket to be full rather than for the next token needs no
// guess at the server's refill rate, and keeps the average rate at the
// server's own (a bucket of Limit every Limit/rate seconds); the price is
// that requests go in bursts of Limit, and that a server whose bucket
// refills in less than a second (Reset is whole seconds) is used below its
// rate.
//
// Until an answer has carried the headers, one request at a time goes, to
// find out the budget, so that a run's opening burst does not meet 429s
// either; an answer without them (a server that does not limit, a failed
// authentication) lets everything go unpaced until one has them.
type pacer struct {
	now      func() time.Time
	newTimer func(d time.Duration) (fire <-chan time.Time, stop func() bool)

	mu        sync.Mutex
	known     bool          // an answer has carried the headers
	unpaced   bool          // an answer has come without them, none with
	limit     int           // X-RateLimit-Limit; 0 if never sent
	remaining int           // tokens left until resetAt
	resetAt   time.Time     // when the bucket is full again
	inFlight  int           // requests sent and not answered
	issued    uint64        // tickets issued so far
	changed   chan struct{} // closed, and replaced, whenever a request ends
}

// ticket is what wait gives a request, for done.
type ticket struct {
	seq   uint64 // the ticket's number; 0 = none
	alone bool   // nothing else was in flight when it was issued
}

// maxPace bounds how long one X-RateLimit-Reset makes requests wait, as
// maxRetryAfter bounds Retry-After.
const maxPace = maxRetryAfter

func newPacer() *pacer {
	return &pacer{
		now: time.Now,
		newTimer: func(d time.Duration) (<-chan time.Time, func() bool) {
			t := time.NewTimer(d)
			return t.C, t.Stop
		},
		changed: make(chan struct{}),
	}
}

// wait returns when the budget has room for one more request, which then
// counts as in flight until done is called with its ticket; with how long it
// waited (0 if there was room at once). If ctx ends first, it returns ctx's
// error.
func (p *pacer) wait(ctx context.Context) (t ticket, waited time.Duration, err error) {
	var start time.Time
	for {
		p.mu.Lock()
		now := p.now()
		wake, ok := p.room(now)
		if ok {
			p.issued++
			t = ticket{seq: p.issued, alone: p.inFlight == 0}
			p.inFlight++
			p.mu.Unlock()
			if !start.IsZero() {
				waited = now.Sub(start)
			}
			return t, waited, nil
		}
		changed := p.changed
		p.mu.Unlock()
		if start.IsZero() {
			start = now
		}

		var fire <-chan time.Time // nil (never) when only an answer can help
		stop := func() bool { return false }
		if !wake.IsZero() {
			fire, stop = p.newTimer(wake.Sub(now))
		}
		select {
		case <-ctx.Done():
		case <-fire:
		case <-changed:
		}
		stop()
		if err := ctx.Err(); err != nil {
			// Even if there is room now: the request is over.
			return ticket{}, p.now().Sub(start), err
		}
	}
}

// room tells whether a request may go now; if not, when to look again (zero:
// when a request in flight ends). p.mu is held.
func (p *pacer) room(now time.Time) (wake time.Time, ok bool) {
	if !p.known {
		return time.Time{}, p.unpaced || p.inFlight == 0
	}
	budget := p.remaining
	if now.Before(p.resetAt) {
		wake = p.resetAt
	} else if p.limit > 0 {
		budget = p.limit
	} else {
		return time.Time{}, true // full again, but of a size never said
	}
	return wake, budget-p.inFlight > 0
}

// done ends the request that wait gave t; h is the header of its answer,
// nil if there was none.
func (p *pacer) done(t ticket, h http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight--
	if limit, remaining, reset, ok := rateLimitHeaders(h); ok {
		now := p.now()
		resetAt := now.Add(reset)
		alone := t.alone && t.seq == p.issued
		if !p.known || alone || !now.Before(p.resetAt) {
			p.remaining, p.resetAt = remaining, resetAt
		} else {
			p.remaining = min(p.remaining, remaining)
			if resetAt.After(p.resetAt) {
				p.resetAt = resetAt
			}
		}
		p.known = true
		if limit > 0 {
			p.limit = limit
		}
	} else if h != nil {
		p.unpaced = true
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

// rateLimitHeaders reads X-RateLimit-Remaining and X-RateLimit-Reset (both
// required) and X-RateLimit-Limit (0 when absent).
func rateLimitHeaders(h http.Header) (limit, remaining int, reset time.Duration, ok bool) {
	if h == nil {
		return 0, 0, 0, false
	}
	remaining, okRemaining := nonNegative(h.Get("X-RateLimit-Remaining"))
	resetSecs, okReset := nonNegative(h.Get("X-RateLimit-Reset"))
	if !okRemaining || !okReset {
		return 0, 0, 0, false
	}
	limit, _ = nonNegative(h.Get("X-RateLimit-Limit"))
	return limit, remaining, time.Duration(min(resetSecs, int(maxPace/time.Second))) * time.Second, true
}

func nonNegative(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 0
}

// pace waits, before an attempt of req, for room in the API's rate limit
// (see pacer); the attempt then counts as in flight until the logging
// transport, or send, calls paced.
func (c *Client) pace(req *http.Request) error {
	tries := attemptsOf(req.Context())
	c.paced(tries, nil) // an attempt that never reached the transport
	if err := req.Context().Err(); err != nil {
		return err // over before it began: no attempt, and no budget spent
	}
	t, waited, err := c.pacer.wait(req.Context())
	if err != nil {
		tries.waiting = true // for the rate limit: see whyGaveUp
		return fmt.Errorf("waiting for room in the API's rate limit: %w", err)
	}
	tries.ticket = t
	if waited > 0 && c.logger != nil {
		c.logger.Debug(req.Context(), "pgcloud API request waited for the rate limit", map[string]any{
			"method":    req.Method,
			"path":      req.URL.EscapedPath(),
			"attempt":   tries.count + 1,
			"waited_ms": waited.Milliseconds(),
		})
	}
	return nil
}

// paced tells the pacer that the attempt under way has ended, with the
// answer's header (nil for none), unless it has been told already.
func (c *Client) paced(tries *attempts, h http.Header) {
	if tries.ticket.seq != 0 {
		c.pacer.done(tries.ticket, h)
		tries.ticket = ticket{}
	}
}
