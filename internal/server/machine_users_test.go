package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
)

func TestMachineUserCreateDefaultsAndRead(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", e.machineUsersPath(), e.adminKey, map[string]any{"username": "ci-bot"})
	var mu machineUser
	r.decode(201, &mu)
	p := mu.Properties
	if mu.Type != "machine-user" || p.Username != "ci-bot" || p.Name != "ci-bot" || p.AccessTokenType != "bearer" ||
		p.Description != "" || p.Email != "" || p.OrganizationID != e.orgID {
		t.Fatalf("defaults: %+v", mu)
	}
	if r.header.Get("Location") != mu.Href || mu.Href != e.machineUsersPath()+"/"+mu.ID {
		t.Errorf("Location %q, href %q", r.header.Get("Location"), mu.Href)
	}
	m := mu.Metadata
	if m.Sequence != 1 || m.CreatedBy != e.adminID || m.ResourceOwner != e.orgID ||
		m.CreatedDate != e.clock.Now().Format(time.RFC3339Nano) || m.LastModifiedDate != m.CreatedDate {
		t.Errorf("metadata: %+v", m)
	}
	var got machineUser
	e.do("GET", mu.Href, e.adminKey, nil).decode(200, &got)
	if got != mu {
		t.Errorf("GET %+v, POST %+v", got, mu)
	}
	// It is also a user of the organization.
	var u struct {
		Type       string
		Properties struct{ UserType, Username string }
	}
	e.do("GET", "/api/v1/organizations/"+e.orgID+"/users/"+mu.ID, e.adminKey, nil).decode(200, &u)
	if u.Type != "user" || u.Properties.UserType != "machine" || u.Properties.Username != "ci-bot" {
		t.Errorf("as a user: %+v", u)
	}

	full := e.createMachineUser(map[string]any{"id": "my.bot_1-x", "username": "full", "name": "Full Bot",
		"description": "does things", "email": "bot@example.com", "accessTokenType": "jwt"})
	if full.ID != "my.bot_1-x" || full.Properties.Name != "Full Bot" || full.Properties.AccessTokenType != "jwt" ||
		full.Properties.Email != "bot@example.com" || full.Properties.Description != "does things" {
		t.Errorf("full: %+v", full)
	}
	e.do("GET", e.machineUsersPath()+"/my.bot_1-x", e.adminKey, nil).want(200)
	e.do("GET", e.machineUsersPath()+"/nope", e.adminKey, nil).wantError(404, "NOT_FOUND")
}

