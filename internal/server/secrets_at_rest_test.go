package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// secretsAtRest collects what a test hands out or sends (access keys and
// their secrets, passwords, a DSN's password) and what a plain hash of a
// request would look like, so that it can prove none of it can be read back
// from the data directory.
type secretsAtRest struct {
	values map[string]string // value -> what it is
}

func (s *secretsAtRest) add(what, value string) {
	if s.values == nil {
		s.values = map[string]string{}
	}
	s.values[value] = what
}

// addKey adds an access key and, separately, its secret part.
func (s *secretsAtRest) addKey(what, key string) {
	s.add(what, key)
	s.add(what+" (secret part)", secretOf(key))
}

// findIn lists the secrets that data holds, as they are or hex-encoded.
func (s *secretsAtRest) findIn(where string, data []byte, skip map[string]bool) []string {
	var found []string
	for value, what := range s.values {
		if skip[value] {
			continue
		}
		if bytes.Contains(data, []byte(value)) || bytes.Contains(bytes.ToLower(data), []byte(hex.EncodeToString([]byte(value)))) {
			found = append(found, fmt.Sprintf("%s: %s", where, what))
		}
	}
	return found
}

// scanDir reads every file under dir byte for byte: the SQLite file with its
// free pages, the -wal and -shm files, the key files.
func (s *secretsAtRest) scanDir(t *testing.T, dir, adminKey string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		// A running PostgreSQL removes files of its own (pg_internal.init,
		// temporary files) while the walk goes on: what is gone holds
		// nothing any more.
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		// The bootstrap key file holds the admin's key by design (mode
		// 0600); nothing else may.
		skip := map[string]bool{}
		if d.Name() == BootstrapKeyFile {
			skip[adminKey], skip[secretOf(adminKey)] = true, true
		}
		found = append(found, s.findIn(path, data, skip)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// scanStore reads a dump of the store and, for a PostgreSQL store, the
// files of its database, the server's WAL and its statement log.
func (s *secretsAtRest) scanStore(t *testing.T, st testStore) []string {
	t.Helper()
	found := s.findIn("a dump of the store", st.dump(t), nil)
	if st.kind == "postgres" {
		// The database's own files and the WAL, which every database of the
		// server shares; the rest of the data directory holds other tests'.
		oid, err := st.pg.QueryString(context.Background(), "SELECT oid::text FROM pg_database WHERE datname = $1", st.dbName)
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range []string{filepath.Join("base", oid), "pg_wal"} {
			found = append(found, s.scanDir(t, filepath.Join(st.pg.DataDir(), dir), "")...)
		}
		if log, err := st.pg.Log(); err != nil {
			t.Fatal(err)
		} else {
			found = append(found, s.findIn("the store's PostgreSQL log", []byte(log), nil)...)
		}
	}
	return found
}

// Everything a pipeline creates with idempotency keys — machine users with
// their first key, more keys, session tokens, database users with passwords, a new password
// — plus the cluster's DSN, must not be readable from the data directory or
// a dump of the store, while the server runs or after it stopped; and the
// replays still hand the secrets back to their caller.
func TestNoSecretAtRest(t *testing.T) {
	e := newEnv(t)
	pg, clusterID := e.startPG("vault")
	var secrets secretsAtRest
	secrets.addKey("the bootstrap admin key", e.adminKey)
	secrets.add("the cluster DSN's password", dsnPassword(pg.DSN))
	secrets.add("the cluster DSN", pg.DSN)

	var replays []func()
	for i := range 5 {
		path := e.machineUsersPath()
		body := fmt.Sprintf(`{"username": "ci-%d", "accessKey": {"name": "first", "expiresInDays": 30}}`, i)
		idem := fmt.Sprintf("mu-%d", i)
		var mu struct {
			ID         string
			Properties struct{ AccessKey struct{ Secret string } }
		}
		first := e.do("POST", path, e.adminKey, body, "Idempotency-Key", idem).want(201)
		first.decode(201, &mu)
		secrets.addKey(fmt.Sprintf("machine user %d's first key", i), mu.Properties.AccessKey.Secret)
		replays = append(replays, func() {
			again := e.do("POST", path, e.adminKey, body, "Idempotency-Key", idem).want(201)
			if !bytes.Equal(again.body, first.body) {
				t.Errorf("the replay of %s differs from the first answer", idem)
			}
		})

		keysPath := path + "/" + mu.ID + "/access-keys"
		keyBody := `{"name": "second", "expiresInDays": 7}`
		var key struct{ Properties struct{ Secret string } }
		e.do("POST", keysPath, e.adminKey, keyBody, "Idempotency-Key", "key-"+idem).decode(201, &key)
		secrets.addKey(fmt.Sprintf("machine user %d's second key", i), key.Properties.Secret)

		tokenBody := `{"name": "run", "expiresInSeconds": 3600}`
		var token struct{ Properties struct{ Secret string } }
		e.do("POST", path+"/"+mu.ID+"/session-tokens", e.adminKey, tokenBody, "Idempotency-Key", "token-"+idem).decode(201, &token)
		secrets.addKey(fmt.Sprintf("machine user %d's session token", i), token.Properties.Secret)

		password := fmt.Sprintf("db-password-%d-%s", i, strings.Repeat("x", 20))
		userBody := fmt.Sprintf(`{"username": "app_%d", "password": %q}`, i, password)
		usersPath := "/api/v1/clusters/" + clusterID + "/users"
		e.do("POST", usersPath, e.adminKey, userBody, "Idempotency-Key", "user-"+idem).want(201)
		secrets.add(fmt.Sprintf("database user %d's password", i), password)
		// What an unkeyed fingerprint of that request would be: a copy of
		// the store must not offer it to test password guesses against.
		plain := sha256.Sum256([]byte("POST\n" + usersPath + "\n" + userBody))
		secrets.add(fmt.Sprintf("a plain SHA-256 of database user %d's create", i), hex.EncodeToString(plain[:]))

		newPassword := fmt.Sprintf("rotated-password-%d-%s", i, strings.Repeat("y", 20))
		e.do("PATCH", usersPath+"/app_"+fmt.Sprint(i), e.adminKey, fmt.Sprintf(`{"password": %q}`, newPassword)).want(200)
		secrets.add(fmt.Sprintf("database user %d's new password", i), newPassword)
	}
	for _, replay := range replays {
		replay()
	}

	found := append(secrets.scanDir(t, e.dir, e.adminKey), secrets.scanStore(t, e.store)...)
	e.stop() // checkpoints SQLite's WAL into the file
	found = append(found, secrets.scanDir(t, e.dir, e.adminKey)...)
	found = append(found, secrets.scanStore(t, e.store)...)
	for _, f := range found {
		t.Errorf("readable at rest: %s", f)
	}
	t.Logf("scanned the data directory and the %s store twice (running, stopped) for %d secrets", e.store.kind, len(secrets.values))
	e.start()
}

// A replay needs the access key that made the first request: the answer is
// sealed under a key derived from it.
func TestIdempotentReplayNeedsTheSameAccessKey(t *testing.T) {
	e := newEnv(t)
	other := e.newKey(e.adminID, 1)
	body := `{"username": "sealed", "accessKey": {"name": "k", "expiresInDays": 1}}`
	e.do("POST", e.machineUsersPath(), e.adminKey, body, "Idempotency-Key", "one").want(201)
	e.do("POST", e.machineUsersPath(), other, body, "Idempotency-Key", "one").wantError(422, "INVALID_ARGUMENT", "Idempotency-Key")
	again := e.do("POST", e.machineUsersPath(), e.adminKey, body, "Idempotency-Key", "one").want(201)
	if again.header.Get("Idempotent-Replayed") != "true" {
		t.Error("the first access key's retry was not replayed")
	}
}

// Expired answers are deleted on time, by the server itself: not only when
// a later create happens to run.
func TestExpiredIdempotencyAnswersArePurged(t *testing.T) {
	e := newEnv(t)
	e.do("POST", e.machineUsersPath(), e.adminKey, `{"username": "old"}`, "Idempotency-Key", "old").want(201)
	ctx := context.Background()
	if _, err := e.srv.store.GetIdempotencyRecord(ctx, e.adminID, "old"); err != nil {
		t.Fatalf("the record is missing right after the create: %v", err)
	}
	e.clock.Advance(idempotencyTTL - time.Second)
	if err := e.srv.purgeExpiredAnswers(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.store.GetIdempotencyRecord(ctx, e.adminID, "old"); err != nil {
		t.Fatalf("a record younger than the TTL was purged: %v", err)
	}
	// Past the TTL, a restart purges it with no request at all.
	e.clock.Advance(2 * time.Second)
	e.restart()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := e.srv.store.GetIdempotencyRecord(ctx, e.adminID, "old")
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the expired record is still there 10s after the start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The data directory and the store are made private whatever the umask, and
// a start on files that others can read is refused with the fix.
func TestDataDirectoryIsPrivate(t *testing.T) {
	old := syscall.Umask(0)
	dir := privateDir(t)
	s, err := New(context.Background(), Config{DataDir: dir})
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range append([]string{dir}, func() (out []string) {
		for _, e := range entries {
			out = append(out, filepath.Join(dir, e.Name()))
		}
		return out
	}()...) {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %04o under umask 0", path, info.Mode().Perm())
		}
	}
	for _, tc := range []struct {
		path string
		mode os.FileMode
		fix  string
	}{
		{dir, 0o755, "chmod 700 " + dir},
		{filepath.Join(dir, "pgcloud.db"), 0o644, "chmod 600 " + filepath.Join(dir, "pgcloud.db")},
		{filepath.Join(dir, serverKeyFileName), 0o640, "chmod 600 " + filepath.Join(dir, serverKeyFileName)},
		{filepath.Join(dir, BootstrapKeyFile), 0o604, "chmod 600 " + filepath.Join(dir, BootstrapKeyFile)},
	} {
		info, err := os.Stat(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(tc.path, tc.mode); err != nil {
			t.Fatal(err)
		}
		s, err := New(context.Background(), Config{DataDir: dir})
		if err == nil {
			_ = s.Close()
			t.Errorf("the server started with %s at mode %04o", tc.path, tc.mode)
		} else if !strings.Contains(err.Error(), tc.fix) {
			t.Errorf("with %s at mode %04o: %v (want the fix %q)", tc.path, tc.mode, err, tc.fix)
		}
		if err := os.Chmod(tc.path, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	s, err = New(context.Background(), Config{DataDir: dir})
	if err != nil {
		t.Fatalf("a private directory again: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

// A DSN stored in plain text by an older server is sealed at the next start,
// and a server with another server key refuses to start rather than fail on
// the cluster's first request.
func TestClusterDSNsAreSealed(t *testing.T) {
	e := newEnv(t)
	pg, clusterID := e.startPG("legacy")
	ctx := context.Background()
	if err := e.srv.store.SetClusterDSN(ctx, clusterID, pg.DSN); err != nil {
		t.Fatal(err)
	}
	e.restart()
	cl, err := e.srv.store.GetCluster(ctx, clusterID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cl.DSN, dsnPassword(pg.DSN)) || !strings.HasPrefix(cl.DSN, "sealed:v1:") {
		t.Fatalf("the DSN is stored as %.20q..., want it sealed", cl.DSN)
	}
	e.do("GET", "/api/v1/clusters/"+clusterID+"/users?system=true", e.adminKey, nil).want(200)

	e.stop()
	keyFile := filepath.Join(e.dir, serverKeyFileName)
	if err := os.Rename(keyFile, keyFile+".right"); err != nil {
		t.Fatal(err)
	}
	_, err = New(ctx, e.cfg) // makes a new, wrong key
	if err == nil || !strings.Contains(err.Error(), "this store was set up with another server key") {
		t.Fatalf("a server with another key: %v", err)
	}
	if err := os.Rename(keyFile+".right", keyFile); err != nil {
		t.Fatal(err)
	}
	e.start()
}

// The server key can come from the environment (PGCLOUD_SERVER_KEY, base64)
// instead of a file; a store set up with it refuses a server with another.
func TestServerKeyFromTheEnvironment(t *testing.T) {
	dir := privateDir(t)
	ctx := context.Background()
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	s, err := New(ctx, Config{DataDir: dir, ServerKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, serverKeyFileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a key file was made although the key came from the environment: %v", err)
	}
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32))
	if s, err := New(ctx, Config{DataDir: dir, ServerKey: other}); err == nil {
		_ = s.Close()
		t.Fatal("a server with another key started on the store")
	}
	if s, err := New(ctx, Config{DataDir: dir, ServerKey: "c2hvcnQ="}); err == nil || !strings.Contains(err.Error(), "PGCLOUD_SERVER_KEY") {
		if s != nil {
			_ = s.Close()
		}
		t.Fatalf("a 5-byte key: %v", err)
	}
}
