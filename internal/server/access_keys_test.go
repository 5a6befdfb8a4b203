package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// accessKey is the decoded envelope of an access key.
type accessKey struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Href       string `json:"href"`
	Metadata   struct{ CreatedBy, ResourceOwner string }
	Properties struct {
		ID             string `json:"id"`
		UserID         string `json:"userId"`
		OrganizationID string `json:"organizationId"`
		Name           string `json:"name"`
		ExpiresAt      string `json:"expiresAt"`
		MaskedKey      string `json:"maskedKey"`
		State          string `json:"state"`
		ConfirmBy      string `json:"confirmBy"`
		Secret         string `json:"secret"`
	} `json:"properties"`
}

// createKey posts body to path as key, checks the 201 and returns the key,
// tracking its secret (so the log is checked for it).
func (e *env) createKey(path, key string, body any, headers ...string) (accessKey, *resp) {
	e.t.Helper()
	var k accessKey
	r := e.do("POST", path, key, body, headers...)
	r.decode(201, &k)
	e.track(k.Properties.Secret)
	return k, r
}

func (e *env) keysPath(userID string) string {
	return e.machineUsersPath() + "/" + userID + "/access-keys"
}

func (e *env) whoamiID(key string) string {
	e.t.Helper()
	var me struct{ User struct{ ID string } }
	e.do("GET", "/api/v1/whoami", key, nil).decode(200, &me)
	return me.User.ID
}

