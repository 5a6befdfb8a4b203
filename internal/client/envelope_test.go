package client

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func TestWhoAmIAndModelMapping(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/whoami" {
			t.Errorf("path %s", r.URL.Path)
		}
		writeRaw(w, 200, `{"type":"whoami","futureField":{"x":1},
		 "user":{"type":"user","id":"u-1","href":"/api/v1/organizations/o-1/users/u-1","newTopLevel":true,
		   "metadata":{"createdDate":"2025-01-02T03:04:05.5Z","createdBy":"","lastModifiedDate":"","resourceOwner":"o-1","sequence":7,"etag":"x"},
		   "properties":{"userType":"machine","organizationId":"o-1","username":"admin","name":"admin","email":"","newProp":1}},
		 "organization":`+orgJSON+`,
		 "roleBindings":[{"id":"rb1","role":"org_owner","scope":"organization","organizationId":"o-1","projectId":""},
		                 {"id":"rb2","role":"project_owner","scope":"project","organizationId":"o-1","projectId":"p-1","extra":"y"}]}`)
	})
	c, _ := newTestClient(t, srv.URL)
	me, err := c.WhoAmI(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := &WhoAmI{
		User: User{ID: "u-1", Type: "machine", OrganizationID: "o-1", Username: "admin", Name: "admin",
			Metadata: Metadata{CreatedDate: time.Date(2025, 1, 2, 3, 4, 5, 5e8, time.UTC), ResourceOwner: "o-1", Sequence: 7}},
		Organization: Organization{ID: "org-1", Name: "default", Metadata: Metadata{
			CreatedDate: time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.UTC), CreatedBy: "u1",
			LastModifiedDate: time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC), LastModifiedBy: "u2", ResourceOwner: "org-1", Sequence: 3}},
		RoleBindings: []RoleBindingRef{
			{ID: "rb1", Role: "org_owner", Scope: "organization", OrganizationID: "o-1"},
			{ID: "rb2", Role: "project_owner", Scope: "project", OrganizationID: "o-1", ProjectID: "p-1"},
		},
	}
	if !reflect.DeepEqual(me, want) {
		t.Fatalf("got  %+v\nwant %+v", me, want)
	}
}

// A timestamp that is not RFC 3339 is an error, not a zero time.
func TestBadTimestampRejected(t *testing.T) {
	var bad Organization
	if err := json.Unmarshal([]byte(`{"metadata":{"createdDate":"yesterday"}}`), &bad); err == nil {
		t.Fatal("bad timestamp accepted")
	}
}
