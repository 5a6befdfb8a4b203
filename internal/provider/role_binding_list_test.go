package provider

import (
	"context"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// What the tests of the two role-binding list resources share.

// boundMachineUsers makes a machine user per role through the API, binds
// each to its role with bind, and deletes them (their bindings with them)
// after the test.
func boundMachineUsers(t *testing.T, roles []string, bind func(userID, role string) error) []*client.MachineUser {
	t.Helper()
	env := accEnv(t)
	api := env.Client(env.AdminKey)
	var users []*client.MachineUser
	for _, role := range roles {
		mu, err := api.CreateMachineUser(context.Background(), env.OrgID, client.MachineUserCreate{Username: randomName("bound")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = api.DeleteMachineUser(context.Background(), env.OrgID, mu.ID) })
		if err := bind(mu.ID, role); err != nil {
			t.Fatal(err)
		}
		users = append(users, mu)
	}
	return users
}
