package server

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func countMachineUsers(t *testing.T, e *env) int {
	t.Helper()
	var p page
	e.do("GET", e.machineUsersPath()+"?limit=1", e.adminKey, nil).decode(200, &p)
	return p.Total
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	body := `{"username": "idem"}`
	first := e.do("POST", e.machineUsersPath(), e.adminKey, body, "Idempotency-Key", "k-1").want(201)
	if first.header.Get("Idempotent-Replayed") != "" {
		t.Error("the first answer claims to be a replay")
	}
	again := e.do("POST", e.machineUsersPath(), e.adminKey, body, "Idempotency-Key", "k-1").want(201)
	if !bytes.Equal(first.body, again.body) || first.header.Get("Location") != again.header.Get("Location") {
		t.Errorf("replay differs:\n%s\n%s", first.body, again.body)
	}
	if again.header.Get("Idempotent-Replayed") != "true" {
		t.Error("replay without Idempotent-Replayed: true")
	}
	if n := countMachineUsers(t, e); n != 2 {
		t.Errorf("%d machine users, want 2 (admin + idem)", n)
	}

	// Same key, another request: refused, nothing created.
	e.do("POST", e.machineUsersPath(), e.adminKey, `{"username": "other"}`, "Idempotency-Key", "k-1").
		wantError(422, "INVALID_ARGUMENT", "Idempotency-Key")
	// A failed create stores nothing: the key stays usable.
	e.do("POST", e.machineUsersPath(), e.adminKey, `{"username": "idem"}`, "Idempotency-Key", "k-2").wantError(409, "ALREADY_EXISTS")
	e.do("POST", e.machineUsersPath(), e.adminKey, `{"username": "idem"}`, "Idempotency-Key", "k-2").wantError(409, "ALREADY_EXISTS")
	// Bad keys.
	e.do("POST", e.machineUsersPath(), e.adminKey, `{"username": "x"}`, "Idempotency-Key", strings.Repeat("k", 256)).
		wantError(422, "INVALID_ARGUMENT", "Idempotency-Key")

	// Keys are per caller: another owner's k-1 is a different key.
	ctx := context.Background()
	if _, err := e.srv.Admin().CreateHumanUser(ctx, e.orgID, "o2@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Admin().BindOrgRole(ctx, "o2@example.com", e.orgID, "org_owner"); err != nil {
		t.Fatal(err)
	}
	other := e.newKey("o2@example.com", 10)
	e.do("POST", e.machineUsersPath(), other, `{"username": "idem-2"}`, "Idempotency-Key", "k-1").want(201)

	// The record survives a restart of the server on the same data directory.
	e.restart()
	after := e.do("POST", e.machineUsersPath(), e.adminKey, body, "Idempotency-Key", "k-1").want(201)
	if !bytes.Equal(first.body, after.body) || after.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("after restart:\n%s\n%s", first.body, after.body)
	}
	if n := countMachineUsers(t, e); n != 3 {
		t.Errorf("%d machine users after restart, want 3", n)
	}

	// After a day the key is forgotten, and the username conflict shows.
	e.clock.Advance(idempotencyTTL + time.Second)
	e.do("POST", e.machineUsersPath(), e.adminKey, body, "Idempotency-Key", "k-1").wantError(409, "ALREADY_EXISTS", "username")
}

func TestIdempotencyConcurrent(t *testing.T) {
	e := newEnv(t)
	const n = 12
	var wg sync.WaitGroup
	bodies := make([][]byte, n)
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.try("POST", e.machineUsersPath(), e.adminKey, `{"username": "racer"}`, "Idempotency-Key", "race")
			if err != nil {
				t.Error(err)
				return
			}
			bodies[i], statuses[i] = r.body, r.status
		}()
	}
	wg.Wait()
	for i := range n {
		if statuses[i] != 201 || !bytes.Equal(bodies[i], bodies[0]) {
			t.Errorf("request %d: %d %s", i, statuses[i], bodies[i])
		}
	}
	if c := countMachineUsers(t, e); c != 2 {
		t.Errorf("%d machine users, want 2", c)
	}
}

