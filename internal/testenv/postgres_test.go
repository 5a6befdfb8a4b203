package testenv

import (
	"context"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// TestStartPostgres starts a PostgreSQL (testpg), proves password logins are real
// there, and registers it as a cluster of a test server the way the
// provider's tests do.
func TestStartPostgres(t *testing.T) {
	pg, err := testpg.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Stop()
	ctx := context.Background()
	if pg.DSN == "" || pg.Port == 0 {
		t.Fatalf("DSN set %v, port %d", pg.DSN != "", pg.Port)
	}
	if err := pg.Exec(ctx, `CREATE ROLE "testenv login" LOGIN PASSWORD 'a-password-1'`); err != nil {
		t.Fatal(err)
	}
	if err := pg.ConnectAs(ctx, "testenv login", "a-password-1"); err != nil {
		t.Fatal(err)
	}
	if err := pg.ConnectAs(ctx, "testenv login", "another-password"); err == nil {
		t.Fatal("a wrong password logs in")
	}

	env, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	id, err := env.Admin.AddCluster(ctx, env.ProjectID, "test", pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("no cluster id")
	}
}
