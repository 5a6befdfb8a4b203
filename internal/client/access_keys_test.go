package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

func TestMachineUserAccessKeyLifecycle(t *testing.T) {
	env, admin, mu := startWithMachineUser(t)
	ctx := context.Background()

	before := time.Now().UTC()
	created, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "deploy", ExpiresInDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	if len(created.ID) != 12 || created.UserID != mu.ID || created.OrganizationID != env.OrgID ||
		created.Name != "deploy" || created.State != client.AccessKeyStateActive {
		t.Fatalf("created %+v", created)
	}
	if !strings.HasPrefix(created.Secret, "pgc_"+created.ID+"_") {
		t.Fatalf("secret does not look like a key of %s", created.ID)
	}
	if !strings.HasPrefix(created.MaskedKey, "pgc_"+created.ID+"_") || !strings.HasSuffix(created.MaskedKey, created.Secret[len(created.Secret)-4:]) ||
		strings.Contains(created.MaskedKey, created.Secret) {
		t.Fatalf("masked key %q", created.MaskedKey)
	}
	if d := created.ExpiresAt.Sub(before.AddDate(0, 0, 30)); d < -time.Minute || d > time.Minute {
		t.Fatalf("expires at %s, want about 30 days from %s", created.ExpiresAt, before)
	}
	if created.Metadata.CreatedDate.IsZero() || created.Metadata.Sequence < 1 {
		t.Fatalf("metadata %+v", created.Metadata)
	}

	// The secret is a working credential of the machine user.
	me, err := env.Client(created.Secret).WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.User.ID != mu.ID || me.User.Type != client.UserTypeMachine {
		t.Fatalf("the new key authenticates %+v", me.User)
	}

	// Reads never carry the secret.
	got, err := admin.GetMachineUserAccessKey(ctx, env.OrgID, mu.ID, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != "" || got.MaskedKey != created.MaskedKey || !got.ExpiresAt.Equal(created.ExpiresAt) || got.Name != "deploy" {
		t.Fatalf("read %+v", got)
	}
	list, err := admin.ListMachineUserAccessKeys(ctx, env.OrgID, mu.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != created.ID || list[0].Secret != "" {
		t.Fatalf("list %+v", list)
	}

	// Deleted: gone, and the key authenticates nothing any more.
	if err := admin.DeleteMachineUserAccessKey(ctx, env.OrgID, mu.ID, created.ID); err != nil {
		t.Fatal(err)
	}
	_, err = admin.GetMachineUserAccessKey(ctx, env.OrgID, mu.ID, created.ID)
	wantStatus(t, "read a deleted key", err, 404, "NOT_FOUND")
	err = admin.DeleteMachineUserAccessKey(ctx, env.OrgID, mu.ID, created.ID)
	if !client.IsNotFound(err) {
		t.Fatalf("second delete: want 404, got %v", err)
	}
	_, err = env.Client(created.Secret).WhoAmI(ctx)
	if !client.IsUnauthenticated(err) {
		t.Fatalf("a deleted key still authenticates: %v", err)
	}
	if list, err = admin.ListMachineUserAccessKeys(ctx, env.OrgID, mu.ID); err != nil || len(list) != 0 {
		t.Fatalf("list after delete: %v %+v", err, list)
	}
}

func TestMachineUserAccessKeyRules(t *testing.T) {
	env, admin, mu := startWithMachineUser(t)
	ctx := context.Background()

	for _, days := range []int{0, 366} {
		_, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "k", ExpiresInDays: days})
		wantStatus(t, fmt.Sprintf("expiresInDays %d", days), err, 422, "INVALID_ARGUMENT")
		if fieldMessage(err, "expiresInDays") == "" {
			t.Fatalf("expiresInDays %d: no field message in %v", days, err)
		}
	}
	_, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "", ExpiresInDays: 1})
	wantStatus(t, "empty name", err, 422, "INVALID_ARGUMENT")

	if _, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "one", ExpiresInDays: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "one", ExpiresInDays: 1})
	wantStatus(t, "duplicate name", err, 409, "ALREADY_EXISTS")
	if _, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "two", ExpiresInDays: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "three", ExpiresInDays: 1})
	wantStatus(t, "third key", err, 409, "QUOTA_EXCEEDED")
	if !strings.Contains(err.Error(), "delete") {
		t.Fatalf("third key: want 409 QUOTA_EXCEEDED saying to delete a key, got %v", err)
	}

	// A person's keys are self-service: nobody else gets them here.
	person := newPerson(t, env)
	_, err = admin.CreateMachineUserAccessKey(ctx, env.OrgID, person, client.AccessKeyCreate{Name: "k", ExpiresInDays: 1})
	wantStatus(t, "key of a person", err, 403, "")
	if !strings.Contains(err.Error(), "self-service") {
		t.Fatalf("key of a person: want 403 saying keys of people are self-service, got %v", err)
	}

	_, err = admin.CreateMachineUserAccessKey(ctx, env.OrgID, "no-such-user", client.AccessKeyCreate{Name: "k", ExpiresInDays: 1})
	if !client.IsNotFound(err) {
		t.Fatalf("unknown machine user: want 404, got %v", err)
	}
	_, err = admin.GetMachineUserAccessKey(ctx, env.OrgID, mu.ID, "nosuchkey000")
	if !client.IsNotFound(err) {
		t.Fatalf("unknown key: want 404, got %v", err)
	}
}

