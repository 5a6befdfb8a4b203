package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestPagesWalksThreePages(t *testing.T) {
	const total = 5
	var offsets []string
	var mu sync.Mutex
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		offsets = append(offsets, q.Get("offset"))
		mu.Unlock()
		if q.Get("name") != "prod" || q.Get("limit") != "2" {
			t.Errorf("query %v", q)
		}
		off, _ := strconv.Atoi(q.Get("offset"))
		lim, _ := strconv.Atoi(q.Get("limit"))
		items := []string{}
		for i := off; i < min(off+lim, total); i++ {
			items = append(items, fmt.Sprintf(`{"type":"project","id":"p%d","properties":{"name":"prod","organizationId":"o"}}`, i))
		}
		writeRaw(w, 200, fmt.Sprintf(`{"type":"collection","offset":%d,"limit":%d,"total":%d,"_links":{},"items":[%s]}`,
			off, lim, total, strings.Join(items, ",")))
	})
	c, _ := newTestClient(t, srv.URL)
	c.pageSize = 2
	ps, err := c.ListProjects(context.Background(), "o", ListProjectsOptions{Name: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	if strings.Join(ids, ",") != "p0,p1,p2,p3,p4" || strings.Join(offsets, ",") != "0,2,4" {
		t.Fatalf("ids %v offsets %v", ids, offsets)
	}

	// Breaking out early stops fetching.
	offsets = nil
	for p, err := range pages[Project](context.Background(), c, "/organizations/o/projects", url.Values{"name": {"prod"}}) {
		if err != nil || p.ID != "p0" {
			t.Fatalf("%v %v", p, err)
		}
		break
	}
	if len(offsets) != 1 {
		t.Fatalf("fetched %v", offsets)
	}
}

func TestPagesStopsOnEmptyPageEvenIfTotalLies(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		off := r.URL.Query().Get("offset")
		n.Add(1)
		switch off {
		case "0":
			writeRaw(w, 200, `{"type":"collection","offset":0,"limit":2,"total":1000,"items":[
				{"type":"role","id":"org_owner","properties":{"name":"org_owner","scope":"organization","description":"owns"}},
				{"type":"role","id":"org_admin","properties":{"scope":"organization"}}]}`)
		case "2":
			writeRaw(w, 200, `{"type":"collection","offset":2,"limit":2,"total":1000,"items":[]}`)
		default:
			t.Errorf("unexpected offset %s", off)
			writeRaw(w, 200, `{"type":"collection","items":[]}`)
		}
	})
	c, _ := newTestClient(t, srv.URL)
	c.pageSize = 2
	roles, err := c.ListRoles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Role{{Name: "org_owner", Scope: "organization", Description: "owns"}, {Name: "org_admin", Scope: "organization"}}
	if !reflect.DeepEqual(roles, want) || n.Load() != 2 {
		t.Fatalf("roles %+v after %d requests", roles, n.Load())
	}
}

func TestPagesErrors(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("offset") {
		case "0":
			writeRaw(w, 200, `{"type":"collection","offset":0,"limit":1,"total":3,"items":[{"type":"user","id":"u0"}]}`)
		case "1":
			writeError(w, 422, "INVALID_ARGUMENT", "bad offset", "r", FieldMessage{Field: "offset", Message: "bad"})
		}
	})
	c, _ := newTestClient(t, srv.URL)
	c.pageSize = 1
	users, err := c.ListUsers(context.Background(), "o", ListUsersOptions{})
	if users != nil || statusOf(err) != 422 {
		t.Fatalf("%v %v", users, err)
	}

	// A server that ignores offset is caught, not looped on forever.
	srv2 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 200, `{"type":"collection","offset":0,"limit":1,"items":[{"type":"user","id":"u0"}]}`)
	})
	c2, _ := newTestClient(t, srv2.URL)
	c2.pageSize = 1
	if _, err := c2.ListUsers(context.Background(), "o", ListUsersOptions{}); err == nil || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("err %v", err)
	}

	// Empty collection: an empty, non-nil slice.
	srv3 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("username") != "ci" {
			t.Errorf("query %v", r.URL.Query())
		}
		writeRaw(w, 200, `{"type":"collection","offset":0,"limit":100,"total":0,"items":[]}`)
	})
	c3, _ := newTestClient(t, srv3.URL)
	mus, err := c3.ListMachineUsers(context.Background(), "o", ListMachineUsersOptions{Username: "ci"})
	if err != nil || mus == nil || len(mus) != 0 {
		t.Fatalf("%v %v", mus, err)
	}
}

// The Each* walks of the list resources fetch a page only when the caller
// asks for an item beyond the pages it has, and a bad id is an error, not a
// request.
func TestEachFetchesOnlyWhatIsTaken(t *testing.T) {
	var requests atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		writeRaw(w, 200, fmt.Sprintf(`{"type":"collection","offset":%d,"limit":2,"total":6,"items":[
			{"type":"machine-user","id":"mu%d","properties":{"username":"u%d"}},
			{"type":"machine-user","id":"mu%d","properties":{"username":"u%d"}}]}`, off, off, off, off+1, off+1))
	})
	c, _ := newTestClient(t, srv.URL)
	c.pageSize = 2
	var got []string
	for mu, err := range c.EachMachineUser(context.Background(), "o", ListMachineUsersOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, mu.ID)
		if len(got) == 3 {
			break
		}
	}
	if strings.Join(got, ",") != "mu0,mu1,mu2" || requests.Load() != 2 {
		t.Fatalf("got %v after %d requests, want 3 users from 2 pages", got, requests.Load())
	}

	requests.Store(0)
	for _, err := range c.EachMachineUserAccessKey(context.Background(), "o", " ") {
		if err == nil || !strings.Contains(err.Error(), "an id is required") {
			t.Fatalf("err %v", err)
		}
	}
	if requests.Load() != 0 {
		t.Fatalf("%d requests for a blank machine user id", requests.Load())
	}
}