func TestMachineUserValidation(t *testing.T) {
	e := newEnv(t)
	long := func(n int) string { return strings.Repeat("x", n) }
	// 200 characters of 2 bytes each: lengths count characters, not bytes.
	wide := strings.Repeat("é", 200)

	for _, ok := range []map[string]any{
		{"username": long(200)},
		{"username": wide},
		{"username": "u-name", "name": wide, "description": strings.Repeat("é", 500)},
		{"username": "with-email", "email": "a.b+tag@sub.example.org"},
		{"id": long(200), "username": "long-id"},
	} {
		e.do("POST", e.machineUsersPath(), e.adminKey, ok).want(201)
	}

	cases := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"username missing", map[string]any{}, 422, []string{"username"}},
		{"username empty", map[string]any{"username": ""}, 422, []string{"username"}},
		{"username too long", map[string]any{"username": long(201)}, 422, []string{"username"}},
		{"username space", map[string]any{"username": "a b"}, 422, []string{"username"}},
		{"username tab", map[string]any{"username": "a\tb"}, 422, []string{"username"}},
		{"username nbsp", map[string]any{"username": "a\u00a0b"}, 422, []string{"username"}},
		{"username plus", map[string]any{"username": "a+b"}, 422, []string{"username"}},
		{"username equals", map[string]any{"username": "a=b"}, 422, []string{"username"}},
		{"username at", map[string]any{"username": "a@b"}, 422, []string{"username"}},
		{"username zero-width space", map[string]any{"username": "a\u200bb"}, 422, []string{"username"}},
		{"username right-to-left override", map[string]any{"username": "a\u202eb"}, 422, []string{"username"}},
		{"username byte order mark", map[string]any{"username": "\ufeffab"}, 422, []string{"username"}},
		{"name empty", map[string]any{"username": "n", "name": ""}, 422, []string{"name"}},
		{"name NUL", map[string]any{"username": "n", "name": "a\x00b"}, 422, []string{"name"}},
		{"description NUL", map[string]any{"username": "n", "description": "a\x00b"}, 422, []string{"description"}},
		{"initial key name NUL", map[string]any{"username": "n", "accessKey": map[string]any{"name": "k\x00", "expiresInDays": 1}}, 422, []string{"accessKey.name"}},
		{"name too long", map[string]any{"username": "n", "name": long(201)}, 422, []string{"name"}},
		{"description too long", map[string]any{"username": "d", "description": long(501)}, 422, []string{"description"}},
		{"email invalid", map[string]any{"username": "e", "email": "not-an-email"}, 422, []string{"email"}},
		{"email with name", map[string]any{"username": "e", "email": "Bot <bot@example.com>"}, 422, []string{"email"}},
		{"token type", map[string]any{"username": "t", "accessTokenType": "JWT"}, 422, []string{"accessTokenType"}},
		{"token type empty", map[string]any{"username": "t", "accessTokenType": ""}, 422, []string{"accessTokenType"}},
		{"id empty", map[string]any{"id": "", "username": "i"}, 422, []string{"id"}},
		{"id slash", map[string]any{"id": "a/b", "username": "i"}, 422, []string{"id"}},
		{"id dotdot", map[string]any{"id": "..", "username": "i"}, 422, []string{"id"}},
		{"id space", map[string]any{"id": "a b", "username": "i"}, 422, []string{"id"}},
		{"id too long", map[string]any{"id": long(201), "username": "i"}, 422, []string{"id"}},
		{"unknown fields", map[string]any{"username": "u", "zeta": 1, "alpha": true}, 422, []string{"alpha", "zeta"}},
		{"organizationId on create", map[string]any{"username": "u", "organizationId": e.orgID}, 422, []string{"organizationId"}},
		{"all at once", map[string]any{"username": "", "name": "", "email": "x", "x": 1}, 422,
			[]string{"x", "username", "name", "email"}},
		{"wrong type", map[string]any{"username": 42}, 400, []string{"username"}},
		{"null", map[string]any{"username": nil}, 400, []string{"username"}},
		{"malformed JSON", `{"username": "a",`, 400, nil},
		{"trailing data", `{"username": "a"} {}`, 400, nil},
		{"array", `[{"username": "a"}]`, 400, nil},
		{"JSON null", `null`, 400, nil},
		{"empty body", ``, 400, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.do("POST", e.machineUsersPath(), e.adminKey, c.body).wantError(c.status, "INVALID_ARGUMENT", c.fields...)
		})
	}

	t.Run("body over 1 MiB", func(t *testing.T) {
		big := `{"username": "big", "description": "` + strings.Repeat("x", maxBodyBytes) + `"}`
		e.do("POST", e.machineUsersPath(), e.adminKey, big).wantError(413, "PAYLOAD_TOO_LARGE")
		// without Content-Length, found while reading
		req, _ := http.NewRequest("POST", e.ts.URL+e.machineUsersPath(), &onlyReader{strings.NewReader(big)})
		req.Header.Set("Authorization", "Bearer "+e.adminKey)
		req.ContentLength = -1
		e.send(req).wantError(413, "PAYLOAD_TOO_LARGE")
	})

	var total page
	e.do("GET", e.machineUsersPath(), e.adminKey, nil).decode(200, &total)
	if total.Total != 6 { // admin + the 5 valid ones
		t.Errorf("%d machine users, want 6: an invalid request created something", total.Total)
	}
}

// onlyReader hides the length of a reader so that the request is chunked.
type onlyReader struct{ r *strings.Reader }

