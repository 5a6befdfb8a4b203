package client_test

import (
	"context"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

func TestGetIdempotencyKey(t *testing.T) {
	env := startEnv(t, testenv.Options{})
	admin := env.Client(env.AdminKey)
	ctx := context.Background()
	mu, err := admin.CreateMachineUser(client.WithIdempotencyKey(ctx, "the-create"), env.OrgID, client.MachineUserCreate{Username: "adopted"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := admin.GetIdempotencyKey(ctx, "the-create")
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != "the-create" || k.Status != 201 || k.Location != "/api/v1/organizations/"+env.OrgID+"/machine-users/"+mu.ID {
		t.Errorf("%+v", k)
	}
	if _, err := admin.GetIdempotencyKey(ctx, "never-sent"); !client.IsNotFound(err) {
		t.Errorf("an unused key: %v", err)
	}
}
