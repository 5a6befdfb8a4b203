package client

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestHeaders(t *testing.T) {
	var got http.Header
	var method string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got, method = r.Header.Clone(), r.Method
		if r.Method == http.MethodPost {
			writeRaw(w, 201, `{"type":"machine-user","id":"m"}`)
			return
		}
		writeRaw(w, 200, orgJSON)
	})
	c, _ := newTestClient(t, srv.URL)
	if _, err := c.GetOrganization(context.Background(), "org-1"); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "Bearer "+testKey || got.Get("User-Agent") != "terraform-provider-pgcloud/test" ||
		got.Get("Accept") != "application/json" || got.Get("Idempotency-Key") != "" || method != "GET" {
		t.Fatalf("headers %v", got)
	}
	if _, err := c.CreateMachineUser(context.Background(), "org-1", MachineUserCreate{Username: "u"}); err != nil {
		t.Fatal(err)
	}
	if got.Get("Content-Type") != "application/json" || got.Get("Idempotency-Key") == "" || got.Get("User-Agent") != "terraform-provider-pgcloud/test" {
		t.Fatalf("headers %v", got)
	}

	c2, err := New(Config{Endpoint: srv.URL, AccessKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.GetOrganization(context.Background(), "org-1"); err != nil {
		t.Fatal(err)
	}
	if got.Get("User-Agent") != defaultUserAgent {
		t.Fatalf("default user agent: %q", got.Get("User-Agent"))
	}
}

func TestPathEscaping(t *testing.T) {
	var paths []string
	var mu sync.Mutex
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.EscapedPath())
		mu.Unlock()
		writeRaw(w, 200, `{"type":"user","id":"x"}`)
	})
	c, _ := newTestClient(t, srv.URL)
	if _, err := c.GetUser(context.Background(), "org/1", "a b?c#d"); err != nil {
		t.Fatal(err)
	}
	if paths[0] != "/api/v1/organizations/org%2F1/users/a%20b%3Fc%23d" {
		t.Fatalf("path %q", paths[0])
	}
	for _, bad := range [][2]string{{"", "u"}, {"o", ""}, {"o", ".."}, {"o", "."}, {" ", "u"}} {
		if _, err := c.GetUser(context.Background(), bad[0], bad[1]); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
	if err := c.DeleteMachineUser(context.Background(), "o", ""); err == nil {
		t.Fatal("empty id accepted")
	}
	if len(paths) != 1 {
		t.Fatalf("invalid ids reached the server: %v", paths)
	}
}

func TestSuccessBodyErrors(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/organizations/empty":
			w.WriteHeader(200)
		case "/api/v1/organizations/nocontent":
			w.WriteHeader(204)
		default:
			writeRaw(w, 200, `{"type":"organization","id":`)
		}
	})
	c, _ := newTestClient(t, srv.URL)
	for _, id := range []string{"empty", "nocontent", "broken"} {
		_, err := c.GetOrganization(context.Background(), id)
		if err == nil || !strings.Contains(err.Error(), "GET "+srv.URL+"/api/v1/organizations/"+id) {
			t.Fatalf("%s: %v", id, err)
		}
	}
}