func (o *onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestMachineUserPatch(t *testing.T) {
	e := newEnv(t)
	mu := e.createMachineUser(map[string]any{"username": "p", "description": "d", "email": "p@example.com"})
	e.createMachineUser(map[string]any{"username": "taken"})

	e.clock.Advance(time.Minute)
	var got machineUser
	e.do("PATCH", mu.Href, e.adminKey, map[string]any{"name": "P", "description": "", "email": "", "accessTokenType": "jwt"}).decode(200, &got)
	p := got.Properties
	if p.Name != "P" || p.Description != "" || p.Email != "" || p.AccessTokenType != "jwt" || p.Username != "p" {
		t.Errorf("after patch: %+v", p)
	}
	if got.Metadata.Sequence != 2 || got.Metadata.CreatedDate != mu.Metadata.CreatedDate ||
		got.Metadata.LastModifiedDate != e.clock.Now().Format(time.RFC3339Nano) {
		t.Errorf("metadata after patch: %+v", got.Metadata)
	}

	// No change, no new sequence.
	var same machineUser
	e.do("PATCH", mu.Href, e.adminKey, map[string]any{"name": "P"}).decode(200, &same)
	if same.Metadata.Sequence != 2 {
		t.Errorf("a patch without change moved the sequence to %d", same.Metadata.Sequence)
	}
	e.do("PATCH", mu.Href, e.adminKey, map[string]any{"username": "p2"}).decode(200, &same)
	if same.Metadata.Sequence != 3 || same.Properties.Username != "p2" {
		t.Errorf("rename: %+v", same)
	}

	e.do("PATCH", mu.Href, e.adminKey, map[string]any{"username": "taken"}).wantError(409, "ALREADY_EXISTS", "username")
	for field, msg := range map[string]string{"id": "never moves", "organizationId": "never moves", "bogus": "unknown field"} {
		er := e.do("PATCH", mu.Href, e.adminKey, map[string]any{field: "x"}).wantError(422, "INVALID_ARGUMENT", field)
		if !strings.Contains(er.Messages[0].Message, msg) {
			t.Errorf("%s: message %q", field, er.Messages[0].Message)
		}
	}
	e.do("PATCH", mu.Href, e.adminKey, map[string]any{"name": ""}).wantError(422, "INVALID_ARGUMENT", "name")
	e.do("PATCH", mu.Href, e.adminKey, map[string]any{"username": "a b", "email": "nope", "accessTokenType": ""}).
		wantError(422, "INVALID_ARGUMENT", "username", "email", "accessTokenType")
	e.do("PATCH", mu.Href, e.adminKey, map[string]any{"name": 1}).wantError(400, "INVALID_ARGUMENT", "name")
	e.do("PATCH", mu.Href, e.adminKey, `{`).wantError(400, "INVALID_ARGUMENT")
	e.do("PATCH", e.machineUsersPath()+"/nope", e.adminKey, map[string]any{"name": "x"}).wantError(404, "NOT_FOUND")

	var final machineUser
	e.do("GET", mu.Href, e.adminKey, nil).decode(200, &final)
	if final.Metadata.Sequence != 3 {
		t.Errorf("failed patches changed the machine user: %+v", final)
	}
}

func TestMachineUserConflicts(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MachineUserQuota = 3 })
	e.createMachineUser(map[string]any{"id": "fixed", "username": "one"})
	e.do("POST", e.machineUsersPath(), e.adminKey, map[string]any{"username": "one"}).wantError(409, "ALREADY_EXISTS", "username")
	e.do("POST", e.machineUsersPath(), e.adminKey, map[string]any{"username": "admin"}).wantError(409, "ALREADY_EXISTS", "username")
	e.do("POST", e.machineUsersPath(), e.adminKey, map[string]any{"id": "fixed", "username": "two"}).wantError(409, "ALREADY_EXISTS", "id")

	// admin + one + two = 3 = the quota
	e.createMachineUser(map[string]any{"username": "two"})
	er := e.do("POST", e.machineUsersPath(), e.adminKey, map[string]any{"username": "three"}).wantError(409, "QUOTA_EXCEEDED")
	if !strings.Contains(er.Message, "--machine-user-quota") || !strings.Contains(er.Message, "PGCLOUD_SERVER_MACHINE_USER_QUOTA") {
		t.Errorf("quota message %q does not say how to raise it", er.Message)
	}
	// People do not count; deleting frees a place.
	if _, err := e.srv.Admin().CreateHumanUser(context.Background(), e.orgID, "someone@example.com"); err != nil {
		t.Fatal(err)
	}
	e.do("DELETE", e.machineUsersPath()+"/fixed", e.adminKey, nil).want(204)
	e.createMachineUser(map[string]any{"username": "three"})
}

func TestMachineUserDelete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mu := e.createMachineUser(map[string]any{"username": "doomed"})
	key := e.newKey(mu.ID, 30)
	key2 := e.newKey("doomed", 30) // by username
	if _, err := e.srv.Admin().BindOrgRole(ctx, mu.ID, e.orgID, "org_owner"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Admin().BindProjectRole(ctx, mu.ID, e.projectID, "project_viewer"); err != nil {
		t.Fatal(err)
	}
	var me struct{ RoleBindings []struct{ Role string } }
	e.do("GET", "/api/v1/whoami", key, nil).decode(200, &me)
	if len(me.RoleBindings) != 2 {
		t.Fatalf("bindings %+v", me.RoleBindings)
	}
	// A machine user that is org_owner may delete itself (admin is still an owner).
	e.do("DELETE", mu.Href, key2, nil).want(204)
	for _, k := range []string{key, key2} {
		e.do("GET", "/api/v1/whoami", k, nil).wantError(401, "UNAUTHENTICATED")
	}
	e.do("GET", mu.Href, e.adminKey, nil).wantError(404, "NOT_FOUND")
	e.do("DELETE", mu.Href, e.adminKey, nil).wantError(404, "NOT_FOUND")
	if b, err := e.srv.store.ListRoleBindingsByUser(ctx, mu.ID); err != nil || len(b) != 0 {
		t.Errorf("bindings left: %v %v", b, err)
	}
	for _, k := range []string{key, key2} {
		id, _, _ := platform.ParseAccessKey(k)
		if _, err := e.srv.store.GetAccessKey(ctx, id); err == nil {
			t.Errorf("key %s survived its user", id)
		}
	}

	// The last org_owner cannot be deleted: nobody could manage the organization.
	e.do("DELETE", e.machineUsersPath()+"/"+e.adminID, e.adminKey, nil).wantError(409, "LAST_OWNER")
	e.do("GET", "/api/v1/whoami", e.adminKey, nil).want(200)
}