func TestMachineUserAccessKeys(t *testing.T) {
	e := newEnv(t)
	mu := e.createMachineUser(map[string]any{"username": "ci"})
	path := e.keysPath(mu.ID)

	k, r := e.createKey(path, e.adminKey, map[string]any{"name": "one", "expiresInDays": 30})
	p := k.Properties
	id, _, ok := platform.ParseAccessKey(p.Secret)
	switch {
	case !ok || id != k.ID || len(k.ID) != 12: // key ids have 12 characters
		t.Fatalf("secret %q does not hold key id %q", p.Secret, k.ID)
	case k.Type != "access-key" || k.Href != path+"/"+k.ID || r.header.Get("Location") != k.Href:
		t.Errorf("envelope %+v, Location %q", k, r.header.Get("Location"))
	case p.UserID != mu.ID || p.OrganizationID != e.orgID || p.Name != "one" || p.State != "active" || p.ID != "":
		t.Errorf("properties %+v", p)
	case p.ExpiresAt != e.clock.Now().AddDate(0, 0, 30).Format(time.RFC3339Nano):
		t.Errorf("expiresAt %s", p.ExpiresAt)
	case p.MaskedKey != "pgc_"+k.ID+"_…"+p.Secret[len(p.Secret)-4:]:
		t.Errorf("maskedKey %q", p.MaskedKey)
	case k.Metadata.CreatedBy != e.adminID || k.Metadata.ResourceOwner != e.orgID:
		t.Errorf("metadata %+v", k.Metadata)
	}
	if got := e.whoamiID(p.Secret); got != mu.ID {
		t.Errorf("the new key authenticates %q, want %q", got, mu.ID)
	}

	t.Run("reads never show the secret", func(t *testing.T) {
		var one accessKey
		get := e.do("GET", k.Href, e.adminKey, nil)
		get.decode(200, &one)
		var list page
		all := e.do("GET", path, e.adminKey, nil)
		all.decode(200, &list)
		for _, body := range [][]byte{get.body, all.body} {
			if bytes.Contains(body, []byte(`"secret"`)) || bytes.Contains(body, []byte(secretOf(p.Secret))) {
				t.Errorf("a read shows the secret: %s", body)
			}
		}
		if one.Properties.MaskedKey != p.MaskedKey || one.Properties.State != "active" || list.Total != 1 {
			t.Errorf("read %+v, list total %d", one.Properties, list.Total)
		}
	})

	t.Run("idempotent create replays the same key and makes one", func(t *testing.T) {
		body := map[string]any{"name": "two", "expiresInDays": 7}
		first, _ := e.createKey(path, e.adminKey, body, "Idempotency-Key", "key-two")
		again, r := e.createKey(path, e.adminKey, body, "Idempotency-Key", "key-two")
		if again.ID != first.ID || again.Properties.Secret != first.Properties.Secret || r.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay %+v differs from %+v", again, first)
		}
		var list page
		e.do("GET", path, e.adminKey, nil).decode(200, &list)
		if list.Total != 2 {
			t.Errorf("%d keys, want 2", list.Total)
		}
	})

	t.Run("quota of 2 keys, names unique", func(t *testing.T) {
		e.do("POST", path, e.adminKey, map[string]any{"name": "one", "expiresInDays": 1}).wantError(409, "ALREADY_EXISTS", "name")
		er := e.do("POST", path, e.adminKey, map[string]any{"name": "three", "expiresInDays": 1}).wantError(409, "QUOTA_EXCEEDED")
		if !strings.Contains(er.Message, "delete a key first") || !strings.Contains(er.Message, "2 unexpired access keys") {
			t.Errorf("quota message %q does not say what to do", er.Message)
		}
	})

	t.Run("a deleted key authenticates nothing", func(t *testing.T) {
		e.do("DELETE", k.Href, e.adminKey, nil).want(204)
		e.do("GET", "/api/v1/whoami", p.Secret, nil).wantError(401, "UNAUTHENTICATED")
		e.do("GET", k.Href, e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.do("DELETE", k.Href, e.adminKey, nil).wantError(404, "NOT_FOUND")
	})

	t.Run("an expired key shows expired and authenticates nothing", func(t *testing.T) {
		short, _ := e.createKey(path, e.adminKey, map[string]any{"name": "short", "expiresInDays": 1})
		e.whoamiID(short.Properties.Secret)
		e.clock.Advance(24 * time.Hour)
		var got accessKey
		e.do("GET", short.Href, e.adminKey, nil).decode(200, &got)
		if got.Properties.State != "expired" {
			t.Errorf("state %q after expiry", got.Properties.State)
		}
		e.do("GET", "/api/v1/whoami", short.Properties.Secret, nil).wantError(401, "UNAUTHENTICATED")
		// It no longer counts against the quota: a second key fits beside
		// "two" without anyone deleting it (TestExpiredKeysDoNotCountAgainstTheQuota).
		x, _ := e.createKey(path, e.adminKey, map[string]any{"name": "x", "expiresInDays": 1})
		e.do("DELETE", x.Href, e.adminKey, nil).want(204)
		e.do("DELETE", short.Href, e.adminKey, nil).want(204)
	})

	t.Run("validation", func(t *testing.T) {
		cases := []struct {
			body   any
			status int
			fields []string
		}{
			{map[string]any{}, 422, []string{"name", "expiresInDays"}},
			{map[string]any{"name": "", "expiresInDays": 1}, 422, []string{"name"}},
			{map[string]any{"name": strings.Repeat("é", 201), "expiresInDays": 1}, 422, []string{"name"}},
			{map[string]any{"name": "n", "expiresInDays": 0}, 422, []string{"expiresInDays"}},
			{map[string]any{"name": "n", "expiresInDays": 366}, 422, []string{"expiresInDays"}},
			{map[string]any{"name": "n", "expiresInDays": 1.5}, 422, []string{"expiresInDays"}},
			{map[string]any{"name": "n", "expiresInDays": 1, "secret": "x", "userId": "y"}, 422, []string{"secret", "userId"}},
			{map[string]any{"name": "n", "expiresInDays": "30"}, 400, []string{"expiresInDays"}},
			{map[string]any{"name": 5, "expiresInDays": 1}, 400, []string{"name"}},
			{`[]`, 400, nil},
		}
		for _, c := range cases {
			e.do("POST", path, e.adminKey, c.body).wantError(c.status, "INVALID_ARGUMENT", c.fields...)
		}
	})

	t.Run("paths", func(t *testing.T) {
		other := e.createMachineUser(map[string]any{"username": "other"})
		var list page
		e.do("GET", path, e.adminKey, nil).decode(200, &list)
		var one accessKey
		if err := json.Unmarshal(list.Items[0], &one); err != nil {
			t.Fatal(err)
		}
		// a key through another machine user's path does not exist
		e.do("GET", e.keysPath(other.ID)+"/"+one.ID, e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.do("DELETE", e.keysPath(other.ID)+"/"+one.ID, e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.do("GET", e.keysPath("nobody"), e.adminKey, nil).wantError(404, "NOT_FOUND")
		e.do("POST", e.keysPath("nobody"), e.adminKey, map[string]any{"name": "n", "expiresInDays": 1}).wantError(404, "NOT_FOUND")
	})

	t.Run("keys of people are self-service", func(t *testing.T) {
		person, err := e.srv.Admin().CreateHumanUser(context.Background(), e.orgID, "someone@example.com")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"GET", "POST"} {
			er := e.do(m, e.keysPath(person), e.adminKey, map[string]any{"name": "n", "expiresInDays": 1}).wantError(403, "PERMISSION_DENIED")
			if !strings.Contains(er.Message, "self-service") || !strings.Contains(er.Message, "/api/v1/users/me/access-keys") {
				t.Errorf("403 message %q does not point to self-service", er.Message)
			}
		}
	})
}

func TestMyAccessKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	me, err := e.srv.Admin().CreateHumanUser(ctx, e.orgID, "me@example.com")
	if err != nil {
		t.Fatal(err)
	}
	opKey := e.newKey(me, 30) // operator-issued: does not count against the quota
	const path = "/api/v1/users/me/access-keys"

	var list page
	e.do("GET", path, opKey, nil).decode(200, &list)
	if list.Total != 1 {
		t.Fatalf("%d keys, want the operator's 1", list.Total)
	}
	var op accessKey
	e.do("GET", path+"/"+keyIDOf(opKey), opKey, nil).decode(200, &op)
	if op.Properties.UserID != me || op.Href != path+"/"+op.ID || op.Properties.MaskedKey != "pgc_"+op.ID+"_…"+opKey[len(opKey)-4:] {
		t.Errorf("own operator key %+v", op)
	}

	mine, r := e.createKey(path, opKey, map[string]any{"name": "laptop", "expiresInDays": 10})
	if mine.Href != path+"/"+mine.ID || r.header.Get("Location") != mine.Href || mine.Properties.UserID != me {
		t.Errorf("created %+v", mine)
	}
	if got := e.whoamiID(mine.Properties.Secret); got != me {
		t.Errorf("the new key authenticates %q", got)
	}
	er := e.do("POST", path, opKey, map[string]any{"name": "second", "expiresInDays": 10}).wantError(409, "QUOTA_EXCEEDED")
	if !strings.Contains(er.Message, "delete it") {
		t.Errorf("quota message %q", er.Message)
	}
	e.do("POST", path, opKey, map[string]any{"name": "x", "expiresInDays": 400}).wantError(422, "INVALID_ARGUMENT", "expiresInDays")

	// Deleting it frees the place; it authenticates nothing any more.
	e.do("DELETE", mine.Href, mine.Properties.Secret, nil).want(204)
	e.do("GET", "/api/v1/whoami", mine.Properties.Secret, nil).wantError(401, "UNAUTHENTICATED")
	e.createKey(path, opKey, map[string]any{"name": "laptop", "expiresInDays": 10})

	// Someone else's keys are not there.
	e.do("GET", path+"/"+keyIDOf(e.adminKey), opKey, nil).wantError(404, "NOT_FOUND")
	e.do("DELETE", path+"/"+keyIDOf(e.adminKey), opKey, nil).wantError(404, "NOT_FOUND")
	e.whoamiID(e.adminKey)

	// A machine user has no self-service keys.
	for _, m := range []string{"GET", "POST"} {
		er := e.do(m, path, e.adminKey, map[string]any{"name": "n", "expiresInDays": 1}).wantError(403, "PERMISSION_DENIED")
		if !strings.Contains(er.Message, "organization owner") {
			t.Errorf("403 message %q", er.Message)
		}
	}
}

