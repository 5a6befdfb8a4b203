package server

import (
	"context"
	"testing"
)

func TestInvitations(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	owner, ownerKey := e.personWithKey("owner@example.com")
	if _, err := e.srv.Admin().BindOrgRole(ctx, owner, e.orgID, "org_owner"); err != nil {
		t.Fatal(err)
	}
	adminP, adminPKey := e.personWithKey("admin-person@example.com")
	if _, err := e.srv.Admin().BindOrgRole(ctx, adminP, e.orgID, "org_admin"); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/organizations/" + e.orgID + "/invitations"

	var inv struct {
		Type       string
		ID         string
		Href       string
		Metadata   struct{ CreatedBy string }
		Properties struct{ OrganizationID, Email, Role, State string }
	}
	body := map[string]any{"email": "new@example.com", "role": "org_admin"}
	r := e.do("POST", path, ownerKey, body, "Idempotency-Key", "inv-1")
	r.decode(201, &inv)
	p := inv.Properties
	if inv.Type != "invitation" || p.OrganizationID != e.orgID || p.Email != "new@example.com" || p.Role != "org_admin" ||
		p.State != "pending" || inv.Metadata.CreatedBy != owner || r.header.Get("Location") != inv.Href || inv.Href != path+"/"+inv.ID {
		t.Errorf("invitation %+v, Location %q", inv, r.header.Get("Location"))
	}
	e.do("POST", path, ownerKey, body, "Idempotency-Key", "inv-1").want(201)
	e.do("POST", path, ownerKey, body).wantError(409, "ALREADY_EXISTS", "email")
	e.do("POST", path, ownerKey, map[string]any{"email": "admin-person@example.com"}).wantError(409, "ALREADY_EXISTS", "email")

	r = e.do("POST", path, ownerKey, map[string]any{"email": "plain@example.com"})
	r.decode(201, &inv)
	if inv.Properties.Role != "" {
		t.Errorf("role %q, want none", inv.Properties.Role)
	}

	e.do("POST", path, ownerKey, map[string]any{"email": "x@example.com", "role": "project_viewer"}).wantError(422, "INVALID_ARGUMENT", "role")
	e.do("POST", path, ownerKey, map[string]any{"email": "not an email"}).wantError(422, "INVALID_ARGUMENT", "email")
	e.do("POST", path, ownerKey, map[string]any{"role": "org_admin", "x": true}).wantError(422, "INVALID_ARGUMENT", "x", "email")
	e.do("POST", path, ownerKey, map[string]any{"email": 3}).wantError(400, "INVALID_ARGUMENT", "email")

	// A machine user never invites, even an org_owner; other people need org_owner.
	e.do("POST", path, e.adminKey, map[string]any{"email": "y@example.com"}).wantError(403, "MACHINE_USER_CANNOT_INVITE")
	e.do("POST", path, adminPKey, map[string]any{"email": "y@example.com"}).wantError(403, "PERMISSION_DENIED")
	e.do("POST", "/api/v1/organizations/elsewhere/invitations", ownerKey, map[string]any{"email": "y@example.com"}).wantError(404, "NOT_FOUND")
}

// tourAccess calls every endpoint of access keys, session tokens, role
// bindings and invitations once with success (for TestSpecTour).
func tourAccess(t *testing.T, e *env) {
	t.Helper()
	mu := e.createMachineUser(map[string]any{"username": "tour-keys", "accessKey": map[string]any{"name": "k0", "expiresInDays": 1}})
	keys := e.keysPath(mu.ID)
	k, _ := e.createKey(keys, e.adminKey, map[string]any{"name": "k1", "expiresInDays": 1})
	e.do("GET", keys, e.adminKey, nil).want(200)
	e.do("GET", k.Href, e.adminKey, nil).want(200)
	e.do("DELETE", k.Href, e.adminKey, nil).want(204)

	tok := e.openToken(mu.ID, map[string]any{"name": "run", "expiresInSeconds": 600})
	e.do("GET", e.tokensPath(mu.ID), e.adminKey, nil).want(200)
	e.do("GET", tok.Href, e.adminKey, nil).want(200)
	e.do("DELETE", tok.Href, e.adminKey, nil).want(204)
	e.openToken(mu.ID, map[string]any{})
	e.do("DELETE", e.tokensPath(mu.ID), e.adminKey, nil).want(200)

	fc := e.createFederatedCredential(mu.ID, map[string]any{"name": "ci", "issuer": "https://token.actions.githubusercontent.com",
		"subject": "repo:acme/infra:ref:refs/heads/main", "claims": map[string]any{"environment": "production"}})
	e.do("GET", e.credentialsPath(mu.ID), e.adminKey, nil).want(200)
	e.do("GET", fc.Href, e.adminKey, nil).want(200)
	e.do("DELETE", fc.Href, e.adminKey, nil).want(204)
	// The exchange's answers are checked against the spec by its own tests
	// (federated_credentials_test.go); here a refusal.
	e.do("POST", "/api/v1/token-exchange", "", "subject_token=x&subject_token_type="+tokenTypeIDToken,
		"Content-Type", "application/x-www-form-urlencoded").wantError(401, "UNAUTHENTICATED")

	person, personKey := e.personWithKey("tour@example.com")
	mine, _ := e.createKey("/api/v1/users/me/access-keys", personKey, map[string]any{"name": "mine", "expiresInDays": 1})
	e.do("GET", "/api/v1/users/me/access-keys", personKey, nil).want(200)
	e.do("GET", mine.Href, personKey, nil).want(200)
	e.do("DELETE", mine.Href, personKey, nil).want(204)

	ob := e.bind(e.orgBindingsPath(), e.adminKey, person, "org_owner")
	e.do("GET", e.orgBindingsPath()+"?userId="+person, e.adminKey, nil).want(200)
	e.do("GET", ob.Href, e.adminKey, nil).want(200)
	pb := e.bind(projectBindingsPath(e.projectID), e.adminKey, person, "project_viewer")
	e.do("GET", projectBindingsPath(e.projectID)+"?role=project_viewer", e.adminKey, nil).want(200)
	e.do("GET", pb.Href, e.adminKey, nil).want(200)
	e.do("DELETE", pb.Href, e.adminKey, nil).want(204)
	e.do("POST", "/api/v1/organizations/"+e.orgID+"/invitations", personKey, map[string]any{"email": "invitee@example.com"}).want(201)
	e.do("DELETE", ob.Href, e.adminKey, nil).want(204)
}
