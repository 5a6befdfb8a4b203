package server

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/private"
)

// serverKeyFileName is the server key's file in the data directory.
const serverKeyFileName = "server.key"

// loadServerKey reads the server key from path (base64, as one line), making
// one of 32 random bytes on the first start. The key seals the clusters'
// DSNs in the store, so a copy of the store alone reveals none of them; it
// must stay with the store (a backup needs both) and be the same for every
// replica and admin command of one store.
func loadServerKey(path string) ([]byte, error) {
	if err := private.Check(path); err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	text, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create the server key's directory: %w", err)
		}
		key := make([]byte, 32)
		rand.Read(key)
		err = private.CreateFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"))
		if errors.Is(err, fs.ErrExist) {
			// Another process (a replica, an admin command) made it first.
			text, err = os.ReadFile(path)
		} else if err == nil {
			return key, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read the server key: %w", err)
	}
	return parseServerKey(string(text), path)
}

// ServerKeyEnv names the environment variable that can carry the server key
// itself (base64), for platforms that hand secrets to processes that way; a
// flag would show it in the process list.
const ServerKeyEnv = "PGCLOUD_SERVER_KEY"

// parseServerKey decodes a server key written in base64; from names where it
// came from, for the error.
func parseServerKey(text, from string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(key) < platform.MinServerKeyBytes {
		return nil, fmt.Errorf("the server key in %s is not %d or more bytes in base64 (as the server writes it: "+
			"head -c 32 /dev/urandom | base64)", from, platform.MinServerKeyBytes)
	}
	return key, nil
}
