package client

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMachineUserCRUD(t *testing.T) {
	type call struct{ method, path, body string }
	var calls []call
	var mu sync.Mutex
	const muJSON = `{"type":"machine-user","id":"mu-1","href":"/api/v1/organizations/o/machine-users/mu-1",
	  "metadata":{"createdDate":"2025-02-01T00:00:00Z","createdBy":"admin","lastModifiedDate":"2025-02-02T00:00:00Z","lastModifiedBy":"admin","resourceOwner":"o","sequence":2},
	  "properties":{"organizationId":"o","username":"ci","name":"CI bot","description":"d","email":"ci@example.com","accessTokenType":"jwt"}}`
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls = append(calls, call{r.Method, r.URL.RequestURI(), string(b)})
		mu.Unlock()
		switch r.Method {
		case http.MethodPost:
			w.Header().Set("Location", "/api/v1/organizations/o/machine-users/mu-1")
			writeRaw(w, 201, muJSON)
		case http.MethodDelete:
			w.WriteHeader(204)
		default:
			writeRaw(w, 200, muJSON)
		}
	})
	c, _ := newTestClient(t, srv.URL)
	ctx := context.Background()
	created, err := c.CreateMachineUser(ctx, "o", MachineUserCreate{ID: "mu-1", Username: "ci", Name: "CI bot", AccessTokenType: "jwt"})
	if err != nil {
		t.Fatal(err)
	}
	want := &MachineUser{ID: "mu-1", OrganizationID: "o", Username: "ci", Name: "CI bot", Description: "d",
		Email: "ci@example.com", AccessTokenType: "jwt", Metadata: Metadata{
			CreatedDate: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), CreatedBy: "admin",
			LastModifiedDate: time.Date(2025, 2, 2, 0, 0, 0, 0, time.UTC), LastModifiedBy: "admin", ResourceOwner: "o", Sequence: 2}}
	if !reflect.DeepEqual(created, want) {
		t.Fatalf("got %+v", created)
	}
	got, err := c.GetMachineUser(ctx, "o", "mu-1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v %v", got, err)
	}
	empty, name := "", "New"
	if _, err := c.UpdateMachineUser(ctx, "o", "mu-1", MachineUserUpdate{Name: &name, Description: &empty}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteMachineUser(ctx, "o", "mu-1"); err != nil {
		t.Fatal(err)
	}
	wantCalls := []call{
		{"POST", "/api/v1/organizations/o/machine-users", `{"id":"mu-1","username":"ci","name":"CI bot","accessTokenType":"jwt"}`},
		{"GET", "/api/v1/organizations/o/machine-users/mu-1", ""},
		{"PATCH", "/api/v1/organizations/o/machine-users/mu-1", `{"name":"New","description":""}`},
		{"DELETE", "/api/v1/organizations/o/machine-users/mu-1", ""},
	}
	if !reflect.DeepEqual(calls, wantCalls) {
		t.Fatalf("calls %+v", calls)
	}
}

// Requests in flight together, as Terraform's -parallelism sends them, keep
// their connections for the next ones instead of dialing again each time.
func TestConcurrentRequestsReuseConnections(t *testing.T) {
	const muJSON = `{"type":"machine-user","id":"mu-1","href":"/api/v1/organizations/o/machine-users/mu-1",
	  "metadata":{"createdDate":"2025-02-01T00:00:00Z","createdBy":"admin","lastModifiedDate":"2025-02-02T00:00:00Z","lastModifiedBy":"admin","resourceOwner":"o","sequence":2},
	  "properties":{"organizationId":"o","username":"ci","name":"CI bot","description":"","email":"","accessTokenType":"bearer"}}`
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(20 * time.Millisecond) // so that the requests of a round are all in flight at once
		writeRaw(w, 200, muJSON)
	}))
	var dials atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, srv.URL)
	const parallelism, rounds = 10, 5
	for range rounds {
		var done sync.WaitGroup
		for range parallelism {
			done.Go(func() {
				if _, err := c.GetMachineUser(context.Background(), "o", "mu-1"); err != nil {
					t.Error(err)
				}
			})
		}
		done.Wait()
	}
	// 10 for the first round; a few more if a round begins before every
	// connection of the last was handed back (that happens after the
	// answer's body is read, on another goroutine). Two per host kept
	// idle gave 41.
	if n := dials.Load(); n > 2*parallelism {
		t.Errorf("%d rounds of %d requests in flight opened %d connections, want about %d", rounds, parallelism, n, parallelism)
	}
}
