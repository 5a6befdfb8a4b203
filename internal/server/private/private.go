// Package private makes and checks the files that only the control plane's
// OS user may read: its data directory, the SQLite store (with its -wal and
// -shm files), the server key and the bootstrap access key. They hold
// secrets, sealed or not, so a start with any of them open to other users is
// refused, with the command that fixes it.
package private

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir makes dir with mode 0700 when it is missing (parents too), and refuses
// one that other users can read, write or enter.
func Dir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	return Check(dir)
}

// Check refuses path when it exists and other users (its group or anyone)
// have any access to it. A missing path is fine: whoever creates it makes it
// private.
func Check(path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		want := "600"
		if info.IsDir() {
			want = "700"
		}
		return fmt.Errorf("%s is open to other users (mode %04o), and the control plane keeps secrets there; "+
			"make it private with: chmod %s %s", path, perm, want, path)
	}
	return nil
}

// Touch creates path as an empty file with mode 0600 unless it exists, so
// that what writes it next (SQLite, which keeps a file's mode and gives it
// to its -wal and -shm files) never creates it with the umask's mode.
func Touch(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// WriteFile replaces path with a file of data, mode 0600. The file appears
// whole or not at all, so a process that reads it never sees half of it.
func WriteFile(path string, data []byte) error {
	tmp, err := writeAside(path, data)
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp) }() // after the rename, a no-op
	return os.Rename(tmp, path)
}

// CreateFile makes path a file of data, mode 0600, unless path exists: then
// it leaves it as it is and the error wraps fs.ErrExist. As with WriteFile,
// the file appears whole or not at all.
func CreateFile(path string, data []byte) error {
	tmp, err := writeAside(path, data)
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp) }() // the link is the file now
	return os.Link(tmp, path)
}

// writeAside writes data to a new private file beside path and returns its
// name.
func writeAside(path string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return "", err
	}
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name()) // best effort: err is the one to report
		return "", err
	}
	return f.Name(), nil
}