// Once an object is deleted, a retry of its create (same key, same body)
// creates a new one instead of replaying the deleted object: the server
// forgets the record with the object, also for the keys and bindings that
// go with a deleted machine user.
func TestIdempotentReplayOfDeletedObjects(t *testing.T) {
	e := newEnv(t)
	_, clusterID := e.startPG("forget")
	type created struct {
		ID         string
		Href       string
		Properties struct{ Secret string }
	}
	// createTwice creates with key, checks the answer is replayed, deletes
	// what it made, and checks the same create now makes a new object.
	createTwice := func(what, path, body, key string, deleteFirst func(c created)) {
		t.Helper()
		var first created
		e.do("POST", path, e.adminKey, body, "Idempotency-Key", key).decode(201, &first)
		if r := e.do("POST", path, e.adminKey, body, "Idempotency-Key", key).want(201); r.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("%s: the retry before the delete was not replayed", what)
		}
		deleteFirst(first)
		again := e.do("POST", path, e.adminKey, body, "Idempotency-Key", key).want(201)
		var second created
		again.decode(201, &second)
		if again.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("%s: the deleted object's create was replayed", what)
		}
		if what == "access key" && (second.ID == first.ID || second.Properties.Secret == first.Properties.Secret) {
			t.Errorf("%s: the retry handed back the deleted key", what)
		}
	}
	deleteAt := func(c created) { e.do("DELETE", c.Href, e.adminKey, nil).want(204) }

	var mu created
	e.do("POST", e.machineUsersPath(), e.adminKey, `{"username": "forget"}`).decode(201, &mu)
	createTwice("access key", mu.Href+"/access-keys", `{"name": "k", "expiresInDays": 1}`, "key", deleteAt)
	createTwice("org role binding", "/api/v1/organizations/"+e.orgID+"/role-bindings",
		fmt.Sprintf(`{"userId": %q, "role": "org_admin"}`, mu.ID), "org-binding", deleteAt)
	createTwice("project role binding", "/api/v1/projects/"+e.projectID+"/role-bindings",
		fmt.Sprintf(`{"userId": %q, "role": "project_viewer"}`, mu.ID), "project-binding", deleteAt)
	createTwice("cluster user", "/api/v1/clusters/"+clusterID+"/users",
		`{"username": "forget me", "password": "a-password-1"}`, "cluster-user", deleteAt)
	createTwice("machine user", e.machineUsersPath(), `{"username": "forget-2"}`, "machine-user", deleteAt)

	// A deleted machine user takes the records of its keys' and bindings'
	// creates with it.
	var doomed created
	e.do("POST", e.machineUsersPath(), e.adminKey, `{"username": "doomed"}`).decode(201, &doomed)
	keyBody, bindingBody := `{"name": "k", "expiresInDays": 1}`, fmt.Sprintf(`{"userId": %q, "role": "org_admin"}`, doomed.ID)
	bindingsPath := "/api/v1/organizations/" + e.orgID + "/role-bindings"
	e.do("POST", doomed.Href+"/access-keys", e.adminKey, keyBody, "Idempotency-Key", "doomed-key").want(201)
	e.do("POST", bindingsPath, e.adminKey, bindingBody, "Idempotency-Key", "doomed-binding").want(201)
	e.do("DELETE", doomed.Href, e.adminKey, nil).want(204)
	// The machine user is gone, so neither create can succeed again: what
	// matters is that neither is answered 201 from a record.
	e.do("POST", doomed.Href+"/access-keys", e.adminKey, keyBody, "Idempotency-Key", "doomed-key").wantError(404, "NOT_FOUND")
	e.do("POST", bindingsPath, e.adminKey, bindingBody, "Idempotency-Key", "doomed-binding").want(422)
}

// A caller can ask whether one of its Idempotency-Keys holds a first answer
// (and where the object is), without its body; another caller's keys and a
// deleted object's hold nothing.
func TestIdempotencyKeyLookup(t *testing.T) {
	e := newEnv(t)
	var mu struct{ Href string }
	e.do("POST", e.machineUsersPath(), e.adminKey, `{"username": "looked-up"}`, "Idempotency-Key", "lookup").decode(201, &mu)
	var got struct {
		ID         string
		Properties struct {
			Status   int
			Location string
		}
	}
	e.do("GET", "/api/v1/idempotency-keys/lookup", e.adminKey, nil).decode(200, &got)
	if got.ID != "lookup" || got.Properties.Status != 201 || got.Properties.Location != mu.Href {
		t.Errorf("lookup: %+v", got)
	}
	_, other := e.foreignOwner("other", "owner@other.example")
	e.do("GET", "/api/v1/idempotency-keys/lookup", other, nil).wantError(404, "NOT_FOUND")
	e.do("GET", "/api/v1/idempotency-keys/never-used", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("DELETE", mu.Href, e.adminKey, nil).want(204)
	e.do("GET", "/api/v1/idempotency-keys/lookup", e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("POST", e.machineUsersPath(), e.adminKey, `{"username": "old"}`, "Idempotency-Key", "old").want(201)
	e.clock.Advance(idempotencyTTL)
	e.do("GET", "/api/v1/idempotency-keys/old", e.adminKey, nil).wantError(404, "NOT_FOUND")
}
