package private

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestDirIsMadePrivateWhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "a", "data")
	if err := Dir(dir); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Fatalf("mode %04o, want 0700", info.Mode().Perm())
	}
	file := filepath.Join(dir, "pgcloud.db")
	if err := Touch(file); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(file); info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o, want 0600", info.Mode().Perm())
	}
	if err := CreateFile(file, []byte("x")); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("CreateFile on an existing file: %v", err)
	}
	if err := WriteFile(file, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(file); string(b) != "new" {
		t.Fatalf("WriteFile left %q", b)
	}
	if info, _ := os.Stat(file); info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o after WriteFile, want 0600", info.Mode().Perm())
	}
}

func TestOpenPathsAreRefusedWithTheFix(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	err := Dir(dir)
	if err == nil || !strings.Contains(err.Error(), "chmod 700 "+dir) || !strings.Contains(err.Error(), "mode 0750") {
		t.Fatalf("Dir on a 0750 directory: %v", err)
	}
	file := filepath.Join(t.TempDir(), "server.key")
	if err := os.WriteFile(file, []byte("k"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Check(file); err == nil || !strings.Contains(err.Error(), "chmod 600 "+file) {
		t.Fatalf("Check on a 0644 file: %v", err)
	}
	if err := Check(filepath.Join(dir, "missing")); err != nil {
		t.Fatalf("a missing path: %v", err)
	}
}
