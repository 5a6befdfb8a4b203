package server

import (
	"errors"
	"net/http"
)

// route is one endpoint. All endpoints are in the routes table below, which is
// both what the server serves and what the OpenAPI conformance test compares
// with api/openapi.yaml, so the two cannot drift apart unnoticed.
type route struct {
	Method  string
	Pattern string // net/http ServeMux path pattern, written like the OpenAPI path
	Public  bool   // served without authentication or rate limiting
	handle  handler
}

// handler answers a request of caller c (nil on public routes), or returns
// the error to answer with (see answerOf).
type handler func(s *Server, w http.ResponseWriter, r *http.Request, c *caller) error

var routes = []route{
	{Method: "GET", Pattern: "/healthz", Public: true, handle: (*Server).healthz},
	{Method: "GET", Pattern: "/readyz", Public: true, handle: (*Server).readyz},

	{Method: "GET", Pattern: apiPrefix + "/whoami", handle: (*Server).whoami},
	{Method: "GET", Pattern: apiPrefix + "/roles", handle: (*Server).listRoles},
	{Method: "GET", Pattern: apiPrefix + "/roles/{role}", handle: (*Server).getRole},

	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}", handle: (*Server).getOrganization},
	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/projects", handle: (*Server).listProjects},
	{Method: "GET", Pattern: apiPrefix + "/projects/{project}", handle: (*Server).getProject},

	{Method: "GET", Pattern: apiPrefix + "/projects/{project}/clusters", handle: (*Server).listClusters},
	{Method: "GET", Pattern: apiPrefix + "/clusters/{cluster}", handle: (*Server).getCluster},
	{Method: "GET", Pattern: apiPrefix + "/clusters/{cluster}/users", handle: (*Server).listClusterUsers},
	{Method: "POST", Pattern: apiPrefix + "/clusters/{cluster}/users", handle: (*Server).createClusterUser},
	{Method: "GET", Pattern: apiPrefix + "/clusters/{cluster}/users/{username}", handle: (*Server).getClusterUser},
	{Method: "PATCH", Pattern: apiPrefix + "/clusters/{cluster}/users/{username}", handle: (*Server).updateClusterUser},
	{Method: "DELETE", Pattern: apiPrefix + "/clusters/{cluster}/users/{username}", handle: (*Server).deleteClusterUser},
	{Method: "POST", Pattern: apiPrefix + "/clusters/{cluster}/users/{username}/terminate-connections", handle: (*Server).terminateClusterUserConnections},
	{Method: "GET", Pattern: apiPrefix + "/clusters/{cluster}/roles", handle: (*Server).listClusterRoles},
	{Method: "POST", Pattern: apiPrefix + "/clusters/{cluster}/roles", handle: (*Server).createClusterRole},
	{Method: "GET", Pattern: apiPrefix + "/clusters/{cluster}/roles/{name}", handle: (*Server).getClusterRole},
	{Method: "PATCH", Pattern: apiPrefix + "/clusters/{cluster}/roles/{name}", handle: (*Server).updateClusterRole},
	{Method: "DELETE", Pattern: apiPrefix + "/clusters/{cluster}/roles/{name}", handle: (*Server).deleteClusterRole},

	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/users", handle: (*Server).listUsers},
	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/users/{user}", handle: (*Server).getUser},

	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/machine-users", handle: (*Server).listMachineUsers},
	{Method: "POST", Pattern: apiPrefix + "/organizations/{org}/machine-users", handle: (*Server).createMachineUser},
	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}", handle: (*Server).getMachineUser},
	{Method: "PATCH", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}", handle: (*Server).updateMachineUser},
	{Method: "DELETE", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}", handle: (*Server).deleteMachineUser},

	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/access-keys", handle: (*Server).listMachineUserKeys},
	{Method: "POST", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/access-keys", handle: (*Server).createMachineUserKey},
	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/access-keys/{key}", handle: (*Server).getMachineUserKey},
	{Method: "DELETE", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/access-keys/{key}", handle: (*Server).deleteMachineUserKey},
	{Method: "POST", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/access-keys/{key}/confirm", handle: (*Server).confirmMachineUserKey},
	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/session-tokens", handle: (*Server).listSessionTokens},
	{Method: "POST", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/session-tokens", handle: (*Server).createSessionToken},
	{Method: "DELETE", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/session-tokens", handle: (*Server).revokeSessionTokens},
	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/session-tokens/{token}", handle: (*Server).getSessionToken},
	{Method: "DELETE", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/session-tokens/{token}", handle: (*Server).deleteSessionToken},
	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/federated-credentials", handle: (*Server).listFederatedCredentials},
	{Method: "POST", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/federated-credentials", handle: (*Server).createFederatedCredential},
	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/federated-credentials/{credential}", handle: (*Server).getFederatedCredential},
	{Method: "DELETE", Pattern: apiPrefix + "/organizations/{org}/machine-users/{user}/federated-credentials/{credential}", handle: (*Server).deleteFederatedCredential},
	// The token exchange authenticates with the ID token in its body.
	{Method: "POST", Pattern: apiPrefix + "/token-exchange", Public: true, handle: (*Server).tokenExchange},
	{Method: "GET", Pattern: apiPrefix + "/users/me/access-keys", handle: (*Server).listMyKeys},
	{Method: "POST", Pattern: apiPrefix + "/users/me/access-keys", handle: (*Server).createMyKey},
	{Method: "GET", Pattern: apiPrefix + "/users/me/access-keys/{key}", handle: (*Server).getMyKey},
	{Method: "DELETE", Pattern: apiPrefix + "/users/me/access-keys/{key}", handle: (*Server).deleteMyKey},
	{Method: "POST", Pattern: apiPrefix + "/users/me/access-keys/{key}/confirm", handle: (*Server).confirmMyKey},

	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/role-bindings", handle: inScope((*Server).orgScope, forRead, (*Server).listBindings)},
	{Method: "POST", Pattern: apiPrefix + "/organizations/{org}/role-bindings", handle: inScope((*Server).orgScope, forWrite, (*Server).createBinding)},
	{Method: "GET", Pattern: apiPrefix + "/organizations/{org}/role-bindings/{binding}", handle: inScope((*Server).orgScope, forRead, (*Server).getBinding)},
	{Method: "DELETE", Pattern: apiPrefix + "/organizations/{org}/role-bindings/{binding}", handle: inScope((*Server).orgScope, forWrite, (*Server).deleteBinding)},
	{Method: "GET", Pattern: apiPrefix + "/projects/{project}/role-bindings", handle: inScope((*Server).projectScope, forRead, (*Server).listBindings)},
	{Method: "POST", Pattern: apiPrefix + "/projects/{project}/role-bindings", handle: inScope((*Server).projectScope, forWrite, (*Server).createBinding)},
	{Method: "GET", Pattern: apiPrefix + "/projects/{project}/role-bindings/{binding}", handle: inScope((*Server).projectScope, forRead, (*Server).getBinding)},
	{Method: "DELETE", Pattern: apiPrefix + "/projects/{project}/role-bindings/{binding}", handle: inScope((*Server).projectScope, forWrite, (*Server).deleteBinding)},

	{Method: "POST", Pattern: apiPrefix + "/organizations/{org}/invitations", handle: (*Server).createInvitation},

	{Method: "GET", Pattern: apiPrefix + "/idempotency-keys/{idempotencyKey}", handle: (*Server).getIdempotencyKey},
}

// routeHandler runs the per-route layers: authentication, rate limit, body
// size limit, then the handler. Handlers answer errors by returning them.
func (s *Server) routeHandler(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.serveRoute(rt, w, r); err != nil {
			writeError(w, r, s.answerOf(r.Context(), err))
		}
	})
}

func (s *Server) serveRoute(rt route, w http.ResponseWriter, r *http.Request) error {
	var c *caller
	if !rt.Public {
		if err := s.checkAuthFailures(r); err != nil {
			return err
		}
		var err error
		if c, err = s.authenticate(r); err != nil {
			var e *apiError
			if errors.As(err, &e) && e.HTTPStatus == http.StatusUnauthorized {
				s.noteAuthFailure(r)
			}
			return err
		}
		if info := reqInfoFrom(r.Context()); info != nil {
			info.userID = c.user.ID
		}
		if err := s.rateLimit(w, c); err != nil {
			return err
		}
	}
	if r.ContentLength > maxBodyBytes {
		return errTooLarge()
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	return rt.handle(s, w, r, c)
}

func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Pattern, s.routeHandler(rt))
	}
	return s.withCommon(s.dispatch(mux))
}