// A create retried with the same Idempotency-Key gets the first answer back,
// secret included, and no second key.
func TestMachineUserAccessKeyCreateIsIdempotent(t *testing.T) {
	env, admin, mu := startWithMachineUser(t)
	ctx := client.WithIdempotencyKey(context.Background(), uuid.NewString())

	first, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "deploy", ExpiresInDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	again, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "deploy", ExpiresInDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || again.Secret != first.Secret || again.Secret == "" {
		t.Fatalf("replay returned another key: %s vs %s", again.ID, first.ID)
	}
	list, err := admin.ListMachineUserAccessKeys(context.Background(), env.OrgID, mu.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("want one key, got %v %+v", err, list)
	}
}

// An expired key is listed as expired and authenticates nothing.
func TestMachineUserAccessKeyExpires(t *testing.T) {
	var offset atomic.Int64 // the test moves the server's clock; the server reads it per request
	env := startEnv(t, testenv.Options{Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	ctx := context.Background()
	admin := env.Client(env.AdminKey)
	mu := newMachineUser(t, env)
	k, err := admin.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "short", ExpiresInDays: 1})
	if err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); k.State != client.AccessKeyStateActive || !k.ExpiresAt.After(now) || k.ExpiresAt.After(now.Add(25*time.Hour)) {
		t.Fatalf("a one-day key: state %q, expires at %s", k.State, k.ExpiresAt)
	}

	offset.Store(int64(25 * time.Hour))
	got, err := admin.GetMachineUserAccessKey(ctx, env.OrgID, mu.ID, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != client.AccessKeyStateExpired {
		t.Fatalf("state %q after expiry", got.State)
	}
	if _, err := env.Client(k.Secret).WhoAmI(ctx); !client.IsUnauthenticated(err) {
		t.Fatalf("an expired key still authenticates: %v", err)
	}
}

func TestMachineUserCreateWithInitialAccessKey(t *testing.T) {
	env := startEnv(t, testenv.Options{})
	ctx := context.Background()
	admin := env.Client(env.AdminKey)
	mu, err := admin.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{
		Username:  "with-key-" + uuid.NewString()[:8],
		AccessKey: &client.AccessKeyCreate{Name: "initial", ExpiresInDays: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	k := mu.AccessKey
	if k == nil || len(k.ID) != 12 || k.Name != "initial" || k.UserID != mu.ID || !strings.HasPrefix(k.Secret, "pgc_"+k.ID+"_") {
		t.Fatalf("initial key %+v", k)
	}
	if me, err := env.Client(k.Secret).WhoAmI(ctx); err != nil || me.User.ID != mu.ID {
		t.Fatalf("the initial key does not authenticate the machine user: %v", err)
	}
	read, err := admin.GetMachineUser(ctx, env.OrgID, mu.ID)
	if err != nil {
		t.Fatal(err)
	}
	if read.AccessKey != nil {
		t.Fatalf("a read carries the initial key: %+v", read.AccessKey)
	}
}

// The wire form of a create answer, as the contract writes it, decodes into
// the model, and the request carries the body and an Idempotency-Key.
func TestAccessKeyWireForm(t *testing.T) {
	var gotBody, gotKey, gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 1024)
		n, _ := r.Body.Read(b)
		gotBody, gotKey, gotPath = string(b[:n]), r.Header.Get("Idempotency-Key"), r.URL.EscapedPath()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprint(w, `{"type":"access-key","id":"abcdefghij12","href":"/x",
		 "metadata":{"createdDate":"2026-01-02T03:04:05Z","createdBy":"u","lastModifiedDate":"2026-01-02T03:04:05Z","lastModifiedBy":"u","resourceOwner":"org","sequence":1},
		 "properties":{"userId":"mu","organizationId":"org","name":"deploy","expiresAt":"2026-02-01T03:04:05Z",
		 "maskedKey":"pgc_abcdefghij12_…wxyz","state":"active","secret":"pgc_abcdefghij12_s3cr3t_wxyz"}}`)
	}))
	defer srv.Close()
	c, err := client.New(client.Config{Endpoint: srv.URL, AccessKey: "pgc_test"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateMachineUserAccessKey(context.Background(), "org", "m u", client.AccessKeyCreate{Name: "deploy", ExpiresInDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	want := client.AccessKey{
		ID: "abcdefghij12", UserID: "mu", OrganizationID: "org", Name: "deploy",
		MaskedKey: "pgc_abcdefghij12_…wxyz", State: "active", Secret: "pgc_abcdefghij12_s3cr3t_wxyz",
		ExpiresAt: time.Date(2026, 2, 1, 3, 4, 5, 0, time.UTC),
		Metadata: client.Metadata{
			CreatedDate: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), LastModifiedDate: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			CreatedBy: "u", LastModifiedBy: "u", ResourceOwner: "org", Sequence: 1,
		},
	}
	if *k != want {
		t.Fatalf("decoded\n %+v\nwant\n %+v", *k, want)
	}
	if gotBody != `{"name":"deploy","expiresInDays":30}` || gotKey == "" || gotPath != "/api/v1/organizations/org/machine-users/m%20u/access-keys" {
		t.Fatalf("request %s %q (idempotency key %q)", gotPath, gotBody, gotKey)
	}
	if _, err := c.GetMachineUserAccessKey(context.Background(), "org", "mu", ""); err == nil {
		t.Fatal("an empty key id was accepted")
	}
}
