package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// sessionToken is the decoded envelope of a session token.
type sessionToken struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Href       string `json:"href"`
	Metadata   struct{ CreatedBy, ResourceOwner string }
	Properties struct {
		UserID         string `json:"userId"`
		OrganizationID string `json:"organizationId"`
		Name           string `json:"name"`
		ExpiresAt      string `json:"expiresAt"`
		MaskedToken    string `json:"maskedToken"`
		State          string `json:"state"`
		Secret         string `json:"secret"`
	} `json:"properties"`
}

func (e *env) tokensPath(userID string) string {
	return e.machineUsersPath() + "/" + userID + "/session-tokens"
}

// openToken opens a session token of machine user userID as admin, checks
// the 201 and returns the token, tracking its secret (so the log is checked
// for it).
func (e *env) openToken(userID string, body any, headers ...string) sessionToken {
	e.t.Helper()
	var tok sessionToken
	r := e.do("POST", e.tokensPath(userID), e.adminKey, body, headers...)
	r.decode(201, &tok)
	if r.header.Get("Location") != tok.Href {
		e.t.Errorf("Location %q, href %q", r.header.Get("Location"), tok.Href)
	}
	e.track(tok.Properties.Secret)
	return tok
}

// tokenRow is the store's row of a session token; found is false when there
// is none.
func (e *env) tokenRow(id string) (t store.SessionToken, found bool) {
	e.t.Helper()
	t, err := e.srv.store.GetSessionToken(context.Background(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		e.t.Fatal(err)
	}
	return t, err == nil
}

func TestSessionTokens(t *testing.T) {
	e := newEnv(t)
	mu := e.createMachineUser(map[string]any{"username": "ci"})
	path := e.tokensPath(mu.ID)

	tok := e.openToken(mu.ID, map[string]any{})
	p := tok.Properties
	kind, id, _, ok := platform.ParseCredential(p.Secret)
	switch {
	case !ok || kind != platform.CredentialSessionToken || id != tok.ID || len(tok.ID) != 12 || !strings.HasPrefix(p.Secret, "pgs_"+tok.ID+"_"):
		t.Fatalf("token %q does not hold token id %q", p.Secret, tok.ID)
	case tok.Type != "session-token" || tok.Href != path+"/"+tok.ID:
		t.Errorf("envelope %+v", tok)
	case p.UserID != mu.ID || p.OrganizationID != e.orgID || p.Name != "session-"+tok.ID || p.State != "active":
		t.Errorf("properties %+v", p)
	case p.ExpiresAt != e.clock.Now().Add(time.Hour).Format(time.RFC3339Nano): // the default: an hour
		t.Errorf("expiresAt %s, want an hour from now", p.ExpiresAt)
	case p.MaskedToken != "pgs_"+tok.ID+"_…"+p.Secret[len(p.Secret)-4:]:
		t.Errorf("maskedToken %q", p.MaskedToken)
	case tok.Metadata.CreatedBy != e.adminID || tok.Metadata.ResourceOwner != e.orgID:
		t.Errorf("metadata %+v", tok.Metadata)
	}
	if _, _, ok := platform.ParseAccessKey(p.Secret); ok {
		t.Errorf("a session token parses as an access key")
	}

	t.Run("authenticates as its machine user, in every credential form", func(t *testing.T) {
		if got := e.whoamiID(p.Secret); got != mu.ID {
			t.Errorf("the token authenticates %q, want %q", got, mu.ID)
		}
		for _, h := range [][2]string{{"X-Access-Key", p.Secret}, {"Authorization", "Basic " + basicOf(p.Secret)}} {
			var me struct{ User struct{ ID string } }
			e.do("GET", "/api/v1/whoami", "", nil, h[0], h[1]).decode(200, &me)
			if me.User.ID != mu.ID {
				t.Errorf("%s: authenticates %q", h[0], me.User.ID)
			}
		}
		// A key's text with the token's prefix, or the other way round, is
		// neither: the checksum covers the prefix.
		for _, forged := range []string{"pgc" + p.Secret[3:], "pgs" + e.adminKey[3:]} {
			er := e.do("GET", "/api/v1/whoami", forged, nil).wantError(401, "UNAUTHENTICATED")
			if !strings.Contains(er.Message, "not a valid") {
				t.Errorf("forged credential: %q", er.Message)
			}
		}
		// A right id with a wrong secret.
		wrong := platform.FormatSessionToken(tok.ID, strings.Repeat("A", 40))
		if er := e.do("GET", "/api/v1/whoami", wrong, nil).wantError(401, "UNAUTHENTICATED"); !strings.Contains(er.Message, "session token is unknown") {
			t.Errorf("wrong secret: %q", er.Message)
		}
	})

	t.Run("reads never show the secret; keys never show the token", func(t *testing.T) {
		var one sessionToken
		get := e.do("GET", tok.Href, e.adminKey, nil)
		get.decode(200, &one)
		var list page
		all := e.do("GET", path, e.adminKey, nil)
		all.decode(200, &list)
		keys := e.do("GET", e.keysPath(mu.ID), e.adminKey, nil)
		var keyList page
		keys.decode(200, &keyList)
		for _, body := range [][]byte{get.body, all.body, keys.body} {
			if bytes.Contains(body, []byte(`"secret"`)) || bytes.Contains(body, []byte(secretOf(p.Secret))) {
				t.Errorf("a read shows the secret: %s", body)
			}
		}
		if one.Properties.MaskedToken != p.MaskedToken || one.Properties.State != "active" || one.Properties.ExpiresAt != p.ExpiresAt || list.Total != 1 {
			t.Errorf("read %+v, list total %d", one.Properties, list.Total)
		}
		if keyList.Total != 0 {
			t.Errorf("the machine user's keys list %d items: %s", keyList.Total, keys.body)
		}
		e.do("GET", e.keysPath(mu.ID)+"/"+tok.ID, e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.do("DELETE", e.keysPath(mu.ID)+"/"+tok.ID, e.adminKey, nil).wantError(404, "NOT_FOUND")
	})

	t.Run("lifetime from 1 minute to 24 hours, and a name", func(t *testing.T) {
		for _, c := range []struct {
			seconds int
			name    string
		}{{60, "terraform-ephemeral-1"}, {86400, "a day"}, {1800, "terraform-ephemeral-1"}} {
			got := e.openToken(mu.ID, map[string]any{"name": c.name, "expiresInSeconds": c.seconds})
			want := e.clock.Now().Add(time.Duration(c.seconds) * time.Second).Format(time.RFC3339Nano)
			if got.Properties.ExpiresAt != want || got.Properties.Name != c.name {
				t.Errorf("%d s %q: expiresAt %s (want %s), name %q", c.seconds, c.name, got.Properties.ExpiresAt, want, got.Properties.Name)
			}
		}
	})

	t.Run("validation", func(t *testing.T) {
		cases := []struct {
			body   any
			status int
			fields []string
		}{
			{map[string]any{"expiresInSeconds": 59}, 422, []string{"expiresInSeconds"}},
			{map[string]any{"expiresInSeconds": 86401}, 422, []string{"expiresInSeconds"}},
			{map[string]any{"expiresInSeconds": 90.5}, 422, []string{"expiresInSeconds"}},
			{map[string]any{"expiresInSeconds": 0}, 422, []string{"expiresInSeconds"}},
			{map[string]any{"name": ""}, 422, []string{"name"}},
			{map[string]any{"name": strings.Repeat("é", 201)}, 422, []string{"name"}},
			{map[string]any{"expiresInDays": 1, "secret": "x"}, 422, []string{"expiresInDays", "secret"}},
			{map[string]any{"expiresInSeconds": "3600"}, 400, []string{"expiresInSeconds"}},
			{map[string]any{"name": 5}, 400, []string{"name"}},
			{`[]`, 400, nil},
			{``, 400, nil},
		}
		for _, c := range cases {
			e.do("POST", path, e.adminKey, c.body).wantError(c.status, "INVALID_ARGUMENT", c.fields...)
		}
	})

	t.Run("idempotent create replays the same token and makes one", func(t *testing.T) {
		n := e.total(path)
		body := map[string]any{"name": "run-7", "expiresInSeconds": 600}
		first := e.openToken(mu.ID, body, "Idempotency-Key", "run-7")
		r := e.do("POST", path, e.adminKey, body, "Idempotency-Key", "run-7")
		var again sessionToken
		r.decode(201, &again)
		if again.ID != first.ID || again.Properties.Secret != first.Properties.Secret || r.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay %+v differs from %+v", again, first)
		}
		if got := e.total(path); got != n+1 {
			t.Errorf("%d tokens, want %d", got, n+1)
		}
		// Once closed, a retry of its create opens a new token instead of
		// handing back the closed one.
		e.do("DELETE", first.Href, e.adminKey, nil).want(204)
		if fresh := e.openToken(mu.ID, body, "Idempotency-Key", "run-7"); fresh.ID == first.ID {
			t.Errorf("the retry after the close replayed the closed token")
		}
	})

	t.Run("a closed token authenticates nothing", func(t *testing.T) {
		e.do("DELETE", tok.Href, e.adminKey, nil).want(204)
		er := e.do("GET", "/api/v1/whoami", p.Secret, nil).wantError(401, "UNAUTHENTICATED")
		if !strings.Contains(er.Message, "session token") {
			t.Errorf("401 message %q does not name the session token", er.Message)
		}
		e.do("GET", tok.Href, e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.do("DELETE", tok.Href, e.adminKey, nil).wantError(404, "NOT_FOUND")
	})

	t.Run("paths", func(t *testing.T) {
		other := e.createMachineUser(map[string]any{"username": "other"})
		live := e.openToken(mu.ID, map[string]any{})
		// a token through another machine user's path does not exist
		e.do("GET", e.tokensPath(other.ID)+"/"+live.ID, e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.do("DELETE", e.tokensPath(other.ID)+"/"+live.ID, e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.whoamiID(live.Properties.Secret)
		e.do("GET", e.tokensPath("nobody"), e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.do("POST", e.tokensPath("nobody"), e.adminKey, map[string]any{}).wantError(404, "NOT_FOUND")
	})

	t.Run("people have none", func(t *testing.T) {
		person, err := e.srv.Admin().CreateHumanUser(context.Background(), e.orgID, "someone@example.com")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"GET", "POST"} {
			er := e.do(m, e.tokensPath(person), e.adminKey, map[string]any{}).wantError(403, "PERMISSION_DENIED")
			if !strings.Contains(er.Message, "machine users only") {
				t.Errorf("403 message %q", er.Message)
			}
		}
	})
}

// The core of the issue: a machine user already holding its 2 access keys
// opens as many session tokens as it likes, each of which works, and none
// of which takes a key's place.
func TestSessionTokensDoNotCountAgainstTheKeyQuota(t *testing.T) {
	e := newEnv(t)
	mu := e.createMachineUser(map[string]any{"username": "deployer"})
	if _, err := e.srv.Admin().BindOrgRole(context.Background(), mu.ID, e.orgID, platform.RoleOrgAdmin); err != nil {
		t.Fatal(err)
	}
	k1, _ := e.createKey(e.keysPath(mu.ID), e.adminKey, map[string]any{"name": "one", "expiresInDays": 30})
	k2, _ := e.createKey(e.keysPath(mu.ID), e.adminKey, map[string]any{"name": "two", "expiresInDays": 30})

	const tokens = 12
	var secrets []string
	for i := range tokens {
		tok := e.openToken(mu.ID, map[string]any{"name": fmt.Sprintf("terraform-ephemeral-%d", i)})
		secrets = append(secrets, tok.Properties.Secret)
	}
	// 2 keys and 12 tokens, all at once: each authenticates the machine
	// user with its role bindings (org_admin reads the keys of machine
	// users; a plain member could not).
	for i, cred := range append([]string{k1.Properties.Secret, k2.Properties.Secret}, secrets...) {
		if got := e.whoamiID(cred); got != mu.ID {
			t.Errorf("credential %d authenticates %q", i, got)
		}
		var keys page
		e.do("GET", e.keysPath(mu.ID), cred, nil).decode(200, &keys)
		if keys.Total != 2 {
			t.Errorf("credential %d sees %d keys, want the 2 access keys", i, keys.Total)
		}
		// ... and may do no more than the machine user may.
		e.do("POST", e.machineUsersPath(), cred, map[string]any{"username": fmt.Sprintf("no-%d", i)}).wantError(403, "PERMISSION_DENIED")
	}
	if got := e.total(e.tokensPath(mu.ID)); got != tokens {
		t.Errorf("%d session tokens listed, want %d", got, tokens)
	}
	// The key quota is as full as it was: tokens neither take nor free a place.
	er := e.do("POST", e.keysPath(mu.ID), e.adminKey, map[string]any{"name": "three", "expiresInDays": 1}).wantError(409, "QUOTA_EXCEEDED")
	if !strings.Contains(er.Message, "2 unexpired access keys") || !strings.Contains(er.Message, "/session-tokens") {
		t.Errorf("quota message %q does not point to session tokens", er.Message)
	}

	// The bootstrap org_owner's own session token does what the owner does.
	own := e.openToken(e.adminID, map[string]any{})
	made := e.do("POST", e.machineUsersPath(), own.Properties.Secret, map[string]any{"username": "made-with-a-token"})
	var m machineUser
	made.decode(201, &m)
	if m.Metadata.CreatedBy != e.adminID {
		t.Errorf("createdBy %q, want the token's machine user %q", m.Metadata.CreatedBy, e.adminID)
	}
}

// A machine user holds at most MaxLiveSessionTokens unexpired tokens; the
// expired ones free their place at once, before any purge.
func TestLiveSessionTokensAreBounded(t *testing.T) {
	e := newEnv(t)
	mu := e.createMachineUser(map[string]any{"username": "loop"})
	ctx := context.Background()
	u, err := platform.UserIn(ctx, e.srv.store, e.orgID, mu.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	for i := range platform.MaxLiveSessionTokens - 1 {
		if err := e.srv.store.CreateSessionToken(ctx, store.SessionToken{ID: fmt.Sprintf("filler%06d", i), UserID: u.ID, Name: "filler",
			SecretHash: []byte{1}, ExpiresAt: now.Add(time.Minute), Meta: store.NewMeta(now, "test")}); err != nil {
			t.Fatal(err)
		}
	}
	e.openToken(mu.ID, map[string]any{"expiresInSeconds": 3600}) // the 1000th
	er := e.do("POST", e.tokensPath(mu.ID), e.adminKey, map[string]any{}).wantError(409, "QUOTA_EXCEEDED")
	if !strings.Contains(er.Message, "wait for them to expire") {
		t.Errorf("quota message %q", er.Message)
	}
	e.clock.Advance(time.Minute) // the 999 fillers expire
	e.openToken(mu.ID, map[string]any{})
}

// An expired token authenticates nothing at once, shows "expired" until the
// purge, and is then gone with the record of its create.
func TestSessionTokensExpireAndArePurged(t *testing.T) {
	e := newEnv(t)
	mu := e.createMachineUser(map[string]any{"username": "short"})
	short := e.openToken(mu.ID, map[string]any{"expiresInSeconds": 60}, "Idempotency-Key", "short")
	long := e.openToken(mu.ID, map[string]any{"expiresInSeconds": 86400})
	ctx := context.Background()

	e.clock.Advance(59 * time.Second)
	e.whoamiID(short.Properties.Secret)
	e.clock.Advance(time.Second)
	er := e.do("GET", "/api/v1/whoami", short.Properties.Secret, nil).wantError(401, "UNAUTHENTICATED")
	if !strings.Contains(er.Message, "session token expired at "+short.Properties.ExpiresAt) {
		t.Errorf("401 message %q", er.Message)
	}
	var got sessionToken
	e.do("GET", short.Href, e.adminKey, nil).decode(200, &got)
	if got.Properties.State != "expired" {
		t.Errorf("state %q after expiry", got.Properties.State)
	}

	if err := e.srv.purgeExpiredSessionTokens(ctx); err != nil {
		t.Fatal(err)
	}
	if _, found := e.tokenRow(short.ID); found {
		t.Error("the expired token is still in the store after the purge")
	}
	if _, err := e.srv.store.GetIdempotencyRecord(ctx, e.adminID, "short"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the record of the purged token's create is still there: %v", err)
	}
	e.do("GET", short.Href, e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("DELETE", short.Href, e.adminKey, nil).wantError(404, "NOT_FOUND") // a late Close: "already gone"
	e.do("GET", "/api/v1/whoami", short.Properties.Secret, nil).wantError(401, "UNAUTHENTICATED")
	// The one that has not expired stays, and works.
	if e.total(e.tokensPath(mu.ID)) != 1 || e.whoamiID(long.Properties.Secret) != mu.ID {
		t.Error("the purge took a token that had not expired")
	}
	// A day at most: past it the long one goes too.
	e.clock.Advance(24 * time.Hour)
	e.do("GET", "/api/v1/whoami", long.Properties.Secret, nil).wantError(401, "UNAUTHENTICATED")
	if err := e.srv.purgeExpiredSessionTokens(ctx); err != nil {
		t.Fatal(err)
	}
	if e.total(e.tokensPath(mu.ID)) != 0 {
		t.Error("a token outlived 24 hours and the purge")
	}
}

// The server purges on its own, with no request: a batch larger than one
// transaction's is purged whole.
func TestServerPurgesExpiredSessionTokensByItself(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PurgeInterval = 20 * time.Millisecond })
	mu := e.createMachineUser(map[string]any{"username": "leaky"})
	ctx := context.Background()
	u, err := platform.UserIn(ctx, e.srv.store, e.orgID, mu.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	const n = purgeBatch + 7
	for i := range n {
		if err := e.srv.store.CreateSessionToken(ctx, store.SessionToken{ID: fmt.Sprintf("left%08d", i), UserID: u.ID, Name: "left behind",
			SecretHash: []byte{1}, ExpiresAt: now.Add(time.Hour), Meta: store.NewMeta(now, "test")}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond) // several purges: none takes a live token
	if got := e.total(e.tokensPath(mu.ID) + "?limit=1"); got != n {
		t.Fatalf("%d tokens before they expired, want %d", got, n)
	}
	e.clock.Advance(time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for e.total(e.tokensPath(mu.ID)+"?limit=1") != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d expired tokens still there 10s after they expired", e.total(e.tokensPath(mu.ID)+"?limit=1"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Deleting a machine user deletes its session tokens: they authenticate
// nothing, and a retry of their create does not hand them back.
func TestSessionTokensDieWithTheirMachineUser(t *testing.T) {
	e := newEnv(t)
	mu := e.createMachineUser(map[string]any{"username": "doomed"})
	a := e.openToken(mu.ID, map[string]any{}, "Idempotency-Key", "doomed-a")
	b := e.openToken(mu.ID, map[string]any{"expiresInSeconds": 86400})
	e.do("DELETE", mu.Href, e.adminKey, nil).want(204)
	for _, tok := range []sessionToken{a, b} {
		er := e.do("GET", "/api/v1/whoami", tok.Properties.Secret, nil).wantError(401, "UNAUTHENTICATED")
		if !strings.Contains(er.Message, "session token") {
			t.Errorf("401 message %q", er.Message)
		}
		if _, found := e.tokenRow(tok.ID); found {
			t.Errorf("token %s outlived its machine user", tok.ID)
		}
	}
	if _, err := e.srv.store.GetIdempotencyRecord(context.Background(), e.adminID, "doomed-a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the record of a deleted machine user's token create is still there: %v", err)
	}
}

// Each session token has a rate limit bucket of its own, apart from its
// machine user's keys and other tokens, exactly as another key would.
func TestSessionTokensHaveTheirOwnRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RateLimit = 0.5; c.RateBurst = 2 })
	mu := e.createMachineUser(map[string]any{"username": "busy"})
	// The admin key's bucket holds 2 requests: refill it before each.
	e.clock.Advance(time.Hour)
	key, _ := e.createKey(e.keysPath(mu.ID), e.adminKey, map[string]any{"name": "k", "expiresInDays": 1})
	e.clock.Advance(time.Hour)
	one := e.openToken(mu.ID, map[string]any{"expiresInSeconds": 86400}).Properties.Secret
	e.clock.Advance(time.Hour)
	two := e.openToken(mu.ID, map[string]any{"expiresInSeconds": 86400}).Properties.Secret
	for range 2 {
		e.do("GET", "/api/v1/whoami", one, nil).want(200)
	}
	er := e.do("GET", "/api/v1/whoami", one, nil).wantError(429, "RESOURCE_EXHAUSTED")
	if !strings.Contains(er.Message, "with this session token") {
		t.Errorf("429 message %q", er.Message)
	}
	e.do("GET", "/api/v1/whoami", two, nil).want(200)
	e.do("GET", "/api/v1/whoami", key.Properties.Secret, nil).want(200)
}

// sessionTokenRevocation is the decoded answer of revoking a machine user's
// session tokens.
type sessionTokenRevocation struct {
	Type       string `json:"type"`
	Href       string `json:"href"`
	Properties struct {
		UserID         string `json:"userId"`
		OrganizationID string `json:"organizationId"`
		Revoked        int    `json:"revoked"`
	} `json:"properties"`
}

// After a leak: one request revokes every session token of the machine
// user, which then authenticate nothing, while its access keys and every
// other machine user's credentials go on working.
func TestRevokeSessionTokens(t *testing.T) {
	e := newEnv(t)
	leaked := e.createMachineUser(map[string]any{"username": "leaked"})
	other := e.createMachineUser(map[string]any{"username": "other"})
	leakedKey, _ := e.createKey(e.keysPath(leaked.ID), e.adminKey, map[string]any{"name": "k", "expiresInDays": 30})
	otherKey, _ := e.createKey(e.keysPath(other.ID), e.adminKey, map[string]any{"name": "k", "expiresInDays": 30})
	short := e.openToken(leaked.ID, map[string]any{"expiresInSeconds": 60})
	e.clock.Advance(time.Minute) // expired, not purged yet: it goes, uncounted
	tokens := []sessionToken{
		e.openToken(leaked.ID, map[string]any{}),
		e.openToken(leaked.ID, map[string]any{"expiresInSeconds": 86400}, "Idempotency-Key", "leaked-run"),
		e.openToken(leaked.ID, map[string]any{"name": "third"}),
	}
	otherToken := e.openToken(other.ID, map[string]any{})
	ownToken := e.openToken(e.adminID, map[string]any{})

	var got sessionTokenRevocation
	e.do("DELETE", e.tokensPath(leaked.ID), e.adminKey, nil).decode(200, &got)
	if got.Type != "session-token-revocation" || got.Href != e.tokensPath(leaked.ID) || got.Properties.Revoked != len(tokens) ||
		got.Properties.UserID != leaked.ID || got.Properties.OrganizationID != e.orgID {
		t.Errorf("answer %+v, want %d revoked", got, len(tokens))
	}
	for i, tok := range append(tokens, short) {
		er := e.do("GET", "/api/v1/whoami", tok.Properties.Secret, nil).wantError(401, "UNAUTHENTICATED")
		if !strings.Contains(er.Message, "session token") {
			t.Errorf("token %d: 401 message %q does not name the session token", i, er.Message)
		}
		if _, found := e.tokenRow(tok.ID); found {
			t.Errorf("token %d is still in the store", i)
		}
	}
	if n := e.total(e.tokensPath(leaked.ID)); n != 0 {
		t.Errorf("%d session tokens listed after the revocation", n)
	}
	// Untouched: the machine user's access key, the other machine user's
	// key and token, the caller's own token.
	for name, cred := range map[string]string{"the leaked user's access key": leakedKey.Properties.Secret,
		"the other user's key": otherKey.Properties.Secret, "the other user's token": otherToken.Properties.Secret,
		"the caller's own token": ownToken.Properties.Secret} {
		if r := e.do("GET", "/api/v1/whoami", cred, nil); r.status != 200 {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}

	// Again: nothing left to revoke. The machine user goes on working and
	// may open new tokens; a retry of a revoked token's create opens a new
	// token rather than hand back the revoked one.
	e.do("DELETE", e.tokensPath(leaked.ID), e.adminKey, nil).decode(200, &got)
	if got.Properties.Revoked != 0 {
		t.Errorf("second revocation: %d revoked, want 0", got.Properties.Revoked)
	}
	retried := e.openToken(leaked.ID, map[string]any{"expiresInSeconds": 86400}, "Idempotency-Key", "leaked-run")
	if retried.ID == tokens[1].ID {
		t.Error("the retried create replayed a revoked token")
	}
	if e.whoamiID(retried.Properties.Secret) != leaked.ID {
		t.Error("a token opened after the revocation does not work")
	}

	// Not found, and people have no session tokens.
	e.do("DELETE", e.tokensPath("nobody"), e.adminKey, nil).wantError(404, "NOT_FOUND")
	person, err := e.srv.Admin().CreateHumanUser(context.Background(), e.orgID, "someone@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if er := e.do("DELETE", e.tokensPath(person), e.adminKey, nil).wantError(403, "PERMISSION_DENIED"); !strings.Contains(er.Message, "machine users only") {
		t.Errorf("403 message %q", er.Message)
	}
	// The 403 of a caller without the role names the role it needs.
	mate := e.createMachineUser(map[string]any{"username": "mate"})
	if _, err := e.srv.Admin().BindOrgRole(context.Background(), mate.ID, e.orgID, platform.RoleOrgAdmin); err != nil {
		t.Fatal(err)
	}
	mateKey, _ := e.createKey(e.keysPath(mate.ID), e.adminKey, map[string]any{"name": "k", "expiresInDays": 30})
	er := e.do("DELETE", e.tokensPath(other.ID), mateKey.Properties.Secret, nil).wantError(403, "PERMISSION_DENIED")
	if !strings.Contains(er.Message, "requires the org_owner role") {
		t.Errorf("403 message %q does not name the role", er.Message)
	}
	if e.whoamiID(otherToken.Properties.Secret) != other.ID {
		t.Error("a refused revocation revoked")
	}
}
