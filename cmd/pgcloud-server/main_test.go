package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// admin runs `pgcloud-server admin ...` in-process and returns its exit
// code, stdout and stderr.
func runAdmin(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"admin"}, args...), &stdout, &stderr, getenv)
	return code, stdout.String(), stderr.String()
}

func whoami(t *testing.T, addr, key string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body
}

// TestServeAndAdmin starts `serve` on a free port, runs admin commands on the
// same data directory while it runs, uses their output against the API, and
// stops the server the way SIGTERM does (the context of run is cancelled).
func TestServeAndAdmin(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	addrFile := filepath.Join(dir, "addr")
	if err := os.WriteFile(addrFile, []byte("stale:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	done := make(chan int, 1)
	serveEnv := env(map[string]string{
		"PGCLOUD_SERVER_LISTEN":             "256.0.0.1:bogus", // the flag wins over it
		"PGCLOUD_SERVER_DATA_DIR":           dataDir,
		"PGCLOUD_SERVER_MACHINE_USER_QUOTA": "7",
	})
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--addr-file", addrFile, "--rate-limit", "0"},
			&bytes.Buffer{}, logs, serveEnv)
	}()

	var addr string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		raw, err := os.ReadFile(addrFile)
		if err == nil && !strings.HasPrefix(string(raw), "stale") {
			addr = strings.TrimSpace(string(raw))
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s", code, logs)
		default:
		}
	}
	if addr == "" {
		t.Fatalf("no address file; log: %s", logs)
	}
	if !strings.Contains(logs.String(), `"msg":"listening","addr":"`+addr+`"`) {
		t.Errorf("no listening line with the address in: %s", logs)
	}
	raw, err := os.ReadFile(filepath.Join(dataDir, "bootstrap-access-key"))
	if err != nil {
		t.Fatal(err)
	}
	bootKey := strings.TrimSpace(string(raw))
	if code, _ := whoami(t, addr, bootKey); code != 200 {
		t.Fatalf("whoami with the bootstrap key: %d", code)
	}

	// Admin commands while the server runs; stdout is only the result.
	flags := []string{"--data-dir", dataDir}
	code, orgID, stderr := runAdmin(t, env(nil), append(flags, "org", "create", "acme")...)
	orgID = strings.TrimSpace(orgID)
	if code != 0 || len(orgID) != 36 || stderr != "" {
		t.Fatalf("org create: %d %q %q", code, orgID, stderr)
	}
	// flags after the positional argument, and the data dir from the environment
	code, projectID, stderr := runAdmin(t, env(map[string]string{"PGCLOUD_SERVER_DATA_DIR": dataDir}),
		"project", "create", "web", "--org", "acme")
	if code != 0 || len(strings.TrimSpace(projectID)) != 36 {
		t.Fatalf("project create: %d %q %q", code, projectID, stderr)
	}
	code, userID, stderr := runAdmin(t, env(nil), "user", "create-human", "--org", orgID, "--email", "jo@acme.example", "--data-dir", dataDir)
	userID = strings.TrimSpace(userID)
	if code != 0 || len(userID) != 36 {
		t.Fatalf("user create-human: %d %q %q", code, userID, stderr)
	}
	code, key, stderr := runAdmin(t, env(nil), append(flags, "key", "create", "--user", "jo@acme.example", "--days", "5")...)
	key = strings.TrimSpace(key)
	if code != 0 || !strings.HasPrefix(key, "pgc_") || strings.Count(key, "\n") != 0 {
		t.Fatalf("key create: %d %q %q", code, key, stderr)
	}
	code, bindingID, stderr := runAdmin(t, env(nil), append(flags, "binding", "create", "--user", userID, "--org", "acme", "--role", "org_owner")...)
	if code != 0 || len(strings.TrimSpace(bindingID)) != 36 {
		t.Fatalf("binding create: %d %q %q", code, bindingID, stderr)
	}

	status, me := whoami(t, addr, key)
	if status != 200 {
		t.Fatalf("whoami with the new key: %d %v", status, me)
	}
	if got := me["organization"].(map[string]any)["id"]; got != orgID {
		t.Errorf("organization %v, want %s", got, orgID)
	}
	if n := len(me["roleBindings"].([]any)); n != 1 {
		t.Errorf("%d role bindings, want 1", n)
	}

	// Errors: message on stderr, nothing on stdout, non-zero exit.
	for _, args := range [][]string{
		{"key", "create", "--user", "nobody"},
		{"org", "create", "acme"},
		{"project", "create", "--org", "nope", "x"},
		{"user", "create-human", "--org", "acme", "--email", "bad"},
		{"key", "create", "--user", "jo@acme.example", "--days", "400"},
		{"org", "delete", "acme"},
		{"org", "create"},
	} {
		code, out, errOut := runAdmin(t, env(nil), append(flags, args...)...)
		if code == 0 || out != "" || errOut == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited with %d: %s", code, logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := os.Stat(addrFile); !os.IsNotExist(err) {
		t.Errorf("the address file outlived the server: %v", err)
	}
	for _, secret := range []string{bootKey, key} {
		if strings.Contains(logs.String(), secret) {
			t.Error("the log contains an access key")
		}
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("no orderly stop in the log: %s", logs)
	}
}

func TestServeFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--machine-user-quota", "0"},
		{"serve", "--nope"},
		{"serve", "extra"},
		{"serve", "--log-level", "loud"},
		{"bogus"},
		{},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr, env(nil)); code == 0 || stderr.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr.String())
		}
	}
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--data-dir", filepath.Join(t.TempDir(), "data")}, &bytes.Buffer{}, &stderr,
		env(map[string]string{"PGCLOUD_SERVER_RATE_LIMIT": "fast"}))
	if code == 0 || !strings.Contains(stderr.String(), "PGCLOUD_SERVER_RATE_LIMIT") {
		t.Errorf("bad env value: %d %q", code, stderr.String())
	}
}

// TestBinarySIGTERM builds the real binary and runs it as a script would:
// serve in one process, admin commands in others (so SQLite is shared across
// processes), then SIGTERM for a graceful stop with exit code 0.
func TestBinarySIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "pgcloud-server")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := filepath.Join(dir, "data")
	addrFile := filepath.Join(dir, "addr")
	logs := &syncBuffer{}
	profile := filepath.Join(dir, "cpu.pprof")
	srv := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--addr-file", addrFile, "--cpu-profile", profile)
	srv.Stderr = logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	defer func() {
		if srv.ProcessState == nil {
			_ = srv.Process.Kill()
		}
	}()

	var addr string
	for deadline := time.Now().Add(20 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if raw, err := os.ReadFile(addrFile); err == nil {
			addr = strings.TrimSpace(string(raw))
		}
	}
	if addr == "" {
		t.Fatalf("no address file; log: %s", logs)
	}
	raw, err := os.ReadFile(filepath.Join(dataDir, "bootstrap-access-key"))
	if err != nil {
		t.Fatal(err)
	}
	bootKey := strings.TrimSpace(string(raw))

	out, err := exec.Command(bin, "admin", "--data-dir", dataDir, "key", "create", "--user", "admin", "--days", "1").Output()
	if err != nil {
		t.Fatalf("admin key create: %v", err)
	}
	key := strings.TrimSpace(string(out))
	if code, _ := whoami(t, addr, key); code != 200 {
		t.Fatalf("whoami with a key made by another process: %d", code)
	}

	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v; log: %s", err, logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	for _, secret := range []string{bootKey, key} {
		if strings.Contains(logs.String(), secret) {
			t.Error("the log contains an access key")
		}
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("no orderly stop: %s", logs)
	}
	// The profile is written at the orderly stop: a gzipped protobuf.
	if b, err := os.ReadFile(profile); err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("--cpu-profile: no profile written at the stop (%d bytes, %v)", len(b), err)
	}
}
