package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server"
)

// admin backup copies a SQLite store while a server writes to it: the copy
// opens as a store of its own (with the same server key), holds every
// object that was created before the backup began, and is private.
func TestAdminBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	ctx := context.Background()
	srv, err := server.New(ctx, server.Config{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Close() }()
	api := http.Server{Handler: srv.Handler()}
	ln := listenLoopback(t)
	go func() { _ = api.Serve(ln) }() // http.ErrServerClosed once the test ends
	defer func() { _ = api.Close() }()
	raw, err := os.ReadFile(filepath.Join(dataDir, server.BootstrapKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(raw))
	_, me := whoami(t, ln.Addr().String(), key)
	orgID := me["organization"].(map[string]any)["id"].(string)
	create := func(username string) int {
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/organizations/"+orgID+"/machine-users",
			strings.NewReader(fmt.Sprintf(`{"username": %q}`, username)))
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		_ = res.Body.Close()
		return res.StatusCode
	}
	for i := range 20 {
		if code := create(fmt.Sprintf("before-%d", i)); code != 201 {
			t.Fatalf("create before-%d: %d", i, code)
		}
	}

	// Creates go on while the backup runs.
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			if code := create(fmt.Sprintf("during-%d", i)); code != 201 {
				t.Errorf("create during the backup: %d", code)
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	backup := filepath.Join(dir, "backup.db")
	code, out, stderr := runAdmin(t, env(nil), "--data-dir", dataDir, "backup", "--to", backup)
	stop.Store(true)
	wg.Wait()
	if code != 0 || strings.TrimSpace(out) != backup {
		t.Fatalf("admin backup: %d %q %q", code, out, stderr)
	}
	if info, err := os.Stat(backup); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the backup: %v, mode %v", err, info.Mode().Perm())
	}
	if code, _, stderr := runAdmin(t, env(nil), "--data-dir", dataDir, "backup", "--to", backup); code == 0 || !strings.Contains(stderr, "never overwrites") {
		t.Errorf("a second backup onto the same file: %d %q", code, stderr)
	}

	// The copy is a store: a server on it (with the same key) serves the
	// objects made before the backup.
	copyDir := filepath.Join(dir, "restored")
	restored, err := server.New(ctx, server.Config{DataDir: copyDir, Store: "sqlite:" + backup,
		ServerKeyFile: filepath.Join(dataDir, "server.key")})
	if err != nil {
		t.Fatalf("a server on the backup: %v", err)
	}
	defer func() { _ = restored.Close() }()
	api2 := http.Server{Handler: restored.Handler()}
	ln2 := listenLoopback(t)
	go func() { _ = api2.Serve(ln2) }() // http.ErrServerClosed once the test ends
	defer func() { _ = api2.Close() }()
	if code, _ := whoami(t, ln2.Addr().String(), key); code != 200 {
		t.Fatalf("the bootstrap key on the restored store: %d", code)
	}
	for i := range 20 {
		req, _ := http.NewRequest("GET", "http://"+ln2.Addr().String()+"/api/v1/organizations/"+orgID+
			"/machine-users?username="+fmt.Sprintf("before-%d", i), nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, err = body.ReadFrom(res.Body)
		_ = res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body.String(), `"total":1`) {
			t.Errorf("before-%d is not in the backup: %s", i, body.String())
		}
	}
}

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
