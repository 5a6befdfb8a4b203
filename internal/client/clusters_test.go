package client_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// startCluster starts a throwaway PostgreSQL and registers it as a cluster of
// the default project.
func startCluster(t *testing.T, env *testenv.Env) (string, *testpg.Postgres) {
	t.Helper()
	pg, err := testpg.Start()
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Cleanup(pg.Stop)
	id, err := env.Admin.AddCluster(context.Background(), env.ProjectID, "main", pg.DSN)
	if err != nil {
		t.Fatalf("register the cluster: %v", err)
	}
	return id, pg
}

func TestClusterUserLifecycle(t *testing.T) {
	ctx := context.Background()
	env := startEnv(t, testenv.Options{})
	clusterID, pg := startCluster(t, env)
	c := env.Client(env.AdminKey)

	clusters, err := c.ListClusters(ctx, env.ProjectID, client.ListClustersOptions{Name: "main"})
	if err != nil || len(clusters) != 1 || clusters[0].ID != clusterID || clusters[0].PostgresVersion == "" {
		t.Fatalf("ListClusters: %+v, %v", clusters, err)
	}
	cl, err := c.GetCluster(ctx, clusterID)
	if err != nil || cl.Name != "main" || cl.ProjectID != env.ProjectID || cl.OrganizationID != env.OrgID {
		t.Fatalf("GetCluster: %+v, %v", cl, err)
	}

	// A name that needs quoting and escaping in SQL and in the URL.
	const name = `o'brien; "x" ü/y`
	u, err := c.CreateClusterUser(ctx, clusterID, client.ClusterUserCreate{Username: name, Password: "first-password-1"})
	if err != nil || u.Username != name || u.System || u.ClusterID != clusterID {
		t.Fatalf("CreateClusterUser: %+v, %v", u, err)
	}
	if err := pg.ConnectAs(ctx, name, "first-password-1"); err != nil {
		t.Fatalf("log in as the new user: %v", err)
	}
	_, err = c.CreateClusterUser(ctx, clusterID, client.ClusterUserCreate{Username: name, Password: "first-password-1"})
	wantStatus(t, "second create", err, http.StatusConflict, "ALREADY_EXISTS")

	newPassword := "second-password-2"
	if _, err := c.UpdateClusterUser(ctx, clusterID, name, client.ClusterUserUpdate{Password: &newPassword}); err != nil {
		t.Fatalf("UpdateClusterUser: %v", err)
	}
	if err := pg.ConnectAs(ctx, name, "second-password-2"); err != nil {
		t.Fatalf("log in with the new password: %v", err)
	}
	if err := pg.ConnectAs(ctx, name, "first-password-1"); err == nil {
		t.Fatal("the old password still logs in")
	}

	managed, err := c.ListClusterUsers(ctx, clusterID, false)
	if err != nil || !slices.ContainsFunc(managed, func(u client.ClusterUser) bool { return u.Username == name }) ||
		slices.ContainsFunc(managed, func(u client.ClusterUser) bool { return u.System }) {
		t.Fatalf("ListClusterUsers without system users: %+v, %v", managed, err)
	}
	all, err := c.ListClusterUsers(ctx, clusterID, true)
	if err != nil || !slices.ContainsFunc(all, func(u client.ClusterUser) bool { return u.Username == "postgres" && u.System }) {
		t.Fatalf("ListClusterUsers with system users: %+v, %v", all, err)
	}

	sys, err := c.GetClusterUser(ctx, clusterID, "postgres")
	if err != nil || !sys.System {
		t.Fatalf("GetClusterUser postgres: %+v, %v", sys, err)
	}
	err = c.DeleteClusterUser(ctx, clusterID, "postgres")
	wantStatus(t, "deleting a system user", err, http.StatusConflict, "SYSTEM_USER_IMMUTABLE")

	if err := c.DeleteClusterUser(ctx, clusterID, name); err != nil {
		t.Fatalf("DeleteClusterUser: %v", err)
	}
	_, err = c.GetClusterUser(ctx, clusterID, name)
	if !client.IsNotFound(err) {
		t.Fatalf("after delete: want 404, got %v", err)
	}
}

// TerminateClusterUserConnections ends the user's open connections, for
// real, and counts them.
func TestTerminateClusterUserConnections(t *testing.T) {
	ctx := context.Background()
	env := startEnv(t, testenv.Options{})
	clusterID, pg := startCluster(t, env)
	c := env.Client(env.AdminKey)
	const name = `o'brien ü/y`
	if _, err := c.CreateClusterUser(ctx, clusterID, client.ClusterUserCreate{Username: name, Password: "first-password-1"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		conn, err := pg.OpenAs(ctx, name, "first-password-1")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close(ctx) }()
	}
	got, err := c.TerminateClusterUserConnections(ctx, clusterID, name)
	if err != nil {
		t.Fatal(err)
	}
	if *got != (client.ConnectionTermination{ClusterID: clusterID, Username: name, Terminated: 2}) {
		t.Fatalf("termination %+v", got)
	}
	if n, err := pg.QueryString(ctx, `SELECT count(*)::text FROM pg_stat_activity WHERE usename = $1`, name); err != nil || n != "0" {
		t.Fatalf("%s connections left (%v)", n, err)
	}
	if again, err := c.TerminateClusterUserConnections(ctx, clusterID, name); err != nil || again.Terminated != 0 {
		t.Errorf("second termination: %+v %v", again, err)
	}
	_, err = c.TerminateClusterUserConnections(ctx, clusterID, "postgres")
	wantStatus(t, "terminate a system user's connections", err, http.StatusConflict, "SYSTEM_USER_IMMUTABLE")
	_, err = c.TerminateClusterUserConnections(ctx, clusterID, "nobody")
	wantStatus(t, "terminate an unknown user's connections", err, http.StatusNotFound, "NOT_FOUND")
}