func TestMachineUserCreateWithInitialKey(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"username": "with-key", "accessKey": map[string]any{"name": "initial", "expiresInDays": 5}}
	first := e.do("POST", e.machineUsersPath(), e.adminKey, body, "Idempotency-Key", "mu-1")
	var mu struct {
		ID         string
		Href       string
		Properties struct {
			AccessKey *struct {
				ID, UserID, OrganizationID, Name, ExpiresAt, MaskedKey, State, Secret string
			} `json:"accessKey"`
		}
	}
	first.decode(201, &mu)
	k := mu.Properties.AccessKey
	if k == nil || k.ID == "" || k.UserID != mu.ID || k.Name != "initial" || k.State != "active" || k.OrganizationID != e.orgID {
		t.Fatalf("initial key %+v", k)
	}
	e.track(k.Secret)
	if got := e.whoamiID(k.Secret); got != mu.ID {
		t.Errorf("the initial key authenticates %q, want %q", got, mu.ID)
	}
	if k.ExpiresAt != e.clock.Now().AddDate(0, 0, 5).Format(time.RFC3339Nano) || k.MaskedKey != "pgc_"+k.ID+"_…"+k.Secret[len(k.Secret)-4:] {
		t.Errorf("initial key %+v", k)
	}
	again := e.do("POST", e.machineUsersPath(), e.adminKey, body, "Idempotency-Key", "mu-1").want(201)
	if !bytes.Equal(again.body, first.body) {
		t.Errorf("replay differs:\n%s\n%s", first.body, again.body)
	}
	for _, p := range []string{mu.Href, e.machineUsersPath()} {
		if r := e.do("GET", p, e.adminKey, nil).want(200); bytes.Contains(r.body, []byte("accessKey")) {
			t.Errorf("a read shows the initial key: %s", r.body)
		}
	}
	var keys page
	e.do("GET", e.keysPath(mu.ID), e.adminKey, nil).decode(200, &keys)
	if keys.Total != 1 {
		t.Errorf("%d keys, want 1", keys.Total)
	}

	n := countMachineUsers(t, e)
	for _, c := range []struct {
		accessKey any
		status    int
		fields    []string
	}{
		{map[string]any{}, 422, []string{"accessKey.name", "accessKey.expiresInDays", "username"}},
		{map[string]any{"name": "k", "expiresInDays": 0, "x": 1}, 422, []string{"accessKey.x", "accessKey.expiresInDays", "username"}},
		{"key", 400, []string{"accessKey"}},
		{nil, 400, []string{"accessKey"}},
		{map[string]any{"name": 1, "expiresInDays": 3}, 400, []string{"accessKey.name"}},
	} {
		e.do("POST", e.machineUsersPath(), e.adminKey, map[string]any{"username": "a b", "accessKey": c.accessKey}).
			wantError(c.status, "INVALID_ARGUMENT", c.fields...)
	}
	if got := countMachineUsers(t, e); got != n {
		t.Errorf("invalid creates made machine users: %d, want %d", got, n)
	}
	e.do("PATCH", mu.Href, e.adminKey, map[string]any{"accessKey": map[string]any{}}).wantError(422, "INVALID_ARGUMENT", "accessKey")
}

