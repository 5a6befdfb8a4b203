package client_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

func TestMachineUserSessionTokenLifecycle(t *testing.T) {
	env, admin, mu := startWithMachineUser(t)
	ctx := context.Background()

	before := time.Now().UTC()
	created, err := admin.CreateMachineUserSessionToken(ctx, env.OrgID, mu.ID, client.SessionTokenCreate{Name: "run-42", ExpiresIn: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(created.ID) != 12 || created.UserID != mu.ID || created.OrganizationID != env.OrgID ||
		created.Name != "run-42" || created.State != client.AccessKeyStateActive {
		t.Fatalf("created %+v", created)
	}
	if !strings.HasPrefix(created.Secret, "pgs_"+created.ID+"_") {
		t.Fatalf("secret does not look like a session token of %s", created.ID)
	}
	if !strings.HasPrefix(created.MaskedToken, "pgs_"+created.ID+"_") || !strings.HasSuffix(created.MaskedToken, created.Secret[len(created.Secret)-4:]) ||
		strings.Contains(created.MaskedToken, created.Secret) {
		t.Fatalf("masked token %q", created.MaskedToken)
	}
	if d := created.ExpiresAt.Sub(before.Add(10 * time.Minute)); d < -time.Minute || d > time.Minute {
		t.Fatalf("expires at %s, want about 10 minutes from %s", created.ExpiresAt, before)
	}
	if created.Metadata.CreatedDate.IsZero() || created.Metadata.Sequence < 1 {
		t.Fatalf("metadata %+v", created.Metadata)
	}

	// The secret is a working credential of the machine user, and a client
	// configured with it works as with a key.
	me, err := env.Client(created.Secret).WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.User.ID != mu.ID || me.User.Type != client.UserTypeMachine {
		t.Fatalf("the new token authenticates %+v", me.User)
	}

	// Reads never carry the secret; the keys never show the token.
	got, err := admin.GetMachineUserSessionToken(ctx, env.OrgID, mu.ID, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != "" || got.MaskedToken != created.MaskedToken || !got.ExpiresAt.Equal(created.ExpiresAt) || got.Name != "run-42" {
		t.Fatalf("read %+v", got)
	}
	list, err := admin.ListMachineUserSessionTokens(ctx, env.OrgID, mu.ID)
	if err != nil || len(list) != 1 || list[0].ID != created.ID || list[0].Secret != "" {
		t.Fatalf("list %v %+v", err, list)
	}
	if keys, err := admin.ListMachineUserAccessKeys(ctx, env.OrgID, mu.ID); err != nil || len(keys) != 0 {
		t.Fatalf("the token is listed among the keys: %v %+v", err, keys)
	}

	// Closed: gone, and the token authenticates nothing any more.
	if err := admin.DeleteMachineUserSessionToken(ctx, env.OrgID, mu.ID, created.ID); err != nil {
		t.Fatal(err)
	}
	_, err = admin.GetMachineUserSessionToken(ctx, env.OrgID, mu.ID, created.ID)
	wantStatus(t, "read a closed token", err, 404, "NOT_FOUND")
	if err := admin.DeleteMachineUserSessionToken(ctx, env.OrgID, mu.ID, created.ID); !client.IsNotFound(err) {
		t.Fatalf("second close: want 404, got %v", err)
	}
	if _, err := env.Client(created.Secret).WhoAmI(ctx); !client.IsUnauthenticated(err) {
		t.Fatalf("a closed token still authenticates: %v", err)
	}
}

func TestMachineUserSessionTokenRules(t *testing.T) {
	env, admin, mu := startWithMachineUser(t)
	ctx := context.Background()

	// The defaults: an hour, a name from the server.
	before := time.Now().UTC()
	tok, err := admin.CreateMachineUserSessionToken(ctx, env.OrgID, mu.ID, client.SessionTokenCreate{})
	if err != nil {
		t.Fatal(err)
	}
	if d := tok.ExpiresAt.Sub(before.Add(client.DefaultSessionTokenLifetime)); d < -time.Minute || d > time.Minute || tok.Name != "session-"+tok.ID {
		t.Fatalf("default token %+v", tok)
	}
	for _, d := range []time.Duration{30 * time.Second, 25 * time.Hour, 90*time.Second + time.Millisecond} {
		_, err := admin.CreateMachineUserSessionToken(ctx, env.OrgID, mu.ID, client.SessionTokenCreate{ExpiresIn: d})
		wantStatus(t, "expires in "+d.String(), err, 422, "INVALID_ARGUMENT")
		if fieldMessage(err, "expiresInSeconds") == "" {
			t.Fatalf("expires in %s: no field message in %v", d, err)
		}
	}
	for _, d := range []time.Duration{client.MinSessionTokenLifetime, client.MaxSessionTokenLifetime} {
		if _, err := admin.CreateMachineUserSessionToken(ctx, env.OrgID, mu.ID, client.SessionTokenCreate{ExpiresIn: d}); err != nil {
			t.Fatalf("expires in %s: %v", d, err)
		}
	}

	// Tokens take no place among the 2 keys.
	for _, name := range []string{"one", "two"} {
		if _, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: name, ExpiresInDays: 1}); err != nil {
			t.Fatalf("key %s beside 3 session tokens: %v", name, err)
		}
	}
	if _, err := admin.CreateMachineUserSessionToken(ctx, env.OrgID, mu.ID, client.SessionTokenCreate{}); err != nil {
		t.Fatalf("a session token beside 2 keys: %v", err)
	}

	person := newPerson(t, env)
	_, err = admin.CreateMachineUserSessionToken(ctx, env.OrgID, person, client.SessionTokenCreate{})
	wantStatus(t, "token of a person", err, 403, "PERMISSION_DENIED")
	_, err = admin.CreateMachineUserSessionToken(ctx, env.OrgID, "no-such-user", client.SessionTokenCreate{})
	if !client.IsNotFound(err) {
		t.Fatalf("unknown machine user: want 404, got %v", err)
	}
}

// A create retried with the same Idempotency-Key gets the first answer back,
// token included, and no second token.
func TestMachineUserSessionTokenCreateIsIdempotent(t *testing.T) {
	env, admin, mu := startWithMachineUser(t)
	ctx := client.WithIdempotencyKey(context.Background(), uuid.NewString())
	in := client.SessionTokenCreate{Name: "plan", ExpiresIn: time.Hour}
	first, err := admin.CreateMachineUserSessionToken(ctx, env.OrgID, mu.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := admin.CreateMachineUserSessionToken(ctx, env.OrgID, mu.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || again.Secret != first.Secret || again.Secret == "" {
		t.Fatalf("replay returned another token: %s vs %s", again.ID, first.ID)
	}
	if list, err := admin.ListMachineUserSessionTokens(context.Background(), env.OrgID, mu.ID); err != nil || len(list) != 1 {
		t.Fatalf("want one token, got %v %+v", err, list)
	}
}

// An expired token authenticates nothing; closing it after the server
// deleted it is a 404 the caller takes as done.
func TestMachineUserSessionTokenExpires(t *testing.T) {
	var offset atomic.Int64 // the test moves the server's clock
	env := startEnv(t, testenv.Options{Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	ctx := context.Background()
	admin := env.Client(env.AdminKey)
	mu := newMachineUser(t, env)
	tok, err := admin.CreateMachineUserSessionToken(ctx, env.OrgID, mu.ID, client.SessionTokenCreate{ExpiresIn: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(2 * time.Minute))
	if _, err := env.Client(tok.Secret).WhoAmI(ctx); !client.IsUnauthenticated(err) {
		t.Fatalf("an expired token still authenticates: %v", err)
	}
	if got, err := admin.GetMachineUserSessionToken(ctx, env.OrgID, mu.ID, tok.ID); err == nil && got.State != client.AccessKeyStateExpired {
		t.Fatalf("state %q after expiry", got.State)
	} else if err != nil && !client.IsNotFound(err) {
		t.Fatal(err)
	}
}

// RevokeMachineUserSessionTokens ends every session token of the machine
// user, and only those.
func TestRevokeMachineUserSessionTokens(t *testing.T) {
	env, admin, mu := startWithMachineUser(t)
	ctx := context.Background()
	var secrets []string
	for range 3 {
		tok, err := admin.CreateMachineUserSessionToken(ctx, env.OrgID, mu.ID, client.SessionTokenCreate{})
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, tok.Secret)
	}
	key, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "kept", ExpiresInDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	other := newMachineUser(t, env)
	otherTok, err := admin.CreateMachineUserSessionToken(ctx, env.OrgID, other.ID, client.SessionTokenCreate{})
	if err != nil {
		t.Fatal(err)
	}

	got, err := admin.RevokeMachineUserSessionTokens(ctx, env.OrgID, mu.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *got != (client.SessionTokenRevocation{OrganizationID: env.OrgID, UserID: mu.ID, Revoked: 3}) {
		t.Fatalf("revocation %+v", got)
	}
	for i, s := range secrets {
		if _, err := env.Client(s).WhoAmI(ctx); !client.IsUnauthenticated(err) {
			t.Errorf("token %d still authenticates: %v", i, err)
		}
	}
	for what, s := range map[string]string{"the access key": key.Secret, "another machine user's token": otherTok.Secret} {
		if _, err := env.Client(s).WhoAmI(ctx); err != nil {
			t.Errorf("%s no longer works: %v", what, err)
		}
	}
	if again, err := admin.RevokeMachineUserSessionTokens(ctx, env.OrgID, mu.ID); err != nil || again.Revoked != 0 {
		t.Errorf("second revocation: %+v %v", again, err)
	}
	_, err = admin.RevokeMachineUserSessionTokens(ctx, env.OrgID, "nobody")
	wantStatus(t, "revoke the tokens of nobody", err, 404, "NOT_FOUND")
	_, err = env.Client(otherTok.Secret).RevokeMachineUserSessionTokens(ctx, env.OrgID, mu.ID)
	wantStatus(t, "revoke as a machine user without a role", err, 403, "PERMISSION_DENIED")
}
