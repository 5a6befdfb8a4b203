package main

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// TestClusterAdd registers a real PostgreSQL with `admin cluster add`: the id
// on stdout, nothing else; errors on stderr never show the DSN.
func TestClusterAdd(t *testing.T) {
	pg, err := testpg.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Stop()
	dataDir := filepath.Join(t.TempDir(), "data")
	flags := []string{"--data-dir", dataDir}
	if code, _, stderr := runAdmin(t, env(nil), append(flags, "org", "create", "acme")...); code != 0 {
		t.Fatalf("org create: %d %q", code, stderr)
	}
	code, projectID, stderr := runAdmin(t, env(nil), append(flags, "project", "create", "--org", "acme", "web")...)
	projectID = strings.TrimSpace(projectID)
	if code != 0 {
		t.Fatalf("project create: %d %q", code, stderr)
	}

	code, id, stderr := runAdmin(t, env(nil), append(flags, "cluster", "add", "--project", "web", "--name", "main", "--dsn", pg.DSN)...)
	id = strings.TrimSpace(id)
	if code != 0 || len(id) != 36 || stderr != "" {
		t.Fatalf("cluster add: %d %q %q", code, id, stderr)
	}
	// The DSN from the environment, out of the process list.
	code, id2, stderr := runAdmin(t, env(map[string]string{"PGCLOUD_CLUSTER_DSN": pg.DSN}),
		append(flags, "cluster", "add", "--project", projectID, "--name", "second")...)
	if code != 0 || len(strings.TrimSpace(id2)) != 36 {
		t.Fatalf("cluster add with the DSN from the environment: %d %q %q", code, id2, stderr)
	}

	u, _ := url.Parse(pg.DSN)
	password, _ := u.User.Password()
	badDSN := strings.Replace(pg.DSN, password, "wrong-password-xyz", 1)
	for _, args := range [][]string{
		{"cluster", "add", "--project", "web", "--name", "main", "--dsn", pg.DSN},                              // name taken
		{"cluster", "add", "--project", "nope", "--name", "x", "--dsn", pg.DSN},                                // unknown project
		{"cluster", "add", "--project", "web", "--name", "x", "--dsn", badDSN},                                 // login refused
		{"cluster", "add", "--project", "web", "--name", "x", "--dsn", "postgres://a:wrong-password-xyz@[::1"}, // unparsable
		{"cluster", "add", "--project", "web", "--name", "x"},                                                  // no DSN
	} {
		code, out, errOut := runAdmin(t, env(nil), append(flags, args...)...)
		if code == 0 || out != "" || errOut == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
		if strings.Contains(errOut, password) || strings.Contains(errOut, "wrong-password-xyz") {
			t.Errorf("%v: stderr shows the DSN: %s", args, errOut)
		}
	}
}
