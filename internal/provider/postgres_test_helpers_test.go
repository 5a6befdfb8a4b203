package provider

import (
	"context"
	"sync"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// One throwaway PostgreSQL, registered once as a cluster of the default
// project, serves every cluster test of the package: starting one takes about
// a second, and each test uses its own usernames.
var (
	sharedPostgresOnce sync.Once
	sharedPostgres     *testpg.Postgres
	sharedPostgresErr  error

	sharedClusterOnce sync.Once
	sharedClusterID   string
	sharedClusterErr  error
)

// testPostgres starts the package's PostgreSQL on first use.
func testPostgres(t *testing.T) *testpg.Postgres {
	t.Helper()
	sharedPostgresOnce.Do(func() { sharedPostgres, sharedPostgresErr = testpg.Start() })
	if sharedPostgresErr != nil {
		t.Fatalf("start the test PostgreSQL: %v", sharedPostgresErr)
	}
	return sharedPostgres
}

// testCluster returns the id of the cluster "acc" that the package's
// PostgreSQL is registered as, registering it on first use.
func testCluster(t *testing.T) (string, *testpg.Postgres) {
	t.Helper()
	env := accEnv(t)
	pg := testPostgres(t)
	sharedClusterOnce.Do(func() {
		sharedClusterID, sharedClusterErr = env.Admin.AddCluster(context.Background(), env.ProjectID, "acc", pg.DSN)
	})
	if sharedClusterErr != nil {
		t.Fatalf("register the test cluster: %v", sharedClusterErr)
	}
	return sharedClusterID, pg
}

// stopTestPostgres stops the package's PostgreSQL, if a test started it.
func stopTestPostgres() {
	if sharedPostgres != nil {
		sharedPostgres.Stop()
	}
}

// testServerLog collects the test server's log lines, so tests can prove that
// no secret ever reaches it.
var testServerLog testenv.LockedBuffer