// Expired access keys stop counting against the quotas at the moment they
// expire: a machine user whose 2 keys expired gets new ones without anyone
// deleting anything, and so does a person with its 1 own key.
func TestExpiredKeysDoNotCountAgainstTheQuota(t *testing.T) {
	e := newEnv(t)
	mu := e.createMachineUser(map[string]any{"username": "rotating"})
	path := e.keysPath(mu.ID)
	e.createKey(path, e.adminKey, map[string]any{"name": "day-1a", "expiresInDays": 1})
	e.createKey(path, e.adminKey, map[string]any{"name": "day-1b", "expiresInDays": 1})
	e.do("POST", path, e.adminKey, map[string]any{"name": "day-1c", "expiresInDays": 1}).wantError(409, "QUOTA_EXCEEDED")

	e.clock.Advance(24 * time.Hour)
	// Both expired: 2 new keys fit beside them, a third does not.
	e.createKey(path, e.adminKey, map[string]any{"name": "day-2a", "expiresInDays": 30})
	fresh, _ := e.createKey(path, e.adminKey, map[string]any{"name": "day-2b", "expiresInDays": 30})
	e.do("POST", path, e.adminKey, map[string]any{"name": "day-2c", "expiresInDays": 30}).wantError(409, "QUOTA_EXCEEDED")
	var list struct {
		Total int
		Items []accessKey
	}
	e.do("GET", path, e.adminKey, nil).decode(200, &list)
	states := map[string]string{}
	for _, k := range list.Items {
		states[k.Properties.Name] = k.Properties.State
	}
	if list.Total != 4 || states["day-1a"] != "expired" || states["day-1b"] != "expired" || states["day-2a"] != "active" || states["day-2b"] != "active" {
		t.Errorf("keys %v (total %d): the expired ones stay listed until deleted", states, list.Total)
	}
	// An expired key keeps its name, and the refusal says why.
	er := e.do("POST", path, e.adminKey, map[string]any{"name": "day-1a", "expiresInDays": 1}).wantError(409, "ALREADY_EXISTS", "name")
	if !strings.Contains(er.Message, "expired since") {
		t.Errorf("name message %q does not say the key expired", er.Message)
	}
	// Deleting one of the live keys frees a place, as before.
	e.do("DELETE", fresh.Href, e.adminKey, nil).want(204)
	e.createKey(path, e.adminKey, map[string]any{"name": "day-2c", "expiresInDays": 30})

	// A person's own key: the same rule.
	person, err := e.srv.Admin().CreateHumanUser(context.Background(), e.orgID, "dev@example.com")
	if err != nil {
		t.Fatal(err)
	}
	opKey := e.newKey(person, 365)
	const mine = "/api/v1/users/me/access-keys"
	e.createKey(mine, opKey, map[string]any{"name": "laptop", "expiresInDays": 1})
	e.do("POST", mine, opKey, map[string]any{"name": "desktop", "expiresInDays": 1}).wantError(409, "QUOTA_EXCEEDED")
	e.clock.Advance(24 * time.Hour)
	e.createKey(mine, opKey, map[string]any{"name": "desktop", "expiresInDays": 1})
	e.do("POST", mine, opKey, map[string]any{"name": "tablet", "expiresInDays": 1}).wantError(409, "QUOTA_EXCEEDED")
}

