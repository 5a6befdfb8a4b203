package server

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

func TestBootstrapOnce(t *testing.T) {
	e := newEnv(t)
	path := filepath.Join(e.dir, BootstrapKeyFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	before, _ := os.ReadFile(path)
	if !strings.HasSuffix(string(before), "\n") || strings.Count(string(before), "\n") != 1 {
		t.Errorf("key file %q: want the key and one newline", before)
	}

	// The 365-day key, org_owner + project_owner: checked through whoami in
	// newEnv and TestWhoami. Now start again on the same directory, twice.
	e.restart()
	e.restart()
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Error("a later start rewrote the bootstrap key")
	}
	e.do("GET", "/api/v1/whoami", e.adminKey, nil).want(200)
	ctx := context.Background()
	admins, _, err := e.srv.store.ListUsers(ctx, store.UserFilter{Username: "admin"}, pageAll)
	if err != nil || len(admins) != 1 {
		t.Errorf("%d admins (%v), want 1", len(admins), err)
	}
	if n, _ := e.srv.store.CountOrganizations(ctx); n != 1 {
		t.Errorf("%d organizations, want 1", n)
	}

	// Even without the key file, a bootstrapped store is not bootstrapped again.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	e.restart()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the key file came back: %v", err)
	}
	if !strings.Contains(e.logs.String(), `"msg":"bootstrapped an empty store"`) {
		t.Error("the bootstrap was not logged")
	}
	if strings.Count(e.logs.String(), "bootstrapped an empty store") != 1 {
		t.Error("bootstrapped more than once")
	}
}

func TestNoBootstrapOnAStoreSetUpByHand(t *testing.T) {
	dir := privateDir(t)
	ctx := context.Background()
	a, err := OpenAdmin(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateOrganization(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := New(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, s)
	if _, err := os.Stat(filepath.Join(dir, BootstrapKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("bootstrapped a store that already had organizations: %v", err)
	}
}

func TestStoreOption(t *testing.T) {
	dir := privateDir(t)
	ctx := context.Background()
	dbPath := filepath.Join(dir, "sub", "custom.db")
	s, err := New(ctx, Config{Store: "sqlite:" + dbPath})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, s)
	if _, err := os.Stat(dbPath); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub", BootstrapKeyFile)); err != nil {
		t.Errorf("without a data dir the key goes next to the store: %v", err)
	}
	for _, bad := range []Config{{}, {Store: "mysql:x"}, {Store: "sqlite:"}, {Store: "nonsense"}, {DataDir: dir, MachineUserQuota: -1}} {
		if s, err := New(ctx, bad); err == nil {
			_ = s.Close()
			t.Errorf("New(%+v) worked", bad)
		}
	}
}
