package client_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

// The tests in this external package run the client against a real
// pgcloud-server (internal/testenv): the same handler, store and rules the
// provider meets, on a free loopback port, one fresh server per test.

func startEnv(t *testing.T, opts testenv.Options) *testenv.Env {
	t.Helper()
	env, err := testenv.Start(opts)
	if err != nil {
		t.Fatalf("start pgcloud-server: %v", err)
	}
	t.Cleanup(env.Close)
	return env
}

// newMachineUser creates a machine user with the admin key and returns it.
func newMachineUser(t *testing.T, env *testenv.Env) *client.MachineUser {
	t.Helper()
	mu, err := env.Client(env.AdminKey).CreateMachineUser(context.Background(), env.OrgID,
		client.MachineUserCreate{Username: "mu-" + uuid.NewString()[:8]})
	if err != nil {
		t.Fatalf("create machine user: %v", err)
	}
	return mu
}

// startWithMachineUser starts a fresh server and creates a machine user in
// its default organization; admin is a client with the bootstrap key.
func startWithMachineUser(t *testing.T) (env *testenv.Env, admin *client.Client, mu *client.MachineUser) {
	t.Helper()
	env = startEnv(t, testenv.Options{})
	return env, env.Client(env.AdminKey), newMachineUser(t, env)
}

// newPerson adds a person to the default organization and returns its id.
func newPerson(t *testing.T, env *testenv.Env) string {
	t.Helper()
	id, err := env.Admin.CreateHumanUser(context.Background(), env.OrgID, "p-"+uuid.NewString()[:8]+"@example.com")
	if err != nil {
		t.Fatalf("create person: %v", err)
	}
	return id
}

// wantStatus fails unless err is an API error with status and, unless code
// is "", that code.
func wantStatus(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	e, ok := client.AsAPIError(err)
	if !ok || e.HTTPStatus != status || (code != "" && e.Code != code) {
		t.Fatalf("%s: want %d %s, got %v", what, status, code, err)
	}
}

// fieldMessage returns the message the API error in err gives for field, or "".
func fieldMessage(err error, field string) string {
	if e, ok := client.AsAPIError(err); ok {
		for _, m := range e.Messages {
			if m.Field == field {
				return m.Message
			}
		}
	}
	return ""
}