// A caller-chosen id is unique in its organization only: another
// organization choosing the same id gets its own machine user (a 409 would
// tell it the id is taken elsewhere), and every answer shows the id as it was
// chosen, in paths, bodies, bindings, keys, whoami and metadata.
func TestChosenIDsArePerOrganization(t *testing.T) {
	e := newEnv(t)
	otherOrg, otherOwner := e.foreignOwner("other", "owner@other.example")
	otherPath := "/api/v1/organizations/" + otherOrg + "/machine-users"

	var mine, theirs struct {
		ID         string
		Href       string
		Properties struct{ AccessKey struct{ Secret string } }
	}
	e.do("POST", e.machineUsersPath(), e.adminKey, map[string]any{"id": "ci", "username": "mine",
		"accessKey": map[string]any{"name": "k", "expiresInDays": 1}}).decode(201, &mine)
	e.do("POST", otherPath, otherOwner, map[string]any{"id": "ci", "username": "theirs",
		"accessKey": map[string]any{"name": "k", "expiresInDays": 1}}).decode(201, &theirs)
	e.track(mine.Properties.AccessKey.Secret)
	e.track(theirs.Properties.AccessKey.Secret)
	if mine.ID != "ci" || theirs.ID != "ci" || mine.Href != e.machineUsersPath()+"/ci" || theirs.Href != otherPath+"/ci" {
		t.Fatalf("ids and hrefs: %q %q, %q %q", mine.ID, mine.Href, theirs.ID, theirs.Href)
	}
	// Within one organization the id stays unique.
	e.do("POST", otherPath, otherOwner, map[string]any{"id": "ci", "username": "again"}).wantError(409, "ALREADY_EXISTS", "id")

	var got struct{ Properties struct{ Username string } }
	e.do("GET", e.machineUsersPath()+"/ci", e.adminKey, nil).decode(200, &got)
	if got.Properties.Username != "mine" {
		t.Errorf("organization 1's ci is %q", got.Properties.Username)
	}
	e.do("GET", otherPath+"/ci", otherOwner, nil).decode(200, &got)
	if got.Properties.Username != "theirs" {
		t.Errorf("organization 2's ci is %q", got.Properties.Username)
	}

	// The chosen id works everywhere a user id goes, and comes back as is.
	var binding struct{ Properties struct{ UserID string } }
	e.do("POST", "/api/v1/organizations/"+otherOrg+"/role-bindings", otherOwner,
		map[string]any{"userId": "ci", "role": "org_admin"}).decode(201, &binding)
	if binding.Properties.UserID != "ci" {
		t.Errorf("the binding's userId is %q", binding.Properties.UserID)
	}
	var list page
	e.do("GET", "/api/v1/organizations/"+otherOrg+"/role-bindings?userId=ci", otherOwner, nil).decode(200, &list)
	if list.Total != 1 {
		t.Errorf("?userId=ci lists %d bindings", list.Total)
	}
	var me struct {
		User struct {
			ID       string
			Metadata struct{ CreatedBy string }
		}
	}
	e.do("GET", "/api/v1/whoami", theirs.Properties.AccessKey.Secret, nil).decode(200, &me)
	if me.User.ID != "ci" {
		t.Errorf("whoami shows the id %q", me.User.ID)
	}
	var created struct {
		Metadata   struct{ CreatedBy string }
		Properties struct{ UserID string }
	}
	// A key made by the chosen-id user (an org_admin cannot; make it owner).
	e.do("POST", "/api/v1/organizations/"+otherOrg+"/role-bindings", otherOwner,
		map[string]any{"userId": "ci", "role": "org_owner"}).want(201)
	e.do("POST", otherPath+"/ci/access-keys", theirs.Properties.AccessKey.Secret,
		map[string]any{"name": "by-itself", "expiresInDays": 1}).decode(201, &created)
	if created.Metadata.CreatedBy != "ci" || created.Properties.UserID != "ci" {
		t.Errorf("the key's createdBy %q, userId %q", created.Metadata.CreatedBy, created.Properties.UserID)
	}
	// An id of one organization is nothing in another.
	e.do("GET", otherPath+"/"+e.orgID+":ci", otherOwner, nil).wantError(404, "NOT_FOUND")
	e.do("DELETE", otherPath+"/ci", otherOwner, nil).want(204)
	e.do("GET", e.machineUsersPath()+"/ci", e.adminKey, nil).want(200)
}
