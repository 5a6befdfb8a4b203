package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `make demo` from a clone that only its owner can enter, as a clone into
// /root is: the demo's PostgreSQL runs as the postgres OS user when the demo
// runs as root, and must keep everything it reads outside the clone.
func TestDemoFromPrivateDirectory(t *testing.T) {
	needAcc(t)
	home := t.TempDir() // the demo installs the provider under $HOME/.terraform.d
	clone := filepath.Join(t.TempDir(), "private", "clone")
	if err := os.MkdirAll(clone, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Dir(clone), clone} {
		if err := os.Chmod(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	copyWorkingTree(t, clone)
	if os.Geteuid() == 0 {
		// The test means something only if PostgreSQL's user is locked out.
		if err := exec.Command("runuser", "-u", "postgres", "--", "test", "-x", clone).Run(); err == nil {
			t.Fatalf("the postgres OS user can enter %s; the test needs a directory it cannot", clone)
		}
	}

	goEnv := map[string]string{}
	for _, name := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		out, err := exec.Command("go", "env", name).Output()
		if err != nil {
			t.Fatal(err)
		}
		goEnv[name] = strings.TrimSpace(string(out))
	}
	cmd := exec.Command("make", "demo")
	cmd.Dir = clone
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "HOME" || strings.HasPrefix(name, "PGCLOUD_") || strings.HasPrefix(name, "TF_") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "HOME="+home)
	for name, value := range goEnv { // the module and build caches stay where they are
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make demo from %s: %v\n%s", clone, err, out)
	}
	for _, want := range []string{"Apply complete!", "logged in as app_user", "no changes", "PostgreSQL stopped"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("make demo printed no %q:\n%s", want, out)
		}
	}
}

// copyWorkingTree copies the repository's files as a clone would have them
// (tracked, plus new files not ignored) into dst.
func copyWorkingTree(t *testing.T, dst string) {
	t.Helper()
	list := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	list.Dir = build.repository
	out, err := list.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(build.repository, rel)
		info, err := os.Lstat(src)
		if os.IsNotExist(err) {
			continue // deleted in the working tree, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		if !info.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, rel), b, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}