// A key created with requireConfirmation works for nobody and counts
// against no quota until its creator confirms it received the secret; a
// create whose answer was lost is never confirmed, and its key is gone when
// the lease runs out, with the record that would replay it: the quota of 2
// is never taken by a key nobody holds.
func TestUnconfirmedAccessKeys(t *testing.T) {
	e := newEnv(t)
	mu := e.createMachineUser(map[string]any{"username": "two-phase"})
	path := e.keysPath(mu.ID)
	ctx := context.Background()
	unconfirmed := func(name, idem string) accessKey {
		t.Helper()
		k, _ := e.createKey(path, e.adminKey, map[string]any{"name": name, "expiresInDays": 30, "requireConfirmation": true},
			"Idempotency-Key", idem)
		return k
	}

	k := unconfirmed("deploy", "idem-deploy")
	lease := e.clock.Now().Add(platform.DefaultUnconfirmedKeyLease).Format(time.RFC3339Nano)
	if k.Properties.State != "unconfirmed" || k.Properties.ConfirmBy != lease {
		t.Errorf("a new key: state %q, confirmBy %q; want unconfirmed until %s", k.Properties.State, k.Properties.ConfirmBy, lease)
	}
	er := e.do("GET", "/api/v1/whoami", k.Properties.Secret, nil).wantError(401, "UNAUTHENTICATED")
	if !strings.Contains(er.Message, "not confirmed") {
		t.Errorf("401 message %q does not say the key awaits confirmation", er.Message)
	}
	// It counts against no quota: two ordinary keys fit beside it.
	a, _ := e.createKey(path, e.adminKey, map[string]any{"name": "a", "expiresInDays": 30})
	b, _ := e.createKey(path, e.adminKey, map[string]any{"name": "b", "expiresInDays": 30})
	// ...and a confirmation that would make it the third is refused, and
	// leaves it unconfirmed.
	e.do("POST", k.Href+"/confirm", e.adminKey, nil).wantError(409, "QUOTA_EXCEEDED")
	e.do("DELETE", b.Href, e.adminKey, nil).want(204)
	var got accessKey
	e.do("POST", k.Href+"/confirm", e.adminKey, nil).decode(200, &got)
	if got.Properties.State != "active" || got.Properties.ConfirmBy != "" || got.Properties.Secret != "" {
		t.Errorf("confirmed: %+v", got.Properties)
	}
	if e.whoamiID(k.Properties.Secret) != mu.ID {
		t.Error("the confirmed key does not authenticate its machine user")
	}
	e.do("POST", k.Href+"/confirm", e.adminKey, nil).decode(200, &got) // a retry changes nothing
	e.clock.Advance(platform.DefaultUnconfirmedKeyLease)
	if e.whoamiID(k.Properties.Secret) != mu.ID {
		t.Error("the lease took a confirmed key")
	}
	// With the quota full, an unconfirmed key is refused at once: its
	// confirmation could not succeed.
	e.do("POST", path, e.adminKey, map[string]any{"name": "third", "expiresInDays": 30, "requireConfirmation": true}).
		wantError(409, "QUOTA_EXCEEDED")
	e.do("DELETE", a.Href, e.adminKey, nil).want(204)

	// A lost answer: the key is never confirmed. A replay hands it back
	// within the lease; past it, the key is gone (not listed, 404, 401,
	// its name free) and the same create makes a new key.
	lost := unconfirmed("lost", "idem-lost")
	if again, r := e.createKey(path, e.adminKey, map[string]any{"name": "lost", "expiresInDays": 30, "requireConfirmation": true},
		"Idempotency-Key", "idem-lost"); again.ID != lost.ID || r.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a retry within the lease made %s, want the replay of %s", again.ID, lost.ID)
	}
	if n := e.total(path); n != 2 {
		t.Errorf("%d keys listed, want 2 (the unconfirmed one listed as such)", n)
	}
	e.clock.Advance(platform.DefaultUnconfirmedKeyLease)
	e.do("GET", lost.Href, e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("POST", lost.Href+"/confirm", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("GET", "/api/v1/whoami", lost.Properties.Secret, nil).wantError(401, "UNAUTHENTICATED")
	if n := e.total(path); n != 1 {
		t.Errorf("%d keys listed after the lease, want 1", n)
	}
	if err := e.srv.purgeLapsedAccessKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.store.GetAccessKey(ctx, lost.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the lapsed key is still in the store after the purge: %v", err)
	}
	if _, err := e.srv.store.GetIdempotencyRecord(ctx, e.adminID, "idem-lost"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the record of the lapsed key's create is still there: %v", err)
	}
	fresh := unconfirmed("lost", "idem-lost")
	if fresh.ID == lost.ID {
		t.Error("the create after the lease replayed the lapsed key")
	}

	// A lapsed key frees its name at once, before any purge.
	quick := unconfirmed("quick", "idem-quick")
	e.clock.Advance(platform.DefaultUnconfirmedKeyLease)
	if again := unconfirmed("quick", "idem-quick-2"); again.ID == quick.ID {
		t.Error("the same key again")
	}

	// Unconfirmed keys are bounded.
	for i := range platform.MaxUnconfirmedKeys - 1 { // the second "quick" waits already (the lease took the rest)
		unconfirmed(fmt.Sprintf("pending-%d", i), fmt.Sprintf("idem-pending-%d", i))
	}
	e.do("POST", path, e.adminKey, map[string]any{"name": "one-too-many", "expiresInDays": 30, "requireConfirmation": true}).
		wantError(409, "QUOTA_EXCEEDED")

	// Only the key's own create takes the member; a machine user's
	// initial key does not.
	e.do("POST", e.machineUsersPath(), e.adminKey, map[string]any{"username": "initial",
		"accessKey": map[string]any{"name": "k", "expiresInDays": 1, "requireConfirmation": true}}).
		wantError(422, "INVALID_ARGUMENT", "accessKey.requireConfirmation")
	e.do("POST", path, e.adminKey, map[string]any{"name": "typed", "expiresInDays": 1, "requireConfirmation": "yes"}).
		wantError(400, "INVALID_ARGUMENT", "requireConfirmation")
}

// The server purges lapsed unconfirmed keys on its own.
func TestServerPurgesLapsedKeysByItself(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PurgeInterval = 20 * time.Millisecond; c.UnconfirmedKeyLease = time.Minute })
	mu := e.createMachineUser(map[string]any{"username": "forgetful"})
	k, _ := e.createKey(e.keysPath(mu.ID), e.adminKey, map[string]any{"name": "never-confirmed", "expiresInDays": 30,
		"requireConfirmation": true})
	if want := e.clock.Now().Add(time.Minute).Format(time.RFC3339Nano); k.Properties.ConfirmBy != want {
		t.Errorf("confirmBy %s, want %s (the configured lease)", k.Properties.ConfirmBy, want)
	}
	e.clock.Advance(time.Minute)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := e.srv.store.GetAccessKey(context.Background(), k.ID); errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lapsed key is still in the store 10 s after its lease ran out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
